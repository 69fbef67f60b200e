/**
 * `guestguard doctor`'s network checks, made for real: a sandbox network is set up exactly as
 * for a sandbox (namespace, veth, guestguard's nft rules), then TCP connections cross it — one
 * to an allowed port that must succeed and one to an unlisted port that must be refused.
 * Everything created is removed again.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { DoctorCheck } from '../doctor.js';
import { netTools, runCmd } from './exec.js';
import { NetworkError } from './errors.js';
import { formatCidr } from './ipv4.js';
import { pool, TABLE, TABLE_FAMILY } from './naming.js';
import { setupNetwork, type SandboxNetwork } from './setup.js';
import { findNetworkLeftovers } from './sweep.js';

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

async function listen(host: string, port: number): Promise<Server> {
  const server = createServer((s) => s.end('ok\n'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}

/** A TCP connect from inside the namespace: "ok", an error code, or "timeout". */
async function connectFrom(netnsPath: string, nsenter: string, host: string, port: number): Promise<string> {
  const script = `const s=require('net').connect(${port},'${host}');s.setTimeout(4000,()=>{console.log('timeout');process.exit(0)});s.on('data',d=>{process.stdout.write(d);process.exit(0)});s.on('error',e=>{console.log(e.code);process.exit(0)})`;
  const r = await runCmd(nsenter, [`--net=${netnsPath}`, '--', process.execPath, '-e', script], { timeoutMs: 30_000 });
  return firstLine(r.stdout) || firstLine(r.stderr) || `exit ${r.code}`;
}

function otherDropTables(listing: string): string[] {
  // Another table hooking input/forward with policy drop can drop flows guestguard accepts.
  const out = new Set<string>();
  let table = '';
  for (const line of listing.split('\n')) {
    const t = /^table (\S+ \S+)/.exec(line);
    if (t) table = t[1]!;
    if (table !== `${TABLE_FAMILY} ${TABLE}` && /hook (input|forward) .*policy drop/.test(line)) out.add(table);
  }
  return [...out];
}

export async function networkChecks(): Promise<DoctorCheck[]> {
  const { ip, nft, nsenter } = netTools();
  const tools: DoctorCheck = {
    name: 'net-tools',
    ok: ip !== undefined && nft !== undefined && nsenter !== undefined,
    detail: [
      ip ? firstLine((await runCmd(ip, ['-V'])).stdout) : 'ip missing (Debian package "iproute2")',
      nft ? firstLine((await runCmd(nft, ['--version'])).stdout) : 'nft missing (Debian package "nftables")',
      nsenter ? 'nsenter present' : 'nsenter missing (util-linux)',
    ].join('; '),
  };
  const netns: DoctorCheck = { name: 'netns', ok: false, detail: 'not tried' };
  const veth: DoctorCheck = { name: 'veth', ok: false, detail: 'not tried' };
  const firewall: DoctorCheck = { name: 'firewall', ok: false, detail: 'not tried' };
  const checks = [tools, netns, veth, firewall];
  if (process.geteuid?.() !== 0) {
    netns.detail = veth.detail = firewall.detail = 'egress allowlists need root (namespaces, veth pairs and nftables rules are created on the host); sandboxes still get network "none"';
    return checks;
  }
  if (!ip || !nsenter) {
    netns.detail = veth.detail = firewall.detail = 'not tried: ip and nsenter are needed';
    return checks;
  }
  let poolText: string;
  try {
    poolText = formatCidr(pool());
  } catch (err) {
    netns.detail = (err as Error).message;
    return checks;
  }
  const id = `guestguard-${process.pid}-0-${randomBytes(3).toString('hex')}`;
  const port = randomInt(20_000, 60_000);
  let net: SandboxNetwork | undefined;
  let mode: 'enforce' | 'disabled' = nft ? 'enforce' : 'disabled';
  try {
    net = await setupNetwork(id, { allow: [`${poolText}:${port}`], firewall: mode });
  } catch (err) {
    const kind = err instanceof NetworkError ? err.kind : undefined;
    const text = kind ? `${kind}: ${(err as Error).message}` : (err as Error).message;
    const firewallProblem = kind === 'NftablesNotAvailable' || kind === 'TableCreationFailed' || kind === 'RuleAdditionFailed';
    if (firewallProblem) firewall.detail = text;
    else netns.detail = text;
    if (firewallProblem) {
      // The firewall failed; see whether the link itself works.
      mode = 'disabled';
      net = await setupNetwork(id.replace(/-[0-9a-f]+$/, `-${randomBytes(3).toString('hex')}`), { allow: [`${poolText}:${port}`], firewall: mode }).catch((e2: Error) => {
        netns.detail = e2.message;
        return undefined;
      });
    }
  }
  if (net) {
    const gateway = net.info.gateway!;
    netns.ok = true;
    netns.detail = `named network namespaces can be created (${net.netnsPath})`;
    const servers: Server[] = [];
    try {
      servers.push(await listen(gateway, port), await listen(gateway, 0));
      const other = (servers[1]!.address() as AddressInfo).port;
      const allowed = await connectFrom(net.netnsPath, nsenter, gateway, port);
      veth.ok = allowed === 'ok';
      veth.detail = veth.ok
        ? `veth pairs with a /30 from ${poolText} work (${net.info.hostInterface} ${gateway} <-> ${net.info.address}): a TCP connection crossed one`
        : `a TCP connection across ${net.info.hostInterface} failed: ${allowed}`;
      if (mode === 'enforce') {
        const blocked = await connectFrom(net.netnsPath, nsenter, gateway, other);
        firewall.ok = veth.ok && blocked === 'ECONNREFUSED';
        const notes = [
          firewall.ok ? `enforced on real traffic: the allowed port connected, an unlisted one was refused (table ${TABLE_FAMILY} ${TABLE})` : `rules loaded but an unlisted port gave "${blocked}" (expected ECONNREFUSED)`,
        ];
        const forward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
        notes.push(`ip_forward=${forward}${forward === '0' ? ' (switched on, with a guard chain, when a sandbox allows a routed destination)' : ''}`);
        const others = otherDropTables((await runCmd(nft!, ['list', 'ruleset'])).stdout);
        if (others.length) notes.push(`other tables with drop policies may drop flows guestguard allows: ${others.join(', ')}`);
        firewall.detail = notes.join('; ');
      }
    } catch (err) {
      veth.detail = `cannot listen on ${gateway}: ${(err as Error).message}`;
    } finally {
      for (const s of servers) s.close();
      await net.teardown().catch((err: Error) => {
        netns.detail += `; cleanup failed: ${err.message}`;
      });
    }
  }
  const left = await findNetworkLeftovers(true);
  const count = left.netns.length + left.veths.length + left.chains.length;
  if (count > 0) netns.detail += `; ${count} object(s) left by crashed runs (e.g. ${[...left.netns, ...left.chains.map((c) => c.id)][0] ?? left.veths[0]?.iface}); the next network sandbox sweeps them`;
  return checks;
}
