/**
 * Entry of a handler process started by a ProcessLauncher (e.g. inside a bwrap sandbox, where
 * there is no Node IPC channel): framed messages arrive on fd 0 and leave on fd 3; fds 1 and 2
 * are log output. Waits for one {t:'run'}, runs it, reports back; brokered file requests for
 * the job's image share the same two streams.
 */
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { installBrokeredFs } from './brokered-fs.js';
import { encodeFrame, readFrames } from './frames.js';
import type { FileReply, FileRequest, ParentMessage, SandboxMessage } from './protocol.js';
import { runInSandbox } from './runtime.js';

/** Starts serving; only when this module is the process's main module (so it can be imported to warm caches). */
export function startStreamEntry(): void {
  const input = new Socket({ fd: 0, readable: true, writable: false });
  const output = new Socket({ fd: 3, readable: false, writable: true });
  const ac = new AbortController();
  const pending = new Map<number, (r: FileReply) => void>();
  let nextId = 1;
  let started = false;

  // Throws synchronously when a message cannot be serialised (runtime.ts reports that as the job's error).
  const post = (m: SandboxMessage): void => {
    output.write(encodeFrame(m));
  };

  const requestFile = (request: FileRequest): Promise<FileReply> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      post({ t: 'file', id, request });
    });

  readFrames(
    input,
    (raw) => {
      const m = raw as ParentMessage;
      if (m.t === 'abort') ac.abort(new Error(m.reason));
      else if (m.t === 'file') {
        const resolve = pending.get(m.id);
        pending.delete(m.id);
        resolve?.(m.reply);
      } else if (m.t === 'run' && !started) {
        started = true;
        installBrokeredFs(m.input.brokered ?? [], requestFile);
        void runInSandbox(m.input, ac.signal, post);
      }
    },
    (err) => {
      process.stderr.write(`guestguard handler process: ${err.message}\n`);
      process.exit(1);
    },
  );
  // The executor going away must not leave an orphan doing work.
  input.on('end', () => process.exit(1));
  input.on('error', () => process.exit(1));
  output.on('error', () => process.exit(1));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) startStreamEntry();
