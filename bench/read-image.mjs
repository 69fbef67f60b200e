// Reads a whole image through guestguard, sequentially, and prints bytes and seconds as JSON.
import { openImage, streamDevice } from '../dist/index.js';

const path = process.argv[2];
const t0 = process.hrtime.bigint();
const img = await openImage(path);
let bytes = 0;
for await (const chunk of streamDevice(img, { chunkSize: 8 << 20, readAhead: 4 })) bytes += chunk.length;
await img.close();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(JSON.stringify({ bytes, seconds }) + '\n');
