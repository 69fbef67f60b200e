/**
 * Runs one handler call in a fresh worker thread or child process and guarantees it is gone
 * when the returned promise settles: on success, failure, timeout or cancel the thread is
 * terminated / the process SIGKILLed, and the promise waits for its exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { JobError, serializeError, toJobErrorInfo, type SerializedError } from '../errors.js';
import { forwardLogs } from '../log-forward.js';
import { siblingModule } from '../handlers/registry.js';
import type { HandlerOutput, HandlerSpec, ProgressUpdate } from '../handlers/types.js';
import { GuestguardError } from '../../errors.js';
import { imageOpenError } from '../exec/image-errors.js';
import { FileBroker } from './file-broker.js';
import { assertChainInsideRoots, imageChainFiles, imageRefOf } from './image-chain.js';
import { readFrames, writeFrame } from './frames.js';
import { getLauncherScope, getProcessLauncher, type LaunchedProcess, type ProcessLauncher } from './launcher.js';
import type { ParentMessage, SandboxInput, SandboxMessage, SandboxUsage } from './protocol.js';
import { needsTsLoader, tsCacheDir, tsLoaderExecArgv, warmTsCache } from './ts-loader.js';

/** Where a handler call runs; `sandbox` names the launcher's sandbox (e.g. "bwrap:guestguard-…") when one is used. */
export type SandboxInfo = { kind: 'thread'; threadId: number } | { kind: 'process'; pid: number; sandbox?: string };

export interface RunHandlerOptions {
  /** Hard limit; on expiry the work is killed and the promise rejects with TIMEOUT. */
  timeoutMs?: number;
  /** Abort to cancel: the work is killed and the promise rejects with CANCELLED. */
  signal?: AbortSignal;
  /** Time the handler gets to react to its AbortSignal before being killed (default 50 ms). */
  graceMs?: number;
  onProgress?(update: ProgressUpdate): void;
  onMetrics?(m: { disk_read_bytes?: number }): void;
  onSpawn?(info: SandboxInfo): void;
  /**
   * Runs the handler in a process from this launcher, whatever its isolation (undefined: the one
   * installed with setProcessLauncher(), if its scope takes this call; null: none, threads and
   * plain child processes).
   */
  launcher?: ProcessLauncher | null;
  /**
   * For a launched (sandboxed) handler: every file of the image's backing chain must resolve
   * inside one of these folders, or the call fails with VALIDATION_ERROR (pass the executor's
   * imageRoots; unset: no restriction, as for the image itself).
   */
  imageRoots?: readonly string[];
}

export interface HandlerRunResult {
  output: HandlerOutput;
  usage: SandboxUsage;
}

interface Box {
  info: SandboxInfo;
  abort(reason: string): void;
  kill(): void;
  /** Resolves once the process exists (launched processes start asynchronously). */
  started?: Promise<void>;
}

const live = new Set<SandboxInfo>();

/** Sandboxes currently alive in this process (for health checks and tests). */
export function liveSandboxes(): SandboxInfo[] {
  return [...live];
}

export function runHandler(spec: HandlerSpec, input: SandboxInput, opts: RunHandlerOptions = {}): Promise<HandlerRunResult> {
  return new Promise<HandlerRunResult>((resolve, reject) => {
    let outcome: { ok: true; value: HandlerRunResult } | { ok: false; error: Error } | undefined;
    let exited = false;
    let timer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;

    const settle = () => {
      if (!exited || !outcome) return;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (outcome.ok) resolve(outcome.value);
      else reject(outcome.error);
    };
    const decide = (o: NonNullable<typeof outcome>, killNow: boolean) => {
      if (outcome) return;
      outcome = o;
      if (killNow) box.kill();
      settle();
    };
    const stop = (err: JobError) => {
      if (outcome) return;
      outcome = { ok: false, error: err };
      box.abort(err.message);
      const grace = opts.graceMs ?? 50;
      if (grace <= 0) box.kill();
      else graceTimer = setTimeout(() => box.kill(), grace);
      settle();
    };
    const onMessage = (m: SandboxMessage) => {
      if (outcome) return;
      switch (m.t) {
        case 'progress':
          opts.onProgress?.(m.update);
          break;
        case 'metrics':
          opts.onMetrics?.(m.metrics);
          break;
        case 'done':
          decide({ ok: true, value: { output: m.output, usage: m.usage } }, true);
          break;
        case 'error':
          decide({ ok: false, error: errorFrom(m.error) }, true);
          break;
      }
    };
    const onExit = (detail: string) => {
      exited = true;
      live.delete(box.info);
      if (!outcome) {
        outcome = {
          ok: false,
          error: new JobError('HANDLER_CRASHED', `${spec.operation} handler exited before finishing (${detail})`, {
            details: { exit: detail },
          }),
        };
      }
      settle();
    };
    const onAbort = () => {
      // The abort reason may already be the job error to report (e.g. TIMEOUT from the executor).
      const reason: unknown = opts.signal?.reason;
      if (reason instanceof JobError) return stop(reason);
      stop(new JobError('CANCELLED', reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'job cancelled', { phase: 'execution' }));
    };

    const launcher = opts.launcher === undefined ? installedLauncherFor(input) : opts.launcher;
    const box: Box = launcher
      ? spawnLaunched(launcher, spec, input, onMessage, onExit, opts.imageRoots)
      : spec.isolation === 'process'
        ? spawnProcess(spec, input, onMessage, onExit)
        : spawnThread(spec, input, onMessage, onExit);
    live.add(box.info);
    if (box.started) void box.started.then(() => !exited && opts.onSpawn?.(box.info));
    else opts.onSpawn?.(box.info);

    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.timeoutMs !== undefined && !outcome) {
      const limit = Math.max(0, opts.timeoutMs);
      timer = setTimeout(
        () => stop(new JobError('TIMEOUT', `job exceeded its time limit of ${limit / 1000} s`, { phase: 'execution', details: { timeout_ms: limit } })),
        limit,
      );
    }
  });
}

