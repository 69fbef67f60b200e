/** Directory transport: job files in, result files out. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectoryWorker } from '../../src/jobs/dir/worker.js';
import { JobBuilder, buildJob } from '../../src/jobs/protocol/builder.js';
import type { JobDocument, JobResult } from '../../src/jobs/protocol/schema.js';
import { tempDir, testRegistry, ticks } from './helpers/jobs.js';
import { spawnGuestguard } from './helpers/processes.js';
import { waitFor } from './helpers/wait.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

let n = 0;
function jobsDir(): string {
  const d = join(tmp.dir, `jobs-${++n}`);
  mkdirSync(d);
  return d;
}

/** Writes a job file the way producers should: temp name, then rename. */
function drop(dir: string, job: JobDocument | string, name?: string): string {
  const file = name ?? `${typeof job === 'string' ? `raw-${++n}` : job.job_id}.json`;
  writeFileSync(join(dir, `.${file}.tmp`), typeof job === 'string' ? job : JSON.stringify(job));
  renameSync(join(dir, `.${file}.tmp`), join(dir, file));
  return file;
}

function result(dir: string, id: string): Promise<JobResult> {
  return waitFor(() => {
    try {
      return JSON.parse(readFileSync(join(dir, 'results', `${id}.json`), 'utf8')) as JobResult;
    } catch {
      return undefined;
    }
  }, `results/${id}.json`);
}

function worker(dir: string, opts: Partial<ConstructorParameters<typeof DirectoryWorker>[0]> = {}) {
  return new DirectoryWorker({ jobsDir: dir, registry: testRegistry(), concurrency: 2, pollMs: 100, retry: { baseMs: 100 }, ...opts }).start();
}

