/**
 * The handler contract. A handler is an exported function in its own module; the executor
 * loads that module inside a worker thread or a child process, so a timeout or a cancel ends
 * the work for real (thread terminated / process SIGKILLed), whatever the handler is doing.
 */

export interface ProgressUpdate {
  phase?: string;
  progress_percent?: number | null;
  message?: string;
  details?: Record<string, unknown>;
}

export interface HandlerJobInfo {
  job_id: string;
  operation: string;
  payload_type: string;
  attempt: number;
  max_attempts: number;
  idempotency_key: string | null;
  worker_id: string;
}

export interface HandlerContext {
  readonly job: HandlerJobInfo;
  /** Aborted on cancel or timeout, shortly before the thread/process is killed. */
  readonly signal: AbortSignal;
  /** Reports progress; the executor rate-limits and forwards it as ProgressEvents. */
  progress(update: ProgressUpdate): void;
  /** Adds to the job's counters (e.g. bytes of disk image read). */
  addMetrics(m: { disk_read_bytes?: number }): void;
}

export interface HandlerPayload {
  type: string;
  data: Record<string, unknown>;
}

export interface HandlerOutput {
  /** File paths or small values the job produced (JobResult.outputs). */
  outputs?: Record<string, unknown>;
  /** The operation's structured result (JobResult.data). */
  data?: unknown;
  metrics?: { disk_read_bytes?: number };
  /**
   * The operation ran to the end but its outcome fails the job (e.g. a policy gate such as
   * guestkit.profile's fail_on_critical): the job ends `failed` with this error, and keeps its
   * outputs and data. Never retried.
   */
  failure?: { code: string; message: string; details?: Record<string, unknown> };
}

/**
 * What a handler module exports. Throw a JobError (or any Error with `code` and
 * `recoverable`) to fail; recoverable errors are retried up to execution.max_attempts.
 */
export type JobHandlerFunction = (
  payload: HandlerPayload,
  ctx: HandlerContext,
) => Promise<HandlerOutput | void> | HandlerOutput | void;

export type Isolation = 'thread' | 'process';

export interface HandlerSpec {
  /** Namespaced operation, e.g. "guestkit.inspect". */
  operation: string;
  /** Payload versions accepted (`<operation>.v<N>`); default [1]. */
  payloadVersions?: readonly number[];
  /** Module holding the handler: file: URL or absolute path (.js, or .ts when running from source). */
  module: string;
  /** Name of the exported handler function. */
  exportName: string;
  /** Where it runs; default "thread". Use "process" for native code or memory-hungry work. */
  isolation?: Isolation;
  /** Extra capabilities this handler brings (e.g. "disk.qcow2"); the operation itself is implied. */
  capabilities?: readonly string[];
  /** System features it provides (e.g. "lvm"). */
  features?: readonly string[];
  /** Results depend only on image identity + operation + options: safe to serve from cache. */
  cacheable?: boolean;
  /** V8 old-space cap for thread isolation (MiB). */
  maxMemoryMb?: number;
  description?: string;
}
