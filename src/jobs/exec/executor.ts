/**
 * Runs one attempt of a job: time limit and cancel wiring, handler lookup, image checks
 * (existence, size limit, streamed checksum), result cache, sandboxed handler call, and the
 * protocol JobResult. Transports decide what happens next (finish, retry, requeue).
 */
import { realpath, stat } from 'node:fs/promises';
import { sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DiskImage, ImageFormat } from '../../disk/disk-image.js';
import { openImage } from '../../disk/open-image.js';
import { JobError, serializeError, toJobErrorInfo, type JobErrorInfo } from '../errors.js';
import type { HandlerRegistry } from '../handlers/registry.js';
import type { HandlerOutput, ProgressUpdate } from '../handlers/types.js';
import { ImageRefSchema, type ImageRef, type JobDocument, type JobResult, type TerminalState } from '../protocol/schema.js';
import { assertChainInsideRoots, imageChainFiles } from '../sandbox/image-chain.js';
import { runHandler, type SandboxInfo } from '../sandbox/run-handler.js';
import { cacheBypassed, imageIdentity, resultCacheKey, type ResultCache } from './cache.js';
import { ChecksumVerifier } from './checksum.js';
import { IMAGE_FORMAT_NAMES, imageOpenError } from './image-errors.js';
import type { JobMetrics } from './metrics.js';

export interface ExecutorOptions {
  workerId: string;
  registry: HandlerRegistry;
  metrics: JobMetrics;
  cache?: ResultCache;
  checksums?: ChecksumVerifier;
  /** Time a handler gets to react to abort before it is killed (ms). */
  graceMs?: number;
  /** Minimum spacing of forwarded handler progress updates (ms); default 100. */
  progressIntervalMs?: number;
  /** When set, images must resolve (symlinks followed) inside one of these directories. */
  imageRoots?: string[];
  /** This worker's own limit on an image's virtual size (GiB); null/undefined = none. */
  maxDiskSizeGb?: number | null;
}

export interface AttemptRequest {
  job: JobDocument;
  /** 1-based attempt number. */
  attempt: number;
  /** Abort to cancel the attempt. */
  signal?: AbortSignal;
  onProgress?(update: ProgressUpdate): void;
  onSpawn?(info: SandboxInfo): void;
}

export type CacheUse = 'hit' | 'miss' | 'bypass' | 'none';

export interface AttemptOutcome {
  result: JobResult;
  /** Failed recoverably with attempts left: the transport should run it again after a backoff. */
  retry: boolean;
  cache: CacheUse;
}

const GIB = 1024 ** 3;

export class JobExecutor {
  readonly checksums: ChecksumVerifier;
  constructor(private readonly opts: ExecutorOptions) {
    this.checksums = opts.checksums ?? new ChecksumVerifier(opts.metrics);
  }

  get workerId(): string {
    return this.opts.workerId;
  }

