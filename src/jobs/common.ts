/** Small helpers shared by the job backends. */
import { JobError } from './errors.js';
import type { JobDocument } from './protocol/schema.js';
import type { SubmitContext } from './service-types.js';

/** Fills audit fields the submitter left empty from what the transport knows (never overrides). */
export function applyAudit(doc: JobDocument, ctx: SubmitContext | undefined): JobDocument {
  if (!ctx) return doc;
  const audit = { ...(doc.audit ?? {}) };
  if (audit.submitted_by == null && ctx.submittedBy) audit.submitted_by = ctx.submittedBy;
  if (audit.submitted_from == null && ctx.submittedFrom) audit.submitted_from = ctx.submittedFrom;
  if (audit.authorization == null && ctx.authMethod) audit.authorization = { method: ctx.authMethod, subject: ctx.authSubject ?? null };
  return Object.keys(audit).length > 0 ? { ...doc, audit } : doc;
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw new JobError('VALIDATION_ERROR', 'limit must be an integer between 1 and 500', { phase: 'submission', details: { field: 'limit' } });
  }
  return limit;
}

export function iso(ms: number | null | undefined): string | null {
  return ms == null ? null : new Date(ms).toISOString();
}

/** Cursors are opaque to clients: base64url of an integer position. */
export function encodeCursor(n: number): string {
  return Buffer.from(String(n)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const n = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(n) || n < 0) throw new JobError('VALIDATION_ERROR', 'invalid cursor', { phase: 'submission', details: { field: 'cursor' } });
  return n;
}

/** Resolves after `ms`, or as soon as `signal` aborts; leaves no listener on `signal` either way. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
