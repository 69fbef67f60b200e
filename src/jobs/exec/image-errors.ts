/**
 * The library's typed image errors as job errors: a missing image (or backing file) is
 * IMAGE_NOT_FOUND, an image guestguard cannot read (unknown, damaged, truncated, encrypted
 * container, broken volume layout) is UNSUPPORTED_IMAGE, host I/O trouble is a recoverable
 * EXECUTION_ERROR. The library's own code, structure and offset stay in `details`.
 */
import type { ImageFormat } from '../../disk/disk-image.js';
import { GuestguardError } from '../../errors.js';
import { JobError, type JobPhase } from '../errors.js';

export const IMAGE_FORMAT_NAMES: readonly ImageFormat[] = ['raw', 'qcow2', 'vmdk', 'vhd', 'vhdx', 'vdi'];

const NOT_FOUND = new Set(['IMAGE_NOT_FOUND', 'BACKING_FILE_MISSING']);
const UNSUPPORTED = new Set([
  'UNSUPPORTED_IMAGE',
  'CORRUPT_IMAGE',
  'TRUNCATED_IMAGE',
  'ENCRYPTED_IMAGE',
  'BACKING_CHAIN_TOO_DEEP',
  'OUT_OF_RANGE',
  'CORRUPT_VOLUME',
  'UNSUPPORTED_VOLUME',
]);

export function imageOpenError(err: unknown, path: string, phase: JobPhase = 'validation'): JobError {
  if (err instanceof JobError) return err;
  if (!(err instanceof GuestguardError)) {
    return new JobError('EXECUTION_ERROR', `cannot open image ${path}: ${err instanceof Error ? err.message : String(err)}`, { phase, details: { path }, cause: err });
  }
  const details: Record<string, unknown> = { path, cause_code: err.code };
  if (err.structure !== undefined) details['structure'] = err.structure;
  if (err.offset !== undefined) details['offset'] = err.offset;
  if (err.path !== undefined && err.path !== path) details['file'] = err.path;
  if (NOT_FOUND.has(err.code)) return new JobError('IMAGE_NOT_FOUND', err.message, { phase, details, cause: err });
  if (UNSUPPORTED.has(err.code)) return new JobError('UNSUPPORTED_IMAGE', err.message, { phase, details, cause: err });
  if (err.code === 'IO_ERROR') return new JobError('EXECUTION_ERROR', err.message, { phase, details, recoverable: true, cause: err });
  if (err.code === 'INVALID_ARGUMENT') return new JobError('VALIDATION_ERROR', err.message, { phase, details, cause: err });
  return new JobError('EXECUTION_ERROR', err.message, { phase, details, cause: err });
}
