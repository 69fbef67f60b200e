// Reads a whole image through guestguard's block layer, sequentially, and prints bytes and
// seconds as JSON. With --sha256 it also hashes the stream (used to check the bytes, not for
// timing). Imports only the block layer (not dist/index.js, whose job-queue exports alone take
// seconds to load), and streams into a reused ring of buffers as a hashing or copying consumer
// would (see StreamOptions.reuseBuffers).
import { createHash } from 'node:crypto';
import { openImage } from '../dist/disk/open-image.js';
import { streamDevice } from '../dist/disk/stream.js';

const path = process.argv[2];
const hash = process.argv.includes('--sha256') ? createHash('sha256') : undefined;
const t0 = process.hrtime.bigint();
const img = await openImage(path);
let bytes = 0;
for await (const chunk of streamDevice(img, { chunkSize: 2 << 20, readAhead: 4, reuseBuffers: true })) {
  bytes += chunk.length;
  hash?.update(chunk);
}
await img.close();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(JSON.stringify({ bytes, seconds, sha256: hash?.digest('hex') }) + '\n');
