/**
 * Directory transport (like guestkit's file transport): job files dropped into DIR are run and
 * answered with result files. Several workers may share one directory; a job file is claimed by
 * an atomic rename, so each runs once.
 *
 *   DIR/<name>.json                    incoming job (write it as .tmp and rename, or atomically)
 *   DIR/processing/<name>.json         claimed; <name>.owner says which process holds it
 *   DIR/done/<name>.json               finished successfully
 *   DIR/failed/<name>.json             failed, timed out, cancelled or invalid, and
 *   DIR/failed/<name>.reason.txt       one line saying why
 *   DIR/results/<job_id>.json          the JobResult
 *   DIR/results/<job_id>.events.jsonl  progress events, one JSON object per line
 *   DIR/cancel/<job_id>                create this file to cancel a queued or running job
 *   DIR/.idempotency/, DIR/.cache/     idempotency keys and the result cache (persist across restarts)
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, appendFileSync, watch, type FSWatcher } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { sleep } from '../common.js';
import { JobError, type JobErrorInfo } from '../errors.js';
import type { CachedResult, ResultCache } from '../exec/cache.js';
import { JobExecutor } from '../exec/executor.js';
import { createJobMetrics, type JobMetrics } from '../exec/metrics.js';
import { retryDelayMs, routingMismatch, workerProfile, type WorkerProfile } from '../exec/routing.js';
import { defaultHandlerRegistry, type HandlerRegistry } from '../handlers/registry.js';
import type { JobDocument, JobResult, WorkerInfo } from '../protocol/schema.js';
import { validateJobDocument } from '../protocol/validate.js';
import { progressInit } from '../record.js';
import { processAlive } from '../store/sqlite-store.js';
import { ulid } from '../ulid.js';
import { VERSION } from '../../version.js';

export interface DirWorkerOptions {
  jobsDir: string;
  concurrency?: number;
  pool?: string;
  workerId?: string;
  registry?: HandlerRegistry;
  metrics?: JobMetrics;
  capabilities?: string[];
  features?: string[];
  maxDiskSizeGb?: number | null;
  /** Labels routing.affinity / anti_affinity select on. */
  labels?: Record<string, string>;
  /** Directory scan interval (ms); file-system events also trigger scans. Default 1000. */
  pollMs?: number;
  retry?: { baseMs?: number; maxMs?: number };
  graceMs?: number;
  /** When set, images must resolve (symlinks followed) inside one of these directories. */
  imageRoots?: string[];
  logger?: Logger;
}

const MAX_JOB_FILE_BYTES = 4 << 20;
/** A job file that does not parse is given this long to finish being written. */
const WRITE_SETTLE_MS = 2000;

interface Candidate {
  name: string;
  job: JobDocument;
}

interface Running {
  abort: AbortController;
  done: Promise<void>;
}

export class DirectoryWorker {
  readonly workerId: string;
  readonly metrics: JobMetrics;
  readonly profile: WorkerProfile;
  private readonly dir: string;
  private readonly registry: HandlerRegistry;
  private readonly executor: JobExecutor;
  private readonly running = new Map<string, Running>();
  private readonly retry: { baseMs: number; maxMs: number };
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private scanning = false;
  private rescan = false;
  private closed = false;
  private forced = false;
  private readonly parsed = new Map<string, { key: string; result: { ok: true; job: JobDocument } | { ok: false; reason: string } }>();
  private readonly registeredAt = new Date().toISOString();

  constructor(private readonly opts: DirWorkerOptions) {
    this.dir = opts.jobsDir;
    this.workerId = opts.workerId ?? `${hostname()}-${process.pid}-${ulid().slice(-6).toLowerCase()}`;
    this.metrics = opts.metrics ?? createJobMetrics();
    this.registry = opts.registry ?? defaultHandlerRegistry();
    this.retry = { baseMs: opts.retry?.baseMs ?? 1000, maxMs: opts.retry?.maxMs ?? 60_000 };
    this.profile = workerProfile(this.registry, { ...opts, workerId: this.workerId });
    this.executor = new JobExecutor({
      workerId: this.workerId,
      registry: this.registry,
      metrics: this.metrics,
      cache: this.fileCache(),
      graceMs: opts.graceMs,
      imageRoots: opts.imageRoots,
      maxDiskSizeGb: this.profile.max_disk_size_gb,
    });
    this.metrics.addActiveJobsSource(() => this.running.size);
    this.metrics.setQueueDepthSource(() => this.pendingFiles().length);
  }

