/**
 * The embedded store's persistence: changes go to an operation log (not a rewrite of the whole
 * SQLite file), a "crash" (reopening without close) replays them, torn and stale logs are
 * handled, and compaction keeps the log bounded.
 */
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildJob } from '../../src/jobs/protocol/builder.js';
import { readLog } from '../../src/jobs/store/oplog.js';
import { SqliteJobStore } from '../../src/jobs/store/sqlite-store.js';
import { tempDir } from './helpers/jobs.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
const storePath = () => join(tmp.dir, `store-${++n}`, 'jobs.sqlite');

/** One job's whole life in the store: submit, claim, run, two progress events, finish. */
function lifecycle(store: SqliteJobStore, i: number): string {
  const job = buildJob('system.echo', { i }, (b) => b.idempotencyKey(`k-${i}`));
  store.submit(job);
  const claimed = store.claimNext('w1', () => true);
  expect(claimed?.job_id).toBe(job.job_id);
  store.transition(job.job_id, 'running', { started_at: Date.now() });
  store.appendEvent(job.job_id, { timestamp: new Date().toISOString(), phase: 'execution', progress_percent: 0 });
  store.appendEvent(job.job_id, { timestamp: new Date().toISOString(), phase: 'execution', progress_percent: 100 });
  store.finish(job.job_id, {
    job_id: job.job_id,
    status: 'completed',
    completed_at: new Date().toISOString(),
    worker_id: 'w1',
    execution_summary: { started_at: new Date().toISOString(), duration_seconds: 0.01, attempt: 1, idempotency_key: `k-${i}` },
    data: { i },
  });
  return job.job_id;
}

