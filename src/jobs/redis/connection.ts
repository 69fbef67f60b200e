/** Redis connections and the BullMQ queue layout shared by the server and the workers. */
import { Redis, type RedisOptions } from 'ioredis';
import type { JobsOptions } from 'bullmq';
import { JobError } from '../errors.js';
import type { JobDocument } from '../protocol/schema.js';

/** One BullMQ queue carries every job id; priority and routing are handled per job. */
export const QUEUE_NAME = 'jobs';

export type RedisTarget = string | RedisOptions;

/** A new ioredis connection (BullMQ needs maxRetriesPerRequest: null on its connections). */
export function connectRedis(target: RedisTarget, name: string): Redis {
  const common: RedisOptions = { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false };
  if (typeof target === 'string') {
    if (!/^rediss?:\/\//.test(target)) throw new JobError('VALIDATION_ERROR', `Redis URL must start with redis:// or rediss://: ${target}`);
    return new Redis(target, common);
  }
  return new Redis({ ...target, ...common });
}

/** Waits for the connection (or fails with UNAVAILABLE after timeoutMs). */
export async function waitReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      cleanup();
      reject(new JobError('UNAVAILABLE', `Redis not reachable within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(t);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

/** BullMQ job id for a job: BullMQ rejects ids that look like integers, so they get a prefix. */
export function bullJobId(jobId: string): string {
  return `gg.${jobId}`;
}

/**
 * Key of the lock BullMQ holds on a job (by its BullMQ id) while a worker runs it; its value is the
 * run's token. BullMQ's key layout: <prefix>:<queue>:<id>:lock.
 */
export function bullLockKey(prefix: string, bullId: string): string {
  return `${prefix}:${QUEUE_NAME}:${bullId}:lock`;
}

/** Our priority 1..10 (10 most urgent) to BullMQ's (1 is served first). */
export function bullPriority(priority: number): number {
  return 11 - Math.min(10, Math.max(1, Math.round(priority)));
}

/** How a job goes into the BullMQ queue (the submission and the start-up repair use the same). */
export function enqueueOptions(doc: JobDocument): JobsOptions {
  return {
    jobId: bullJobId(doc.job_id),
    priority: bullPriority(doc.execution.priority),
    attempts: doc.execution.max_attempts - doc.execution.attempt + 1,
    backoff: { type: 'guestguard' },
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 1000 },
  };
}
