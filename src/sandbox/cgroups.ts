/**
 * Per-sandbox cgroups for memory, pids and CPU accounting.
 *
 * Sandbox cgroups are always created *below* the cgroup guestguard itself runs in (or below a
 * delegated v2 directory given explicitly), so a sandbox can never escape limits that already
 * apply to guestguard. cgroup v2 is used when controllers are delegated to us; otherwise the v1
 * memory / pids / cpuacct hierarchies when they are mounted and writable (hybrid hosts).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync, accessSync, constants } from 'node:fs';
import { join, relative } from 'node:path';

export type CgroupController = 'memory' | 'pids' | 'cpu';

export interface CgroupSupport {
  /** The mechanism that will be used, per controller. */
  memory: 'v2' | 'v1' | null;
  pids: 'v2' | 'v1' | null;
  cpu: 'v2' | 'v1' | null;
  /** Why a controller is unavailable, or how it is available. */
  notes: string[];
  /** Where sandbox cgroups go. */
  v2Parent?: string;
  v1Parents: Partial<Record<CgroupController, string>>;
}

interface Mount {
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function mounts(): Mount[] {
  const text = readText('/proc/self/mountinfo') ?? '';
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const f = pre.split(' ');
    const g = post.split(' ');
    if (f.length < 5 || g.length < 3) continue;
    out.push({ root: unescape(f[3]!), mountPoint: unescape(f[4]!), fsType: g[0]!, superOptions: g[2]!.split(',') });
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** controller list ("" for v2) → own cgroup path, from /proc/self/cgroup. */
function ownCgroups(): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of (readText('/proc/self/cgroup') ?? '').split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (m) map.set(m[2]!, m[3]!);
  }
  return map;
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function v1Dir(controller: string, all: Mount[], own: Map<string, string>): string | undefined {
  const mount = all.find((m) => m.fsType === 'cgroup' && m.superOptions.includes(controller));
  if (!mount) return undefined;
  const path = [...own.entries()].find(([ctrls]) => ctrls.split(',').includes(controller))?.[1];
  if (path === undefined) return undefined;
  const rel = relative(mount.root, path);
  if (rel.startsWith('..')) return undefined;
  return join(mount.mountPoint, rel);
}

/** Works out which controllers this process can use for sandboxes. */
export function detectCgroups(explicitParent?: string): CgroupSupport {
  const notes: string[] = [];
  const all = mounts();
  const own = ownCgroups();
  const support: CgroupSupport = { memory: null, pids: null, cpu: null, notes, v1Parents: {} };

  // cgroup v2: an explicit delegated parent, or our own cgroup when it already delegates.
  const v2Mount = all.find((m) => m.fsType === 'cgroup2');
  const parent = explicitParent ?? process.env['GUESTGUARD_CGROUP_PARENT'];
  let v2Dir: string | undefined;
  if (parent) v2Dir = parent;
  else if (v2Mount && own.has('')) {
    const rel = relative(v2Mount.root, own.get('')!);
    if (!rel.startsWith('..')) v2Dir = join(v2Mount.mountPoint, rel);
  }
  if (v2Dir && existsSync(join(v2Dir, 'cgroup.subtree_control'))) {
    const enabled = (readText(join(v2Dir, 'cgroup.subtree_control')) ?? '').trim().split(/\s+/).filter(Boolean);
    const available = (readText(join(v2Dir, 'cgroup.controllers')) ?? '').trim().split(/\s+/).filter(Boolean);
    // An explicitly delegated parent may just need its controllers switched on for children.
    if (parent && writable(v2Dir) && !enabled.includes('memory') && !enabled.includes('pids')) {
      const want = ['memory', 'pids', 'cpu'].filter((c) => available.includes(c));
      try {
        writeFileSync(join(v2Dir, 'cgroup.subtree_control'), want.map((c) => `+${c}`).join(' '));
        enabled.push(...want);
      } catch (err) {
        notes.push(`cgroup v2: cannot enable ${want.join(' ')} in ${v2Dir}: ${(err as Error).message}`);
      }
    }
    if (!writable(v2Dir)) notes.push(`cgroup v2: ${v2Dir} is not writable`);
    else if (enabled.includes('memory') || enabled.includes('pids')) {
      support.v2Parent = v2Dir;
      for (const c of ['memory', 'pids', 'cpu'] as const) if (enabled.includes(c)) support[c] = 'v2';
      notes.push(`cgroup v2: delegated at ${v2Dir} (${enabled.join(' ')})`);
    } else if (available.length === 0) {
      notes.push(`cgroup v2: no controllers available at ${v2Dir} (controllers are bound to v1 hierarchies)`);
    } else {
      notes.push(
        `cgroup v2: ${available.join(' ')} available at ${v2Dir} but not enabled for children; ` +
          'run guestguard in a delegated cgroup (e.g. systemd-run -p Delegate=yes) or set GUESTGUARD_CGROUP_PARENT',
      );
    }
  } else if (!v2Mount) notes.push('cgroup v2: not mounted');

  // cgroup v1 for whatever v2 does not cover (hybrid hosts).
  const v1Names: Record<CgroupController, string> = { memory: 'memory', pids: 'pids', cpu: 'cpuacct' };
  for (const c of ['memory', 'pids', 'cpu'] as const) {
    if (support[c]) continue;
    const dir = v1Dir(v1Names[c], all, own);
    if (!dir) notes.push(`cgroup v1 ${v1Names[c]}: not mounted`);
    else if (!writable(dir)) notes.push(`cgroup v1 ${v1Names[c]}: ${dir} not writable (needs root or delegation)`);
    else {
      support[c] = 'v1';
      support.v1Parents[c] = dir;
      notes.push(`cgroup v1 ${v1Names[c]}: ${dir}`);
    }
  }
  return support;
}

export interface CgroupLimits {
  memoryBytes?: number;
  pids?: number;
}

export interface CgroupReading {
  memoryBytes?: number;
  memoryPeakBytes?: number;
  pids?: number;
  cpuUsec?: number;
  oomKills: number;
  pidsMaxHits: number;
}

/** The cgroup directories of one sandbox. */
export class SandboxCgroup {
  private constructor(
    readonly version: 'v2' | 'v1',
    private readonly dirs: Partial<Record<CgroupController, string>>,
  ) {}

