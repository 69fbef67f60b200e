/**
 * system.echo: returns the payload. Options (all optional) make it useful for testing the job
 * machinery: delay_ms (sleep, honours cancel), busy_ms (spin without yielding: proves a
 * non-cooperative handler is still stopped), progress_steps, fail (+ recoverable,
 * fail_attempts: fail only while attempt <= fail_attempts), tick_file (append a byte every
 * 20 ms while working: shows from outside whether the work really stopped).
 */
import { closeSync, constants, openSync, realpathSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { JobError } from '../errors.js';
import type { HandlerContext, HandlerOutput, HandlerPayload } from './types.js';

function num(v: unknown, name: string, max: number): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) {
    throw new JobError('VALIDATION_ERROR', `payload.data.${name} must be a number between 0 and ${max}`, { phase: 'validation' });
  }
  return v;
}

/** One listener on `signal` while waiting, removed when the time is up (a job may sleep 1000 steps). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new JobError('CANCELLED', 'aborted'));
    const onAbort = () => {
      clearTimeout(t);
      reject(new JobError('CANCELLED', 'aborted'));
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export async function echoHandler(payload: HandlerPayload, ctx: HandlerContext): Promise<HandlerOutput> {
  const d = payload.data;
  const delay = num(d['delay_ms'], 'delay_ms', 86_400_000);
  const busy = num(d['busy_ms'], 'busy_ms', 86_400_000);
  const steps = Math.floor(num(d['progress_steps'], 'progress_steps', 1000));
  const fd = d['tick_file'] === undefined ? undefined : openTickFile(d['tick_file']);
  const tick = () => fd !== undefined && writeSync(fd, '.');
  const ticker = fd !== undefined ? setInterval(tick, 20) : undefined;
  try {
    return await work(payload, ctx, delay, busy, steps, tick);
  } finally {
    clearInterval(ticker);
    if (fd !== undefined) closeSync(fd);
  }
}

/** Tick files are a test aid: only "*.ticks" directly inside a folder of the temp dir, no symlinks. */
function openTickFile(v: unknown): number {
  if (typeof v !== 'string' || !v.endsWith('.ticks')) {
    throw new JobError('VALIDATION_ERROR', 'payload.data.tick_file must be a path ending in .ticks', { phase: 'validation' });
  }
  let parent: string;
  try {
    parent = realpathSync(dirname(dirname(v)));
  } catch {
    parent = '';
  }
  if (parent !== realpathSync(tmpdir())) {
    throw new JobError('VALIDATION_ERROR', 'payload.data.tick_file must be inside a folder of the temp directory', { phase: 'validation' });
  }
  const path = join(realpathSync(dirname(v)), basename(v));
  return openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
}

async function work(payload: HandlerPayload, ctx: HandlerContext, delay: number, busy: number, steps: number, tick: () => void): Promise<HandlerOutput> {
  const d = payload.data;

  if (d['fail'] === true) {
    const failAttempts = d['fail_attempts'] === undefined ? Infinity : num(d['fail_attempts'], 'fail_attempts', 1000);
    if (ctx.job.attempt <= failAttempts) {
      const recoverable = d['recoverable'] !== false;
      throw new JobError('EXECUTION_ERROR', `echo asked to fail (attempt ${ctx.job.attempt})`, {
        recoverable,
        details: { attempt: ctx.job.attempt },
      });
    }
  }
  if (steps > 0) {
    for (let i = 1; i <= steps; i++) {
      await sleep(delay / steps, ctx.signal);
      ctx.progress({ phase: 'echo', progress_percent: (100 * i) / steps, message: `step ${i}/${steps}` });
    }
  } else if (delay > 0) {
    await sleep(delay, ctx.signal);
  }
  if (busy > 0) {
    const end = Date.now() + busy;
    let next = 0;
    while (Date.now() < end) {
      // deliberately not yielding to the event loop
      if (Date.now() >= next) {
        tick();
        next = Date.now() + 20;
      }
    }
  }
  return { outputs: { echo: d['message'] ?? null }, data: d };
}
