/**
 * Egress allowlists proven with real traffic: real namespaces, veths and nftables rules on this
 * host, TCP servers on a host address and on a "remote" host reachable only through routing,
 * and a Node probe connecting from inside real sandboxes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import { runSandbox } from '../test-support.js';
import { spawn } from '../index.js';
import type { Sandbox } from '../types.js';
import { formatCidr } from './ipv4.js';
import { pool } from './naming.js';
import { networkChecks } from './doctor.js';
import { canNetSandbox, createTestNet, helloServer, netObjects, NOTHING, objectsOfPid, probeCommand, remoteHelloServer, type TestNet, type TestServer } from './test-support.js';

let net: TestNet;
const servers: TestServer[] = [];

beforeAll(async () => {
  if (canNetSandbox) net = createTestNet();
});
afterAll(async () => {
  for (const s of servers.splice(0)) await s.close();
  net?.close();
});

async function probe(allow: string[], targets: [string, number][], timeoutMs = 3000): Promise<string[]> {
  const { result, stdout, stderr } = await runSandbox({ command: probeCommand(targets, timeoutMs), network: { allow }, timeoutMs: 90_000 });
  expect(result.exitCode, `${stderr}\n${result.setupError ?? ''}`).toBe(0);
  expect(result.cleanupErrors).toBeUndefined();
  return JSON.parse(stdout.trim()) as string[];
}

/** A non-loopback IPv4 address of the host other than the test link (e.g. eth0's). */
function otherHostAddress(exclude: string): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a?.family === 'IPv4' && !a.internal && a.address !== exclude && !a.address.startsWith('10.207.'))?.address;
}

