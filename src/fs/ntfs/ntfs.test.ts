/**
 * The NTFS driver against a real image: mkntfs + ntfs-3g (FUSE) populated with the shared
 * source tree and NTFS specifics; the ground truth is a walk of a fresh read-only ntfs-3g
 * mount (names, types, sizes, times, modes, link counts, SHA-256, symlink targets, xattrs,
 * statfs) and blkid. Differences from ntfs-3g are deliberate and listed in DIFFERENCES.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { BlockDevice } from '../../disk/block-device.js';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { GuestguardError } from '../../errors.js';
import { sha256 } from '../../../test/helpers/fixtures.js';
import { diffTrees, resolveDriverPath, walkDriverTree, xattrsToHex, type TreeEntry } from '../../../test/helpers/source-tree.js';
import { openNtfs, probeNtfs, type NtfsFileSystem } from './index.js';
import { AT_DATA, AT_STANDARD_INFORMATION, FIXUP_STRIDE } from './constants.js';
import { MAIN, MAIN_LABEL, REPARSE_LINKS } from './test-images.js';
import { buildMainImage } from './test-images.js';
import { asyncFixtureDir, canBuildNtfs, loadTruth, unmountAll, type Ntfs3gTruth } from './test-support.js';
import { CountingDevice, PatchedDevice } from './test-devices.js';

const HAVE = canBuildNtfs();

/**
 * Where we differ from ntfs-3g on purpose:
 * - link targets of junctions/absolute symlinks: ntfs-3g prefixes its mount point (and uses
 *   "<mnt>/.NTFS-3G/D:/…" for targets it cannot find); we map them relative to this volume's
 *   root (reparse.ts). Relative targets: ntfs-3g "corrects" case and picks the wrong one of two
 *   case twins; we return the stored target.
 * - unknown reparse tags (here WOF): ntfs-3g without plugins shows a broken symlink; we show
 *   the file with flag "reparse:0x80000017" and its $DATA.
 * - a file with a DOS alias: ntfs-3g's nlink is the record's link count, which counts the DOS
 *   name too; ours counts names a listing shows.
 */
const REPARSE_PATHS = new Set([...REPARSE_LINKS.map((l) => l.path), MAIN.wof]);

function expectCode(p: Promise<unknown>, code: string) {
  return expect(p).rejects.toSatisfy((e: unknown) => e instanceof GuestguardError && e.code === code);
}

