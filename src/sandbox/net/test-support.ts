/**
 * Test fixtures for real-traffic network tests: a host-side test address and a "remote" host
 * (a separate network namespace behind a veth, reachable only by routing through the host),
 * TCP servers that say who connected, and a probe that runs inside a sandbox.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { hasTool } from '../../../test/helpers/fixtures.js';
import { canSandbox } from '../test-support.js';
import { ALIAS_PREFIX, IFACE_PREFIX, NETNS_DIR, TABLE, TABLE_FAMILY } from './naming.js';

export const canNetSandbox = canSandbox && process.geteuid?.() === 0 && hasTool('ip') && hasTool('nft') && hasTool('nsenter');

function sh(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, ...(input !== undefined ? { input } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

export interface TestNet {
  /** A host address (on the host end of the remote link): services bound here are the host's. */
  hostAddr: string;
  /** The remote namespace's address: reaching it needs forwarding through the host. */
  remoteAddr: string;
  remoteNetns: string;
  close(): void;
}

/** Host <-> "remote" namespace over a veth with a random /30 in 198.18.0.0/15 (benchmarking range). */
export function createTestNet(): TestNet {
  const tag = `${process.pid}${randomInt(10, 99)}`.slice(-8);
  const ns = `ggtest-${tag}`;
  const hostIf = `ggt${tag}h`;
  const base = randomInt(0, 1 << 15) * 4;
  const a = (n: number): string => `198.${18 + (base >> 16)}.${(base >> 8) & 255}.${(base & 255) + n}`;
  sh('ip', ['netns', 'add', ns]);
  try {
    sh('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    sh('ip', ['-batch', '-'], `addr add ${a(1)}/30 dev ${hostIf}\nlink set dev ${hostIf} up\n`);
    sh('ip', ['-netns', ns, '-batch', '-'], `link set dev lo up\naddr add ${a(2)}/30 dev eth0\nlink set dev eth0 up\nroute add default via ${a(1)}\n`);
  } catch (err) {
    spawnSync('ip', ['link', 'del', hostIf]);
    spawnSync('ip', ['netns', 'del', ns]);
    throw err;
  }
  return {
    hostAddr: a(1),
    remoteAddr: a(2),
    remoteNetns: ns,
    close() {
      spawnSync('ip', ['link', 'del', hostIf]);
      spawnSync('ip', ['netns', 'del', ns]);
    },
  };
}

export interface TestServer {
  port: number;
  close(): Promise<void>;
}

/** A TCP server answering "hello <name> from <peer address>\n" to every connection. */
export async function helloServer(host: string, name: string): Promise<TestServer> {
  const server: Server = createServer((s) => s.end(`hello ${name} from ${s.remoteAddress}\n`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

const HELLO_SERVER = `const s=require('net').createServer(c=>c.end('hello '+process.argv[2]+' from '+c.remoteAddress+'\\n'));s.listen(0,process.argv[1],()=>console.log(s.address().port));`;

/** The same server, run inside the remote namespace. */
export async function remoteHelloServer(net: TestNet, name: string): Promise<TestServer> {
  const child: ChildProcess = spawn('nsenter', [`--net=${NETNS_DIR}/${net.remoteNetns}`, '--', process.execPath, '-e', HELLO_SERVER, net.remoteAddr, name], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`remote server exited with ${code}`)));
  });
  return {
    port,
    close: async () => {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await gone;
      }
    },
  };
}

/**
 * Node program run in a sandbox: connects to each [host, port] of argv[1] (JSON) in turn (host
 * "gateway" is the sandbox's default gateway) and
 * prints a JSON array of "ok:<first line>", an error code (ECONNREFUSED, EHOSTUNREACH, …) or
 * "timeout".
 */
