/**
 * inspectWindows end to end on NTFS, the filesystem Windows really lives on: mkntfs makes the
 * volume, an ntfs-3g FUSE mount fills it with the Windows Server 2022 tree, and the result is
 * read through guestguard's own NTFS driver. It must report exactly what the FAT32 copy of the
 * same tree reports (inspect.test.ts).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_ROOT, hasTool } from '../../../test/helpers/fixtures.js';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { openNtfs } from '../../fs/ntfs/index.js';
import { GuestFileSystem } from '../../fs/vfs.js';
import { findPath } from './guest-paths.js';
import { Hive, inspectWindows } from './index.js';
import { buildWindowsTree, expectServer2022, ntfsImage, server2022 } from './windows-testing.js';

const HAVE_TOOLS = ['hivexregedit', 'mkntfs', 'ntfs-3g'].every(hasTool) && existsSync('/dev/fuse') && process.getuid?.() === 0;
const FIXTURE = join(FIXTURES_ROOT, 'windows-ntfs-v2');
const IMG = join(FIXTURE, 'server2022-ntfs.img');

let file: HostFile | undefined;

beforeAll(async () => {
  if (!HAVE_TOOLS || existsSync(join(FIXTURE, '.done'))) return;
  rmSync(FIXTURE, { recursive: true, force: true });
  mkdirSync(FIXTURE, { recursive: true });
  const tree = join(FIXTURE, 'tree');
  await buildWindowsTree(tree, server2022());
  ntfsImage(tree, IMG, join(FIXTURE, 'mnt'));
  writeFileSync(join(FIXTURE, '.done'), '');
});

afterAll(async () => {
  await file?.close();
});

describe.skipIf(!HAVE_TOOLS)('inspectWindows on NTFS', () => {
  it('Windows Server 2022 on an ntfs-3g-written volume', async () => {
    file = await HostFile.open(IMG);
    const driver = await openNtfs(new RawImage(file));
    const view = new GuestFileSystem([{ path: '/', fs: driver, device: '/dev/sda2' }]);
    const info = await inspectWindows(view);
    expectServer2022(info);
    expect(info.system_root_path).toBe('/Windows');
    // NTFS finds names whatever their case; findPath still answers with the stored spelling.
    expect(await findPath(view, '/', 'WINDOWS/SYSTEM32/CONFIG/software')).toBe('/Windows/System32/config/SOFTWARE');
    expect(await findPath(view, '/', 'windows/system32/nope')).toBeUndefined();
    // Lookups go through NTFS's own case-insensitive index.
    const hive = await Hive.openFile(view, '/WINDOWS/system32/CONFIG/software');
    expect(await (await hive.get('microsoft\\windows nt\\currentversion'))!.getString('productname')).toBe('Windows Server 2022 Datacenter');
  });
});