  /** Creates the sandbox's cgroups; returns null when no controller is usable. */
  static create(name: string, support: CgroupSupport, limits: CgroupLimits): SandboxCgroup | null {
    if (support.v2Parent && (support.memory === 'v2' || support.pids === 'v2')) {
      const dir = join(support.v2Parent, name);
      mkdirSync(dir);
      const cg = new SandboxCgroup('v2', { memory: dir, pids: dir, cpu: dir });
      try {
        if (limits.memoryBytes !== undefined && support.memory === 'v2') {
          writeFileSync(join(dir, 'memory.max'), String(limits.memoryBytes));
          if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
        }
        if (limits.pids !== undefined && support.pids === 'v2') writeFileSync(join(dir, 'pids.max'), String(limits.pids));
      } catch (err) {
        cg.removeNow();
        throw err;
      }
      return cg;
    }
    const dirs: Partial<Record<CgroupController, string>> = {};
    const cg = new SandboxCgroup('v1', dirs);
    try {
      for (const c of ['memory', 'pids', 'cpu'] as const) {
        const parent = support.v1Parents[c];
        if (support[c] !== 'v1' || !parent) continue;
        const dir = join(parent, name);
        mkdirSync(dir);
        dirs[c] = dir;
      }
      if (dirs.memory && limits.memoryBytes !== undefined) {
        writeFileSync(join(dirs.memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
        // Without this the sandbox could spill into swap past its limit.
        const memsw = join(dirs.memory, 'memory.memsw.limit_in_bytes');
        if (existsSync(memsw)) writeFileSync(memsw, String(limits.memoryBytes));
      }
      if (dirs.pids && limits.pids !== undefined) writeFileSync(join(dirs.pids, 'pids.max'), String(limits.pids));
    } catch (err) {
      cg.removeNow();
      throw err;
    }
    return Object.keys(dirs).length > 0 ? cg : null;
  }

  /** cgroup.procs files a launcher writes its pid into before exec'ing the sandbox. */
  get procsFiles(): string[] {
    return [...new Set(Object.values(this.dirs))].map((d) => join(d, 'cgroup.procs'));
  }

  has(c: CgroupController): boolean {
    return this.dirs[c] !== undefined;
  }

  read(): CgroupReading {
    const num = (dir: string | undefined, file: string): number | undefined => {
      if (!dir) return undefined;
      const t = readText(join(dir, file));
      const n = t === undefined ? NaN : Number(t.trim());
      return Number.isFinite(n) ? n : undefined;
    };
    const kv = (dir: string | undefined, file: string): Map<string, number> => {
      const m = new Map<string, number>();
      if (!dir) return m;
      for (const line of (readText(join(dir, file)) ?? '').split('\n')) {
        const [k, v] = line.trim().split(/\s+/);
        if (k && v !== undefined) m.set(k, Number(v));
      }
      return m;
    };
    if (this.version === 'v2') {
      const d = this.dirs.memory ?? this.dirs.pids;
      return {
        memoryBytes: num(d, 'memory.current'),
        memoryPeakBytes: num(d, 'memory.peak'),
        pids: num(d, 'pids.current'),
        cpuUsec: kv(d, 'cpu.stat').get('usage_usec'),
        oomKills: kv(d, 'memory.events').get('oom_kill') ?? 0,
        pidsMaxHits: kv(d, 'pids.events').get('max') ?? 0,
      };
    }
    const cpuNs = num(this.dirs.cpu, 'cpuacct.usage');
    const oom = kv(this.dirs.memory, 'memory.oom_control').get('oom_kill');
    return {
      memoryBytes: num(this.dirs.memory, 'memory.usage_in_bytes'),
      memoryPeakBytes: num(this.dirs.memory, 'memory.max_usage_in_bytes'),
      pids: num(this.dirs.pids, 'pids.current'),
      cpuUsec: cpuNs === undefined ? undefined : Math.round(cpuNs / 1000),
      // Kernels before 4.13 lack oom_kill; a failcnt with a SIGKILL is then the best evidence.
      oomKills: oom ?? ((num(this.dirs.memory, 'memory.failcnt') ?? 0) > 0 ? -1 : 0),
      pidsMaxHits: kv(this.dirs.pids, 'pids.events').get('max') ?? 0,
    };
  }

  /** Host pids still in the sandbox's cgroups. */
  pids(): number[] {
    const out = new Set<number>();
    for (const f of this.procsFiles) {
      for (const l of (readText(f) ?? '').split('\n')) if (/^\d+$/.test(l.trim())) out.add(Number(l));
    }
    return [...out];
  }

  /** SIGKILLs everything left (cgroup.kill on v2, else each listed pid). */
  killAll(): void {
    if (this.version === 'v2') {
      const killFile = join(this.dirs.memory ?? this.dirs.pids!, 'cgroup.kill');
      if (existsSync(killFile)) {
        try {
          writeFileSync(killFile, '1');
          return;
        } catch {
          // fall back to signalling pids
        }
      }
    }
    for (const pid of this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** Removes the cgroups, killing stragglers and retrying while the kernel reaps them. */
  async remove(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      this.killAll();
      if (this.removeNow()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private removeNow(): boolean {
    let ok = true;
    for (const dir of new Set(Object.values(this.dirs))) {
      if (!existsSync(dir)) continue;
      try {
        rmdirSync(dir);
      } catch {
        ok = false;
      }
    }
    return ok;
  }
}

/**
 * Sandbox cgroup directories named with `prefix`; with `onlyDead`, just those whose creating
 * guestguard process (the pid in the name) is gone: leftovers of crashed runs, for doctor.
 */
export function leftoverCgroups(support: CgroupSupport, prefix = 'guestguard-', onlyDead = false): string[] {
  const parents = [support.v2Parent, ...Object.values(support.v1Parents)].filter((p): p is string => p !== undefined);
  const out: string[] = [];
  for (const p of new Set(parents)) {
    try {
      for (const e of readdirSync(p)) {
        if (!e.startsWith(prefix)) continue;
        const pid = /^guestguard-(\d+)-/.exec(e)?.[1];
        if (onlyDead && pid !== undefined && alive(Number(pid))) continue;
        out.push(join(p, e));
      }
    } catch {
      // unreadable parent: nothing to report
    }
  }
  return out;
}

/** A process that exists and is not a zombie. */
function alive(pid: number): boolean {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return false;
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/**
 * Cleans up after guestguard processes that died mid-sandbox: SIGKILLs what is left in their
 * sandbox cgroups (bwrap's parent-death signal can miss if guestguard dies while the sandbox is
 * still being set up) and removes the directories once the kernel has emptied them.
 */
export function pruneLeftoverCgroups(support: CgroupSupport): void {
  for (const dir of leftoverCgroups(support, 'guestguard-', true)) {
    for (const l of (readText(join(dir, 'cgroup.procs')) ?? '').split('\n')) {
      if (!/^\d+$/.test(l.trim())) continue;
      try {
        process.kill(Number(l), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    try {
      rmdirSync(dir);
    } catch {
      // not empty yet: the next prune removes it
    }
  }
}
