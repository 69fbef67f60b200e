/** One-call constructors: the job service (API side) and a worker (execution side). */
import type { Logger } from 'pino';
import { EmbeddedJobService, type LocalWorkerConfig, type RetryPolicy, type StoreFsync } from './embedded-service.js';
import type { DirWorkerOptions } from './dir/worker.js';
import type { JobMetrics } from './exec/metrics.js';
import type { HandlerRegistry } from './handlers/registry.js';
import type { RedisTarget } from './redis/connection.js';
import type { RedisWorkerOptions } from './redis/worker.js';
import type { WorkerInfo } from './protocol/schema.js';
import type { JobService } from './service-types.js';
import type { SqliteJobStore } from './store/sqlite-store.js';

export interface JobServiceOptions {
  /** Use Redis (BullMQ) for jobs shared by many workers and machines. */
  redis?: RedisTarget;
  /** Redis key prefix; default "guestguard". */
  prefix?: string;
  /** Embedded store: an open store or a file path (ignored with redis; undefined = in memory). */
  store?: SqliteJobStore | string;
  /** Embedded store opened from a path: fdatasync before every acknowledgement ('always') or within 50 ms ('batched', default). */
  fsync?: StoreFsync;
  /**
   * In-process workers. Embedded: N = one worker with concurrency N, or explicit configs;
   * Redis: concurrency of one in-process worker. 0 = API only.
   */
  workers?: number | LocalWorkerConfig[];
  /** Pool of the in-process worker (Redis). */
  pool?: string;
  /** Labels of the in-process worker (Redis; embedded workers take them in their configs). */
  labels?: Record<string, string>;
  registry?: HandlerRegistry;
  metrics?: JobMetrics;
  retry?: RetryPolicy;
  graceMs?: number;
  /** When set, images must resolve (symlinks followed) inside one of these directories. */
  imageRoots?: string[];
  logger?: Logger;
}

export async function createJobService(opts: JobServiceOptions = {}): Promise<JobService> {
  if (opts.redis !== undefined) {
    if (Array.isArray(opts.workers)) throw new TypeError('with redis, workers is a concurrency number');
    // Redis's own persistence settings decide there (appendfsync); nothing here could honour it.
    if (opts.fsync !== undefined) throw new TypeError('fsync applies to the embedded store, not to redis');
    // Loaded on demand: BullMQ and ioredis are heavy and the embedded mode needs neither.
    const { RedisJobService } = await import('./redis/service.js');
    return RedisJobService.create({
      redis: opts.redis,
      prefix: opts.prefix,
      registry: opts.registry,
      metrics: opts.metrics,
      workers: opts.workers ?? 0,
      worker: { pool: opts.pool, labels: opts.labels, retry: opts.retry, graceMs: opts.graceMs, imageRoots: opts.imageRoots },
      logger: opts.logger,
    });
  }
  return EmbeddedJobService.create({ store: opts.store, fsync: opts.fsync, workers: opts.workers, registry: opts.registry, metrics: opts.metrics, retry: opts.retry, graceMs: opts.graceMs, imageRoots: opts.imageRoots });
}

export type RunWorkerOptions = ({ redis: RedisTarget } & Omit<RedisWorkerOptions, 'redis'>) | ({ jobsDir: string } & Omit<DirWorkerOptions, 'jobsDir'>);

/** A started worker of either transport. */
export interface RunningWorker {
  readonly workerId: string;
  readonly metrics: JobMetrics;
  info(): WorkerInfo;
  close(opts?: { force?: boolean }): Promise<void>;
}

/** Starts a worker on Redis (`redis`) or on a jobs directory (`jobsDir`). */
export async function runWorker(opts: RunWorkerOptions): Promise<RunningWorker> {
  if ('redis' in opts && opts.redis !== undefined) {
    const { RedisWorker } = await import('./redis/worker.js');
    return new RedisWorker(opts).start();
  }
  if ('jobsDir' in opts && opts.jobsDir !== undefined) {
    const { DirectoryWorker } = await import('./dir/worker.js');
    return new DirectoryWorker(opts).start();
  }
  throw new TypeError('runWorker needs either redis or jobsDir');
}
