/**
 * A worker that takes jobs from Redis (BullMQ) and runs them through the executor.
 *
 * BullMQ gives at-least-once delivery: a worker that dies mid-job (even SIGKILL) stops renewing
 * the job's lock, another worker's stalled check puts the job back, and someone runs it again.
 * The job hash's FINALIZE script then keeps exactly one final result per job; START and REQUEUE
 * are fenced by the run's BullMQ lock (store.ts), so a run that lost its lock cannot take the
 * job back from the run that has it.
 * Routing: a job this worker must not take (pool, pinned worker, capabilities, version, disk
 * size) is put back as delayed for a short while so another worker can pick it up.
 */
import { hostname } from 'node:os';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { sleep } from '../common.js';
import { JobError } from '../errors.js';
import { JobExecutor, timeLimitMs } from '../exec/executor.js';
import { createJobMetrics, type JobMetrics } from '../exec/metrics.js';
import { retryDelayMs, routingMismatch, workerProfile, type WorkerProfile } from '../exec/routing.js';
import { defaultHandlerRegistry, type HandlerRegistry } from '../handlers/registry.js';
import type { JobResult, WorkerInfo } from '../protocol/schema.js';
import { progressInit, syntheticResult, type JobRecord } from '../record.js';
import { isTerminal } from '../state.js';
import { ulid } from '../ulid.js';
import { VERSION } from '../../version.js';
import { bullLockKey, connectRedis, QUEUE_NAME, waitReady, type RedisTarget } from './connection.js';
import { repairUnenqueued } from './repair.js';
import { RedisJobStore, type RunFence } from './store.js';

export interface RedisWorkerOptions {
  redis: RedisTarget;
  /** Key prefix shared with the server; default "guestguard". */
  prefix?: string;
  /** Jobs run at once by this worker; default 1. */
  concurrency?: number;
  /** Pool name; default "default". */
  pool?: string;
  workerId?: string;
  registry?: HandlerRegistry;
  metrics?: JobMetrics;
  capabilities?: string[];
  features?: string[];
  maxDiskSizeGb?: number | null;
  /** Labels routing.affinity / anti_affinity select on. */
  labels?: Record<string, string>;
  /** Retry backoff (first delay, cap), ms. */
  retry?: { baseMs?: number; maxMs?: number };
  /** BullMQ lock: a worker silent this long is considered dead and its jobs re-run. Default 30 s. */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for; default lockDuration / 2. */
  stalledIntervalMs?: number;
  /**
   * How often a job may be recovered from a stalled run before it fails; default 5. It fails only
   * once no live worker is still running it (see failLost).
   */
  maxStalledCount?: number;
  /** Delay before a job this worker cannot take is offered again; default 500 ms. */
  deferMs?: number;
  heartbeatMs?: number;
  graceMs?: number;
  /** When set, images must resolve (symlinks followed) inside one of these directories. */
  imageRoots?: string[];
  logger?: Logger;
}

interface Running {
  abort: AbortController;
}

export class RedisWorker {
  readonly workerId: string;
  readonly metrics: JobMetrics;
  readonly profile: WorkerProfile;
  private readonly store: RedisJobStore;
  private readonly sub: Redis;
  private readonly executor: JobExecutor;
  private readonly registry: HandlerRegistry;
  private worker: Worker | undefined;
  private bullConnection: Redis | undefined;
  private readonly running = new Map<string, Running>();
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly registeredAt = new Date().toISOString();
  private readonly retry: { baseMs: number; maxMs: number };
  private closing = false;
  private abandoned = false;
  /** Aborted by close(): ends the waits of failLost. */
  private readonly stopping = new AbortController();
  private readonly losing = new Set<Promise<void>>();
  private readonly removeActive: () => void;