  get concurrency(): number {
    return this.opts.concurrency ?? 1;
  }

  private sub(...p: string[]): string {
    return join(this.dir, ...p);
  }

  async start(): Promise<this> {
    for (const d of ['', 'processing', 'done', 'failed', 'results', 'cancel', '.idempotency', '.cache']) mkdirSync(this.sub(d), { recursive: true });
    this.recoverOrphans();
    liveWorkers.add(this.workerId);
    try {
      this.watcher = watch(this.dir, () => this.kick());
      this.watcher.on('error', () => {});
    } catch {
      // polling alone still works
    }
    this.timer = setInterval(() => this.kick(), this.opts.pollMs ?? 1000);
    this.kick();
    this.opts.logger?.info({ worker_id: this.workerId, dir: this.dir }, 'directory worker started');
    return this;
  }

  info(): WorkerInfo {
    return {
      worker_id: this.workerId,
      version: VERSION,
      hostname: hostname(),
      pid: process.pid,
      pool: this.profile.pool,
      transport: 'directory',
      registered_at: this.registeredAt,
      last_heartbeat: new Date().toISOString(),
      capabilities: { operations: this.registry.operations(), payload_types: this.registry.payloadTypes(), features: [...this.profile.features] },
      resources: { max_concurrent_jobs: this.concurrency, max_disk_size_gb: this.profile.max_disk_size_gb },
      labels: { ...this.profile.labels },
      status: { state: this.closed ? 'draining' : this.running.size >= this.concurrency ? 'busy' : 'ready', current_jobs: this.running.size },
    };
  }