describe.skipIf(!canNetSandbox)('egress allowlist, real traffic', () => {
  it('reaches what is listed; every other port, address and host service is refused', async () => {
    const allowed = await helloServer(net.hostAddr, 'allowed');
    const unlisted = await helloServer(net.hostAddr, 'unlisted');
    const anyAddr = await helloServer('0.0.0.0', 'host-service');
    const remote = await remoteHelloServer(net, 'remote');
    const remoteUnlisted = await remoteHelloServer(net, 'remote-unlisted');
    servers.push(allowed, unlisted, anyAddr, remote, remoteUnlisted);
    const eth = otherHostAddress(net.hostAddr);

    const sb = await spawn({ command: probeCommand([]), network: { allow: [`${net.hostAddr}:${allowed.port}`, `${net.remoteAddr}:${remote.port}`] }, stdout: 'ignore', stderr: 'ignore' });
    const info = sb.network!;
    await sb.wait();
    expect(info).toMatchObject({ mode: 'egress', firewall: 'enforce', allowed: [`${net.hostAddr}:${allowed.port}/tcp`, `${net.remoteAddr}:${remote.port}/tcp`] });

    const targets: [string, number][] = [
      [net.hostAddr, allowed.port],
      [net.remoteAddr, remote.port],
      [net.hostAddr, unlisted.port],
      [net.hostAddr, anyAddr.port],
      [net.remoteAddr, remoteUnlisted.port],
      ['gateway', anyAddr.port], // the host end of the sandbox's own veth
      ...(eth ? ([[eth, anyAddr.port]] as [string, number][]) : []),
    ];
    const got = await probe([`${net.hostAddr}:${allowed.port}`, `${net.remoteAddr}:${remote.port}`], targets);
    // The host's own service sees the sandbox's address; the remote one sees the host's (masquerade).
    expect(got[0]).toMatch(new RegExp(`^ok:hello allowed from 10\\.`));
    expect(got[1]).toBe(`ok:hello remote from ${net.hostAddr}`);
    // Refused by the firewall (TCP reset), not merely absent: the host itself reaches all of them.
    for (const r of got.slice(2)) expect(r).toBe('ECONNREFUSED');
    const fromHost = await probeFromHost(targets.slice(2));
    for (const r of fromHost) expect(r).toMatch(/^ok:hello /);
  });

  it('two sandboxes cannot reach each other, even when each lists the other', async () => {
    const poolText = formatCidr(pool());
    const b = await serverSandbox([`${poolText}:7777`]);
    const bAddr = await b.ready;
    const a = await serverSandbox([`${bAddr}:7777`, `${poolText}:7777`]);
    const aAddr = await a.ready;
    expect(aAddr).not.toBe(bAddr);
    const blocked = /^(ECONNREFUSED|EHOSTUNREACH|timeout)$/;
    expect(await Promise.all([a.probe(bAddr, 7777), b.probe(aAddr, 7777)])).toEqual([expect.stringMatching(blocked), expect.stringMatching(blocked)]);
    // The same with only the host-side rules left (the namespaces' own tables deleted).
    for (const sb of [a.sb, b.sb]) {
      const r = spawnSync('nsenter', [`--net=/run/netns/${sb.network!.netns}`, '--', 'nft', 'delete table inet guestguard'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
    expect(await Promise.all([a.probe(bAddr, 7777), b.probe(aAddr, 7777)])).toEqual([expect.stringMatching(blocked), expect.stringMatching(blocked)]);
    for (const x of [a, b]) x.sb.stdin!.end('exit\n');
    await Promise.all([a.sb.wait(), b.sb.wait()]);
  });

  it('leaves no namespace, veth, chain or map element after exit or destroy', async () => {
    const allowed = await helloServer(net.hostAddr, 'x');
    servers.push(allowed);
    const sb = await spawn({ network: { allow: [`${net.hostAddr}:${allowed.port}`] } });
    await sb.ready();
    const { netns, hostInterface } = sb.network!;
    expect(netObjects(netns!, hostInterface!)).toEqual({ netns: true, iface: true, chain: true, element: true });
    const r = await sb.destroy();
    expect(r.cleanupErrors).toBeUndefined();
    expect(netObjects(netns!, hostInterface!)).toEqual(NOTHING);
  });

  it('test mode validates without applying; disabled applies nothing; both warn', async () => {
    const svc = await helloServer(net.hostAddr, 'open');
    servers.push(svc);
    for (const firewall of ['test', 'disabled'] as const) {
      const sb = await spawn({ command: probeCommand([[net.hostAddr, svc.port]]), network: { allow: ['192.0.2.1:1'], firewall }, stderr: 'ignore' });
      let out = '';
      sb.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const { netns, hostInterface, warnings } = sb.network!;
      expect(warnings!.join('\n')).toMatch(firewall === 'test' ? /validated with nft --check, NOT applied/ : /firewall disabled/);
      // No chain; the interface's map element says "accept" so guestguard's base chains let it through.
      expect(netObjects(netns!, hostInterface!)).toEqual({ netns: true, iface: true, chain: false, element: true });
      await sb.wait();
      // Unfiltered: a port that is not on the list is reachable.
      expect(JSON.parse(out)).toEqual([expect.stringMatching(/^ok:hello open from 10\./)]);
      expect(netObjects(netns!, hostInterface!)).toEqual(NOTHING);
    }
  });

  it.each([
    ['the in-namespace copy holds when the host-side chain is bypassed', 'host'],
    ['the host-side chain holds when the in-namespace table is deleted', 'inner'],
  ] as const)('two layers: %s', async (_, remove) => {
    const allowed = await helloServer(net.hostAddr, 'allowed');
    const unlisted = await helloServer(net.hostAddr, 'unlisted');
    servers.push(allowed, unlisted);
    const sb = await spawn({ command: probeCommand('-'), network: { allow: [`${net.hostAddr}:${allowed.port}`] }, stdin: 'pipe' });
    const { hostInterface, netns } = sb.network!;
    if (remove === 'host') {
      // As after a host firewall reload that dropped guestguard's table: this interface is accepted wholesale.
      nft(`delete element inet guestguard sandboxes { "${hostInterface}" }`);
      nft(`add element inet guestguard sandboxes { "${hostInterface}" : accept }`);
    } else {
      const r = spawnSync('nsenter', [`--net=/run/netns/${netns}`, '--', 'nft', 'delete table inet guestguard'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
    let out = '';
    sb.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    sb.stdin!.end(JSON.stringify([[net.hostAddr, allowed.port], [net.hostAddr, unlisted.port], ['gateway', unlisted.port]]) + '\n');
    const r = await sb.wait();
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(out)).toEqual([expect.stringMatching(/^ok:hello allowed/), 'ECONNREFUSED', 'ECONNREFUSED']);
    expect(r.cleanupErrors).toBeUndefined();
    expect(netObjects(netns!, hostInterface!)).toEqual(NOTHING);
  });

  it('concurrent sandboxes get distinct /30s and all work', async () => {
    const svc = await helloServer(net.hostAddr, 'many');
    servers.push(svc);
    const sbs = await Promise.all(
      Array.from({ length: 5 }, () => spawn({ command: probeCommand([[net.hostAddr, svc.port]]), network: { allow: [`${net.hostAddr}:${svc.port}`] }, stderr: 'ignore' })),
    );
    const outs = sbs.map((sb) => {
      let o = '';
      sb.stdout!.on('data', (d: Buffer) => (o += d.toString()));
      return () => o;
    });
    const infos = sbs.map((sb) => sb.network!);
    expect(new Set(infos.map((i) => i.address)).size).toBe(5);
    expect(new Set(infos.map((i) => i.hostInterface)).size).toBe(5);
    const results = await Promise.all(sbs.map((sb) => sb.wait()));
    results.forEach((r, i) => {
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(outs[i]!())).toEqual([`ok:hello many from ${infos[i]!.address}`]);
    });
    for (const i of infos) expect(netObjects(i.netns!, i.hostInterface!)).toEqual(NOTHING);
  });

  it('doctor proves namespaces, veths and the firewall on real traffic', async () => {
    const checks = await networkChecks();
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    for (const name of ['net-tools', 'netns', 'veth', 'firewall']) expect(byName[name], JSON.stringify(checks)).toMatchObject({ ok: true });
    expect(byName['firewall']!.detail).toMatch(/the allowed port connected, an unlisted one was refused/);
    expect(objectsOfPid(process.pid).filter((o) => o.includes(`guestguard-${process.pid}-0-`))).toEqual([]);
  });

  it('a sandbox with network "none" still has loopback only', async () => {
    const svc = await helloServer(net.hostAddr, 'x');
    servers.push(svc);
    const { stdout, result } = await runSandbox({ command: ['/bin/sh', '-c', 'cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "'] });
    expect(result.exitCode).toBe(0);
    expect(stdout.trim()).toBe('lo');
  });

  it('refuses bad allowlists before creating anything', async () => {
    await expect(spawn({ command: ['true'], network: { allow: ['127.0.0.1:6379'] } })).rejects.toThrow(/loopback destination/);
    await expect(spawn({ command: ['true'], network: { allow: ['x:1'], firewall: 'loud' as 'test' } })).rejects.toThrow(/unknown firewall mode/);
    await expect(spawn({ command: ['true'], network: { allow: [] } })).rejects.toThrow(/empty allowlist/);
  });
});

function nft(command: string): void {
  const r = spawnSync('nft', [command], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nft ${command}: ${r.stderr}`);
}

/** The same probe, from the host (baseline: the servers are there). */
async function probeFromHost(targets: [string, number][]): Promise<string[]> {
  const cmd = probeCommand(targets.map(([h, p]) => [h === 'gateway' ? '127.0.0.1' : h, p] as [string, number]));
  // Asynchronously: the servers answering it live in this process.
  const { stdout } = await promisify(execFile)(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  return JSON.parse(stdout.trim()) as string[];
}

/**
 * A sandbox running a TCP server on 0.0.0.0:7777 that first proves it works by connecting to
 * itself, prints its address, then probes the address:port given on stdin.
 */
async function serverSandbox(allow: string[]): Promise<{ sb: Sandbox; ready: Promise<string>; probe(host: string, port: number): Promise<string> }> {
  const script = `
    const net = require('net'), os = require('os'), rl = require('readline');
    const me = Object.values(os.networkInterfaces()).flat().find((a) => a.family === 'IPv4' && !a.internal).address;
    const srv = net.createServer((c) => c.end('hi from ' + me + '\\n'));
    const probe = (host, port) => new Promise((res) => {
      const s = net.connect({ host, port }); let d = '';
      const t = setTimeout(() => { s.destroy(); res('timeout'); }, 3000);
      s.on('data', (x) => (d += x)); s.on('end', () => { clearTimeout(t); res('ok:' + d.trim()); });
      s.on('error', (e) => { clearTimeout(t); res(e.code); });
    });
    srv.listen(7777, '0.0.0.0', async () => {
      const self = await probe(me, 7777);
      console.log('ready ' + me + ' ' + self);
      rl.createInterface({ input: process.stdin }).on('line', async (l) => {
        if (l === 'exit') process.exit(0);
        const [h, p] = l.split(' ');
        console.log('result ' + (await probe(h, Number(p))));
      });
    });`;
  const sb = await spawn({ command: [process.execPath, '-e', script], network: { allow }, stdin: 'pipe', timeoutMs: 90_000 });
  let out = '';
  const lines: ((l: string) => void)[] = [];
  sb.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const l = out.slice(0, nl);
      out = out.slice(nl + 1);
      for (const f of lines) f(l);
    }
  });
  sb.stderr!.resume();
  const next = (prefix: string): Promise<string> =>
    new Promise((resolve, reject) => {
      lines.push((l) => l.startsWith(prefix) && resolve(l.slice(prefix.length)));
      void sb.wait().then(() => reject(new Error(`sandbox exited before "${prefix}"`)));
    });
  const ready = next('ready ').then((rest) => {
    const [addr, self] = [rest.slice(0, rest.indexOf(' ')), rest.slice(rest.indexOf(' ') + 1)];
    // The server works: the sandbox reaches itself.
    expect(self).toBe(`ok:hi from ${addr}`);
    expect(addr).toBe(sb.network!.address);
    return addr!;
  });
  return {
    sb,
    ready,
    probe: async (host, port) => {
      const r = next('result ');
      sb.stdin!.write(`${host} ${port}\n`);
      return r;
    },
  };
}
