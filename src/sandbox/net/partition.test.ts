/**
 * Network partition of a sandboxed worker: `guestguard worker --redis` runs inside
 * `guestguard run --net allow=<redis>`, processing BullMQ jobs submitted from outside. Its link
 * is cut twice mid-run — the host end of its veth set down, then an nft drop rule at the top of
 * its chain — for longer than the job lock, and restored. Every job must end with exactly one
 * final result; the worker must make no progress while cut and resume afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn as spawnChild, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { hasTool, REPO_ROOT } from '../../../test/helpers/fixtures.js';
import { freePort } from '../../../test/jobs/helpers/redis.js';
import { testRegistry } from '../../../test/jobs/helpers/jobs.js';
import { buildJob } from '../../jobs/protocol/builder.js';
import { RedisJobService } from '../../jobs/redis/service.js';
import { canNetSandbox, createTestNet, objectsOfPid, sandboxLinks, type TestNet } from './test-support.js';
import { TABLE, TABLE_FAMILY } from './naming.js';

const HAVE_REDIS = hasTool('redis-server');
const BIN = join(REPO_ROOT, 'bin', 'guestguard');
const JOBS = 40;
const CUT_MS = 6000; // longer than the 3 s job lock: locks expire while the worker is away

interface HostRedis {
  url: string;
  stop(): Promise<void>;
}

/** redis-server bound to a host (non-loopback) address, so a sandbox can be allowed to reach it. */
async function startRedisOn(host: string): Promise<HostRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gg-net-redis-'));
  const proc = spawnChild('redis-server', ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no', '--loglevel', 'warning'], {
    stdio: 'ignore',
  });
  const url = `redis://${host}:${port}`;
  const end = Date.now() + 20_000;
  for (;;) {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined); // refused until the server listens
    const ok = await r.connect().then(() => r.ping()).then(() => true, () => false);
    r.disconnect();
    if (ok) break;
    if (Date.now() > end || proc.exitCode !== null) throw new Error('redis-server did not start');
    await new Promise((res) => setTimeout(res, 100));
  }
  return {
    url,
    async stop() {
      if (proc.exitCode === null) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The host end of the veth of the sandbox started by process `pid`. */
function sandboxIface(pid: number): { iface: string; id: string } | undefined {
  return sandboxLinks().find((l) => l.id.startsWith(`guestguard-${pid}-`));
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let net: TestNet;
let redis: HostRedis;
beforeAll(async () => {
  if (!canNetSandbox || !HAVE_REDIS) return;
  net = createTestNet();
  redis = await startRedisOn(net.hostAddr);
});
afterAll(async () => {
  await redis?.stop();
  net?.close();
});

describe.skipIf(!canNetSandbox || !HAVE_REDIS)('a sandboxed worker losing its link to Redis', () => {
  it('stalls while cut (veth down, then nft drop), resumes, and every job ends exactly once', async () => {
    const prefix = `gg-net-${process.pid}`;
    const svc = await RedisJobService.create({ redis: redis.url, prefix, registry: testRegistry(), workers: 0 });
    const counter = new Redis(redis.url);
    const finalized = async (): Promise<number> => Number((await counter.get(`${prefix}:finalized`)) ?? 0);
    const allow = redis.url.replace('redis://', '');
    const worker: ChildProcess = spawnChild(
      process.execPath,
      [BIN, 'run', '--net', `allow=${allow}`, '--ro', REPO_ROOT, '--memory', '1G', '--', process.execPath, BIN, 'worker', '--redis', redis.url, '--prefix', prefix, '--concurrency', '2', '--worker-id', 'sandboxed', '--lock-duration', '3000', '--log-level', 'warn'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    worker.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
    try {
      const jobs = Array.from({ length: JOBS }, (_, i) => buildJob('system.echo', { i, delay_ms: 250 }));
      for (const j of jobs) await svc.submit(j);
      const link = await waitFor(async () => sandboxIface(worker.pid!), `the worker's sandbox (${stderr})`, 60_000);

      const cut = async (how: string, down: () => void, up: () => void, after: number): Promise<void> => {
        await waitFor(async () => ((await finalized()) >= after ? true : undefined), `${after} jobs before cutting by ${how} (${stderr})`, 120_000);
        down();
        await new Promise((r) => setTimeout(r, 500)); // anything already on the wire lands
        const frozen = await finalized();
        await new Promise((r) => setTimeout(r, CUT_MS));
        expect(await finalized(), `progress while cut by ${how}`).toBe(frozen);
        up();
        await waitFor(async () => ((await finalized()) > frozen ? true : undefined), `progress after restoring ${how} (${stderr})`, 60_000);
      };

      await cut(
        'ip link set down',
        () => run('ip', ['link', 'set', 'dev', link.iface, 'down']),
        () => run('ip', ['link', 'set', 'dev', link.iface, 'up']),
        8,
      );
      let handle = '';
      await cut(
        'an nft drop rule',
        () => {
          run('nft', ['insert', 'rule', TABLE_FAMILY, TABLE, link.id, 'drop', 'comment', '"partition-test"']);
          handle = /drop comment "partition-test" # handle (\d+)/.exec(run('nft', ['-a', 'list', 'chain', TABLE_FAMILY, TABLE, link.id]))![1]!;
        },
        () => run('nft', ['delete', 'rule', TABLE_FAMILY, TABLE, link.id, 'handle', handle]),
        20,
      );

      await waitFor(async () => ((await finalized()) >= JOBS ? true : undefined), `all ${JOBS} jobs (${stderr})`, 180_000);
      await new Promise((r) => setTimeout(r, 1500)); // a late duplicate would land now
      expect(await finalized()).toBe(JOBS);
      const views = await Promise.all(jobs.map((j) => svc.get(j.job_id)));
      expect(views.map((v) => v?.status)).toEqual(jobs.map(() => 'completed'));
      const results = await Promise.all(jobs.map((j) => svc.result(j.job_id)));
      results.forEach((r, i) => expect(r?.data).toMatchObject({ i }));
      const rerun = views.filter((v) => (v?.attempt ?? 1) > 1).length;
      process.stderr.write(`[partition test] ${JOBS} jobs, each finalized once; ${rerun} re-run after an expired lock\n`);
    } finally {
      // SIGTERM: guestguard run destroys the sandbox and removes its network before exiting.
      worker.kill('SIGTERM');
      await exited;
      counter.disconnect();
      await svc.close();
    }
    expect(objectsOfPid(worker.pid!)).toEqual([]);
  }, 400_000);
});
