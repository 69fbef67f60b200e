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

/**
 * Why a sandbox never became ready: `bwrap` failed setting it up (namespaces, mounts, seccomp;
 * SandboxResult.setupError says the same), the `command` could not be started in the finished
 * sandbox (not found: exit status 127), or it was `destroyed` first.
 */
export type SetupStage = 'bwrap' | 'command' | 'destroyed';

/** What Sandbox.ready() rejects with: the sandbox exited before its first program ran inside it. */
export class SandboxSetupError extends SandboxError {
  constructor(
    readonly stage: SetupStage,
    message: string,
    /** Exit status of the sandbox (bwrap's own, or the command's as bwrap reports it). */
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    /** The first lines bwrap (or the shell starting the command) wrote on stderr, when stderr was piped. */
    readonly stderr: string,
  ) {
    super('setup-failed', message);
  }
}
