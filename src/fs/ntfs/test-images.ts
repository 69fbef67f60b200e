/**
 * Real NTFS test images: mkntfs makes the volume, ntfs-3g (FUSE) fills it, and a fresh
 * read-only ntfs-3g mount is walked to record the ground truth the driver is compared with.
 */
import { closeSync, mkdirSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../../test/helpers/fixtures.js';
import { makeSourceTree } from '../../../test/helpers/source-tree.js';
import { mountNtfs, recordTruth, saveTruth, seededBytes, setXattrs, textBytes, unmount } from './test-support.js';

const MiB = 1024 * 1024;

export const MAIN_LABEL = 'GG NTFS Ü';
export const VOLUME_GUID = '{01234567-89ab-cdef-0123-456789abcdef}';

function mkntfs(img: string, sizeMiB: number, label: string, extra: string[] = []): void {
  rmSync(img, { force: true });
  run('truncate', ['-s', `${sizeMiB}M`, img]);
  run('mkntfs', ['-F', '-Q', '-q', '-L', label, ...extra, img]);
}

const utf16 = (s: string) => Buffer.from(s, 'utf16le');

/** IO_REPARSE_TAG_SYMLINK data (flags 1 = relative target). */
export function symlinkReparse(target: string, relative: boolean): Buffer {
  const s = utf16(target);
  const head = Buffer.alloc(12);
  head.writeUInt16LE(0, 0);
  head.writeUInt16LE(s.length, 2);
  head.writeUInt16LE(s.length, 4);
  head.writeUInt16LE(s.length, 6);
  head.writeUInt32LE(relative ? 1 : 0, 8);
  return reparse(0xa000000c, Buffer.concat([head, s, s]));
}

/** IO_REPARSE_TAG_MOUNT_POINT (junction) data; names are NUL-terminated as Windows writes them. */
export function junctionReparse(substitute: string, print: string): Buffer {
  const s = Buffer.concat([utf16(substitute), Buffer.alloc(2)]);
  const p = Buffer.concat([utf16(print), Buffer.alloc(2)]);
  const head = Buffer.alloc(8);
  head.writeUInt16LE(0, 0);
  head.writeUInt16LE(s.length - 2, 2);
  head.writeUInt16LE(s.length, 4);
  head.writeUInt16LE(p.length - 2, 6);
  return reparse(0xa0000003, Buffer.concat([head, s, p]));
}

export function reparse(tag: number, data: Uint8Array): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32LE(tag >>> 0, 0);
  h.writeUInt16LE(data.length, 4);
  return Buffer.concat([h, data]);
}

/** Appends `chunk`-sized pieces to several files in turn, so their clusters interleave. */
function interleave(paths: string[], chunks: number, chunk: number, seed: number): void {
  const fds = paths.map((p) => openSync(p, 'w'));
  try {
    for (let i = 0; i < chunks; i++) fds.forEach((fd, j) => writeSync(fd, seededBytes(chunk, seed + i * 31 + j)));
  } finally {
    fds.forEach((fd) => closeSync(fd));
  }
}

/** The files the NTFS-specific checks look at (paths inside the volume). */
export const MAIN = {
  caseTwins: ['/ntfs/case/Readme.txt', '/ntfs/case/README.TXT', '/ntfs/case/readme.txt'],
  adsFile: '/ntfs/ads/file.txt',
  adsDir: '/ntfs/ads/dir',
  compressedDir: '/ntfs/compressed',
  compressedText: '/ntfs/compressed/text.txt',
  compressedRandom: '/ntfs/compressed/random.bin',
  compressedMixed: '/ntfs/compressed/mixed.bin',
  compressedZeros: '/ntfs/compressed/zeros.bin',
  compressedSparse: '/ntfs/compressed/sparse.bin',
  bigDirLong: '/ntfs/bigdir-long',
  bigDirLongEntries: 1500,
  large: '/ntfs/large.bin',
  sparse: '/ntfs/sparse.bin',
  dosName: '/ntfs/dos/Long File Name.txt',
  dosShort: 'LONGFI~1.TXT',
  readonly: '/ntfs/attrs/readonly.txt',
  hidden: '/ntfs/attrs/hidden.txt',
  reparseDir: '/ntfs/reparse',
  wof: '/ntfs/reparse/wof.bin',
};