export const PROBE = `
const net = require('net');
// "-": read the targets from stdin (the test changes the firewall before sending them).
const targets = JSON.parse(process.argv[1] === '-' ? require('fs').readFileSync(0, 'utf8') : process.argv[1]);
const timeoutMs = Number(process.argv[2] || 3000);
// "gateway": the sandbox's default gateway, i.e. the host end of its own veth.
const gateway = () => {
  const row = require('fs').readFileSync('/proc/net/route', 'utf8').split('\\n').map((l) => l.split('\\t')).find((f) => f[1] === '00000000');
  const n = parseInt(row[2], 16);
  return [n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24].join('.');
};
const one = ([h, port]) => new Promise((resolve) => {
  const host = h === 'gateway' ? gateway() : h;
  const s = net.connect({ host, port });
  let data = '';
  const t = setTimeout(() => { s.destroy(); resolve('timeout'); }, timeoutMs);
  s.on('data', (d) => (data += d));
  s.on('end', () => { clearTimeout(t); resolve('ok:' + data.trim()); });
  s.on('error', (e) => { clearTimeout(t); resolve(e.code || String(e)); });
});
(async () => { const out = []; for (const t of targets) out.push(await one(t)); console.log(JSON.stringify(out)); })();
`;

export function probeCommand(targets: readonly (readonly [string, number])[] | '-', timeoutMs = 3000): string[] {
  return [process.execPath, '-e', PROBE, targets === '-' ? '-' : JSON.stringify(targets), String(timeoutMs)];
}

/** Which of a sandbox's network objects still exist on the host. */
export function netObjects(id: string, hostIface: string): { netns: boolean; iface: boolean; chain: boolean; element: boolean } {
  const map = spawnSync('nft', ['list', 'map', TABLE_FAMILY, TABLE, 'sandboxes'], { encoding: 'utf8' });
  const chain = spawnSync('nft', ['list', 'chain', TABLE_FAMILY, TABLE, id], { encoding: 'utf8' });
  return {
    netns: existsSync(`${NETNS_DIR}/${id}`),
    iface: existsSync(`/sys/class/net/${hostIface}`),
    chain: chain.status === 0,
    element: map.status === 0 && map.stdout.includes(`"${hostIface}"`),
  };
}

export const NOTHING = { netns: false, iface: false, chain: false, element: false };

/** Host ends of sandbox veths with the sandbox id from their alias. */
export function sandboxLinks(): { iface: string; id: string }[] {
  const out: { iface: string; id: string }[] = [];
  for (const iface of readdirSync('/sys/class/net')) {
    if (!iface.startsWith(IFACE_PREFIX)) continue;
    const alias = readFileSync(`/sys/class/net/${iface}/ifalias`, 'utf8').trim();
    if (alias.startsWith(ALIAS_PREFIX)) out.push({ iface, id: alias.slice(ALIAS_PREFIX.length) });
  }
  return out;
}

/** Every guestguard network object (any owner) whose name carries this pid. */
export function objectsOfPid(pid: number): string[] {
  const out: string[] = [];
  const prefix = `guestguard-${pid}-`;
  const netns = spawnSync('ls', [NETNS_DIR], { encoding: 'utf8' }).stdout ?? '';
  for (const n of netns.split('\n')) if (n.startsWith(prefix)) out.push(`netns ${n}`);
  for (const { iface, id } of sandboxLinks()) if (id.startsWith(prefix)) out.push(`link ${iface} ${id}`);
  const table = spawnSync('nft', ['-j', 'list', 'table', TABLE_FAMILY, TABLE], { encoding: 'utf8' });
  if (table.status === 0) {
    type Item = { chain?: { name: string }; map?: { elem?: [string, { jump?: { target: string } }][] } };
    for (const o of (JSON.parse(table.stdout) as { nftables: Item[] }).nftables) {
      if (o.chain?.name.startsWith(prefix)) out.push(`nft chain ${o.chain.name}`);
      for (const [iface, v] of o.map?.elem ?? []) if (v.jump?.target.startsWith(prefix)) out.push(`nft element ${iface} -> ${v.jump.target}`);
    }
  }
  return out;
}
