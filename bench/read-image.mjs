// Reads a whole image through guestguard's library, sequentially, and prints bytes and seconds
// as JSON. With --sha256 it also hashes the stream (used to check the bytes, not for timing).
import { createHash } from 'node:crypto';
import { openImage, streamDevice } from '../dist/index.js';

const path = process.argv[2];
const hash = process.argv.includes('--sha256') ? createHash('sha256') : undefined;
const t0 = process.hrtime.bigint();
const img = await openImage(path);
let bytes = 0;
for await (const chunk of streamDevice(img, { chunkSize: 8 << 20, readAhead: 4 })) {
  bytes += chunk.length;
  hash?.update(chunk);
}
await img.close();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(JSON.stringify({ bytes, seconds, sha256: hash?.digest('hex') }) + '\n');