  /** Stops scanning; waits for running jobs (or kills them with force: they re-run on restart). */
  async close(opts: { force?: boolean } = {}): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.watcher?.close();
    const runs = [...this.running.values()];
    if (opts.force) {
      this.forced = true;
      for (const r of runs) r.abort.abort(new JobError('CANCELLED', SHUTDOWN));
    }
    await Promise.allSettled(runs.map((r) => r.done));
    liveWorkers.delete(this.workerId);
  }

  private kick(): void {
    if (this.closed) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = true;
    try {
      do {
        this.rescan = false;
        this.scan();
      } while (this.rescan && !this.closed);
    } catch (err) {
      this.opts.logger?.error({ err }, 'directory scan failed');
    } finally {
      this.scanning = false;
    }
  }

  private pendingFiles(): string[] {
    try {
      return readdirSync(this.dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    } catch {
      return [];
    }
  }

  private scan(): void {
    const cancels = new Set(readdirSync(this.sub('cancel')));
    for (const id of cancels) {
      const r = this.running.get(id);
      if (r) {
        r.abort.abort(new JobError('CANCELLED', 'cancelled by request (cancel file)'));
        rmSync(this.sub('cancel', id), { force: true });
      }
    }
    const candidates: Candidate[] = [];
    for (const name of this.pendingFiles()) {
      const p = this.parse(name);
      if (p === undefined) continue;
      if (!p.ok) {
        if (this.claim(name)) this.reject(name, p.reason);
        continue;
      }
      if (cancels.has(p.job.job_id)) {
        if (this.claim(name)) {
          this.finishFile(name, p.job, cancelledResult(p.job, this.workerId));
          rmSync(this.sub('cancel', p.job.job_id), { force: true });
        }
        continue;
      }
      if (routingMismatch(p.job, this.profile) === undefined) candidates.push({ name, job: p.job });
    }
    // Most urgent first, then oldest.
    candidates.sort((a, b) => b.job.execution.priority - a.job.execution.priority || a.job.created_at.localeCompare(b.job.created_at) || a.name.localeCompare(b.name));
    for (const c of candidates) {
      if (this.running.size >= this.concurrency) break;
      if (this.running.has(c.job.job_id)) continue;
      if (!this.claim(c.name)) continue; // another worker took it
      this.launch(c);
    }
  }

  /** Reads and validates a job file (memoised by size+mtime); undefined = not ready yet. */
  private parse(name: string): { ok: true; job: JobDocument } | { ok: false; reason: string } | undefined {
    const path = this.sub(name);
    let st;
    try {
      st = statSync(path);
    } catch {
      return undefined;
    }
    const key = `${st.size}:${st.mtimeMs}`;
    const memo = this.parsed.get(name);
    if (memo?.key === key) return memo.result;
    let result: { ok: true; job: JobDocument } | { ok: false; reason: string };
    if (st.size > MAX_JOB_FILE_BYTES) result = { ok: false, reason: `VALIDATION_ERROR: job file is larger than ${MAX_JOB_FILE_BYTES} bytes` };
    else {
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(path, 'utf8'));
      } catch (err) {
        if (Date.now() - st.mtimeMs < WRITE_SETTLE_MS) return undefined; // maybe still being written
        raw = undefined;
        result = { ok: false, reason: `VALIDATION_ERROR: not valid JSON: ${(err as Error).message}` };
      }
      if (raw !== undefined) {
        const v = validateJobDocument(raw);
        result = v.ok ? { ok: true, job: v.job } : { ok: false, reason: `VALIDATION_ERROR: ${v.issues.map((i) => `${i.field || 'document'}: ${i.message}`).join('; ')}` };
      }
    }
    if (this.parsed.size > 10_000) this.parsed.clear();
    this.parsed.set(name, { key, result: result! });
    return result!;
  }

  /** Atomically moves DIR/name into processing/; false if someone else got it first. */
  private claim(name: string): boolean {
    try {
      renameSync(this.sub(name), this.sub('processing', name));
    } catch {
      return false;
    }
    writeFileSync(this.sub('processing', ownerName(name)), JSON.stringify({ pid: process.pid, hostname: hostname(), worker_id: this.workerId }));
    this.parsed.delete(name);
    return true;
  }

  /** Job files claimed by a process that no longer exists (on this host) go back to the queue. */
  private recoverOrphans(): void {
    for (const n of readdirSync(this.sub('processing'))) {
      if (!n.endsWith('.json')) continue;
      let owner: { pid?: number; hostname?: string; worker_id?: string } = {};
      try {
        owner = JSON.parse(readFileSync(this.sub('processing', ownerName(n)), 'utf8')) as typeof owner;
      } catch {
        // no owner file: the claim never completed
      }
      const mine = owner.hostname === undefined || owner.hostname === hostname();
      const ownerGone =
        owner.pid === undefined || !processAlive(owner.pid) || (owner.pid === process.pid && !liveWorkers.has(owner.worker_id ?? ''));
      if (mine && ownerGone) {
        renameSync(this.sub('processing', n), this.sub(n));
        rmSync(this.sub('processing', ownerName(n)), { force: true });
        this.opts.logger?.info({ file: n }, 're-queued job file left by a dead worker');
      }
    }
  }

  private launch(c: Candidate): void {
    const abort = new AbortController();
    const entry: Running = { abort, done: Promise.resolve() };
    this.running.set(c.job.job_id, entry);
    entry.done = this.runJob(c, abort.signal)
      .catch((err: unknown) => {
        this.opts.logger?.error({ err, job_id: c.job.job_id }, 'job run failed');
        this.finishFile(c.name, c.job, {
          ...cancelledResult(c.job, this.workerId),
          status: 'failed',
          error: new JobError('INTERNAL_ERROR', `worker error: ${(err as Error).message}`).toInfo(),
        });
      })
      .finally(() => {
        this.running.delete(c.job.job_id);
        this.kick();
      });
  }

  private async runJob(c: Candidate, signal: AbortSignal): Promise<void> {
    const { job } = c;
    const idem = job.execution.idempotency_key ?? undefined;
    if (idem !== undefined) {
      const prior = this.takeIdempotencyKey(idem, job.job_id);
      if (prior.kind === 'completed') {
        const replay: JobResult = { ...prior.result, idempotent_replay_of: prior.result.job_id, job_id: job.job_id };
        this.finishFile(c.name, job, replay);
        return;
      }
      if (prior.kind === 'in_flight') {
        const err = new JobError('DUPLICATE_JOB', `idempotency key "${idem}" is in use by job ${prior.jobId}`, { phase: 'submission', details: { existing_job_id: prior.jobId } });
        this.finishFile(c.name, job, { ...cancelledResult(job, this.workerId), status: 'failed', error: err.toInfo() });
        return;
      }
    }
    const events = this.sub('results', `${job.job_id}.events.jsonl`);
    let seq = 0;
    const onProgress = (u: Parameters<NonNullable<Parameters<JobExecutor['run']>[0]['onProgress']>>[0]) => {
      try {
        appendFileSync(events, JSON.stringify({ job_id: job.job_id, sequence: ++seq, ...progressInit(u) }) + '\n');
      } catch {
        // progress is best effort
      }
    };
    for (let attempt = job.execution.attempt; ; attempt++) {
      const outcome = await this.executor.run({ job, attempt, signal, onProgress });
      if (this.forced && outcome.result.status === 'cancelled' && !userCancelled(signal)) {
        return; // forced shutdown: the file stays in processing/ and re-runs on restart
      }
      if (outcome.retry && !signal.aborted) {
        const delay = retryDelayMs(attempt, this.retry.baseMs, this.retry.maxMs);
        this.metrics.jobsTotal.inc({ operation: job.operation, status: 'retried' });
        onProgress({ phase: 'retry', message: `attempt ${attempt} failed (${outcome.result.error?.code}); retry in ${delay} ms`, details: { attempt, delay_ms: delay } });
        await sleep(delay, signal);
        if (!signal.aborted) continue;
        this.finishFile(c.name, job, { ...outcome.result, status: 'cancelled', error: new JobError('CANCELLED', 'cancelled while waiting to retry').toInfo() });
        return;
      }
      this.finishFile(c.name, job, outcome.result);
      return;
    }
  }

  /** Writes the result, records idempotency, moves the job file to done/ or failed/. */
  private finishFile(name: string, job: JobDocument, result: JobResult): void {
    atomicWrite(this.sub('results', `${job.job_id}.json`), JSON.stringify(result, null, 2) + '\n');
    const idem = job.execution.idempotency_key;
    if (idem != null && result.idempotent_replay_of === undefined && !(result.error?.code === 'DUPLICATE_JOB')) {
      atomicWrite(this.idemPath(idem), JSON.stringify({ key: idem, job_id: job.job_id, status: result.status, result: result.status === 'completed' ? result : undefined }));
    }
    const ok = result.status === 'completed';
    const dest = this.sub(ok ? 'done' : 'failed', name);
    try {
      renameSync(this.sub('processing', name), dest);
    } catch {
      // already moved (e.g. cancelled while claimed)
    }
    rmSync(this.sub('processing', ownerName(name)), { force: true });
    if (!ok) {
      const e = result.error as JobErrorInfo | undefined;
      writeFileSync(this.sub('failed', `${stem(name)}.reason.txt`), `${result.status}: ${e ? `${e.code}: ${e.message}` : 'no error recorded'}\n`);
    }
    this.metrics.jobsTotal.inc({ operation: job.operation, status: result.status });
    this.metrics.jobDuration.observe({ operation: job.operation, status: result.status }, result.execution_summary.duration_seconds);
  }

  /** An invalid job file: failed/ with the reason, and a result if it had a usable job_id. */
  private reject(name: string, reason: string): void {
    const id = stem(name);
    const err = new JobError('VALIDATION_ERROR', reason.replace(/^VALIDATION_ERROR: /, ''), { phase: 'validation' });
    const result: JobResult = {
      job_id: id,
      status: 'failed',
      failed_at: new Date().toISOString(),
      worker_id: this.workerId,
      execution_summary: { started_at: null, duration_seconds: 0, attempt: 1, idempotency_key: null },
      error: err.toInfo(),
    };
    atomicWrite(this.sub('results', `${id}.json`), JSON.stringify(result, null, 2) + '\n');
    try {
      renameSync(this.sub('processing', name), this.sub('failed', name));
    } catch {
      // gone already
    }
    rmSync(this.sub('processing', ownerName(name)), { force: true });
    writeFileSync(this.sub('failed', `${stem(name)}.reason.txt`), reason + '\n');
    this.metrics.jobsTotal.inc({ operation: 'unknown', status: 'failed' });
  }

  private idemPath(key: string): string {
    return this.sub('.idempotency', `${createHash('sha256').update(key).digest('hex')}.json`);
  }

  private takeIdempotencyKey(key: string, jobId: string): { kind: 'new' } | { kind: 'completed'; result: JobResult } | { kind: 'in_flight'; jobId: string } {
    const p = this.idemPath(key);
    const mine = JSON.stringify({ key, job_id: jobId, status: 'running', pid: process.pid, hostname: hostname() });
    try {
      writeFileSync(p, mine, { flag: 'wx' });
      return { kind: 'new' };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let prev: { job_id?: string; status?: string; result?: JobResult; pid?: number; hostname?: string } = {};
    try {
      prev = JSON.parse(readFileSync(p, 'utf8')) as typeof prev;
    } catch {
      // unreadable: take it over
    }
    if (prev.status === 'completed' && prev.result) return { kind: 'completed', result: prev.result };
    // Another host's claim cannot be checked: respect it. On this host the process must be alive
    // (and, if it is this very process, still running that job).
    const sameHost = prev.hostname === undefined || prev.hostname === hostname();
    const holderAlive =
      prev.status === 'running' &&
      prev.job_id !== jobId &&
      (!sameHost || (prev.pid !== undefined && processAlive(prev.pid) && (prev.pid !== process.pid || this.running.has(prev.job_id ?? ''))));
    if (holderAlive) return { kind: 'in_flight', jobId: prev.job_id ?? '?' };
    atomicWrite(p, mine);
    return { kind: 'new' };
  }

  private fileCache(): ResultCache {
    const path = (k: string) => this.sub('.cache', `${k}.json`);
    return {
      get: async (k) => {
        try {
          return JSON.parse(readFileSync(path(k), 'utf8')) as CachedResult;
        } catch {
          return undefined;
        }
      },
      set: async (k, v) => atomicWrite(path(k), JSON.stringify(v)),
    };
  }
}

const SHUTDOWN = 'worker shutting down';

/** Directory workers running in this process (their claims are not orphans). */
const liveWorkers = new Set<string>();

function userCancelled(signal: AbortSignal): boolean {
  const r: unknown = signal.reason;
  return !(r instanceof JobError && r.message === SHUTDOWN);
}

function ownerName(jobFile: string): string {
  return `${stem(jobFile)}.owner`;
}

function stem(name: string): string {
  return basename(name).replace(/\.json$/, '');
}

function atomicWrite(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function cancelledResult(job: JobDocument, workerId: string): JobResult {
  return {
    job_id: job.job_id,
    status: 'cancelled',
    failed_at: new Date().toISOString(),
    worker_id: workerId,
    execution_summary: { started_at: null, duration_seconds: 0, attempt: job.execution.attempt, idempotency_key: job.execution.idempotency_key ?? null },
    error: new JobError('CANCELLED', 'cancelled by request (cancel file)', { phase: 'queue' }).toInfo(),
  };
}

