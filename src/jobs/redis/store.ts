/**
 * Job state in Redis, shared by the API server and every worker. BullMQ only moves job ids
 * around (wait/active/delayed, locks, stalled recovery); the truth about a job lives in one
 * hash per job, changed only through Lua scripts that compare-and-set its status. That is what
 * makes "exactly one final result" hold even when a stalled job ran twice: the first FINALIZE
 * wins, later ones see a final status and change nothing.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DuplicateJobError, JobError, type JobErrorInfo } from '../errors.js';
import type { CachedResult, ResultCache } from '../exec/cache.js';
import type { JobDocument, JobResult, ProgressEvent, TerminalState, WorkerInfo } from '../protocol/schema.js';
import type { JobRecord, ProgressEventInit } from '../record.js';
import type { JobStreamEvent } from '../service-types.js';
import type { JobState } from '../state.js';

const SUBMIT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {'dup_id', ARGV[1]} end
if ARGV[5] ~= '' then
  local holder = redis.call('GET', KEYS[4])
  if holder then
    local st = redis.call('HGET', ARGV[9] .. holder, 'status')
    if st == 'completed' then return {'existing', holder} end
    if st and st ~= 'failed' and st ~= 'timeout' and st ~= 'cancelled' then return {'dup_key', holder, st} end
  end
  redis.call('SET', KEYS[4], ARGV[1])
end
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], 'job_id', ARGV[1], 'doc', ARGV[2], 'status', 'queued', 'operation', ARGV[3],
  'priority', ARGV[4], 'idempotency_key', ARGV[5], 'submitted_at', ARGV[6], 'updated_at', ARGV[6],
  'attempt', ARGV[7], 'deadline', ARGV[8], 'seq', seq, 'evseq', 0)
redis.call('ZADD', KEYS[2], seq, ARGV[1])
-- Until the submitter confirms the BullMQ enqueue: found here at start-up, it was never enqueued.
redis.call('ZADD', KEYS[5], ARGV[6], ARGV[1])
return {'created', tostring(seq)}
`;

/*
 * Fencing: a run may change who holds a job only while it holds the job's BullMQ lock (KEYS[2],
 * whose value is the run's token). A worker whose lock expired (it stalled: event loop starved,
 * or it is about to die) has already lost the job to BullMQ's stalled check, which hands it to
 * another run; without the fence the late run could still take it back in the job hash (START
 * accepts 'running') or requeue it (REQUEUE only checked the worker id, which two runs on one
 * worker share), leaving the hash queued for a BullMQ job that no longer exists.
 */

/** A worker takes the job: queued/assigned (or running, after a stalled worker) -> running. */
const START = `
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {'missing'} end
if st ~= 'queued' and st ~= 'assigned' and st ~= 'running' then return {'final', st} end
if KEYS[2] and redis.call('GET', KEYS[2]) ~= ARGV[4] then return {'lost', st} end
redis.call('HSET', KEYS[1], 'status', 'running', 'worker_id', ARGV[1], 'attempt', ARGV[2],
  'started_at', ARGV[3], 'updated_at', ARGV[3], 'next_attempt_at', '')
return {'ok', st}
`;

/** Back to the queue for a retry, only by the run that holds it. */
const REQUEUE = `
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'running' or redis.call('HGET', KEYS[1], 'worker_id') ~= ARGV[1] then return 0 end
if KEYS[2] and redis.call('GET', KEYS[2]) ~= ARGV[6] then return 0 end
redis.call('HSET', KEYS[1], 'status', 'queued', 'worker_id', '', 'attempt', ARGV[2], 'next_attempt_at', ARGV[3],
  'error', ARGV[4], 'updated_at', ARGV[5])
return 1
`;

