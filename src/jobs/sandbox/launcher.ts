/**
 * Injectable isolation for handler processes. The jobs layer cannot know about bwrap (the
 * sandbox layer sits above it), so the sandbox layer implements this interface and the CLI
 * installs it with setProcessLauncher(): from then on every handler call runs in a process the
 * launcher starts (e.g. a pooled bwrap sandbox) instead of a worker thread / plain child process.
 *
 * Contract of a launched process: it runs `node [...execArgv] entry`, reads framed messages
 * (frames.ts) from its fd 0 and writes framed messages to its fd 3; fds 1 and 2 are log output.
 */
import type { Readable, Writable } from 'node:stream';

export interface LaunchRequest {
  /** Absolute path of the Node entry script (the stream entry of this package). */
  entry: string;
  /** Node options placed before the entry (e.g. the TypeScript loader when running from source). */
  execArgv: readonly string[];
  /** The process environment; nothing else is inherited. */
  env: Readonly<Record<string, string>>;
  /** Host files of modules the process will import (the handler module), so the launcher can make them reachable. */
  modules: readonly string[];
  /** Host folders the process must be able to read (e.g. the TypeScript transpile cache as a read-only seed). */
  readOnly?: readonly string[];
  /** Abort to stop waiting for a process (e.g. for a free sandbox); the launch promise rejects. */
  signal?: AbortSignal;
}

export interface LaunchedProcess {
  /** Host pid of the process or of its sandbox. */
  readonly pid: number;
  /** An id naming the sandbox, for logs and job views. */
  readonly id: string;
  /** Messages to the process (its fd 0). */
  readonly input: Writable;
  /** Messages from the process (its fd 3). */
  readonly output: Readable;
  /** Its stdout/stderr output, forwarded to our stderr. */
  readonly logs: readonly Readable[];
  /** Kills the process and everything it started. */
  kill(): void;
  /** Resolves with a short description ("exit code 0", "killed by SIGKILL") once it and its sandbox are gone. */
  readonly exited: Promise<string>;
}

export interface ProcessLauncher {
  /** Short name for logs: "bwrap", ... */
  readonly kind: string;
  launch(req: LaunchRequest): Promise<LaunchedProcess>;
}

/**
 * Which handler calls an installed launcher takes: `all`, or `images`: jobs whose payload names a
 * disk image (payload.data.image), the untrusted input guestguard parses; the others keep their
 * thread / child process.
 */
export type LauncherScope = 'all' | 'images';

let current: { launcher: ProcessLauncher; scope: LauncherScope } | null = null;

/** Installs the launcher later runHandler() calls use (null: back to threads / plain child processes). Default scope `all`. */
export function setProcessLauncher(launcher: ProcessLauncher | null, opts: { scope?: LauncherScope } = {}): void {
  current = launcher ? { launcher, scope: opts.scope ?? 'all' } : null;
}

export function getProcessLauncher(): ProcessLauncher | null {
  return current?.launcher ?? null;
}

export function getLauncherScope(): LauncherScope | null {
  return current?.scope ?? null;
}
