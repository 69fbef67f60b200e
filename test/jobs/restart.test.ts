/**
 * The embedded store survives a hard crash: a `guestguard serve` process is SIGKILLed with one
 * job running and two queued; a new server on the same store file re-runs the running one and
 * runs the queued ones.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { JobClient } from '../../src/jobs/client.js';
import { buildJob } from '../../src/jobs/protocol/builder.js';
import { tempDir, ticks } from './helpers/jobs.js';
import { startServe } from './helpers/processes.js';
import { waitFor } from './helpers/wait.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

it('queued and running jobs survive SIGKILL of the server; the running one re-runs', async () => {
  const store = join(tmp.dir, 'jobs.sqlite');
  const tickFile = join(tmp.dir, 'a.ticks');
  const first = await startServe(['--store', store, '--workers', '1']);
  let second: Awaited<ReturnType<typeof startServe>> | undefined;
  try {
    let c = new JobClient({ server: first.url });
    const a = buildJob('system.echo', { delay_ms: 1500, tick_file: tickFile, message: 'a' });
    const b = buildJob('system.echo', { message: 'b' }, (x) => x.priority(9));
    const d = buildJob('system.echo', { message: 'd' });
    await c.submit(a);
    await waitFor(() => ticks(tickFile) > 0, 'job a to be running', 30_000);
    await c.submit(b);
    await c.submit(d);
    expect((await c.get(a.job_id)).status).toBe('running');
    expect((await c.get(b.job_id)).status).toBe('queued');

    await first.kill('SIGKILL');
    // The crash took job a's thread with it.
    const size = ticks(tickFile);
    await new Promise((r) => setTimeout(r, 200));
    expect(ticks(tickFile)).toBe(size);
    expect(existsSync(store)).toBe(true);
    expect(readFileSync(store).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');

    second = await startServe(['--store', store, '--workers', '2', '--label', 'zone=eu-1', '--label', 'disk=ssd']);
    c = new JobClient({ server: second.url });
    // --label gives the in-process workers their routing labels.
    const workers = (await fetch(`${second.url}/api/v1/workers`).then((r) => r.json())) as { workers: { labels: Record<string, string> }[] };
    expect(workers.workers.map((w) => w.labels)).toEqual([{ zone: 'eu-1', disk: 'ssd' }]);
    for (const j of [a, b, d]) {
      const r = await waitFor(async () => c.result(j.job_id), `result of ${j.job_id}`, 30_000, 100);
      expect(r.status).toBe('completed');
      expect(r.outputs).toEqual({ echo: (j.payload.data as { message: string }).message });
    }
    // Job a started twice (once per server), still as attempt 1: a crash is not the job's fault.
    const events = (await fetch(`${second.url}/api/v1/jobs/${a.job_id}/events`, { headers: { accept: 'application/json' } }).then((r) => r.json())) as {
      events: { phase: string; progress_percent: number | null }[];
    };
    expect(events.events.filter((e) => e.phase === 'execution' && e.progress_percent === 0)).toHaveLength(2);
    expect((await c.get(a.job_id)).attempt).toBe(1);
    expect(ticks(tickFile)).toBeGreaterThan(size);
  } finally {
    await first.kill('SIGKILL');
    await second?.kill('SIGTERM');
  }
});
