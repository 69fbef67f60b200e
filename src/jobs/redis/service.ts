/**
 * The job API over Redis: submissions go into the job hash and the BullMQ queue; any number of
 * workers on any number of machines (`runWorker({redis})`) take them. Optionally runs
 * in-process workers too (`workers: N`).
 */
import { EventEmitter } from 'node:events';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { applyAudit, clampLimit, decodeCursor, encodeCursor } from '../common.js';
import { IllegalTransitionError, JobError, JobNotFoundError } from '../errors.js';
import { createJobMetrics, type JobMetrics } from '../exec/metrics.js';
import { defaultHandlerRegistry, type HandlerRegistry } from '../handlers/registry.js';
import { PROTOCOL_VERSION, type JobDocument, type JobResult, type ProgressEvent, type WorkerInfo } from '../protocol/schema.js';
import { payloadVersion, parseJobDocument } from '../protocol/validate.js';
import { recordToView, syntheticResult } from '../record.js';
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
} from '../service-types.js';
import { isTerminal } from '../state.js';
import { VERSION } from '../../version.js';
import { bullJobId, connectRedis, enqueueOptions, QUEUE_NAME, waitReady, type RedisTarget } from './connection.js';
import { repairUnenqueued } from './repair.js';
import { RedisJobStore } from './store.js';
import { RedisWorker, type RedisWorkerOptions } from './worker.js';

export interface RedisServiceOptions {
  redis: RedisTarget;
  prefix?: string;
  registry?: HandlerRegistry;
  metrics?: JobMetrics;
  /** In-process worker concurrency (0 = API only); default 0. */
  workers?: number;
  /** Options for the in-process worker (pool, retry, lock duration, ...). */
  worker?: Omit<RedisWorkerOptions, 'redis' | 'prefix' | 'registry' | 'metrics' | 'concurrency'>;
  retentionSeconds?: number;
  logger?: Logger;
}

export class RedisJobService implements JobService {
  readonly backend = 'redis' as const;
  readonly metrics: JobMetrics;
  private readonly store: RedisJobStore;
  private readonly sub: Redis;
  private readonly queue: Queue;
  private readonly queueConnection: Redis;
  private readonly registry: HandlerRegistry;
  private readonly emitter = new EventEmitter();
  private localWorker: RedisWorker | undefined;
  private closed = false;

  private constructor(opts: RedisServiceOptions) {
    this.emitter.setMaxListeners(0);
    this.metrics = opts.metrics ?? createJobMetrics();
    this.registry = opts.registry ?? defaultHandlerRegistry();
    const conn = connectRedis(opts.redis, 'guestguard-api');
    conn.on('error', (err) => opts.logger?.warn({ err }, 'redis connection error'));
    this.store = new RedisJobStore(conn, { prefix: opts.prefix, retentionSeconds: opts.retentionSeconds });
    this.sub = conn.duplicate();
    this.sub.on('error', (err) => opts.logger?.warn({ err }, 'redis subscriber error'));
    // BullMQ never closes a connection it was handed: keep it to close ourselves.
    this.queueConnection = conn.duplicate();
    this.queue = new Queue(QUEUE_NAME, { connection: this.queueConnection, prefix: this.store.prefix });
    this.queue.on('error', (err) => opts.logger?.warn({ err }, 'bullmq queue error'));
    this.metrics.setQueueDepthSource(() => this.queueDepth());
  }

  static async create(opts: RedisServiceOptions): Promise<RedisJobService> {
    const svc = new RedisJobService(opts);
    try {
      await waitReady(svc.store.redis);
      await repairUnenqueued(svc.store, svc.queue, opts.logger);
      await svc.sub.subscribe(svc.store.eventsChannel);
      svc.sub.on('message', (_ch: string, msg: string) => svc.dispatch(msg));
      if ((opts.workers ?? 0) > 0) {
        svc.localWorker = await new RedisWorker({
          ...(opts.worker ?? {}),
          redis: opts.redis,
          prefix: svc.store.prefix,
          registry: svc.registry,
          metrics: svc.metrics,
          concurrency: opts.workers,
          logger: opts.logger,
        }).start();
      }
      return svc;
    } catch (err) {
      await svc.close().catch(() => {});
      throw err;
    }
  }

