/**
 * Real Debian guests for tests: a debootstrap root tree (cached under .fixtures/), laid out
 * on disks the way installers do, with real tools only (sgdisk, mkfs.*, lvm2 on a loop device
 * with activation disabled: no device-mapper is needed, LV contents are written at the
 * offsets lvs reports).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureDir, hasTool, run } from './fixtures.js';

export const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_MIRROR = process.env['GUESTGUARD_DEBIAN_MIRROR'] ?? 'http://deb.debian.org/debian';

export const canBuildDebian = process.getuid?.() === 0 && ['debootstrap', 'sgdisk', 'losetup', 'pvcreate', 'mkfs.ext4', 'mkfs.vfat'].every(hasTool);

/** Packages on top of minbase: enough for services, users, network and ssh to inspect. */
export const DEBIAN_INCLUDES = ['systemd-sysv', 'openssh-server', 'ifupdown', 'sudo', 'cron', 'less'];

/** A cached debootstrap root (as root; takes a few minutes the first time). */
export function debootstrapRoot(): string {
  const dir = fixtureDir(`debootstrap-${DEBIAN_SUITE}`, (d) => {
    const target = join(d, 'root');
    run('debootstrap', ['--variant=minbase', `--include=${DEBIAN_INCLUDES.join(',')}`, DEBIAN_SUITE, target, DEBIAN_MIRROR], {
      timeout: 1_200_000,
    });
    // Drop the apt cache: it is not part of an installed system's identity and only costs space.
    rmSync(join(target, 'var/cache/apt/archives'), { recursive: true, force: true });
    mkdirSync(join(target, 'var/cache/apt/archives/partial'), { recursive: true });
    writeFileSync(join(target, 'etc/hostname'), 'ggtest-debian\n');
  });
  return join(dir, 'root');
}

export interface DebianDisk {
  dir: string;
  raw: string;
  /** Known identities written into the image. */
  uuids: { root: string; boot: string };
  vg: string;
}

function lvm(dev: string, cmd: string, args: string[]): string {
  const config = `devices{filter=["a|^${dev}$|","r|.*|"] obtain_device_list_from_udev=0 use_devicesfile=0} global{activation=0} backup{backup=0 archive=0}`;
  return run(cmd, ['--config', config, ...args], { env: { ...process.env, LVM_SUPPRESS_FD_WARNINGS: '1' } });
}

function partFirstLast(raw: string, n: number): [number, number] {
  const info = run('sgdisk', ['-i', String(n), raw]);
  return [Number(/First sector: (\d+)/.exec(info)![1]), Number(/Last sector: (\d+)/.exec(info)![1])];
}

/**
 * GPT disk: 1 ESP (vfat, /boot/efi), 2 /boot (ext4), 3 LVM PV with vg/root (ext4, /) and
 * vg/swap. /etc/fstab names them by UUID, LABEL and /dev/mapper as installers do.
 */
