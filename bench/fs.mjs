// Issue 3 benchmark: a Debian root filesystem (ext4, XFS, btrfs on a GPT raw disk), guestguard vs
// libguestfs on the same image in the same run:
//   - recursive listing + SHA-256 of every file: `ls -lR --checksum` vs `virt-ls -lR --checksum`;
//   - the whole tree out to host files: `copy-out` vs `virt-copy-out` and `virt-tar-out`;
//   - `cat` of one small file from a cold process vs `virt-cat`.
// Checks that the tools' outputs agree. Prints a markdown section on stdout.
// BENCH_FS=ext4,xfs picks filesystems; BENCH_COPY_DIR is where trees are copied (default: a
// tmpfs folder, so both tools are measured rather than the host disk: see the note printed);
// BENCH_VIRT_LS=0 skips virt-ls, by far the slowest command (one appliance call per file: 10 to
// 45 minutes per image here under TCG).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fsImages } from './fs-images.mjs';
import { compareListings, copiedRoot, parseGuestguardJson, parseHostTree, parseTar, parseVirtLs, withoutSpecial } from './listings.mjs';
import { loadavg, log, merge, mib, q, ratio, secs, sh, spread, table, timeCmd, timeFresh, warm, GG, LIBGUESTFS_ENV, LIBGUESTFS_RUNS, WORK } from './lib.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const only = process.env.BENCH_FS?.split(',');
const copyBase = process.env.BENCH_COPY_DIR ?? (existsSync('/dev/shm') ? '/dev/shm/guestguard-bench' : join(WORK, 'copies'));
mkdirSync(copyBase, { recursive: true });
const images = Object.entries(fsImages()).filter(([type]) => !only || only.includes(type));
const lg = LIBGUESTFS_RUNS > 0;
const virtLs = lg && process.env.BENCH_VIRT_LS !== '0';
const lgRuns = `${LIBGUESTFS_RUNS} run${LIBGUESTFS_RUNS === 1 ? '' : 's'}`;
const listRows = [];
const copyRows = [];
const catRows = [];
const agreement = [];
const loads = [`start of the filesystem section: ${loadavg()}`];

const freshDir = (tag, base = copyBase) => mkdtempSync(join(base, `${tag}-`));
/** Times a copy into a new folder per run; keeps the last copy for the agreement check. */
function timeCopy(tag, command, n, env, base = copyBase) {
  const dests = [];
  const t = timeFresh(
    n,
    (i) => command((dests[i] = freshDir(tag, base))),
    (i) => i < n - 1 && rmSync(dests[i], { recursive: true, force: true }),
    { env },
  );
  return { ...t, dest: dests[n - 1] };
}

/**
 * guestguard's runs take seconds and libguestfs's minutes, so a load spike on this shared machine
 * can land on all of guestguard's runs at once. Half of them run before the libguestfs commands
 * and half after; the table shows the median of all.
 */
function guestguardRuns(type, img, ggJson, catOut) {
  const ls = timeCmd(`${q(GG)} ls -lR --checksum sha256 ${q(img)} /`, { runs });
  if (ggJson) sh(`${q(GG)} ls -lR --checksum sha256 --json ${q(img)} / > ${q(ggJson)}`);
  const copy = timeCopy(`gg-${type}`, (d) => `${q(GG)} copy-out ${q(img)} / ${q(d)} 2>/dev/null`, runs);
  const cat = timeCmd(`${q(GG)} cat ${q(img)} /etc/hostname`, { runs: 5, stdoutTo: catOut });
  return { ls, copy, cat };
}

function describe(name, c) {
  const sums = c.files !== undefined ? `, SHA-256 equal for ${c.sumsEqual}/${c.files} files` : '';
  const head = `${name}: ${c.same ? 'identical' : 'DIFFERENT'} (${c.entries} entries${sums})`;
  const details = [
    c.missing.length ? `missing ${c.missing.length}: ${c.missing.slice(0, 5).join(', ')}` : '',
    c.extra.length ? `extra ${c.extra.length}: ${c.extra.slice(0, 5).join(', ')}` : '',
    c.diffs.length ? `${c.diffs.length} differ: ${c.diffs.slice(0, 5).join('; ')}` : '',
  ].filter(Boolean);
  return details.length ? `${head} — ${details.join(' — ')}` : head;
}

