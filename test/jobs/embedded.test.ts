/**
 * The embedded job service end to end: real worker threads / child processes run system.echo;
 * timeouts and cancels are checked from outside (tick files stop growing, pids disappear).
 */
import { mkdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedJobService } from '../../src/jobs/embedded-service.js';
import { DuplicateJobError, IllegalTransitionError, JobError } from '../../src/jobs/errors.js';
import { liveSandboxes } from '../../src/jobs/sandbox/run-handler.js';
import { JobBuilder, buildJob } from '../../src/jobs/protocol/builder.js';
import { JobResultSchema } from '../../src/jobs/protocol/schema.js';
import { SqliteJobStore } from '../../src/jobs/store/sqlite-store.js';
import { makeImage, metricValue, processGone, tempDir, testRegistry, ticks } from './helpers/jobs.js';
import { waitFor, waitForStatus } from './helpers/wait.js';
import { run } from '../helpers/fixtures.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function service(opts: Partial<Parameters<typeof EmbeddedJobService.create>[0]> = {}) {
  return EmbeddedJobService.create({ registry: testRegistry(), workers: 2, retry: { baseMs: 200, maxMs: 5000 }, tickMs: 100, ...opts });
}

describe('timeouts stop the work', () => {
  it('a thread handler over its timeout is marked timeout within 1 s and the thread is gone', async () => {
    const svc = await service();
    try {
      const tickFile = join(tmp.dir, 'thread-timeout.ticks');
      // busy_ms spins without yielding: the handler never sees its abort signal.
      const job = buildJob('system.echo', { busy_ms: 60_000, tick_file: tickFile }, (b) => b.timeoutSeconds(2.5));
      await svc.submit(job);
      const running = await waitForStatus(svc, job.job_id, ['running']);
      await waitFor(() => ticks(tickFile) > 0, 'the handler to start spinning', 2500);
      const done = await waitForStatus(svc, job.job_id, 'terminal', 10_000);
      expect(done.status).toBe('timeout');
      const overrun = Date.parse(done.finished_at!) - Date.parse(running.started_at!) - 2500;
      expect(overrun).toBeGreaterThanOrEqual(-50);
      expect(overrun).toBeLessThan(1000);
      const result = await svc.result(job.job_id);
      expect(result?.error).toMatchObject({ code: 'TIMEOUT', recoverable: false });
      expect(svc.runningSandboxes().size).toBe(0);
      expect(liveSandboxes()).toEqual([]);
      // The spinning thread was really terminated: its tick file stops growing.
      const size = ticks(tickFile);
      expect(size).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 300));
      expect(ticks(tickFile)).toBe(size);
    } finally {
      await svc.close();
    }
  });

  it('a child-process handler over its timeout is SIGKILLed (its pid no longer exists)', async () => {
    const svc = await service();
    try {
      const tickFile = join(tmp.dir, 'process-timeout.ticks');
      const job = buildJob('test.echo-process', { delay_ms: 60_000, tick_file: tickFile }, (b) => b.timeoutSeconds(1.5));
      await svc.submit(job);
      const sandbox = await waitFor(() => svc.runningSandboxes().get(job.job_id), 'the sandbox to start');
      expect(sandbox.kind).toBe('process');
      const pid = (sandbox as { pid: number }).pid;
      expect(processGone(pid)).toBe(false);
      const done = await waitForStatus(svc, job.job_id, 'terminal', 15_000);
      expect(done.status).toBe('timeout');
      expect(processGone(pid)).toBe(true);
      const size = ticks(tickFile);
      await new Promise((r) => setTimeout(r, 300));
      expect(ticks(tickFile)).toBe(size);
    } finally {
      await svc.close();
    }
  });
});

