/**
 * The exFAT driver against real images: mkfs.exfat (exfatprogs), populated from a source tree
 * through a loop device and the exfat-fuse driver (this kernel has no exfat module), which is
 * also walked with lstat while mounted as a second reader. The source tree is the ground truth
 * for names, sizes, SHA-256 and mtimes; blkid and dump.exfat for identity and free space.
 * Modes and link counts follow Linux's exfat driver rules (see driver.ts).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir, FIXTURES_ROOT, hasTool, run } from '../../../test/helpers/fixtures.js';
import { GuestguardError } from '../../errors.js';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import type { NodeRef } from '../types.js';
import {
  buildSourceTree,
  cleanupMounts,
  MemoryDevice,
  NON_BMP_NAME,
  randomBytes,
  scanHostTree,
  TREE_MTIME,
  walkFs,
  type HostNode,
  type TreeOptions,
} from '../fat/test-support.js';
import { ExfatFileSystem, openExfat, probeExfat } from './index.js';
import { bootChecksum } from './boot.js';
import { ENTRY_SIZE, nameHash, setChecksum } from './entries.js';
import { openFat, probeFat } from '../fat/index.js';

interface Variant {
  name: string;
  sizeMiB: number;
  mkfs: string[];
  tree: TreeOptions;
  label: string;
}

const VARIANTS: Variant[] = [
  { name: '4k', sizeMiB: 48, mkfs: [], tree: { many: 3000, manyLong: 150, bigBytes: 3 * 1048576 + 5, depth: 16, nonBmpName: true }, label: 'GG exFAT ü' },
  // 512-byte clusters: entry sets of long names straddle cluster boundaries all the time.
  { name: '512', sizeMiB: 24, mkfs: ['-c', '512', '--pack-bitmap'], tree: { many: 400, manyLong: 300, bigBytes: 1048576, depth: 8, nonBmpName: true }, label: 'GG_SMALL' },
];

const TOOLS = ['mkfs.exfat', 'mount.exfat-fuse', 'losetup', 'blkid', 'fsck.exfat', 'dump.exfat', 'umount'];
const CAN_BUILD = TOOLS.every((t) => hasTool(t)) && existsSync('/dev/fuse') && process.getuid?.() === 0;
const ENV = { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
const PADS = 30;

function sh(cmd: string, args: string[]): string {
  return run(cmd, args, { env: ENV });
}

/** mkfs.exfat, then copy the tree in through exfat-fuse on a loop device; record what FUSE shows. */
function buildImage(dir: string, v: Variant): void {
  const src = join(dir, 'src');
  buildSourceTree(src, v.tree);
  const img = join(dir, 'exfat.img');
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  sh('truncate', ['-s', `${v.sizeMiB}M`, img]);
  sh('mkfs.exfat', [...v.mkfs, '-L', v.label, img]);
  const loop = sh('losetup', ['-f', '--show', img]).trim();
  try {
    sh('mount.exfat-fuse', [loop, mnt]);
    try {
      sh('cp', ['-r', '--preserve=timestamps', `${src}/.`, `${mnt}/`]);
      // Empty files allocate no clusters, so this directory can grow in place and stay NoFatChain.
      mkdirSync(join(mnt, 'contig'));
      mkdirSync(join(src, 'contig'));
      for (let i = 0; i < 120; i++) {
        for (const root of [mnt, src]) writeFileSync(join(root, 'contig', `an empty file with a rather long name ${i}`), '');
      }
      // Fragmentation: fill, punch every other pad, then write a file that must use the holes.
      mkdirSync(join(mnt, 'frag'));
      mkdirSync(join(src, 'frag'));
      for (let i = 0; i < PADS; i++) {
        const data = randomBytes(5000, 100 + i);
        writeFileSync(join(mnt, 'frag', `pad-${i}.bin`), data);
        writeFileSync(join(src, 'frag', `pad-${i}.bin`), data);
      }
      for (let i = 0; i < PADS; i += 2) {
        rmSync(join(mnt, 'frag', `pad-${i}.bin`));
        rmSync(join(src, 'frag', `pad-${i}.bin`));
      }
      const frag = randomBytes(100_000, 99);
      writeFileSync(join(mnt, 'frag', 'fragmented.bin'), frag);
      writeFileSync(join(src, 'frag', 'fragmented.bin'), frag);
      const contig = Array.from({ length: 120 }, (_, i) => `contig/an empty file with a rather long name ${i}`);
      for (const rel of ['frag/fragmented.bin', ...Array.from({ length: PADS / 2 }, (_, k) => `frag/pad-${2 * k + 1}.bin`), 'frag', ...contig, 'contig']) {
        utimesSync(join(mnt, rel), TREE_MTIME, TREE_MTIME);
        utimesSync(join(src, rel), TREE_MTIME, TREE_MTIME);
      }
      writeFileSync(join(dir, 'fuse.json'), JSON.stringify([...scanHostTree(mnt)]));
    } finally {
      sh('umount', [mnt]);
    }
  } finally {
    sh('losetup', ['-d', loop]);
  }
  sh('fsck.exfat', ['-n', img]);
}