  async run(req: AttemptRequest): Promise<AttemptOutcome> {
    const { job, attempt } = req;
    const started = Date.now();
    const ac = new AbortController();
    const onCancel = () => ac.abort(new JobError('CANCELLED', 'job cancelled', { phase: 'execution' }));
    if (req.signal?.aborted) onCancel();
    else req.signal?.addEventListener('abort', onCancel, { once: true });

    const limitMs = timeLimitMs(job, started);
    const timer = setTimeout(
      () => ac.abort(new JobError('TIMEOUT', limitReason(job, limitMs), { phase: 'execution', details: { limit_ms: limitMs } })),
      Math.max(0, limitMs),
    );
    const progress = throttle(req.onProgress, this.opts.progressIntervalMs ?? 100);
    let cache: CacheUse = 'none';
    let diskRead = 0;
    let handlerStart: number | undefined;
    try {
      if (limitMs <= 0) throw new JobError('TIMEOUT', 'deadline passed before the job started', { phase: 'validation', details: { deadline: job.execution.deadline } });
      const spec = this.opts.registry.resolve(job.operation, job.payload.type);
      const image = await this.checkImage(job, ac.signal, progress, (n) => (diskRead += n));
      ac.signal.throwIfAborted();

      let cacheKey: string | undefined;
      if (spec.cacheable && image && this.opts.cache) {
        if (cacheBypassed(job)) cache = 'bypass';
        else {
          cacheKey = resultCacheKey(job, await imageIdentity(image.path, image.checksum));
          const hit = await this.opts.cache.get(cacheKey);
          cache = hit ? 'hit' : 'miss';
          if (hit) {
            this.opts.metrics.cacheRequests.inc({ result: 'hit' });
            progress.force({ phase: 'cache', message: `result served from cache (job ${hit.source_job_id})` });
            return {
              retry: false,
              cache,
              result: {
                ...this.baseResult(job, attempt, started, hit.failure ? 'failed' : 'completed'),
                outputs: hit.outputs,
                data: hit.data,
                metrics: { ...(hit.metrics ?? {}), disk_read_bytes: diskRead },
                ...(hit.failure ? { error: outcomeError(hit.failure) } : {}),
                cache: { hit: true, key: cacheKey, source_job_id: hit.source_job_id, created_at: hit.created_at },
              },
            };
          }
        }
        this.opts.metrics.cacheRequests.inc({ result: cache });
      }
      ac.signal.throwIfAborted();

      progress.force({ phase: 'execution', progress_percent: 0, message: `running ${job.operation}` });
      handlerStart = performance.now();
      const { output, usage } = await runHandler(
        spec,
        {
          module: spec.module,
          exportName: spec.exportName,
          payload: { type: job.payload.type, data: job.payload.data },
          job: {
            job_id: job.job_id,
            operation: job.operation,
            payload_type: job.payload.type,
            attempt,
            max_attempts: job.execution.max_attempts,
            idempotency_key: job.execution.idempotency_key ?? null,
            worker_id: this.opts.workerId,
          },
        },
        {
          signal: ac.signal,
          graceMs: this.opts.graceMs,
          onProgress: (u) => progress(u),
          onMetrics: (m) => {
            if (m.disk_read_bytes && m.disk_read_bytes > 0) {
              diskRead += m.disk_read_bytes;
              this.opts.metrics.imageReadBytes.inc(m.disk_read_bytes);
            }
          },
          onSpawn: req.onSpawn,
          // Backing files and extents an image names must lie inside the same roots as the image.
          ...(this.opts.imageRoots && this.opts.imageRoots.length > 0 && { imageRoots: this.opts.imageRoots }),
        },
      );
      this.observeHandler(job.operation, handlerStart);
      handlerStart = undefined;
      const reported = readBytes(output);
      if (reported > 0) {
        diskRead += reported;
        this.opts.metrics.imageReadBytes.inc(reported);
      }
      const metrics = { disk_read_bytes: diskRead, peak_memory_mb: usage.peak_memory_mb, cpu_seconds: usage.cpu_seconds };
      const failure = output.failure;
      const result: JobResult = { ...this.baseResult(job, attempt, started, failure ? 'failed' : 'completed'), outputs: output.outputs ?? {}, data: output.data, metrics };
      if (failure) result.error = outcomeError(failure);
      if (cacheKey !== undefined && cache === 'miss') {
        await this.opts.cache!.set(cacheKey, {
          outputs: result.outputs,
          data: result.data,
          metrics,
          ...(failure ? { failure } : {}),
          source_job_id: job.job_id,
          created_at: new Date().toISOString(),
        });
      }
      progress.force({ phase: 'execution', progress_percent: 100, message: failure ? `finished: ${failure.code}` : 'completed' });
      return { result, retry: false, cache };
    } catch (err) {
      if (handlerStart !== undefined) this.observeHandler(job.operation, handlerStart);
      const info: JobErrorInfo = err instanceof JobError ? err.toInfo() : toJobErrorInfo(serializeError(err));
      const status: TerminalState = info.code === 'TIMEOUT' ? 'timeout' : info.code === 'CANCELLED' ? 'cancelled' : 'failed';
      const retry = status === 'failed' && info.recoverable && attempt < job.execution.max_attempts;
      return { result: { ...this.baseResult(job, attempt, started, status), error: info, metrics: { disk_read_bytes: diskRead } }, retry, cache };
    } finally {
      progress.cancel();
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onCancel);
    }
  }

  /** Checks payload.data.image: exists, is a regular file, within the size limit, checksum. */
  private async checkImage(job: JobDocument, signal: AbortSignal, progress: Throttled, addRead: (n: number) => void): Promise<ImageRef | undefined> {
    const raw = job.payload.data['image'];
    if (raw === undefined) return undefined;
    const parsed = ImageRefSchema.safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new JobError('VALIDATION_ERROR', `payload.data.image.${i.path.join('.')}: ${i.message}`, { phase: 'validation' });
    }
    const image = parsed.data;
    if (this.opts.imageRoots && this.opts.imageRoots.length > 0) await assertInsideRoots(image.path, this.opts.imageRoots);
    let size: number;
    try {
      const st = await stat(image.path);
      if (!st.isFile()) throw new JobError('UNSUPPORTED_IMAGE', `image is not a regular file: ${image.path}`, { phase: 'validation', details: { path: image.path } });
      size = st.size;
    } catch (err) {
      if (err instanceof JobError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new JobError('IMAGE_NOT_FOUND', `image not found: ${image.path}`, { phase: 'validation', details: { path: image.path } });
      throw new JobError('EXECUTION_ERROR', `cannot access image ${image.path}: ${(err as Error).message}`, { phase: 'validation', recoverable: code === 'EIO' || code === 'EAGAIN' });
    }
    await this.checkVirtualSize(job, image, size);
    // The files the image names (backing chain, extents, data files) must lie inside the roots too,
    // whether the handler then runs sandboxed or not.
    if (this.opts.imageRoots && this.opts.imageRoots.length > 0) await checkChainRoots(image, this.opts.imageRoots);
    if (image.checksum) {
      progress.force({ phase: 'checksum', progress_percent: 0, message: `verifying ${image.checksum.slice(0, 19)}…` });
      const r = await this.checksums.verify(image.path, image.checksum, {
        signal,
        onProgress: (p) => progress({ phase: 'checksum', progress_percent: p.total > 0 ? Math.min(100, (100 * p.bytes) / p.total) : null, details: { bytes: p.bytes } }),
      });
      addRead(r.bytesRead);
      progress.force({ phase: 'checksum', progress_percent: 100, message: r.status === 'cached' ? 'checksum verified earlier (file unchanged)' : 'checksum ok' });
    }
    return image;
  }

  /**
   * maximum_disk_size_gb (the job's, and this worker's own limit) bounds the disk the guest
   * sees: the image's virtual size, read from its header, not the size of the file (a sparse
   * qcow2 of a 2 TiB disk is a few MiB).
   */
  private async checkVirtualSize(job: JobDocument, image: ImageRef, fileSize: number): Promise<void> {
    const jobGb = job.constraints?.maximum_disk_size_gb ?? null;
    const workerGb = this.opts.maxDiskSizeGb ?? null;
    if (jobGb === null && workerGb === null) return;
    const limitGb = jobGb === null ? workerGb! : workerGb === null ? jobGb : Math.min(jobGb, workerGb);
    const source = jobGb !== null && (workerGb === null || jobGb <= workerGb) ? 'constraints.maximum_disk_size_gb' : 'worker --max-disk-size-gb';
    const virtual = await virtualSize(image);
    if (virtual > limitGb * GIB) {
      throw new JobError('DISK_TOO_LARGE', `image's virtual disk is ${(virtual / GIB).toFixed(2)} GiB, over the ${limitGb} GiB limit (${source})`, {
        phase: 'validation',
        details: { path: image.path, virtual_size_bytes: virtual, file_size_bytes: fileSize, maximum_disk_size_gb: limitGb, limit: source },
      });
    }
  }

  private observeHandler(operation: string, start: number): void {
    this.opts.metrics.handlerDuration.observe({ handler: operation }, (performance.now() - start) / 1000);
  }

  private baseResult(job: JobDocument, attempt: number, started: number, status: TerminalState): JobResult {
    const now = new Date();
    const r: JobResult = {
      job_id: job.job_id,
      status,
      worker_id: this.opts.workerId,
      execution_summary: {
        started_at: new Date(started).toISOString(),
        duration_seconds: Math.max(0, (now.getTime() - started) / 1000),
        attempt,
        idempotency_key: job.execution.idempotency_key ?? null,
      },
    };
    if (status === 'completed') r.completed_at = now.toISOString();
    else r.failed_at = now.toISOString();
    if (job.observability) r.observability = job.observability;
    return r;
  }
}

