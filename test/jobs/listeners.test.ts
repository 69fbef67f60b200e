/**
 * Many jobs through one worker leave no listeners behind and never trip Node's
 * MaxListenersExceededWarning: handler output reaches our stderr without a pipe per stream
 * (each pipe put 4 listeners on process.stderr while its job ran: 6 concurrent jobs were enough
 * for the warning), and waits on an AbortSignal remove their listener when they end.
 */
import { getEventListeners } from 'node:events';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sleep } from '../../src/jobs/common.js';
import { EmbeddedJobService } from '../../src/jobs/embedded-service.js';
import { echoHandler } from '../../src/jobs/handlers/echo.js';
import { forwardLogs, sourcesWaitingFor } from '../../src/jobs/log-forward.js';
import { buildJob } from '../../src/jobs/protocol/builder.js';
import { liveSandboxes } from '../../src/jobs/sandbox/run-handler.js';
import { testRegistry } from './helpers/jobs.js';
import { waitFor, waitForStatus } from './helpers/wait.js';

const NOISY = pathToFileURL(join(import.meta.dirname, 'helpers', 'noisy-handler.ts')).href;

let warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

const leakWarnings = () => warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message);

/** Listener count per event of each emitter (event names with 0 listeners left out). */
function listenerCounts(emitters: Record<string, NodeJS.EventEmitter>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, em] of Object.entries(emitters)) {
    for (const ev of em.eventNames()) {
      const n = em.listenerCount(ev);
      if (n > 0) out[`${name}.${String(ev)}`] = n;
    }
  }
  return out;
}

const processEmitters = () => ({ stderr: process.stderr, stdout: process.stdout, process: process as NodeJS.EventEmitter });

describe('30 jobs through one worker (8 at a time)', () => {
  it('emit no MaxListenersExceededWarning, keep process.stderr listeners flat, and return every listener count to its baseline', async () => {
    const registry = testRegistry();
    registry.register({ operation: 'test.noisy-thread', module: NOISY, exportName: 'noisyHandler', isolation: 'thread' });
    registry.register({ operation: 'test.noisy-process', module: NOISY, exportName: 'noisyHandler', isolation: 'process' });
    const svc = await EmbeddedJobService.create({ registry, workers: 8, retry: { baseMs: 50, maxMs: 100 }, tickMs: 100 });
    const baseline = listenerCounts(processEmitters());
    let peakOnStderr = 0;
    const sampler = setInterval(() => {
      for (const ev of process.stderr.eventNames()) peakOnStderr = Math.max(peakOnStderr, process.stderr.listenerCount(ev));
    }, 5);
    try {
      // Every way a job ends: completed (thread and process, writing to stdout and stderr),
      // failed after a retry, timed out, cancelled while running.
      const jobs = Array.from({ length: 30 }, (_, i) => {
        if (i % 10 === 7) return buildJob('system.echo', { delay_ms: 60_000 }, (b) => b.timeoutSeconds(0.4));
        if (i % 10 === 8) return buildJob('test.echo-process', { fail: true }, (b) => b.maxAttempts(2));
        if (i % 10 === 9) return buildJob('test.noisy-thread', { delay_ms: 60_000 }, (b) => b.name('cancel-me'));
        return buildJob(i % 2 === 0 ? 'test.noisy-thread' : 'test.noisy-process', { delay_ms: 150 });
      });
      for (const j of jobs) await svc.submit(j);
      // All 8 slots busy at some point: the old per-stream pipes then held 16 listeners per event.
      await waitFor(() => svc.runningSandboxes().size === 8 || undefined, '8 jobs running at once', 30_000, 5);
      for (const j of jobs.filter((j) => j.metadata?.name === 'cancel-me')) {
        await waitForStatus(svc, j.job_id, ['running'], 60_000);
        await svc.cancel(j.job_id);
      }
      const done = await Promise.all(jobs.map((j) => waitForStatus(svc, j.job_id, 'terminal', 60_000)));
      const byStatus = (s: string) => done.filter((v) => v.status === s).length;
      expect([byStatus('completed'), byStatus('failed'), byStatus('timeout'), byStatus('cancelled')]).toEqual([21, 3, 3, 3]);
      expect(done.filter((v) => v.status === 'failed').map((v) => v.attempt)).toEqual([2, 2, 2]);
      await waitFor(() => svc.runningSandboxes().size === 0 && liveSandboxes().length === 0, 'every handler thread/process to be gone');
    } finally {
      clearInterval(sampler);
      await svc.close();
    }
    // Let the last streams close and any warning be emitted (warnings are emitted on nextTick).
    await new Promise((r) => setTimeout(r, 100));
    expect(leakWarnings()).toEqual([]);
    expect(peakOnStderr).toBeLessThanOrEqual(2);
    expect(listenerCounts(processEmitters())).toEqual(baseline);
    expect(sourcesWaitingFor()).toBe(0);
  }, 120_000);
});

