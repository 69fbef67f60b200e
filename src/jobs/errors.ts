/**
 * Job-layer errors. Every failure a job can end with is a JobError with a stable code, the
 * phase it happened in, and whether retrying may help (`recoverable`). They serialise to the
 * protocol's `error` object (toInfo) and back (fromInfo), so they cross thread, process and
 * network boundaries unchanged.
 */
import { GuestguardError } from '../errors.js';

export const JOB_ERROR_CODES = [
  'VALIDATION_ERROR',
  'IMAGE_NOT_FOUND',
  'IMAGE_CHECKSUM_MISMATCH',
  'UNSUPPORTED_IMAGE',
  'UNSUPPORTED_OPERATION',
  'DISK_TOO_LARGE',
  'EXECUTION_ERROR',
  'HANDLER_CRASHED',
  'TIMEOUT',
  'CANCELLED',
  'POLICY_VIOLATION',
  'DUPLICATE_JOB',
  'NOT_FOUND',
  'NOT_CANCELLABLE',
  'ILLEGAL_TRANSITION',
  'UNAVAILABLE',
  'INTERNAL_ERROR',
] as const;
export type JobErrorCode = (typeof JOB_ERROR_CODES)[number];

/** Phases a job goes through; errors and progress events name one. */
export type JobPhase = 'submission' | 'validation' | 'routing' | 'checksum' | 'cache' | 'execution' | 'result' | (string & {});

/** The protocol's `error` object inside a JobResult. */
export interface JobErrorInfo {
  code: JobErrorCode | (string & {});
  message: string;
  phase: JobPhase;
  details?: Record<string, unknown>;
  recoverable: boolean;
  retry_recommended: boolean;
  [key: string]: unknown;
}

export interface JobErrorOptions {
  phase?: JobPhase;
  details?: Record<string, unknown>;
  recoverable?: boolean;
  retryRecommended?: boolean;
  cause?: unknown;
}

export class JobError extends Error {
  readonly code: JobErrorCode | (string & {});
  readonly phase: JobPhase;
  readonly details: Record<string, unknown> | undefined;
  readonly recoverable: boolean;
  readonly retryRecommended: boolean;

  constructor(code: JobErrorCode | (string & {}), message: string, opts: JobErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.phase = opts.phase ?? 'execution';
    this.details = opts.details;
    this.recoverable = opts.recoverable ?? false;
    this.retryRecommended = opts.retryRecommended ?? this.recoverable;
  }

  toInfo(): JobErrorInfo {
    const info: JobErrorInfo = {
      code: this.code,
      message: this.message,
      phase: this.phase,
      recoverable: this.recoverable,
      retry_recommended: this.retryRecommended,
    };
    if (this.details !== undefined) info.details = this.details;
    return info;
  }

  static fromInfo(info: JobErrorInfo): JobError {
    return new JobError(info.code, info.message, {
      phase: info.phase,
      details: info.details,
      recoverable: info.recoverable,
      retryRecommended: info.retry_recommended,
    });
  }
}

/** One field at fault in a job document (dotted path, e.g. "execution.priority"). */
export interface FieldIssue {
  field: string;
  message: string;
}

export class JobValidationError extends JobError {
  readonly issues: FieldIssue[];
  /** The first field at fault: what a 400 response names. */
  readonly field: string;
  constructor(issues: FieldIssue[]) {
    const first = issues[0] ?? { field: '', message: 'invalid job document' };
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super('VALIDATION_ERROR', `${first.field || 'document'}: ${first.message}${more}`, {
      phase: 'validation',
      details: { issues },
    });
    this.issues = issues;
    this.field = first.field;
  }
}

export class IllegalTransitionError extends JobError {
  readonly from: string;
  readonly to: string;
  constructor(jobId: string, from: string, to: string) {
    super('ILLEGAL_TRANSITION', `job ${jobId}: illegal state transition ${from} -> ${to}`, {
      phase: 'execution',
      details: { job_id: jobId, from, to },
    });
    this.from = from;
    this.to = to;
  }
}

export class DuplicateJobError extends JobError {
  readonly existingJobId: string;
  constructor(message: string, existingJobId: string, details: Record<string, unknown> = {}) {
    super('DUPLICATE_JOB', message, { phase: 'submission', details: { existing_job_id: existingJobId, ...details } });
    this.existingJobId = existingJobId;
  }
}

export class JobNotFoundError extends JobError {
  constructor(jobId: string) {
    super('NOT_FOUND', `no such job: ${jobId}`, { phase: 'submission', details: { job_id: jobId } });
  }
}

/** Plain-object form of any thrown value, safe for postMessage / IPC / JSON. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  phase?: string;
  details?: Record<string, unknown>;
  recoverable?: boolean;
  retry_recommended?: boolean;
  stack?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof JobError) {
    return { name: err.name, ...err.toInfo(), stack: err.stack };
  }
  if (err instanceof Error) {
    const e = err as Error & Partial<SerializedError> & { code?: unknown };
    const out: SerializedError = { name: err.name, message: err.message, stack: err.stack };
    if (typeof e.code === 'string') out.code = e.code;
    if (typeof e.recoverable === 'boolean') out.recoverable = e.recoverable;
    if (typeof e.phase === 'string') out.phase = e.phase;
    if (e.details && typeof e.details === 'object') out.details = e.details;
    if (err instanceof GuestguardError) {
      out.details = { ...(out.details ?? {}), ...(err.structure ? { structure: err.structure } : {}), ...(err.offset !== undefined ? { offset: err.offset } : {}), ...(err.path ? { path: err.path } : {}) };
    }
    return out;
  }
  return { name: 'Error', message: String(err) };
}

/** guestguard library error codes that keep their meaning in a job result. */
const PASS_THROUGH = new Set<string>(['IMAGE_NOT_FOUND', 'UNSUPPORTED_IMAGE', ...JOB_ERROR_CODES]);
/** Errors worth retrying: the cause is outside the job (I/O hiccups, resource exhaustion). */
const RECOVERABLE_SYSTEM_CODES = new Set(['IO_ERROR', 'EIO', 'EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ENOMEM', 'ETIMEDOUT', 'ECONNRESET']);

/** Turns whatever a handler threw (already serialised) into the protocol error object. */
export function toJobErrorInfo(e: SerializedError, phase: JobPhase = 'execution'): JobErrorInfo {
  const raw = e.code;
  const code = raw !== undefined && PASS_THROUGH.has(raw) ? raw : 'EXECUTION_ERROR';
  const recoverable = e.recoverable ?? (raw !== undefined && RECOVERABLE_SYSTEM_CODES.has(raw));
  const details: Record<string, unknown> = { ...(e.details ?? {}) };
  if (raw !== undefined && raw !== code) details['cause_code'] = raw;
  if (e.name && e.name !== 'Error' && e.name !== 'JobError') details['error_name'] = e.name;
  const info: JobErrorInfo = {
    code,
    message: e.message,
    phase: (e.phase as JobPhase | undefined) ?? phase,
    recoverable,
    retry_recommended: e.retry_recommended ?? recoverable,
  };
  if (Object.keys(details).length > 0) info.details = details;
  return info;
}