describe.skipIf(!HAVE)('NTFS driver on an ntfs-3g-populated image', () => {
  let dir = '';
  let truth: Ntfs3gTruth;
  let fs: NtfsFileSystem;
  let ours: TreeEntry[];
  const img = () => join(dir, 'ntfs.img');
  const opened: RawImage[] = [];
  const rawImage = async (path = img()) => {
    const raw = new RawImage(await HostFile.open(path));
    opened.push(raw);
    return raw;
  };
  const open = async (wrap?: (d: BlockDevice) => BlockDevice) => {
    const raw = await rawImage();
    return openNtfs(wrap ? wrap(raw) : raw);
  };
  const node = async (path: string) => {
    const n = await resolveDriverPath(fs, path);
    if (n === undefined) throw new Error(`${path} not found`);
    return n;
  };

  beforeAll(async () => {
    dir = await asyncFixtureDir('ntfs-main-v2', buildMainImage);
    truth = loadTruth(dir);
    fs = await open();
    ours = await walkDriverTree(fs);
  }, 1_200_000);
  afterAll(async () => {
    unmountAll();
    for (const r of opened) await r.close();
  });

  it('identifies the volume as blkid does', async () => {
    expect(fs.type).toBe('ntfs');
    expect(fs.caseInsensitive).toBe(true);
    expect(fs.uuid).toBe(truth.blkid.UUID);
    expect(fs.uuid).toMatch(/^[0-9A-F]{16}$/);
    expect(fs.label).toBe(MAIN_LABEL);
    expect(fs.version).toBe('3.1');
    expect(fs.warnings).toEqual([]);
    expect(await probeNtfs(await rawImage())).toEqual({ fs: 'ntfs', uuid: truth.blkid.UUID, label: MAIN_LABEL });
    expect(await probeNtfs(await rawImage(join(dir, 'src', 'dense', 'random')))).toBeUndefined();
  });

  it('lists every file with the type, size, mode, times, link count and SHA-256 ntfs-3g shows', () => {
    expect(truth.entries.length).toBeGreaterThan(4500);
    const diffs = diffTrees(truth.entries, ours, {
      skip: (p) => REPARSE_PATHS.has(p),
      fieldFilter: (e, f) => !(e.path === MAIN.dosName && f === 'nlink'),
    });
    expect(diffs).toEqual([]);
    // The shared tree's special files survive as ntfs-3g's Interix files.
    const types = new Set(ours.map((e) => e.type));
    expect([...types].sort()).toEqual(['blockdev', 'chardev', 'dir', 'fifo', 'file', 'socket', 'symlink']);
    expect(ours.find((e) => e.path === MAIN.dosName)!.nlink).toBe(1);
    expect(truth.entries.find((e) => e.path === MAIN.dosName)!.nlink).toBe(2);
  });

  it('maps reparse-point link targets as documented (and as ntfs-3g, minus its mount point)', async () => {
    const mnt = truth.mountPoint;
    for (const l of REPARSE_LINKS) {
      const mine = ours.find((e) => e.path === l.path)!;
      expect(mine.type, l.path).toBe('symlink');
      expect(mine.target, l.path).toBe(l.target);
      expect(mine.size).toBe(Buffer.byteLength(l.target));
      const theirs = truth.entries.find((e) => e.path === l.path)!.target!;
      const stripped = theirs.startsWith(`${mnt}/`) ? theirs.slice(mnt.length) : theirs;
      if (l.path.endsWith('junction-missing')) expect(stripped).toBe('/.NTFS-3G/D:/Nowhere/x');
      else expect(stripped.toLowerCase(), l.path).toBe(l.target.toLowerCase());
      expect((await fs.stat(await node(l.path))).flags).toContain(`reparse:0x${(l.data.readUInt32LE(0) >>> 0).toString(16)}`);
    }
    // A junction resolves through the VFS to the directory it names.
    const target = await resolveDriverPath(fs, '/deep/level-00');
    expect((await fs.stat(target!)).type).toBe('dir');
  });

  it('reports other reparse tags as flags and reads their unnamed $DATA', async () => {
    const st = await fs.stat(await node(MAIN.wof));
    expect(st.type).toBe('file');
    expect(st.flags).toContain('reparse:0x80000017');
    expect(Buffer.from(await fs.read(await node(MAIN.wof), 0, 100)).toString()).toBe('contents of a WOF-tagged file\n');
    expect(truth.entries.find((e) => e.path === MAIN.wof)!.target).toBe('unsupported reparse tag 0x80000017');
  });

  it('exposes named data streams as user.* xattrs exactly as ntfs-3g (streams_interface=xattr)', async () => {
    const found: Record<string, Record<string, string>> = {};
    for (const e of ours) {
      const x = await fs.xattrs(await node(e.path));
      if (x.size > 0) found[e.path] = xattrsToHex(x);
    }
    expect(found).toEqual(truth.xattrs);
    expect(Object.keys(found[MAIN.adsFile]!).sort()).toEqual(['user.big', 'user.empty', 'user.small', 'user.ström']);
    const big = (await fs.layout(await node(MAIN.adsFile))).streams.find((s) => s.name === 'big')!;
    expect(big.resident).toBe(false);
  });

  it('hides metadata files and DOS aliases from listings, like ntfs-3g, but finds them by name', async () => {
    const root = await fs.readdir(5);
    expect(root.filter((e) => e.name.startsWith('$'))).toEqual([]);
    expect(root.map((e) => e.name)).not.toContain('.');
    const raw = await fs.rawIndex(5);
    expect(raw.map((e) => e.name)).toEqual(expect.arrayContaining(['$MFT', '$Bitmap', '$Extend', '$UpCase', '.']));
    expect(await fs.lookup(5, '$MFT')).toBe(0);
    expect(await fs.lookup(5, '$upcase')).toBe(10);
    const dos = await node('/ntfs/dos');
    expect((await fs.readdir(dos)).map((e) => e.name)).toEqual(['Long File Name.txt']);
    expect((await fs.rawIndex(dos)).map((e) => e.name).sort()).toEqual(['LONGFI~1.TXT', 'Long File Name.txt']);
    expect(await fs.lookup(dos, 'longfi~1.txt')).toBe(await node(MAIN.dosName));
  });

  it('looks names up case-insensitively and prefers the exact one of several case twins', async () => {
    const dirNode = await node('/ntfs/case');
    const listed = (await fs.readdir(dirNode)).map((e) => e.name).sort();
    expect(listed).toEqual(['README.TXT', 'Readme.txt', 'readme.txt']);
    const twins = await Promise.all(MAIN.caseTwins.map((p) => node(p)));
    expect(new Set(twins).size).toBe(3);
    for (const [i, p] of MAIN.caseTwins.entries()) {
      expect(Buffer.from(await fs.read(twins[i]!, 0, 100)).toString()).toBe(`case twin ${i}: ${p}\n`);
    }
    expect(twins).toContain(await fs.lookup(dirNode, 'ReadMe.Txt'));
    expect(await fs.lookup(dirNode, 'readme.txt.')).toBeUndefined();
    // Unicode case folding through the volume's $UpCase table.
    const names = await node('/names');
    expect(await fs.lookup(names, 'ΩMEGA-ΕΛΛΗΝΙΚΆ')).toBe(await fs.lookup(names, 'Ωmega-ελληνικά'));
    expect(await fs.lookup(names, 'КИРИЛЛИЦА')).toBe(await node('/names/кириллица'));
    expect(await fs.lookup(names, 'HÉLLO WÖRLD.TXT')).toBe(await node('/names/héllo wörld.txt'));
  });

  it('finds just the entries a listing shows under one name, through the B+tree (lookupEntries)', async () => {
    const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    const caseDir = await node('/ntfs/case');
    expect((await fs.lookupEntries(caseDir, 'readme.TXT')).sort(byName)).toEqual((await fs.readdir(caseDir)).sort(byName));
    expect(await fs.lookupEntries(caseDir, 'readme.txt.')).toEqual([]);
    // DOS aliases and metadata files are hidden, as in readdir.
    const dos = await node('/ntfs/dos');
    expect(await fs.lookupEntries(dos, 'longfi~1.txt')).toEqual([]);
    expect(await fs.lookupEntries(dos, 'LONG FILE NAME.TXT')).toEqual(await fs.readdir(dos));
    expect(await fs.lookupEntries(5, '$mft')).toEqual([]);
    expect(await fs.lookupEntries(5, '..')).toEqual([]);
    const names = await node('/names');
    expect((await fs.lookupEntries(names, 'КИРИЛЛИЦА')).map((e) => [e.name, e.node])).toEqual([['кириллица', await node('/names/кириллица')]]);
    // Deep trees: every name of a 3000-entry directory, found without listing it.
    const big = await node('/bigdir');
    const listed = await fs.readdir(big);
    for (const e of listed.filter((_, i) => i % 97 === 0)) expect(await fs.lookupEntries(big, e.name.toUpperCase())).toEqual([e]);
    await expectCode(fs.lookupEntries(await node(MAIN.dosName), 'x'), 'NOT_A_DIRECTORY');
  });

  it('walks multi-level INDX B+trees: every entry is listed and found by lookup', async () => {
    for (const [path, count, minDepth] of [
      ['/bigdir', 3000, 3],
      [MAIN.bigDirLong, MAIN.bigDirLongEntries, 4],
    ] as const) {
      const d = await node(path);
      expect(await fs.indexDepth(d)).toBeGreaterThanOrEqual(minDepth);
      const entries = await fs.readdir(d);
      expect(entries.length).toBe(count);
      const names = entries.map((e) => e.name);
      // Listed in the index's collation order (upper-cased code units).
      const folded = names.map((x) => x.toUpperCase());
      expect(folded).toEqual([...folded].sort());
      for (const e of entries) {
        expect(await fs.lookup(d, e.name.toUpperCase()), e.name).toBe(e.node);
        expect(e.type).toBe('file');
      }
      expect(await fs.lookup(d, 'entry-999999')).toBeUndefined();
    }
  });

  it('reads LZNT1-compressed files whose compression units really are compressed', async () => {
    for (const p of [MAIN.compressedText, MAIN.compressedRandom, MAIN.compressedMixed, MAIN.compressedZeros, MAIN.compressedSparse]) {
      const n = await node(p);
      const st = await fs.stat(n);
      expect(st.flags, p).toContain('compressed');
      const data = (await fs.layout(n)).streams.find((s) => s.type === AT_DATA && s.name === '')!;
      expect(data.compressed, p).toBe(true);
      // Reading at odd offsets across compression-unit boundaries gives the same bytes.
      const whole = await fs.read(n, 0, st.size);
      const parts: Uint8Array[] = [];
      for (let off = 0; off < st.size; off += 40_961) parts.push(await fs.read(n, off, 40_961));
      expect(sha256(Buffer.concat(parts)), p).toBe(sha256(whole));
    }
    const text = (await fs.layout(await node(MAIN.compressedText))).streams[0]!;
    // Compressed units: real clusters followed by sparse ones within 16-cluster units.
    expect(text.runs.filter((r) => r.lcn < 0).length).toBeGreaterThan(5);
    const stored = text.runs.filter((r) => r.lcn >= 0).reduce((n, r) => n + r.len, 0);
    expect(stored * fs.boot.clusterSize).toBeLessThan(text.size / 2);
    const zeros = (await fs.layout(await node(MAIN.compressedZeros))).streams[0]!;
    expect(zeros.runs.every((r) => r.lcn < 0)).toBe(true);
  });

  it('reads sparse files, and zeros beyond the initialized size', async () => {
    for (const p of [MAIN.sparse, '/sparse/huge', '/sparse/trailing-hole', '/sparse/all-hole']) {
      const n = await node(p);
      expect((await fs.stat(n)).flags, p).toContain('sparse');
      const s = (await fs.layout(n)).streams[0]!;
      expect(s.sparse).toBe(true);
      expect(s.runs.some((r) => r.lcn < 0), p).toBe(true);
    }
    const trailing = (await fs.layout(await node('/sparse/trailing-hole'))).streams[0]!;
    expect(trailing.initSize).toBeLessThan(trailing.size);
    const tail = await fs.read(await node('/sparse/trailing-hole'), trailing.initSize - 10, 1000);
    expect(tail.subarray(10).every((b) => b === 0)).toBe(true);
  });

  it('reports statfs as ntfs-3g does', async () => {
    const s = await fs.statfs();
    expect({ blockSize: s.blockSize, blocks: s.totalBlocks, free: s.freeBlocks, files: s.totalInodes, filesFree: s.freeInodes }).toEqual(truth.statfs);
  });

  it('treats an initialized size below the data size as zeros (patched real record)', async () => {
    const n = (await node('/dense/random')) as number;
    const want = Buffer.from(await fs.read(n, 0, 4 << 20));
    const rec = await fs.volume.record(n);
    const data = rec.attrs.find((a) => a.type === AT_DATA && a.name === '' && !a.resident)!;
    const initSize = 1_000_003;
    const patched = Buffer.alloc(8);
    patched.writeBigUInt64LE(BigInt(initSize));
    const patchedFs = await open((d) => new PatchedDevice(d, [{ offset: data.offset + 56, bytes: patched }]));
    const got = Buffer.from(await patchedFs.read(n, 0, 4 << 20));
    expect(got.length).toBe(want.length);
    expect(got.subarray(0, initSize).equals(want.subarray(0, initSize))).toBe(true);
    expect(got.subarray(initSize).every((b) => b === 0)).toBe(true);
  });

  it('stats EFS-encrypted files but refuses to read them (patched real record)', async () => {
    const n = (await node('/sizes/f-65537')) as number;
    const rec = await fs.volume.record(n);
    const std = rec.attrs.find((a) => a.type === AT_STANDARD_INFORMATION)!;
    const data = rec.attrs.find((a) => a.type === AT_DATA && a.name === '')!;
    const stdAttrsAt = rec.offset + std.value!.byteOffset + 0x20;
    const flagsAt = data.offset + 12;
    for (const at of [stdAttrsAt, flagsAt]) expect((at - rec.offset) % FIXUP_STRIDE).toBeLessThan(FIXUP_STRIDE - 4);
    const b = Buffer.from(await fs.volume.cached.read(stdAttrsAt, 4));
    b.writeUInt32LE(b.readUInt32LE(0) | 0x4000);
    const f = Buffer.from(await fs.volume.cached.read(flagsAt, 2));
    f.writeUInt16LE(f.readUInt16LE(0) | 0x4000);
    const patchedFs = await open((d) => new PatchedDevice(d, [{ offset: stdAttrsAt, bytes: b }, { offset: flagsAt, bytes: f }]));
    const st = await patchedFs.stat(n);
    expect(st.type).toBe('file');
    expect(st.size).toBe(65537);
    expect(st.flags).toContain('encrypted');
    await expect(patchedFs.read(n, 0, 10)).rejects.toThrow(/EFS-encrypted/);
    await expectCode(patchedFs.read(n, 0, 10), 'UNSUPPORTED_FILESYSTEM');
  });

  it('falls back to Unicode case folding without $UpCase, and warns about a dirty volume', async () => {
    const upcase = await fs.volume.record(10);
    const volInfo = (await fs.volume.record(3)).attrs.find((a) => a.type === 0x70)!;
    const flagsAt = (await fs.volume.record(3)).offset + volInfo.value!.byteOffset + 10;
    const patchedFs = await open(
      (d) =>
        new PatchedDevice(d, [
          { offset: upcase.offset, bytes: Buffer.from('BAAD') },
          { offset: flagsAt, bytes: Buffer.from([0x01, 0x00]) },
        ]),
    );
    const caseDir = await resolveDriverPath(patchedFs, '/NTFS/CASE');
    expect(caseDir).toBe(await node('/ntfs/case'));
    expect(await patchedFs.lookup(caseDir!, 'Readme.txt')).toBe(await node('/ntfs/case/Readme.txt'));
    expect(patchedFs.warnings.join('\n')).toMatch(/dirty/);
    expect(patchedFs.warnings.join('\n')).toMatch(/\$UpCase table unusable.*MFT record 10/);
  });

  it('reports DOS attributes as flags (ntfs-3g keeps mode 0777 for them)', async () => {
    const ro = await fs.stat(await node(MAIN.readonly));
    expect(ro.flags).toEqual(expect.arrayContaining(['readonly', 'archive']));
    expect(ro.mode).toBe(0o777);
    expect((await fs.stat(await node(MAIN.hidden))).flags).toContain('hidden');
    expect((await fs.stat(await node('/links/absolute'))).flags).toContain('system');
    expect((await fs.readdir(await node('/ntfs/attrs'))).map((e) => e.name).sort()).toEqual(['hidden.txt', 'readonly.txt']);
  });

  it('reads a large file in few, large device requests', async () => {
    let counter: CountingDevice | undefined;
    const cfs = await open((d) => (counter = new CountingDevice(d)));
    const n = await resolveDriverPath(cfs, MAIN.large);
    const st = await cfs.stat(n!);
    const runs = (await cfs.layout(n!)).streams[0]!.runs.length;
    const before = counter!.reads;
    const chunk = 8 << 20;
    for (let off = 0; off < st.size; off += chunk) await cfs.read(n!, off, chunk);
    expect(counter!.reads - before).toBeLessThanOrEqual(Math.ceil(st.size / chunk) + runs);
  });

  it('rejects wrong node kinds and bad arguments with typed errors', async () => {
    const file = await node('/README.txt');
    await expectCode(fs.readdir(file), 'NOT_A_DIRECTORY');
    await expectCode(fs.lookup(file, 'x'), 'NOT_A_DIRECTORY');
    await expectCode(fs.read(5, 0, 1), 'IS_A_DIRECTORY');
    await expectCode(fs.readlink(file), 'NOT_A_SYMLINK');
    await expectCode(fs.stat(123_456_789), 'NOT_FOUND');
    await expectCode(fs.stat('5'), 'NOT_FOUND');
    await expectCode(fs.read(file, -1, 1), 'INVALID_ARGUMENT');
    expect(await fs.read(file, 1 << 30, 10)).toEqual(new Uint8Array(0));
    expect(await fs.lookup(5, '')).toBeUndefined();
    expect(await fs.lookup(5, '.')).toBeUndefined();
  });
});