/** blkid's values, raw (its export format escapes non-ASCII labels). */
function blkid(img: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of ['LABEL', 'UUID', 'VERSION', 'TYPE']) out[tag] = sh('blkid', ['-p', '-s', tag, '-o', 'value', img]).replace(/\n$/, '');
  return out;
}

/**
 * exfat-fuse (relan exfat 1.3) counts 2100 as a leap year when it encodes times, so from
 * 2100-03-02 on the stored date is one day early (the raw entry of y2107.txt says 2107-12-30;
 * FUSE decodes it back with the same mistake). We show what is on disk, as Linux would.
 */
const WRITER_SKEW: Record<string, number> = { '/times/y2107.txt': -86400 };

const opened: RawImage[] = [];
async function openImage(img: string): Promise<ExfatFileSystem> {
  const dev = new RawImage(await HostFile.open(img));
  opened.push(dev);
  return openExfat(dev);
}

function isCode(code: string, re?: RegExp) {
  return (e: unknown) => e instanceof GuestguardError && e.code === code && (re === undefined || re.test(e.message));
}

afterAll(async () => {
  for (const d of opened) await d.close();
  if (CAN_BUILD) for (const v of VARIANTS) cleanupMounts(join(FIXTURES_ROOT, `exfat-${v.name}-v2`), sh);
});