/** Virtual size of an image from its headers (backing files are not needed for that). */
async function virtualSize(image: ImageRef): Promise<number> {
  const format = image.format;
  if (format !== undefined && !(IMAGE_FORMAT_NAMES as readonly string[]).includes(format)) {
    throw new JobError('VALIDATION_ERROR', `payload.data.image.format: unknown image format "${format}" (one of ${IMAGE_FORMAT_NAMES.join(', ')})`, {
      phase: 'validation',
      details: { field: 'payload.data.image.format' },
    });
  }
  let img: DiskImage;
  try {
    img = await openImage(image.path, { ignoreBacking: true, ...(format !== undefined ? { format: format as ImageFormat } : {}) });
  } catch (err) {
    throw imageOpenError(err, image.path);
  }
  try {
    return img.size;
  } finally {
    await img.close().catch(() => undefined);
  }
}

/** Rejects image paths that resolve outside the allowed directories (path traversal, symlink escapes). */
async function assertInsideRoots(path: string, roots: string[]): Promise<void> {
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    throw new JobError('IMAGE_NOT_FOUND', `image not found: ${path}`, { phase: 'validation', details: { path } });
  }
  for (const root of roots) {
    const r = await realpath(root).catch(() => undefined);
    if (r !== undefined && (real === r || real.startsWith(r.endsWith(sep) ? r : r + sep))) return;
  }
  throw new JobError('VALIDATION_ERROR', `image ${path} is outside the allowed image directories`, {
    phase: 'validation',
    details: { field: 'payload.data.image.path', path, allowed: roots },
  });
}