  private dispatch(msg: string): void {
    let e: JobStreamEvent;
    try {
      e = JSON.parse(msg) as JobStreamEvent;
    } catch {
      return;
    }
    if (typeof e?.job_id === 'string') this.emitter.emit(e.job_id, e);
  }

  async submit(document: unknown, ctx?: SubmitContext): Promise<SubmitOutcome> {
    if (this.closed) throw new JobError('UNAVAILABLE', 'job service is shut down');
    const doc = applyAudit(parseJobDocument(document), ctx);
    await this.assertSupported(doc);
    const out = await this.store.submit(doc);
    if (out.status === 'existing') {
      const prev = await this.store.get(out.jobId);
      if (!prev) throw new JobError('INTERNAL_ERROR', `idempotency record points at missing job ${out.jobId}`);
      return { status: 'existing', job: recordToView(prev, false), result: prev.result ?? undefined };
    }
    try {
      await this.queue.add(doc.operation, { job_id: doc.job_id }, enqueueOptions(doc));
    } catch (err) {
      const rec = await this.store.get(doc.job_id);
      if (rec) await this.store.finalize(doc.job_id, syntheticResult(rec, 'failed', new JobError('UNAVAILABLE', `could not enqueue: ${(err as Error).message}`, { phase: 'submission' }), Date.now()));
      await this.store.markEnqueued(doc.job_id).catch(() => {});
      throw new JobError('UNAVAILABLE', `could not enqueue job ${doc.job_id}: ${(err as Error).message}`, { cause: err });
    }
    // A crash before this line leaves the job on the repair list: the next start enqueues it.
    // One round trip: commands on one connection are pipelined and run in this order.
    const [, , rec] = await Promise.all([this.store.markEnqueued(doc.job_id), this.store.publishStatus(doc.job_id, 'queued', doc.execution.attempt), this.store.get(doc.job_id)]);
    return { status: 'created', job: recordToView(rec!, true) };
  }

  async get(jobId: string): Promise<JobView | undefined> {
    const r = await this.store.get(jobId);
    return r ? recordToView(r, true) : undefined;
  }

  async list(q: ListQuery = {}): Promise<ListPage> {
    const limit = clampLimit(q.limit);
    const { records, scannedTo } = await this.store.list({ status: q.status, operation: q.operation, limit: limit + 1, before: decodeCursor(q.cursor) });
    const page = records.slice(0, limit);
    const next = records.length > limit ? encodeCursor(page[page.length - 1]!.seq) : scannedTo !== undefined ? encodeCursor(scannedTo) : null;
    return { items: page.map((r) => recordToView(r, false)), next_cursor: next };
  }

  async result(jobId: string): Promise<JobResult | undefined> {
    const r = await this.store.get(jobId);
    if (!r) throw new JobNotFoundError(jobId);
    return r.result ?? undefined;
  }

