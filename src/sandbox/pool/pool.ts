/**
 * A pool of pre-warmed sandboxes for one spec template.
 *
 * Each idle sandbox is a bwrap sandbox already set up (namespaces, mounts, seccomp filter,
 * cgroups) whose supervisor waits on a pipe for the command; acquire() hands one over, so a warm
 * acquire costs a list shift. Sandboxes are single-use: once handed out they are never returned
 * to the pool; release() destroys them and the pool starts a replacement in the background.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { SandboxError } from '../errors.js';
import { spawn as spawnDefault } from '../index.js';
import type { ExecOptions, Sandbox, SandboxResult, SandboxSpec, SandboxStats } from '../types.js';
import { waitUntilWarm } from './readiness.js';
import { SampleWindow, type Percentiles } from './samples.js';

export type PoolTemplate = Omit<SandboxSpec, 'command'>;

export interface PoolOptions {
  /** Names the pool in metrics labels, stats and errors (default "default"). */
  name?: string;
  /** The warm sandbox spec: everything but `command` (pooled sandboxes wait for exec()). */
  template: PoolTemplate;
  /** Idle sandboxes kept ready (default 2; 0 = start one only when asked). */
  size?: number;
  /** Idle sandboxes older than this are destroyed and replaced (default 10 min; 0 = never). */
  maxAgeMs?: number;
  /** Most sandboxes handed out at once; further acquire() calls queue (default unlimited). */
  maxActive?: number;
  /** Most acquire() calls waiting at once; beyond that acquire() fails at once (default 1000). */
  maxQueued?: number;
  /** Sandboxes being started at once (default 2). */
  spawnConcurrency?: number;
  /** Delay after a failed start, doubling per consecutive failure up to the cap (default 100 ms → 30 s). */
  backoffMs?: { initial: number; max: number };
  /** Consecutive failed starts after which waiting acquire() calls fail instead of waiting on (default 3). */
  failFastAfter?: number;
  /** A start that has not reported ready after this long counts as failed (default 30 s). */
  readyTimeoutMs?: number;
  /** How sandboxes are started (default: this host's backend). */
  spawn?: (spec: SandboxSpec) => Promise<Sandbox>;
  /** Resolves when a started sandbox can take its command (default: its ready(), within readyTimeoutMs). */
  waitReady?: (sb: Sandbox, timeoutMs: number) => Promise<void>;
  /** Recent samples kept for the percentiles (default 1024). */
  sampleWindow?: number;
}

export interface AcquireOptions {
  /** Abort to stop waiting (the acquire() promise rejects with the abort reason). */
  signal?: AbortSignal;
  /** Give up waiting after this long (SandboxError "timeout"). */
  timeoutMs?: number;
}

export type PoolState = 'running' | 'draining' | 'closed';

export interface PoolStats {
  name: string;
  state: PoolState;
  /** Warm sandboxes waiting to be acquired. */
  idle: number;
  /** Sandboxes handed out (or registered) and still alive. */
  active: number;
  /** acquire() calls waiting for a sandbox. */
  queued: number;
  /** Sandboxes being started now. */
  spawning: number;
  spawned_total: number;
  destroyed_total: number;
  /** Sandboxes that failed to start, or died while idle. */
  failures: number;
  /** Idle sandboxes destroyed for reaching maxAgeMs. */
  evicted_total: number;
  /** Milliseconds until the next start is attempted after failures (0 when not backing off). */
  backoff_ms: number;
  /** Time from starting a sandbox to its supervisor being ready. */
  spawn_ms: Percentiles;
  /** Time from acquire() to a sandbox being handed over (includes waiting when none was idle). */
  acquire_ms: Percentiles;
  last_error?: string;
}

/** A sandbox handed out by a pool: use it once, then release() (or let its command exit). */
export interface PooledSandbox extends Sandbox {
  readonly pool: string;
  /** How long acquire() took for this sandbox, ms. */
  readonly acquireMs: number;
  /** Destroys the sandbox (killing anything still running in it); the pool refills in the background. */
  release(): Promise<SandboxResult>;
}

export interface PoolEvents {
  spawn: [ms: number];
  acquire: [ms: number];
  destroy: [];
  failure: [error: Error];
  evict: [];
}

interface IdleEntry {
  sb: Sandbox;
  bornAt: number;
}

interface Waiter {
  start: number;
  resolve(sb: PooledSandbox): void;
  reject(err: unknown): void;
  cleanup(): void;
}

