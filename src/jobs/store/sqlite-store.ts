/**
 * Embedded job store: one SQLite file through sql.js (WASM, no native build). The database
 * lives in memory; every change is appended to an operation log (oplog.ts) before it is
 * acknowledged, and the SQLite file itself is rewritten atomically (temp file + fsync + rename)
 * only when that log has grown as large as the database, and on close. So a state change costs
 * one small append, not a re-serialisation of the whole database, and a crash at any point
 * leaves the snapshot plus a log that replays to the last acknowledged change. A lock file keeps
 * a second process from opening the same store.
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import initSqlJs from 'sql.js';
import { DuplicateJobError, JobError, type JobErrorInfo } from '../errors.js';
import type { CachedResult, ResultCache } from '../exec/cache.js';
import type { JobDocument, JobResult, ProgressEvent, TerminalState } from '../protocol/schema.js';
import type { JobRecord, ProgressEventInit } from '../record.js';
import { assertTransition, isInFlight, isTerminal, type JobState } from '../state.js';
import { Oplog, readLog, syncDirectory, type Statement } from './oplog.js';

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
  /**
   * When a change is forced to disk. 'batched' (default): written before it is acknowledged (a
   * crash of the process loses nothing) and fdatasync'ed within syncDelayMs (a power loss may
   * lose the last moments). 'always': fdatasync before every acknowledgement (~ms each).
   */
  fsync?: 'always' | 'batched';
  /** Delay of the batched fdatasync (ms); default 50. */
  syncDelayMs?: number;
  /** Rewrite the SQLite file once the operation log exceeds this many bytes; default: the database size, within 4..64 MiB. */
  compactBytes?: number;
}

/** What opening a store found in its operation log. */
export interface RecoveryInfo {
  /** Changes replayed from the log (work done since the last snapshot). */
  replayed: number;
  /** A log left from before the last snapshot was ignored. */
  staleLog: boolean;
  /** Bytes of an incomplete last change (crash mid-write), dropped. */
  tornBytes: number;
  /** A change that could not be replayed (the log ends there), if any. */
  failed?: string;
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

const MiB = 1 << 20;
/** Every column but the document, which is parsed once and kept in memory (see document()). */
const ROW = 'seq, job_id, state, attempt, priority, operation, idempotency_key, worker_id, submitted_at, updated_at, started_at, finished_at, not_before, deadline, result, error';

export class SqliteJobStore {
  private closed = false;
  private readonly lastSeq = new Map<string, number>();
  private readonly docs = new Map<string, JobDocument>();
  /** Prepared statements by SQL text: preparing costs more than running for these small queries. */
  private readonly prepared = new Map<string, initSqlJs.Statement>();
  private oplog: Oplog | undefined;
  private generation = 0;
  private snapshotBytes = 0;
  private compactTimer: NodeJS.Timeout | undefined;
  private compactRetryAt = 0;
  /** Number of times the SQLite file was rewritten by this process (tests, diagnostics). */
  snapshotsWritten = 0;
  recovery: RecoveryInfo = { replayed: 0, staleLog: false, tornBytes: 0 };

  private constructor(
    private readonly db: initSqlJs.Database,
    private readonly opts: SqliteStoreOptions,
    private readonly lockPath: string | undefined,
  ) {}

  private get logPath(): string | undefined {
    return this.opts.path === undefined ? undefined : `${this.opts.path}.oplog`;
  }

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
      // The database file here is sql.js's in-memory one: a rollback journal on its emulated
      // filesystem would cost a file create/write/delete per transaction for nothing. Durability
      // comes from the operation log.
      db.run('PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;');
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
    if (opts.path !== undefined) {
      try {
        store.recover(data?.length ?? 0);
      } catch (err) {
        db.close();
        if (lockPath) rmSync(lockPath, { force: true });
        throw new JobError('UNAVAILABLE', `cannot open job store ${opts.path}: ${(err as Error).message}`, { cause: err });
      }
    }
    return store;
  }

