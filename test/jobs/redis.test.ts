/**
 * Redis/BullMQ transport against a real redis-server (started here, random loopback port):
 * in-process service + workers, the start-up repair of jobs never enqueued, then 200 inspect
 * jobs over 3 worker processes with one SIGKILLed.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { buildJob } from '../../src/jobs/protocol/builder.js';
import { RedisJobService } from '../../src/jobs/redis/service.js';
import { bullJobId, bullLockKey, QUEUE_NAME } from '../../src/jobs/redis/connection.js';
import { RedisJobStore } from '../../src/jobs/redis/store.js';
import { RedisWorker } from '../../src/jobs/redis/worker.js';
import type { JobStreamEvent } from '../../src/jobs/service-types.js';
import { cachedDebianImage, canBuildInspectImages, cliInspectReport, inspectImages } from './helpers/images.js';
import { processGone, tempDir, testRegistry, ticks } from './helpers/jobs.js';
import { spawnGuestguard, type Spawned } from './helpers/processes.js';
import { startRedis, type TestRedis } from './helpers/redis.js';
import { hasTool } from '../helpers/fixtures.js';
import { waitFor, waitForStatus, waitWhileProgressing } from './helpers/wait.js';

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

  it('routes by pool and worker labels across workers and serves the queue by priority', async () => {
    const p = prefix();
    const svc = await service(p, 0);
    const jobs = [3, 10, 1, 7].map((pri) => buildJob('system.echo', { pri }, (b) => b.priority(pri)));
    for (const j of jobs) await svc.submit(j);
    const pinned = buildJob('system.echo', {}, (b) => b.workerPool('X'));
    const onGpu = buildJob('system.echo', {}, (b) => b.extra('routing', { affinity: ['gpu'], anti_affinity: { zone: 'eu-2' } }));
    await svc.submit(pinned);
    await svc.submit(onGpu);
    const wy = await worker(p, { pool: 'Y', workerId: 'wy', concurrency: 1, deferMs: 100, labels: { zone: 'eu-1' } });
    // Has a GPU, but in the zone the job avoids.
    const wz = await worker(p, { pool: 'Y', workerId: 'wz', concurrency: 1, deferMs: 100, labels: { zone: 'eu-2', gpu: 'a100' } });
    try {
      for (const j of jobs) await waitForStatus(svc, j.job_id, 'terminal');
      const starts = await Promise.all(jobs.map(async (j) => ({ pri: (j.payload.data as { pri: number }).pri, at: (await svc.get(j.job_id))!.started_at! })));
      expect(starts.sort((a, b) => a.at.localeCompare(b.at)).map((s) => s.pri)).toEqual([10, 7, 3, 1]);
      await new Promise((r) => setTimeout(r, 500));
      expect((await svc.get(pinned.job_id))?.status).toBe('queued'); // pool Y never takes it
      expect((await svc.get(onGpu.job_id))?.status).toBe('queued'); // no worker has the labels it wants
      expect((await svc.workers()).find((w) => w.worker_id === 'wz')?.labels).toEqual({ zone: 'eu-2', gpu: 'a100' });
      const wx = await worker(p, { pool: 'X', workerId: 'wx', concurrency: 1, labels: { zone: 'eu-1', gpu: 'h100' } });
      try {
        expect((await waitForStatus(svc, pinned.job_id, 'terminal')).worker_id).toBe('wx');
        expect((await waitForStatus(svc, onGpu.job_id, 'terminal')).worker_id).toBe('wx');
      } finally {
        await wx.close();
      }
    } finally {
      await Promise.all([wy.close(), wz.close()]);
      await svc.close();
    }
  });
});

describe.skipIf(!HAVE_REDIS)('stalled runs', () => {
  it('a run that lost its BullMQ lock can neither take the job back (START) nor requeue it', async () => {
    const p = prefix();
    const svc = await service(p, 0);
    const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const store = new RedisJobStore(conn, { prefix: p });
    // Fetched by hand: the lock and its token are BullMQ's own.
    const manual = new Worker(QUEUE_NAME, null, { connection: conn.duplicate(), prefix: p, lockDuration: 800 });
    try {
      const job = buildJob('system.echo', {}, (b) => b.maxAttempts(3));
      await svc.submit(job);
      const bjob = await manual.getNextJob('run-1');
      expect(bjob?.id).toBe(bullJobId(job.job_id));
      const lockKey = bullLockKey(p, bjob!.id!);
      expect(await conn.get(lockKey)).toBe('run-1');
      // Another run (a stale one on any worker, even this one) is refused while run-1 holds the lock.
      expect(await store.start(job.job_id, 'w-b', 1, { fence: { lockKey, token: 'run-0' } })).toEqual({ ok: false, status: 'lock_lost' });
      expect(await store.start(job.job_id, 'w-a', 1, { fence: { lockKey, token: 'run-1' } })).toEqual({ ok: true, from: 'queued' });
      expect(await store.requeue(job.job_id, 'w-a', 2, Date.now(), undefined, { fence: { lockKey, token: 'run-0' } })).toBe(false);
      // The lock expires (nobody renews it): run-1 has lost the job too.
      await waitFor(async () => (await conn.exists(lockKey)) === 0 || undefined, 'the lock to expire', 5000, 50);
      expect(await store.requeue(job.job_id, 'w-a', 2, Date.now(), undefined, { fence: { lockKey, token: 'run-1' } })).toBe(false);
      expect(await store.start(job.job_id, 'w-a', 1, { fence: { lockKey, token: 'run-1' } })).toEqual({ ok: false, status: 'lock_lost' });
      expect((await svc.get(job.job_id))).toMatchObject({ status: 'running', worker_id: 'w-a', attempt: 1 });
    } finally {
      await manual.close(true);
      await svc.close();
      conn.disconnect();
    }
  });

  it('the stall limit fails a job only once no live worker runs it: a live run still finishes it, a dead one does not', async () => {
    const p = prefix();
    const svc = await service(p, 0);
    const conn = new Redis(redis.url);
    // Every stall is over the limit; stalls are checked often.
    const fast = { lockDurationMs: 3000, stalledIntervalMs: 200, maxStalledCount: 0, concurrency: 1 };
    const wa = await worker(p, { ...fast, workerId: 'stall-a' });
    let wb: RedisWorker | undefined;
    try {
      const tickFile = join(tmp.dir, 'stall.ticks');
      const live = buildJob('system.echo', { message: 'still running', delay_ms: 2500, tick_file: tickFile });
      await svc.submit(live);
      await waitFor(() => ticks(tickFile) > 0, 'the job to run on stall-a');
      // As if stall-a's event loop had been starved past its lock: the lock is gone, the run goes on.
      await conn.del(bullLockKey(p, bullJobId(live.job_id)));
      // stall-b's stalled check finds it, BullMQ fails it on the next fetch ("stalled more than allowable limit").
      wb = await worker(p, { ...fast, workerId: 'stall-b' });
      const done = await waitForStatus(svc, live.job_id, 'terminal', 20_000);
      expect([done.status, done.worker_id]).toEqual(['completed', 'stall-a']);
      expect((await svc.result(live.job_id))?.outputs).toEqual({ echo: 'still running' });
      expect(await svc.finalizedCount()).toBe(1);

      // The same stall with the worker gone (force-closed: its run is abandoned, its heartbeat removed).
      const tickFile2 = join(tmp.dir, 'stall-dead.ticks');
      const lost = buildJob('system.echo', { delay_ms: 60_000, tick_file: tickFile2 });
      await wb.close();
      wb = undefined;
      await svc.submit(lost);
      await waitFor(() => ticks(tickFile2) > 0, 'the second job to run on stall-a');
      await conn.del(bullLockKey(p, bullJobId(lost.job_id)));
      await wa.close({ force: true });
      wb = await worker(p, { ...fast, workerId: 'stall-b' });
      const failed = await waitForStatus(svc, lost.job_id, 'terminal', 20_000);
      expect(failed.status).toBe('failed');
      expect((await svc.result(lost.job_id))?.error).toMatchObject({ code: 'HANDLER_CRASHED', message: expect.stringMatching(/lost its worker too many times.*stalled/) });
      expect(await svc.finalizedCount()).toBe(2);
    } finally {
      await Promise.all([wa.close(), wb?.close()]);
      await svc.close();
      conn.disconnect();
    }
  });
});

describe.skipIf(!HAVE_REDIS)('start-up repair', () => {
  it('enqueues, exactly once, jobs recorded but never enqueued (a crash between record and enqueue)', async () => {
    const p = prefix();
    // What a server that died right after recording leaves behind: job hashes, no BullMQ jobs.
    const conn = new Redis(redis.url);
    const store = new RedisJobStore(conn, { prefix: p });
    const orphans = [1, 2, 3].map((i) => buildJob('system.echo', { i, delay_ms: 100 }));
    for (const j of orphans) await store.submit(j);
    expect(await store.unenqueued()).toHaveLength(3);
    const queue = new Queue(QUEUE_NAME, { connection: conn.duplicate(), prefix: p });
    try {
      expect(await queue.count()).toBe(0);
      // Two workers and a server start at once: each runs the repair pass.
      const [w1, w2, svc] = await Promise.all([worker(p, { workerId: 'r1' }), worker(p, { workerId: 'r2' }), service(p, 0)]);
      try {
        for (const j of orphans) expect((await waitForStatus(svc, j.job_id, 'terminal')).status).toBe('completed');
        expect(await svc.finalizedCount()).toBe(3);
        expect(await store.unenqueued()).toEqual([]);
        // One BullMQ job per orphan, each run once: one execution start among its events.
        const counts = await queue.getJobCounts('completed', 'failed', 'wait', 'active', 'delayed', 'prioritized');
        expect(counts).toMatchObject({ completed: 3, failed: 0, wait: 0, active: 0, delayed: 0, prioritized: 0 });
        for (const j of orphans) {
          const starts = (await svc.events(j.job_id)).filter((e) => e.phase === 'execution' && e.progress_percent === 0);
          expect(starts).toHaveLength(1);
        }
        // A normal submission leaves nothing on the repair list.
        const later = buildJob('system.echo', {});
        await svc.submit(later);
        expect(await store.unenqueued()).toEqual([]);
        await waitForStatus(svc, later.job_id, 'terminal');
      } finally {
        await Promise.all([w1.close(), w2.close(), svc.close()]);
      }
    } finally {
      await queue.close();
      conn.disconnect();
    }
  });
});

describe.skipIf(!HAVE_REDIS || !canBuildInspectImages)('many worker processes', () => {
  it('200 inspect jobs over several images, 3 `guestguard worker --redis` processes, one SIGKILLed mid-run: each completes exactly once, identical to the CLI', async () => {
    const images = inspectImages();
    const debian = cachedDebianImage();
    const expected = new Map<string, Record<string, unknown>>();
    for (const img of [...images, ...(debian ? [debian] : [])]) expected.set(img.path, cliInspectReport(img.path));
    // Every job really inspects (no_cache); the big Debian guest, when cached, for every 20th job.
    const pick = (i: number) => (debian && i % 20 === 7 ? debian : images[i % images.length]!);
    const jobs = Array.from({ length: 200 }, (_, i) => buildJob('guestkit.inspect', { image: { path: pick(i).path }, options: { no_cache: true } }, (b) => b.name(`inspect-${i}`)));

    const p = prefix();
    const svc = await service(p, 0);
    const workers: Spawned[] = [];
    try {
      const t0 = Date.now();
      for (const j of jobs) await svc.submit(j);
      for (const id of ['w1', 'w2', 'w3']) {
        workers.push(spawnGuestguard(['worker', '--redis', redis.url, '--prefix', p, '--concurrency', '2', '--worker-id', id, '--lock-duration', '3000', '--log-level', 'warn']));
      }
      const r = new Redis(redis.url);
      const queueConn = r.duplicate();
      const queue = new Queue(QUEUE_NAME, { connection: queueConn, prefix: p });
      const final = () => r.get(`${p}:finalized`).then(Number);
      /** Where every job without a completed result stands (job hash, BullMQ job, last progress phases), and the workers' last words. */
      const explain = async (): Promise<string> => {
        const lines: string[] = [];
        for (const j of jobs) {
          const res = await svc.result(j.job_id);
          if (res?.status === 'completed' || lines.length >= 20) continue;
          const v = await svc.get(j.job_id);
          const b = await queue.getJob(bullJobId(j.job_id));
          const events = (await svc.events(j.job_id)).slice(-8).map((e) => `${e.phase}${e.progress_percent != null ? ` ${Math.round(e.progress_percent)}%` : ''}`);
          const bull = b ? { state: await b.getState(), stalled: b.stalledCounter, attempts_made: b.attemptsMade, failed_reason: b.failedReason } : 'gone';
          lines.push(JSON.stringify({ job: j.metadata?.name, id: j.job_id, status: v?.status, worker: v?.worker_id, error: res?.error ?? v?.error, bull, events }));
        }
        return [...lines, ...workers.map((w, i) => `w${i + 1} stderr (end): ${w.stderr().slice(-1500)}`)].join('\n');
      };
      // Waits end when the results stop coming (STALL_MS without a new one), not after a fixed
      // time: under heavy load (load average 20 on 2 cores) the run takes many times longer.
      const STALL_MS = 180_000;
      try {
        // Kill w1 without warning while it is running inspections.
        const w1Busy = async (n: number) => n >= 30 && (await svc.list({ status: 'running', limit: 500 })).items.some((v) => v.worker_id === 'w1');
        await waitWhileProgressing(final, w1Busy, 'w1 to be busy after 30 results', { stallMs: STALL_MS, intervalMs: 100, onStall: explain });
        workers[0]!.proc.kill('SIGKILL');
        await workers[0]!.exited;
        expect(processGone(workers[0]!.proc.pid!)).toBe(true);
        const inFlight = (await svc.list({ status: 'running', limit: 500 })).items.filter((v) => v.worker_id === 'w1').map((v) => v.job_id);
        expect(inFlight.length).toBeGreaterThan(0);

        await waitWhileProgressing(final, (n) => n >= 200, 'all 200 final results', { stallMs: STALL_MS, onStall: explain });
        await new Promise((res) => setTimeout(res, 1000)); // a late duplicate must not count
        expect(await final()).toBe(200);
        const views = await Promise.all(jobs.map((j) => svc.get(j.job_id)));
        const results = await Promise.all(jobs.map((j) => svc.result(j.job_id)));
        const unfinished = results.filter((res) => res?.status !== 'completed');
        if (unfinished.length > 0) expect.fail(`${unfinished.length} job(s) did not complete:\n${await explain()}`);
        results.forEach((res, i) => {
          const path = (jobs[i]!.payload.data as { image: { path: string } }).image.path;
          const { generator: _g, ...data } = res!.data as Record<string, unknown>;
          expect(data, `job ${i} (${path})`).toEqual(expected.get(path));
          expect(res!.metrics?.disk_read_bytes).toBeGreaterThan(0);
        });
        // Jobs w1 was running when it died were finished by the survivors.
        for (const id of inFlight) expect(views.find((v) => v?.job_id === id)?.worker_id).not.toBe('w1');
        const finishers = new Set(views.map((v) => v!.worker_id));
        expect(finishers.has('w2') && finishers.has('w3')).toBe(true);
        // How close to the edge the run was: stalls (runs whose lock expired; only w1's jobs should have), lock renewals missed.
        const stalls = (await Promise.all(jobs.map((j) => queue.getJob(bullJobId(j.job_id))))).reduce((n, b) => n + (b?.stalledCounter ?? 0), 0);
        const missed = workers.reduce((n, w) => n + (w.stderr().match(/could not renew lock/g) ?? []).length, 0);
        process.stderr.write(
          `[redis test] 200 inspect jobs in ${Date.now() - t0} ms; w1 had ${inFlight.length} in flight when killed; finishers: ${[...finishers].join(', ')}; stalls ${stalls}, missed lock renewals ${missed}\n`,
        );
      } finally {
        await queue.close();
        queueConn.disconnect();
        r.disconnect();
      }
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGTERM')));
      await svc.close();
    }
    // The waits above fail when progress stops; this is only a backstop for a run that crawls.
  }, 3_600_000);
});
