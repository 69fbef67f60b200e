/**
 * The bubblewrap backend: one bwrap process per sandbox, launched through sh → setpriv →
 * prlimit so it starts inside its cgroups, as an unprivileged host user, with rlimits set.
 * bwrap reads our compiled seccomp program from fd 3 and reports the command's pid and exit
 * status as JSON on fd 4; a warm sandbox's supervisor reads its command from fd 5; the first
 * program in the finished sandbox reports readiness on fd 6 (see READY_FD in launch.ts).
 */
import { spawn as spawnChild, type ChildProcess, type StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { constants as osConstants } from 'node:os';
import { detectCgroups, pruneLeftoverCgroups, SandboxCgroup, type CgroupSupport } from '../cgroups.js';
import { SandboxError, SandboxSetupError, type SetupStage } from '../errors.js';
import { compileSeccomp } from '../seccomp/resolve.js';
import { setupNetwork, type SandboxNetwork } from '../net/setup.js';
import { CleanupFailedError } from '../net/errors.js';
import type {
  BindMount,
  ExecOptions,
  LimitName,
  Sandbox,
  SandboxResult,
  SandboxSpec,
  SandboxState,
  SandboxStats,
  SandboxNetworkInfo,
  EgressPolicy,
} from '../types.js';
import { buildBwrapArgs, checkSandboxPath, isForbiddenHostPath, type MountOp } from './args.js';
import { detectBwrap } from './detect.js';
import { buildLaunch, execScript, findExecutable, firstProgram, READY_FD, SUPERVISOR_FD, type Rlimits } from './launch.js';
import { identityFiles, systemMounts } from './system-binds.js';

const SECCOMP_FD = 3;
const STATUS_FD = 4;
const DEFAULT_TMP_BYTES = 64 * 1024 * 1024;
const DEFAULT_NOFILE = 1024;
const STDERR_KEEP = 4096;
const CPU_POLL_MS = 200;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

let counter = 0;
let cgroupSupport: CgroupSupport | undefined;

function cgroups(parent?: string): CgroupSupport {
  if (parent !== undefined) return detectCgroups(parent);
  if (!cgroupSupport) {
    cgroupSupport = detectCgroups();
    // Once per process: tidy up after guestguard processes that were killed mid-sandbox.
    pruneLeftoverCgroups(cgroupSupport);
  }
  return cgroupSupport;
}

function bindOf(entry: string | BindMount): Required<BindMount> {
  const b = typeof entry === 'string' ? { host: entry } : entry;
  return { host: checkSandboxPath(b.host, 'bind source'), sandbox: checkSandboxPath(b.sandbox ?? b.host, 'bind target') };
}

function userMounts(spec: SandboxSpec): MountOp[] {
  const out: MountOp[] = [];
  for (const [list, kind] of [
    [spec.ro ?? [], 'ro-bind'],
    [spec.rw ?? [], 'bind'],
  ] as const) {
    for (const entry of list) {
      const b = bindOf(entry);
      if (isForbiddenHostPath(b.host)) throw new SandboxError('bad-spec', `refusing to expose ${b.host} to a sandbox`, b.host);
      if (!existsSync(b.host)) throw new SandboxError('bad-spec', `bind source does not exist: ${b.host}`, b.host);
      out.push({ kind, host: b.host, sandbox: b.sandbox });
    }
  }
  return out;
}

function signalName(n: number): NodeJS.Signals | null {
  const entry = Object.entries(osConstants.signals).find(([, v]) => v === n);
  return entry ? (entry[0] as NodeJS.Signals) : null;
}

export async function spawnBwrap(spec: SandboxSpec): Promise<Sandbox> {
  const bwrap = detectBwrap();
  if (typeof bwrap === 'string') throw new SandboxError('unavailable', bwrap);
  const egress = egressPolicy(spec);
  if (spec.command !== undefined && spec.command.length === 0) throw new SandboxError('bad-spec', 'empty command');

  const filter = spec.seccomp === false ? undefined : compileSeccomp(spec.seccomp ?? 'basic', egress ? 'allowed' : 'none');
  const uid = spec.uid ?? 1000;
  const gid = spec.gid ?? 1000;
  const cwd = checkSandboxPath(spec.cwd ?? '/tmp', 'cwd');
  const limits = spec.limits ?? {};
  const euid = process.geteuid?.() ?? -1;
  const hostUser = spec.hostUser ?? 'nobody';
  if (euid !== 0 && typeof hostUser === 'object') throw new SandboxError('bad-spec', 'hostUser with a uid/gid needs guestguard to run as root');
  const hostIds =
    euid !== 0 || hostUser === 'caller' ? undefined : hostUser === 'nobody' ? { uid: 65534, gid: 65534 } : { uid: hostUser.uid, gid: hostUser.gid };

  const mounts: MountOp[] = [...((spec.systemBinds ?? true) ? systemMounts() : []), ...userMounts(spec)];
  const id = `guestguard-${process.pid}-${++counter}-${randomBytes(3).toString('hex')}`;
  const work = mkdtempSync(join(tmpdir(), 'guestguard-sandbox-'));
  const cleanupWork = (): void => rmSync(work, { recursive: true, force: true });
  let cgroup: SandboxCgroup | null = null;
  let net: SandboxNetwork | null = null;
  try {
    // Readable by the unprivileged host user bwrap runs as.
    chmodSync(work, 0o755);
    const ids = identityFiles(uid, gid);
    writeFileSync(join(work, 'passwd'), ids.passwd, { mode: 0o644 });
    writeFileSync(join(work, 'group'), ids.group, { mode: 0o644 });
    mounts.push({ kind: 'ro-bind', host: join(work, 'passwd'), sandbox: '/etc/passwd' });
    mounts.push({ kind: 'ro-bind', host: join(work, 'group'), sandbox: '/etc/group' });
    if (egress) {
      // Namespace, veth and firewall rules exist before bwrap starts inside the namespace.
      net = await setupNetwork(id, egress, { hostname: spec.hostname ?? 'guestguard' });
      writeFileSync(join(work, 'hosts'), net.hostsFile, { mode: 0o644 });
      mounts.push({ kind: 'ro-bind', host: join(work, 'hosts'), sandbox: '/etc/hosts' });
    }

    const support = cgroups(spec.cgroupParent);
    cgroup = SandboxCgroup.create(id, support, {
      ...(limits.memoryBytes !== undefined ? { memoryBytes: limits.memoryBytes } : {}),
      ...(limits.pids !== undefined ? { pids: limits.pids } : {}),
    });
    const rlimits: Rlimits = { core: 0, nofile: limits.openFiles ?? DEFAULT_NOFILE };
    if (limits.cpuSeconds !== undefined) rlimits.cpuSeconds = Math.max(1, Math.ceil(limits.cpuSeconds));
    if (limits.memoryBytes !== undefined && !cgroup?.has('memory')) rlimits.dataBytes = limits.memoryBytes;
    if (limits.pids !== undefined && !cgroup?.has('pids')) rlimits.nproc = limits.pids;
    if (limits.fileSizeBytes !== undefined) rlimits.fsizeBytes = limits.fileSizeBytes;

    const warm = spec.command === undefined;
    // The first program reports readiness from inside the finished sandbox: the warm supervisor,
    // or a few lines of sh in front of the command. Without a shell inside (no system binds)
    // readiness can only be bwrap's report of the sandbox's pid, which comes before the set-up.
    const readiness: Readiness = warm || ((spec.systemBinds ?? true) && existsSync('/bin/sh')) ? 'fd' : 'child-pid';
    const env = { PATH: DEFAULT_PATH, HOME: '/tmp', TMPDIR: '/tmp', LANG: 'C.UTF-8', ...(spec.env ?? {}) };
    const bwrapArgs = buildBwrapArgs({
      mounts,
      env,
      cwd,
      uid,
      gid,
      hostname: spec.hostname ?? 'guestguard',
      tmpBytes: limits.tmpBytes ?? DEFAULT_TMP_BYTES,
      ...(filter ? { seccompFd: SECCOMP_FD } : {}),
      statusFd: STATUS_FD,
      disableUserns: bwrap.disableUserns,
      inheritNetwork: net !== null,
      command: readiness === 'fd' ? firstProgram(spec.command) : spec.command!,
    });
    const launch = buildLaunch({
      bwrap: bwrap.path,
      bwrapArgs,
      cgroupProcs: cgroup?.procsFiles ?? [],
      rlimits,
      ...(hostIds ? { hostIds } : {}),
      keepFds: [...(filter ? [SECCOMP_FD] : []), STATUS_FD, ...(warm ? [SUPERVISOR_FD] : []), ...(readiness === 'fd' ? [READY_FD] : [])],
      ...(net ? { netnsPath: net.netnsPath } : {}),
      tools: {
        ...(findExecutable('nsenter') ? { nsenter: findExecutable('nsenter')! } : {}),
        ...(existsSync('/bin/sh') ? { sh: '/bin/sh' } : {}),
        ...(findExecutable('bash') ? { bash: findExecutable('bash')! } : {}),
        ...optionalTool('setpriv'),
        ...optionalTool('prlimit'),
      },
    });
    const stdio: StdioOptions = [spec.stdin ?? 'pipe', spec.stdout ?? 'pipe', spec.stderr ?? 'pipe', 'pipe', 'pipe', warm ? 'pipe' : 'ignore', readiness === 'fd' ? 'pipe' : 'ignore'];
    const child = spawnChild(launch.file, launch.args, { stdio, env: { PATH: DEFAULT_PATH }, windowsHide: true });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new SandboxError('setup-failed', `cannot start ${launch.file}: ${err.message}`)));
    });
    return new BwrapSandbox(id, child, { filter: filter?.bytes, warm, readiness, cgroup, net, work, cleanupWork, spec, cpuSeconds: limits.cpuSeconds });
  } catch (err) {
    if (cgroup) await cgroup.remove();
    await net?.teardown().catch(() => undefined);
    cleanupWork();
    throw err;
  }
}

