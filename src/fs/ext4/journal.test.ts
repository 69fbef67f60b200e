/**
 * Dirty journals made by the kernel: a loop-mounted filesystem is changed, its journal is
 * committed and the filesystem shut down (xfs_io "shutdown -f", the EXT4_IOC_SHUTDOWN ioctl)
 * and the image copied before anything is checkpointed, so the changes exist only in the
 * journal. The driver must show the post-recovery state without writing to the image.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, linkSync, truncateSync, unlinkSync, writeFileSync, chmodSync, chownSync, openSync, closeSync, writeSync, fsyncSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { fixtureDir, hasTool, run } from '../../../test/helpers/fixtures.js';
import { diffTrees, walkDriverTree, walkHostTreeSync, xattrsToHex, resolveDriverPath, type TreeEntry } from '../../../test/helpers/source-tree.js';
import type { Ext4Driver } from './driver.js';
import { openExt4 } from './index.js';

function canShutdown(): boolean {
  if (process.getuid?.() !== 0 || !hasTool('mkfs.ext4') || !hasTool('xfs_io') || !hasTool('setfattr')) return false;
  const dir = mkdtempSync(join(tmpdir(), 'gg-ext4-jprobe-'));
  try {
    const img = join(dir, 'p.img');
    mkdirSync(join(dir, 'm'));
    run('mkfs.ext4', ['-q', '-F', img, '8M']);
    run('mount', ['-o', 'loop', img, join(dir, 'm')]);
    try {
      run('xfs_io', ['-x', '-c', 'shutdown -f', join(dir, 'm')]);
    } finally {
      run('umount', [join(dir, 'm')]);
    }
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const canRun = canShutdown();

interface JVariant {
  name: string;
  mkfs: string;
  args: string[];
  mountOpts: string;
  /** Commit this many small transactions first so the log wraps past the end of the journal. */
  churn?: number;
}

const VARIANTS: JVariant[] = [
  { name: 'ext4-csum-v3-64bit', mkfs: 'mkfs.ext4', args: ['-b', '4096'], mountOpts: 'nodelalloc' },
  { name: 'ext4-nocsum-32bit', mkfs: 'mkfs.ext4', args: ['-b', '4096', '-O', '^metadata_csum,^64bit'], mountOpts: 'nodelalloc' },
  { name: 'ext4-1k', mkfs: 'mkfs.ext4', args: ['-b', '1024'], mountOpts: 'nodelalloc' },
  { name: 'ext3', mkfs: 'mkfs.ext3', args: ['-b', '4096'], mountOpts: 'data=ordered' },
  { name: 'ext4-data-journal', mkfs: 'mkfs.ext4', args: ['-b', '4096'], mountOpts: 'data=journal' },
  { name: 'ext4-1k-wrapped-log', mkfs: 'mkfs.ext4', args: ['-b', '1024', '-J', 'size=1'], mountOpts: 'nodelalloc', churn: 700 },
];

/** Many fsync'd single-file transactions: the kernel checkpoints and the log start moves on. */
function churn(m: string, count: number): void {
  mkdirSync(join(m, 'churn'));
  for (let i = 0; i < count; i++) {
    const p = join(m, 'churn', `t${i}`);
    writeFileSync(p, 'x'.repeat(i % 500));
    const fd = openSync(p, 'r');
    fsyncSync(fd);
    closeSync(fd);
    if (i % 3 === 0) unlinkSync(p);
  }
}

const JBD2_MAGIC = Buffer.from([0xc0, 0x3b, 0x39, 0x98]);

/** Baseline contents, flushed in place with sync before the journaled changes. */
function baseline(m: string): void {
  mkdirSync(join(m, 'before/sub'), { recursive: true });
  for (let i = 0; i < 40; i++) writeFileSync(join(m, 'before', `f${i}`), `baseline ${i}\n`.repeat(i + 1));
  writeFileSync(join(m, 'before/overwritten'), Buffer.alloc(20000, 1));
  writeFileSync(join(m, 'before/truncated'), Buffer.alloc(50000, 2));
  writeFileSync(join(m, 'before/doomed'), 'to be deleted\n');
  writeFileSync(join(m, 'before/renamed-from'), 'rename me\n');
}

