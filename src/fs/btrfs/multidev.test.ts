/**
 * Multi-device filesystems made by the kernel in every striping/mirroring profile. The driver
 * reads them when given all member devices, refuses clearly when one is missing, and reads
 * degraded mirrors when asked to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { GuestguardError } from '../../errors.js';
import { fixtureDir, hasTool } from '../../../test/helpers/fixtures.js';
import { openBtrfs, type BtrfsOpenOptions } from './index.js';
import { profileName } from './chunks.js';
import { BLOCK_GROUP_DATA, BLOCK_GROUP_METADATA } from './constants.js';
import { buildMultiDevice, cleanupMounts, readTruth } from './test-images.js';
import { walkDriver } from './test-tree.js';

const PROFILES: [string, number][] = [
  ['raid0', 2],
  ['raid1', 2],
  ['raid10', 4],
  ['raid1c3', 3],
  ['raid1c4', 4],
  ['raid5', 3],
  ['raid6', 4],
];

const canBuild = hasTool('mkfs.btrfs') && hasTool('losetup') && hasTool('python3') && process.getuid?.() === 0;
let dir = '';
const opened: RawImage[] = [];

async function dev(name: string, i: number): Promise<RawImage> {
  const d = new RawImage(await HostFile.open(join(dir, `${name}-${i}.img`)));
  opened.push(d);
  return d;
}

async function open(name: string, members: number[], opts: BtrfsOpenOptions = {}) {
  const [first, ...rest] = await Promise.all(members.map((i) => dev(name, i)));
  return openBtrfs(first!, { ...opts, devices: rest });
}

describe.skipIf(!canBuild)('btrfs: multi-device profiles', () => {
  beforeAll(() => {
    dir = fixtureDir('btrfs-multidev-v2', (d) => {
      try {
        for (const [p, n] of PROFILES) buildMultiDevice(d, p, p, n);
      } finally {
        cleanupMounts(d);
      }
    });
  });
  afterAll(async () => {
    for (const d of opened) await d.close();
    if (dir) cleanupMounts(dir);
  });

  for (const [profile, n] of PROFILES) {
    it(`${profile} on ${n} devices matches the kernel's view`, async () => {
      // Members in reverse order: the primary does not need to be device 1.
      const fs = await open(profile, Array.from({ length: n }, (_, i) => n - i));
      const kinds = fs.volume.chunks.all.filter((c) => c.type & (BLOCK_GROUP_DATA | BLOCK_GROUP_METADATA)).map((c) => profileName(c.type));
      expect(new Set(kinds)).toEqual(new Set([profile]));
      expect(await walkDriver(fs)).toEqual(readTruth(dir, profile));
    });
  }

  it('refuses a filesystem with a missing member, naming the device id', async () => {
    const err = await open('raid1', [1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuestguardError);
    expect(err).toMatchObject({ code: 'UNSUPPORTED_FILESYSTEM' });
    expect((err as Error).message).toMatch(/missing device id 2\b/);
    const err4 = await open('raid10', [1, 3]).catch((e: unknown) => e);
    expect((err4 as Error).message).toMatch(/missing device id 2, 4\b/);
  });

  it('reads degraded mirrors completely when asked to', async () => {
    const fs = await open('raid1', [2], { degraded: true });
    expect(fs.warnings.join('\n')).toMatch(/missing device id 1/);
    expect(await walkDriver(fs)).toEqual(readTruth(dir, 'raid1'));
    const c3 = await open('raid1c3', [3], { degraded: true });
    expect(await walkDriver(c3)).toEqual(readTruth(dir, 'raid1c3'));
  });

  it('fails reads of stripes on missing devices with a typed error', async () => {
    for (const [profile, members] of [['raid0', [1]], ['raid5', [1, 2]], ['raid10', [1, 2]]] as const) {
      const err = await open(profile, [...members], { degraded: true })
        .then((fs) => walkDriver(fs))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err, profile).toBeInstanceOf(GuestguardError);
      expect((err as Error).message, profile).toMatch(/missing device id/);
    }
  });

  it('rejects a device of another filesystem', async () => {
    const err = await openBtrfs(await dev('raid1', 1), { devices: [await dev('raid0', 2)] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNSUPPORTED_FILESYSTEM' });
  });
});