export function debianLvmDisk(name = 'debian-lvm'): DebianDisk {
  const uuids = { root: '5c1f5a2e-7d3b-4e8e-9b0a-1f2e3d4c5b60', boot: 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff' };
  const vg = 'ggvg';
  const dir = fixtureDir(name, (d) => {
    const src = debootstrapRoot();
    const root = join(d, 'tree');
    // cp -a keeps device nodes, hard links, owners and times (Node's cpSync cannot copy devices).
    run('cp', ['-a', src, root]);
    const boot = join(d, 'boot-tree');
    mkdirSync(boot);
    for (const e of readdirSync(join(root, 'boot'))) renameSync(join(root, 'boot', e), join(boot, e));
    mkdirSync(join(root, 'boot/efi'), { recursive: true });
    mkdirSync(join(boot, 'efi')); // the mount point of the ESP lives on the /boot filesystem
    writeFileSync(join(boot, 'grub.cfg.sample'), 'set default=0\n');
    writeFileSync(
      join(root, 'etc/fstab'),
      [
        '# /etc/fstab: static file system information.',
        `/dev/mapper/${vg}-root /         ext4 errors=remount-ro 0 1`,
        `UUID=${uuids.boot}     /boot     ext4 defaults          0 2`,
        'LABEL=EFI              /boot/efi vfat umask=0077        0 1',
        `/dev/mapper/${vg}-swap none      swap sw                0 0`,
        'proc                   /proc     proc defaults          0 0',
        '',
      ].join('\n'),
    );
    const raw = join(d, 'disk.raw');
    run('truncate', ['-s', '1200M', raw]);
    run('sgdisk', ['--clear', '-n', '1:2048:+32M', '-t', '1:ef00', '-c', '1:EFI', '-n', '2:0:+96M', '-t', '2:8300', '-c', '2:boot', '-n', '3:0:0', '-t', '3:8e00', '-c', '3:lvm', raw]);
    const [e1, l1] = partFirstLast(raw, 1);
    const [b1, bl] = partFirstLast(raw, 2);
    const [p1, pl] = partFirstLast(raw, 3);
    run('mkfs.vfat', ['-F', '32', '-n', 'EFI', '-i', '0EF1C0DE', '--offset', String(e1), raw, String((l1 - e1 + 1) / 2)]);
    run('mkfs.ext4', ['-q', '-F', '-L', 'boot', '-U', uuids.boot, '-d', boot, '-E', `offset=${b1 * 512}`, raw, `${(bl - b1 + 1) / 2}k`]);
    const dev = run('losetup', ['-f', '--show', '-o', String(p1 * 512), '--sizelimit', String((pl - p1 + 1) * 512), raw]).trim();
    try {
      lvm(dev, 'pvcreate', ['-ff', '-y', dev]);
      lvm(dev, 'vgcreate', [vg, dev]);
      lvm(dev, 'lvcreate', ['-n', 'swap', '-L', '64M', vg]);
      lvm(dev, 'lvcreate', ['-n', 'root', '-l', '100%FREE', vg]);
      const lvs = JSON.parse(lvm(dev, 'lvs', ['--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', 'lv_name,lv_size,seg_pe_ranges', vg])).report[0].lv as {
        lv_name: string;
        lv_size: string;
        seg_pe_ranges: string;
      }[];
      const peStart = Number(lvm(dev, 'pvs', ['--noheadings', '--units', 'b', '--nosuffix', '-o', 'pe_start', dev]).trim());
      const extent = Number(lvm(dev, 'vgs', ['--noheadings', '--units', 'b', '--nosuffix', '-o', 'vg_extent_size', vg]).trim());
      const at = (lv: string) => {
        const row = lvs.find((r) => r.lv_name === lv)!;
        return { offset: p1 * 512 + peStart + Number(/:(\d+)-/.exec(row.seg_pe_ranges)![1]) * extent, size: Number(row.lv_size) };
      };
      const r = at('root');
      run('mkfs.ext4', ['-q', '-F', '-L', 'root', '-U', uuids.root, '-d', root, '-E', `offset=${r.offset}`, raw, `${r.size / 1024}k`]);
      const s = at('swap');
      const swapFile = join(d, 'swap.img');
      run('truncate', ['-s', String(s.size), swapFile]);
      run('mkswap', ['-L', 'swap', swapFile]);
      run('dd', [`if=${swapFile}`, `of=${raw}`, 'bs=1M', `seek=${s.offset}`, 'oflag=seek_bytes', 'conv=notrunc,sparse', 'status=none']);
      rmSync(swapFile);
    } finally {
      run('losetup', ['-d', dev]);
    }
    rmSync(root, { recursive: true, force: true });
    rmSync(boot, { recursive: true, force: true });
  });
  return { dir, raw: join(dir, 'disk.raw'), uuids, vg };
}

/** Converts a raw disk to another container format next to it (cached). */
export function convertDisk(raw: string, format: 'qcow2' | 'vmdk' | 'vhdx' | 'vpc' | 'vdi', opts: string[] = []): string {
  const out = raw.replace(/\.raw$/, `.${format}`);
  if (!existsSync(out)) {
    run('qemu-img', ['convert', '-f', 'raw', '-O', format, ...opts, raw, out + '.tmp']);
    renameSync(out + '.tmp', out);
  }
  return out;
}

/** Loop mounts (mount -o loop) are needed to fill XFS and btrfs images; root only. */
export const canBuildLoopFs = canBuildDebian && ['mkfs.xfs', 'mkfs.btrfs', 'btrfs', 'sfdisk', 'mount', 'umount', 'mkswap'].every(hasTool);

/** Mounts a filesystem image on a fresh directory, runs `fn`, and always unmounts. */
function withLoopMount(image: string, options: string, fn: (mnt: string) => void): void {
  const mnt = `${image}.mnt`;
  mkdirSync(mnt, { recursive: true });
  run('mount', ['-o', options ? `loop,${options}` : 'loop', image, mnt]);
  try {
    fn(mnt);
    run('sync', []);
  } finally {
    // A just-used loop device can be briefly busy.
    for (let i = 0; ; i++) {
      try {
        run('umount', [mnt]);
        break;
      } catch (err) {
        if (i >= 20) throw err;
        run('sleep', ['0.3']);
      }
    }
    rmSync(mnt, { recursive: true, force: true });
  }
}

/** Writes a filesystem image into the disk at a byte offset, keeping holes. */
function ddInto(raw: string, image: string, offset: number): void {
  run('dd', [`if=${image}`, `of=${raw}`, 'bs=1M', `seek=${offset}`, 'oflag=seek_bytes', 'conv=notrunc,sparse', 'status=none']);
}

function swapImage(path: string, bytes: number, label: string, uuid: string): void {
  run('truncate', ['-s', String(bytes), path]);
  run('mkswap', ['-L', label, '-U', uuid, path]);
}

/** The debootstrap tree copied for one layout, with its own hostname and fstab. */
function layoutTree(d: string, hostname: string, fstab: string[]): string {
  const tree = join(d, 'tree');
  run('cp', ['-a', debootstrapRoot(), tree]);
  writeFileSync(join(tree, 'etc/hostname'), `${hostname}\n`);
  writeFileSync(join(tree, 'etc/fstab'), ['# /etc/fstab: static file system information.', ...fstab, ''].join('\n'));
  return tree;
}

export interface DebianXfsDisk {
  dir: string;
  raw: string;
  hostname: string;
  /** MBR disk signature as sfdisk writes it (0x...). */
  diskId: string;
  uuids: { root: string; srv: string; swap: string };
}

/**
 * MBR disk (sfdisk): 1 XFS root (/), 2 extended holding 5 ext4 /srv (by LABEL) and 6 swap
 * (named /dev/vda6 in fstab, as a virtio guest writes it). The XFS filesystem is made on a
 * separate file, filled through a loop mount and copied into the partition.
 */
export function debianXfsMbrDisk(name = 'debian-xfs-mbr-v1'): DebianXfsDisk {
  const uuids = { root: '3f1d9a4c-8b2e-4c6f-a7d1-0e9b8c7a6f51', srv: '7a0c4e2b-1d3f-4a5b-9c8d-2e1f0a3b4c5d', swap: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b' };
  const diskId = '0x5eed1e55';
  const hostname = 'ggtest-xfs';
  const dir = fixtureDir(name, (d) => {
    const tree = layoutTree(d, hostname, [
      `UUID=${uuids.root} /     xfs  defaults 0 1`,
      'LABEL=srvdata       /srv  ext4 defaults,nodev 0 2',
      '/dev/vda6           none  swap sw 0 0',
      'tmpfs               /tmp  tmpfs defaults 0 0',
    ]);
    const srv = join(d, 'srv-tree');
    mkdirSync(join(srv, 'www'), { recursive: true });
    writeFileSync(join(srv, 'www/index.html'), '<h1>guestguard</h1>\n');
    const raw = join(d, 'disk.raw');
    run('truncate', ['-s', '720M', raw]);
    run('sfdisk', ['--quiet', raw], {
      input: [`label: dos`, `label-id: ${diskId}`, 'unit: sectors', '', 'start=2048, size=1310720, type=83, bootable', 'type=5', 'size=32768, type=83', 'type=82', ''].join('\n'),
    });
    const parts = (JSON.parse(run('sfdisk', ['--json', raw])) as { partitiontable: { partitions: { node: string; start: number; size: number }[] } }).partitiontable.partitions;
    const part = (n: number) => parts.find((p) => p.node.endsWith(String(n)))!;
    const xfs = join(d, 'root.xfs');
    run('truncate', ['-s', String(part(1).size * 512), xfs]);
    // mkfs.xfs refuses filesystems under 300 MB unless it believes it is in a test setup.
    run('mkfs.xfs', ['-q', '-f', '-L', 'root', '-m', `uuid=${uuids.root}`, xfs], { env: { ...process.env, TEST_DIR: '1', TEST_DEV: '1', QA_CHECK_FS: '1' } });
    withLoopMount(xfs, '', (mnt) => run('cp', ['-a', `${tree}/.`, mnt]));
    ddInto(raw, xfs, part(1).start * 512);
    rmSync(xfs);
    run('mkfs.ext4', ['-q', '-F', '-L', 'srvdata', '-U', uuids.srv, '-d', srv, '-E', `offset=${part(5).start * 512}`, raw, `${(part(5).size * 512) / 1024}k`]);
    const swap = join(d, 'swap.img');
    swapImage(swap, part(6).size * 512, 'swap', uuids.swap);
    ddInto(raw, swap, part(6).start * 512);
    rmSync(swap);
    rmSync(tree, { recursive: true, force: true });
    rmSync(srv, { recursive: true, force: true });
  });
  return { dir, raw: join(dir, 'disk.raw'), hostname, diskId, uuids };
}

export interface DebianBtrfsDisk {
  dir: string;
  raw: string;
  hostname: string;
  uuids: { btrfs: string; swapPartition: string };
}

/**
 * GPT disk: 1 btrfs with subvolumes @ (/) and @home (/home) written with compress-force=zstd,
 * 2 swap named by PARTUUID. The default subvolume stays the top level, as on Ubuntu, so the
 * root is btrfsvol:/dev/sda1/@. /home holds a user "alice" (uid 1000) added to the tree.
 */
export function debianBtrfsDisk(name = 'debian-btrfs-v1'): DebianBtrfsDisk {
  const uuids = { btrfs: 'b7f3c2d1-4e5a-4b6c-8d9e-0f1a2b3c4d5e', swapPartition: 'C0FFEE00-1234-4ABC-9DEF-00112233AABB' };
  const hostname = 'ggtest-btrfs';
  const dir = fixtureDir(name, (d) => {
    const tree = layoutTree(d, hostname, [
      `UUID=${uuids.btrfs} /     btrfs subvol=@,compress=zstd     0 0`,
      `UUID=${uuids.btrfs} /home btrfs subvol=@home,compress=zstd 0 0`,
      `PARTUUID=${uuids.swapPartition.toLowerCase()} none swap sw 0 0`,
    ]);
    const add = (file: string, line: string) => writeFileSync(join(tree, file), `${readFileSync(join(tree, file), 'utf8')}${line}\n`);
    add('etc/passwd', 'alice:x:1000:1000:Alice Example,,,:/home/alice:/bin/bash');
    add('etc/shadow', 'alice:$y$j9T$abcdefghijklmnopqrstu.$0123456789abcdefghijklmnopqrstuvwxyzABCDE:19800:0:99999:7:::');
    add('etc/group', 'alice:x:1000:');
    add('etc/gshadow', 'alice:!::');
    const raw = join(d, 'disk.raw');
    run('truncate', ['-s', '800M', raw]);
    run('sgdisk', ['--clear', '-n', '1:2048:+720M', '-t', '1:8300', '-c', '1:rootfs', '-n', '2:0:0', '-t', '2:8200', '-c', '2:swap', '-u', `2:${uuids.swapPartition}`, raw]);
    const [f1, l1] = partFirstLast(raw, 1);
    const [f2, l2] = partFirstLast(raw, 2);
    const img = join(d, 'root.btrfs');
    run('truncate', ['-s', String((l1 - f1 + 1) * 512), img]);
    run('mkfs.btrfs', ['-q', '-f', '-L', 'rootfs', '-U', uuids.btrfs, img]);
    withLoopMount(img, '', (mnt) => {
      run('btrfs', ['-q', 'subvolume', 'create', join(mnt, '@')]);
      run('btrfs', ['-q', 'subvolume', 'create', join(mnt, '@home')]);
    });
    withLoopMount(img, 'subvol=@,compress-force=zstd', (mnt) => run('cp', ['-a', `${tree}/.`, mnt]));
    withLoopMount(img, 'subvol=@home,compress-force=zstd', (mnt) => {
      mkdirSync(join(mnt, 'alice'));
      writeFileSync(join(mnt, 'alice/notes.txt'), 'guestguard btrfs @home\n'.repeat(200));
      run('chown', ['-R', '1000:1000', join(mnt, 'alice')]);
    });
    ddInto(raw, img, f1 * 512);
    rmSync(img);
    const swap = join(d, 'swap.img');
    swapImage(swap, (l2 - f2 + 1) * 512, 'swap', '1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9');
    ddInto(raw, swap, f2 * 512);
    rmSync(swap);
    rmSync(tree, { recursive: true, force: true });
  });
  return { dir, raw: join(dir, 'disk.raw'), hostname, uuids };
}
