// Issue 2 benchmark: sequential read throughput of BENCH_SIZE_GIB images through guestguard vs
// `qemu-img convert` to a null target, and time to first partition table vs qemu-img info +
// virt-filesystems, on this machine in this run. Prints a markdown section on stdout and writes
// it, with the command that produced it, to bench/results/disk.md. Run alone (after
// `npm run build`) as `BENCH_RUNS=5 node bench/disk.mjs`; BENCH_IMAGES=raw,qcow2 limits the rows.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { sh, have, log, q, secs, spread, table, timeCmd, timeInterleaved, warm, GG, LIBGUESTFS_ENV, LIBGUESTFS_RUNS, ROOT, WORK } from './lib.mjs';

const sizeGiB = Number(process.env.BENCH_SIZE_GIB ?? 4);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const size = Math.round(sizeGiB * 1024 ** 3);
const base = join(WORK, `base-${sizeGiB}g.raw`);
if (!existsSync(base)) {
  // base64 of random bytes: fully allocated, no zero runs, and deflate/zstd shrink it to ~75%,
  // between text-like and already-compressed guest data.
  log(`making ${sizeGiB} GiB of data...`);
  sh(`head -c ${(size / 4) * 3} /dev/urandom | base64 -w0 > ${q(base + '.tmp')} && mv ${q(base + '.tmp')} ${q(base)}`);
}
const baseSha = sh(`sha256sum ${q(base)}`).split(' ')[0];

// [label, qemu-img format, conversion options (null: the raw source itself)]
const images = [
  ['raw', 'raw', null],
  ['qcow2', 'qcow2', '-O qcow2'],
  ['qcow2 (deflate compressed)', 'qcow2', '-O qcow2 -c'],
  ['qcow2 (zstd compressed)', 'qcow2', '-O qcow2 -c -o compression_type=zstd'],
  ['VMDK monolithicSparse', 'vmdk', '-O vmdk -o subformat=monolithicSparse'],
  ['VMDK streamOptimized', 'vmdk', '-O vmdk -o subformat=streamOptimized'],
  ['VHDX dynamic', 'vhdx', '-O vhdx -o subformat=dynamic'],
  ['VDI dynamic', 'vdi', '-O vdi'],
];
// BENCH_IMAGES=raw,qcow2 times only the named rows (labels as in the table, comma-separated).
const only = process.env.BENCH_IMAGES?.split(',').map((x) => x.trim());
if (only) images.splice(0, images.length, ...images.filter(([label]) => only.includes(label)));
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const rows = [];
const checks = [];
for (const [label, fmt, args] of images) {
  const file = args === null ? base : join(WORK, `${label.replace(/\W+/g, '_')}-${sizeGiB}g.${fmt}`);
  if (!existsSync(file)) {
    log(`converting ${label}...`);
    sh(`qemu-img convert -f raw ${args} ${q(base)} ${q(file + '.tmp')} && mv ${q(file + '.tmp')} ${q(file)}`);
  }
  const vsize = JSON.parse(sh(`qemu-img info --output=json ${q(file)}`))['virtual-size'];
  // Correctness first (untimed): the bytes guestguard streams must be the raw image's bytes.
  const got = JSON.parse(sh(`node ${q(join(import.meta.dirname, 'read-image.mjs'))} ${q(file)} --sha256`));
  checks.push(`${label}: ${got.sha256 === baseSha && got.bytes === vsize ? 'identical to the raw source' : `MISMATCH (got ${got.bytes} bytes, sha256 ${got.sha256})`}`);
  // Both read from a warm page cache: this measures the readers, not the host disk.
  warm(file);
  log(`timing ${label} (${runs} runs each, interleaved)...`);
  const loadBefore = loadavg();
  const [tq, tg] = timeInterleaved(
    [
      { cmd: `qemu-img convert -n -f ${fmt} ${q(file)} --target-image-opts driver=null-co,size=${vsize}` },
      { cmd: `node ${q(join(import.meta.dirname, 'read-image.mjs'))} ${q(file)}` },
    ],
    { runs },
  );
  const mbs = (s) => `${(vsize / 1024 ** 2 / s).toFixed(0)} MiB/s`;
  rows.push([
    label,
    `${(statSync(file).size / 1024 ** 2).toFixed(0)} MiB`,
    `${mbs(tg.seconds)}${spread(tg)}`,
    `${mbs(tq.seconds)}${spread(tq)}`,
    `**${(tq.seconds / tg.seconds).toFixed(2)}**`,
    `${tg.cpu.toFixed(1)} s / ${tq.cpu.toFixed(1)} s`,
    `${loadBefore} → ${loadavg()}`,
  ]);
  log(`${label}: guestguard ${tg.seconds.toFixed(2)} s, qemu-img ${tq.seconds.toFixed(2)} s`);
}
let out = `### Sequential read of a ${sizeGiB} GiB image (median of ${runs} interleaved runs, warm page cache)\n\n`;
out +=
  'guestguard: `node bench/read-image.mjs IMAGE` (a whole process: node start-up, openImage, then streamDevice ' +
  'with 2 MiB chunks, 4 reads in flight, a reused ring of buffers). qemu-img: `qemu-img convert -n -f FMT IMAGE ' +
  '--target-image-opts driver=null-co,size=N`. Wall time of each process; throughput is the virtual size over it.\n\n';