/** Reparse points made through ntfs-3g's system.ntfs_reparse_data: path → data, expected target. */
export const REPARSE_LINKS: { path: string; data: Buffer; dir: boolean; target: string }[] = [
  { path: '/ntfs/reparse/rel-link', data: symlinkReparse('..\\case\\Readme.txt', true), dir: false, target: '../case/Readme.txt' },
  { path: '/ntfs/reparse/abs-link', data: symlinkReparse('\\??\\C:\\ntfs\\case\\README.TXT', false), dir: false, target: '/ntfs/case/README.TXT' },
  { path: '/ntfs/reparse/junction', data: junctionReparse('\\??\\C:\\deep\\level-00', 'C:\\deep\\level-00'), dir: true, target: '/deep/level-00' },
  { path: '/ntfs/reparse/junction-missing', data: junctionReparse('\\??\\D:\\Nowhere\\x', 'D:\\Nowhere\\x'), dir: true, target: '/Nowhere/x' },
  { path: '/ntfs/reparse/volume-junction', data: junctionReparse(`\\??\\Volume${VOLUME_GUID}\\`, ''), dir: true, target: `/.NTFS-3G/Volume${VOLUME_GUID}` },
  { path: '/ntfs/reparse/wsl-link', data: reparse(0xa000001d, Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.from('../case/readme.txt')])), dir: false, target: '../case/readme.txt' },
];

/**
 * The main image: the shared source tree ("small") copied in through ntfs-3g, plus NTFS
 * specifics (case twins, ADS, compression, a deep B+tree, reparse points, DOS names,
 * attributes). Fragmentation lives in the small image: ntfs-3g preallocates for appends, so
 * only a nearly full volume fragments. The truth is recorded from a fresh read-only mount.
 */
export async function buildMainImage(dir: string): Promise<void> {
  const src = join(dir, 'src');
  makeSourceTree(src, { size: 'small' });
  const img = join(dir, 'ntfs.img');
  const mnt = join(dir, 'mnt');
  mkntfs(img, 200, MAIN_LABEL);
  mountNtfs(img, mnt);
  try {
    // Ownership and modes cannot be stored without ntfs-3g's "permissions" option (silently ignored).
    run('cp', ['-dR', '--preserve=mode,timestamps,links', `${src}/.`, `${mnt}/`]);
    populateNtfsSpecifics(mnt);
  } finally {
    unmount(mnt);
  }
  // Reparse points only show up correctly in a fresh mount.
  mountNtfs(img, mnt);
  try {
    for (const l of REPARSE_LINKS) {
      if (l.dir) mkdirSync(join(mnt, l.path));
      else writeFileSync(join(mnt, l.path), '');
    }
    writeFileSync(join(mnt, MAIN.wof), 'contents of a WOF-tagged file\n');
    const wofData = Buffer.alloc(16);
    wofData.writeUInt32LE(1, 0); // WOF version
    wofData.writeUInt32LE(2, 4); // provider: file
    setXattrs(mnt, [
      ...REPARSE_LINKS.map((l) => ({ path: l.path, name: 'system.ntfs_reparse_data', value: l.data })),
      { path: MAIN.wof, name: 'system.ntfs_reparse_data', value: reparse(0x80000017, wofData) },
    ]);
  } finally {
    unmount(mnt);
  }
  saveTruth(dir, await recordTruth(img, mnt));
}