/** Changes that after the shutdown exist only in the journal. */
function changes(m: string, dataJournal: boolean): void {
  // Metadata blocks journaled, committed, then freed: the later transaction revokes them, and
  // the data written afterwards may reuse those blocks, so a wrong replay would clobber it.
  mkdirSync(join(m, 'after/nested/deeper'), { recursive: true });
  mkdirSync(join(m, 'scratch'));
  for (let i = 0; i < 300; i++) writeFileSync(join(m, 'scratch', `temporary-entry-with-a-long-name-${i}`), '');
  writeFileSync(join(m, 'scratch-xattr'), 'x');
  execFileSync('setfattr', ['-n', 'user.block', '-v', `0x${'5a'.repeat(900)}`, join(m, 'scratch-xattr')]);
  execFileSync('xfs_io', ['-c', 'fsync', join(m, 'scratch')]);
  execFileSync('xfs_io', ['-c', 'fsync', join(m, 'scratch-xattr')]);
  rmSync(join(m, 'scratch'), { recursive: true });
  unlinkSync(join(m, 'scratch-xattr'));

  for (let i = 0; i < 300; i++) writeFileSync(join(m, 'after', `file-with-a-longer-name-${i}`), `after ${i}\n`);
  const fd = openSync(join(m, 'after/big'), 'w');
  for (let i = 0; i < 64; i++) writeSync(fd, createHash('sha256').update(String(i)).digest().toString('hex').repeat(512));
  closeSync(fd);
  writeFileSync(join(m, 'before/overwritten'), Buffer.alloc(20000, 3));
  truncateSync(join(m, 'before/truncated'), 1000);
  unlinkSync(join(m, 'before/doomed'));
  renameSync(join(m, 'before/renamed-from'), join(m, 'after/renamed-to'));
  chmodSync(join(m, 'before/f1'), 0o4711);
  chownSync(join(m, 'before/f2'), 1234, 5678);
  symlinkSync('../before/f3', join(m, 'after/link'));
  linkSync(join(m, 'before/f4'), join(m, 'after/hardlink'));
  execFileSync('setfattr', ['-n', 'user.journaled', '-v', 'yes', join(m, 'before/f5')]);
  execFileSync('touch', ['-d', '2011-11-11 11:11:11.111111111 UTC', join(m, 'before/f6')]);
  for (let i = 0; i < 40; i++) unlinkSync(join(m, 'after', `file-with-a-longer-name-${i}`));
  if (dataJournal) {
    // A journaled data block that starts with the jbd2 magic is stored escaped.
    writeFileSync(join(m, 'after/magic'), Buffer.concat([JBD2_MAGIC, Buffer.alloc(8188, 9), JBD2_MAGIC, Buffer.alloc(100, 1)]));
  }
}

function buildDirty(d: string, v: JVariant): void {
  const img = join(d, `${v.name}.live.img`);
  const m = join(d, 'mnt');
  mkdirSync(m, { recursive: true });
  run(v.mkfs, ['-q', '-F', '-E', 'lazy_itable_init=1,lazy_journal_init=1', ...v.args, img, '64M']);
  run('mount', ['-o', `loop,${v.mountOpts}`, img, m]);
  try {
    baseline(m);
    run('sync', []);
    if (v.churn) churn(m, v.churn);
    changes(m, v.mountOpts.includes('data=journal'));
    writeFileSync(join(d, `${v.name}.listing.json`), JSON.stringify(walkHostTreeSync(m)));
    // Commit the journal and stop all further writes, then copy before unmount can checkpoint.
    run('xfs_io', ['-x', '-c', 'shutdown -f', m]);
    run('cp', ['--sparse=always', img, join(d, `${v.name}.img`)]);
  } finally {
    run('umount', [m]);
  }
  rmSync(img);
}

