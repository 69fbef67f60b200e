/**
 * The embedded job service: SQLite store + in-process workers. One process owns the store and
 * is the single authority over job state, so cancel, retry and finish are plain compare-and-
 * set transitions on the store; every job ends with exactly one stored result.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { applyAudit, clampLimit, decodeCursor, encodeCursor } from './common.js';
import { IllegalTransitionError, JobError, JobNotFoundError } from './errors.js';
import { JobExecutor, type AttemptOutcome } from './exec/executor.js';
import { createJobMetrics, type JobMetrics } from './exec/metrics.js';
import { retryDelayMs, routingMismatch, workerProfile, type WorkerProfile } from './exec/routing.js';
import { defaultHandlerRegistry, type HandlerRegistry } from './handlers/registry.js';
import type { ProgressUpdate } from './handlers/types.js';
import { PROTOCOL_VERSION, type JobDocument, type JobResult, type ProgressEvent, type WorkerInfo } from './protocol/schema.js';
import { parseJobDocument } from './protocol/validate.js';
import type { SandboxInfo } from './sandbox/run-handler.js';
import type {
  CapabilitiesInfo,
  HealthInfo,
  JobService,
  JobStreamEvent,
  JobView,
  ListPage,
  ListQuery,
  SubmitContext,
  SubmitOutcome,
} from './service-types.js';
import { isTerminal, type JobState } from './state.js';
import { progressInit, recordToView, syntheticResult, type JobRecord } from './record.js';
import { SqliteJobStore } from './store/sqlite-store.js';
import { VERSION } from '../version.js';

export interface LocalWorkerConfig {
  worker_id?: string;
  /** Pool name; default "default". */
  pool?: string;
  /** Jobs this worker runs at once; default 1. */
  concurrency?: number;
  /** Extra capabilities beyond the registry's operations. */
  capabilities?: string[];
  features?: string[];
  max_disk_size_gb?: number | null;
  /** Labels routing.affinity / anti_affinity select on. */
  labels?: Record<string, string>;
}

export interface RetryPolicy {
  /** Delay before the first retry (ms); doubles per attempt. Default 1000. */
  baseMs?: number;
  /** Cap on the delay (ms). Default 60000. */
  maxMs?: number;
}

/** When the embedded store forces a change to disk (see SqliteStoreOptions.fsync). */
export type StoreFsync = 'always' | 'batched';

export interface EmbeddedServiceOptions {
  /** An open store, or a file path (undefined: in-memory). */
  store?: SqliteJobStore | string;
  /**
   * For a store opened here from a path: 'batched' (default) writes each change before it is
   * acknowledged and fdatasyncs within 50 ms; 'always' fdatasyncs before every acknowledgement
   * (a submission's 201, a result), so a power loss loses nothing acknowledged.
   */
  fsync?: StoreFsync;
  registry?: HandlerRegistry;
  /** A number N: one worker with concurrency N (0 = API only). Or explicit worker configs. */
  workers?: number | LocalWorkerConfig[];
  metrics?: JobMetrics;
  retry?: RetryPolicy;
  /** Grace a handler gets after abort before it is killed (ms). */
  graceMs?: number;
  /** When set, images must resolve (symlinks followed) inside one of these directories. */
  imageRoots?: string[];
  /** How often queued deadlines are checked (ms); default 1000. */
  tickMs?: number;
  /** Finished jobs older than this are pruned (ms); default 7 days. */
  retentionMs?: number;
}

interface RunningJob {
  abort: AbortController;
  done: Promise<void>;
  sandbox?: SandboxInfo;
}

interface LocalWorker {
  profile: WorkerProfile;
  concurrency: number;
  executor: JobExecutor;
  running: Map<string, RunningJob>;
  registeredAt: string;
}

export class EmbeddedJobService implements JobService {
  readonly backend = 'embedded' as const;
  readonly metrics: JobMetrics;
  private readonly registry: HandlerRegistry;
  private readonly emitter = new EventEmitter();
  private readonly localWorkers: LocalWorker[] = [];
  private readonly retry: Required<RetryPolicy>;
  private pumping = false;
  private pumpAgain = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private tick: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly removeActiveSource: () => void;