  async cancel(jobId: string, reason = 'cancelled by request'): Promise<JobView> {
    const r = await this.store.get(jobId);
    if (!r) throw new JobNotFoundError(jobId);
    if (isTerminal(r.state)) throw new IllegalTransitionError(jobId, r.state, 'cancelled');
    if (!r.document.execution.cancellable) throw new JobError('NOT_CANCELLABLE', `job ${jobId} is not cancellable (execution.cancellable = false)`, { phase: 'submission' });
    const res = syntheticResult(r, 'cancelled', new JobError('CANCELLED', reason, { phase: r.state === 'running' ? 'execution' : 'queue' }), Date.now());
    if (await this.store.finalize(jobId, res)) {
      this.metrics.jobsTotal.inc({ operation: r.operation, status: 'cancelled' });
      // Whoever runs it kills the sandbox; a job still waiting is dropped from the queue.
      await this.store.redis.publish(this.store.cancelChannel, jobId);
      await this.queue.remove(bullJobId(jobId)).catch(() => 0);
      await this.store.publishStatus(jobId, 'cancelled', r.attempt, res.error as never);
      await this.store.publish({ type: 'result', job_id: jobId, result: res });
    }
    const now = await this.store.get(jobId);
    if (now && !isTerminal(now.state)) throw new JobError('INTERNAL_ERROR', `job ${jobId} did not reach a final state`);
    if (now?.state !== 'cancelled') throw new IllegalTransitionError(jobId, now?.state ?? 'unknown', 'cancelled');
    return recordToView(now, true);
  }

  async events(jobId: string, afterSequence = 0): Promise<ProgressEvent[]> {
    if (!(await this.store.get(jobId))) throw new JobNotFoundError(jobId);
    return this.store.events(jobId, afterSequence);
  }

  subscribe(jobId: string, listener: (e: JobStreamEvent) => void): () => void {
    this.emitter.on(jobId, listener);
    return () => this.emitter.off(jobId, listener);
  }

  async workers(): Promise<WorkerInfo[]> {
    return this.store.workers();
  }

  async capabilities(): Promise<CapabilitiesInfo> {
    const ws = await this.workers();
    const ops = new Set<string>(this.registry.operations());
    const types = new Set<string>(this.registry.payloadTypes());
    const caps = new Set<string>(this.registry.capabilities());
    const feats = new Set<string>(this.registry.features());
    for (const w of ws) {
      w.capabilities.operations.forEach((o) => (ops.add(o), caps.add(o)));
      w.capabilities.payload_types.forEach((t) => types.add(t));
      w.capabilities.features.forEach((f) => feats.add(f));
    }
    return {
      protocol_version: PROTOCOL_VERSION,
      worker_version: VERSION,
      operations: [...ops].sort(),
      payload_types: [...types].sort(),
      capabilities: [...caps].sort(),
      features: [...feats].sort(),
      pools: [...new Set(ws.map((w) => w.pool))].sort(),
    };
  }

  async health(): Promise<HealthInfo> {
    try {
      const pong = await this.store.redis.ping();
      return { ok: pong === 'PONG' && !this.closed, backend: 'redis', details: { redis: pong, local_worker: this.localWorker?.workerId ?? null } };
    } catch (err) {
      return { ok: false, backend: 'redis', details: { redis: (err as Error).message } };
    }
  }

  async queueDepth(): Promise<number> {
    const c = await this.queue.getJobCounts('wait', 'prioritized', 'delayed');
    return Object.values(c).reduce((a, b) => a + b, 0);
  }

  /** Final results stored so far (one per finished job). */
  async finalizedCount(): Promise<number> {
    return this.store.finalizedCount();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.localWorker?.close().catch(() => {});
    await this.queue.close().catch(() => {});
    this.queueConnection.disconnect();
    this.emitter.removeAllListeners();
    this.sub.disconnect();
    this.store.redis.disconnect();
  }

  /** Operations known here or advertised by a live worker are accepted. */
  private async assertSupported(doc: JobDocument): Promise<void> {
    if (this.registry.has(doc.operation)) {
      this.registry.resolve(doc.operation, doc.payload.type);
      return;
    }
    const ws = await this.workers();
    if (ws.some((w) => w.capabilities.payload_types.includes(doc.payload.type))) return;
    const v = payloadVersion(doc.operation, doc.payload.type);
    throw new JobError('UNSUPPORTED_OPERATION', `no handler or live worker for ${doc.operation}${v ? ` (payload v${v})` : ''}`, {
      phase: 'validation',
      details: { operation: doc.operation, field: 'operation' },
    });
  }
}
