/**
 * Job protocol v1 (envelope, result, progress event) as zod schemas.
 *
 * Every object is a "loose" object: unknown fields are kept, so a v1.x document written by a
 * newer producer passes through this worker unchanged (forward compatibility). Defaults are
 * applied on parse, so a parsed document always has a complete `execution` section.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = '1.0';
export const JOB_KIND = 'VMOperation';

/** `<namespace>.<operation>[.<variant>]`, lower-case words. */
export const OPERATION_RE = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$/;
/** Job ids are also file names (directory transport) and Redis/BullMQ keys: keep them plain. */
export const JOB_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const SHA256_CHECKSUM_RE = /^sha256:[0-9a-f]{64}$/;

const isoDate = z.iso.datetime({ offset: true });
const stringMap = z.record(z.string(), z.string());
const optionalText = z.string().max(1024).nullish();

export const JobMetadataSchema = z.looseObject({
  name: z.string().max(253).optional(),
  namespace: z.string().max(253).optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
});

export const ExecutionPolicySchema = z.looseObject({
  idempotency_key: z.string().min(1).max(512).nullish(),
  attempt: z.number().int().min(1).max(1000).default(1),
  max_attempts: z.number().int().min(1).max(100).default(1),
  /** Seconds; fractions are allowed (sub-second limits are handy for tests and tiny jobs). */
  timeout_seconds: z.number().positive().max(7 * 86400).default(3600),
  deadline: isoDate.nullish(),
  /** 1 (lowest) .. 10 (most urgent). */
  priority: z.number().int().min(1).max(10).default(5),
  cancellable: z.boolean().default(true),
});

export const ConstraintsSchema = z.looseObject({
  required_capabilities: z.array(z.string().min(1)).optional(),
  required_features: z.array(z.string().min(1)).optional(),
  minimum_worker_version: z.string().nullish(),
  maximum_disk_size_gb: z
    .number()
    .positive()
    .nullish()
    .describe(
      "Largest virtual disk size (GiB, 2^30 bytes) the job may open: checked against the image's virtual size (not its file size) before work begins; larger images fail with DISK_TOO_LARGE. Also routes the job only to workers whose own limit (--max-disk-size-gb) is at least this.",
    ),
  allowed_worker_pools: z.array(z.string().min(1)).optional(),
});

/** Label selectors: ["key=value", "key"] or {"key": "value" | ["v1", "v2"] | true} (checked in validate.ts). */
const SelectorsSchema = z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]);

export const RoutingSchema = z.looseObject({
  worker_id: z.string().min(1).nullish().describe('Only the worker with this id may run the job.'),
  worker_pool: z.string().min(1).nullish().describe('Only workers of this pool (`--pool`) may run the job.'),
  affinity: SelectorsSchema.nullish().describe(
    'Worker label selectors the worker must ALL match. Workers get labels with `--label key=value` (`guestguard worker` / `serve`). ' +
      'Either a list of "key=value" (label equals value) or "key" (label present, any value), or an object ' +
      '{"key": "value" | ["value", ...] | true}: value (label equals it), list (label is one of them), true (label present). ' +
      'A job no live worker matches stays queued.',
  ),
  anti_affinity: SelectorsSchema.nullish().describe(
    'Worker label selectors the worker must match NONE of; same forms as affinity. ' +
      'E.g. ["zone=eu-2"] keeps the job off workers labelled zone=eu-2, ["gpu"] off any worker with a gpu label.',
  ),
});

export const PayloadSchema = z.looseObject({
  type: z.string().min(1),
  data: z.record(z.string(), z.unknown()).default({}),
});

export const ObservabilitySchema = z.looseObject({
  trace_id: optionalText,
  span_id: optionalText,
  parent_span_id: optionalText,
  correlation_id: optionalText,
});

export const AuditSchema = z.looseObject({
  submitted_by: optionalText,
  submitted_from: optionalText,
  authorization: z
    .looseObject({
      method: optionalText,
      subject: optionalText,
    })
    .nullish(),
});

