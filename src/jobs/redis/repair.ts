/**
 * Start-up repair for Redis: a job is recorded in its hash first and added to the BullMQ queue
 * second. A server that dies between the two leaves a job no worker will ever see; SUBMIT puts
 * every new job on an "unenqueued" list that the submitter clears once BullMQ has it, so the
 * next server or worker to start finds those jobs and enqueues them.
 *
 * Exactly once, even when several processes start together: the BullMQ job id is derived from
 * the job id, and BullMQ ignores an add whose id exists, so concurrent repairs (or a repair
 * racing the original submitter) end with one queued job.
 */
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { isTerminal } from '../state.js';
import { bullJobId, enqueueOptions } from './connection.js';
import type { RedisJobStore } from './store.js';

export interface RepairOutcome {
  /** Jobs added to the queue by this pass. */
  enqueued: string[];
  /** Entries dropped: the job was already queued, finished, or expired. */
  cleared: string[];
}

export async function repairUnenqueued(store: RedisJobStore, queue: Queue, logger?: Logger): Promise<RepairOutcome> {
  const out: RepairOutcome = { enqueued: [], cleared: [] };
  for (const id of await store.unenqueued()) {
    const rec = await store.get(id);
    if (rec && !isTerminal(rec.state) && !(await queue.getJob(bullJobId(id)))) {
      await queue.add(rec.operation, { job_id: id }, enqueueOptions(rec.document));
      out.enqueued.push(id);
    } else {
      out.cleared.push(id);
    }
    await store.markEnqueued(id);
  }
  if (out.enqueued.length > 0) logger?.warn({ jobs: out.enqueued }, 'enqueued jobs a crashed submitter had recorded but not queued');
  return out;
}
