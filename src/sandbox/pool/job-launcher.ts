/**
 * Runs job handlers in pooled bwrap sandboxes: the sandbox layer's implementation of the jobs
 * layer's ProcessLauncher. Each warm sandbox sees the system folders, the Node runtime and this
 * package's code (package.json, dist/ or src/, node_modules) read-only, a private /tmp, no network
 * and the `basic` seccomp filter; a handler's image is not bound at all but read through the
 * executor's file broker (only that file, read-only), so one warm template serves every job.
 */
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setProcessLauncher, type LaunchedProcess, type LauncherScope, type LaunchRequest, type ProcessLauncher } from '../../jobs/sandbox/launcher.js';
import { detectBwrap } from '../bwrap/detect.js';
import { spawn } from '../index.js';
import type { ResourceLimits, SandboxResult, SeccompSetting } from '../types.js';
import { SandboxPool, type PoolTemplate } from './pool.js';
import { waitUntilWarm } from './readiness.js';

export interface JobSandboxOptions {
  /** Pool name in stats and metrics (default "jobs"). */
  name?: string;
  /** Warm sandboxes kept ready (default 2). */
  size?: number;
  /** Idle sandboxes are replaced after this long (default 10 min). */
  maxAgeMs?: number;
  /** Per-sandbox limits (default: 256 processes/threads, 64 MiB /tmp). */
  limits?: ResourceLimits;
  /** Default `basic`. */
  seccomp?: SeccompSetting;
  /** More host folders every sandbox sees read-only (e.g. handler modules living outside this package). */
  readOnly?: readonly string[];
}

/** Folders the host's system binds already cover (see bwrap/system-binds.ts). */
const SYSTEM = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** This package's root and the code folder this module runs from (dist/ or src/). */
export function packageLayout(): { root: string; code: string } {
  const here = dirname(fileURLToPath(import.meta.url)); // <root>/<dist|src>/sandbox/pool
  const code = resolve(here, '..', '..');
  return { root: dirname(code), code };
}

function inside(path: string, dir: string): boolean {
  const p = normalize(path);
  return p === dir || p.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/** The nearest `name` in `dir` or a folder above it, as Node's module resolution finds it. */
function nearestUp(dir: string, name: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, name))) return join(d, name);
    if (dirname(d) === d) return undefined;
  }
}

/**
 * The read-only binds a job sandbox needs: the code folder this module runs from, the
 * package.json that makes it ESM and the node_modules its imports resolve to (nearest above it,
 * as Node looks them up), and the Node binary when it is not under /usr.
 */
export function jobSandboxBinds(extra: readonly string[] = []): string[] {
  const { code } = packageLayout();
  const binds = [code, nearestUp(code, 'package.json'), nearestUp(code, 'node_modules')].filter((p): p is string => p !== undefined);
  const node = realpathSync(process.execPath);
  if (!SYSTEM.some((d) => inside(node, d))) binds.push(node);
  for (const e of extra) {
    if (!isAbsolute(e)) throw new TypeError(`read-only folder must be absolute: ${e}`);
    if (!binds.some((b) => inside(e, b))) binds.push(e);
  }
  return binds;
}