function populateNtfsSpecifics(mnt: string): void {
  const p = (rel: string) => join(mnt, rel);
  const mk = (rel: string) => mkdirSync(p(rel), { recursive: true });
  for (const d of ['ntfs/case', 'ntfs/ads/dir', 'ntfs/compressed', 'ntfs/bigdir-long', 'ntfs/dos', 'ntfs/attrs', 'ntfs/reparse']) mk(d);

  // Names differing only in case (POSIX namespace, as ntfs-3g creates them).
  MAIN.caseTwins.forEach((f, i) => writeFileSync(p(f), `case twin ${i}: ${f}\n`));

  // Alternate data streams: small, empty, large (non-resident; xattr values stop at 64 KiB),
  // unicode name, on a directory.
  writeFileSync(p(MAIN.adsFile), 'main stream\n');
  setXattrs(mnt, [
    { path: MAIN.adsFile, name: 'user.small', value: Buffer.from('hello stream') },
    { path: MAIN.adsFile, name: 'user.empty', value: Buffer.alloc(0) },
    { path: MAIN.adsFile, name: 'user.big', value: seededBytes(60_000, 7) },
    { path: MAIN.adsFile, name: 'user.ström', value: Buffer.from('unicode stream name') },
    { path: MAIN.adsDir, name: 'user.dirstream', value: Buffer.from('stream on a directory') },
  ]);

  // Compression: files created in a directory marked compressed inherit the flag (ntfs-3g
  // ignores the flag when it is set on a file).
  setXattrs(mnt, [{ path: MAIN.compressedDir, name: 'system.ntfs_attrib_be', value: Buffer.from([0, 0, 0x08, 0]) }]);
  writeFileSync(p(MAIN.compressedText), textBytes(MiB + 333, 3));
  writeFileSync(p(MAIN.compressedRandom), seededBytes(300_001, 11));
  writeFileSync(
    p(MAIN.compressedMixed),
    Buffer.concat([textBytes(70_000, 5), seededBytes(65_536, 12), Buffer.alloc(140_000), textBytes(200_000, 9), seededBytes(1234, 13)]),
  );
  writeFileSync(p(MAIN.compressedZeros), Buffer.alloc(2 * MiB));
  const sp = openSync(p(MAIN.compressedSparse), 'w');
  writeSync(sp, textBytes(10_000, 4), 0, 10_000, 0);
  writeSync(sp, textBytes(50_000, 6), 0, 50_000, 3 * MiB + 17);
  ftruncateSync(sp, 5 * MiB);
  closeSync(sp);

  // Long names in one directory: few entries per INDX record, so the B+tree grows deep.
  for (let i = 0; i < MAIN.bigDirLongEntries; i++) {
    writeFileSync(p(`${MAIN.bigDirLong}/${String(i).padStart(5, '0')}-${'long-name-'.repeat(19)}`), i % 10 === 0 ? `entry ${i}\n` : '');
  }

  writeFileSync(p(MAIN.large), seededBytes(24 * MiB + 5, 4242));
  const fd = openSync(p(MAIN.sparse), 'w');
  writeSync(fd, seededBytes(8192, 1), 0, 8192, 0);
  writeSync(fd, seededBytes(100, 2), 0, 100, 10 * MiB + 3);
  ftruncateSync(fd, 50 * MiB);
  closeSync(fd);

  // A DOS (8.3) alias next to the long name; hidden/read-only attributes.
  writeFileSync(p(MAIN.dosName), 'has a DOS name\n');
  writeFileSync(p(MAIN.readonly), 'read-only attribute\n');
  writeFileSync(p(MAIN.hidden), 'hidden attribute\n');
  setXattrs(mnt, [
    { path: MAIN.dosName, name: 'system.ntfs_dos_name', value: Buffer.from(MAIN.dosShort) },
    { path: MAIN.readonly, name: 'system.ntfs_attrib_be', value: Buffer.from([0, 0, 0, 0x21]) },
    { path: MAIN.hidden, name: 'system.ntfs_attrib_be', value: Buffer.from([0, 0, 0, 0x22]) },
  ]);
}

/** Files of the small image the tests look at. */
export const SMALL = {
  manyRuns: '/frag/many-runs.bin',
  interleaved: ['/frag/a.bin', '/frag/b.bin'],
};

/**
 * A small volume (512-byte clusters) that was filled up: filling it with 1000-byte files makes
 * MFT growth and file data interleave until the $MFT needs an $ATTRIBUTE_LIST. Deleting every
 * other file leaves only 2-cluster holes, so files written then are fragmented into hundreds
 * of runs (attribute list + extension records) and interleaved appends really interleave.
 * Then the fill is removed and a small varied tree added (the corruption tests walk it).
 */
export async function buildSmallImage(dir: string): Promise<void> {
  const img = join(dir, 'ntfs.img');
  const mnt = join(dir, 'mnt');
  mkntfs(img, 24, 'GG SMALL', ['-c', '512']);
  mountNtfs(img, mnt);
  try {
    const fill: string[] = [];
    mkdirSync(join(mnt, 'fill'));
    mkdirSync(join(mnt, 'frag'));
    for (let i = 0; ; i++) {
      const f = join(mnt, 'fill', `f${i}`);
      try {
        writeFileSync(f, seededBytes(1000, i + 1));
      } catch {
        break;
      }
      fill.push(f);
    }
    fill.forEach((f, i) => i % 2 === 0 && unlinkSync(f));
    writeFileSync(join(mnt, SMALL.manyRuns), seededBytes(2_500_000, 99));
    interleave(SMALL.interleaved.map((f) => join(mnt, f)), 60, 1024, 9);
    run('rm', ['-rf', join(mnt, 'fill')]);
    populateSmall(mnt);
  } finally {
    unmount(mnt);
  }
  mountNtfs(img, mnt);
  try {
    writeFileSync(join(mnt, 'dir/link-target.txt'), 'target\n');
    mkdirSync(join(mnt, 'dir/junction'));
    setXattrs(mnt, [
      { path: '/dir/rel-link', name: 'system.ntfs_reparse_data', value: symlinkReparse('link-target.txt', true) },
      { path: '/dir/junction', name: 'system.ntfs_reparse_data', value: junctionReparse('\\??\\C:\\dir', 'C:\\dir') },
    ]);
  } finally {
    unmount(mnt);
  }
  saveTruth(dir, await recordTruth(img, mnt));
}

