import { describe, expect, it } from 'vitest';
import { canSandbox } from '../test-support.js';
import { formatPoolStats, runPoolStats } from './stats-command.js';
import { descendants } from './test-procs.js';

describe.skipIf(!canSandbox)('pool stats (what `guestguard pool stats` prints)', () => {
  it('warms the job template, runs acquisitions through it, reports every count and percentile, and leaves nothing running', async () => {
    const r = await runPoolStats({ template: 'job', size: 1, runs: 3, command: ['/bin/sh', '-c', 'test -r /etc/passwd && ! test -e /root'], warmEach: true });
    expect(r.failed_runs).toBe(0);
    expect(r.pool).toMatchObject({ name: 'stats-job', failures: 0, destroyed_total: 3, queued: 0 });
    expect(r.pool.spawned_total).toBeGreaterThanOrEqual(3);
    expect(r.pool.acquire_ms.count).toBe(3);
    expect(r.pool.acquire_ms.p95).toBeLessThan(2);
    expect(r.run_ms.count).toBe(3);
    expect(r.run_ms.p50).toBeGreaterThan(r.pool.acquire_ms.p50);
    const text = formatPoolStats(r);
    expect(text).toMatch(/spawned_total \d+ {3}destroyed_total 3 {3}failures 0/);
    expect(text).toMatch(/^ {2}acquire +\d/m);
    expect(descendants().filter((p) => p.cmd.includes('bwrap'))).toEqual([]);
  });

  it('counts commands that fail', async () => {
    const r = await runPoolStats({ template: 'plain', size: 1, runs: 2, command: ['/bin/false'], warmEach: false });
    expect(r.failed_runs).toBe(2);
    expect(r.pool.failures).toBe(0);
  });
});
