// Diagnostic for the issue-2 gap (not part of `npm run bench`): reads a whole image file in
// different ways to separate guestguard's format logic from buffer handling. Usage:
//   node bench/read-variants.mjs IMAGE MODE [chunkMiB=8] [readAhead=4]
// MODE: gg       guestguard openImage + streamDevice into reused buffers (as bench/read-image.mjs)
//       ggfresh  guestguard openImage + streamDevice, a fresh buffer per chunk
//       fresh    plain FileHandle.read of the host file, a new zeroed buffer per chunk
//       unsafe   plain FileHandle.read of the host file, a new Buffer.allocUnsafe (not zeroed) per chunk
//       pool     plain FileHandle.read of the host file into readAhead reused buffers
import { open } from 'node:fs/promises';
import { openImage } from '../dist/disk/open-image.js';
import { streamDevice } from '../dist/disk/stream.js';

const [path, mode, chunkMiB = '8', aheadArg = '4'] = process.argv.slice(2);
const chunk = Number(chunkMiB) * 1024 * 1024;
const ahead = Number(aheadArg);
const t0 = process.hrtime.bigint();
let bytes = 0;
if (mode === 'gg' || mode === 'ggfresh') {
  const img = await openImage(path);
  for await (const c of streamDevice(img, { chunkSize: chunk, readAhead: ahead, reuseBuffers: mode === 'gg' })) bytes += c.length;
  await img.close();
} else {
  const fh = await open(path, 'r');
  const size = (await fh.stat()).size;
  const pool = Array.from({ length: ahead }, () => new Uint8Array(chunk));
  const queue = [];
  let next = 0;
  let slot = 0;
  const issue = () => {
    while (queue.length < ahead && next < size) {
      const n = Math.min(chunk, size - next);
      const buf = mode === 'pool' ? pool[slot++ % ahead] : mode === 'unsafe' ? Buffer.allocUnsafe(n) : new Uint8Array(n);
      queue.push(fh.read(buf, 0, n, next));
      next += n;
    }
  };
  issue();
  while (queue.length) {
    bytes += (await queue.shift()).bytesRead;
    issue();
  }
  await fh.close();
}
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`${mode} chunk=${chunkMiB}MiB ahead=${ahead}: ${(bytes / 2 ** 20 / s).toFixed(0)} MiB/s (${s.toFixed(2)} s)`);
