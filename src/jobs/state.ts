/**
 * Job lifecycle: pending -> queued -> assigned -> running -> completed | failed | timeout | cancelled.
 *
 * Besides the happy path: a running (or assigned) job goes back to queued for a retry, or when
 * its worker disappeared (restart, SIGKILL); a queued job can time out (deadline passed before
 * any worker took it) or be cancelled. Terminal states never change.
 */
import { IllegalTransitionError } from './errors.js';
import { TERMINAL_STATES, type JOB_STATES, type TerminalState } from './protocol/schema.js';

export type JobState = (typeof JOB_STATES)[number];

const TRANSITIONS: Record<JobState, readonly JobState[]> = {
  pending: ['queued', 'failed', 'cancelled'],
  queued: ['assigned', 'cancelled', 'timeout', 'failed'],
  assigned: ['running', 'queued', 'cancelled', 'timeout', 'failed'],
  running: ['completed', 'failed', 'timeout', 'cancelled', 'queued'],
  completed: [],
  failed: [],
  timeout: [],
  cancelled: [],
};

export function isTerminal(state: JobState): state is TerminalState {
  return (TERMINAL_STATES as readonly string[]).includes(state);
}

/** States in which a job still occupies its idempotency key. */
export function isInFlight(state: JobState): boolean {
  return !isTerminal(state);
}

export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws IllegalTransitionError unless from -> to is allowed. */
export function assertTransition(jobId: string, from: JobState, to: JobState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(jobId, from, to);
}

/** A tiny state holder for code that walks one job through its life (e.g. a transport). */
export class JobStateMachine {
  private current: JobState;
  constructor(
    readonly jobId: string,
    initial: JobState = 'pending',
  ) {
    this.current = initial;
  }
  get state(): JobState {
    return this.current;
  }
  transition(to: JobState): this {
    assertTransition(this.jobId, this.current, to);
    this.current = to;
    return this;
  }
}

export function allowedTransitions(from: JobState): readonly JobState[] {
  return TRANSITIONS[from];
}