export class SandboxPool extends EventEmitter<PoolEvents> {
  readonly name: string;
  private readonly template: PoolTemplate;
  private readonly size: number;
  private readonly maxAgeMs: number;
  private readonly maxActive: number;
  private readonly maxQueued: number;
  private readonly concurrency: number;
  private readonly backoff: { initial: number; max: number };
  private readonly failFastAfter: number;
  private readonly readyTimeoutMs: number;
  private readonly spawnFn: (spec: SandboxSpec) => Promise<Sandbox>;
  private readonly waitReady: (sb: Sandbox, timeoutMs: number) => Promise<void>;

  private readonly idle: IdleEntry[] = [];
  private readonly active = new Map<string, Sandbox>();
  private readonly queue: Waiter[] = [];
  /** Every sandbox started and not yet exited: what close() must wait for. */
  private readonly alive = new Map<string, Promise<unknown>>();
  private readonly pending = new Set<Promise<void>>();
  private spawning = 0;
  private spawned = 0;
  private destroyed = 0;
  private failures = 0;
  private evicted = 0;
  private consecutiveFailures = 0;
  private backoffUntil = 0;
  private backoffTimer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private lastError: string | undefined;
  private stateValue: PoolState = 'running';
  private readonly spawnSamples: SampleWindow;
  private readonly acquireSamples: SampleWindow;

  constructor(opts: PoolOptions) {
    super();
    if ((opts.template as SandboxSpec).command !== undefined) {
      throw new SandboxError('bad-spec', 'a pool template has no command: pooled sandboxes wait for exec()');
    }
    this.name = opts.name ?? 'default';
    this.template = opts.template;
    this.size = intAtLeast(opts.size ?? 2, 0, 'size');
    this.maxAgeMs = intAtLeast(opts.maxAgeMs ?? 600_000, 0, 'maxAgeMs');
    this.maxActive = opts.maxActive === undefined ? Infinity : intAtLeast(opts.maxActive, 1, 'maxActive');
    this.maxQueued = intAtLeast(opts.maxQueued ?? 1000, 0, 'maxQueued');
    this.concurrency = intAtLeast(opts.spawnConcurrency ?? 2, 1, 'spawnConcurrency');
    this.backoff = opts.backoffMs ?? { initial: 100, max: 30_000 };
    this.failFastAfter = intAtLeast(opts.failFastAfter ?? 3, 1, 'failFastAfter');
    this.readyTimeoutMs = intAtLeast(opts.readyTimeoutMs ?? 30_000, 1, 'readyTimeoutMs');
    this.spawnFn = opts.spawn ?? spawnDefault;
    this.waitReady = opts.waitReady ?? waitUntilWarm;
    this.spawnSamples = new SampleWindow(opts.sampleWindow ?? 1024);
    this.acquireSamples = new SampleWindow(opts.sampleWindow ?? 1024);
    if (this.maxAgeMs > 0) {
      this.sweepTimer = setInterval(() => this.sweep(), Math.min(5000, Math.max(50, Math.floor(this.maxAgeMs / 4))));
      this.sweepTimer.unref();
    }
    this.schedule();
  }

  get state(): PoolState {
    return this.stateValue;
  }