describe('cancel', () => {
  it('cancels a queued job (it never runs) and a running one (its process is killed)', async () => {
    const svc = await service({ workers: 1 });
    try {
      const tickFile = join(tmp.dir, 'cancel-running.ticks');
      const first = buildJob('test.echo-process', { delay_ms: 60_000, tick_file: tickFile });
      const second = buildJob('system.echo', { message: 'never' });
      await svc.submit(first);
      const sandbox = await waitFor(() => svc.runningSandboxes().get(first.job_id), 'the first job to start');
      await svc.submit(second);
      expect((await svc.get(second.job_id))?.status).toBe('queued');

      const q = await svc.cancel(second.job_id);
      expect(q.status).toBe('cancelled');
      expect(q.started_at).toBeNull();
      expect((await svc.result(second.job_id))?.error?.code).toBe('CANCELLED');

      const r = await svc.cancel(first.job_id);
      expect(r.status).toBe('cancelled');
      expect(processGone((sandbox as { pid: number }).pid)).toBe(true);
      const size = ticks(tickFile);
      await new Promise((res) => setTimeout(res, 300));
      expect(ticks(tickFile)).toBe(size);
      // Exactly one result, and it stays "cancelled".
      expect((await svc.result(first.job_id))?.status).toBe('cancelled');
      await expect(svc.cancel(first.job_id)).rejects.toBeInstanceOf(IllegalTransitionError);
      expect((await svc.get(second.job_id))?.status).toBe('cancelled');
    } finally {
      await svc.close();
    }
  });

  it('refuses to cancel a job marked cancellable: false', async () => {
    const svc = await service({ workers: 0 });
    try {
      const job = buildJob('system.echo', {}, (b) => b.cancellable(false));
      await svc.submit(job);
      await expect(svc.cancel(job.job_id)).rejects.toMatchObject({ code: 'NOT_CANCELLABLE' });
    } finally {
      await svc.close();
    }
  });
});

describe('retries', () => {
  it('retries recoverable failures with exponential backoff up to max_attempts', async () => {
    const svc = await service();
    try {
      const job = buildJob('system.echo', { fail: true, fail_attempts: 2 }, (b) => b.maxAttempts(3));
      await svc.submit(job);
      const done = await waitForStatus(svc, job.job_id, 'terminal', 20_000);
      expect(done.status).toBe('completed');
      expect(done.attempt).toBe(3);
      const result = await svc.result(job.job_id);
      expect(result?.execution_summary.attempt).toBe(3);
      const events = await svc.events(job.job_id);
      const retries = events.filter((e) => e.phase === 'retry');
      expect(retries.map((e) => e.details?.['delay_ms'])).toHaveLength(2);
      const [d1, d2] = retries.map((e) => Number(e.details!['delay_ms']));
      expect(d1).toBeGreaterThanOrEqual(200);
      expect(d2).toBeGreaterThanOrEqual(400); // doubled
      // The next attempt really waited for its backoff.
      const starts = events.filter((e) => e.phase === 'execution' && e.progress_percent === 0).map((e) => Date.parse(e.timestamp));
      expect(starts).toHaveLength(3);
      expect(starts[1]! - Date.parse(retries[0]!.timestamp)).toBeGreaterThanOrEqual(d1! - 5);
      expect(starts[2]! - Date.parse(retries[1]!.timestamp)).toBeGreaterThanOrEqual(d2! - 5);
      const text = await svc.metrics.registry.metrics();
      expect(metricValue(text, 'guestguard_jobs_total', { operation: 'system.echo', status: 'retried' })).toBe(2);
    } finally {
      await svc.close();
    }
  });

  it('does not retry unrecoverable errors, and gives up after max_attempts', async () => {
    const svc = await service();
    try {
      const fatal = buildJob('system.echo', { fail: true, recoverable: false }, (b) => b.maxAttempts(3));
      const always = buildJob('system.echo', { fail: true }, (b) => b.maxAttempts(2));
      await svc.submit(fatal);
      await svc.submit(always);
      const f = await waitForStatus(svc, fatal.job_id, 'terminal');
      const a = await waitForStatus(svc, always.job_id, 'terminal');
      expect([f.status, f.attempt]).toEqual(['failed', 1]);
      expect([a.status, a.attempt]).toEqual(['failed', 2]);
      const res = await svc.result(always.job_id);
      expect(res?.error).toMatchObject({ code: 'EXECUTION_ERROR', recoverable: true });
      expect(JobResultSchema.safeParse(res).success).toBe(true);
    } finally {
      await svc.close();
    }
  });
});