describe.skipIf(!CAN_BUILD)('exFAT driver on real mkfs.exfat + exfat-fuse images', () => {
  for (const v of VARIANTS) {
    describe(`${v.name} clusters`, () => {
      const dir = CAN_BUILD ? fixtureDir(`exfat-${v.name}-v2`, (d) => buildImage(d, v)) : '';
      const img = join(dir, 'exfat.img');
      const src = join(dir, 'src');

      it('identifies the volume as blkid does', async () => {
        const want = blkid(img);
        const fs = await openImage(img);
        expect(fs.type).toBe('exfat');
        expect(fs.caseInsensitive).toBe(true);
        expect(fs.label).toBe(v.label);
        expect(want.LABEL).toBe(v.label);
        expect(fs.uuid).toBe(want.UUID);
        expect(fs.upcaseFromVolume).toBe(true);
        expect(fs.warnings).toEqual([]);
        const dev = new RawImage(await HostFile.open(img));
        opened.push(dev);
        expect(await probeExfat(dev)).toEqual({ fs: 'exfat', label: want.LABEL, uuid: want.UUID, details: { version: want.VERSION } });
      });

      it('lists every file and directory with the content, size and mtime of the source tree', async () => {
        const fs = await openImage(img);
        const host = scanHostTree(src);
        const walked = await walkFs(fs);
        expect([...walked.keys()].sort()).toEqual([...host.keys()].sort());
        expect(walked.has(`/${NON_BMP_NAME}`)).toBe(true);
        const cs = fs.geometry.clusterSize;
        for (const [path, h] of host) {
          const { stat: st, sha256, node } = walked.get(path)!;
          expect.soft(st.type, path).toBe(h.type);
          expect.soft([st.uid, st.gid], path).toEqual([0, 0]);
          expect.soft(st.mode, path).toBe(0o755);
          expect.soft(st.mtime, path).toBe(h.mtime + (WRITER_SKEW[path] ?? 0));
          expect.soft(st.ino, path).toBe(Math.floor((node as number) / 2));
          if (h.type === 'file') {
            expect.soft(st.size, path).toBe(h.size);
            expect.soft(sha256, path).toBe(h.sha256);
            expect.soft(st.nlink, path).toBe(1);
          } else {
            expect.soft(st.nlink, path).toBe(h.subdirs! + 2);
            expect.soft(st.size > 0 && st.size % cs === 0, path).toBe(true);
          }
        }
        const root = await fs.stat(await fs.root());
        const rootSubdirs = [...host.entries()].filter(([p, n]) => p.lastIndexOf('/') === 0 && n.type === 'dir').length;
        expect(root).toMatchObject({ type: 'dir', mode: 0o755, nlink: rootSubdirs + 2, ino: 1, uid: 0, gid: 0 });
      });

      it('agrees with what exfat-fuse showed through lstat', async () => {
        const fuse = new Map<string, HostNode>(JSON.parse(readFileSync(join(dir, 'fuse.json'), 'utf8')) as [string, HostNode][]);
        const walked = await walkFs(await openImage(img));
        expect([...walked.keys()].sort()).toEqual([...fuse.keys()].sort());
        for (const [path, f] of fuse) {
          const w = walked.get(path)!;
          expect.soft(w.stat.type, path).toBe(f.type);
          expect.soft(w.stat.mtime, path).toBe(f.mtime + (WRITER_SKEW[path] ?? 0));
          if (f.type === 'file') expect.soft([w.stat.size, w.sha256], path).toEqual([f.size, f.sha256]);
        }
      });

      it('looks names up case-insensitively with the volume up-case table', async () => {
        const fs = await openImage(img);
        const walked = await walkFs(fs, { maxRead: 0 });
        const nodes = new Map<string, NodeRef>([['', await fs.root()]]);
        for (const [p, w] of walked) nodes.set(p, w.node);
        for (const [p, w] of walked) {
          const parent = nodes.get(p.slice(0, p.lastIndexOf('/')))!;
          const name = p.slice(p.lastIndexOf('/') + 1);
          expect.soft(await fs.lookup(parent, name), p).toBe(w.node);
          expect.soft(await fs.lookup(parent, name.toUpperCase()), p).toBe(w.node);
          expect.soft(await fs.lookup(parent, name.toLowerCase()), p).toBe(w.node);
        }
        expect(await fs.lookup(await fs.root(), 'ÜNÏCØDÉ ФАЙЛ 日本.TXT')).toBe(walked.get('/Ünïcødé файл 日本.txt')!.node);
        expect(await fs.lookup(await fs.root(), 'nope')).toBeUndefined();
      });

      it('stores the name hashes our up-casing computes', async () => {
        const fs = await openImage(img);
        const bytes = readFileSync(img);
        const g = fs.geometry;
        let checked = 0;
        for (const [p, w] of await walkFs(fs, { maxRead: 0 })) {
          const off = Math.floor((w.node as number) / 2);
          if (((off - g.heapOffset) % g.clusterSize) + 64 > g.clusterSize) continue; // stream entry in the next cluster
          const stored = bytes.readUInt16LE(off + 32 + 4);
          const folded = fs.fold(p.slice(p.lastIndexOf('/') + 1));
          expect.soft(nameHash(Array.from({ length: folded.length }, (_, i) => folded.charCodeAt(i))), p).toBe(stored);
          checked++;
        }
        expect(checked).toBeGreaterThan(100);
      });

      it('is not mistaken for FAT', async () => {
        const dev = new RawImage(await HostFile.open(img));
        opened.push(dev);
        expect(await probeFat(dev)).toBeUndefined();
        await expect(openFat(dev)).rejects.toBeInstanceOf(GuestguardError);
      });

      it('reads NoFatChain and FAT-chained (fragmented) files and directories', async () => {
        const fs = await openImage(img);
        const root = await fs.root();
        const big = await fs.clusterMap((await fs.lookup(root, 'big.bin'))!);
        expect(big.contiguous).toBe(true);
        const fragDir = (await fs.lookup(root, 'frag'))!;
        const fragNode = (await fs.lookup(fragDir, 'fragmented.bin'))!;
        const frag = await fs.clusterMap(fragNode);
        expect(frag.contiguous).toBe(false);
        expect(frag.runs.length).toBeGreaterThan(3);
        const host = readFileSync(join(src, 'frag', 'fragmented.bin'));
        const cs = fs.geometry.clusterSize;
        for (const [off, len] of [[0, host.length], [cs - 3, 7], [cs * 2 + 1, cs * 4], [host.length - 1, 10], [host.length, 1]] as const) {
          expect(Buffer.from(await fs.read(fragNode, off, len)).equals(host.subarray(off, off + len)), `${off}+${len}`).toBe(true);
        }
        // "many" outgrew its first allocation: exfat-fuse moved it to a FAT chain.
        const many = await fs.clusterMap((await fs.lookup(root, 'many'))!);
        expect(many.clusters).toBeGreaterThan(1);
      });

      it('re-reads entry sets that straddle cluster boundaries from the node alone', async () => {
        const fs = await openImage(img);
        const g = fs.geometry;
        const walked = await walkFs(fs, { maxRead: 0 });
        const straddling = { contiguousParent: 0, chainedParent: 0 };
        for (const [p, w] of walked) {
          const ref = w.node as number;
          const off = Math.floor(ref / 2);
          const name = p.slice(p.lastIndexOf('/') + 1);
          const setBytes = (2 + Math.ceil(name.length / 15)) * ENTRY_SIZE;
          if (((off - g.heapOffset) % g.clusterSize) + setBytes > g.clusterSize) {
            if (ref % 2 === 1) straddling.contiguousParent++;
            else straddling.chainedParent++;
            // A fresh driver has no cached listing: stat must follow the parent's clusters.
            const fresh = await openImage(img);
            expect((await fresh.stat(ref)).size, p).toBe(w.stat.size);
          }
        }
        expect(straddling.contiguousParent).toBeGreaterThan(0);
        expect(straddling.chainedParent).toBeGreaterThan(0);
      });

      it('reports free space as dump.exfat counts it', async () => {
        const fs = await openImage(img);
        const free = Number(/Free Clusters:\s*(\d+)/.exec(sh('dump.exfat', [img]))![1]);
        expect(await fs.statfs()).toEqual({ blockSize: fs.geometry.clusterSize, totalBlocks: fs.geometry.clusterCount, freeBlocks: free });
      });

      it('rejects operations that do not fit the node', async () => {
        const fs = await openImage(img);
        const root = await fs.root();
        const file = (await fs.lookup(root, 'readme.txt'))!;
        await expect(fs.readdir(file)).rejects.toSatisfy(isCode('NOT_A_DIRECTORY'));
        await expect(fs.read(root, 0, 1)).rejects.toSatisfy(isCode('IS_A_DIRECTORY'));
        await expect(fs.readlink(file)).rejects.toSatisfy(isCode('NOT_A_SYMLINK'));
        await expect(fs.stat(7)).rejects.toSatisfy(isCode('INVALID_ARGUMENT'));
        await expect(fs.stat((file as number) + 64)).rejects.toSatisfy((e: unknown) => e instanceof GuestguardError);
        expect(await fs.xattrs(file)).toEqual(new Map());
      });
    });
  }

  describe('hand-made changes to a real image', () => {
    const dir = CAN_BUILD ? fixtureDir('exfat-512-v2', (d) => buildImage(d, VARIANTS[1]!)) : '';
    const img = join(dir, 'exfat.img');

    async function setup() {
      const bytes = new Uint8Array(readFileSync(img));
      const fs = await openExfat(new MemoryDevice(bytes));
      return { bytes, fs, reopen: () => openExfat(new MemoryDevice(bytes)) };
    }

    /** Reads the entry set of `ref` (contiguous on disk in these small cases) and lets `edit` change it. */
    async function patchSet(bytes: Uint8Array, fs: ExfatFileSystem, ref: NodeRef, edit: (set: Uint8Array) => void, fixSum = true) {
      const off = Math.floor((ref as number) / 2);
      const len = (bytes[off + 1]! + 1) * ENTRY_SIZE;
      expect(((off - fs.geometry.heapOffset) % fs.geometry.clusterSize) + len).toBeLessThanOrEqual(fs.geometry.clusterSize);
      const set = bytes.subarray(off, off + len);
      edit(set);
      if (fixSum) {
        const sum = setChecksum(set);
        set[2] = sum & 0xff;
        set[3] = sum >> 8;
      }
    }

    async function findUnsplit(fs: ExfatFileSystem, names: string[]): Promise<NodeRef> {
      for (const n of names) {
        const ref = (await fs.lookup(await fs.root(), n))!;
        const off = Math.floor((ref as number) / 2);
        const rel = (off - fs.geometry.heapOffset) % fs.geometry.clusterSize;
        if (rel + (2 + Math.ceil(n.length / 15)) * ENTRY_SIZE <= fs.geometry.clusterSize) return ref;
      }
      throw new Error('every candidate entry set straddles a cluster');
    }

    it('maps the read-only attribute to mode 0555', async () => {
      const { bytes, fs, reopen } = await setup();
      const ref = await findUnsplit(fs, ['readonly.txt', 'readme.txt', 'UPPER.TXT', 'lower.TXT', 'UP.txt']);
      await patchSet(bytes, fs, ref, (s) => (s[4]! |= 0x01));
      const st = await (await reopen()).stat(ref);
      expect(st.mode).toBe(0o555);
      expect(st.flags).toContain('readonly');
    });

    it('reads bytes past ValidDataLength as zeros', async () => {
      const { bytes, fs, reopen } = await setup();
      const ref = await findUnsplit(fs, ['odd-size.bin', 'big.bin']);
      const before = await fs.read(ref, 0, 20000);
      await patchSet(bytes, fs, ref, (s) => {
        s.set([0x10, 0x27, 0, 0, 0, 0, 0, 0], 32 + 8); // ValidDataLength = 10000
      });
      const after = await (await reopen()).read(ref, 0, 20000);
      expect(after.length).toBe(before.length);
      expect(Buffer.from(after.subarray(0, 10000)).equals(Buffer.from(before.subarray(0, 10000)))).toBe(true);
      expect(after.subarray(10000).every((b) => b === 0)).toBe(true);
    });

    it('skips an entry set whose checksum does not match, with a warning', async () => {
      const { bytes, fs, reopen } = await setup();
      const ref = await findUnsplit(fs, ['readme.txt', 'UPPER.TXT']);
      const name = (await fs.readdir(await fs.root())).find((e) => e.node === ref)!.name;
      await patchSet(bytes, fs, ref, (s) => (s[8]! ^= 0x55), false);
      const fresh = await reopen();
      expect((await fresh.readdir(await fresh.root())).map((e) => e.name)).not.toContain(name);
      expect(fresh.warnings.some((w) => w.includes('checksum mismatch'))).toBe(true);
      await expect(fresh.stat(ref)).rejects.toSatisfy(isCode('CORRUPT_FILESYSTEM', /checksum/));
    });

    it('falls back to the backup boot region, and fails when both are damaged', async () => {
      const { bytes, reopen } = await setup();
      bytes[100]! ^= 0xff; // serial number: main boot checksum no longer matches
      const fs = await reopen();
      expect(fs.warnings[0]).toMatch(/backup boot region/);
      expect((await fs.readdir(await fs.root())).length).toBeGreaterThan(5);
      bytes[512 * 12 + 100]! ^= 0xff;
      await expect(reopen()).rejects.toSatisfy(isCode('CORRUPT_FILESYSTEM', /boot checksum/));
    });

    it('keeps working with a damaged up-case table', async () => {
      const { bytes, fs, reopen } = await setup();
      const root = await fs.root();
      const ref = await fs.lookup(root, 'MixedCase.Txt');
      // Find the up-case table through the root directory's 0x82 entry.
      const rootOff = fs.geometry.heapOffset + (fs.geometry.rootCluster - 2) * fs.geometry.clusterSize;
      let at = rootOff;
      while (bytes[at] !== 0x82) at += 32;
      const first = bytes[at + 20]! | (bytes[at + 21]! << 8) | (bytes[at + 22]! << 16) | (bytes[at + 23]! << 24);
      bytes[fs.geometry.heapOffset + (first - 2) * fs.geometry.clusterSize + 200]! ^= 0xff;
      const fresh = await reopen();
      expect(fresh.upcaseFromVolume).toBe(false);
      expect(fresh.warnings.some((w) => /up-case table checksum/.test(w))).toBe(true);
      expect(await fresh.lookup(root, 'MIXEDCASE.TXT')).toBe(ref);
    });

    it('detects cluster loops in files and directories', async () => {
      const { bytes, fs, reopen } = await setup();
      const root = await fs.root();
      const fragDir = (await fs.lookup(root, 'frag'))!;
      const fragNode = (await fs.lookup(fragDir, 'fragmented.bin'))!;
      const fileRuns = (await fs.clusterMap(fragNode)).runs;
      const manyRuns = (await fs.clusterMap((await fs.lookup(root, 'many'))!)).runs;
      const setFat = (cluster: number, next: number) => {
        const at = fs.geometry.fatOffset + cluster * 4;
        bytes.set([next & 0xff, (next >> 8) & 0xff, (next >> 16) & 0xff, next >>> 24], at);
      };
      setFat(fileRuns[2]!.cluster + fileRuns[2]!.count - 1, fileRuns[1]!.cluster);
      // Inside the directory's size (its DataLength bounds the walk): the first run loops to itself.
      expect(manyRuns.length).toBeGreaterThan(1);
      setFat(manyRuns[0]!.cluster + manyRuns[0]!.count - 1, manyRuns[0]!.cluster);
      const fresh = await reopen();
      await expect(fresh.read(fragNode, 0, 100_000)).rejects.toSatisfy(isCode('CORRUPT_FILESYSTEM', /loop/));
      const manyNode = (await fresh.lookup(root, 'many'))!;
      await expect(fresh.readdir(manyNode)).rejects.toSatisfy(isCode('CORRUPT_FILESYSTEM', /loop/));
    });

    it('validates boot sector fields behind a matching checksum', async () => {
      const { bytes, reopen } = await setup();
      const bps = 512;
      const resum = () => {
        const sum = bootChecksum(bytes, bps);
        for (let i = 0; i < bps; i += 4) bytes.set([sum & 0xff, (sum >> 8) & 0xff, (sum >> 16) & 0xff, sum >>> 24], 11 * bps + i);
      };
      const backup = bytes.slice(0, 12 * bps);
      bytes.fill(0, 12 * bps, 24 * bps); // no backup to fall back to
      bytes[109] = 30; // sectors-per-cluster shift beyond 32 MiB clusters
      resum();
      await expect(reopen()).rejects.toSatisfy(isCode('CORRUPT_FILESYSTEM', /sectors-per-cluster/));
      bytes.set(backup, 0);
      bytes.set([0xff, 0xff, 0xff, 0x7f], 92); // cluster count far beyond the volume
      resum();
      await expect(reopen()).rejects.toSatisfy(isCode('CORRUPT_FILESYSTEM', /cannot map|beyond/));
    });
  });
});