describe('forwardLogs', () => {
  it('copies 20 sources into one slow destination completely and in order, with at most 2 listeners on it, none left after', async () => {
    const received: string[] = [];
    const dest = new Writable({
      highWaterMark: 64,
      write(chunk: Buffer, _enc, cb) {
        received.push(chunk.toString());
        setTimeout(cb, 1); // a slow disk or terminal: writes return false, sources must wait
      },
    });
    const baseline = listenerCounts({ dest });
    let peak = 0;
    const sources = Array.from({ length: 20 }, (_, s) => Readable.from(Array.from({ length: 30 }, (_, i) => `s${s}:${i};`), { objectMode: false }));
    const ended = sources.map((src) => new Promise((r) => src.once('end', r)));
    for (const src of sources) forwardLogs(src, dest);
    const sampler = setInterval(() => {
      for (const ev of dest.eventNames()) peak = Math.max(peak, dest.listenerCount(ev) - (baseline[`dest.${String(ev)}`] ?? 0));
    }, 1);
    await Promise.all(ended);
    clearInterval(sampler);
    await new Promise((r) => setTimeout(r, 20));
    expect(peak).toBeGreaterThan(0); // back-pressure did happen
    expect(peak).toBeLessThanOrEqual(1);
    for (let s = 0; s < 20; s++) {
      const mine = received.join('').split(';').filter((x) => x.startsWith(`s${s}:`));
      expect(mine).toEqual(Array.from({ length: 30 }, (_, i) => `s${s}:${i}`));
    }
    expect(sourcesWaitingFor(dest)).toBe(0);
    expect(listenerCounts({ dest })).toEqual(baseline);
    for (const src of sources) expect(src.listenerCount('data') + src.listenerCount('end') + src.listenerCount('error')).toBe(0);
  });

  it('a source that errors stops quietly; a destroyed destination drops output without throwing', async () => {
    const dest = new PassThrough();
    dest.resume();
    const bad = new Readable({ read() {} });
    forwardLogs(bad, dest);
    bad.destroy(new Error('broken pipe from the handler'));
    await new Promise((r) => setImmediate(r));
    expect(bad.listenerCount('data')).toBe(0);
    const late = new Readable({ read() {} });
    forwardLogs(late, dest);
    dest.destroy();
    late.push('after the end\n');
    late.push(null);
    await new Promise((r) => late.once('close', r));
    expect(late.listenerCount('data')).toBe(0);
  });
});

describe('waits on an AbortSignal leave no listener behind', () => {
  it('system.echo with 40 progress steps', async () => {
    const ac = new AbortController();
    const steps: number[] = [];
    const ctx = {
      job: { job_id: 'j', operation: 'system.echo', payload_type: 'system.echo.v1', attempt: 1, max_attempts: 1, idempotency_key: null, worker_id: 'w' },
      signal: ac.signal,
      progress: (u: { progress_percent?: number | null }) => steps.push(u.progress_percent ?? -1),
      addMetrics: () => {},
    };
    await echoHandler({ type: 'system.echo.v1', data: { delay_ms: 40, progress_steps: 40 } }, ctx);
    expect(steps).toHaveLength(40);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    expect(leakWarnings()).toEqual([]);
  });

  it('the retry back-off sleep of the directory worker', async () => {
    const ac = new AbortController();
    for (let i = 0; i < 20; i++) await sleep(1, ac.signal);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    const t0 = Date.now();
    const long = sleep(60_000, ac.signal);
    ac.abort();
    await long;
    expect(Date.now() - t0).toBeLessThan(1000);
    await sleep(60_000, ac.signal); // already aborted: returns at once
    expect(leakWarnings()).toEqual([]);
  });
});