/** Remaining time for an attempt starting at `now`: timeout_seconds, cut short by the deadline. */
export function timeLimitMs(job: JobDocument, now: number): number {
  let limit = job.execution.timeout_seconds * 1000;
  if (job.execution.deadline != null) limit = Math.min(limit, Date.parse(job.execution.deadline) - now);
  return limit;
}

function limitReason(job: JobDocument, limitMs: number): string {
  const timeout = job.execution.timeout_seconds * 1000;
  return limitMs < timeout ? `job passed its deadline ${job.execution.deadline}` : `job exceeded timeout_seconds (${job.execution.timeout_seconds})`;
}

/** The error of a job whose operation finished with a failing outcome (HandlerOutput.failure). */
function outcomeError(f: NonNullable<HandlerOutput['failure']>): JobErrorInfo {
  return { code: f.code, message: f.message, phase: 'result', recoverable: false, retry_recommended: false, ...(f.details ? { details: f.details } : {}) };
}

function readBytes(o: HandlerOutput): number {
  const n = o.metrics?.disk_read_bytes;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

interface Throttled {
  (u: ProgressUpdate): void;
  /** Sends now (dropping any held-back update). */
  force(u: ProgressUpdate): void;
  /** Drops any held-back update. */
  cancel(): void;
}

/**
 * At most one update per interval; phase changes, 100 % and forced updates go out at once. An
 * update that arrives too soon is held back and sent when the interval ends (the newest wins),
 * so the last state of a burst is never lost.
 */
function throttle(fn: ((u: ProgressUpdate) => void) | undefined, intervalMs: number): Throttled {
  let last = 0;
  let lastPhase: string | undefined;
  let held: ProgressUpdate | undefined;
  let timer: NodeJS.Timeout | undefined;
  const cancel = () => {
    clearTimeout(timer);
    timer = undefined;
    held = undefined;
  };
  const send = (u: ProgressUpdate) => {
    cancel();
    last = Date.now();
    lastPhase = u.phase;
    try {
      fn?.(u);
    } catch {
      // a broken listener must not fail the job
    }
  };
  const t = ((u: ProgressUpdate) => {
    const wait = intervalMs - (Date.now() - last);
    if (u.phase !== lastPhase || u.progress_percent === 100 || wait <= 0) return send(u);
    held = u;
    timer ??= setTimeout(() => {
      timer = undefined;
      if (held) send(held);
    }, wait);
  }) as Throttled;
  t.force = send;
  t.cancel = cancel;
  return t;
}

async function checkChainRoots(image: ImageRef, roots: readonly string[]): Promise<void> {
  let files: string[];
  try {
    files = await imageChainFiles(image);
  } catch (err) {
    throw imageOpenError(err, image.path);
  }
  await assertChainInsideRoots(files, roots, image.path);
}