  /** Replays the operation log onto the snapshot just loaded, then starts a new generation. */
  private recover(snapshotBytes: number): void {
    const g = this.db.exec(`SELECT v FROM meta WHERE k = 'oplog_generation'`)[0]?.values[0]?.[0];
    this.generation = g === undefined ? 0 : Number(g);
    this.snapshotBytes = snapshotBytes;
    const log = readLog(this.logPath!);
    const info: RecoveryInfo = { replayed: 0, staleLog: false, tornBytes: log.tornBytes };
    if (log.generation !== undefined && log.generation !== this.generation) info.staleLog = true;
    else {
      for (const entry of log.entries) {
        try {
          this.runAll(entry);
        } catch (err) {
          info.failed = (err as Error).message;
          break;
        }
        info.replayed++;
      }
    }
    this.recovery = info;
    // Changes past one that would not replay are dropped by the compaction below: keep the log
    // that held them for a person to look at.
    if (info.failed !== undefined) copyFileSync(this.logPath!, `${this.logPath!}.unreplayed-${Date.now()}`);
    // A fresh snapshot now keeps the next replay short and drops any torn tail.
    this.compact();
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
    const json = JSON.stringify(doc);
    const stmts: Statement[] = [
      [
        `INSERT INTO jobs (job_id, doc, state, attempt, priority, operation, idempotency_key, submitted_at, updated_at, deadline)
         VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)`,
        [
          doc.job_id,
          json,
          doc.execution.attempt,
          doc.execution.priority,
          doc.operation,
          key,
          now,
          now,
          doc.execution.deadline != null ? Date.parse(doc.execution.deadline) : null,
        ],
      ],
    ];
    if (key !== null) stmts.push([`INSERT OR REPLACE INTO idempotency (key, job_id) VALUES (?, ?)`, [key, doc.job_id]]);
    this.apply(stmts);
    this.remember(doc.job_id, JSON.parse(json) as JobDocument); // as stored, not the caller's object
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
    const sql = `SELECT ${ROW} FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
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
    const row = this.all(`SELECT state FROM jobs WHERE job_id = ?`, [jobId])[0];
    if (!row) throw new JobError('NOT_FOUND', `no such job: ${jobId}`);
    const cur = { state: String(row['state']) as JobState };
    assertTransition(jobId, cur.state, to);
    const sets: string[] = ['state = ?', 'updated_at = ?'];
    const params: (string | number | null)[] = [to, now];
    for (const [k, v] of Object.entries(patch)) {
      sets.push(`${k} = ?`);
      params.push(v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : (v as string | number));
    }
    if (isTerminal(to) && patch.finished_at === undefined) {
      sets.push('finished_at = ?');
      params.push(now);
    }
    this.apply([[`UPDATE jobs SET ${sets.join(', ')} WHERE job_id = ? AND state = ?`, [...params, jobId, cur.state]]]);
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
    return this.all(`SELECT ${ROW} FROM jobs WHERE state = 'queued' AND deadline IS NOT NULL AND deadline <= ?`, [now]).map((r) => this.toRecord(r));
  }

  /** After a restart nothing is running: assigned/running jobs go back to the queue to re-run. */
  requeueOrphans(now = Date.now()): JobRecord[] {
    const rows = this.all(`SELECT job_id FROM jobs WHERE state IN ('assigned', 'running')`, []);
    return rows.map((r) => this.transition(String(r['job_id']), 'queued', { worker_id: null, not_before: null }, now));
  }

  /** Earliest pending backoff expiry (ms), to arm a timer. */
  nextDueAt(): number | undefined {
    const v = this.all(`SELECT MIN(not_before) AS t FROM jobs WHERE state = 'queued' AND not_before IS NOT NULL`, [])[0]?.['t'];
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
    const stmts: Statement[] = [];
    for (const id of ids) {
      stmts.push([`DELETE FROM events WHERE job_id = ?`, [id]], [`DELETE FROM jobs WHERE job_id = ?`, [id]], [`DELETE FROM idempotency WHERE job_id = ?`, [id]]);
      this.docs.delete(id);
      this.lastSeq.delete(id);
    }
    this.apply(stmts);
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
    const stmts: Statement[] = [[`INSERT INTO events (job_id, sequence, event) VALUES (?, ?, ?)`, [jobId, seq, JSON.stringify(event)]]];
    const keep = this.opts.maxEventsPerJob ?? 500;
    if (seq > keep) stmts.push([`DELETE FROM events WHERE job_id = ? AND sequence <= ?`, [jobId, seq - keep]]);
    this.apply(stmts);
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
          this.apply([[`DELETE FROM cache WHERE key = ?`, [key]]]);
          return undefined;
        }
        return JSON.parse(String(r['value'])) as CachedResult;
      },
      set: async (key, value) => {
        this.apply([[`INSERT OR REPLACE INTO cache (key, value, created_at) VALUES (?, ?, ?)`, [key, JSON.stringify(value), Date.now()]]]);
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Persistence

  /** Forces every acknowledged change to disk now (fdatasync of the operation log). */
  flush(): void {
    if (!this.closed) this.oplog?.syncNow();
  }

  /** A clean close folds the log into a fresh snapshot, so the SQLite file alone holds everything. */
  close(): void {
    if (this.closed) return;
    clearTimeout(this.compactTimer);
    try {
      if (this.oplog && this.oplog.size > this.headerBytes) this.compact();
      this.oplog?.syncNow();
    } finally {
      this.oplog?.closeSync();
      this.closed = true;
      for (const st of this.prepared.values()) st.free();
      this.prepared.clear();
      this.db.close();
      if (this.lockPath) rmSync(this.lockPath, { force: true });
    }
  }

  get path(): string | undefined {
    return this.opts.path;
  }

  /** When changes reach the disk: before each acknowledgement ('always') or within syncDelayMs ('batched'). */
  get fsync(): 'always' | 'batched' {
    return this.opts.fsync ?? 'batched';
  }

  /** Bytes of the operation log (0 in memory). */
  get logBytes(): number {
    return this.oplog?.size ?? 0;
  }

  private get headerBytes(): number {
    return Buffer.byteLength(JSON.stringify({ generation: this.generation }) + '\n');
  }

  /** Runs a change (statements as one transaction) and logs it before it counts as done. */
  private apply(stmts: Statement[]): void {
    if (this.closed) throw new JobError('UNAVAILABLE', 'job store is closed');
    this.exec('BEGIN');
    try {
      for (const [sql, params] of stmts) this.exec(sql, params);
      this.oplog?.append(stmts);
      this.exec('COMMIT');
    } catch (err) {
      this.exec('ROLLBACK');
      throw err;
    }
    if (this.oplog && this.oplog.size > this.compactThreshold()) this.scheduleCompaction();
  }

  private runAll(stmts: Statement[]): void {
    this.exec('BEGIN');
    try {
      for (const [sql, params] of stmts) this.exec(sql, params);
      this.exec('COMMIT');
    } catch (err) {
      this.exec('ROLLBACK');
      throw err;
    }
  }

  private compactThreshold(): number {
    return this.opts.compactBytes ?? Math.min(64 * MiB, Math.max(4 * MiB, this.snapshotBytes));
  }

  private scheduleCompaction(): void {
    if (this.compactTimer || Date.now() < this.compactRetryAt) return;
    // Soon, but not inside the change that crossed the threshold.
    this.compactTimer = setTimeout(() => {
      this.compactTimer = undefined;
      if (this.closed) return;
      try {
        this.compact();
      } catch {
        // Disk full or similar: the log keeps every change; try again later.
        this.compactRetryAt = Date.now() + 10_000;
      }
    }, 0);
    this.compactTimer.unref();
  }

  /**
   * Writes the database as a snapshot of the next generation (temp file + fsync + rename), then
   * replaces the log by an empty one of that generation.
   */
  private compact(): void {
    const path = this.opts.path;
    if (path === undefined) return;
    const next = this.generation + 1;
    this.db.run(`INSERT OR REPLACE INTO meta (k, v) VALUES ('oplog_generation', ?)`, [String(next)]);
    let bytes: Uint8Array;
    try {
      bytes = this.db.export();
      const tmp = `${path}.${process.pid}.tmp`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        let done = 0;
        while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
      syncDirectory(path);
    } catch (err) {
      this.db.run(`INSERT OR REPLACE INTO meta (k, v) VALUES ('oplog_generation', ?)`, [String(this.generation)]);
      throw err;
    }
    // From here the snapshot holds everything: the old log is obsolete whatever happens next.
    this.generation = next;
    this.snapshotBytes = bytes.length;
    this.snapshotsWritten++;
    const old = this.oplog;
    this.oplog = Oplog.create(this.logPath!, next, { fsync: this.opts.fsync, syncDelayMs: this.opts.syncDelayMs });
    old?.closeSync();
  }

  private document(jobId: string): JobDocument {
    let d = this.docs.get(jobId);
    if (!d) {
      const row = this.all(`SELECT doc FROM jobs WHERE job_id = ?`, [jobId])[0];
      if (!row) throw new JobError('NOT_FOUND', `no such job: ${jobId}`);
      d = JSON.parse(String(row['doc'])) as JobDocument;
      this.remember(jobId, d);
    }
    return d;
  }

  private remember(jobId: string, d: JobDocument): void {
    // Bounded: documents of finished jobs are rarely needed again.
    if (this.docs.size > 5000) this.docs.clear();
    this.docs.set(jobId, d);
  }

  private getRow(jobId: string): Row | undefined {
    return this.all(`SELECT ${ROW} FROM jobs WHERE job_id = ?`, [jobId])[0];
  }

  /** A prepared statement for `sql`, cached when the cache has room (else the caller frees it). */
  private statement(sql: string): { st: initSqlJs.Statement; cached: boolean } {
    const hit = this.prepared.get(sql);
    if (hit) return { st: hit, cached: true };
    const st = this.db.prepare(sql);
    if (this.prepared.size >= 256) return { st, cached: false };
    this.prepared.set(sql, st);
    return { st, cached: true };
  }

  private exec(sql: string, params: readonly (string | number | null)[] = []): void {
    const { st, cached } = this.statement(sql);
    try {
      st.run(params as SqlValue[]);
    } finally {
      if (!cached) st.free();
    }
  }

  private all(sql: string, params: SqlValue[]): Row[] {
    const { st, cached } = this.statement(sql);
    try {
      st.bind(params);
      const rows: Row[] = [];
      while (st.step()) rows.push(st.getAsObject());
      return rows;
    } finally {
      if (cached) st.reset();
      else st.free();
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
