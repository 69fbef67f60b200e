/**
 * Disk images of guest trees for the profile tests: a GPT disk (sgdisk) with one ext4
 * filesystem per mount point, each made by mkfs.ext4 -d straight into its partition (no loop
 * device, no mount). The tree is split with hard-link copies, so splitting costs no space.
 */
import { mkdirSync, rmSync, statSync, chmodSync, chownSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../helpers/fixtures.js';

export interface Partition {
  /** Guest mount point ("/", "/var", "/var/log/audit"). */
  mount: string;
  uuid: string;
  label: string;
  /** Extra MiB on top of the content (for filesystems that should look roomy). */
  spareMiB?: number;
}

const SECTOR = 512;

function kib(dir: string): number {
  return Number(run('du', ['-sk', '--apparent-size', dir]).split(/\s+/)[0]);
}

/** Empties `dir` in place, keeping the directory itself with its owner and mode (a mount point). */
function emptyMountPoint(dir: string): void {
  const st = statSync(dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  chownSync(dir, st.uid, st.gid);
  chmodSync(dir, st.mode & 0o7777);
}

/**
 * Writes `raw`: one GPT partition per entry (in order), each an ext4 filesystem holding the
 * part of `tree` below its mount point minus the deeper mount points. Returns nothing; the
 * caller writes the matching /etc/fstab into the tree first.
 */
export function partitionedDisk(tree: string, raw: string, parts: Partition[], work: string): void {
  const byDepth = [...parts].sort((a, b) => b.mount.length - a.mount.length);
  const subtrees = new Map<string, string>();
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  for (const p of byDepth) {
    const sub = join(work, p.label);
    const src = p.mount === '/' ? tree : join(tree, p.mount);
    if (!existsSync(src)) mkdirSync(src, { recursive: true });
    // cp -al: hard links, so the copy is instant and takes no space; -a keeps owners and modes.
    run('cp', ['-al', src, sub]);
    // Only the mount points directly below this one stay, empty; deeper ones vanish with them.
    const below = (a: string, b: string) => a !== b && (a === '/' ? b !== '/' : b.startsWith(`${a}/`));
    for (const deeper of parts) {
      if (!below(p.mount, deeper.mount) || parts.some((m) => below(p.mount, m.mount) && below(m.mount, deeper.mount))) continue;
      emptyMountPoint(join(sub, p.mount === '/' ? deeper.mount : deeper.mount.slice(p.mount.length)));
    }
    subtrees.set(p.mount, sub);
  }
  // Whole MiB per partition (sgdisk aligns to 1 MiB), content plus room for ext4's metadata.
  const sizes = parts.map((p) => Math.max(8, Math.ceil((kib(subtrees.get(p.mount)!) * 1.3) / 1024) + 8 + (p.spareMiB ?? 0)));
  const totalMiB = sizes.reduce((a, b) => a + b, 0) + 2 + parts.length;
  rmSync(raw, { force: true });
  run('truncate', ['-s', `${totalMiB}M`, raw]);
  const args = ['--clear'];
  parts.forEach((p, i) => args.push('-n', `${i + 1}:0:+${sizes[i]}M`, '-t', `${i + 1}:8300`, '-c', `${i + 1}:${p.label}`));
  run('sgdisk', [...args, raw]);
  parts.forEach((p, i) => {
    const info = run('sgdisk', ['-i', String(i + 1), raw]);
    const first = Number(/First sector: (\d+)/.exec(info)![1]);
    const last = Number(/Last sector: (\d+)/.exec(info)![1]);
    const sub = subtrees.get(p.mount)!;
    const st = statSync(sub);
    run('mkfs.ext4', ['-q', '-F', '-L', p.label, '-U', p.uuid, '-N', '16384', '-d', sub, '-E', `offset=${first * SECTOR},root_owner=${st.uid}:${st.gid}`, raw, `${((last - first + 1) * SECTOR) / 1024}k`]);
    // mkfs -d leaves the root directory 0755; the guest's mount point mode (0700 for
    // /var/log/audit, 1777 for /var/tmp) is what the mounted directory shows.
    if ((st.mode & 0o7777) !== 0o755) run('debugfs', ['-w', '-R', `sif / mode 0${(0o40000 | (st.mode & 0o7777)).toString(8)}`, `${raw}?offset=${first * SECTOR}`]);
  });
  rmSync(work, { recursive: true, force: true });
}

/** fstab lines for the partitions, by UUID as installers write them. */
export function fstabFor(parts: Partition[], options: Record<string, string>): string[] {
  return parts.map((p) => `UUID=${p.uuid} ${p.mount.padEnd(15)} ext4 ${(options[p.mount] ?? 'defaults').padEnd(32)} 0 ${p.mount === '/' ? 1 : 2}`);
}
