/** Polling helpers for job tests. */
import type { JobService, JobView } from '../../../src/jobs/service-types.js';

export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000, intervalMs = 25): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const TERMINAL = new Set(['completed', 'failed', 'timeout', 'cancelled']);

export function waitForStatus(svc: JobService, jobId: string, statuses: string[] | 'terminal', timeoutMs = 20_000): Promise<JobView> {
  return waitFor(
    async () => {
      const j = await svc.get(jobId);
      if (!j) return undefined;
      return (statuses === 'terminal' ? TERMINAL.has(j.status) : statuses.includes(j.status)) ? j : undefined;
    },
    `job ${jobId} to reach ${statuses === 'terminal' ? 'a final state' : statuses.join('|')}`,
    timeoutMs,
  );
}
