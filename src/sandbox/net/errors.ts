/**
 * Typed network-setup errors. Each carries the command that failed and its stderr, so a report
 * says exactly what the host refused ("ip netns add …: Operation not permitted").
 */
import { SandboxError, type SandboxFailure } from '../errors.js';

export type NetworkErrorKind =
  | 'PrivilegeRequired'
  | 'NftablesNotAvailable'
  | 'TableCreationFailed'
  | 'RuleAdditionFailed'
  | 'LinkingFailed'
  | 'CleanupFailed';

export interface FailedCommand {
  /** argv of the command (empty when no command was run, e.g. a missing privilege). */
  command: readonly string[];
  stderr: string;
  /** Input fed to the command (an nft script), when there was one. */
  input?: string;
}

export class NetworkError extends SandboxError {
  readonly kind: NetworkErrorKind;
  readonly command: readonly string[];
  readonly stderr: string;
  readonly input: string | undefined;
  /** Set when undoing a half-finished setup failed too (the objects may be left for the sweep). */
  cleanupError?: Error;

  constructor(kind: NetworkErrorKind, message: string, failed: FailedCommand = { command: [], stderr: '' }, failure: SandboxFailure = 'setup-failed') {
    const detail = failed.command.length > 0 ? `: ${failed.command.join(' ')}${failed.stderr ? `: ${firstLines(failed.stderr)}` : ''}` : '';
    super(failure, `network: ${message}${detail}`);
    this.kind = kind;
    this.command = failed.command;
    this.stderr = failed.stderr;
    this.input = failed.input;
  }
}

function firstLines(text: string): string {
  return text.trim().split('\n').slice(0, 4).join('; ');
}

/** Network namespaces, veths and nftables need root (CAP_NET_ADMIN + CAP_SYS_ADMIN on the host). */
export class PrivilegeRequiredError extends NetworkError {
  constructor(message: string, failed?: FailedCommand) {
    super('PrivilegeRequired', message, failed, 'unavailable');
  }
}

/** nft is missing, or the kernel has no nf_tables. */
export class NftablesNotAvailableError extends NetworkError {
  constructor(message: string, failed?: FailedCommand) {
    super('NftablesNotAvailable', message, failed, 'unavailable');
  }
}

/** guestguard's own table (inet guestguard) and its base chains could not be created. */
export class TableCreationFailedError extends NetworkError {
  constructor(message: string, failed?: FailedCommand) {
    super('TableCreationFailed', message, failed);
  }
}

/** A sandbox's chain, rules or map element could not be added (or, in test mode, did not validate). */
export class RuleAdditionFailedError extends NetworkError {
  constructor(message: string, failed?: FailedCommand) {
    super('RuleAdditionFailed', message, failed);
  }
}

/** The network namespace, veth pair, addresses, routes or sysctls could not be set up. */
export class LinkingFailedError extends NetworkError {
  constructor(message: string, failed?: FailedCommand) {
    super('LinkingFailed', message, failed);
  }
}

/** Teardown failed somewhere; `errors` lists every step that failed (each with its command). */
export class CleanupFailedError extends NetworkError {
  readonly errors: readonly NetworkError[];

  constructor(what: string, errors: readonly NetworkError[]) {
    const first = errors[0];
    super(
      'CleanupFailed',
      `cleanup of ${what} failed in ${errors.length} step(s)${errors.length > 0 ? `; first: ${first!.message}` : ''}`,
      first ? { command: first.command, stderr: first.stderr } : undefined,
    );
    this.errors = errors;
  }
}
