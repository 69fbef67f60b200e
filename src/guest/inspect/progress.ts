/** Progress of an inspection, for displays: one event per step, in order. */
export type InspectStep =
  | 'open'
  | 'scan'
  | 'roots'
  | 'identity'
  | 'packages'
  | 'services'
  | 'users'
  | 'network'
  | 'kernels'
  | 'security'
  | 'windows'
  | 'done';

export interface InspectProgress {
  step: InspectStep;
  /** Root device of the OS being inspected, for per-OS steps. */
  root?: string;
  /** 1-based position of that OS and how many there are. */
  os?: number;
  of?: number;
  /** Human-readable description of the step. */
  message: string;
}

export type ProgressListener = (event: InspectProgress) => void;
