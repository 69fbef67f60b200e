/** Messages between the executor and a handler running in a worker thread or child process. */
import type { SerializedError } from '../errors.js';
import type { HandlerJobInfo, HandlerOutput, HandlerPayload, ProgressUpdate } from '../handlers/types.js';

export interface SandboxInput {
  module: string;
  exportName: string;
  payload: HandlerPayload;
  job: HandlerJobInfo;
}

export interface SandboxUsage {
  cpu_seconds: number;
  peak_memory_mb: number;
}

export type SandboxMessage =
  | { t: 'progress'; update: ProgressUpdate }
  | { t: 'metrics'; metrics: { disk_read_bytes?: number } }
  | { t: 'done'; output: HandlerOutput; usage: SandboxUsage }
  | { t: 'error'; error: SerializedError; usage: SandboxUsage };

export type ParentMessage = { t: 'run'; input: SandboxInput } | { t: 'abort'; reason: string };