/** The one final result: applied only while the job is not final yet. */
const FINALIZE = `
local st = redis.call('HGET', KEYS[1], 'status')
if not st or st == 'completed' or st == 'failed' or st == 'timeout' or st == 'cancelled' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'result', ARGV[2], 'error', ARGV[3], 'finished_at', ARGV[4], 'updated_at', ARGV[4])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'worker_id', ARGV[5]) end
redis.call('INCR', KEYS[2])
local ttl = tonumber(ARGV[6])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[3], ttl)
  local ik = redis.call('HGET', KEYS[1], 'idempotency_key')
  if ik and ik ~= '' then redis.call('EXPIRE', ARGV[7] .. redis.sha1hex(ik), ttl) end
end
return 1
`;

const ADD_EVENT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local seq = redis.call('HINCRBY', KEYS[1], 'evseq', 1)
local ev = cjson.decode(ARGV[1])
ev['sequence'] = seq
local s = cjson.encode(ev)
redis.call('RPUSH', KEYS[2], s)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('PUBLISH', ARGV[3], cjson.encode({type = 'progress', job_id = ARGV[4], event = ev}))
return s
`;

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

/** The BullMQ lock a run holds (its key and the run's token): START and REQUEUE check it. */
export interface RunFence {
  lockKey: string;
  token: string;
}

export interface RedisStoreOptions {
  /** Key prefix; default "guestguard". */
  prefix?: string;
  /** Finished jobs (and their events) expire after this many seconds; default 7 days. */
  retentionSeconds?: number;
  maxEventsPerJob?: number;
  cacheTtlSeconds?: number;
}

export class RedisJobStore {
  readonly prefix: string;
  private readonly retention: number;

  constructor(
    readonly redis: Redis,
    opts: RedisStoreOptions = {},
  ) {
    this.prefix = opts.prefix ?? 'guestguard';
    this.retention = opts.retentionSeconds ?? 7 * 86400;
    this.maxEvents = opts.maxEventsPerJob ?? 500;
    this.cacheTtl = opts.cacheTtlSeconds ?? 7 * 86400;
  }
  private readonly maxEvents: number;
  private readonly cacheTtl: number;

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }
  get eventsChannel(): string {
    return this.key('events');
  }
  get cancelChannel(): string {
    return this.key('cancel');
  }

  private async script(source: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    const sha = sha1(source);
    try {
      return await this.redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      return this.redis.eval(source, keys.length, ...keys, ...args);
    }
  }

  async submit(doc: JobDocument, now = Date.now()): Promise<{ status: 'created'; seq: number } | { status: 'existing'; jobId: string }> {
    const idem = doc.execution.idempotency_key ?? '';
    const r = (await this.script(
      SUBMIT,
      [this.key('job', doc.job_id), this.key('jobs'), this.key('seq'), this.key('idem', idem === '' ? '-' : sha1(idem)), this.key('unenqueued')],
      [
        doc.job_id,
        JSON.stringify(doc),
        doc.operation,
        doc.execution.priority,
        idem,
        now,
        doc.execution.attempt,
        doc.execution.deadline != null ? Date.parse(doc.execution.deadline) : '',
        this.key('job', ''),
      ],
    )) as string[];
    switch (r[0]) {
      case 'created':
        return { status: 'created', seq: Number(r[1]) };
      case 'existing':
        return { status: 'existing', jobId: r[1]! };
      case 'dup_id':
        throw new DuplicateJobError(`job ${doc.job_id} already exists`, doc.job_id);
      default:
        throw new DuplicateJobError(`idempotency key "${idem}" is in use by job ${r[1]} (${r[2]})`, r[1]!, { state: r[2] });
    }
  }

  /** The job is in the BullMQ queue (or needs no enqueue any more): off the repair list. */
  async markEnqueued(jobId: string): Promise<void> {
    await this.redis.zrem(this.key('unenqueued'), jobId);
  }

  /** Jobs recorded but not (yet) confirmed enqueued, oldest first. */
  async unenqueued(limit = 10_000): Promise<string[]> {
    return this.redis.zrange(this.key('unenqueued'), '0', String(limit - 1));
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    const h = await this.redis.hgetall(this.key('job', jobId));
    return h['doc'] ? hashToRecord(h) : undefined;
  }

  /** Newest first, scanning the submission index; `before` is an exclusive seq bound. */
  async list(q: { status?: JobState; operation?: string; limit: number; before?: number }): Promise<{ records: JobRecord[]; scannedTo?: number }> {
    const out: JobRecord[] = [];
    let max = q.before !== undefined ? `(${q.before}` : '+inf';
    const batch = 200;
    for (let round = 0; round < 25; round++) {
      const ids = await this.redis.zrevrangebyscore(this.key('jobs'), max, '-inf', 'WITHSCORES', 'LIMIT', 0, batch);
      if (ids.length === 0) return { records: out };
      const pipe = this.redis.pipeline();
      for (let i = 0; i < ids.length; i += 2) pipe.hgetall(this.key('job', ids[i]!));
      const rows = (await pipe.exec()) ?? [];
      const gone: string[] = [];
      for (let i = 0; i < rows.length; i++) {
        const h = rows[i]![1] as Record<string, string>;
        const id = ids[i * 2]!;
        if (!h || !h['doc']) {
          gone.push(id); // expired by retention
          continue;
        }
        const rec = hashToRecord(h);
        if ((q.status && rec.state !== q.status) || (q.operation && rec.operation !== q.operation)) continue;
        out.push(rec);
        if (out.length >= q.limit) return { records: out };
      }
      if (gone.length > 0) await this.redis.zrem(this.key('jobs'), ...gone);
      max = `(${ids[ids.length - 1]}`;
      if (ids.length < batch * 2) return { records: out };
    }
    // Scan budget spent: report where we stopped so the caller can page on.
    return { records: out, scannedTo: Number(max.slice(1)) };
  }

  /**
   * Marks the job running on `workerId`. With a fence, only while the run holds the BullMQ lock:
   * `lock_lost` when it no longer does (another run has the job, or will).
   */
  async start(jobId: string, workerId: string, attempt: number, opts: { now?: number; fence?: RunFence } = {}): Promise<{ ok: true; from: JobState } | { ok: false; status: string }> {
    const keys = [this.key('job', jobId), ...(opts.fence ? [opts.fence.lockKey] : [])];
    const r = (await this.script(START, keys, [workerId, attempt, opts.now ?? Date.now(), opts.fence?.token ?? ''])) as string[];
    if (r[0] === 'ok') return { ok: true, from: r[1] as JobState };
    if (r[0] === 'lost') return { ok: false, status: 'lock_lost' };
    return { ok: false, status: r[1] ?? 'missing' };
  }

  /** Back to queued for a retry; only by the worker that holds it (and, with a fence, only while its run holds the lock). */
  async requeue(
    jobId: string,
    workerId: string,
    nextAttempt: number,
    notBefore: number,
    error: JobErrorInfo | undefined,
    opts: { now?: number; fence?: RunFence } = {},
  ): Promise<boolean> {
    const keys = [this.key('job', jobId), ...(opts.fence ? [opts.fence.lockKey] : [])];
    const r = await this.script(REQUEUE, keys, [workerId, nextAttempt, notBefore, error ? JSON.stringify(error) : '', opts.now ?? Date.now(), opts.fence?.token ?? '']);
    return r === 1;
  }

  /** Stores the final result unless the job already has one; true when this call set it. */
  async finalize(jobId: string, result: JobResult, now = Date.now()): Promise<boolean> {
    const r = await this.script(
      FINALIZE,
      [this.key('job', jobId), this.key('finalized'), this.key('events', jobId)],
      [result.status, JSON.stringify(result), result.error ? JSON.stringify(result.error) : '', now, result.worker_id ?? '', this.retention, this.key('idem', '')],
    );
    return r === 1;
  }

  /** Number of final results ever stored (each job contributes exactly one). */
  async finalizedCount(): Promise<number> {
    return Number((await this.redis.get(this.key('finalized'))) ?? 0);
  }

  async appendEvent(jobId: string, init: ProgressEventInit): Promise<ProgressEvent | undefined> {
    const s = (await this.script(ADD_EVENT, [this.key('job', jobId), this.key('events', jobId)], [JSON.stringify({ job_id: jobId, ...init }), this.maxEvents, this.eventsChannel, jobId])) as string | null;
    return s ? (JSON.parse(s) as ProgressEvent) : undefined;
  }

  async events(jobId: string, afterSequence = 0): Promise<ProgressEvent[]> {
    const all = await this.redis.lrange(this.key('events', jobId), 0, -1);
    return all.map((s) => JSON.parse(s) as ProgressEvent).filter((e) => e.sequence > afterSequence);
  }

  async publish(event: JobStreamEvent): Promise<void> {
    await this.redis.publish(this.eventsChannel, JSON.stringify(event));
  }

  async publishStatus(jobId: string, status: JobState, attempt: number, error?: JobErrorInfo | null): Promise<void> {
    await this.publish({ type: 'status', job_id: jobId, status, attempt, timestamp: new Date().toISOString(), error: error ?? null });
  }

  // ---------------------------------------------------------------------------------------------
  // Workers registry

  async heartbeat(info: WorkerInfo): Promise<void> {
    await this.redis.hset(this.key('workers'), info.worker_id, JSON.stringify(info));
  }

  async removeWorker(workerId: string): Promise<void> {
    await this.redis.hdel(this.key('workers'), workerId);
  }

  /** Workers seen within `freshMs`; entries silent for an hour are deleted. */
  async workers(freshMs = 15_000): Promise<WorkerInfo[]> {
    const all = await this.redis.hgetall(this.key('workers'));
    const now = Date.now();
    const live: WorkerInfo[] = [];
    const dead: string[] = [];
    for (const [id, s] of Object.entries(all)) {
      let w: WorkerInfo;
      try {
        w = JSON.parse(s) as WorkerInfo;
      } catch {
        dead.push(id);
        continue;
      }
      const age = now - Date.parse(w.last_heartbeat);
      if (age <= freshMs) live.push(w);
      else if (age > 3_600_000) dead.push(id);
    }
    if (dead.length > 0) await this.redis.hdel(this.key('workers'), ...dead);
    return live.sort((a, b) => a.worker_id.localeCompare(b.worker_id));
  }

  // ---------------------------------------------------------------------------------------------

  resultCache(): ResultCache {
    return {
      get: async (k) => {
        const s = await this.redis.get(this.key('cache', k));
        return s ? (JSON.parse(s) as CachedResult) : undefined;
      },
      set: async (k, v) => {
        await this.redis.set(this.key('cache', k), JSON.stringify(v), 'EX', this.cacheTtl);
      },
    };
  }
}

function num(s: string | undefined): number | null {
  return s === undefined || s === '' ? null : Number(s);
}

function hashToRecord(h: Record<string, string>): JobRecord {
  let document: JobDocument;
  try {
    document = JSON.parse(h['doc']!) as JobDocument;
  } catch {
    throw new JobError('INTERNAL_ERROR', `corrupt job record ${h['job_id']}`);
  }
  return {
    seq: Number(h['seq'] ?? 0),
    job_id: h['job_id'] ?? document.job_id,
    document,
    state: (h['status'] ?? 'queued') as JobState,
    attempt: Number(h['attempt'] ?? 1),
    priority: Number(h['priority'] ?? 5),
    operation: h['operation'] ?? document.operation,
    idempotency_key: h['idempotency_key'] ? h['idempotency_key'] : null,
    worker_id: h['worker_id'] ? h['worker_id'] : null,
    submitted_at: Number(h['submitted_at']),
    updated_at: Number(h['updated_at']),
    started_at: num(h['started_at']),
    finished_at: num(h['finished_at']),
    not_before: num(h['next_attempt_at']),
    deadline: num(h['deadline']),
    result: h['result'] ? (JSON.parse(h['result']) as JobResult) : null,
    error: h['error'] ? (JSON.parse(h['error']) as JobErrorInfo) : null,
  };
}

export type { TerminalState };
