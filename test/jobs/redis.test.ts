/**
 * Redis/BullMQ transport against a real redis-server (started here, random loopback port):
 * in-process service + workers, then 200 jobs over 3 worker processes with one SIGKILLed.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { buildJob } from '../../src/jobs/protocol/builder.js';
import { RedisJobService } from '../../src/jobs/redis/service.js';
import { RedisWorker } from '../../src/jobs/redis/worker.js';
import type { JobStreamEvent } from '../../src/jobs/service-types.js';
import { processGone, tempDir, testRegistry, ticks } from './helpers/jobs.js';
import { spawnGuestguard, type Spawned } from './helpers/processes.js';
import { startRedis, type TestRedis } from './helpers/redis.js';
import { hasTool } from '../helpers/fixtures.js';
import { waitFor, waitForStatus } from './helpers/wait.js';

// CI must install the redis-server package; without it these tests are reported as skipped.
const HAVE_REDIS = hasTool('redis-server');
let redis: TestRedis;
const tmp = tempDir();
beforeAll(async () => {
  if (HAVE_REDIS) redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
  tmp.cleanup();
});

let prefixes = 0;
const prefix = () => `gg-test-${++prefixes}`;

async function service(p: string, workers = 0) {
  return RedisJobService.create({ redis: redis.url, prefix: p, registry: testRegistry(), workers, worker: { retry: { baseMs: 200 }, heartbeatMs: 500 } });
}

function worker(p: string, opts: Partial<ConstructorParameters<typeof RedisWorker>[0]> = {}) {
  return new RedisWorker({ redis: redis.url, prefix: p, registry: testRegistry(), heartbeatMs: 500, retry: { baseMs: 200 }, ...opts }).start();
}

describe.skipIf(!HAVE_REDIS)('redis service with in-process workers', () => {
  it('runs a job, streams status/progress/result over pub/sub, and stores events', async () => {
    const svc = await service(prefix(), 2);
    try {
      const job = buildJob('system.echo', { message: 'over redis', delay_ms: 600, progress_steps: 3 });
      const seen: JobStreamEvent[] = [];
      const unsubscribe = svc.subscribe(job.job_id, (e) => seen.push(e));
      const out = await svc.submit(job);
      expect(out.status).toBe('created');
      const done = await waitForStatus(svc, job.job_id, 'terminal');
      expect(done.status).toBe('completed');
      expect((await svc.result(job.job_id))?.outputs).toEqual({ echo: 'over redis' });
      await waitFor(() => seen.some((e) => e.type === 'result'), 'the result event');
      unsubscribe();
      const statuses = seen.filter((e) => e.type === 'status').map((e) => (e as { status: string }).status);
      expect(statuses).toEqual(['queued', 'assigned', 'running', 'completed']);
      const progress = seen.filter((e) => e.type === 'progress').map((e) => (e as { event: { sequence: number } }).event.sequence);
      expect(progress.length).toBeGreaterThanOrEqual(3);
      const stored = await svc.events(job.job_id);
      expect(stored.map((e) => e.sequence)).toEqual(stored.map((_, i) => i + 1));
      expect(stored.filter((e) => e.phase === 'echo')).toHaveLength(3);
      const ws = await svc.workers();
      expect(ws).toHaveLength(1);
      expect(ws[0]).toMatchObject({ transport: 'redis', pool: 'default', resources: { max_concurrent_jobs: 2 } });
      expect((await svc.capabilities()).operations).toContain('system.echo');
      expect((await svc.health()).ok).toBe(true);
      expect((await svc.list({ limit: 10 })).items.map((v) => v.job_id)).toEqual([job.job_id]);
      // Ids that look like numbers are fine too (BullMQ itself refuses integer ids).
      const numeric = buildJob('system.echo', { message: 'n' }, (b) => b.jobId('12345678'));
      await svc.submit(numeric);
      expect((await waitForStatus(svc, '12345678', 'terminal')).status).toBe('completed');
    } finally {
      await svc.close();
    }
  });

  it('retries recoverable failures through BullMQ backoff; idempotent resubmission returns the result', async () => {
    const svc = await service(prefix(), 2);
    try {
      const job = buildJob('system.echo', { fail: true, fail_attempts: 1 }, (b) => b.maxAttempts(2).idempotencyKey('redis-key'));
      await svc.submit(job);
      const done = await waitForStatus(svc, job.job_id, 'terminal');
      expect([done.status, done.attempt]).toEqual(['completed', 2]);
      expect((await svc.events(job.job_id)).filter((e) => e.phase === 'retry')).toHaveLength(1);
      const again = await svc.submit(buildJob('system.echo', {}, (b) => b.idempotencyKey('redis-key')));
      expect(again).toMatchObject({ status: 'existing', job: { job_id: job.job_id }, result: { status: 'completed' } });
      const fatal = buildJob('system.echo', { fail: true, recoverable: false }, (b) => b.maxAttempts(3));
      await svc.submit(fatal);
      expect(await waitForStatus(svc, fatal.job_id, 'terminal')).toMatchObject({ status: 'failed', attempt: 1 });
    } finally {
      await svc.close();
    }
  });

  it('cancels queued and running jobs (the running child process is killed)', async () => {
    const p = prefix();
    const svc = await service(p, 0);
    const w = await worker(p, { concurrency: 1 });
    try {
      const tickFile = join(tmp.dir, 'redis-cancel.ticks');
      const running = buildJob('test.echo-process', { delay_ms: 60_000, tick_file: tickFile });
      const queued = buildJob('system.echo', {});
      await svc.submit(running);
      await waitFor(() => ticks(tickFile) > 0, 'the job to run');
      await svc.submit(queued);
      expect((await svc.cancel(queued.job_id)).status).toBe('cancelled');
      const view = await svc.cancel(running.job_id);
      expect(view.status).toBe('cancelled');
      await waitFor(() => w.activeJobs === 0, 'the worker to drop the job');
      const size = ticks(tickFile);
      await new Promise((r) => setTimeout(r, 300));
      expect(ticks(tickFile)).toBe(size);
      expect((await svc.result(running.job_id))?.error?.code).toBe('CANCELLED');
      expect((await svc.get(queued.job_id))?.started_at).toBeNull();
      expect(await svc.finalizedCount()).toBe(2);
    } finally {
      await w.close();
      await svc.close();
    }
  });

  it('routes by pool across workers and serves the queue by priority', async () => {
    const p = prefix();
    const svc = await service(p, 0);
    const jobs = [3, 10, 1, 7].map((pri) => buildJob('system.echo', { pri }, (b) => b.priority(pri)));
    for (const j of jobs) await svc.submit(j);
    const pinned = buildJob('system.echo', {}, (b) => b.workerPool('X'));
    await svc.submit(pinned);
    const wy = await worker(p, { pool: 'Y', workerId: 'wy', concurrency: 1, deferMs: 100 });
    try {
      for (const j of jobs) await waitForStatus(svc, j.job_id, 'terminal');
      const starts = await Promise.all(jobs.map(async (j) => ({ pri: (j.payload.data as { pri: number }).pri, at: (await svc.get(j.job_id))!.started_at! })));
      expect(starts.sort((a, b) => a.at.localeCompare(b.at)).map((s) => s.pri)).toEqual([10, 7, 3, 1]);
      await new Promise((r) => setTimeout(r, 500));
      expect((await svc.get(pinned.job_id))?.status).toBe('queued'); // pool Y never takes it
      const wx = await worker(p, { pool: 'X', workerId: 'wx', concurrency: 1 });
      try {
        expect((await waitForStatus(svc, pinned.job_id, 'terminal')).worker_id).toBe('wx');
      } finally {
        await wx.close();
      }
    } finally {
      await wy.close();
      await svc.close();
    }
  });
});

describe.skipIf(!HAVE_REDIS)('many worker processes', () => {
  it('200 jobs, 3 `guestguard worker --redis` processes, one SIGKILLed mid-run: every job completes exactly once', async () => {
    const p = prefix();
    const svc = await service(p, 0);
    const workers: Spawned[] = [];
    try {
      const t0 = Date.now();
      const jobs = Array.from({ length: 200 }, (_, i) => buildJob('system.echo', { i, delay_ms: 150 }));
      for (const j of jobs) await svc.submit(j);
      for (const id of ['w1', 'w2', 'w3']) {
        workers.push(spawnGuestguard(['worker', '--redis', redis.url, '--prefix', p, '--concurrency', '4', '--worker-id', id, '--lock-duration', '2000', '--log-level', 'warn']));
      }
      const r = new Redis(redis.url);
      const final = () => r.get(`${p}:finalized`).then(Number);
      try {
        await waitFor(async () => (await final()) >= 40, '40 jobs to finish', 90_000, 100);
        // Kill w1 without warning, mid-run. What it was running stays "running" under its name
        // until its locks expire (2 s) and a survivor takes the jobs over.
        workers[0]!.proc.kill('SIGKILL');
        await workers[0]!.exited;
        expect(processGone(workers[0]!.proc.pid!)).toBe(true);
        const inFlight = (await svc.list({ status: 'running', limit: 500 })).items.filter((v) => v.worker_id === 'w1').map((v) => v.job_id);
        expect(inFlight.length).toBeGreaterThan(0);

        await waitFor(async () => (await final()) >= 200, 'all 200 final results', 150_000, 200);
        await new Promise((res) => setTimeout(res, 500)); // let any late duplicate finish (it must not count)
        expect(await final()).toBe(200);
        const views = await Promise.all(jobs.map((j) => svc.get(j.job_id)));
        expect(views.filter((v) => v?.status === 'completed')).toHaveLength(200);
        const results = await Promise.all(jobs.map((j) => svc.result(j.job_id)));
        results.forEach((res, i) => expect(res?.data).toMatchObject({ i }));
        // Jobs w1 was running when it died were finished by the survivors.
        for (const id of inFlight) expect(views.find((v) => v?.job_id === id)?.worker_id).not.toBe('w1');
        const finishers = new Set(views.map((v) => v!.worker_id));
        expect(finishers.has('w2') && finishers.has('w3')).toBe(true);
        process.stderr.write(`[redis test] ${Date.now() - t0} ms; w1 had ${inFlight.length} job(s) in flight when killed; finishers: ${[...finishers].join(', ')}\n`);
      } finally {
        r.disconnect();
      }
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGTERM')));
      await svc.close();
    }
  }, 240_000);
});