  private constructor(
    readonly store: SqliteJobStore,
    private readonly ownsStore: boolean,
    opts: EmbeddedServiceOptions,
  ) {
    this.emitter.setMaxListeners(0);
    this.metrics = opts.metrics ?? createJobMetrics();
    this.registry = opts.registry ?? defaultHandlerRegistry();
    this.retry = { baseMs: opts.retry?.baseMs ?? 1000, maxMs: opts.retry?.maxMs ?? 60_000 };
    const cache = store.resultCache();
    const configs = typeof opts.workers === 'number' || opts.workers === undefined ? (opts.workers === 0 ? [] : [{ concurrency: opts.workers ?? 1 }]) : opts.workers;
    configs.forEach((c, i) => {
      const workerId = c.worker_id ?? `${hostname()}-${process.pid}-local${configs.length > 1 ? `-${i + 1}` : ''}`;
      const profile = workerProfile(this.registry, { ...c, workerId, maxDiskSizeGb: c.max_disk_size_gb }, `workers.${i}.labels`);
      const concurrency = c.concurrency ?? 1;
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new JobError('VALIDATION_ERROR', `worker concurrency must be a positive integer, got ${concurrency}`);
      this.localWorkers.push({
        profile,
        concurrency,
        executor: new JobExecutor({
          workerId: profile.worker_id,
          registry: this.registry,
          metrics: this.metrics,
          cache,
          graceMs: opts.graceMs,
          imageRoots: opts.imageRoots,
          maxDiskSizeGb: profile.max_disk_size_gb,
        }),
        running: new Map(),
        registeredAt: new Date().toISOString(),
      });
    });
    this.removeActiveSource = this.metrics.addActiveJobsSource(() => this.localWorkers.reduce((n, w) => n + w.running.size, 0));
    this.metrics.setQueueDepthSource(() => this.store.countByState('queued'));

    // Whatever was running when the previous process died runs again.
    for (const r of this.store.requeueOrphans()) this.emitStatus(r);
    this.store.prune(Date.now() - (opts.retentionMs ?? 7 * 86_400_000));
    this.tick = setInterval(() => this.onTick(), opts.tickMs ?? 1000);
    this.tick.unref();
    queueMicrotask(() => this.pump());
  }