function errorFrom(e: SerializedError): JobError {
  const info = toJobErrorInfo(e);
  const err = JobError.fromInfo(info);
  if (e.stack) err.stack = e.stack;
  return err;
}

function spawnThread(spec: HandlerSpec, input: SandboxInput, onMessage: (m: SandboxMessage) => void, onExit: (d: string) => void): Box {
  const entry = siblingModule(import.meta.url, 'thread-entry');
  const worker = new Worker(new URL(entry), {
    workerData: input,
    execArgv: needsTsLoader(entry, spec.module) ? tsLoaderExecArgv() : [],
    stdout: true,
    stderr: true,
    resourceLimits: spec.maxMemoryMb ? { maxOldGenerationSizeMb: spec.maxMemoryMb } : undefined,
  });
  // Handler chatter goes to our stderr: stdout belongs to the CLI's own output.
  forwardLogs(worker.stdout);
  forwardLogs(worker.stderr);
  const info: SandboxInfo = { kind: 'thread', threadId: worker.threadId };
  let killed = false;
  worker.on('message', onMessage);
  worker.on('error', (err) => onMessage({ t: 'error', error: { name: err.name, message: err.message, code: (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'HANDLER_CRASHED' : undefined, stack: err.stack }, usage: { cpu_seconds: 0, peak_memory_mb: spec.maxMemoryMb ?? 0 } }));
  worker.on('exit', (code) => onExit(killed ? 'terminated' : `thread exit code ${code}`));
  return {
    info,
    abort: (reason) => {
      try {
        worker.postMessage({ t: 'abort', reason });
      } catch {
        // already gone
      }
    },
    kill: () => {
      if (killed) return;
      killed = true;
      void worker.terminate();
    },
  };
}

function spawnProcess(spec: HandlerSpec, input: SandboxInput, onMessage: (m: SandboxMessage) => void, onExit: (d: string) => void): Box {
  const entry = siblingModule(import.meta.url, 'process-entry');
  const child: ChildProcess = spawn(process.execPath, [...(needsTsLoader(entry, spec.module) ? tsLoaderExecArgv() : []), fileURLToPath(entry)], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  if (child.stdout) forwardLogs(child.stdout);
  if (child.stderr) forwardLogs(child.stderr);
  const info: SandboxInfo = { kind: 'process', pid: child.pid ?? -1 };
  let spawnError: Error | undefined;
  child.on('message', onMessage);
  child.on('error', (err) => {
    spawnError = err;
  });
  // 'close' (not 'exit'): the process is reaped and its pipes are drained.
  child.on('close', (code, signal) => onExit(spawnError ? `spawn failed: ${spawnError.message}` : signal ? `killed by ${signal}` : `exit code ${code}`));
  child.send({ t: 'run', input }, (err) => {
    if (err) spawnError = err;
  });
  return {
    info,
    abort: (reason) => {
      if (child.connected) child.send({ t: 'abort', reason }, () => {});
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

const NO_USAGE: SandboxUsage = { cpu_seconds: 0, peak_memory_mb: 0 };

/** The installed launcher, if its scope takes this call. */
function installedLauncherFor(input: SandboxInput): ProcessLauncher | null {
  const launcher = getProcessLauncher();
  if (!launcher) return null;
  return getLauncherScope() === 'all' || imageRefOf(input.payload.data) !== undefined ? launcher : null;
}

/**
 * The host files a sandboxed handler may read: payload.data.image and the files of its backing
 * chain (none without an image). An image the disk layer cannot open (missing backing file,
 * loop, chain too deep, damaged header) fails here with the error the handler itself would
 * report, before any sandbox is taken.
 */
async function brokeredFiles(input: SandboxInput, roots: readonly string[] = []): Promise<string[]> {
  const image = imageRefOf(input.payload.data);
  if (image === undefined) return [];
  let files: string[];
  try {
    files = await imageChainFiles(image);
  } catch (err) {
    // Not the disk layer's verdict on the image (e.g. an unexpected host failure): serve the image
    // alone, as before chains were resolved, and let the handler report what it finds.
    if (!(err instanceof GuestguardError)) return [image.path];
    throw imageOpenError(err, image.path, 'execution');
  }
  await assertChainInsideRoots(files, roots, image.path);
  return files;
}

/**
 * A handler in a process started by a ProcessLauncher (e.g. a pooled bwrap sandbox): messages
 * are framed over the process's fd 0 / fd 3, and its image (with its backing chain) is served
 * by a FileBroker.
 */
function spawnLaunched(
  launcher: ProcessLauncher,
  spec: HandlerSpec,
  input: SandboxInput,
  onMessage: (m: SandboxMessage) => void,
  onExit: (d: string) => void,
  imageRoots?: readonly string[],
): Box {
  const entry = siblingModule(import.meta.url, 'stream-entry');
  const ts = needsTsLoader(entry, spec.module);
  const info: SandboxInfo = { kind: 'process', pid: -1, sandbox: launcher.kind };
  const waiting = new AbortController();
  let proc: LaunchedProcess | undefined;
  let broker: FileBroker | undefined;
  let killed = false;
  const send = (m: ParentMessage): void => {
    if (proc) void writeFrame(proc.input, m).catch(() => undefined);
  };

  const started = (async () => {
    const files = await brokeredFiles(input, imageRoots);
    broker = await FileBroker.for(files);
    const brokered = FileBroker.foldersOf(files, broker.servedFiles);
    if (ts) await warmTsCache([entry, spec.module]);
    proc = await launcher.launch({
      entry: fileURLToPath(entry),
      execArgv: ts ? tsLoaderExecArgv() : [],
      env: {},
      modules: [spec.module.startsWith('file:') ? fileURLToPath(spec.module) : spec.module],
      ...(ts ? { readOnly: [tsCacheDir()] } : {}),
      signal: waiting.signal,
    });
    info.pid = proc.pid;
    info.sandbox = `${launcher.kind}:${proc.id}`;
    const p = proc;
    const b = broker;
    for (const l of p.logs) forwardLogs(l);
    p.input.on('error', () => undefined);
    p.output.on('error', () => undefined);
    readFrames(
      p.output,
      (raw) => {
        const m = raw as SandboxMessage;
        if (m.t === 'file') void b.handle(m.request).then((reply) => send({ t: 'file', id: m.id, reply }));
        else onMessage(m);
      },
      (err) => {
        onMessage({ t: 'error', error: { name: 'JobError', message: `handler sent a bad message: ${err.message}`, code: 'HANDLER_CRASHED' }, usage: NO_USAGE });
        p.kill();
      },
    );
    void p.exited.then((detail) => {
      void b.close();
      onExit(detail);
    });
    if (killed) p.kill();
    else send({ t: 'run', input: { ...input, brokered } });
  })();
  started.catch((err: unknown) => {
    void broker?.close();
    // A JobError is the image's own problem (see brokeredFiles); anything else is the sandbox's.
    const e =
      err instanceof JobError
        ? err
        : new JobError('UNAVAILABLE', `no ${launcher.kind} sandbox for the handler: ${(err as Error)?.message ?? String(err)}`, { recoverable: true });
    onMessage({ t: 'error', error: serializeError(e), usage: NO_USAGE });
    onExit(`sandbox not started (${(err as Error)?.message ?? String(err)})`);
  });

  return {
    info,
    started: started.catch(() => undefined),
    abort: (reason) => {
      if (proc) send({ t: 'abort', reason });
      else waiting.abort(new Error(reason));
    },
    kill: () => {
      killed = true;
      if (proc) proc.kill();
      else waiting.abort(new Error('killed'));
    },
  };
}
