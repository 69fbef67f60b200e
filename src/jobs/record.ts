/** The stored form of a job, shared by the SQLite and Redis stores, and its API view. */
import { iso } from './common.js';
import type { JobError, JobErrorInfo } from './errors.js';
import type { ProgressUpdate } from './handlers/types.js';
import type { JobDocument, JobResult } from './protocol/schema.js';
import type { JobView } from './service-types.js';
import type { JobState } from './state.js';

export interface JobRecord {
  seq: number;
  job_id: string;
  document: JobDocument;
  state: JobState;
  attempt: number;
  priority: number;
  operation: string;
  idempotency_key: string | null;
  worker_id: string | null;
  submitted_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  not_before: number | null;
  deadline: number | null;
  result: JobResult | null;
  error: JobErrorInfo | null;
}

/** A progress event before the store numbers it. */
export interface ProgressEventInit {
  timestamp: string;
  phase: string;
  progress_percent?: number | null;
  message?: string;
  details?: Record<string, unknown>;
}

export function recordToView(r: JobRecord, withDocument: boolean): JobView {
  const v: JobView = {
    job_id: r.job_id,
    status: r.state,
    operation: r.operation,
    name: r.document.metadata?.name ?? null,
    priority: r.priority,
    attempt: r.attempt,
    max_attempts: r.document.execution.max_attempts,
    worker_id: r.worker_id,
    idempotency_key: r.idempotency_key,
    submitted_at: iso(r.submitted_at)!,
    updated_at: iso(r.updated_at)!,
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
    next_attempt_at: r.state === 'queued' ? iso(r.not_before) : null,
    error: r.error,
  };
  if (withDocument) v.document = r.document;
  return v;
}


/** A final result for a job that ended outside a handler run (cancel, queued deadline). */
export function syntheticResult(r: JobRecord, status: 'cancelled' | 'timeout' | 'failed', err: JobError, now: number): JobResult {
  const started = r.started_at ?? now;
  const res: JobResult = {
    job_id: r.job_id,
    status,
    failed_at: new Date(now).toISOString(),
    worker_id: r.worker_id,
    execution_summary: {
      started_at: r.started_at !== null ? new Date(r.started_at).toISOString() : null,
      duration_seconds: Math.max(0, (now - started) / 1000),
      attempt: r.attempt,
      idempotency_key: r.idempotency_key,
    },
    error: err.toInfo(),
  };
  if (r.document.observability) res.observability = r.document.observability;
  return res;
}


export function progressInit(u: ProgressUpdate, now = new Date()): ProgressEventInit {
  return {
    timestamp: now.toISOString(),
    phase: u.phase ?? 'execution',
    progress_percent: u.progress_percent ?? null,
    ...(u.message !== undefined ? { message: u.message } : {}),
    ...(u.details !== undefined ? { details: u.details } : {}),
  };
}
