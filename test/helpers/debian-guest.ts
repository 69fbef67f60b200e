/**
 * Real Debian guests for tests: a debootstrap root tree (cached under .fixtures/), laid out
 * on disks the way installers do, with real tools only (sgdisk, mkfs.*, lvm2 on a loop device
 * with activation disabled: no device-mapper is needed, LV contents are written at the
 * offsets lvs reports).
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
