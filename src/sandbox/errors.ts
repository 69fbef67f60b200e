/** Sandbox failures: a backend that cannot run here, or a sandbox that failed to start. */
import { GuestguardError, type ErrorCode } from '../errors.js';

export type SandboxFailure = 'unavailable' | 'setup-failed' | 'bad-spec' | 'state';

export class SandboxError extends GuestguardError {
  readonly failure: SandboxFailure;

  constructor(failure: SandboxFailure, message: string, path?: string) {
    const code: ErrorCode = failure === 'bad-spec' || failure === 'state' ? 'INVALID_ARGUMENT' : 'IO_ERROR';
    super(code, `sandbox: ${message}`, path !== undefined ? { path } : {});
    this.failure = failure;
  }
}