describe('directory transport', () => {
  it('runs job files, writes results, and sorts files into done/ and failed/ with reasons', async () => {
    const dir = jobsDir();
    const ok = buildJob('system.echo', { message: 'file job', progress_steps: 2, delay_ms: 100 });
    const failing = buildJob('system.echo', { fail: true, recoverable: false });
    const flaky = buildJob('system.echo', { fail: true, fail_attempts: 1 }, (b) => b.maxAttempts(2));
    const invalid = { ...buildJob('system.echo', {}), execution: { priority: 11 } };
    drop(dir, ok);
    drop(dir, failing);
    drop(dir, flaky);
    drop(dir, invalid as JobDocument, 'bad-priority.json');
    drop(dir, '{ not json', 'garbage.json');
    const w = await worker(dir);
    try {
      expect((await result(dir, ok.job_id)).outputs).toEqual({ echo: 'file job' });
      expect((await result(dir, failing.job_id)).error?.code).toBe('EXECUTION_ERROR');
      const fl = await result(dir, flaky.job_id);
      expect([fl.status, fl.execution_summary.attempt]).toEqual(['completed', 2]);
      expect((await result(dir, 'bad-priority')).error).toMatchObject({ code: 'VALIDATION_ERROR' });
      expect((await result(dir, 'bad-priority')).error?.message).toContain('execution.priority');
      expect((await result(dir, 'garbage')).error?.message).toMatch(/not valid JSON/);
      await waitFor(() => readdirSync(join(dir, 'processing')).length === 0, 'processing/ to drain');
      expect(readdirSync(join(dir, 'done')).sort()).toEqual([`${flaky.job_id}.json`, `${ok.job_id}.json`].sort());
      expect(readdirSync(join(dir, 'failed')).sort()).toEqual(
        ['bad-priority.json', 'bad-priority.reason.txt', 'garbage.json', 'garbage.reason.txt', `${failing.job_id}.json`, `${failing.job_id}.reason.txt`].sort(),
      );
      expect(readFileSync(join(dir, 'failed', `${failing.job_id}.reason.txt`), 'utf8')).toMatch(/^failed: EXECUTION_ERROR: echo asked to fail/);
      const events = readFileSync(join(dir, 'results', `${ok.job_id}.events.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
      expect(events.some((e) => e.phase === 'echo' && e.progress_percent === 100)).toBe(true);
      expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual([]);
    } finally {
      await w.close();
    }
  });

  it('takes the most urgent file first, leaves other pools alone, honours cancel files', async () => {
    const dir = jobsDir();
    const jobs = [2, 9, 5].map((p) => buildJob('system.echo', { p }, (b) => b.priority(p)));
    const otherPool = buildJob('system.echo', {}, (b) => b.workerPool('gpu'));
    const cancelled = buildJob('system.echo', { message: 'never' }, (b) => b.priority(1));
    for (const j of [...jobs, otherPool, cancelled]) drop(dir, j);
    mkdirSync(join(dir, 'cancel'), { recursive: true });
    writeFileSync(join(dir, 'cancel', cancelled.job_id), '');
    const w = await worker(dir, { concurrency: 1, pool: 'cpu' });
    try {
      const rs = await Promise.all(jobs.map((j) => result(dir, j.job_id)));
      const order = rs.sort((a, b) => a.execution_summary.started_at!.localeCompare(b.execution_summary.started_at!)).map((r) => (r.data as { p: number }).p);
      expect(order).toEqual([9, 5, 2]);
      expect((await result(dir, cancelled.job_id)).status).toBe('cancelled');
      await new Promise((r) => setTimeout(r, 300));
      expect(existsSync(join(dir, `${otherPool.job_id}.json`))).toBe(true); // still waiting for a gpu worker
      expect(existsSync(join(dir, 'results', `${otherPool.job_id}.json`))).toBe(false);
    } finally {
      await w.close();
    }
  });

  it('cancels a running job through a cancel file (its thread stops)', async () => {
    const dir = jobsDir();
    const tickFile = join(tmp.dir, 'dir-cancel.ticks');
    const job = buildJob('system.echo', { busy_ms: 60_000, tick_file: tickFile });
    drop(dir, job);
    const w = await worker(dir);
    try {
      await waitFor(() => ticks(tickFile) > 0, 'the job to start');
      writeFileSync(join(dir, 'cancel', job.job_id), '');
      expect((await result(dir, job.job_id)).status).toBe('cancelled');
      const size = ticks(tickFile);
      await new Promise((r) => setTimeout(r, 300));
      expect(ticks(tickFile)).toBe(size);
      expect(readFileSync(join(dir, 'failed', `${job.job_id}.reason.txt`), 'utf8')).toMatch(/^cancelled: CANCELLED/);
    } finally {
      await w.close();
    }
  });

  it('keeps idempotency keys across worker restarts and re-queues files of a dead worker', async () => {
    const dir = jobsDir();
    const first = buildJob('system.echo', { message: 'original' }, (b) => b.idempotencyKey('nightly-42'));
    drop(dir, first);
    let w = await worker(dir);
    await result(dir, first.job_id);
    await w.close();

    // A job file claimed by a process that died (its pid no longer exists).
    const orphan = buildJob('system.echo', { message: 'orphan' });
    const dead = spawnSync('true').pid!;
    writeFileSync(join(dir, 'processing', `${orphan.job_id}.json`), JSON.stringify(orphan));
    writeFileSync(join(dir, 'processing', `${orphan.job_id}.owner`), JSON.stringify({ pid: dead, hostname: (await import('node:os')).hostname() }));
    const again = new JobBuilder('system.echo').payload({ message: 'again' }).idempotencyKey('nightly-42').build();
    drop(dir, again);
    w = await worker(dir);
    try {
      const r = await result(dir, again.job_id);
      expect(r).toMatchObject({ status: 'completed', idempotent_replay_of: first.job_id, outputs: { echo: 'original' } });
      expect((await result(dir, orphan.job_id)).outputs).toEqual({ echo: 'orphan' });
    } finally {
      await w.close();
    }
  });

  it('`guestguard worker --jobs-dir` runs files and stops cleanly on SIGTERM', async () => {
    const dir = jobsDir();
    const job = buildJob('system.echo', { message: 'via cli' });
    // Routed by label: only a worker labelled site=lab may run it.
    const labelled = buildJob('system.echo', { message: 'lab only' }, (b) => b.extra('routing', { affinity: { site: 'lab' } }));
    drop(dir, job);
    drop(dir, labelled);
    const p = spawnGuestguard(['worker', '--jobs-dir', dir, '--poll', '100', '--log-level', 'warn', '--label', 'site=lab']);
    try {
      expect((await result(dir, job.job_id)).outputs).toEqual({ echo: 'via cli' });
      expect((await result(dir, labelled.job_id)).outputs).toEqual({ echo: 'lab only' });
    } finally {
      await p.kill('SIGTERM');
    }
    expect((await p.exited).code).toBe(0);
    // A malformed label is a usage error, before anything starts.
    const bad = spawnGuestguard(['worker', '--jobs-dir', dir, '--label', 'no-equals-sign']);
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr()).toMatch(/a label is key=value, got "no-equals-sign"/);
  });
});