/** The spec's egress allowlist, or null for `none`. */
function egressPolicy(spec: SandboxSpec): EgressPolicy | null {
  const n = spec.network;
  if (n === undefined || n === 'none') return null;
  if (typeof n !== 'object' || n === null || !Array.isArray(n.allow)) throw new SandboxError('bad-spec', `unsupported network policy: ${JSON.stringify(n)}`);
  return n;
}

function optionalTool(name: 'setpriv' | 'prlimit'): { setpriv?: string } | { prlimit?: string } {
  const p = findExecutable(name);
  return p ? { [name]: p } : {};
}

/** `fd`: the first program in the sandbox wrote on READY_FD; `child-pid`: bwrap reported the sandbox's pid. */
type Readiness = 'fd' | 'child-pid';

interface Options {
  filter: Buffer | undefined;
  warm: boolean;
  readiness: Readiness;
  cgroup: SandboxCgroup | null;
  net: SandboxNetwork | null;
  work: string;
  cleanupWork: () => void;
  spec: SandboxSpec;
  cpuSeconds: number | undefined;
}

class BwrapSandbox implements Sandbox {
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  private stateValue: SandboxState;
  private startedAt: number | undefined;
  private exitCodeReported: number | undefined;
  private stderrHead = '';
  private killedFor: LimitName | null = null;
  private killed = false;
  private isReady = false;
  private notReady: SandboxSetupError | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly done: Promise<SandboxResult>;
  private readonly readyPromise: Promise<void>;
  private lastStats: SandboxStats | undefined;

