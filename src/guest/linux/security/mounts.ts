/** Mount-option facts for fstab entries (the caller parses fstab; see guest/fstab.ts). */
import type { FstabEntry } from '../../fstab.js';

export interface MountFacts {
  mount_point: string;
  spec: string;
  fs_type: string;
  options: string[];
  nodev: boolean;
  nosuid: boolean;
  noexec: boolean;
  read_only: boolean;
  /** 1-based line in /etc/fstab. */
  line: number;
}

export interface MountSummary {
  mounts: MountFacts[];
  /** Whether these separate mount points exist (CIS-style partitioning facts). */
  separate: Record<'/tmp' | '/var' | '/var/tmp' | '/var/log' | '/home' | '/dev/shm', boolean>;
  swap: string[];
}

type Flag = 'nodev' | 'nosuid' | 'noexec' | 'ro';
const USER: Partial<Record<Flag, boolean>> = { nodev: true, nosuid: true, noexec: true };
/** What each option sets; later options override earlier ones, as mount(8) applies them. */
const EFFECT: Record<string, Partial<Record<Flag, boolean>>> = {
  defaults: { nodev: false, nosuid: false, noexec: false, ro: false },
  user: USER,
  users: USER,
  owner: { nodev: true, nosuid: true },
  group: { nodev: true, nosuid: true },
  nodev: { nodev: true },
  dev: { nodev: false },
  nosuid: { nosuid: true },
  suid: { nosuid: false },
  noexec: { noexec: true },
  exec: { noexec: false },
  ro: { ro: true },
  rw: { ro: false },
};

function flags(options: string[]): Record<Flag, boolean> {
  const f: Record<Flag, boolean> = { nodev: false, nosuid: false, noexec: false, ro: false };
  for (const o of options) Object.assign(f, EFFECT[o] ?? {});
  return f;
}

export function mountFacts(entries: FstabEntry[]): MountSummary {
  const mounts: MountFacts[] = [];
  const swap: string[] = [];
  for (const e of entries) {
    if (e.vfstype === 'swap' || e.file === 'none' || e.file === 'swap') {
      if (e.vfstype === 'swap') swap.push(e.spec);
      continue;
    }
    const f = flags(e.options);
    mounts.push({ mount_point: e.file, spec: e.spec, fs_type: e.vfstype, options: e.options, nodev: f.nodev, nosuid: f.nosuid, noexec: f.noexec, read_only: f.ro, line: e.line });
  }
  const has = (p: string) => mounts.some((m) => m.mount_point.replace(/\/+$/, '') === p);
  return {
    mounts,
    separate: { '/tmp': has('/tmp'), '/var': has('/var'), '/var/tmp': has('/var/tmp'), '/var/log': has('/var/log'), '/home': has('/home'), '/dev/shm': has('/dev/shm') },
    swap,
  };
}