export const JobDocumentSchema = z.looseObject({
  $schema: z.string().optional(),
  version: z.literal(PROTOCOL_VERSION),
  job_id: z.string().min(8).max(128).regex(JOB_ID_RE, 'letters, digits and . _ - only'),
  created_at: isoDate,
  kind: z.literal(JOB_KIND),
  operation: z.string().max(128).regex(OPERATION_RE, 'must be namespaced, e.g. "guestkit.inspect"'),
  metadata: JobMetadataSchema.optional(),
  execution: ExecutionPolicySchema.prefault({}),
  constraints: ConstraintsSchema.optional(),
  routing: RoutingSchema.optional(),
  payload: PayloadSchema,
  observability: ObservabilitySchema.optional(),
  audit: AuditSchema.optional(),
});

/** A parsed, defaulted job document. */
export type JobDocument = z.output<typeof JobDocumentSchema>;
/** What a producer may write (defaults optional). */
export type JobDocumentInput = z.input<typeof JobDocumentSchema>;
export type ExecutionPolicy = z.output<typeof ExecutionPolicySchema>;
export type Constraints = z.output<typeof ConstraintsSchema>;
export type Routing = z.output<typeof RoutingSchema>;

/** Image reference shared by the image-based payloads (`payload.data.image`). */
export const ImageRefSchema = z.looseObject({
  path: z.string().min(1),
  format: z.string().optional(),
  checksum: z.string().regex(SHA256_CHECKSUM_RE, 'must be "sha256:" followed by 64 lower-case hex digits').optional(),
  size_bytes: z.number().int().nonnegative().optional(),
});
export type ImageRef = z.output<typeof ImageRefSchema>;

// ---------------------------------------------------------------------------------------------
// Results

export const JOB_STATES = ['pending', 'queued', 'assigned', 'running', 'completed', 'failed', 'timeout', 'cancelled'] as const;
export const TERMINAL_STATES = ['completed', 'failed', 'timeout', 'cancelled'] as const;
export type TerminalState = (typeof TERMINAL_STATES)[number];

export const JobErrorInfoSchema = z.looseObject({
  code: z.string(),
  message: z.string(),
  phase: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
  recoverable: z.boolean(),
  retry_recommended: z.boolean(),
});

export const JobMetricsSchema = z.looseObject({
  disk_read_bytes: z.number().nonnegative().optional(),
  peak_memory_mb: z.number().nonnegative().optional(),
  cpu_seconds: z.number().nonnegative().optional(),
});
export type JobMetricsInfo = z.output<typeof JobMetricsSchema>;

export const JobResultSchema = z.looseObject({
  job_id: z.string(),
  status: z.enum(TERMINAL_STATES),
  completed_at: isoDate.optional(),
  failed_at: isoDate.optional(),
  worker_id: z.string().nullish(),
  execution_summary: z.looseObject({
    started_at: isoDate.nullish(),
    duration_seconds: z.number().nonnegative(),
    attempt: z.number().int().min(1),
    idempotency_key: z.string().nullish(),
  }),
  outputs: z.record(z.string(), z.unknown()).optional(),
  metrics: JobMetricsSchema.optional(),
  error: JobErrorInfoSchema.optional(),
  observability: ObservabilitySchema.optional(),
  data: z.unknown().optional(),
});
export type JobResult = z.output<typeof JobResultSchema>;

export const ProgressEventSchema = z.looseObject({
  job_id: z.string(),
  timestamp: isoDate,
  sequence: z.number().int().nonnegative(),
  phase: z.string(),
  progress_percent: z.number().min(0).max(100).nullish(),
  message: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ProgressEvent = z.output<typeof ProgressEventSchema>;

/** What a worker advertises (GET /api/v1/workers). */
export interface WorkerInfo {
  worker_id: string;
  version: string;
  hostname: string;
  pid: number;
  pool: string;
  transport: 'embedded' | 'redis' | 'directory';
  registered_at: string;
  last_heartbeat: string;
  capabilities: { operations: string[]; payload_types: string[]; features: string[] };
  resources: { max_concurrent_jobs: number; max_disk_size_gb: number | null };
  /** Labels routing.affinity / anti_affinity select on (`--label key=value`). */
  labels: Record<string, string>;
  status: { state: 'ready' | 'busy' | 'draining'; current_jobs: number };
}
