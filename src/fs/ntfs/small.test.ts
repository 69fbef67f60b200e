/**
 * The small, once-full image (512-byte clusters): a fragmented $MFT with an $ATTRIBUTE_LIST,
 * a file with hundreds of runs spread over extension records, interleaved appends. Compared
 * with a read-only ntfs-3g mount.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SliceDevice } from '../../disk/cached-device.js';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { GuestguardError } from '../../errors.js';
import { diffTrees, resolveDriverPath, walkDriverTree } from '../../../test/helpers/source-tree.js';
import { AT_ATTRIBUTE_LIST, AT_DATA } from './constants.js';
import { openNtfs, type NtfsFileSystem } from './index.js';
import { buildSmallImage, SMALL } from './test-images.js';
import { asyncFixtureDir, canBuildNtfs, loadTruth, unmountAll, type Ntfs3gTruth } from './test-support.js';

describe.skipIf(!canBuildNtfs())('NTFS driver on a fragmented small volume', () => {
  let dir = '';
  let truth: Ntfs3gTruth;
  let fs: NtfsFileSystem;
  let raw: RawImage;

  beforeAll(async () => {
    dir = await asyncFixtureDir('ntfs-small-v1', buildSmallImage);
    truth = loadTruth(dir);
    raw = new RawImage(await HostFile.open(join(dir, 'ntfs.img')));
    fs = await openNtfs(raw);
  }, 600_000);
  afterAll(async () => {
    unmountAll();
    await raw?.close();
  });

  it('uses 512-byte clusters and 1 KiB records (positive clusters-per-record encoding)', () => {
    expect(fs.boot.clusterSize).toBe(512);
    expect(fs.boot.mftRecordSize).toBe(1024);
    expect(fs.uuid).toBe(truth.blkid.UUID);
    expect(fs.label).toBe('GG SMALL');
  });

  it('follows the $MFT\'s own $ATTRIBUTE_LIST to its extent in an extension record', async () => {
    const mft = await fs.layout(0);
    expect(mft.attributeList).toBe(true);
    expect(mft.extensionRecords.length).toBeGreaterThan(0);
    const list = mft.streams.find((s) => s.type === AT_ATTRIBUTE_LIST);
    expect(list?.resident).toBe(false);
    const data = mft.streams.find((s) => s.type === AT_DATA && s.name === '')!;
    expect(data.runs.length).toBeGreaterThan(100);
    // Records beyond the first extent are reachable (their files are in the walk below).
    const firstExtentClusters = (await fs.volume.record(0)).attrs.find((a) => a.type === AT_DATA)!.highestVcn + 1;
    expect(fs.volume.recordCount * fs.boot.mftRecordSize).toBeGreaterThan(firstExtentClusters * fs.boot.clusterSize);
  });

  it('reads files whose runlists span extension records, and interleaved files', async () => {
    const many = await fs.layout((await resolveDriverPath(fs, SMALL.manyRuns))!);
    expect(many.attributeList).toBe(true);
    expect(many.extensionRecords.length).toBeGreaterThanOrEqual(2);
    expect(many.streams.find((s) => s.type === AT_DATA)!.runs.length).toBeGreaterThan(300);
    for (const p of SMALL.interleaved) {
      const l = await fs.layout((await resolveDriverPath(fs, p))!);
      expect(l.streams[0]!.runs.length, p).toBeGreaterThan(5);
    }
  });

  it('lists and reads everything as ntfs-3g does', async () => {
    const ours = await walkDriverTree(fs);
    expect(diffTrees(truth.entries, ours, { skip: (p) => p === '/dir/junction' })).toEqual([]);
    expect(ours.find((e) => e.path === '/dir/junction')!.target).toBe('/dir');
    expect(ours.find((e) => e.path === '/dir/rel-link')!.target).toBe('link-target.txt');
    expect(ours.find((e) => e.path === '/dir/interix-link')!.target).toBe('small.txt');
    expect(Object.keys(truth.xattrs).sort()).toEqual(['/dir/small.txt', '/dir/sub/hard-link']);
    expect(Buffer.from((await fs.xattrs((await resolveDriverPath(fs, '/dir/small.txt'))!)).get('user.stream')!).toString()).toBe('ads value');
  });

  it('reports a truncated image: typed errors, and a warning when it still opens', async () => {
    let opened = 0;
    for (let tenth = 1; tenth < 10; tenth++) {
      const cut = new SliceDevice(raw, 0, Math.floor((raw.size * tenth) / 10 / 4096) * 4096, 'truncated');
      let half: NtfsFileSystem;
      try {
        half = await openNtfs(cut);
      } catch (err) {
        expect(err).toBeInstanceOf(GuestguardError);
        continue;
      }
      opened++;
      expect(half.warnings.join('\n')).toMatch(/image truncated/);
      let failures = 0;
      const visit = async (n: number): Promise<void> => {
        try {
          const st = await half.stat(n);
          if (st.type === 'file') await half.read(n, 0, st.size);
          if (st.type === 'dir') for (const e of await half.readdir(n)) await visit(e.node as number);
        } catch (err) {
          expect(err).toBeInstanceOf(GuestguardError);
          failures++;
        }
      };
      await visit(5);
      if (tenth < 9) expect(failures, `cut at ${tenth}/10`).toBeGreaterThan(0);
    }
    expect(opened).toBeGreaterThan(0);
  });

  it('does not treat an extension record as a file', async () => {
    const ext = (await fs.layout((await resolveDriverPath(fs, SMALL.manyRuns))!)).extensionRecords[0]!;
    await expect(fs.stat(ext)).rejects.toSatisfy((e: unknown) => e instanceof GuestguardError && e.code === 'CORRUPT_FILESYSTEM' && /extension record/.test(e.message));
  });
});
