/**
 * `guestguard serve --sandbox ...` for real (the built CLI): image jobs take a sandbox from the
 * pool (seen in /metrics), jobs without an image do not, and nothing is left after shutdown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobClient } from '../../src/jobs/client.js';
import { buildJob } from '../../src/jobs/protocol/builder.js';
import { canSandbox } from '../../src/sandbox/test-support.js';
import { descendants, isAlive } from '../../src/sandbox/pool/test-procs.js';
import { REPO_ROOT } from '../helpers/fixtures.js';
import { waitFor } from './helpers/wait.js';

const BIN = join(REPO_ROOT, 'bin', 'guestguard');
const built = existsSync(join(REPO_ROOT, 'dist', 'sandbox', 'pool', 'index.js'));
const dir = mkdtempSync(join(tmpdir(), 'gg-sandbox-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Serve {
  proc: ChildProcess;
  url: string;
  stderr(): string;
  stop(): Promise<void>;
}

async function serve(args: string[]): Promise<Serve> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--log-level', 'warn', '--store', join(dir, `jobs-${Date.now()}.sqlite`), ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(err)?.[1] ?? (proc.exitCode !== null ? 'exited' : undefined), 'serve to listen', 90_000);
  if (url === 'exited') throw new Error(`serve exited: ${err}`);
  return {
    proc,
    url,
    stderr: () => err,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

const metric = (text: string, name: string): number => Number(new RegExp(`^${name}\\{pool="jobs"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe.skipIf(!canSandbox || !built)('serve --sandbox', () => {
  it('runs image jobs in pooled bwrap sandboxes by default, others in threads, and cleans up on shutdown', async () => {
    const image = join(dir, 'disk.img');
    writeFileSync(image, Buffer.alloc(65536, 1));
    const s = await serve(['--workers', '1']);
    let sandboxPids: number[] = [];
    try {
      expect(s.stderr()).toContain('image jobs in bwrap sandboxes');
      const c = new JobClient({ server: s.url });
      const withImage = buildJob('system.echo', { message: 'boxed', image: { path: image } });
      await c.submit(withImage);
      const r1 = await waitFor(() => c.result(withImage.job_id), 'the image job', 60_000, 100);
      expect(r1.status).toBe('completed');
      expect(r1.outputs).toEqual({ echo: 'boxed' });
      const m1 = await (await fetch(`${s.url}/metrics`)).text();
      expect(metric(m1, 'guestguard_sandbox_pool_acquire_seconds_count')).toBe(1);

      const plain = buildJob('system.echo', { message: 'thread' });
      await c.submit(plain);
      expect((await waitFor(() => c.result(plain.job_id), 'the plain job', 60_000, 100)).status).toBe('completed');
      const m2 = await (await fetch(`${s.url}/metrics`)).text();
      expect(metric(m2, 'guestguard_sandbox_pool_acquire_seconds_count')).toBe(1);
      expect(metric(m2, 'guestguard_sandbox_pool_destroyed_total')).toBeGreaterThanOrEqual(1);
      expect(metric(m2, 'guestguard_sandbox_pool_idle')).toBeGreaterThanOrEqual(1);
      // The same pool through the API: one acquisition, by the image job.
      const stats = (await (await fetch(`${s.url}/api/v1/pool/stats`)).json()) as { name: string; acquire_ms: { count: number }; spawned_total: number };
      expect(stats).toMatchObject({ name: 'jobs', acquire_ms: { count: 1 } });
      expect(stats.spawned_total).toBeGreaterThanOrEqual(metric(m2, 'guestguard_sandbox_pool_spawned_total'));
      sandboxPids = descendants(s.proc.pid!)
        .filter((p) => p.cmd.includes('bwrap'))
        .map((p) => p.pid);
      expect(sandboxPids.length).toBeGreaterThan(0);
    } finally {
      await s.stop();
    }
    expect(s.proc.exitCode).toBe(0);
    expect(sandboxPids.filter(isAlive)).toEqual([]);
  });

  it('--sandbox none runs without a pool; a bad value is refused', async () => {
    const s = await serve(['--workers', '1', '--sandbox', 'none']);
    try {
      expect(s.stderr()).not.toContain('bwrap');
      const m = await (await fetch(`${s.url}/metrics`)).text();
      expect(m).not.toContain('guestguard_sandbox_pool_');
      const stats = await fetch(`${s.url}/api/v1/pool/stats`);
      expect([stats.status, ((await stats.json()) as { error: { code: string } }).error.code]).toEqual([404, 'NO_SANDBOX_POOL']);
      expect(descendants(s.proc.pid!).filter((p) => p.cmd.includes('bwrap'))).toEqual([]);
    } finally {
      await s.stop();
    }
    const bad = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--sandbox', 'docker', '--store', join(dir, 'bad.sqlite')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    bad.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => bad.on('exit', (c) => r(c)));
    expect(code).not.toBe(0);
    expect(err).toMatch(/--sandbox must be bwrap or none/);
  });
});