for (const [type, img] of images) {
  warm(img);
  log(`${type}: guestguard ls -lR --checksum, copy-out, cat (${runs}, ${runs} and 5 runs)...`);
  const ggJson = join(WORK, `gg-${type}.json`);
  const catOut = join(WORK, `gg-cat-${type}.txt`);
  const before = guestguardRuns(type, img, ggJson, catOut);
  let gLs = before.ls;
  let gCopy = before.copy;
  let gCat = before.cat;
  const ref = parseGuestguardJson(readFileSync(ggJson, 'utf8'));
  const files = [...ref.values()].filter((e) => e.type === '-');
  const dataBytes = files.reduce((a, e) => a + e.size, 0);
  log(`${type}: guestguard ls ${secs(gLs.seconds)}, copy-out ${secs(gCopy.seconds)}, cat ${secs(gCat.seconds)} (load ${loadavg()})`);
  const copyAgreement = compareListings(withoutSpecial(ref), parseHostTree(gCopy.dest));
  rmSync(gCopy.dest, { recursive: true, force: true });

  const size = `${ref.size} / ${files.length} / ${(dataBytes / 1024 ** 2).toFixed(0)} MiB`;
  const agree = [`**${type}** (${ref.size} entries, ${files.length} regular files):`];
  agree.push(`  - guestguard copy-out vs guestguard's listing: ${describe('paths, types, sizes, modes, mtimes, symlink targets, SHA-256 (special files are skipped by design)', copyAgreement)}`);
  const lgCells = { list: [], copy: [], cat: [] };

  if (lg) {
    if (virtLs) {
      log(`${type}: virt-ls (${lgRuns})...`);
      const vlsOut = join(WORK, `virt-ls-${type}.txt`);
      const vLs = timeCmd(`virt-ls -lR --checksum=sha256 -a ${q(img)} /`, { runs: LIBGUESTFS_RUNS, env: LIBGUESTFS_ENV, stdoutTo: vlsOut });
      lgCells.list = [vLs];
      agree.push(`  - vs virt-ls: ${describe('paths, types, sizes, symlink targets, checksums', compareListings(ref, parseVirtLs(readFileSync(vlsOut, 'utf8'))))}`);
      log(`${type}: virt-ls ${secs(vLs.seconds)} vs guestguard ls ${secs(gLs.seconds)}`);
    }
    log(`${type}: virt-tar-out (${lgRuns})...`);
    const tarOut = join(copyBase, `virt-tar-out-${type}.tar`);
    const vTar = timeCmd(`virt-tar-out -a ${q(img)} / -`, { runs: LIBGUESTFS_RUNS, env: LIBGUESTFS_ENV, stdoutTo: tarOut });
    log(`${type}: virt-copy-out (${lgRuns})...`);
    const vCopy = timeCopy(`virt-${type}`, (d) => `virt-copy-out -a ${q(img)} / ${q(d)}`, LIBGUESTFS_RUNS, LIBGUESTFS_ENV);
    log(`${type}: virt-cat (${lgRuns})...`);
    const vcatOut = join(WORK, `virt-cat-${type}.txt`);
    const vCat = timeCmd(`virt-cat -a ${q(img)} /etc/hostname`, { runs: LIBGUESTFS_RUNS, env: LIBGUESTFS_ENV, stdoutTo: vcatOut });

    lgCells.copy = [vCopy, vTar];
    lgCells.cat = [vCat];

    agree.push(`  - vs virt-tar-out: ${describe('paths, types, file sizes, symlink targets, SHA-256 of the archived data', compareListings(ref, parseTar(tarOut)))}`);
    agree.push(`  - vs virt-copy-out: ${describe('paths, types, sizes, modes, mtimes, symlink targets, SHA-256 of the copied files', compareListings(ref, parseHostTree(copiedRoot(vCopy.dest))))}`);
    const a = readFileSync(catOut);
    const b = readFileSync(vcatOut);
    agree.push(`  - cat /etc/hostname vs virt-cat: ${a.equals(b) ? `identical (${JSON.stringify(a.toString())})` : `DIFFERENT (${JSON.stringify(a.toString())} vs ${JSON.stringify(b.toString())})`}`);
    rmSync(tarOut, { force: true });
    rmSync(vCopy.dest, { recursive: true, force: true });
    log(`${type}: guestguard again after libguestfs...`);
    const after = guestguardRuns(type, img);
    rmSync(after.copy.dest, { recursive: true, force: true });
    gLs = merge(gLs, after.ls);
    gCopy = merge(gCopy, after.copy);
    gCat = merge(gCat, after.cat);
    log(`${type}: copy-out ${secs(gCopy.seconds)}, virt-copy-out ${secs(vCopy.seconds)}, virt-tar-out ${secs(vTar.seconds)}; cat ${secs(gCat.seconds)}, virt-cat ${secs(vCat.seconds)}`);
  }
  const listRow = [type, size, `${secs(gLs.seconds)}${spread(gLs)}`, mib(gLs.rssKiB)];
  const copyRow = [type, `${secs(gCopy.seconds)}${spread(gCopy)}`, mib(gCopy.rssKiB)];
  const catRow = [type, `${secs(gCat.seconds)}${spread(gCat)}`, mib(gCat.rssKiB)];
  for (const v of lgCells.list) listRow.push(`${secs(v.seconds)}${spread(v)}`, ratio(gLs, v), `${gLs.cpu.toFixed(1)} / ${v.cpu.toFixed(1)} s`);
  if (lgCells.copy.length) {
    const [vCopy, vTar] = lgCells.copy;
    copyRow.push(`${secs(vCopy.seconds)}${spread(vCopy)}`, ratio(gCopy, vCopy), `${secs(vTar.seconds)}${spread(vTar)}`, ratio(gCopy, vTar), `${gCopy.cpu.toFixed(1)} / ${vCopy.cpu.toFixed(1)} / ${vTar.cpu.toFixed(1)} s`);
  }
  for (const v of lgCells.cat) catRow.push(`${secs(v.seconds)}${spread(v)}`, ratio(gCat, v));
  listRows.push(listRow);
  copyRows.push(copyRow);
  catRows.push(catRow);
  agreement.push(agree.join('\n'));
  loads.push(`after ${type}: ${loadavg()}`);
}