describe('scheduling', () => {
  it('runs queued jobs by priority (10 first), then in submission order', async () => {
    const store = await SqliteJobStore.open({});
    const api = await EmbeddedJobService.create({ store, registry: testRegistry(), workers: 0 });
    const jobs = [1, 10, 5, 10, 3].map((p, i) => buildJob('system.echo', { i }, (b) => b.priority(p)));
    for (const j of jobs) await api.submit(j);
    await api.close();
    const svc = await EmbeddedJobService.create({ store, registry: testRegistry(), workers: 1 });
    try {
      for (const j of jobs) await waitForStatus(svc, j.job_id, 'terminal');
      const started = await Promise.all(jobs.map(async (j) => ({ i: (j.payload.data as { i: number }).i, at: (await svc.get(j.job_id))!.started_at! })));
      expect(started.sort((a, b) => a.at.localeCompare(b.at)).map((s) => s.i)).toEqual([1, 3, 2, 4, 0]);
    } finally {
      await svc.close();
      store.close();
    }
  });

  it('never runs more jobs at once than the worker concurrency', async () => {
    const svc = await service({ workers: 2 });
    try {
      const jobs = Array.from({ length: 5 }, () => buildJob('system.echo', { delay_ms: 400 }));
      for (const j of jobs) await svc.submit(j);
      let peak = 0;
      while (true) {
        const running = (await svc.list({ status: 'running' })).items.length;
        peak = Math.max(peak, running);
        const left = (await Promise.all(jobs.map((j) => svc.get(j.job_id)))).filter((v) => !['completed', 'failed'].includes(v!.status));
        if (left.length === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(peak).toBe(2);
    } finally {
      await svc.close();
    }
  });

  it('routes by pool, pinned worker id, features, version and disk size', async () => {
    const svc = await service({
      workers: [
        { worker_id: 'wx', pool: 'X', features: ['lvm'], max_disk_size_gb: 100 },
        { worker_id: 'wy', pool: 'Y', max_disk_size_gb: 1000 },
      ],
    });
    try {
      const cases: [JobBuilder, string][] = [
        [new JobBuilder('system.echo').workerPool('X'), 'wx'],
        [new JobBuilder('system.echo').allowPools('Y'), 'wy'],
        [new JobBuilder('system.echo').workerId('wy'), 'wy'],
        [new JobBuilder('system.echo').requireFeature('lvm'), 'wx'],
        [new JobBuilder('system.echo').maximumDiskSizeGb(500), 'wy'],
      ];
      const built = cases.map(([b, w]) => [b.build(), w] as const);
      for (const [j] of built) await svc.submit(j);
      for (const [j, w] of built) expect((await waitForStatus(svc, j.job_id, 'terminal')).worker_id).toBe(w);

      // Nobody matches these: they wait in the queue instead of running anywhere.
      const stuck = [
        new JobBuilder('system.echo').workerPool('Z').build(),
        new JobBuilder('system.echo').minimumWorkerVersion('99.0.0').build(),
        new JobBuilder('system.echo').requireCapability('disk.iso9660').build(),
      ];
      for (const j of stuck) await svc.submit(j);
      await new Promise((r) => setTimeout(r, 800));
      for (const j of stuck) expect((await svc.get(j.job_id))?.status).toBe('queued');
    } finally {
      await svc.close();
    }
  });

  it('routes by worker labels: affinity must all match, anti_affinity must not match', async () => {
    const svc = await service({
      workers: [
        { worker_id: 'eu-gpu', labels: { zone: 'eu-1', gpu: 'a100' } },
        { worker_id: 'eu-cpu', labels: { zone: 'eu-1' } },
        { worker_id: 'us-cpu', labels: { zone: 'us-1', ssd: 'yes' } },
      ],
    });
    try {
      const route = (affinity: unknown, anti?: unknown) =>
        buildJob('system.echo', {}, (b) => {
          b.extra('routing', { affinity, ...(anti !== undefined ? { anti_affinity: anti } : {}) });
        });
      const cases: [ReturnType<typeof route>, string[]][] = [
        [route(['gpu']), ['eu-gpu']],
        [route(['zone=eu-1', 'gpu=a100']), ['eu-gpu']],
        [route({ zone: 'us-1' }), ['us-cpu']],
        [route({ zone: ['us-1', 'ap-1'], ssd: true }), ['us-cpu']],
        [route(['zone=eu-1'], ['gpu']), ['eu-cpu']],
        [route(null, { zone: 'eu-1' }), ['us-cpu']],
      ];
      for (const [j] of cases) await svc.submit(j);
      for (const [j, allowed] of cases) expect(allowed).toContain((await waitForStatus(svc, j.job_id, 'terminal')).worker_id);

      // Nobody matches: the job waits instead of running on the wrong worker.
      const stuck = [route(['zone=ap-1']), route({ gpu: true }, ['zone=eu-1']), route(['ssd'], { ssd: 'yes' })];
      for (const j of stuck) await svc.submit(j);
      await new Promise((r) => setTimeout(r, 800));
      for (const j of stuck) expect((await svc.get(j.job_id))?.status).toBe('queued');
      expect((await svc.workers()).find((w) => w.worker_id === 'eu-gpu')?.labels).toEqual({ zone: 'eu-1', gpu: 'a100' });
    } finally {
      await svc.close();
    }
  });

  it('a job for pool X is never taken by a worker of pool Y', async () => {
    const store = await SqliteJobStore.open({});
    const onlyY = await EmbeddedJobService.create({ store, registry: testRegistry(), workers: [{ pool: 'Y', worker_id: 'y1' }], tickMs: 50 });
    const job = buildJob('system.echo', {}, (b) => b.workerPool('X'));
    await onlyY.submit(job);
    await new Promise((r) => setTimeout(r, 700));
    expect((await onlyY.get(job.job_id))?.status).toBe('queued');
    await onlyY.close();
    const withX = await EmbeddedJobService.create({ store, registry: testRegistry(), workers: [{ pool: 'Y', worker_id: 'y1' }, { pool: 'X', worker_id: 'x1' }] });
    try {
      expect((await waitForStatus(withX, job.job_id, 'terminal')).worker_id).toBe('x1');
    } finally {
      await withX.close();
      store.close();
    }
  });

  it('times out a queued job whose deadline passes before a worker is free', async () => {
    const svc = await service({ workers: 1 });
    try {
      const blocker = buildJob('system.echo', { delay_ms: 3000 });
      const late = buildJob('system.echo', {}, (b) => b.deadline(new Date(Date.now() + 600)));
      await svc.submit(blocker);
      await waitForStatus(svc, blocker.job_id, ['running']);
      await svc.submit(late);
      const done = await waitForStatus(svc, late.job_id, 'terminal', 5000);
      expect(done.status).toBe('timeout');
      expect(done.started_at).toBeNull();
      expect((await svc.result(late.job_id))?.error?.code).toBe('TIMEOUT');
      await svc.cancel(blocker.job_id);
    } finally {
      await svc.close();
    }
  });
});

describe('images: checksum, size limit, cache', () => {
  let image: { path: string; checksum: string };
  beforeAll(() => {
    image = makeImage(tmp.dir);
  });

  it('verifies the sha256 before work starts; a mismatch fails with IMAGE_CHECKSUM_MISMATCH', async () => {
    const svc = await service();
    try {
      const good = buildJob('system.echo', { image: { path: image.path, checksum: image.checksum }, no_cache: true });
      const wrong = `sha256:${'0'.repeat(64)}`;
      const bad = buildJob('system.echo', { image: { path: image.path, checksum: wrong } });
      const missing = buildJob('system.echo', { image: { path: join(tmp.dir, 'nope.qcow2') } });
      await svc.submit(good);
      await svc.submit(bad);
      await svc.submit(missing);
      const g = await waitForStatus(svc, good.job_id, 'terminal');
      const b = await waitForStatus(svc, bad.job_id, 'terminal');
      const m = await waitForStatus(svc, missing.job_id, 'terminal');
      expect(g.status).toBe('completed');
      expect(b.status).toBe('failed');
      const br = await svc.result(bad.job_id);
      expect(br?.error).toMatchObject({ code: 'IMAGE_CHECKSUM_MISMATCH', phase: 'checksum', recoverable: false, details: { expected: wrong, actual: image.checksum } });
      // The handler never ran for the bad image.
      expect((await svc.events(bad.job_id)).some((e) => e.phase === 'execution')).toBe(false);
      expect((await svc.result(missing.job_id))?.error?.code).toBe('IMAGE_NOT_FOUND');
      expect(m.status).toBe('failed');
      const gr = await svc.result(good.job_id);
      expect(gr?.metrics?.disk_read_bytes).toBeGreaterThan(0);
      const text = await svc.metrics.registry.metrics();
      expect(metricValue(text, 'guestguard_checksum_verifications_total', { status: 'mismatch' })).toBe(1);
      expect(metricValue(text, 'guestguard_checksum_verifications_total', { status: 'ok' })).toBeGreaterThanOrEqual(1);
      expect(metricValue(text, 'guestguard_image_read_bytes_total')).toBeGreaterThan(0);
    } finally {
      await svc.close();
    }
  });

  it("checks maximum_disk_size_gb (the job's and the worker's) against the virtual size, not the file size", async () => {
    // A 3 GiB disk in a qcow2 file of a few hundred KiB.
    const sparse = join(tmp.dir, 'sparse-3g.qcow2');
    run('qemu-img', ['create', '-q', '-f', 'qcow2', sparse, '3G']);
    expect(statSync(sparse).size).toBeLessThan(1 << 20);
    const svc = await service({ workers: [{ worker_id: 'big' }, { worker_id: 'small', max_disk_size_gb: 2, pool: 'small' }] });
    try {
      const over = buildJob('system.echo', { image: { path: sparse } }, (b) => b.maximumDiskSizeGb(2.5));
      const fits = buildJob('system.echo', { image: { path: sparse }, no_cache: true }, (b) => b.maximumDiskSizeGb(3));
      const wrongFormat = buildJob('system.echo', { image: { path: sparse, format: 'raw' } }, (b) => b.maximumDiskSizeGb(2.5));
      const onSmall = buildJob('system.echo', { image: { path: sparse }, no_cache: true }, (b) => b.workerPool('small'));
      for (const j of [over, fits, wrongFormat, onSmall]) await svc.submit(j);
      for (const j of [over, fits, wrongFormat, onSmall]) await waitForStatus(svc, j.job_id, 'terminal');
      const r = await svc.result(over.job_id);
      expect(r?.error).toMatchObject({
        code: 'DISK_TOO_LARGE',
        phase: 'validation',
        details: { virtual_size_bytes: 3 * 1024 ** 3, maximum_disk_size_gb: 2.5, limit: 'constraints.maximum_disk_size_gb' },
      });
      expect((r?.error?.details as { file_size_bytes: number }).file_size_bytes).toBeLessThan(1 << 20);
      // Rejected before any work: the handler never started.
      expect((await svc.events(over.job_id)).some((e) => e.phase === 'execution')).toBe(false);
      expect((await svc.result(fits.job_id))?.status).toBe('completed');
      // Read as raw, the file is its own (tiny) size: the stated format is what counts.
      expect((await svc.result(wrongFormat.job_id))?.status).toBe('completed');
      // No constraint in the job, but the worker's own limit (2 GiB) applies.
      expect((await svc.result(onSmall.job_id))?.error).toMatchObject({ code: 'DISK_TOO_LARGE', details: { limit: 'worker --max-disk-size-gb', maximum_disk_size_gb: 2 } });
      const bogus = buildJob('system.echo', { image: { path: sparse, format: 'iso9660' } }, (b) => b.maximumDiskSizeGb(1));
      await svc.submit(bogus);
      await waitForStatus(svc, bogus.job_id, 'terminal');
      expect((await svc.result(bogus.job_id))?.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'payload.data.image.format' } });
    } finally {
      await svc.close();
    }
  });

  it('only accepts images inside the configured image roots (symlink escapes included)', async () => {
    const allowed = join(tmp.dir, 'allowed');
    mkdirSync(allowed, { recursive: true });
    const inside = makeImage(allowed, 'in.qcow2', 1);
    symlinkSync(image.path, join(allowed, 'escape.qcow2'));
    // An overlay inside the root whose backing file is the image outside it.
    const overlay = join(allowed, 'overlay.qcow2');
    run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', image.path, '-F', 'qcow2', overlay]);
    const svc = await service({ imageRoots: [allowed] });
    try {
      const ok = buildJob('system.echo', { image: { path: inside.path } });
      const outside = buildJob('system.echo', { image: { path: image.path } });
      const viaLink = buildJob('system.echo', { image: { path: join(allowed, 'escape.qcow2') } });
      const dotdot = buildJob('system.echo', { image: { path: join(allowed, '..', 'disk.qcow2') } });
      const viaBacking = buildJob('system.echo', { image: { path: overlay } });
      for (const j of [ok, outside, viaLink, dotdot, viaBacking]) await svc.submit(j);
      expect((await waitForStatus(svc, ok.job_id, 'terminal')).status).toBe('completed');
      await waitForStatus(svc, viaBacking.job_id, 'terminal');
      expect((await svc.result(viaBacking.job_id))?.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { file: image.path } });
      for (const j of [outside, viaLink, dotdot]) {
        await waitForStatus(svc, j.job_id, 'terminal');
        expect((await svc.result(j.job_id))?.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'payload.data.image.path' } });
      }
    } finally {
      await svc.close();
    }
  });

  it('serves the second identical job from the cache, unless no_cache is set', async () => {
    const svc = await service();
    try {
      const data = { image: { path: image.path, checksum: image.checksum }, options: { depth: 2 } };
      const first = buildJob('system.echo', data);
      await svc.submit(first);
      await waitForStatus(svc, first.job_id, 'terminal');
      const second = buildJob('system.echo', structuredClone(data));
      await svc.submit(second);
      await waitForStatus(svc, second.job_id, 'terminal');
      const r2 = await svc.result(second.job_id);
      expect(r2?.status).toBe('completed');
      expect(r2?.['cache']).toMatchObject({ hit: true, source_job_id: first.job_id });
      expect(r2?.data).toEqual((await svc.result(first.job_id))?.data);

      const bypass = buildJob('system.echo', { ...structuredClone(data), options: { depth: 2, no_cache: true } });
      const other = buildJob('system.echo', { ...structuredClone(data), options: { depth: 3 } });
      await svc.submit(bypass);
      await svc.submit(other);
      await waitForStatus(svc, bypass.job_id, 'terminal');
      await waitForStatus(svc, other.job_id, 'terminal');
      expect((await svc.result(bypass.job_id))?.['cache']).toBeUndefined();
      expect((await svc.result(other.job_id))?.['cache']).toBeUndefined();
      const text = await svc.metrics.registry.metrics();
      expect(metricValue(text, 'guestguard_cache_requests_total', { result: 'hit' })).toBe(1);
      expect(metricValue(text, 'guestguard_cache_requests_total', { result: 'miss' })).toBe(2);
      expect(metricValue(text, 'guestguard_cache_requests_total', { result: 'bypass' })).toBe(1);
    } finally {
      await svc.close();
    }
  });
});