  constructor(private readonly opts: RedisWorkerOptions) {
    this.workerId = opts.workerId ?? `${hostname()}-${process.pid}-${ulid().slice(-6).toLowerCase()}`;
    this.metrics = opts.metrics ?? createJobMetrics();
    this.registry = opts.registry ?? defaultHandlerRegistry();
    this.retry = { baseMs: opts.retry?.baseMs ?? 1000, maxMs: opts.retry?.maxMs ?? 60_000 };
    const conn = connectRedis(opts.redis, `guestguard-worker:${this.workerId}`);
    conn.on('error', (err) => opts.logger?.warn({ err }, 'redis connection error'));
    this.store = new RedisJobStore(conn, { prefix: opts.prefix });
    this.sub = conn.duplicate();
    this.sub.on('error', (err) => opts.logger?.warn({ err }, 'redis subscriber error'));
    this.profile = workerProfile(this.registry, { ...opts, workerId: this.workerId });
    this.executor = new JobExecutor({
      workerId: this.workerId,
      registry: this.registry,
      metrics: this.metrics,
      cache: this.store.resultCache(),
      graceMs: opts.graceMs,
      imageRoots: opts.imageRoots,
      maxDiskSizeGb: this.profile.max_disk_size_gb,
    });
    this.removeActive = this.metrics.addActiveJobsSource(() => this.running.size);
  }

  get concurrency(): number {
    return this.opts.concurrency ?? 1;
  }

  get activeJobs(): number {
    return this.running.size;
  }