  static async create(opts: EmbeddedServiceOptions = {}): Promise<EmbeddedJobService> {
    const owns = !(opts.store instanceof SqliteJobStore);
    if (!owns && opts.fsync !== undefined && opts.fsync !== (opts.store as SqliteJobStore).fsync) {
      throw new TypeError(`fsync '${opts.fsync}' does not match the open store's '${(opts.store as SqliteJobStore).fsync}'`);
    }
    const store = opts.store instanceof SqliteJobStore ? opts.store : await SqliteJobStore.open({ path: opts.store, ...(opts.fsync ? { fsync: opts.fsync } : {}) });
    try {
      return new EmbeddedJobService(store, owns, opts);
    } catch (err) {
      if (owns) store.close();
      throw err;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // API

  async submit(document: unknown, ctx?: SubmitContext): Promise<SubmitOutcome> {
    this.assertOpen();
    const doc = applyAudit(parseJobDocument(document), ctx);
    this.assertSupported(doc);
    // The store has logged the job to its file before returning: acknowledged means queued.
    const out = this.store.submit(doc);
    if (out.status === 'existing') {
      return { status: 'existing', job: recordToView(out.record, false), result: out.record.result ?? undefined };
    }
    this.emitStatus(out.record);
    this.pump();
    return { status: 'created', job: recordToView(out.record, true) };
  }

  async get(jobId: string): Promise<JobView | undefined> {
    const r = this.store.get(jobId);
    return r ? recordToView(r, true) : undefined;
  }

  async list(q: ListQuery = {}): Promise<ListPage> {
    const limit = clampLimit(q.limit);
    const rows = this.store.list({ status: q.status, operation: q.operation, limit: limit + 1, before: decodeCursor(q.cursor) });
    const page = rows.slice(0, limit);
    const next = rows.length > limit ? encodeCursor(page[page.length - 1]!.seq) : null;
    return { items: page.map((r) => recordToView(r, false)), next_cursor: next };
  }

  async result(jobId: string): Promise<JobResult | undefined> {
    const r = this.store.get(jobId);
    if (!r) throw new JobNotFoundError(jobId);
    return r.result ?? undefined;
  }

  async cancel(jobId: string, reason = 'cancelled by request'): Promise<JobView> {
    const r = this.store.get(jobId);
    if (!r) throw new JobNotFoundError(jobId);
    if (isTerminal(r.state)) throw new IllegalTransitionError(jobId, r.state, 'cancelled');
    if (!r.document.execution.cancellable) {
      throw new JobError('NOT_CANCELLABLE', `job ${jobId} is not cancellable (execution.cancellable = false)`, { phase: 'submission' });
    }
    const now = Date.now();
    const result = syntheticResult(r, 'cancelled', new JobError('CANCELLED', reason, { phase: r.state === 'running' ? 'execution' : 'queue' }), now);
    const running = this.findRunning(jobId);
    const done = this.finish(r, result);
    if (running) {
      running.abort.abort(new JobError('CANCELLED', reason));
      // Answer once the work is really gone (thread terminated / process killed).
      await Promise.race([running.done, new Promise((res) => setTimeout(res, 10_000).unref())]);
    }
    return recordToView(done ?? this.store.get(jobId)!, true);
  }

  async events(jobId: string, afterSequence = 0): Promise<ProgressEvent[]> {
    if (!this.store.get(jobId)) throw new JobNotFoundError(jobId);
    return this.store.events(jobId, afterSequence);
  }

  subscribe(jobId: string, listener: (e: JobStreamEvent) => void): () => void {
    this.emitter.on(jobId, listener);
    return () => this.emitter.off(jobId, listener);
  }

  async workers(): Promise<WorkerInfo[]> {
    const now = new Date().toISOString();
    return this.localWorkers.map((w) => ({
      worker_id: w.profile.worker_id,
      version: w.profile.version,
      hostname: hostname(),
      pid: process.pid,
      pool: w.profile.pool,
      transport: 'embedded' as const,
      registered_at: w.registeredAt,
      last_heartbeat: now,
      capabilities: { operations: this.registry.operations(), payload_types: this.registry.payloadTypes(), features: [...w.profile.features] },
      resources: { max_concurrent_jobs: w.concurrency, max_disk_size_gb: w.profile.max_disk_size_gb },
      labels: { ...w.profile.labels },
      status: { state: w.running.size >= w.concurrency ? 'busy' : 'ready', current_jobs: w.running.size },
    }));
  }

  async capabilities(): Promise<CapabilitiesInfo> {
    return {
      protocol_version: PROTOCOL_VERSION,
      worker_version: VERSION,
      operations: this.registry.operations(),
      payload_types: this.registry.payloadTypes(),
      capabilities: [...new Set(this.localWorkers.flatMap((w) => w.profile.capabilities))].sort(),
      features: [...new Set(this.localWorkers.flatMap((w) => w.profile.features))].sort(),
      pools: [...new Set(this.localWorkers.map((w) => w.profile.pool))].sort(),
    };
  }

  async health(): Promise<HealthInfo> {
    return {
      ok: !this.closed,
      backend: 'embedded',
      details: { store: this.store.path ?? ':memory:', fsync: this.store.fsync, workers: this.localWorkers.length, queued: this.store.countByState('queued') },
    };
  }

  async queueDepth(): Promise<number> {
    return this.store.countByState('queued');
  }

  /** Stops the workers (running jobs are killed and stay "running" in the store, so they re-run on next start). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.tick);
    clearTimeout(this.wakeTimer);
    const running = this.localWorkers.flatMap((w) => [...w.running.values()]);
    for (const r of running) r.abort.abort(new JobError('CANCELLED', 'service shutting down'));
    await Promise.allSettled(running.map((r) => r.done));
    this.removeActiveSource();
    this.emitter.removeAllListeners();
    if (this.ownsStore) this.store.close();
    else this.store.flush();
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduling

  private pump(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        for (const w of this.localWorkers) {
          while (w.running.size < w.concurrency) {
            const rec = this.store.claimNext(w.profile.worker_id, (doc) => routingMismatch(doc, w.profile) === undefined);
            if (!rec) break;
            this.start(w, rec);
          }
        }
      } while (this.pumpAgain && !this.closed);
    } finally {
      this.pumping = false;
    }
    this.armWake();
  }

  private start(w: LocalWorker, assigned: JobRecord): void {
    this.emitStatus(assigned);
    const rec = this.store.transition(assigned.job_id, 'running', { started_at: Date.now() });
    this.emitStatus(rec);
    const abort = new AbortController();
    const entry: RunningJob = { abort, done: Promise.resolve() };
    w.running.set(rec.job_id, entry);
    entry.done = w.executor
      .run({
        job: rec.document,
        attempt: rec.attempt,
        signal: abort.signal,
        onProgress: (u) => this.recordProgress(rec.job_id, u),
        onSpawn: (info) => (entry.sandbox = info),
      })
      .then(
        (outcome) => this.complete(rec, outcome),
        (err: unknown) => this.complete(rec, crashOutcome(rec, w.profile.worker_id, err)),
      )
      .finally(() => {
        w.running.delete(rec.job_id);
        this.pump();
      });
  }

  private complete(rec: JobRecord, outcome: AttemptOutcome): void {
    if (this.closed) return; // shutting down: the job stays running and re-runs on restart
    const cur = this.store.get(rec.job_id);
    if (!cur || cur.state !== 'running') return; // cancelled (or otherwise finished) meanwhile
    const op = rec.operation;
    if (outcome.retry) {
      const delay = retryDelayMs(rec.attempt, this.retry.baseMs, this.retry.maxMs);
      const q = this.store.transition(rec.job_id, 'queued', {
        attempt: rec.attempt + 1,
        not_before: Date.now() + delay,
        worker_id: null,
        error: outcome.result.error ? (outcome.result.error as JobRecord['error']) : null,
      });
      this.metrics.jobsTotal.inc({ operation: op, status: 'retried' });
      this.recordProgress(rec.job_id, {
        phase: 'retry',
        message: `attempt ${rec.attempt} failed (${outcome.result.error?.code}); retry ${rec.attempt + 1}/${rec.document.execution.max_attempts} in ${delay} ms`,
        details: { attempt: rec.attempt, delay_ms: delay, error: outcome.result.error },
      });
      this.emitStatus(q);
      return;
    }
    this.finish(cur, outcome.result);
  }

  /** Stores the final result (first one wins), updates metrics and notifies listeners. */
  private finish(rec: JobRecord, result: JobResult): JobRecord | undefined {
    const done = this.store.finish(rec.job_id, result);
    if (!done) return undefined;
    this.metrics.jobsTotal.inc({ operation: rec.operation, status: result.status });
    this.metrics.jobDuration.observe({ operation: rec.operation, status: result.status }, result.execution_summary.duration_seconds);
    this.emitStatus(done);
    this.emitter.emit(rec.job_id, { type: 'result', job_id: rec.job_id, result } satisfies JobStreamEvent);
    return done;
  }

  private onTick(): void {
    const now = Date.now();
    for (const r of this.store.expiredQueued(now)) {
      this.finish(r, syntheticResult(r, 'timeout', new JobError('TIMEOUT', `deadline ${r.document.execution.deadline} passed while queued`, { phase: 'queue' }), now));
    }
    this.pump();
  }

  /** Arms a timer for the earliest retry backoff that is not due yet. */
  private armWake(): void {
    const due = this.store.nextDueAt();
    if (due === undefined || this.closed) return;
    if (this.wakeTimer && due >= this.wakeAt) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = due;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeAt = Infinity;
      this.pump();
    }, Math.max(0, due - Date.now()) + 1);
    this.wakeTimer.unref();
  }

