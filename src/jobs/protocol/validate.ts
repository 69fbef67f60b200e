/**
 * Job document validation: the zod schema (shape, types, ranges) plus the v1 cross-field rules
 * the schema cannot express. Every problem names the dotted field at fault.
 */
import type { z } from 'zod';
import { JobValidationError, type FieldIssue } from '../errors.js';
import { ImageRefSchema, JobDocumentSchema, type JobDocument } from './schema.js';
import { parseSemver } from './semver.js';
import { parseSelectors } from './selectors.js';

export type ValidationResult = { ok: true; job: JobDocument } | { ok: false; issues: FieldIssue[] };

function fieldOf(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return 'is required';
  return issue.message;
}

/** `guestkit.inspect` -> payload type must be `guestkit.inspect.v<N>`. */
export function payloadVersion(operation: string, payloadType: string): number | undefined {
  if (!payloadType.startsWith(operation + '.')) return undefined;
  const m = /^v([1-9]\d{0,5})$/.exec(payloadType.slice(operation.length + 1));
  return m ? Number(m[1]) : undefined;
}

function crossFieldIssues(job: JobDocument): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (payloadVersion(job.operation, job.payload.type) === undefined) {
    issues.push({
      field: 'payload.type',
      message: `must be "${job.operation}.v<N>" to match operation "${job.operation}", got "${job.payload.type}"`,
    });
  }
  const ex = job.execution;
  if (ex.attempt > ex.max_attempts) {
    issues.push({ field: 'execution.attempt', message: `attempt (${ex.attempt}) exceeds max_attempts (${ex.max_attempts})` });
  }
  if (ex.deadline != null && Date.parse(ex.deadline) <= Date.parse(job.created_at)) {
    issues.push({ field: 'execution.deadline', message: 'must be after created_at' });
  }
  const c = job.constraints;
  if (c?.minimum_worker_version != null && parseSemver(c.minimum_worker_version) === undefined) {
    issues.push({ field: 'constraints.minimum_worker_version', message: `not a semantic version: "${c.minimum_worker_version}"` });
  }
  const pool = job.routing?.worker_pool;
  if (pool != null && c?.allowed_worker_pools && c.allowed_worker_pools.length > 0 && !c.allowed_worker_pools.includes(pool)) {
    issues.push({ field: 'routing.worker_pool', message: `"${pool}" is not in constraints.allowed_worker_pools` });
  }
  for (const k of ['affinity', 'anti_affinity'] as const) issues.push(...parseSelectors(job.routing?.[k], `routing.${k}`).issues);
  const image = job.payload.data['image'];
  if (image !== undefined) {
    const r = ImageRefSchema.safeParse(image);
    if (!r.success) {
      for (const i of r.error.issues) issues.push({ field: fieldOf(['payload', 'data', 'image', ...i.path]), message: issueMessage(i) });
    }
  }
  return issues;
}

export function validateJobDocument(input: unknown): ValidationResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, issues: [{ field: '', message: 'job document must be a JSON object' }] };
  }
  const parsed = JobDocumentSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((i) => ({ field: fieldOf(i.path), message: issueMessage(i) })) };
  }
  const issues = crossFieldIssues(parsed.data);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, job: parsed.data };
}

/** Validates and returns the normalised document; throws JobValidationError naming the field. */
export function parseJobDocument(input: unknown): JobDocument {
  const r = validateJobDocument(input);
  if (!r.ok) throw new JobValidationError(r.issues);
  return r.job;
}
