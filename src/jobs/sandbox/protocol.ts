/** Messages between the executor and a handler running in a worker thread or child process. */
import type { SerializedError } from '../errors.js';
import type { HandlerJobInfo, HandlerOutput, HandlerPayload, ProgressUpdate } from '../handlers/types.js';

export interface SandboxInput {
  module: string;
  exportName: string;
  payload: HandlerPayload;
  job: HandlerJobInfo;
  /**
   * Set by the executor side for a handler in a launched (e.g. bwrap) process: host folders whose
   * files the handler reaches through the file broker instead of its own file system (the folders
   * of the image and of its backing files; the broker itself serves only those files).
   */
  brokered?: readonly string[];
}

export interface SandboxUsage {
  cpu_seconds: number;
  peak_memory_mb: number;
}

/** Read-only file operations a sandboxed handler asks the executor's file broker for. */
export type FileRequest =
  | { op: 'stat'; path: string }
  | { op: 'open'; path: string }
  | { op: 'read'; handle: number; position: number; length: number }
  | { op: 'close'; handle: number };

/** What stat/open return: the fields the disk layer uses. */
export interface BrokeredStat {
  size: number;
  mode: number;
  mtimeMs: number;
  dev: number;
  ino: number;
  kind: 'file' | 'directory' | 'other';
}

export type FileReply =
  | { ok: true; stat?: BrokeredStat; handle?: number; data?: Uint8Array }
  /** `refused`: the path is not one the broker serves (FileNotBrokeredError); the code is then ENOENT. */
  | { ok: false; code: string; message: string; refused?: true };

export type SandboxMessage =
  | { t: 'progress'; update: ProgressUpdate }
  | { t: 'metrics'; metrics: { disk_read_bytes?: number } }
  | { t: 'done'; output: HandlerOutput; usage: SandboxUsage }
  | { t: 'error'; error: SerializedError; usage: SandboxUsage }
  | { t: 'file'; id: number; request: FileRequest };

export type ParentMessage =
  | { t: 'run'; input: SandboxInput }
  | { t: 'abort'; reason: string }
  | { t: 'file'; id: number; reply: FileReply };
