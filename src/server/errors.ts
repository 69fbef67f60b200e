/** JobError codes to HTTP statuses, and the one error body shape every endpoint uses. */
import { JobError, JobValidationError } from '../jobs/errors.js';

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    /** For 400s: the field at fault (dotted path), e.g. "execution.priority". */
    field?: string;
    issues?: { field: string; message: string }[];
    details?: Record<string, unknown>;
  };
}

const STATUS: Record<string, number> = {
  VALIDATION_ERROR: 400,
  UNSUPPORTED_OPERATION: 400,
  NOT_FOUND: 404,
  DUPLICATE_JOB: 409,
  ILLEGAL_TRANSITION: 409,
  NOT_CANCELLABLE: 409,
  UNAUTHORIZED: 401,
  UNAVAILABLE: 503,
};

export function httpStatusOf(err: JobError): number {
  return STATUS[err.code] ?? 500;
}

export function errorBody(err: JobError): ErrorBody {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  if (err instanceof JobValidationError) {
    body.error.field = err.field;
    body.error.issues = err.issues;
  } else {
    const field = err.details?.['field'];
    if (typeof field === 'string') body.error.field = field;
    if (err.details) body.error.details = err.details;
  }
  return body;
}

export function simpleError(code: string, message: string, field?: string): ErrorBody {
  return { error: { code, message, ...(field !== undefined ? { field } : {}) } };
}