// The host filesystem's own cost of creating the tree, for reading the copy numbers: GNU tar
// extracting guestguard's copy (re-packed) into tmpfs and into the bench folder on disk.
const floor = hostFloor(images[0]);

const head = `guestguard median of ${lg ? `${2 * runs} runs, half before and half after the libguestfs commands` : `${runs} run${runs === 1 ? '' : 's'}`}${lg ? `, libguestfs ${lgRuns} (TCG appliance)` : ''}`;
let out = `### Recursive listing + SHA-256 of every file (Debian bookworm minbase root on a 1 GiB GPT raw disk; ${head})\n\n`;
out += table(
  ['filesystem', 'entries / files / data', 'guestguard `ls -lR --checksum sha256 IMG /`', 'guestguard peak RSS', ...(virtLs ? ['`virt-ls -lR --checksum=sha256 -a IMG /`', 'speedup', 'CPU user+sys: guestguard / virt-ls'] : [])],
  listRows,
);
out += `\n\n### Whole tree out to host files (${head}; destination: a new folder in \`${copyBase}\`)\n\n`;
out += table(
  [
    'filesystem',
    'guestguard `copy-out IMG / DEST`',
    'guestguard peak RSS',
    ...(lg ? ['`virt-copy-out -a IMG / DEST`', 'speedup', '`virt-tar-out -a IMG / - > FILE`', 'speedup', 'CPU user+sys: guestguard / virt-copy-out / virt-tar-out'] : []),
  ],
  copyRows,
);
if (floor) out += `\n\n${floor}`;
out += `\n\n### \`cat IMG /etc/hostname\`, cold process (guestguard median of ${lg ? 10 : 5}${lg ? `, libguestfs ${lgRuns}` : ''})\n\n`;
out += table(['filesystem', 'guestguard `cat`', 'guestguard peak RSS', ...(lg ? ['`virt-cat -a IMG /etc/hostname`', 'speedup'] : [])], catRows);
out += `\n\n### Do the outputs agree?\n\n${agreement.map((a) => `- ${a}`).join('\n')}\n`;
out += `\nLoad average (1/5/15 min): ${loads.join('; ')}.\n`;
process.stdout.write(out + '\n');

/**
 * Packs guestguard's copy of the first image with GNU tar, then times `tar -x` of it into the
 * copy folder and into bench/.work: what creating the tree's files costs on each host filesystem.
 */
function hostFloor(first) {
  if (!first) return '';
  const [type, img] = first;
  const src = freshDir('floor-src');
  const tar = join(copyBase, 'floor.tar');
  try {
    sh(`${q(GG)} copy-out ${q(img)} / ${q(src)} 2>/dev/null && tar -C ${q(src)} -cf ${q(tar)} .`);
    const cell = (base) => {
      mkdirSync(base, { recursive: true });
      const t = timeCopy('floor', (d) => `tar -C ${q(d)} -xf ${q(tar)}`, 1, process.env, base);
      rmSync(t.dest, { recursive: true, force: true });
      return `${secs(t.seconds)} into \`${base}\` (CPU ${t.cpu.toFixed(1)} s)`;
    };
    return (
      `Host side of a copy (the ${type} tree; not part of the ratios): GNU \`tar -xf\` of the same tree takes ${cell(copyBase)} ` +
      `and ${cell(join(WORK, 'copies'))} on the host's disk. Both tools pay this for file creation; copies go to \`${copyBase}\` ` +
      `so that the table compares the tools rather than the host disk, whose cost per file varies with its load.`
    );
  } finally {
    rmSync(src, { recursive: true, force: true });
    rmSync(tar, { force: true });
  }
}
