// Issue 2 benchmark: sequential read throughput of 4 GiB images through guestguard vs
// `qemu-img convert` to a null target, and time to first partition table vs qemu-img info +
// virt-filesystems, all on this machine in this run. Prints a markdown section.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sh, have, timeCmd, table, LIBGUESTFS_ENV } from './lib.mjs';

const work = join(import.meta.dirname, '.work');
mkdirSync(work, { recursive: true });
const sizeGiB = Number(process.env.BENCH_SIZE_GIB ?? 4);
const size = sizeGiB * 1024 ** 3;
const base = join(work, `base-${sizeGiB}g.raw`);
if (!existsSync(base)) {
  // base64 of random bytes: fully allocated and about 75% compressible, like real disk data.
  console.error(`making ${sizeGiB} GiB of data...`);
  sh(`head -c ${(size / 4) * 3} /dev/urandom | base64 -w0 > ${base}.tmp && mv ${base}.tmp ${base}`);
}
const images = [
  ['qcow2', 'qcow2', '-O qcow2'],
  ['qcow2 (deflate compressed)', 'qcow2', '-O qcow2 -c'],
  ['qcow2 (zstd compressed)', 'qcow2', '-O qcow2 -c -o compression_type=zstd'],
  ['VMDK monolithicSparse', 'vmdk', '-O vmdk -o subformat=monolithicSparse'],
  ['VMDK streamOptimized', 'vmdk', '-O vmdk -o subformat=streamOptimized'],
  ['VHDX dynamic', 'vhdx', '-O vhdx -o subformat=dynamic'],
];
const runs = Number(process.env.BENCH_RUNS ?? 3);
const rows = [];
for (const [label, fmt, args] of images) {
  const file = join(work, `${label.replace(/\W+/g, '_')}-${sizeGiB}g.${fmt}`);
  if (!existsSync(file)) {
    console.error(`converting ${label}...`);
    sh(`qemu-img convert -f raw ${args} ${base} ${file}.tmp && mv ${file}.tmp ${file}`);
  }
  const vsize = JSON.parse(sh(`qemu-img info --output=json ${file}`))['virtual-size'];
  const tq = timeCmd(`qemu-img convert -n -f ${fmt} ${file} --target-image-opts driver=null-co,size=${vsize}`, { runs });
  const tg = timeCmd(`node ${join(import.meta.dirname, 'read-image.mjs')} ${file}`, { runs });
  const mb = (s) => (vsize / 1024 ** 2 / s).toFixed(0);
  rows.push([label, `${(statSync(file).size / 1024 ** 2).toFixed(0)} MiB`, `${mb(tg)} MiB/s`, `${mb(tq)} MiB/s`, (tq / tg).toFixed(2)]);
  console.error(`${label}: guestguard ${tg.toFixed(2)} s, qemu-img ${tq.toFixed(2)} s`);
}
let out = `### Sequential read of a ${sizeGiB} GiB image (median of ${runs})\n\n`;
out += table(['image', 'file size', 'guestguard', 'qemu-img convert → null', 'guestguard / qemu-img throughput'], rows) + '\n\n';

// Time to first partition table on a partitioned qcow2 (the sample image).
const sample = join(import.meta.dirname, '..', 'examples', 'sample.qcow2');
const gg = join(import.meta.dirname, '..', 'bin', 'guestguard');
const tGg = timeCmd(`${gg} disk --json ${sample}`, { runs: 5 });
const tInfo = timeCmd(`qemu-img info ${sample}`, { runs: 5 });
out += `### Time to first partition table (examples/sample.qcow2, cold process)\n\n`;
const ptRows = [['guestguard disk --json', `${(tGg * 1000).toFixed(0)} ms`, '1.0'], ['qemu-img info (format only)', `${(tInfo * 1000).toFixed(0)} ms`, (tInfo / tGg).toFixed(2)]];
if (have('virt-filesystems')) {
  const tVf = timeCmd(`qemu-img info ${sample} && virt-filesystems -a ${sample} --all --long`, { runs: 2, env: LIBGUESTFS_ENV });
  ptRows.push(['qemu-img info + virt-filesystems --all --long (libguestfs, TCG)', `${(tVf * 1000).toFixed(0)} ms`, (tVf / tGg).toFixed(1)]);
}
out += table(['tool', 'median wall time', 'time / guestguard'], ptRows) + '\n';
process.stdout.write(out);
