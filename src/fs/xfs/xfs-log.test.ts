/**
 * Unclean shutdown: an image whose log still holds changes (made by forcing a shutdown of a
 * mounted filesystem, exactly what a crashed VM leaves) must open with a warning, and reading
 * it must still only ever fail with typed errors.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_ROOT, fixtureDir, hasTool } from '../../../test/helpers/fixtures.js';
import type { BlockDevice } from '../../disk/block-device.js';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { GuestguardError } from '../../errors.js';
import { openXfs } from './index.js';
import { cleanupMount, mkfs } from './test-images.js';

const canMount = process.getuid?.() === 0 && ['mkfs.xfs', 'xfs_io', 'xfs_logprint', 'mount', 'losetup'].every(hasTool);

describe.skipIf(!canMount)('XFS with an unreplayed log', () => {
  const name = 'xfs-v5-dirty-log';
  let dev: BlockDevice;

  beforeAll(async () => {
    cleanupMount(join(FIXTURES_ROOT, name, 'mnt'), join(FIXTURES_ROOT, name, 'fs.img'));
    const dir = fixtureDir(name, (d) => {
      const img = join(d, 'fs.img');
      const mnt = join(d, 'mnt');
      mkfs(img, 32, []);
      mkdirSync(mnt);
      try {
        execFileSync('mount', ['-o', 'loop', img, mnt]);
        mkdirSync(join(mnt, 'a'));
        for (let i = 0; i < 50; i++) writeFileSync(join(mnt, 'a', `f${i}`), `${i}\n`);
        // Flush the log but not the metadata, then stop: the on-disk state of a crash.
        execFileSync('xfs_io', ['-x', '-c', 'shutdown -f', mnt]);
      } finally {
        cleanupMount(mnt, img);
      }
      const state = execFileSync('xfs_logprint', ['-t', img], { encoding: 'utf8' });
      if (!state.includes('<DIRTY>')) throw new Error(`expected a dirty log, xfs_logprint says: ${state}`);
    });
    dev = new RawImage(await HostFile.open(join(dir, 'fs.img')));
  });
  afterAll(async () => {
    await dev?.close();
    cleanupMount(join(FIXTURES_ROOT, name, 'mnt'), join(FIXTURES_ROOT, name, 'fs.img'));
  });

  it('opens with a warning about the unclean shutdown', async () => {
    const fs = await openXfs(dev);
    expect(fs.warnings?.join('\n')).toMatch(/unclean shutdown/);
  });

  it('reads what is on disk, failing only with typed errors', async () => {
    const fs = await openXfs(dev);
    const root = await fs.root();
    for (const e of await fs.readdir(root)) {
      try {
        const st = await fs.stat(e.node);
        if (st.type === 'dir') for (const c of await fs.readdir(e.node)) await fs.read(c.node, 0, 100);
      } catch (err) {
        expect(err).toBeInstanceOf(GuestguardError);
      }
    }
  });
});
