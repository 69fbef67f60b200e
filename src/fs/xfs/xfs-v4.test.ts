/**
 * v4 (non-CRC) XFS. Current kernels refuse to mount v4, so these images are made by
 * mkfs.xfs -p from a prototype tree; the truth is that tree plus xfs_db's own directory
 * listing (names, inode numbers and name hashes).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, hasTool } from '../../../test/helpers/fixtures.js';
import type { BlockDevice } from '../../disk/block-device.js';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { readFileSync } from 'node:fs';
import { daHashName } from './dahash.js';
import { openXfs, probeXfs, XfsFileSystem } from './index.js';
import { buildProtoImage, V4_CI_MKFS } from './test-images.js';
import { diffWalks, walkDriver, type WalkRecord } from './test-walk.js';

const canBuild = hasTool('mkfs.xfs') && hasTool('xfs_db');
const OMIT: (keyof WalkRecord)[] = ['ino', 'mtime', 'mtimeNs', 'atime', 'ctime', 'btime'];

const VARIANTS = [
  { name: 'xfs-v4-ci', mkfs: V4_CI_MKFS, ci: true, ftype: false },
  { name: 'xfs-v4-ftype', mkfs: ['-m', 'crc=0', '-n', 'ftype=1,size=16384', '-b', 'size=2048', '-i', 'size=512', '-L', 'oldft'], ci: false, ftype: true },
];

for (const variant of VARIANTS) {
  describe.skipIf(!canBuild)(`XFS ${variant.name} (mkfs.xfs -p)`, () => {
    let dir: string;
    let dev: BlockDevice;
    let fs: XfsFileSystem;
    let listing: Record<string, { name: string; ino: number; hash: number }[]>;

    beforeAll(async () => {
      dir = fixtureDir(variant.name, (d) => buildProtoImage(d, 64, variant.mkfs));
      listing = JSON.parse(readFileSync(join(dir, 'xfsdb-ls.json'), 'utf8'));
      dev = new RawImage(await HostFile.open(join(dir, 'fs.img')));
      fs = (await openXfs(dev)) as XfsFileSystem;
    });
    afterAll(async () => {
      await dev?.close();
    });

    it('is a v4 superblock with the expected features', async () => {
      expect(fs.sb.version).toBe(4);
      expect(fs.sb.hasCrc).toBe(false);
      expect(fs.sb.hasFtype).toBe(variant.ftype);
      expect(fs.caseInsensitive).toBe(variant.ci);
      expect((await probeXfs(dev))?.details?.version).toBe('4');
      expect(fs.warnings).toEqual([]); // mkfs leaves a clean log
    });

    it('lists every file as the prototype tree defines it', async () => {
      const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as WalkRecord[];
      const got = await walkDriver(fs, { lookupEvery: 1 });
      // The tree cannot predict directory sizes; xfs_db's listing covers directory contents.
      const noDirSize = (r: WalkRecord): WalkRecord => (r.type === 'dir' ? { ...r, size: 0 } : r);
      expect(diffWalks(got.map(noDirSize), truth.map(noDirSize), OMIT)).toEqual([]);
    });

    it('agrees with xfs_db on every directory entry, inode number and name hash', async () => {
      let checked = 0;
      for (const [path, rows] of Object.entries(listing)) {
        let node = await fs.root();
        for (const part of path.split('/').filter(Boolean)) node = (await fs.lookup(node, part))!;
        const want = rows.filter((r) => r.name !== '.' && r.name !== '..').map((r) => `${r.name}=${r.ino}`).sort();
        const got = (await fs.readdir(node)).map((e) => `${e.name}=${String(e.node)}`).sort();
        expect(got).toEqual(want);
        for (const r of rows) expect(daHashName(Buffer.from(r.name), variant.ci)).toBe(r.hash);
        checked += rows.length;
      }
      expect(checked).toBeGreaterThan(3300);
    });

    it(variant.ci ? 'looks names up case-insensitively (ASCII)' : 'looks names up case-sensitively', async () => {
      const names = (await fs.lookup(await fs.root(), 'names'))!;
      const exact = await fs.lookup(names, 'MixedCase');
      expect(exact).toBeDefined();
      expect(await fs.lookup(names, 'mixedcase')).toBe(variant.ci ? exact : undefined);
      const dirs = (await fs.lookup(await fs.root(), 'dirs'))!;
      const node = (await fs.lookup(dirs, 'node'))!;
      const e = await fs.lookup(node, 'node-entry-with-longer-name-001234');
      expect(e).toBeDefined();
      expect(await fs.lookup(node, 'NODE-entry-with-longer-name-001234')).toBe(variant.ci ? e : undefined);
    });
  });
}
