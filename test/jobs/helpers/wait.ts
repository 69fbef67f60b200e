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

/**
 * Polls until `done(n)` holds for n = progress(), failing only when n has not grown for `stallMs`
 * (not after a fixed time): on a loaded machine a long run gets as long as it needs while it keeps
 * moving, and a stuck one still fails within stallMs. `onStall` may add what was found to the error.
 */
export async function waitWhileProgressing(
  progress: () => Promise<number>,
  done: (n: number) => boolean | Promise<boolean>,
  what: string,
  opts: { stallMs: number; intervalMs?: number; onStall?: (n: number) => Promise<string> | string },
): Promise<number> {
  let best = -Infinity;
  let since = Date.now();
  for (;;) {
    const n = await progress();
    if (await done(n)) return n;
    if (n > best) {
      best = n;
      since = Date.now();
    } else if (Date.now() - since > opts.stallMs) {
      const extra = opts.onStall ? `\n${await opts.onStall(n)}` : '';
      throw new Error(`no progress for ${opts.stallMs} ms (at ${n}) waiting for ${what}${extra}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}
