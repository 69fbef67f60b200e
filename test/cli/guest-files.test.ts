/**
 * virt-ls / virt-cat / virt-copy-out / virt-filesystems equivalents on a real Debian install
 * (debootstrap) laid out on GPT + LVM, in raw, qcow2, VMDK and VHDX containers. Ground truth
 * is the debootstrap tree itself.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { canBuildDebian, convertDisk, debianLvmDisk, debootstrapRoot, type DebianDisk } from '../helpers/debian-guest.js';
import { cli, expectCleanFailure } from '../helpers/cli.js';
import { sha256 } from '../helpers/fixtures.js';
import { walkHostTree, type TreeEntry } from '../helpers/source-tree.js';

interface LsRow {
  path: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  target?: string;
}

function lsJson(image: string, path: string, extra: string[] = []): LsRow[] {
  const r = cli(['ls', image, path, '--json', ...extra], { timeoutMs: 300_000 });
  if (r.status !== 0) throw new Error(`ls failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as LsRow[];
}

/** Host tree rows re-rooted at `prefix` in the shape `ls --json` prints. */
function expected(tree: TreeEntry[], prefix: string): LsRow[] {
  return tree.map((e) => {
    const row: LsRow = { path: e.path === '/' ? prefix : prefix + e.path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, size: e.size, mtime: e.mtime };
    if (e.target !== undefined) row.target = e.target;
    if (e.type === 'dir') row.size = -1;
    return row;
  });
}

describe.runIf(canBuildDebian)('guest files on a Debian install with LVM', () => {
  let disk: DebianDisk;
  let root: string;
  const images: Record<string, string> = {};

  beforeAll(() => {
    root = debootstrapRoot();
    disk = debianLvmDisk();
    images['raw'] = disk.raw;
    images['qcow2'] = convertDisk(disk.raw, 'qcow2', ['-c']);
    images['vmdk'] = convertDisk(disk.raw, 'vmdk', ['-o', 'subformat=streamOptimized']);
    images['vhdx'] = convertDisk(disk.raw, 'vhdx');
  }, 1_800_000);

  it('filesystems --json lists every filesystem with its guest mount point', () => {
    const r = cli(['filesystems', images['qcow2']!, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { device: string; type: string; mountpoint?: string; label?: string; uuid?: string }[];
    const by = (d: string) => rows.find((x) => x.device === d);
    expect(by('/dev/sda1')).toMatchObject({ type: 'vfat', label: 'EFI', uuid: '0EF1-C0DE', mountpoint: '/boot/efi' });
    expect(by('/dev/sda2')).toMatchObject({ type: 'ext4', label: 'boot', uuid: disk.uuids.boot, mountpoint: '/boot' });
    expect(by(`/dev/${disk.vg}/root`)).toMatchObject({ type: 'ext4', uuid: disk.uuids.root, mountpoint: '/' });
    expect(by(`/dev/${disk.vg}/swap`)).toMatchObject({ type: 'swap' });
  });

  for (const fmt of ['raw', 'qcow2', 'vmdk', 'vhdx']) {
    it(`ls -R --json of /etc and /usr/bin match the debootstrap tree (${fmt})`, async () => {
      for (const sub of ['/etc', '/usr/bin']) {
        const want = expected(await walkHostTree(join(root, sub)), sub).filter((e) => e.path !== '/etc/fstab');
        const got = lsJson(images[fmt]!, sub, ['-R']).filter((e) => e.path !== '/etc/fstab');
        // Directory sizes depend on the filesystem's block size, not on the tree.
        const byPath = (a: LsRow, b: LsRow) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
        const norm = (rows: LsRow[]) => rows.map((e) => (e.type === 'dir' ? { ...e, size: -1 } : e)).sort(byPath);
        expect(norm(got)).toEqual(norm(want));
      }
    }, 600_000);
  }

  it('cat prints a file byte for byte, following guest symlinks inside the guest', () => {
    for (const p of ['/etc/os-release', '/usr/bin/bash', '/etc/hostname']) {
      const r = cli(['cat', images['qcow2']!, p]);
      expect(r.status, r.stderr).toBe(0);
      expect(sha256(r.stdoutBytes), p).toBe(sha256(readFileSync(join(root, p === '/etc/os-release' ? '/usr/lib/os-release' : p))));
    }
  });

  it('assembles mounts from fstab: /boot and /boot/efi come from their own partitions', () => {
    const boot = lsJson(images['vmdk']!, '/boot');
    expect(boot.map((e) => e.path)).toContain('/boot/grub.cfg.sample');
    expect(boot.map((e) => e.path)).toContain('/boot/efi');
    const r = cli(['ls', images['vmdk']!, '/boot/efi', '--json']);
    expect(r.status, r.stderr).toBe(0);
  });

  it('-m overrides automatic assembly', () => {
    const rows = lsJson(images['raw']!, '/', ['-m', '/dev/sda2']);
    expect(rows.map((e) => e.path)).toContain('/grub.cfg.sample');
    const r = cli(['ls', images['raw']!, '/', '-m', '/dev/nope']);
    expect(expectCleanFailure(r)).toMatch(/no filesystem \/dev\/nope/);
  });

  it('copy-out copies a tree with modes and mtimes, and symlinks as symlinks', async () => {
    const dest = mkdtempSync(join(tmpdir(), 'gg-copyout-'));
    try {
      const r = cli(['copy-out', images['qcow2']!, '/etc/ssh', dest]);
      expect(r.status, r.stderr).toBe(0);
      const got = (await walkHostTree(join(dest, 'ssh'))).map(({ uid: _u, gid: _g, nlink: _n, mtimeNs: _ns, ...e }) => e);
      const want = (await walkHostTree(join(root, 'etc/ssh'))).map(({ uid: _u, gid: _g, nlink: _n, mtimeNs: _ns, ...e }) => e);
      const norm = (rows: typeof got) => rows.map((e) => (e.type === 'dir' ? { ...e, size: 0 } : e));
      expect(norm(got)).toEqual(norm(want));
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });

  it('missing paths and bad images fail with one line and exit 2', () => {
    expect(expectCleanFailure(cli(['cat', images['raw']!, '/etc/no-such-file']))).toMatch(/NOT_FOUND/);
    expect(expectCleanFailure(cli(['cat', images['raw']!, '/etc']))).toMatch(/directory/);
    expect(expectCleanFailure(cli(['ls', images['raw']!, '/etc/hostname/x']))).toMatch(/not a directory|NOT_A_DIRECTORY/i);
    expect(expectCleanFailure(cli(['ls', images['raw']!, 'relative/path']))).toMatch(/absolute/);
  });
});
