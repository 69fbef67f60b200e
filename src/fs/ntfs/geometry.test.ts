/**
 * Volume geometries beyond the defaults: 512-byte clusters (positive clusters-per-record
 * bytes), 4096-byte sectors (4 KiB MFT records, 9-entry fixup arrays), 64 KiB clusters and
 * 128 KiB clusters (negative sectors-per-cluster encoding). Each is compared with ntfs-3g.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { diffTrees, walkDriverTree } from '../../../test/helpers/source-tree.js';
import { decodeRecordSize, decodeSectorsPerCluster } from './boot.js';
import { openNtfs } from './index.js';
import { buildGeometryImage, GEOMETRIES } from './test-images.js';
import { asyncFixtureDir, canBuildNtfs, loadTruth, unmountAll } from './test-support.js';

const EXPECT: Record<string, { sector: number; cluster: number; record: number; spcByte: number; mftByte: number; compressed: boolean }> = {
  c512: { sector: 512, cluster: 512, record: 1024, spcByte: 0x01, mftByte: 0x02, compressed: true },
  s4096: { sector: 4096, cluster: 4096, record: 4096, spcByte: 0x01, mftByte: 0x01, compressed: true },
  c64k: { sector: 512, cluster: 65536, record: 1024, spcByte: 0x80, mftByte: 0xf6, compressed: false },
  c128k: { sector: 512, cluster: 131072, record: 1024, spcByte: 0xf8, mftByte: 0xf6, compressed: false },
};

describe.skipIf(!canBuildNtfs())('NTFS geometries made by mkntfs', () => {
  afterAll(() => unmountAll());
  for (const g of GEOMETRIES) {
    it(`${g.name}: decodes the boot sector and reads everything as ntfs-3g does`, async () => {
      const dir = await asyncFixtureDir(`ntfs-geometry-${g.name}-v1`, (d) => buildGeometryImage(d, g));
      const img = join(dir, 'ntfs.img');
      const want = EXPECT[g.name]!;
      const boot = Buffer.alloc(512);
      const fd = openSync(img, 'r');
      readSync(fd, boot, 0, 512, 0);
      closeSync(fd);
      expect(boot[0x0d]).toBe(want.spcByte);
      expect(boot[0x40]).toBe(want.mftByte);
      expect(decodeSectorsPerCluster(boot[0x0d]!)! * want.sector).toBe(want.cluster);
      expect(decodeRecordSize(boot[0x40]!, want.cluster, 'x', 0)).toBe(want.record);
      const truth = loadTruth(dir);
      const raw = new RawImage(await HostFile.open(img));
      try {
        const fs = await openNtfs(raw);
        expect([fs.boot.sectorSize, fs.boot.clusterSize, fs.boot.mftRecordSize]).toEqual([want.sector, want.cluster, want.record]);
        expect(fs.uuid).toBe(truth.blkid.UUID);
        expect(fs.label).toBe(`GG ${g.name}`);
        expect(diffTrees(truth.entries, await walkDriverTree(fs))).toEqual([]);
        const compressed = await fs.lookup((await fs.lookup(5, 'compressed'))!, 'text.txt');
        expect((await fs.layout(compressed!)).streams[0]!.compressed).toBe(want.compressed);
        const s = await fs.statfs();
        expect([s.blockSize, s.totalBlocks, s.freeBlocks, s.totalInodes, s.freeInodes]).toEqual([truth.statfs.blockSize, truth.statfs.blocks, truth.statfs.free, truth.statfs.files, truth.statfs.filesFree]);
        expect(await fs.indexDepth((await fs.lookup(5, 'big'))!)).toBeGreaterThanOrEqual(2);
      } finally {
        await raw.close();
      }
    }, 600_000);
  }
});
