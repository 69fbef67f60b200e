// Issue 5 benchmark: a whole `guestguard profile` run (every built-in profile, 300+ rules) on
// real Debian images, as a user runs it: a cold process, disks opened, OS inspected, every rule
// evaluated, the JSON report written. Also `inspect` of the same image, for the share of the
// run that is inspection. No reference tool does the same job (Lynis needs a mounted or booted
// system), so this part reports guestguard alone against the "well under a second".
// Prints a markdown section on stdout.
import { register } from 'node:module';
import { statSync } from 'node:fs';
import { loadavg, log, median, mib, q, secs, spread, table, timeCmd, warm, GG } from './lib.mjs';

register('./ts-hooks.mjs', import.meta.url);
const debian = await import('../test/helpers/debian-guest.ts');
const audit = await import('../test/audit/guests/debian.ts');

const runs = Number(process.env.BENCH_PROFILE_RUNS ?? 9);

log('profile: building or reusing the guest images...');
const guests = [
  ['Debian 12, ext4 on LVM on GPT, /boot + ESP', 'raw', debian.debianLvmDisk().raw],
  ['Debian 12, ext4 on LVM on GPT, /boot + ESP', 'qcow2 (compressed)', debian.convertDisk(debian.debianLvmDisk().raw, 'qcow2', ['-c'])],
  ['Debian 12, XFS on MBR with logical partitions', 'VMDK', debian.convertDisk(debian.debianXfsMbrDisk().raw, 'vmdk')],
  ['Debian 12, btrfs @ and @home, zstd', 'VHDX', debian.convertDisk(debian.debianBtrfsDisk().raw, 'vhdx')],
];
if (audit.canBuildAuditGuests) guests.push(['Debian 12 with planted misconfigurations (issue 5 test guest)', 'raw', audit.debianBadGuest().raw]);

const rows = [];
const loads = [`start: ${loadavg()}`];
for (const [label, format, image] of guests) {
  warm(image);
  log(`profile: ${label} (${format}), ${runs} runs each...`);
  // Interleaved halves, so a load spike on this shared machine does not land on one command only.
  const half = Math.ceil(runs / 2);
  const p1 = timeCmd(`${q(GG)} profile --format json ${q(image)}`, { runs: half });
  const i1 = timeCmd(`${q(GG)} inspect --format json ${q(image)}`, { runs: half });
  const p2 = timeCmd(`${q(GG)} profile --format json ${q(image)}`, { runs: runs - half });
  const i2 = timeCmd(`${q(GG)} inspect --format json ${q(image)}`, { runs: runs - half });
  const p = pool(p1, p2);
  const i = pool(i1, i2);
  rows.push([label, `${format}, ${mib(statSync(image).blocks / 2)} on disk`, `**${secs(p.seconds)}**${spread(p)}`, `${p.cpu.toFixed(2)} s`, mib(p.rssKiB), `${secs(i.seconds)} (CPU ${i.cpu.toFixed(2)} s)`]);
  loads.push(`after ${label} (${format}): ${loadavg()}`);
}

let out = `### \`guestguard profile\`, every built-in profile, cold process (median of ${runs} runs)\n\n`;
out += table(['guest', 'image', '`profile --format json IMG` wall', 'CPU user+sys', 'peak RSS', '`inspect --format json IMG` (same image)'], rows);
out += `\n\nLoad average (1/5/15 min): ${loads.join('; ')}.\n`;
process.stdout.write(out + '\n');

function pool(a, b) {
  const times = [...a.times, ...b.times];
  const cpus = [...a.cpus, ...b.cpus];
  return { seconds: median(times), cpu: median(cpus), times, cpus, rssKiB: Math.max(a.rssKiB, b.rssKiB) };
}