describe('embedded store persistence', () => {
  it('logs changes instead of rewriting the SQLite file, and a crash replays them', async () => {
    const path = storePath();
    const a = await SqliteJobStore.open({ path });
    const snapshot = readFileSync(path);
    expect(snapshot.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push(lifecycle(a, i));
    const queued = buildJob('system.echo', { late: true }, (b) => b.priority(9));
    a.submit(queued);
    const running = buildJob('system.echo', { running: true });
    a.submit(running);
    // The queued one has the higher priority: claim "running" explicitly by filter.
    a.claimNext('w1', (d) => d.job_id === running.job_id);
    a.transition(running.job_id, 'running', { started_at: Date.now() });

    // 100 whole job lifecycles and not one rewrite of the database file.
    expect(a.snapshotsWritten).toBe(1); // the one at open
    expect(readFileSync(path).equals(snapshot)).toBe(true);
    expect(a.logBytes).toBeGreaterThan(10_000);

    // Crash: no close. (Same process, so the lock counts as stale.) Copy the files first, as a
    // power cut would leave them, then reopen the copy.
    const copy = crashCopy(path);
    const b = await SqliteJobStore.open({ path: copy });
    try {
      expect(b.recovery).toMatchObject({ replayed: 100 * 6 + 4, staleLog: false, tornBytes: 0 });
      expect(b.recovery.failed).toBeUndefined();
      for (const [i, id] of ids.entries()) {
        const r = b.get(id)!;
        expect(r.state).toBe('completed');
        expect(r.result?.data).toEqual({ i });
        expect(b.events(id).map((e) => e.sequence)).toEqual([1, 2]);
      }
      expect(b.get(queued.job_id)?.state).toBe('queued');
      expect(b.get(running.job_id)?.state).toBe('running');
      // Idempotency keys came back too.
      const again = b.submit(buildJob('system.echo', {}, (x) => x.idempotencyKey('k-7')));
      expect(again).toMatchObject({ status: 'existing', record: { job_id: ids[7] } });
      // The reopened store folded the log into a new snapshot and started an empty log.
      expect(readLog(`${copy}.oplog`).entries).toHaveLength(0);
    } finally {
      b.close();
      a.close();
    }
  });

  it('drops a torn last change and ignores a log older than the snapshot', async () => {
    const live = storePath();
    const a = await SqliteJobStore.open({ path: live });
    const first = buildJob('system.echo', { n: 1 });
    const second = buildJob('system.echo', { n: 2 });
    a.submit(first);
    a.submit(second);
    // A crash in the middle of writing the second change: only part of its line reached the file.
    const path = crashCopy(live);
    a.close();
    const log = `${path}.oplog`;
    truncateSync(log, statSync(log).size - 25);
    const b = await SqliteJobStore.open({ path });
    expect(b.recovery.replayed).toBe(1);
    expect(b.recovery.tornBytes).toBeGreaterThan(0);
    expect(b.get(first.job_id)?.state).toBe('queued');
    expect(b.get(second.job_id)).toBeUndefined();
    const third = buildJob('system.echo', { n: 3 });
    b.submit(third);
    const staleLog = readFileSync(log);
    b.close(); // snapshot of the next generation, fresh log

    // A log whose generation the snapshot has moved past (crash between snapshot and log
    // replacement) must not be replayed a second time.
    overwrite(log, staleLog);
    const d = await SqliteJobStore.open({ path });
    try {
      expect(d.recovery).toMatchObject({ replayed: 0, staleLog: true });
      expect(d.list({ limit: 10 }).map((r) => r.job_id).sort()).toEqual([first.job_id, third.job_id].sort());
    } finally {
      d.close();
    }
  });

  it('stops at a change that does not replay and keeps that log aside', async () => {
    const live = storePath();
    const a = await SqliteJobStore.open({ path: live });
    const first = buildJob('system.echo', { n: 1 });
    a.submit(first);
    const path = crashCopy(live);
    a.close();
    appendFileSync(`${path}.oplog`, JSON.stringify([['INSERT INTO no_such_table (x) VALUES (?)', [1]]]) + '\n');
    const b = await SqliteJobStore.open({ path });
    try {
      expect(b.recovery.replayed).toBe(1);
      expect(b.recovery.failed).toMatch(/no such table/);
      expect(b.get(first.job_id)?.state).toBe('queued');
      const kept = readdirSync(dirname(path)).filter((f) => f.startsWith('jobs.sqlite.oplog.unreplayed-'));
      expect(kept).toHaveLength(1);
      expect(readFileSync(join(dirname(path), kept[0]!), 'utf8')).toContain('no_such_table');
    } finally {
      b.close();
    }
  });

  it('compacts when the log outgrows its threshold, keeping every change', async () => {
    const path = storePath();
    const a = await SqliteJobStore.open({ path, compactBytes: 20_000 });
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(lifecycle(a, i));
    await new Promise((r) => setTimeout(r, 20)); // compaction runs just after the change that crossed the line
    expect(a.snapshotsWritten).toBeGreaterThan(1);
    expect(a.logBytes).toBeLessThan(20_000 + 5_000);
    const b = await SqliteJobStore.open({ path });
    try {
      expect(ids.map((id) => b.get(id)?.state)).toEqual(ids.map(() => 'completed'));
    } finally {
      b.close();
      a.close();
    }
  });

  it("works with fsync 'always' (each change synced before it returns)", async () => {
    const path = storePath();
    const a = await SqliteJobStore.open({ path, fsync: 'always' });
    try {
      const job = buildJob('system.echo', {});
      a.submit(job);
      const b = await SqliteJobStore.open({ path });
      expect(b.get(job.job_id)?.state).toBe('queued');
      b.close();
    } finally {
      a.close();
    }
  });
});

/** The store's files as a crash would leave them (the live store stays open and is not touched). */
function crashCopy(path: string): string {
  const dir = join(tmp.dir, `crash-${++n}`);
  mkdirSync(dir);
  copyFileSync(path, join(dir, 'jobs.sqlite'));
  copyFileSync(`${path}.oplog`, join(dir, 'jobs.sqlite.oplog'));
  return join(dir, 'jobs.sqlite');
}

function overwrite(path: string, data: Buffer): void {
  truncateSync(path, 0);
  appendFileSync(path, data);
}
