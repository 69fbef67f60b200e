/**
 * Crash safety: a `guestguard run --net allow=…` process is SIGKILLed while its sandbox runs;
 * its namespace, veth and nft chain stay behind (nobody is left to remove them) until the
 * sweep, which removes exactly those and leaves a live process's sandbox alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../test/helpers/fixtures.js';
import { spawn } from '../index.js';
import { findNetworkLeftovers, sweepNetwork } from './sweep.js';
import { canNetSandbox, createTestNet, helloServer, netObjects, NOTHING, objectsOfPid, type TestNet, type TestServer } from './test-support.js';

const BIN = join(REPO_ROOT, 'bin', 'guestguard');

/** bin/guestguard runs dist/: refuse to test a build older than this folder's sources. */
function assertDistCurrent(): void {
  const dist = join(REPO_ROOT, 'dist', 'sandbox', 'net');
  const src = join(REPO_ROOT, 'src', 'sandbox', 'net');
  for (const f of readdirSync(src).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts') && n !== 'test-support.ts')) {
    const js = join(dist, f.replace(/\.ts$/, '.js'));
    if (!existsSync(js) || statSync(js).mtimeMs < statSync(join(src, f)).mtimeMs) {
      throw new Error(`dist/ is older than src/sandbox/net/${f}: run \`npx tsc -p tsconfig.build.json\` (npm test does)`);
    }
  }
}

async function until<T>(fn: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let net: TestNet;
let server: TestServer;
beforeAll(async () => {
  if (!canNetSandbox) return;
  net = createTestNet();
  server = await helloServer(net.hostAddr, 'sweep');
});
afterAll(async () => {
  await server?.close();
  net?.close();
});

describe.skipIf(!canNetSandbox)('network leftovers of a SIGKILLed guestguard', () => {
  it('stay until the sweep removes them (and the process hiding in the namespace); live sandboxes are untouched', async () => {
    assertDistCurrent();
    const child: ChildProcess = spawnChild(process.execPath, [BIN, 'run', '--net', `allow=${net.hostAddr}:${server.port}`, '--', '/bin/sleep', '600'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise((r) => child.once('exit', r));
    const pid = child.pid!;
    // Running: namespace, veth (by alias) and chain + element all exist.
    const objects = await until(() => {
      const o = objectsOfPid(pid);
      return o.some((x) => x.startsWith('netns')) && o.some((x) => x.startsWith('link')) && o.some((x) => x.startsWith('nft chain')) && o.some((x) => x.startsWith('nft element'))
        ? o
        : undefined;
    }, `the sandbox of pid ${pid} to be set up (${stderr})`);
    const id = objects.find((x) => x.startsWith('netns '))!.slice('netns '.length);

    // A process that outlives its owner inside the namespace keeps the namespace (and veth) alive.
    const straggler = spawnChild('nsenter', [`--net=/run/netns/${id}`, '--', '/bin/sleep', '600'], { stdio: 'ignore' });
    const stragglerGone = new Promise((r) => straggler.once('exit', r));

    // Another, live sandbox owned by this process: the sweep must leave it alone.
    const live = await spawn({ network: { allow: [`${net.hostAddr}:${server.port}`] } });
    await live.ready();

    child.kill('SIGKILL');
    await exited;
    expect(objectsOfPid(pid)).toEqual(objects);
    const left = await findNetworkLeftovers();
    expect(left.netns).toContain(id);
    expect(left.chains.map((c) => c.id)).toContain(id);
    expect(left.veths.map((v) => v.id)).toContain(id);
    expect(left.netns).not.toContain(live.network!.netns);

    const report = await sweepNetwork();
    expect(report.errors).toEqual([]);
    expect(report.removed.netns).toContain(id);
    await stragglerGone;
    expect(objectsOfPid(pid)).toEqual([]);
    const after = await findNetworkLeftovers();
    expect([...after.netns, ...after.chains.map((c) => c.id), ...after.veths.map((v) => v.id)].filter((n) => n.startsWith(`guestguard-${pid}-`))).toEqual([]);

    const { netns, hostInterface } = live.network!;
    expect(netObjects(netns!, hostInterface!)).toEqual({ netns: true, iface: true, chain: true, element: true });
    await live.destroy();
    expect(netObjects(netns!, hostInterface!)).toEqual(NOTHING);
  });
});
