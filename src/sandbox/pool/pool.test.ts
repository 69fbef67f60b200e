import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { canSandbox } from '../test-support.js';
import { SandboxPool, type PooledSandbox } from './pool.js';
import { registerPoolMetrics } from './metrics.js';
import { descendants, isAlive } from './test-procs.js';

const pools: SandboxPool[] = [];
function pool(opts: ConstructorParameters<typeof SandboxPool>[0]): SandboxPool {
  const p = new SandboxPool(opts);
  pools.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

async function run(sb: PooledSandbox, argv: string[]): Promise<{ out: string; code: number | null }> {
  let out = '';
  sb.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  await sb.exec(argv);
  const r = await sb.wait();
  return { out, code: r.exitCode };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(20);
  }
}

describe.skipIf(!canSandbox)('sandbox pool (real bwrap)', () => {
  it('hands over warm sandboxes in well under 2 ms, each used once, and refills in the background', async () => {
    const p = pool({ name: 'warm', template: {}, size: 3 });
    await p.warmup();
    expect(p.stats()).toMatchObject({ idle: 3, active: 0, queued: 0, spawned_total: 3, failures: 0 });
    const got = [await p.acquire(), await p.acquire(), await p.acquire()];
    for (const sb of got) {
      expect(sb.state).toBe('warm');
      expect(sb.acquireMs).toBeLessThan(2);
    }
    expect(p.stats()).toMatchObject({ active: 3 });
    const r = await run(got[0]!, ['/bin/sh', '-c', 'echo pid=$$ user=$(id -u)']);
    expect(r.code).toBe(0);
    // The command runs inside the sandbox's own pid namespace, as the mapped user.
    expect(r.out.trim()).toMatch(/^pid=\d+ user=1000$/);
    await Promise.all(got.map((sb) => sb.release()));
    await until(() => p.stats().idle === 3 && p.stats().active === 0);
    const again = await p.acquire();
    expect(got.map((s) => s.id)).not.toContain(again.id);
    await again.release();
    const s = p.stats();
    expect(s.destroyed_total).toBe(4);
    expect(s.spawned_total).toBeGreaterThanOrEqual(6);
    expect(s.acquire_ms.count).toBe(4);
    expect(s.acquire_ms.p95).toBeLessThan(2);
    expect(s.spawn_ms.count).toBe(s.spawned_total);
    expect(s.spawn_ms.p50).toBeGreaterThan(0);
  });

  it('a used sandbox cannot be given a second command', async () => {
    const p = pool({ template: {}, size: 1 });
    const sb = await p.acquire();
    expect((await run(sb, ['/bin/true'])).code).toBe(0);
    await expect(sb.exec(['/bin/true'])).rejects.toThrow(/exec\(\) runs once|sandbox is exited/);
  });

  it('queues acquire() when nothing is idle, serves waiters in order, and honours maxActive', async () => {
    const p = pool({ name: 'q', template: {}, size: 0, maxActive: 1 });
    expect(p.stats().idle).toBe(0);
    const first = await p.acquire();
    expect(first.acquireMs).toBeGreaterThan(1); // waited for a start
    const order: string[] = [];
    const second = p.acquire().then((sb) => (order.push('second'), sb));
    const third = p.acquire().then((sb) => (order.push('third'), sb));
    await sleep(50);
    expect(p.stats()).toMatchObject({ active: 1, queued: 2 });
    await first.release();
    const s2 = await second;
    expect(p.stats()).toMatchObject({ active: 1, queued: 1 });
    await s2.release();
    const s3 = await third;
    await s3.release();
    expect(order).toEqual(['second', 'third']);
    expect(new Set([first.id, s2.id, s3.id]).size).toBe(3);
  });

  it('acquire() gives up on timeout and on abort', async () => {
    const p = pool({ template: {}, size: 0, maxActive: 1 });
    const held = await p.acquire();
    await expect(p.acquire({ timeoutMs: 50 })).rejects.toThrow(/no sandbox within 50 ms/);
    const ac = new AbortController();
    const waiting = p.acquire({ signal: ac.signal });
    ac.abort(new Error('caller gave up'));
    await expect(waiting).rejects.toThrow('caller gave up');
    expect(p.stats().queued).toBe(0);
    await held.release();
  });

  it('replaces idle sandboxes older than maxAgeMs', async () => {
    const p = pool({ template: {}, size: 1, maxAgeMs: 300 });
    await p.warmup();
    const firstPids = descendants()
      .filter((d) => d.cmd.includes('bwrap'))
      .map((d) => d.pid);
    expect(firstPids.length).toBeGreaterThan(0);
    await until(() => p.stats().evicted_total >= 1 && p.stats().idle === 1);
    const s = p.stats();
    expect(s.destroyed_total).toBeGreaterThanOrEqual(1);
    expect(s.spawned_total).toBeGreaterThanOrEqual(2);
    // The evicted sandbox's processes are gone.
    await until(() => firstPids.every((pid) => !isAlive(pid)));
  });

  it('backs off after failed starts and fails waiting acquires after failFastAfter in a row', async () => {
    // A bind bwrap itself cannot open (a file in a root-only folder, bwrap running as nobody),
    // else one that does not exist: either way a real start that fails.
    const dir = mkdtempSync(join(tmpdir(), 'gg-pool-private-'));
    writeFileSync(join(dir, 'secret'), 'x');
    chmodSync(dir, 0o700);
    const ro = process.geteuid?.() === 0 ? join(dir, 'secret') : join(dir, 'missing');
    try {
      const p = pool({ name: 'broken', template: { ro: [ro] }, size: 1, backoffMs: { initial: 20, max: 200 }, failFastAfter: 3 });
      await expect(p.acquire()).rejects.toThrow(/pool broken: sandboxes fail to start/);
      const s = p.stats();
      expect(s.failures).toBeGreaterThanOrEqual(3);
      expect(s.spawned_total).toBe(0);
      expect(s.last_error).toBeTruthy();
      // Backing off: the next attempt waits (up to the 200 ms cap) instead of spinning.
      const before = p.stats().failures;
      await sleep(100);
      expect(p.stats().failures - before).toBeLessThanOrEqual(2);
      await expect(p.warmup(1, 5000)).rejects.toThrow(/fail to start/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('drain() waits for active sandboxes; close() leaves no process behind', async () => {
    const baseline = new Set(descendants().map((d) => d.pid));
    const p = pool({ template: {}, size: 2 });
    await p.warmup();
    const sb = await p.acquire();
    await sb.exec(['/bin/sleep', '600']);
    const ours = () => descendants().filter((d) => !baseline.has(d.pid) && isAlive(d.pid));
    // exec() resolves once the command is handed over; the supervisor starts it a moment later.
    await until(() => ours().some((d) => d.cmd.includes('sleep 600')));
    let drained = false;
    const draining = p.drain().then(() => (drained = true));
    await sleep(200);
    expect(drained).toBe(false);
    expect(p.stats()).toMatchObject({ state: 'draining', idle: 0, active: 1 });
    await expect(p.acquire()).rejects.toThrow(/is draining/);
    await sb.release();
    await draining;
    expect(p.state).toBe('closed');
    expect(ours()).toEqual([]);

    const q = pool({ template: {}, size: 2 });
    await q.warmup();
    const busy = await q.acquire();
    await busy.exec(['/bin/sleep', '600']);
    await q.close();
    expect(ours()).toEqual([]);
    expect(q.stats()).toMatchObject({ idle: 0, active: 0, state: 'closed' });
  });

  it('exports Prometheus metrics per pool', async () => {
    const registry = new Registry();
    const p = pool({ name: 'metrics', template: {}, size: 1 });
    registerPoolMetrics(registry, p);
    await p.warmup();
    const sb = await p.acquire();
    await sb.release();
    const text = await registry.metrics();
    expect(text).toMatch(/guestguard_sandbox_pool_active\{pool="metrics"\} 0/);
    expect(text).toMatch(/guestguard_sandbox_pool_spawned_total\{pool="metrics"\} [1-9]/);
    expect(text).toMatch(/guestguard_sandbox_pool_destroyed_total\{pool="metrics"\} 1/);
    expect(text).toMatch(/guestguard_sandbox_pool_acquire_seconds_count\{pool="metrics"\} 1/);
    expect(text).toMatch(/guestguard_sandbox_pool_acquire_seconds_bucket\{le="0.002",pool="metrics"\} 1/);
    expect(text).toMatch(/guestguard_sandbox_pool_spawn_seconds_count\{pool="metrics"\} [1-9]/);
    // Registering again on the same registry does not throw (metrics are created once per registry).
    expect(() => registerPoolMetrics(registry, p)).not.toThrow();
  });

  it('refuses a template with a command', () => {
    expect(() => new SandboxPool({ template: { command: ['/bin/true'] } as never })).toThrow(/has no command/);
  });
});