out += table(
  ['image', 'file size', 'guestguard MiB/s (runs, s)', 'qemu-img MiB/s (runs, s)', 'ratio (guestguard / qemu-img throughput)', 'CPU time (user+sys) guestguard / qemu-img', 'load average before → after'],
  rows,
);
out += `\n\nData check (untimed): SHA-256 of the bytes guestguard streamed vs the raw source image:\n\n${checks.map((c) => `- ${c}`).join('\n')}\n\n`;

// Time to first partition table on a partitioned qcow2 (the sample image), each a cold process.
const sample = join(ROOT, 'examples', 'sample.qcow2');
warm(sample);
log('timing time-to-partition-table...');
const tGg = timeCmd(`${q(GG)} disk --json ${q(sample)}`, { runs: 5 });
const tInfo = timeCmd(`qemu-img info ${q(sample)}`, { runs: 5 });
out += `### Time to first partition table (examples/sample.qcow2: 256 MiB GPT disk, ESP + ext4, compressed qcow2; cold process)\n\n`;
const ptRows = [
  ['guestguard disk --json (format, partitions, filesystems)', `${secs(tGg.seconds)}${spread(tGg)}`, '1.0'],
  ['qemu-img info (format only)', `${secs(tInfo.seconds)}${spread(tInfo)}`, (tInfo.seconds / tGg.seconds).toFixed(2)],
];
if (LIBGUESTFS_RUNS > 0 && have('virt-filesystems')) {
  const tVf = timeCmd(`qemu-img info ${q(sample)} && virt-filesystems -a ${q(sample)} --all --long`, { runs: LIBGUESTFS_RUNS, env: LIBGUESTFS_ENV });
  ptRows.push([
    'qemu-img info + virt-filesystems --all --long (libguestfs, TCG)',
    `${secs(tVf.seconds)}${spread(tVf)}`,
    `**${(tVf.seconds / tGg.seconds).toFixed(1)}**`,
  ]);
}
out += table(['tool', 'median wall time (runs)', 'time / guestguard'], ptRows) + '\n';
process.stdout.write(out + '\n');

// A standalone copy for BENCHMARKS.md, naming how it was produced.
const command =
  process.env.npm_lifecycle_event === 'bench'
    ? `BENCH_SIZE_GIB=${sizeGiB} BENCH_RUNS=${runs} npm run bench -- disk`
    : `npm run build && BENCH_SIZE_GIB=${sizeGiB} BENCH_RUNS=${runs} node bench/disk.mjs`;
const head =
  `## Disk read throughput (issue 2), ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC\n\n` +
  `- command: \`${command}\` (the disk part of \`npm run bench\`; progress on stderr)\n` +
  `- machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 1024 ** 3)} GiB RAM, shared with other work\n` +
  `- ${sh('qemu-img --version').split('\n')[0]}, node ${process.version}\n\n`;
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'disk.md'), head + out);
log('wrote bench/results/disk.md');