function describe(r: SandboxResult): string {
  if (r.setupError !== undefined) return `sandbox failed: ${r.setupError}`;
  if (r.limit) return `${r.limit} limit reached`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit code ${r.exitCode}`;
}

/** Runs `node [...execArgv] entry` with fd 3 = the sandbox's stdout (messages) and fd 1 sent to stderr (logs). */
function command(req: LaunchRequest): string[] {
  return ['/bin/sh', '-c', 'exec "$@" 3>&1 1>&2', 'sh', realpathSync(process.execPath), ...req.execArgv, req.entry];
}

export class JobSandboxLauncher implements ProcessLauncher {
  readonly kind = 'bwrap';
  readonly pool: SandboxPool;
  private readonly template: PoolTemplate;
  private readonly binds: string[];

  constructor(opts: JobSandboxOptions = {}) {
    this.binds = jobSandboxBinds(opts.readOnly ?? []);
    this.template = {
      ro: this.binds,
      network: 'none',
      seccomp: opts.seccomp ?? 'basic',
      limits: { pids: 256, ...(opts.limits ?? {}) },
      hostname: 'guestguard-job',
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    };
    this.pool = new SandboxPool({
      name: opts.name ?? 'jobs',
      template: this.template,
      size: opts.size ?? 2,
      ...(opts.maxAgeMs !== undefined ? { maxAgeMs: opts.maxAgeMs } : {}),
    });
  }

  /** True when the warm template already makes `path` readable. */
  covers(path: string): boolean {
    return SYSTEM.some((d) => inside(path, d)) || this.binds.some((b) => inside(path, b));
  }

  async launch(req: LaunchRequest): Promise<LaunchedProcess> {
    const missing = [...req.modules, ...(req.readOnly ?? []), req.entry].filter((p) => !this.covers(p));
    const sb = missing.length === 0 ? await this.pool.acquire(req.signal ? { signal: req.signal } : {}) : await this.cold(missing);
    try {
      await sb.exec(command(req), { env: { ...req.env }, cwd: '/tmp' });
    } catch (err) {
      await sb.destroy();
      throw err;
    }
    return {
      pid: sb.pid ?? -1,
      id: sb.id,
      input: sb.stdin!,
      output: sb.stdout!,
      logs: sb.stderr ? [sb.stderr] : [],
      kill: () => void sb.destroy(),
      exited: sb.wait().then(describe),
    };
  }

  /** A sandbox started now with the extra folders bound (modules outside the template); counted as active by the pool. */
  private async cold(extra: string[]) {
    const dirs = [...new Set(extra.map((p) => (existsSync(p) && !p.endsWith('.ts') && !p.endsWith('.js') ? p : dirname(p))))];
    const sb = await spawn({ ...this.template, ro: [...this.binds, ...dirs] });
    this.pool.register(sb);
    try {
      await waitUntilWarm(sb, 30_000);
    } catch (err) {
      await sb.destroy();
      throw err;
    }
    return sb;
  }

  /** Waits for running handlers, then removes every sandbox. */
  drain(): Promise<void> {
    return this.pool.drain();
  }

  /** Kills everything at once. */
  close(): Promise<void> {
    return this.pool.close();
  }
}

export type SandboxChoice = 'bwrap' | 'none';

/**
 * What `--sandbox` means for `worker` and `serve`: `none` runs handlers unsandboxed; `bwrap`
 * (or no choice, when bwrap works here) starts the job pool and proves it by warming one
 * sandbox, which also runs the basic seccomp filter: the same test `guestguard doctor` makes.
 * Without a choice an unusable backend falls back to `none` with one line on `notice`; an
 * explicit `bwrap` that cannot work throws.
 */
export async function startJobSandbox(
  choice: string | undefined,
  notice: (line: string) => void,
  opts: JobSandboxOptions = {},
): Promise<JobSandboxLauncher | null> {
  if (choice !== undefined && choice !== 'bwrap' && choice !== 'none') throw new TypeError(`--sandbox must be bwrap or none, not "${choice}"`);
  if (choice === 'none') return null;
  const explicit = choice === 'bwrap';
  const why = process.platform !== 'linux' ? `no sandbox backend for ${process.platform}` : typeof detectBwrap() === 'string' ? (detectBwrap() as string) : undefined;
  if (why !== undefined) {
    if (explicit) throw new Error(`--sandbox bwrap: ${why}`);
    notice(`guestguard: sandbox: ${why}; handlers run unsandboxed (--sandbox none)`);
    return null;
  }
  let launcher: JobSandboxLauncher | undefined;
  try {
    if (opts.readOnly === undefined) {
      // Running from TypeScript sources: sandboxes read the transpile cache (created here if missing).
      const { tsCacheDir } = await import('../../jobs/sandbox/ts-loader.js');
      if (packageLayout().code.endsWith(`${sep}src`)) {
        mkdirSync(tsCacheDir(), { recursive: true });
        opts = { ...opts, readOnly: [tsCacheDir()] };
      }
    }
    launcher = new JobSandboxLauncher(opts);
    await launcher.pool.warmup(1, 60_000);
    return launcher;
  } catch (err) {
    await launcher?.close();
    const msg = (err as Error).message;
    if (explicit) throw new Error(`--sandbox bwrap: ${msg}`);
    notice(`guestguard: sandbox: bwrap not usable here (${msg}); handlers run unsandboxed (--sandbox none)`);
    return null;
  }
}

/**
 * startJobSandbox(), then installs it for this process: handler calls in `scope` (default
 * `images`: jobs that name a disk image) run in its sandboxes; none: plain threads/processes.
 */
export async function installJobSandbox(
  choice: string | undefined,
  notice: (line: string) => void,
  opts: JobSandboxOptions & { scope?: LauncherScope } = {},
): Promise<JobSandboxLauncher | null> {
  const { scope, ...rest } = opts;
  const launcher = await startJobSandbox(choice, notice, rest);
  setProcessLauncher(launcher, { scope: scope ?? 'images' });
  return launcher;
}
