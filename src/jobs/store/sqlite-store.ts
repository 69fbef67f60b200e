/**
 * Embedded job store: one SQLite file through sql.js (WASM, no native build). The database
 * lives in memory and is written back atomically (temp file + fsync + rename) after each batch
 * of mutations, so a crash leaves either the old or the new file, never a torn one. A lock
 * file keeps a second process from opening the same store.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import initSqlJs from 'sql.js';
import { DuplicateJobError, JobError, type JobErrorInfo } from '../errors.js';
import type { CachedResult, ResultCache } from '../exec/cache.js';
import type { JobDocument, JobResult, ProgressEvent, TerminalState } from '../protocol/schema.js';
import type { JobRecord, ProgressEventInit } from '../record.js';
import { assertTransition, isInFlight, isTerminal, type JobState } from '../state.js';

export type { JobRecord, ProgressEventInit } from '../record.js';
export { recordToView } from '../record.js';

type SqlValue = initSqlJs.SqlValue;
type Row = Record<string, SqlValue>;

export type StoreSubmitOutcome = { status: 'created'; record: JobRecord } | { status: 'existing'; record: JobRecord };

export interface SqliteStoreOptions {
  /** Database file; undefined keeps everything in memory (tests, throwaway servers). */
  path?: string;
  /** Progress events kept per job (oldest dropped first); default 500. */
  maxEventsPerJob?: number;
  /** Delay that batches state changes into one file write (ms); default 20. */
  flushDelayMs?: number;
  /** Longer batching for progress events alone, which are frequent and cheap to lose (ms); default 250. */
  eventFlushDelayMs?: number;
}

const SCHEMA_VERSION = '1';
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL UNIQUE,
  doc TEXT NOT NULL,
  state TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  priority INTEGER NOT NULL,
  operation TEXT NOT NULL,
  idempotency_key TEXT,
  worker_id TEXT,
  submitted_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  not_before INTEGER,
  deadline INTEGER,
  result TEXT,
  error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, priority DESC, seq);
CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, job_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (job_id TEXT NOT NULL, sequence INTEGER NOT NULL, event TEXT NOT NULL, PRIMARY KEY (job_id, sequence));
CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, created_at INTEGER NOT NULL);
`;

let sqlJs: Promise<initSqlJs.SqlJsStatic> | undefined;

export class SqliteJobStore {
  private dirty = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushDue = Infinity;
  private closed = false;
  private readonly lastSeq = new Map<string, number>();
  private readonly docs = new Map<string, JobDocument>();

  private constructor(
    private readonly db: initSqlJs.Database,
    private readonly opts: SqliteStoreOptions,
    private readonly lockPath: string | undefined,
  ) {}

  static async open(opts: SqliteStoreOptions = {}): Promise<SqliteJobStore> {
    sqlJs ??= initSqlJs();
    const SQL = await sqlJs;
    let lockPath: string | undefined;
    let data: Uint8Array | undefined;
    if (opts.path !== undefined) {
      mkdirSync(dirname(opts.path), { recursive: true });
      lockPath = `${opts.path}.lock`;
      takeLock(lockPath);
      try {
        if (existsSync(opts.path)) data = readFileSync(opts.path);
      } catch (err) {
        rmSync(lockPath, { force: true });
        throw err;
      }
    }
    let db: initSqlJs.Database;
    try {
      db = new SQL.Database(data);
      db.run(SCHEMA);
      const v = db.exec(`SELECT v FROM meta WHERE k = 'schema_version'`)[0]?.values[0]?.[0];
      if (v === undefined) db.run(`INSERT INTO meta (k, v) VALUES ('schema_version', ?)`, [SCHEMA_VERSION]);
      else if (v !== SCHEMA_VERSION) throw new JobError('UNAVAILABLE', `job store ${opts.path} has schema version ${String(v)}, expected ${SCHEMA_VERSION}`);
    } catch (err) {
      if (lockPath) rmSync(lockPath, { force: true });
      if (err instanceof JobError) throw err;
      throw new JobError('UNAVAILABLE', `cannot open job store ${opts.path}: ${(err as Error).message}`, { cause: err });
    }
    const store = new SqliteJobStore(db, opts, lockPath);
    if (data === undefined) store.markDirty();
    return store;
  }

  // ---------------------------------------------------------------------------------------------
  // Jobs

  /** Inserts a validated job as queued, honouring job-id uniqueness and idempotency keys. */
  submit(doc: JobDocument, now = Date.now()): StoreSubmitOutcome {
    if (this.getRow(doc.job_id)) throw new DuplicateJobError(`job ${doc.job_id} already exists`, doc.job_id);
    const key = doc.execution.idempotency_key ?? null;
    if (key !== null) {
      const holder = this.all(`SELECT job_id FROM idempotency WHERE key = ?`, [key])[0];
      const prev = holder ? this.get(String(holder['job_id'])) : undefined;
      if (prev) {
        if (prev.state === 'completed') return { status: 'existing', record: prev };
        if (isInFlight(prev.state)) {
          throw new DuplicateJobError(`idempotency key "${key}" is in use by job ${prev.job_id} (${prev.state})`, prev.job_id, { state: prev.state });
        }
        // A failed/timed-out/cancelled run frees its key: the new job takes it over.
      }
    }
    this.db.run('BEGIN');
    try {
      this.db.run(
        `INSERT INTO jobs (job_id, doc, state, attempt, priority, operation, idempotency_key, submitted_at, updated_at, deadline)
         VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)`,
        [
          doc.job_id,
          JSON.stringify(doc),
          doc.execution.attempt,
          doc.execution.priority,
          doc.operation,
          key,
          now,
          now,
          doc.execution.deadline != null ? Date.parse(doc.execution.deadline) : null,
        ],
      );
      if (key !== null) this.db.run(`INSERT OR REPLACE INTO idempotency (key, job_id) VALUES (?, ?)`, [key, doc.job_id]);
      this.db.run('COMMIT');
    } catch (err) {
      this.db.run('ROLLBACK');
      throw err;
    }
    this.markDirty();
    return { status: 'created', record: this.get(doc.job_id)! };
  }

  get(jobId: string): JobRecord | undefined {
    const row = this.getRow(jobId);
    return row ? this.toRecord(row) : undefined;
  }

  /** Newest first; `before` is an exclusive seq bound for paging. */
  list(q: { status?: JobState; operation?: string; limit: number; before?: number }): JobRecord[] {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.status) {
      where.push('state = ?');
      params.push(q.status);
    }
    if (q.operation) {
      where.push('operation = ?');
      params.push(q.operation);
    }
    if (q.before !== undefined) {
      where.push('seq < ?');
      params.push(q.before);
    }
    const sql = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
    return this.all(sql, [...params, q.limit]).map((r) => this.toRecord(r));
  }

  /**
   * The most urgent queued job (priority, then submission order) that `accept` takes and whose
   * backoff has elapsed, moved to assigned for `workerId`.
   */
  claimNext(workerId: string, accept: (doc: JobDocument) => boolean, now = Date.now()): JobRecord | undefined {
    const page = 200;
    for (let offset = 0; ; offset += page) {
      const rows = this.all(
        `SELECT job_id FROM jobs WHERE state = 'queued' AND (not_before IS NULL OR not_before <= ?)
         ORDER BY priority DESC, seq ASC LIMIT ? OFFSET ?`,
        [now, page, offset],
      );
      for (const r of rows) {
        const id = String(r['job_id']);
        if (accept(this.document(id))) return this.transition(id, 'assigned', { worker_id: workerId }, now);
      }
      if (rows.length < page) return undefined;
    }
  }

  /**
   * Moves a job to `to` (checked against the state machine) and applies field changes.
   * Throws IllegalTransitionError when the job is not in a state that allows it.
   */
  transition(
    jobId: string,
    to: JobState,
    patch: Partial<Pick<JobRecord, 'worker_id' | 'started_at' | 'finished_at' | 'not_before' | 'attempt' | 'result' | 'error'>> = {},
    now = Date.now(),
  ): JobRecord {
    const cur = this.get(jobId);
    if (!cur) throw new JobError('NOT_FOUND', `no such job: ${jobId}`);
    assertTransition(jobId, cur.state, to);
    const sets: string[] = ['state = ?', 'updated_at = ?'];
    const params: SqlValue[] = [to, now];
    for (const [k, v] of Object.entries(patch)) {
      sets.push(`${k} = ?`);
      params.push(v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : (v as SqlValue));
    }
    if (isTerminal(to) && patch.finished_at === undefined) {
      sets.push('finished_at = ?');
      params.push(now);
    }
    this.db.run(`UPDATE jobs SET ${sets.join(', ')} WHERE job_id = ? AND state = ?`, [...params, jobId, cur.state]);
    this.markDirty();
    return this.get(jobId)!;
  }

  /** Ends a job with its result, unless it already ended (first final result wins). */
  finish(jobId: string, result: JobResult, now = Date.now()): JobRecord | undefined {
    const cur = this.get(jobId);
    if (!cur || isTerminal(cur.state)) return undefined;
    const to: TerminalState = result.status;
    this.lastSeq.delete(jobId);
    return this.transition(jobId, to, { result, error: result.error ? (result.error as JobErrorInfo) : null, finished_at: now }, now);
  }

  /** Queued jobs whose deadline passed before any worker took them. */
  expiredQueued(now = Date.now()): JobRecord[] {
    return this.all(`SELECT * FROM jobs WHERE state = 'queued' AND deadline IS NOT NULL AND deadline <= ?`, [now]).map((r) => this.toRecord(r));
  }

  /** After a restart nothing is running: assigned/running jobs go back to the queue to re-run. */
  requeueOrphans(now = Date.now()): JobRecord[] {
    const rows = this.all(`SELECT job_id FROM jobs WHERE state IN ('assigned', 'running')`, []);
    return rows.map((r) => this.transition(String(r['job_id']), 'queued', { worker_id: null, not_before: null }, now));
  }

  /** Earliest pending backoff expiry (ms), to arm a timer. */
  nextDueAt(): number | undefined {
    const v = this.db.exec(`SELECT MIN(not_before) FROM jobs WHERE state = 'queued' AND not_before IS NOT NULL`)[0]?.values[0]?.[0];
    return typeof v === 'number' ? v : undefined;
  }

  countByState(state: JobState): number {
    const v = this.all(`SELECT COUNT(*) AS n FROM jobs WHERE state = ?`, [state])[0]?.['n'];
    return typeof v === 'number' ? v : 0;
  }

  /** Drops finished jobs (and their events) that ended before `olderThan`. */
  prune(olderThan: number): number {
    const ids = this.all(`SELECT job_id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?`, [olderThan]).map((r) => String(r['job_id']));
    if (ids.length === 0) return 0;
    this.db.run('BEGIN');
    for (const id of ids) {
      this.db.run(`DELETE FROM events WHERE job_id = ?`, [id]);
      this.db.run(`DELETE FROM jobs WHERE job_id = ?`, [id]);
      this.db.run(`DELETE FROM idempotency WHERE job_id = ?`, [id]);
      this.docs.delete(id);
      this.lastSeq.delete(id);
    }
    this.db.run('COMMIT');
    this.markDirty();
    return ids.length;
  }

  // ---------------------------------------------------------------------------------------------
  // Progress events

  appendEvent(jobId: string, ev: ProgressEventInit): ProgressEvent {
    let seq = this.lastSeq.get(jobId);
    if (seq === undefined) {
      const v = this.all(`SELECT MAX(sequence) AS s FROM events WHERE job_id = ?`, [jobId])[0]?.['s'];
      seq = typeof v === 'number' ? v : 0;
    }
    seq++;
    this.lastSeq.set(jobId, seq);
    const event: ProgressEvent = { job_id: jobId, sequence: seq, ...ev };
    this.db.run(`INSERT INTO events (job_id, sequence, event) VALUES (?, ?, ?)`, [jobId, seq, JSON.stringify(event)]);
    const keep = this.opts.maxEventsPerJob ?? 500;
    if (seq > keep) this.db.run(`DELETE FROM events WHERE job_id = ? AND sequence <= ?`, [jobId, seq - keep]);
    this.markDirty(this.opts.eventFlushDelayMs ?? 250);
    return event;
  }

  events(jobId: string, afterSequence = 0): ProgressEvent[] {
    return this.all(`SELECT event FROM events WHERE job_id = ? AND sequence > ? ORDER BY sequence`, [jobId, afterSequence]).map(
      (r) => JSON.parse(String(r['event'])) as ProgressEvent,
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Result cache

  /** The cache table as a ResultCache (entries older than ttlMs are ignored and dropped). */
  resultCache(ttlMs = 7 * 86_400_000): ResultCache {
    return {
      get: async (key) => {
        const r = this.all(`SELECT value, created_at FROM cache WHERE key = ?`, [key])[0];
        if (!r) return undefined;
        if (Number(r['created_at']) < Date.now() - ttlMs) {
          this.db.run(`DELETE FROM cache WHERE key = ?`, [key]);
          this.markDirty();
          return undefined;
        }
        return JSON.parse(String(r['value'])) as CachedResult;
      },
      set: async (key, value) => {
        this.db.run(`INSERT OR REPLACE INTO cache (key, value, created_at) VALUES (?, ?, ?)`, [key, JSON.stringify(value), Date.now()]);
        this.markDirty();
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Persistence

  /** Writes pending changes now (atomically). */
  flush(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (!this.dirty || this.opts.path === undefined || this.closed) return;
    const bytes = this.db.export();
    const tmp = `${this.opts.path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.opts.path);
    this.dirty = false;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
    if (this.lockPath) rmSync(this.lockPath, { force: true });
  }

  get path(): string | undefined {
    return this.opts.path;
  }

  /** Schedules a write within `delayMs` (an earlier pending write covers this change too). */
  private markDirty(delayMs = this.opts.flushDelayMs ?? 20): void {
    this.dirty = true;
    if (this.opts.path === undefined || this.closed) return;
    const due = Date.now() + delayMs;
    if (this.flushTimer && this.flushDue <= due) return;
    clearTimeout(this.flushTimer);
    this.flushDue = due;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, delayMs);
  }

  private document(jobId: string): JobDocument {
    let d = this.docs.get(jobId);
    if (!d) {
      const row = this.getRow(jobId);
      if (!row) throw new JobError('NOT_FOUND', `no such job: ${jobId}`);
      d = JSON.parse(String(row['doc'])) as JobDocument;
      // Bounded: documents of finished jobs are rarely needed again.
      if (this.docs.size > 5000) this.docs.clear();
      this.docs.set(jobId, d);
    }
    return d;
  }

  private getRow(jobId: string): Row | undefined {
    return this.all(`SELECT * FROM jobs WHERE job_id = ?`, [jobId])[0];
  }

  private all(sql: string, params: SqlValue[]): Row[] {
    const st = this.db.prepare(sql);
    try {
      st.bind(params);
      const rows: Row[] = [];
      while (st.step()) rows.push(st.getAsObject());
      return rows;
    } finally {
      st.free();
    }
  }

  private toRecord(r: Row): JobRecord {
    const num = (v: SqlValue) => (v === null ? null : Number(v));
    return {
      seq: Number(r['seq']),
      job_id: String(r['job_id']),
      document: this.document(String(r['job_id'])),
      state: String(r['state']) as JobState,
      attempt: Number(r['attempt']),
      priority: Number(r['priority']),
      operation: String(r['operation']),
      idempotency_key: r['idempotency_key'] === null ? null : String(r['idempotency_key']),
      worker_id: r['worker_id'] === null ? null : String(r['worker_id']),
      submitted_at: Number(r['submitted_at']),
      updated_at: Number(r['updated_at']),
      started_at: num(r['started_at']!),
      finished_at: num(r['finished_at']!),
      not_before: num(r['not_before']!),
      deadline: num(r['deadline']!),
      result: r['result'] === null ? null : (JSON.parse(String(r['result'])) as JobResult),
      error: r['error'] === null ? null : (JSON.parse(String(r['error'])) as JobErrorInfo),
    };
  }
}

/** Creates the lock file, taking over one left by a dead process on this host. */
function takeLock(lockPath: string): void {
  const me = JSON.stringify({ pid: process.pid, hostname: hostname() });
  for (let i = 0; i < 2; i++) {
    try {
      writeFileSync(lockPath, me, { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: { pid?: number; hostname?: string } = {};
      try {
        holder = JSON.parse(readFileSync(lockPath, 'utf8')) as typeof holder;
      } catch {
        // unreadable lock: treat as stale
      }
      if (holder.hostname !== undefined && holder.hostname !== hostname()) {
        throw new JobError('UNAVAILABLE', `job store is locked by ${holder.hostname} (pid ${holder.pid}): ${lockPath}`);
      }
      if (holder.pid !== undefined && holder.pid !== process.pid && processAlive(holder.pid)) {
        throw new JobError('UNAVAILABLE', `job store is in use by process ${holder.pid}: ${lockPath}`);
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new JobError('UNAVAILABLE', `cannot lock job store: ${lockPath}`);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