  // ---------------------------------------------------------------------------------------------

  private recordProgress(jobId: string, u: ProgressUpdate): void {
    if (this.closed) return;
    const ev = this.store.appendEvent(jobId, progressInit(u));
    this.emitter.emit(jobId, { type: 'progress', job_id: jobId, event: ev } satisfies JobStreamEvent);
  }

  private emitStatus(r: JobRecord): void {
    this.emitter.emit(r.job_id, {
      type: 'status',
      job_id: r.job_id,
      status: r.state,
      attempt: r.attempt,
      timestamp: new Date(r.updated_at).toISOString(),
      error: r.error,
    } satisfies JobStreamEvent);
  }

  private findRunning(jobId: string): RunningJob | undefined {
    for (const w of this.localWorkers) {
      const r = w.running.get(jobId);
      if (r) return r;
    }
    return undefined;
  }

  /** Rejects operations no local worker can run (API-only servers accept anything registered). */
  private assertSupported(doc: JobDocument): void {
    this.registry.resolve(doc.operation, doc.payload.type);
  }

  private assertOpen(): void {
    if (this.closed) throw new JobError('UNAVAILABLE', 'job service is shut down');
  }

  /** Live sandboxes of running jobs (job id -> thread/process), for diagnostics and tests. */
  runningSandboxes(): Map<string, SandboxInfo | undefined> {
    const m = new Map<string, SandboxInfo | undefined>();
    for (const w of this.localWorkers) for (const [id, r] of w.running) m.set(id, r.sandbox);
    return m;
  }

  /** Test/diagnostic view of the state of one job. */
  state(jobId: string): JobState | undefined {
    return this.store.get(jobId)?.state;
  }
}

function crashOutcome(rec: JobRecord, workerId: string, err: unknown): AttemptOutcome {
  const e = new JobError('INTERNAL_ERROR', `executor failed: ${(err as Error)?.message ?? String(err)}`);
  return { retry: false, cache: 'none', result: { ...syntheticResult({ ...rec, worker_id: workerId }, 'failed', e, Date.now()) } };
}