const opened: RawImage[] = [];
afterEach(async () => {
  for (const dev of opened.splice(0)) await dev.close();
});

async function open(path: string, replayJournal = true): Promise<Ext4Driver> {
  const dev = new RawImage(await HostFile.open(path));
  opened.push(dev);
  return openExt4(dev, { replayJournal });
}

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const compare = (expected: TreeEntry[], actual: TreeEntry[]) => diffTrees(expected, actual);

describe.skipIf(!canRun)('ext4 journal replay (kernel-made dirty journals)', () => {
  let dir: string;

  beforeAll(() => {
    dir = fixtureDir('ext4-journal-v3', (d) => {
      for (const v of VARIANTS) buildDirty(d, v);
    });
  });

  it.each(VARIANTS)('$name: shows the recovered state, reports it, and leaves the image untouched', async (v) => {
    const img = join(dir, `${v.name}.img`);
    expect(run('dumpe2fs', ['-h', img])).toMatch(/needs_recovery/);
    const before = sha(img);
    const expected = JSON.parse(readFileSync(join(dir, `${v.name}.listing.json`), 'utf8')) as TreeEntry[];

    // Without replay the tree differs (or is inconsistent): the test really depends on replay.
    const stale = await open(img, false);
    expect(stale.warnings.join()).toMatch(/replay disabled/);
    const staleDiffs = await walkDriverTree(stale).then((l) => compare(expected, l).length, () => -1);
    expect(staleDiffs).not.toBe(0);

    const fs = await open(img);
    expect(fs.warnings.join('\n')).toMatch(/needs_recovery.*replayed [1-9]\d* journal transaction/);
    // Ordered mode revokes the freed directory and xattr blocks; data=journal never revokes.
    if (v.mountOpts.includes('data=journal')) expect(fs.warnings.join()).toMatch(/ 0 revoked/);
    else expect(fs.warnings.join()).toMatch(/[1-9]\d* revoked/);
    expect(compare(expected, await walkDriverTree(fs))).toEqual([]);
    expect(xattrsToHex(await fs.xattrs((await resolveDriverPath(fs, '/before/f5'))!))).toEqual({ 'user.journaled': Buffer.from('yes').toString('hex') });
    expect(sha(img)).toBe(before);

    if (v.churn) {
      // The replayed log really runs past the end of the journal and wraps to its start.
      const h = run('dumpe2fs', ['-h', img]);
      const start = Number(/Journal start:\s+(\d+)/.exec(h)![1]);
      const length = Number(/Total journal blocks:\s+(\d+)/.exec(h)![1]);
      expect(start + (await stale.replay()).logBlocks).toBeGreaterThan(length);
    }

    // e2fsck's own recovery of a copy yields exactly the same tree.
    const tmp = mkdtempSync(join(dir, 'fsck-'));
    try {
      const copy = join(tmp, 'copy.img');
      run('cp', ['--sparse=always', img, copy]);
      try {
        run('e2fsck', ['-fy', copy]);
      } catch {
        // exit status 1: errors corrected (the journal was recovered)
      }
      const recovered = await open(copy);
      expect(recovered.warnings).toEqual([]);
      expect(compare(expected, await walkDriverTree(recovered))).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('replays escaped blocks (data=journal file data starting with the jbd2 magic)', async () => {
    const fs = await open(join(dir, 'ext4-data-journal.img'));
    const magic = (await resolveDriverPath(fs, '/after/magic'))!;
    const data = await fs.read(magic, 0, 8196);
    expect(Buffer.from(data.subarray(0, 4)).equals(JBD2_MAGIC)).toBe(true);
    expect(Buffer.from(data.subarray(8192, 8196)).equals(JBD2_MAGIC)).toBe(true);
  });
});
