// Issue 3 benchmark: a Debian root filesystem (ext4, XFS, btrfs on a GPT raw disk). Recursive
// listing + SHA-256 of every file through guestguard vs virt-ls and virt-tar-out (libguestfs),
// and `cat` of one small file from a cold process vs virt-cat. Checks the tools' outputs agree.
// Prints a markdown section on stdout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fsImages } from './fs-images.mjs';
import { compareListings, parseGuestguardJson, parseTar, parseVirtLs } from './listings.mjs';
import { log, mib, q, secs, sh, spread, table, timeCmd, warm, GG, LIBGUESTFS_ENV, LIBGUESTFS_RUNS, WORK } from './lib.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const images = fsImages();
const listRows = [];
const catRows = [];
const agreement = [];
const x = (a, b) => `**${(b.seconds / a.seconds).toFixed(1)}x**`;

for (const [type, img] of Object.entries(images)) {
  warm(img);
  log(`${type}: guestguard ls (${runs} runs)...`);
  const gLs = timeCmd(`${q(GG)} ls -lR --checksum sha256 ${q(img)} /`, { runs });
  const ggJson = join(WORK, `gg-${type}.json`);
  sh(`${q(GG)} ls -lR --checksum sha256 --json ${q(img)} / > ${q(ggJson)}`);
  const ref = parseGuestguardJson(readFileSync(ggJson, 'utf8'));
  const files = [...ref.values()].filter((e) => e.type === '-');
  const dataBytes = files.reduce((a, e) => a + e.size, 0);

  log(`${type}: guestguard cat (5 runs)...`);
  const catOut = join(WORK, `gg-cat-${type}.txt`);
  const gCat = timeCmd(`${q(GG)} cat ${q(img)} /etc/hostname`, { runs: 5, stdoutTo: catOut });

  const row = [type, `${ref.size} / ${files.length} / ${(dataBytes / 1024 ** 2).toFixed(0)} MiB`, `${secs(gLs.seconds)}${spread(gLs)}`, mib(gLs.rssKiB)];
  const catRow = [type, `${secs(gCat.seconds)}${spread(gCat)}`, mib(gCat.rssKiB)];
  const agree = [`**${type}** (${ref.size} entries, ${files.length} regular files):`];
  if (LIBGUESTFS_RUNS > 0) {
    log(`${type}: virt-ls (${LIBGUESTFS_RUNS} run)...`);
    const vlsOut = join(WORK, `virt-ls-${type}.txt`);
    const vLs = timeCmd(`virt-ls -lR --checksum=sha256 -a ${q(img)} /`, { runs: LIBGUESTFS_RUNS, env: LIBGUESTFS_ENV, stdoutTo: vlsOut });
    log(`${type}: virt-tar-out (${LIBGUESTFS_RUNS} run)...`);
    const tarOut = join(WORK, `virt-tar-out-${type}.tar`);
    const vTar = timeCmd(`virt-tar-out -a ${q(img)} / -`, { runs: LIBGUESTFS_RUNS, env: LIBGUESTFS_ENV, stdoutTo: tarOut });
    log(`${type}: virt-cat (${LIBGUESTFS_RUNS} run)...`);
    const vcatOut = join(WORK, `virt-cat-${type}.txt`);
    const vCat = timeCmd(`virt-cat -a ${q(img)} /etc/hostname`, { runs: LIBGUESTFS_RUNS, env: LIBGUESTFS_ENV, stdoutTo: vcatOut });

    row.push(`${secs(vLs.seconds)}${spread(vLs)}`, x(gLs, vLs), `${secs(vTar.seconds)}${spread(vTar)}`, x(gLs, vTar), `${gLs.cpu.toFixed(1)} / ${vLs.cpu.toFixed(1)} / ${vTar.cpu.toFixed(1)} s`);
    catRow.push(`${secs(vCat.seconds)}${spread(vCat)}`, x(gCat, vCat));

    const vs = (name, c) => {
      const sums = c.files !== undefined ? `, SHA-256 equal for ${c.sumsEqual}/${c.files} files` : '';
      const head = `${name}: ${c.same ? 'identical' : 'DIFFERENT'} (${c.entries} entries${sums})`;
      const details = [
        c.missing.length ? `missing ${c.missing.length}: ${c.missing.slice(0, 5).join(', ')}` : '',
        c.extra.length ? `extra ${c.extra.length}: ${c.extra.slice(0, 5).join(', ')}` : '',
        c.diffs.length ? `${c.diffs.length} differ: ${c.diffs.slice(0, 5).join('; ')}` : '',
      ].filter(Boolean);
      return details.length ? `${head} — ${details.join(' — ')}` : head;
    };
    agree.push(`  - vs virt-ls: ${vs('paths, types, sizes, symlink targets, checksums', compareListings(ref, parseVirtLs(readFileSync(vlsOut, 'utf8'))))}`);
    agree.push(`  - vs virt-tar-out: ${vs('paths, types, file sizes, symlink targets, SHA-256 of the archived data', compareListings(ref, parseTar(tarOut)))}`);
    const a = readFileSync(catOut);
    const b = readFileSync(vcatOut);
    agree.push(`  - cat /etc/hostname vs virt-cat: ${a.equals(b) ? `identical (${JSON.stringify(a.toString())})` : `DIFFERENT (${JSON.stringify(a.toString())} vs ${JSON.stringify(b.toString())})`}`);
  }
  listRows.push(row);
  catRows.push(catRow);
  agreement.push(agree.join('\n'));
}

const lg = LIBGUESTFS_RUNS > 0;
let out = `### Recursive listing + SHA-256 of every file (Debian bookworm minbase root on a 1 GiB GPT raw disk; guestguard median of ${runs}, libguestfs ${LIBGUESTFS_RUNS} run${LIBGUESTFS_RUNS === 1 ? '' : 's'})\n\n`;
out += table(
  [
    'filesystem',
    'entries / files / data',
    'guestguard `ls -lR --checksum sha256`',
    'guestguard peak RSS',
    ...(lg ? ['`virt-ls -lR --checksum=sha256`', 'speedup', '`virt-tar-out / -`', 'speedup', 'CPU user+sys: guestguard / virt-ls / virt-tar-out'] : []),
  ],
  listRows,
);
out += `\n\n### \`cat /etc/hostname\`, cold process (guestguard median of 5)\n\n`;
out += table(['filesystem', 'guestguard `cat`', 'guestguard peak RSS', ...(lg ? ['`virt-cat`', 'speedup'] : [])], catRows);
out += `\n\n### Do the outputs agree?\n\n${agreement.map((a) => `- ${a}`).join('\n')}\n`;
process.stdout.write(out + '\n');