describe('idempotency', () => {
  it('returns the stored result for a completed key, also after a restart; rejects in-flight duplicates', async () => {
    const file = join(tmp.dir, 'idem.sqlite');
    const first = buildJob('system.echo', { message: 'once' }, (b) => b.idempotencyKey('weekly-scan-1'));
    let svc = await service({ store: file });
    await svc.submit(first);
    await waitForStatus(svc, first.job_id, 'terminal');
    await svc.close();

    svc = await service({ store: file });
    try {
      const again = buildJob('system.echo', { message: 'twice?' }, (b) => b.idempotencyKey('weekly-scan-1'));
      const out = await svc.submit(again);
      expect(out.status).toBe('existing');
      expect(out.job.job_id).toBe(first.job_id);
      expect(out.result?.outputs).toEqual({ echo: 'once' });
      expect(await svc.get(again.job_id)).toBeUndefined();

      const slow = buildJob('system.echo', { delay_ms: 2000 }, (b) => b.idempotencyKey('in-flight'));
      await svc.submit(slow);
      await expect(svc.submit(buildJob('system.echo', {}, (b) => b.idempotencyKey('in-flight')))).rejects.toBeInstanceOf(DuplicateJobError);
      await expect(svc.submit(slow)).rejects.toMatchObject({ code: 'DUPLICATE_JOB' }); // same job id
      await svc.cancel(slow.job_id);
      // A cancelled run frees its key.
      const retry = buildJob('system.echo', {}, (b) => b.idempotencyKey('in-flight'));
      expect((await svc.submit(retry)).status).toBe('created');
      await waitForStatus(svc, retry.job_id, 'terminal');
    } finally {
      await svc.close();
    }
  });

  it('rejects unknown operations at submission', async () => {
    const svc = await service({ workers: 0 });
    try {
      await expect(svc.submit(buildJob('guestkit.fix', {}))).rejects.toMatchObject({ code: 'UNSUPPORTED_OPERATION' });
      await expect(svc.submit(buildJob('system.echo', {}, (b) => b.payloadVersion(2)))).rejects.toBeInstanceOf(JobError);
    } finally {
      await svc.close();
    }
  });
});
