/**
 * Windows guest disks for the inspect tests: the registry trees of src/guest/windows's test
 * support (hivexregedit-written hives) on NTFS volumes made by mkntfs and filled through
 * ntfs-3g, placed in partitions whose identities match the guests' MountedDevices values:
 * Server 2022 on GPT (C: by partition GUID), Windows 10 on MBR (C: and E: by disk signature
 * and byte offset, E: 8 GiB into a sparse disk).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildWindowsTree, ntfsImage, SERVER_PARTITION_GUID, server2022, win10x86 } from '../../src/guest/windows/windows-testing.js';
import { convertDisk } from '../helpers/debian-guest.js';
import { FIXTURES_ROOT, fixtureDir, hasTool, run } from '../helpers/fixtures.js';

export const canBuildWindowsDisks =
  process.getuid?.() === 0 && existsSync('/dev/fuse') && ['hivexregedit', 'mkntfs', 'ntfs-3g', 'sgdisk', 'sfdisk', 'mkfs.vfat', 'qemu-img'].every(hasTool);

export const WIN10_SIGNATURE = '0x1234abcd';
/** Where win10x86()'s MountedDevices puts E: (bytes). */
export const WIN10_E_OFFSET = 0x1f4000000;
const FIXTURE = 'inspect-windows-v2';

export interface WindowsDisks {
  /** Server 2022, GPT: 1 ESP, 2 NTFS C: with SERVER_PARTITION_GUID. qcow2. */
  server: string;
  /** Windows 10 (32-bit), MBR: 1 NTFS C: at 1 MiB, 2 NTFS E: at 8 GiB. raw, sparse. */
  win10: string;
}

function ddInto(raw: string, image: string, offset: number): void {
  run('dd', [`if=${image}`, `of=${raw}`, 'bs=1M', `seek=${offset}`, 'oflag=seek_bytes', 'conv=notrunc,sparse', 'status=none']);
}

export async function windowsDisks(): Promise<WindowsDisks> {
  let stage: string | undefined;
  if (!existsSync(join(FIXTURES_ROOT, FIXTURE, '.done'))) {
    // buildWindowsTree is asynchronous and fixtureDir's builder is not: make the trees first.
    mkdirSync(FIXTURES_ROOT, { recursive: true });
    stage = mkdtempSync(join(FIXTURES_ROOT, `${FIXTURE}-stage-`));
    await buildWindowsTree(join(stage, 'server'), server2022());
    await buildWindowsTree(join(stage, 'win10'), win10x86());
  }
  try {
    const dir = fixtureDir(FIXTURE, (d) => {
      if (!stage) throw new Error(`${FIXTURE}: trees were not staged`);
      buildDisks(d, stage);
    });
    return { server: convertDisk(join(dir, 'server.raw'), 'qcow2'), win10: join(dir, 'win10.raw') };
  } finally {
    if (stage) rmSync(stage, { recursive: true, force: true });
  }
}

function buildDisks(d: string, stage: string): void {
  // Server 2022 on GPT.
  const serverNtfs = join(d, 'server.ntfs');
  ntfsImage(join(stage, 'server'), serverNtfs, join(d, 'mnt'));
  const server = join(d, 'server.raw');
  run('truncate', ['-s', '80M', server]);
  run('sgdisk', ['--clear', '-n', '1:2048:+32M', '-t', '1:ef00', '-c', '1:EFI system partition', '-n', '2:0:+34M', '-t', '2:0700', '-c', '2:Basic data partition', '-u', `2:${SERVER_PARTITION_GUID}`, server]);
  const first = (n: number) => Number(/First sector: (\d+)/.exec(run('sgdisk', ['-i', String(n), server]))![1]);
  run('mkfs.vfat', ['-F', '32', '-n', 'SYSTEM', '--offset', String(first(1)), server, String(32 * 1024)]);
  ddInto(server, serverNtfs, first(2) * 512);

  // Windows 10 on MBR; E: sits exactly where MountedDevices says, 8 GiB in.
  const winNtfs = join(d, 'win10.ntfs');
  ntfsImage(join(stage, 'win10'), winNtfs, join(d, 'mnt'));
  const dataNtfs = join(d, 'data.ntfs');
  run('truncate', ['-s', '16M', dataNtfs]);
  run('mkntfs', ['-F', '-Q', '-q', '-L', 'Data', dataNtfs]);
  const win10 = join(d, 'win10.raw');
  run('truncate', ['-s', String(WIN10_E_OFFSET + 16 * 1024 * 1024), win10]);
  run('sfdisk', ['--quiet', win10], {
    input: ['label: dos', `label-id: ${WIN10_SIGNATURE}`, 'unit: sectors', '', 'start=2048, size=69632, type=7, bootable', `start=${WIN10_E_OFFSET / 512}, type=7`, ''].join('\n'),
  });
  ddInto(win10, winNtfs, 2048 * 512);
  ddInto(win10, dataNtfs, WIN10_E_OFFSET);
  rmSync(serverNtfs);
  rmSync(winNtfs);
  rmSync(dataNtfs);
  rmSync(join(d, 'mnt'), { recursive: true, force: true });
}