  constructor(
    readonly id: string,
    private readonly child: ChildProcess,
    private readonly o: Options,
  ) {
    this.stateValue = o.warm ? 'warm' : 'running';
    this.stdin = child.stdin;
    this.stdout = child.stdout;
    if (child.stderr) {
      // Tee the first bytes of stderr: if bwrap fails before the command starts, its message is there.
      const out = new PassThrough();
      child.stderr.on('data', (chunk: Buffer) => {
        if (this.stderrHead.length < STDERR_KEEP) this.stderrHead += chunk.toString('utf8').slice(0, STDERR_KEEP - this.stderrHead.length);
      });
      child.stderr.pipe(out);
      this.stderr = out;
    } else this.stderr = null;

    const seccompPipe = child.stdio[SECCOMP_FD] as Writable | null;
    seccompPipe?.on('error', () => undefined);
    if (o.filter) seccompPipe?.end(o.filter);
    else seccompPipe?.end();

    let resolveReady!: () => void;
    let rejectReady!: (e: Error) => void;
    this.readyPromise = new Promise((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    this.readyPromise.catch(() => undefined);
    const markReady = (): void => {
      if (this.isReady) return;
      this.isReady = true;
      resolveReady();
    };
    if (o.readiness === 'fd') {
      // Only the sandbox's first program holds the other end, and it closes it before running anything untrusted.
      const readyPipe = (child.stdio as unknown as (Readable | null)[])[READY_FD] ?? null;
      readyPipe?.on('error', () => undefined);
      readyPipe?.on('data', (chunk: Buffer) => {
        if (chunk.includes(0x52)) markReady();
      });
    }
    const statusPipe = child.stdio[STATUS_FD] as Readable | null;
    let statusText = '';
    statusPipe?.on('error', () => undefined);
    statusPipe?.on('data', (chunk: Buffer) => {
      statusText += chunk.toString('utf8');
      let nl: number;
      while ((nl = statusText.indexOf('\n')) >= 0) {
        const line = statusText.slice(0, nl).trim();
        statusText = statusText.slice(nl + 1);
        if (!line) continue;
        try {
          const msg = JSON.parse(line) as Record<string, unknown>;
          if (typeof msg['child-pid'] === 'number' && o.readiness === 'child-pid') markReady();
          if (typeof msg['exit-code'] === 'number') this.exitCodeReported = msg['exit-code'];
        } catch {
          // bwrap writes one JSON document per line; anything else is ignored
        }
      }
    });
    const control = (child.stdio as unknown as (Writable | null)[])[SUPERVISOR_FD] ?? null;
    control?.on('error', () => undefined);

    if (!o.warm) this.start();

    this.done = new Promise<SandboxResult>((resolve) => {
      child.once('close', (code, signal) => {
        resolve(this.finish(code, signal));
      });
    }).then((result) => {
      if (this.notReady) rejectReady(this.notReady);
      return result;
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get network(): SandboxNetworkInfo | undefined {
    return this.o.net?.info;
  }

  get state(): SandboxState {
    return this.stateValue;
  }

  /**
   * Resolves once the sandbox is set up (mounts, seccomp filter) and its first program runs
   * inside it: the command, or a warm sandbox's supervisor. Rejects with SandboxSetupError when
   * the sandbox exits first (bwrap failed, command not found, destroyed).
   */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  async exec(command: readonly string[], options: ExecOptions = {}): Promise<void> {
    if (!this.o.warm) throw new SandboxError('state', 'exec() is for warm sandboxes (spawned without a command)');
    if (this.stateValue !== 'warm') throw new SandboxError('state', `sandbox is ${this.stateValue}; exec() runs once per sandbox`);
    const script = execScript(command, options.env ?? {}, options.cwd === undefined ? undefined : checkSandboxPath(options.cwd, 'cwd'));
    const control = (this.child.stdio as unknown as Writable[])[SUPERVISOR_FD]!;
    this.stateValue = 'running';
    this.start();
    await new Promise<void>((resolve, reject) =>
      control.end(script, () => (control.errored ? reject(new SandboxError('state', 'sandbox exited before exec')) : resolve())),
    );
  }

  wait(): Promise<SandboxResult> {
    return this.done;
  }

  async stats(): Promise<SandboxStats> {
    if (this.stateValue === 'exited' && this.lastStats) return this.lastStats;
    return this.readStats();
  }

  async destroy(): Promise<SandboxResult> {
    if (this.stateValue !== 'exited') this.kill();
    return this.done;
  }

  private start(): void {
    this.startedAt = Date.now();
    const { spec } = this.o;
    if (spec.timeoutMs !== undefined) {
      this.timers.push(setTimeout(() => this.kill('timeout'), spec.timeoutMs));
    }
    const cpu = this.o.cpuSeconds;
    if (cpu !== undefined && this.o.cgroup?.has('cpu')) {
      // The cgroup sees the CPU time of every process in the sandbox, unlike RLIMIT_CPU.
      this.timers.push(
        setInterval(() => {
          const used = this.o.cgroup!.read().cpuUsec;
          if (used !== undefined && used >= cpu * 1e6) this.kill('cpu');
        }, CPU_POLL_MS),
      );
    }
  }

  private kill(reason: LimitName | null = null): void {
    if (this.stateValue === 'exited') return;
    this.killed = true;
    if (reason && !this.killedFor) this.killedFor = reason;
    try {
      this.child.kill('SIGKILL');
    } catch {
      // already gone
    }
    this.o.cgroup?.killAll();
  }

  private readStats(): SandboxStats {
    const wallMs = this.startedAt === undefined ? 0 : Date.now() - this.startedAt;
    const cg = this.o.cgroup;
    if (cg) {
      const r = cg.read();
      const tree = r.memoryBytes === undefined || r.pids === undefined || r.cpuUsec === undefined ? procTree(this.child.pid) : undefined;
      return {
        memoryBytes: r.memoryBytes ?? tree?.rssBytes ?? 0,
        ...(r.memoryPeakBytes !== undefined ? { memoryPeakBytes: r.memoryPeakBytes } : {}),
        pids: r.pids ?? tree?.count ?? 0,
        cpuMs: r.cpuUsec !== undefined ? Math.round(r.cpuUsec / 1000) : (tree?.cpuMs ?? 0),
        wallMs,
        source: cg.version === 'v2' ? 'cgroup-v2' : 'cgroup-v1',
      };
    }
    const tree = procTree(this.child.pid);
    return { memoryBytes: tree.rssBytes, pids: tree.count, cpuMs: tree.cpuMs, wallMs, source: 'procfs' };
  }

  private async finish(code: number | null, signal: NodeJS.Signals | null): Promise<SandboxResult> {
    for (const t of this.timers) clearTimeout(t);
    const stats = this.readStats();
    const reading = this.o.cgroup?.read();
    this.stateValue = 'exited';
    this.lastStats = stats;
    const durationMs = this.startedAt === undefined ? 0 : Date.now() - this.startedAt;
    let exitCode: number | null = this.exitCodeReported ?? code;
    let sig: NodeJS.Signals | null = signal;
    if (sig === null && exitCode !== null && exitCode > 128 && exitCode < 128 + 65) sig = signalName(exitCode - 128);
    if (signal !== null && this.exitCodeReported === undefined) exitCode = null;

    const limitsHit: LimitName[] = [];
    if (reading && reading.oomKills !== 0) limitsHit.push('memory');
    if (reading && reading.pidsMaxHits > 0) limitsHit.push('pids');
    const cpuLimitMs = this.o.cpuSeconds !== undefined ? this.o.cpuSeconds * 1000 : undefined;
    const cpuHit = this.killedFor === 'cpu' || (cpuLimitMs !== undefined && (sig === 'SIGXCPU' || (sig === 'SIGKILL' && stats.cpuMs >= cpuLimitMs * 0.95)));
    if (cpuHit) limitsHit.push('cpu');
    if (this.killedFor === 'timeout') limitsHit.push('timeout');

    let limit: LimitName | null = this.killedFor;
    if (!limit && cpuHit) limit = 'cpu';
    if (!limit && limitsHit.includes('memory') && sig === 'SIGKILL') limit = 'memory';
    if (!limit && limitsHit.includes('pids') && exitCode !== 0) limit = 'pids';

    let setupError: string | undefined;
    if (!this.isReady) {
      const head = this.stderrHead.trim().split('\n').slice(0, 5).join('; ');
      let stage: SetupStage;
      let message: string;
      if (this.killed) {
        stage = 'destroyed';
        message = `sandbox ${this.id} was stopped before it was ready`;
      } else if (this.o.readiness === 'fd' && this.exitCodeReported !== undefined) {
        // bwrap started the first program (it reports an exit code only then), which gave up before the command ran.
        stage = 'command';
        message = head || `the command did not start (status ${exitCode ?? sig})`;
      } else {
        stage = 'bwrap';
        setupError = head || `bwrap exited with ${exitCode ?? sig} before starting the command`;
        message = setupError;
      }
      this.notReady = new SandboxSetupError(stage, message, exitCode, sig, this.stderrHead);
    }
    if (this.o.cgroup) await this.o.cgroup.remove();
    const cleanupErrors: string[] = [];
    try {
      await this.o.net?.teardown();
    } catch (err) {
      if (err instanceof CleanupFailedError) cleanupErrors.push(...err.errors.map((e) => e.message));
      else cleanupErrors.push((err as Error).message);
    }
    this.o.cleanupWork();
    return {
      exitCode,
      signal: sig,
      limit,
      limitsHit,
      durationMs,
      stats,
      ...(setupError !== undefined ? { setupError } : {}),
      ...(cleanupErrors.length > 0 ? { cleanupErrors } : {}),
    };
  }
}

/** Memory, CPU and process count of a process and its descendants, from /proc (no cgroups). */
export function procTree(rootPid: number | undefined): { count: number; rssBytes: number; cpuMs: number } {
  if (rootPid === undefined) return { count: 0, rssBytes: 0, cpuMs: 0 };
  const children = new Map<number, number[]>();
  const info = new Map<number, { rss: number; ticks: number }>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may contain spaces.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(e);
      const ppid = Number(f[1]);
      const ticks = Number(f[11]) + Number(f[12]);
      const rssPages = Number(f[21]);
      info.set(pid, { rss: rssPages * 4096, ticks });
      const list = children.get(ppid) ?? [];
      list.push(pid);
      children.set(ppid, list);
    } catch {
      // process vanished
    }
  }
  let count = 0;
  let rss = 0;
  let ticks = 0;
  const stack = [rootPid];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const i = info.get(pid);
    if (i) {
      count++;
      rss += i.rss;
      ticks += i.ticks;
    }
    stack.push(...(children.get(pid) ?? []));
  }
  // USER_HZ is 100 on every Linux architecture we target.
  return { count, rssBytes: rss, cpuMs: ticks * 10 };
}