function populateSmall(mnt: string): void {
  const p = (rel: string) => join(mnt, rel);
  for (const d of ['dir/sub/deeper', 'compressed', 'many']) mkdirSync(p(d), { recursive: true });
  writeFileSync(p('dir/small.txt'), 'small resident file\n');
  writeFileSync(p('dir/sub/medium.bin'), seededBytes(20_000, 3));
  writeFileSync(p('dir/sub/deeper/text.txt'), textBytes(9000, 2));
  writeFileSync(p('dir/rel-link'), '');
  run('ln', ['-s', 'small.txt', p('dir/interix-link')]);
  run('ln', [p('dir/small.txt'), p('dir/sub/hard-link')]);
  setXattrs(mnt, [
    { path: '/compressed', name: 'system.ntfs_attrib_be', value: Buffer.from([0, 0, 0x08, 0]) },
    { path: '/dir/small.txt', name: 'user.stream', value: Buffer.from('ads value') },
  ]);
  writeFileSync(p('compressed/text.txt'), textBytes(70_000, 1));
  writeFileSync(p('compressed/random.bin'), seededBytes(40_000, 9));
  // Enough entries for INDX records (a two-level B+tree).
  for (let i = 0; i < 120; i++) writeFileSync(p(`many/file-with-a-long-name-${String(i).padStart(3, '0')}`), i % 4 === 0 ? seededBytes(700 + i, i) : `f${i}`);
}

/** Geometry variants: cluster/sector sizes that exercise the boot sector encodings. */
export interface GeometryVariant {
  name: string;
  mkntfs: string[];
  sizeMiB: number;
}

export const GEOMETRIES: GeometryVariant[] = [
  { name: 'c512', mkntfs: ['-c', '512'], sizeMiB: 48 },
  { name: 's4096', mkntfs: ['-s', '4096', '-c', '4096'], sizeMiB: 48 },
  { name: 'c64k', mkntfs: ['-c', '65536'], sizeMiB: 96 },
  { name: 'c128k', mkntfs: ['-c', '131072'], sizeMiB: 160 },
];

/** A modest tree in a volume of the given geometry (compression only where NTFS allows it). */
export async function buildGeometryImage(dir: string, g: GeometryVariant): Promise<void> {
  const img = join(dir, 'ntfs.img');
  const mnt = join(dir, 'mnt');
  mkntfs(img, g.sizeMiB, `GG ${g.name}`, g.mkntfs);
  mountNtfs(img, mnt);
  try {
    const p = (rel: string) => join(mnt, rel);
    for (const d of ['a/b/c', 'big', 'compressed']) mkdirSync(p(d), { recursive: true });
    writeFileSync(p('a/tiny.txt'), 'tiny\n');
    writeFileSync(p('a/b/data.bin'), seededBytes(3 * MiB + 77, 5));
    writeFileSync(p('a/b/c/text.txt'), textBytes(200_000, 2));
    for (let i = 0; i < 400; i++) writeFileSync(p(`big/entry-${String(i).padStart(4, '0')}-${'n'.repeat(i % 40)}`), `${i}\n`);
    const fd = openSync(p('a/sparse.bin'), 'w');
    writeSync(fd, seededBytes(5000, 8), 0, 5000, 2 * MiB + 100);
    ftruncateSync(fd, 6 * MiB);
    closeSync(fd);
    setXattrs(mnt, [{ path: '/compressed', name: 'system.ntfs_attrib_be', value: Buffer.from([0, 0, 0x08, 0]) }]);
    writeFileSync(p('compressed/text.txt'), textBytes(300_000, 4));
    writeFileSync(p('a/ads.txt'), 'main\n');
    setXattrs(mnt, [{ path: '/a/ads.txt', name: 'user.s', value: seededBytes(5000, 6) }]);
  } finally {
    unmount(mnt);
  }
  saveTruth(dir, await recordTruth(img, mnt));
}