  /** Resolves once `count` (default: the target size) sandboxes are idle; rejects after failFastAfter failed starts in a row. */
  async warmup(count = this.size, timeoutMs = 120_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.idle.length < count) {
      if (this.stateValue !== 'running') throw new SandboxError('state', `pool ${this.name} is ${this.stateValue}`);
      if (this.consecutiveFailures >= this.failFastAfter) {
        throw new SandboxError('unavailable', `pool ${this.name}: sandboxes fail to start: ${this.lastError ?? 'unknown error'}`);
      }
      if (performance.now() > deadline) throw new SandboxError('unavailable', `pool ${this.name}: ${this.idle.length}/${count} sandboxes warm after ${timeoutMs} ms`);
      this.schedule(count);
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          this.off('spawn', done);
          this.off('failure', done);
          resolve();
        };
        const t = setTimeout(done, 100);
        this.on('spawn', done);
        this.on('failure', done);
      });
    }
  }

  /** A ready sandbox: an idle one at once, else the next one started (waiting in FIFO order). */
  acquire(opts: AcquireOptions = {}): Promise<PooledSandbox> {
    const start = performance.now();
    if (this.stateValue !== 'running') return Promise.reject(new SandboxError('state', `pool ${this.name} is ${this.stateValue}`));
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
    if (this.queue.length === 0 && this.active.size < this.maxActive) {
      const sb = this.takeIdle();
      if (sb) {
        const leased = this.activate(sb, start);
        // Starting the replacement does tens of milliseconds of synchronous work (compiling the filter,
        // cgroups, fork); do it after the caller has its sandbox, not inside acquire().
        this.scheduleSoon();
        return Promise.resolve(leased);
      }
    }
    if (this.queue.length >= this.maxQueued) {
      return Promise.reject(new SandboxError('unavailable', `pool ${this.name}: ${this.queue.length} acquire() calls already waiting`));
    }
    return new Promise<PooledSandbox>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        start,
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
        },
      };
      const giveUp = (err: unknown): void => {
        const i = this.queue.indexOf(waiter);
        if (i < 0) return;
        this.queue.splice(i, 1);
        waiter.cleanup();
        reject(err);
      };
      const onAbort = (): void => giveUp(opts.signal!.reason);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => giveUp(new SandboxError('unavailable', `pool ${this.name}: no sandbox within ${opts.timeoutMs} ms`)), opts.timeoutMs);
      }
      this.queue.push(waiter);
      this.schedule();
    });
  }

  /**
   * Counts a sandbox started outside the pool (e.g. one with extra binds) as active until it
   * exits, so stats() and close() cover it.
   */
  register(sb: Sandbox): void {
    if (this.active.has(sb.id)) return;
    this.active.set(sb.id, sb);
    this.track(sb, false);
  }

  /** Stops counting a registered sandbox (it stays alive; the caller owns it again). */
  unregister(id: string): boolean {
    const removed = this.active.delete(id);
    if (removed) {
      this.alive.delete(id);
      this.pump();
      this.schedule();
    }
    return removed;
  }

  stats(): PoolStats {
    return {
      name: this.name,
      state: this.stateValue,
      idle: this.idle.length,
      active: this.active.size,
      queued: this.queue.length,
      spawning: this.spawning,
      spawned_total: this.spawned,
      destroyed_total: this.destroyed,
      failures: this.failures,
      evicted_total: this.evicted,
      backoff_ms: Math.max(0, Math.round(this.backoffUntil - performance.now())),
      spawn_ms: this.spawnSamples.percentiles(),
      acquire_ms: this.acquireSamples.percentiles(),
      ...(this.lastError !== undefined ? { last_error: this.lastError } : {}),
    };
  }

  /** Graceful: stop refilling, fail waiting acquire() calls, destroy idle sandboxes, wait for active ones to be released. */
  async drain(): Promise<void> {
    await this.shutdown(false);
  }

  /** Immediate: like drain() but destroys active sandboxes too. Resolves when every sandbox process is gone. */
  async close(): Promise<void> {
    await this.shutdown(true);
  }

  private async shutdown(force: boolean): Promise<void> {
    if (this.stateValue === 'running') this.stateValue = 'draining';
    clearInterval(this.sweepTimer);
    clearTimeout(this.backoffTimer);
    if (this.soon) clearImmediate(this.soon);
    const err = new SandboxError('state', `pool ${this.name} is closing`);
    for (const w of this.queue.splice(0)) {
      w.cleanup();
      w.reject(err);
    }
    for (const e of this.idle.splice(0)) void e.sb.destroy();
    if (force) for (const sb of this.active.values()) void sb.destroy();
    // Starts in flight finish first (and are destroyed, the pool being closed), then everything alive exits.
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    while (this.alive.size > 0) await Promise.allSettled([...this.alive.values()]);
    this.stateValue = 'closed';
  }

  private scheduleSoon(): void {
    this.soon ??= setImmediate(() => {
      this.soon = undefined;
      this.schedule();
    });
  }

  /** Starts sandboxes until idle + starting covers the target size and the servable waiters. */
  private schedule(target = this.size): void {
    if (this.stateValue !== 'running') return;
    const now = performance.now();
    if (now < this.backoffUntil) {
      if (!this.backoffTimer) {
        this.backoffTimer = setTimeout(() => {
          this.backoffTimer = undefined;
          this.schedule();
        }, this.backoffUntil - now);
        this.backoffTimer.unref();
      }
      return;
    }
    const servable = Math.max(0, Math.min(this.queue.length, this.maxActive - this.active.size));
    let need = Math.max(target, this.size) + servable - this.idle.length - this.spawning;
    while (need > 0 && this.spawning < this.concurrency) {
      need--;
      const p = this.spawnOne();
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    }
  }

  private async spawnOne(): Promise<void> {
    this.spawning++;
    const t0 = performance.now();
    let sb: Sandbox | undefined;
    try {
      sb = await this.spawnFn({ stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', ...this.template });
      await this.waitReady(sb, this.readyTimeoutMs);
      const ms = performance.now() - t0;
      this.spawned++;
      this.consecutiveFailures = 0;
      this.spawnSamples.add(ms);
      this.track(sb, true);
      this.emit('spawn', ms);
      if (this.stateValue !== 'running') void sb.destroy();
      else this.deliver(sb);
    } catch (err) {
      if (sb) await sb.destroy().catch(() => undefined);
      this.failed(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.spawning--;
      this.schedule();
    }
  }

  private failed(err: Error): void {
    this.failures++;
    this.consecutiveFailures++;
    this.lastError = err.message;
    const delay = Math.min(this.backoff.max, this.backoff.initial * 2 ** (this.consecutiveFailures - 1));
    this.backoffUntil = performance.now() + delay;
    if (this.consecutiveFailures >= this.failFastAfter) {
      const e = new SandboxError('unavailable', `pool ${this.name}: sandboxes fail to start: ${err.message}`);
      for (const w of this.queue.splice(0)) {
        w.cleanup();
        w.reject(e);
      }
    }
    this.emit('failure', err);
  }

  /** Books a started sandbox until its process exits: destroyed_total, idle/active removal, refill. */
  private track(sb: Sandbox, counted: boolean): void {
    const done = sb.wait().then(
      () => this.exited(sb, counted),
      () => this.exited(sb, counted),
    );
    this.alive.set(sb.id, done);
  }

  private exited(sb: Sandbox, counted: boolean): void {
    if (!this.alive.delete(sb.id) && !counted) return;
    if (counted) {
      this.destroyed++;
      this.emit('destroy');
    }
    const i = this.idle.findIndex((e) => e.sb === sb);
    if (i >= 0) {
      // An idle sandbox should only exit when we destroy it, and then it has left the list first.
      this.idle.splice(i, 1);
      this.failed(new Error(`idle sandbox ${sb.id} exited on its own`));
    }
    this.active.delete(sb.id);
    this.pump();
    this.schedule();
  }

  private deliver(sb: Sandbox): void {
    this.idle.push({ sb, bornAt: performance.now() });
    this.pump();
  }

  /** Hands idle sandboxes to waiters, oldest waiter first. */
  private pump(): void {
    while (this.queue.length > 0 && this.active.size < this.maxActive) {
      const sb = this.takeIdle();
      if (!sb) return;
      const w = this.queue.shift()!;
      w.cleanup();
      w.resolve(this.activate(sb, w.start));
    }
  }

  /** Oldest live idle sandbox (oldest first keeps ages low and max-age evictions rare). */
  private takeIdle(): Sandbox | undefined {
    while (this.idle.length > 0) {
      const e = this.idle.shift()!;
      if (e.sb.state === 'warm') return e.sb;
    }
    return undefined;
  }

  private activate(sb: Sandbox, start: number): PooledSandbox {
    const ms = performance.now() - start;
    this.acquireSamples.add(ms);
    this.active.set(sb.id, sb);
    this.emit('acquire', ms);
    return leased(sb, this.name, ms);
  }

  private sweep(): void {
    if (this.stateValue !== 'running') return;
    const cutoff = performance.now() - this.maxAgeMs;
    let n = 0;
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const e = this.idle[i]!;
      if (e.bornAt <= cutoff) {
        this.idle.splice(i, 1);
        this.evicted++;
        n++;
        this.emit('evict');
        void e.sb.destroy();
      }
    }
    if (n > 0) this.schedule();
  }
}

function intAtLeast(v: number, min: number, name: string): number {
  if (!Number.isInteger(v) || v < min) throw new SandboxError('bad-spec', `pool ${name} must be an integer ≥ ${min}, got ${v}`);
  return v;
}

/** The handed-out view of a pooled sandbox: the same sandbox plus release(). */
function leased(sb: Sandbox, pool: string, acquireMs: number): PooledSandbox {
  return {
    pool,
    acquireMs,
    get id() {
      return sb.id;
    },
    get pid() {
      return sb.pid;
    },
    get state() {
      return sb.state;
    },
    stdin: sb.stdin,
    stdout: sb.stdout,
    stderr: sb.stderr,
    ready: () => sb.ready(),
    exec: (command: readonly string[], options?: ExecOptions) => sb.exec(command, options),
    wait: () => sb.wait(),
    stats: (): Promise<SandboxStats> => sb.stats(),
    destroy: () => sb.destroy(),
    release: () => sb.destroy(),
  };
}
