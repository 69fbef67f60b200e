/** Types shared by every job backend (embedded SQLite, Redis) and the HTTP layer. */
import type { JobErrorInfo } from './errors.js';
import type { JobDocument, JobResult, ProgressEvent, WorkerInfo } from './protocol/schema.js';
import type { JobState } from './state.js';
import type { JobMetrics } from './exec/metrics.js';

/** A job as the API shows it. */
export interface JobView {
  job_id: string;
  status: JobState;
  operation: string;
  name: string | null;
  priority: number;
  attempt: number;
  max_attempts: number;
  worker_id: string | null;
  idempotency_key: string | null;
  submitted_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** When a retry is due (backoff), if one is scheduled. */
  next_attempt_at: string | null;
  error: JobErrorInfo | null;
  document?: JobDocument;
}

export interface SubmitContext {
  /** Filled into audit.submitted_by / submitted_from / authorization when the document has none. */
  submittedBy?: string;
  submittedFrom?: string;
  authMethod?: string;
  authSubject?: string;
}

export interface SubmitOutcome {
  /** "created": a new job; "existing": the idempotency key already completed, see `result`. */
  status: 'created' | 'existing';
  job: JobView;
  result?: JobResult;
}

export interface ListQuery {
  status?: JobState;
  operation?: string;
  /** 1..500, default 50. */
  limit?: number;
  /** Opaque cursor from a previous page's next_cursor. */
  cursor?: string;
}

export interface ListPage {
  items: JobView[];
  next_cursor: string | null;
}

export type JobStreamEvent =
  | { type: 'status'; job_id: string; status: JobState; attempt: number; timestamp: string; error?: JobErrorInfo | null }
  | { type: 'progress'; job_id: string; event: ProgressEvent }
  | { type: 'result'; job_id: string; result: JobResult };

export interface CapabilitiesInfo {
  protocol_version: string;
  worker_version: string;
  operations: string[];
  payload_types: string[];
  capabilities: string[];
  features: string[];
  pools: string[];
}

export interface HealthInfo {
  ok: boolean;
  backend: 'embedded' | 'redis';
  details: Record<string, unknown>;
}

/** The job API every backend implements; the HTTP server is a thin layer over it. */
export interface JobService {
  readonly backend: 'embedded' | 'redis';
  readonly metrics: JobMetrics;
  submit(document: unknown, ctx?: SubmitContext): Promise<SubmitOutcome>;
  get(jobId: string): Promise<JobView | undefined>;
  list(query?: ListQuery): Promise<ListPage>;
  /** The final result; undefined while the job has none yet. Throws NOT_FOUND for unknown ids. */
  result(jobId: string): Promise<JobResult | undefined>;
  cancel(jobId: string, reason?: string): Promise<JobView>;
  /** Stored progress events with sequence > afterSequence. */
  events(jobId: string, afterSequence?: number): Promise<ProgressEvent[]>;
  /** Live events for one job; returns an unsubscribe function. */
  subscribe(jobId: string, listener: (e: JobStreamEvent) => void): () => void;
  workers(): Promise<WorkerInfo[]>;
  capabilities(): Promise<CapabilitiesInfo>;
  health(): Promise<HealthInfo>;
  queueDepth(): Promise<number>;
  close(): Promise<void>;
}
