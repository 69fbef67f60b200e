// Builds the issue-3 benchmark images (cached in bench/.work/fs/): one Debian root tree
// (debootstrap, the same cached tree test/helpers/debian-guest.ts uses) written by real tools
// into ext4 (mkfs.ext4 -d), XFS (kernel: loop mount + cp -a) and btrfs (mkfs.btrfs --rootdir),
// each inside partition 1 of a GPT raw disk. Needs root for debootstrap and the XFS mount.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log, q, sh, ROOT, WORK } from './lib.mjs';

const SUITE = 'bookworm';
const MIRROR = process.env.GUESTGUARD_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
// Same variant and packages as test/helpers/debian-guest.ts, so the cached tree is shared.
const INCLUDES = 'systemd-sysv,openssh-server,ifupdown,sudo,cron,less';
const DISK_MIB = 1024;
const PART_START_SECTOR = 2048;

/** The cached debootstrap root (.fixtures/debootstrap-bookworm/root), built if missing. */
export function debianTree() {
  const dir = join(ROOT, '.fixtures', `debootstrap-${SUITE}`);
  const root = join(dir, 'root');
  if (!existsSync(join(dir, '.done'))) {
    log(`debootstrap ${SUITE} (a few minutes)...`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    sh(`debootstrap --variant=minbase --include=${INCLUDES} ${SUITE} ${q(root)} ${q(MIRROR)} >&2`);
    rmSync(join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
    mkdirSync(join(root, 'var/cache/apt/archives/partial'), { recursive: true });
    writeFileSync(join(root, 'etc/hostname'), 'ggtest-debian\n');
    writeFileSync(join(dir, '.done'), '');
  }
  return root;
}

/** Paths of the three GPT disk images, built if missing. */
export function fsImages() {
  const dir = join(WORK, 'fs');
  mkdirSync(dir, { recursive: true });
  const tree = debianTree();
  const partBytes = (DISK_MIB - 2) * 1024 * 1024; // leaves room for the backup GPT
  const out = {};
  for (const type of ['ext4', 'xfs', 'btrfs']) {
    const disk = join(dir, `debian-${type}.raw`);
    out[type] = disk;
    if (existsSync(disk)) continue;
    log(`building ${type} image...`);
    const fsImg = join(dir, `${type}.fs`);
    rmSync(fsImg, { force: true });
    sh(`truncate -s ${partBytes} ${q(fsImg)}`);
    if (type === 'ext4') sh(`mkfs.ext4 -q -F -L debroot -d ${q(tree)} ${q(fsImg)}`);
    if (type === 'btrfs') sh(`mkfs.btrfs -q -f -L debroot --rootdir ${q(tree)} ${q(fsImg)}`);
    if (type === 'xfs') xfsByKernel(fsImg, tree, dir);
    const tmp = `${disk}.tmp`;
    sh(`truncate -s ${DISK_MIB}M ${q(tmp)}`);
    sh(`sgdisk --clear -n 1:${PART_START_SECTOR}:0 -t 1:8300 -c 1:debroot ${q(tmp)} >/dev/null`);
    const first = Number(/First sector: (\d+)/.exec(sh(`sgdisk -i 1 ${q(tmp)}`))[1]);
    sh(`dd if=${q(fsImg)} of=${q(tmp)} bs=1M seek=${first * 512} oflag=seek_bytes conv=notrunc,sparse status=none`);
    sh(`mv ${q(tmp)} ${q(disk)}`);
    rmSync(fsImg);
  }
  return out;
}

/** mkfs.xfs, then the kernel writes the tree through a loop mount (as on a real install). */
function xfsByKernel(img, tree, dir) {
  sh(`mkfs.xfs -q -f -L debroot ${q(img)}`);
  const mnt = join(dir, 'xfs-mnt');
  mkdirSync(mnt, { recursive: true });
  sh(`mount -o loop,noatime ${q(img)} ${q(mnt)}`);
  try {
    sh(`cp -a ${q(tree)}/. ${q(mnt)}/`);
  } finally {
    sh(`umount ${q(mnt)}`);
  }
  rmSync(mnt, { recursive: true });
}
