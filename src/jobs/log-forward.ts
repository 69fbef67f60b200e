/**
 * Handler output (a thread's or child process's stdout/stderr, a sandbox's log stream) copied to
 * this process's stderr, since stdout belongs to the CLI's own output.
 *
 * Not `src.pipe(process.stderr, { end: false })`: every live pipe puts four listeners (unpipe,
 * error, close, finish) on the destination for as long as its source is open, and a job has two
 * sources, so six jobs running at once already pass Node's limit of 10 and print
 * MaxListenersExceededWarning on process.stderr, although nothing leaks. Here a source's
 * listeners live on the source only; the destination gets at most one 'drain' and one 'close'
 * listener in total, shared by every source waiting for it (back-pressure is kept: a source is
 * paused while the destination's buffer is full).
 */
import type { Readable, Writable } from 'node:stream';

interface Waiting {
  sources: Set<Readable>;
  wake(): void;
}

const waiting = new WeakMap<Writable, Waiting>();

/** Copies `src` into `dest` until `src` ends (never ends `dest`); errors of `src` end the copy quietly. */
export function forwardLogs(src: Readable, dest: Writable = process.stderr): void {
  const onData = (chunk: Buffer | string): void => {
    if (dest.destroyed || dest.writableEnded) return; // nowhere to write: drop it
    if (!dest.write(chunk)) {
      src.pause();
      waitForDrain(dest, src);
    }
  };
  const stop = (): void => {
    src.off('data', onData);
    src.off('end', stop);
    src.off('close', stop);
    src.off('error', stop);
    waiting.get(dest)?.sources.delete(src);
  };
  src.on('data', onData);
  src.on('end', stop);
  src.on('close', stop);
  // Handler output is best effort: a broken source must not crash the worker.
  src.on('error', stop);
}

function waitForDrain(dest: Writable, src: Readable): void {
  let w = waiting.get(dest);
  if (!w) {
    const wake = (): void => {
      dest.off('drain', wake);
      dest.off('close', wake);
      waiting.delete(dest);
      for (const s of w!.sources) if (!s.destroyed) s.resume();
    };
    w = { sources: new Set(), wake };
    waiting.set(dest, w);
    dest.once('drain', wake);
    dest.once('close', wake);
  }
  w.sources.add(src);
}

/** Sources currently paused until `dest` drains (tests, diagnostics). */
export function sourcesWaitingFor(dest: Writable = process.stderr): number {
  return waiting.get(dest)?.sources.size ?? 0;
}
