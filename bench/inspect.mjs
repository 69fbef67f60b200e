// Issue 4 benchmark: full inspection (packages/applications included) of each inspect test guest,
// `guestguard inspect` vs `virt-inspector` on the same image in the same run, with guestguard's
// peak memory. The images are the ones test/inspect/ compares with virt-inspector, built (or
// reused from .fixtures/) by the same test helpers. Checks the two reports agree on the fields
// both produce. Prints a markdown section on stdout.
import { register } from 'node:module';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg, log, mib, q, ratio, secs, spread, table, timeCmd, warm, GG, LIBGUESTFS_ENV, LIBGUESTFS_RUNS, WORK } from './lib.mjs';

// The fixture builders and the XML comparison are TypeScript test helpers.
register('./ts-hooks.mjs', import.meta.url);
const debian = await import('../test/helpers/debian-guest.ts');
const { windowsDisks } = await import('../test/inspect/windows-disks.ts');
const { comparableFromXml } = await import('../test/inspect/helpers.ts');

const runs = Number(process.env.BENCH_RUNS ?? 3);
const lg = LIBGUESTFS_RUNS > 0;
const lgRuns = `${LIBGUESTFS_RUNS} run${LIBGUESTFS_RUNS === 1 ? '' : 's'}`;

log('inspect: building or reusing the guest images...');
const win = await windowsDisks();
// Same containers and conversion options as test/inspect/debian-guests.test.ts.
const guests = [
  ['Debian 12, ext4 on LVM on GPT, /boot + ESP', 'qcow2 (compressed)', debian.convertDisk(debian.debianLvmDisk().raw, 'qcow2', ['-c'])],
  ['Debian 12, XFS on MBR with logical partitions', 'VMDK', debian.convertDisk(debian.debianXfsMbrDisk().raw, 'vmdk')],
  ['Debian 12, btrfs @ and @home, zstd', 'VHDX', debian.convertDisk(debian.debianBtrfsDisk().raw, 'vhdx')],
  ['Windows Server 2022 (NTFS, hivex-built hives), GPT', 'qcow2', win.server],
  ['Windows 10 32-bit (NTFS, hivex-built hives), MBR, 8 GiB sparse', 'raw', win.win10],
];

// BENCH_INSPECT_GUESTS=3,4 runs only those guests (1-based, in the order above).
const only = process.env.BENCH_INSPECT_GUESTS?.split(',').map(Number);
const selected = guests.filter((_, i) => !only || only.includes(i + 1));

const rows = [];
const agreement = [];
const loads = [`start of the inspect section: ${loadavg()}`];
for (const [i, [label, format, image]] of selected.entries()) {
  warm(image);
  const name = `guest ${i + 1} (${format})`;
  log(`${name}: guestguard inspect (${runs} runs)...`);
  const ggXml = join(WORK, `gg-inspect-${i}.xml`);
  // XML, so both tools print the same document; the JSON report is built from the same data.
  const g = timeCmd(`${q(GG)} inspect --format xml ${q(image)}`, { runs, stdoutTo: ggXml });
  const row = [label, `${format}, ${mib(statSync(image).blocks / 2)} on disk`, `${secs(g.seconds)}${spread(g)}`, `**${mib(g.rssKiB)}**`];
  if (lg) {
    log(`${name}: virt-inspector (${lgRuns})...`);
    const viXml = join(WORK, `virt-inspector-${i}.xml`);
    const v = timeCmd(`virt-inspector -a ${q(image)}`, { runs: LIBGUESTFS_RUNS, env: LIBGUESTFS_ENV, stdoutTo: viXml });
    row.push(`${secs(v.seconds)}${spread(v)}`, ratio(g, v), `${g.cpu.toFixed(1)} / ${v.cpu.toFixed(1)} s`);
    log(`${name}: guestguard ${secs(g.seconds)} (${mib(g.rssKiB)}), virt-inspector ${secs(v.seconds)} (load ${loadavg()})`);
    agreement.push(`- **${label}**: ${agree(readFileSync(ggXml, 'utf8'), readFileSync(viXml, 'utf8'))}`);
  }
  rows.push(row);
  loads.push(`after ${name}: ${loadavg()}`);
}

let out = `### Full inspection, packages included (guestguard median of ${runs} run${runs === 1 ? '' : 's'}${lg ? `, virt-inspector ${lgRuns} (TCG appliance)` : ''})\n\n`;
out += table(
  ['guest', 'image', 'guestguard `inspect --format xml IMG`', 'guestguard peak RSS', ...(lg ? ['`virt-inspector -a IMG`', 'speedup', 'CPU user+sys: guestguard / virt-inspector'] : [])],
  rows,
);
out += '\n\nPeak RSS is the maximum resident set size of the guestguard process (`/usr/bin/time -v`).\n';
if (lg) out += `\n### Do the reports agree? (fields both tools produce: OS identity, mount points, filesystems, applications with versions)\n\n${agreement.join('\n')}\n`;
out += `\nLoad average (1/5/15 min): ${loads.join('; ')}.\n`;
process.stdout.write(out + '\n');

/** Field-by-field comparison of the two XML reports, as test/inspect/ does it. */
function agree(oursXml, theirsXml) {
  const ours = comparableFromXml(oursXml);
  const theirs = comparableFromXml(theirsXml);
  if (ours.length !== theirs.length) return `DIFFERENT: ${ours.length} vs ${theirs.length} operating systems`;
  const diffs = [];
  let apps = 0;
  ours.forEach((o, i) => {
    const t = theirs[i];
    for (const k of Object.keys({ ...o, ...t })) {
      if (k === 'applications') continue;
      const a = JSON.stringify(o[k]);
      const b = JSON.stringify(t[k]);
      if (a !== b) diffs.push(`${k}: ${a} vs ${b}`);
    }
    apps += t.applications.size;
    for (const [n, facts] of t.applications) {
      const mine = o.applications.get(n);
      if (!mine) diffs.push(`application ${n} missing`);
      else if (JSON.stringify(mine) !== JSON.stringify(facts)) diffs.push(`application ${n}: ${JSON.stringify(mine)} vs ${JSON.stringify(facts)}`);
    }
    for (const n of o.applications.keys()) if (!t.applications.has(n)) diffs.push(`application ${n} extra`);
  });
  const what = `OS facts, mount points, filesystems and ${apps} applications`;
  return diffs.length === 0 ? `identical (${what})` : `DIFFERENT in ${diffs.length} places (${what}): ${diffs.slice(0, 6).join('; ')}`;
}
