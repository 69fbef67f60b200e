/**
 * Prometheus metrics for the job layer, on a dedicated prom-client Registry (never the global
 * one, so several services or tests in one process do not collide).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Job durations span milliseconds (system.echo, cache hits) to hours (big images). */
export const JOB_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400];

export type NumberSource = () => number | Promise<number>;

export interface JobMetrics {
  readonly registry: Registry;
  readonly jobsTotal: Counter<'operation' | 'status'>;
  readonly jobDuration: Histogram<'operation' | 'status'>;
  readonly activeJobs: Gauge;
  readonly queueDepth: Gauge;
  readonly handlerDuration: Histogram<'handler'>;
  readonly checksumVerifications: Counter<'status'>;
  readonly cacheRequests: Counter<'result'>;
  readonly imageReadBytes: Counter;
  /** Adds a contributor to guestguard_active_jobs (summed at scrape time). */
  addActiveJobsSource(fn: NumberSource): () => void;
  /** Sets where guestguard_queue_depth comes from (read at scrape time). */
  setQueueDepthSource(fn: NumberSource): void;
}

export interface JobMetricsOptions {
  registry?: Registry;
  /** Process metrics (CPU, memory, event loop, GC); default true. */
  processMetrics?: boolean;
}

export function createJobMetrics(opts: JobMetricsOptions = {}): JobMetrics {
  const registry = opts.registry ?? new Registry();
  const activeSources = new Set<NumberSource>();
  let depthSource: NumberSource | undefined;

  const sum = async (fns: Iterable<NumberSource>) => {
    let total = 0;
    for (const f of fns) {
      try {
        total += await f();
      } catch {
        // a source that cannot answer (e.g. Redis down) contributes nothing this scrape
      }
    }
    return total;
  };

  const m: JobMetrics = {
    registry,
    jobsTotal: new Counter({
      name: 'guestguard_jobs_total',
      help: 'Jobs that reached a final state (or were retried), by operation and status',
      labelNames: ['operation', 'status'],
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'guestguard_job_duration_seconds',
      help: 'Wall time of a job attempt from start to final state',
      labelNames: ['operation', 'status'],
      buckets: JOB_DURATION_BUCKETS,
      registers: [registry],
    }),
    activeJobs: new Gauge({
      name: 'guestguard_active_jobs',
      help: 'Jobs currently running on workers of this process',
      registers: [registry],
      async collect() {
        this.set(await sum(activeSources));
      },
    }),
    queueDepth: new Gauge({
      name: 'guestguard_queue_depth',
      help: 'Jobs waiting to run (queued, including delayed retries)',
      registers: [registry],
      async collect() {
        if (depthSource) this.set(await sum([depthSource]));
      },
    }),
    handlerDuration: new Histogram({
      name: 'guestguard_handler_duration_seconds',
      help: 'Time spent inside operation handlers (thread/process lifetime)',
      labelNames: ['handler'],
      buckets: JOB_DURATION_BUCKETS,
      registers: [registry],
    }),
    checksumVerifications: new Counter({
      name: 'guestguard_checksum_verifications_total',
      help: 'Image checksum verifications by outcome (ok, cached, mismatch, error, aborted)',
      labelNames: ['status'],
      registers: [registry],
    }),
    cacheRequests: new Counter({
      name: 'guestguard_cache_requests_total',
      help: 'Result cache lookups by result (hit, miss, bypass)',
      labelNames: ['result'],
      registers: [registry],
    }),
    imageReadBytes: new Counter({
      name: 'guestguard_image_read_bytes_total',
      help: 'Bytes of disk images read (checksums and handlers)',
      registers: [registry],
    }),
    addActiveJobsSource(fn) {
      activeSources.add(fn);
      return () => activeSources.delete(fn);
    },
    setQueueDepthSource(fn) {
      depthSource = fn;
    },
  };
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return m;
}
