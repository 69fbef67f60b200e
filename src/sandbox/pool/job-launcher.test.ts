/**
 * Job handlers in pooled bwrap sandboxes, for real: what a sandboxed handler can see and reach,
 * its image (and the image's backing chain) through the file broker, and that a timeout leaves
 * no process behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { JobError } from '../../jobs/errors.js';
import { builtinHandlers } from '../../jobs/handlers/registry.js';
import type { HandlerSpec } from '../../jobs/handlers/types.js';
import { runHandler, type SandboxInfo } from '../../jobs/sandbox/run-handler.js';
import { setProcessLauncher } from '../../jobs/sandbox/launcher.js';
import { JobExecutor } from '../../jobs/exec/executor.js';
import { createJobMetrics } from '../../jobs/exec/metrics.js';
import { defaultHandlerRegistry } from '../../jobs/handlers/registry.js';
import { buildJob } from '../../jobs/protocol/builder.js';
import { hasTool, REPO_ROOT, run } from '../../../test/helpers/fixtures.js';
import { canMakeChain, makeChainImages, type ChainImages } from '../../jobs/sandbox/test-chain.js';
import { canSandbox } from '../test-support.js';
import { startJobSandbox, type JobSandboxLauncher } from './job-launcher.js';
import { descendants, isAlive } from './test-procs.js';

const job = { job_id: 'job-sandboxed-1', operation: 'test.probe', payload_type: 'test.probe.v1', attempt: 1, max_attempts: 1, idempotency_key: null, worker_id: 'w' };
const probe: HandlerSpec = {
  operation: 'test.probe',
  module: pathToFileURL(join(import.meta.dirname, 'testdata', 'test-probe-handler.ts')).href,
  exportName: 'probeHandler',
  isolation: 'thread',
};
const echo = builtinHandlers().find((h) => h.operation === 'system.echo')!;
const inspect = builtinHandlers().find((h) => h.operation === 'guestkit.inspect');
const SAMPLE = join(REPO_ROOT, 'examples', 'sample.qcow2');
const canMakeSample = existsSync(SAMPLE) || ['sgdisk', 'mkfs.ext4', 'mkfs.vfat', 'qemu-img'].every(hasTool);

describe.skipIf(!canSandbox)('job handlers in pooled bwrap sandboxes', () => {
  let launcher: JobSandboxLauncher;
  let dir: string;
  let image: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const notices: string[] = [];
    const l = await startJobSandbox('bwrap', (n) => notices.push(n), { size: 1 });
    expect(l).not.toBeNull();
    expect(notices).toEqual([]);
    launcher = l!;
    dir = mkdtempSync(join(tmpdir(), 'gg-job-sandbox-'));
    image = join(dir, 'disk.img');
    const bytes = Buffer.alloc(70_000, 0);
    bytes.write('GGIMAGE!', 0, 'latin1');
    bytes.write('TAIL', bytes.length - 4, 'latin1');
    writeFileSync(image, bytes);
    // Root-only: the sandbox's host user (nobody) could not open it itself; the broker can.
    chmodSync(image, 0o600);
    writeFileSync(join(dir, 'sibling.txt'), 'a file next to the image');
    server = createServer((s) => s.end('hello'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await launcher?.close();
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs system.echo in a sandbox from the pool', async () => {
    let info: SandboxInfo | undefined;
    const r = await runHandler(echo, { module: echo.module, exportName: echo.exportName, payload: { type: 'system.echo.v1', data: { message: 'hi from the sandbox' } }, job }, {
      launcher,
      timeoutMs: 60_000,
      onSpawn: (i) => (info = i),
    });
    expect(r.output.outputs).toEqual({ echo: 'hi from the sandbox' });
    expect(info).toMatchObject({ kind: 'process', sandbox: expect.stringMatching(/^bwrap:guestguard-/) });
    expect(r.usage.peak_memory_mb).toBeGreaterThan(0);
  });

  it('shows the handler nothing of the host but its image (read-only, through the broker), and no network', async () => {
    const hostPaths = ['/root', '/home', '/etc/shadow', '/etc/ssh', dir, join(dir, 'sibling.txt'), '/var/lib', process.cwd() + '/.fixtures'];
    const r = await runHandler(probe, { module: probe.module, exportName: probe.exportName, payload: { type: 'test.probe.v1', data: { image: { path: image }, host_paths: hostPaths, port } }, job }, { launcher, timeoutMs: 60_000 });
    const d = r.output.data as Record<string, unknown>;
    if (process.env['GG_DUMP']) console.log(JSON.stringify(d));
    expect(d['uid']).toBe(1000);
    expect(d['shadow']).toBe(false);
    expect(Object.values(d['visible'] as Record<string, boolean>)).toEqual(hostPaths.map(() => false));
    expect(d['root']).not.toContain('root');
    expect(d['root']).not.toContain('home');
    // Generated /etc/passwd: root, the sandbox user and nobody only.
    expect(d['passwd']).toBe(3);
    // The host's loopback server is in another network namespace; nothing outside is reachable.
    expect(d['loopback']).not.toBe('connected');
    expect(d['outside']).not.toBe('connected');
    // The image: readable through fs/promises (the disk layer's way in), invisible to everything else.
    expect(d['image_sync_visible']).toBe(false);
    expect(d['image_stat_size']).toBe(70_000);
    expect(d['image_head']).toBe(`${Buffer.from('GGIMAGE!').toString('hex')}${'00'.repeat(8)}|${Buffer.from('TAIL').toString('hex')}`);
    expect(String(d['sibling'])).toMatch(/^error ENOENT/);
    expect(String(d['write'])).toMatch(/^error EROFS/);
  });

  it('a handler module outside the warm template gets a cold sandbox with its folder bound', async () => {
    const modDir = mkdtempSync(join(tmpdir(), 'gg-outside-handler-'));
    try {
      writeFileSync(join(modDir, 'handler.mjs'), 'export async function outside(p) { return { data: { seen: p.data.n + 1 } }; }\n');
      chmodSync(modDir, 0o755);
      const spec: HandlerSpec = { operation: 'test.outside', module: pathToFileURL(join(modDir, 'handler.mjs')).href, exportName: 'outside' };
      expect(launcher.covers(join(modDir, 'handler.mjs'))).toBe(false);
      const before = launcher.pool.stats();
      const r = await runHandler(spec, { module: spec.module, exportName: 'outside', payload: { type: 'test.outside.v1', data: { n: 41 } }, job }, { launcher, timeoutMs: 60_000 });
      expect(r.output.data).toEqual({ seen: 42 });
      const after = launcher.pool.stats();
      // Not taken from the pool (no acquire), but counted while it ran and gone now.
      expect(after.acquire_ms.count).toBe(before.acquire_ms.count);
      expect(after.active).toBe(0);
    } finally {
      rmSync(modDir, { recursive: true, force: true });
    }
  });

  it('kills the whole sandbox on timeout: no process is left', async () => {
    let info: SandboxInfo | undefined;
    const before = Date.now();
    const err = await runHandler(echo, { module: echo.module, exportName: echo.exportName, payload: { type: 'system.echo.v1', data: { busy_ms: 60_000 } }, job }, {
      launcher,
      timeoutMs: 1500,
      graceMs: 0,
      onSpawn: (i) => (info = i),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobError);
    expect((err as JobError).code).toBe('TIMEOUT');
    expect(Date.now() - before).toBeLessThan(20_000);
    expect(info?.kind).toBe('process');
    const pid = (info as { pid: number }).pid;
    expect(pid).toBeGreaterThan(0);
    // runHandler settles only after the sandbox exited and was cleaned up.
    expect(isAlive(pid)).toBe(false);
    expect(descendants().filter((p) => p.cmd.includes('stream-entry'))).toEqual([]);
  });

  it('cancels a running sandboxed handler', async () => {
    const ac = new AbortController();
    const busy = runHandler(echo, { module: echo.module, exportName: echo.exportName, payload: { type: 'system.echo.v1', data: { delay_ms: 30_000 } }, job }, { launcher, signal: ac.signal, graceMs: 0 });
    setTimeout(() => ac.abort(new JobError('CANCELLED', 'stop')), 300);
    await expect(busy).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(descendants().filter((p) => p.cmd.includes('stream-entry') && isAlive(p.pid))).toEqual([]);
  });

  it.skipIf(!inspect || !canMakeSample)('runs guestkit.inspect in the sandbox with the same report as unsandboxed, through the executor', async () => {
    if (!existsSync(SAMPLE)) run('bash', [join(REPO_ROOT, 'examples', 'make-sample.sh')]);
    // A private copy, readable by root only: the sandbox reaches it through the broker alone.
    const img = join(dir, 'vm.qcow2');
    copyFileSync(SAMPLE, img);
    chmodSync(img, 0o600);
    const registry = defaultHandlerRegistry();
    const executor = new JobExecutor({ workerId: 'w-sandbox', registry, metrics: createJobMetrics({ processMetrics: false }) });
    const job = () => buildJob('guestkit.inspect', { image: { path: img }, options: { include_packages: false } });
    const plain = await executor.run({ job: job(), attempt: 1 });
    expect(plain.result.status).toBe('completed');
    let info: SandboxInfo | undefined;
    setProcessLauncher(launcher);
    try {
      const boxed = await executor.run({ job: job(), attempt: 1, onSpawn: (i) => (info = i) });
      expect(boxed.result.error).toBeUndefined();
      expect(boxed.result.status).toBe('completed');
      expect(info).toMatchObject({ kind: 'process', sandbox: expect.stringMatching(/^bwrap:/) });
      const os = (r: typeof plain) => (r.result.data as { operating_systems: unknown[] }).operating_systems;
      expect(os(boxed)).toEqual(os(plain));
      expect(os(boxed)[0]).toMatchObject({ type: 'linux', distro: 'debian', hostname: 'sample-vm' });
      expect(boxed.result.metrics?.disk_read_bytes).toBeGreaterThan(0);
    } finally {
      setProcessLauncher(null);
    }
  });
  describe.skipIf(!canMakeChain)('images with a backing chain', () => {
    let chain: ChainImages;
    beforeAll(() => {
      chain = makeChainImages(mkdtempSync(join(tmpdir(), 'gg-job-chain-')));
    });
    afterAll(() => {
      if (chain) rmSync(chain.dir, { recursive: true, force: true });
    });

    it('serves the backing files of the job image to the sandbox, and no other file of their folder', async () => {
      const r = await runHandler(
        probe,
        { module: probe.module, exportName: probe.exportName, payload: { type: 'test.probe.v1', data: { image: { path: chain.overlay }, try_open: [chain.base, chain.stranger, chain.raw, chain.rawOverlay] } }, job },
        { launcher, timeoutMs: 60_000 },
      );
      const d = r.output.data as Record<string, unknown>;
      expect(d['image_head']).toMatch(/^514649fb/);
      expect(d['opened']).toEqual({
        [chain.base]: 'QFI\xfb',
        [chain.stranger]: 'error ENOENT',
        [chain.raw]: 'error ENOENT',
        [chain.rawOverlay]: 'error ENOENT',
      });
    });

    it.skipIf(!inspect)('runs guestkit.inspect on qcow2 overlays (over qcow2 and over raw) with the same report as unsandboxed', async () => {
      const registry = defaultHandlerRegistry();
      const executor = new JobExecutor({ workerId: 'w-chain', registry, metrics: createJobMetrics({ processMetrics: false }) });
      const inspectJob = (path: string) => buildJob('guestkit.inspect', { image: { path }, options: { include_packages: false } });
      const cases = [
        { path: chain.overlay, hostname: chain.overlayHostname },
        { path: chain.rawOverlay, hostname: chain.baseHostname },
      ];
      const plain = [];
      for (const c of cases) plain.push(await executor.run({ job: inspectJob(c.path), attempt: 1 }));
      setProcessLauncher(launcher);
      try {
        for (const [i, c] of cases.entries()) {
          let info: SandboxInfo | undefined;
          const boxed = await executor.run({ job: inspectJob(c.path), attempt: 1, onSpawn: (x) => (info = x) });
          expect(info).toMatchObject({ kind: 'process', sandbox: expect.stringMatching(/^bwrap:/) });
          expect(boxed.result.error).toBeUndefined();
          expect(plain[i]!.result.status).toBe('completed');
          expect(boxed.result.data).toEqual(plain[i]!.result.data);
          // The hostname block of the overlay, everything else from the backing image.
          const os = (boxed.result.data as { operating_systems: Record<string, unknown>[] }).operating_systems;
          expect(os).toHaveLength(1);
          expect(os[0]).toMatchObject({ type: 'linux', distro: 'debian', hostname: c.hostname });
        }
      } finally {
        setProcessLauncher(null);
      }
    });

    it.skipIf(!inspect)('a broken chain fails sandboxed with the error it fails with unsandboxed', async () => {
      const orphan = join(chain.dir, 'orphan.qcow2');
      run('qemu-img', ['create', '-q', '-f', 'qcow2', '-u', '-b', 'gone.qcow2', '-F', 'qcow2', orphan, '64M'], { cwd: chain.dir });
      const executor = new JobExecutor({ workerId: 'w-chain', registry: defaultHandlerRegistry(), metrics: createJobMetrics({ processMetrics: false }) });
      const inspectJob = () => buildJob('guestkit.inspect', { image: { path: orphan } });
      const plain = await executor.run({ job: inspectJob(), attempt: 1 });
      setProcessLauncher(launcher);
      try {
        const boxed = await executor.run({ job: inspectJob(), attempt: 1 });
        expect(plain.result.error).toMatchObject({ code: 'IMAGE_NOT_FOUND' });
        expect(boxed.result.error).toEqual(plain.result.error);
      } finally {
        setProcessLauncher(null);
      }
    });
  });
});