  async start(): Promise<this> {
    await waitReady(this.store.redis);
    await this.repair();
    // Cancels arrive on a channel: whoever runs the job kills its sandbox.
    await this.sub.subscribe(this.store.cancelChannel);
    this.sub.on('message', (_ch: string, jobId: string) => this.running.get(jobId)?.abort.abort(new JobError('CANCELLED', 'job cancelled')));
    const lock = this.opts.lockDurationMs ?? 30_000;
    // BullMQ never closes a connection it was handed: keep it to close ourselves.
    this.bullConnection = this.store.redis.duplicate();
    this.worker = new Worker(QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: this.bullConnection,
      prefix: this.store.prefix,
      concurrency: this.concurrency,
      lockDuration: lock,
      stalledInterval: this.opts.stalledIntervalMs ?? Math.max(500, Math.floor(lock / 2)),
      maxStalledCount: this.opts.maxStalledCount ?? 5,
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 1000 },
      name: this.workerId,
      settings: {
        // The processor computes the delay (and records it); BullMQ only applies it.
        backoffStrategy: (_attempts: number, _type?: string, err?: Error) => (err as Error & { retryDelayMs?: number })?.retryDelayMs ?? this.retry.baseMs,
      },
    });
    this.worker.on('error', (err) => this.opts.logger?.warn({ err }, 'bullmq worker error'));
    // A job that stalled too often is failed by BullMQ: give it its one final result.
    this.worker.on('failed', (job, err) => {
      if (!job || !/stalled/i.test(err.message)) return;
      const p = this.failLost(job.data.job_id as string, err.message).catch(() => {});
      this.losing.add(p);
      void p.finally(() => this.losing.delete(p));
    });
    await this.sendHeartbeat();
    this.heartbeat = setInterval(() => void this.sendHeartbeat().catch(() => {}), this.opts.heartbeatMs ?? 5000);
    this.heartbeat.unref();
    this.opts.logger?.info({ worker_id: this.workerId, pool: this.profile.pool, concurrency: this.concurrency }, 'worker started');
    return this;
  }

  /** Enqueues jobs a crashed submitter recorded but never queued (see repair.ts). */
  private async repair(): Promise<void> {
    const conn = this.store.redis.duplicate();
    const queue = new Queue(QUEUE_NAME, { connection: conn, prefix: this.store.prefix });
    try {
      await repairUnenqueued(this.store, queue, this.opts.logger);
    } finally {
      await queue.close().catch(() => {});
      conn.disconnect();
    }
  }

  info(): WorkerInfo {
    const now = new Date().toISOString();
    return {
      worker_id: this.workerId,
      version: VERSION,
      hostname: hostname(),
      pid: process.pid,
      pool: this.profile.pool,
      transport: 'redis',
      registered_at: this.registeredAt,
      last_heartbeat: now,
      capabilities: { operations: this.registry.operations(), payload_types: this.registry.payloadTypes(), features: [...this.profile.features] },
      resources: { max_concurrent_jobs: this.concurrency, max_disk_size_gb: this.profile.max_disk_size_gb },
      labels: { ...this.profile.labels },
      status: { state: this.closing ? 'draining' : this.running.size >= this.concurrency ? 'busy' : 'ready', current_jobs: this.running.size },
    };
  }

  private async sendHeartbeat(): Promise<void> {
    await this.store.heartbeat(this.info());
  }

  private async process(bjob: Job, token?: string): Promise<string> {
    const jobId = String(bjob.data?.job_id ?? bjob.id?.replace(/^gg\./, ''));
    const rec = await this.store.get(jobId);
    if (!rec) return 'missing'; // expired or deleted: nothing to do
    if (['completed', 'failed', 'timeout', 'cancelled'].includes(rec.state)) return `already ${rec.state}`;
    const deadline = rec.document.execution.deadline;
    if (deadline != null && Date.parse(deadline) <= Date.now()) {
      // Whoever sees it first ends it, even a worker that could not have run it.
      const res = syntheticResult(rec, 'timeout', new JobError('TIMEOUT', `deadline ${deadline} passed while queued`, { phase: 'queue' }), Date.now());
      await this.finish(jobId, rec.operation, res);
      return 'timeout';
    }
    const why = routingMismatch(rec.document, this.profile);
    if (why !== undefined) {
      // Not for us: offer it again shortly (to any worker). Spread the delay to avoid lockstep.
      const defer = this.opts.deferMs ?? 500;
      await bjob.moveToDelayed(Date.now() + defer + Math.floor(Math.random() * defer), token);
      throw new DelayedError(`deferred by ${this.workerId}: ${why}`);
    }
    const attempt = rec.document.execution.attempt + bjob.attemptsMade;
    // The run's claim on the job, checked by START and REQUEUE (a run whose lock expired has lost the job).
    const fence: RunFence | undefined = bjob.id !== undefined && token !== undefined ? { lockKey: bullLockKey(this.store.prefix, bjob.id), token } : undefined;
    const started = await this.store.start(jobId, this.workerId, attempt, { fence });
    if (!started.ok) return `not started: ${started.status}`;
    // Pipelined on one connection: subscribers still see assigned before running.
    await Promise.all([started.from === 'queued' ? this.store.publishStatus(jobId, 'assigned', attempt) : undefined, this.store.publishStatus(jobId, 'running', attempt)]);

    const abort = new AbortController();
    const run: Running = { abort };
    this.running.set(jobId, run);
    try {
      const outcome = await this.executor.run({
        job: rec.document,
        attempt,
        signal: abort.signal,
        onProgress: (u) => void this.store.appendEvent(jobId, progressInit(u)).catch(() => {}),
      });
      // Forced shutdown killed the work: leave the job to BullMQ's stalled check (re-run elsewhere).
      if (this.abandoned) return 'abandoned';
      const lastBullAttempt = bjob.attemptsMade + 1 >= (bjob.opts.attempts ?? 1);
      if (outcome.retry && !lastBullAttempt && !this.closing) {
        const delay = retryDelayMs(attempt, this.retry.baseMs, this.retry.maxMs);
        if (await this.store.requeue(jobId, this.workerId, attempt + 1, Date.now() + delay, outcome.result.error as never, { fence })) {
          this.metrics.jobsTotal.inc({ operation: rec.operation, status: 'retried' });
          await this.store.appendEvent(jobId, progressInit({
            phase: 'retry',
            message: `attempt ${attempt} failed (${outcome.result.error?.code}); retry ${attempt + 1}/${rec.document.execution.max_attempts} in ${delay} ms`,
            details: { attempt, delay_ms: delay },
          }));
          await this.store.publishStatus(jobId, 'queued', attempt + 1, outcome.result.error as never);
          const err = new Error(outcome.result.error?.message ?? 'retry') as Error & { retryDelayMs?: number };
          err.retryDelayMs = delay;
          throw err;
        }
        return 'not requeued (job changed meanwhile)';
      }
      await this.finish(jobId, rec.operation, outcome.result);
      return outcome.result.status;
    } finally {
      // A stalled job can come back to this same worker while its first run still goes on.
      if (this.running.get(jobId) === run) this.running.delete(jobId);
    }
  }

  private async finish(jobId: string, operation: string, result: JobResult): Promise<void> {
    if (await this.store.finalize(jobId, result)) {
      this.metrics.jobsTotal.inc({ operation, status: result.status });
      this.metrics.jobDuration.observe({ operation, status: result.status }, result.execution_summary.duration_seconds);
      await Promise.all([
        this.store.publishStatus(jobId, result.status, result.execution_summary.attempt, result.error as never),
        this.store.publish({ type: 'result', job_id: jobId, result }),
      ]);
    }
  }

  /**
   * BullMQ failed the job for stalling more than maxStalledCount times. A stall is a run whose lock
   * was not renewed in time: its worker died (a job that keeps killing workers must end), or its
   * event loop was starved under load while the run went on. The stall limit must not overrule a
   * run that is still going: the first final result wins, so failing the job now would throw away
   * that run's result. The job is failed as lost only once the worker that last started it is gone
   * (no heartbeat within 15 s), holds no run of it (this worker), or the run is past its time limit;
   * or at once when this worker shuts down (nobody would be left to fail it).
   */
  private async failLost(jobId: string, reason: string): Promise<void> {
    let rec: JobRecord | undefined;
    for (;;) {
      rec = await this.store.get(jobId);
      if (!rec || isTerminal(rec.state)) return;
      if (this.closing || !(await this.stillRunning(rec))) break;
      await sleep(LOST_POLL_MS, this.stopping.signal);
    }
    const res = syntheticResult(rec, 'failed', new JobError('HANDLER_CRASHED', `job lost its worker too many times: ${reason}`, { phase: 'execution' }), Date.now());
    await this.finish(jobId, rec.operation, res);
  }

  /** True while the run that last started the job may still finish it. */
  private async stillRunning(rec: JobRecord): Promise<boolean> {
    if (rec.state !== 'running' || !rec.worker_id) return false;
    const started = rec.started_at ?? rec.updated_at;
    if (Date.now() > started + timeLimitMs(rec.document, started) + LOST_GRACE_MS) return false;
    if (rec.worker_id === this.workerId) return this.running.has(rec.job_id);
    return (await this.store.workers()).some((w) => w.worker_id === rec.worker_id);
  }

  /**
   * Stops taking jobs. Graceful (default): running jobs finish first. Forced: running jobs are
   * killed and left to BullMQ's stalled check, so another worker re-runs them.
   */
  async close(opts: { force?: boolean } = {}): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stopping.abort();
    clearInterval(this.heartbeat);
    if (opts.force) {
      this.abandoned = true;
      for (const r of this.running.values()) r.abort.abort(new JobError('CANCELLED', 'worker shutting down'));
    }
    await this.worker?.close(opts.force);
    await Promise.allSettled([...this.losing]);
    this.removeActive();
    await this.store.removeWorker(this.workerId).catch(() => {});
    this.bullConnection?.disconnect();
    this.sub.disconnect();
    this.store.redis.disconnect();
  }
}

/** How often failLost looks whether the run it waits for has ended. */
const LOST_POLL_MS = 1000;
/** Beyond its time limit, a run gets this long to be killed and report. */
const LOST_GRACE_MS = 30_000;
