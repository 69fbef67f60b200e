/**
 * Egress allowlist entries: "HOST:PORT", "CIDR:PORT", "IP:LO-HI", each optionally followed by
 * "/udp" (default tcp). Hostnames are resolved on the host when the sandbox is spawned; the
 * sandbox gets an /etc/hosts naming exactly those addresses (it has no DNS of its own).
 */
import { lookup } from 'node:dns/promises';
import { SandboxError } from '../errors.js';
import { cidrsOverlap, formatCidr, LOOPBACK, parseCidr, type Cidr } from './ipv4.js';

export type Protocol = 'tcp' | 'udp';

export interface AllowEntry {
  /** The entry as written. */
  text: string;
  /** Address or CIDR when the host part is one; undefined for a hostname. */
  cidr?: Cidr;
  hostname?: string;
  ports: readonly [number, number];
  protocol: Protocol;
}

/** One firewall rule: a destination network, a port range, a protocol. */
export interface AllowRule {
  dest: Cidr;
  ports: readonly [number, number];
  protocol: Protocol;
  /** The entry it came from (for messages and the sandbox's network info). */
  entry: string;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
const MAX_ENTRIES = 256;
const RESOLVE_TIMEOUT_MS = 10_000;

function bad(message: string): SandboxError {
  return new SandboxError('bad-spec', `network allowlist: ${message}`);
}

function parsePort(text: string, entry: string): number {
  if (!/^\d{1,5}$/.test(text)) throw bad(`invalid port "${text}" in "${entry}"`);
  const n = Number(text);
  if (n < 1 || n > 65535) throw bad(`port ${n} out of range 1-65535 in "${entry}"`);
  return n;
}

export function parseAllowEntry(text: string): AllowEntry {
  const entry = text.trim();
  if (entry.startsWith('[') || (entry.match(/:/g) ?? []).length > 1) {
    throw bad(`"${entry}": IPv6 destinations are not supported (sandboxes get IPv4 only)`);
  }
  const m = /^(.+):(\d+(?:-\d+)?)(?:\/(tcp|udp))?$/i.exec(entry);
  if (!m) throw bad(`"${entry}" is not HOST:PORT, CIDR:PORT or HOST:LOW-HIGH (optionally followed by /udp or /tcp)`);
  const [, host, portText, proto] = m as unknown as [string, string, string, string | undefined];
  const [loText, hiText] = portText.split('-') as [string, string | undefined];
  const lo = parsePort(loText, entry);
  const hi = hiText === undefined ? lo : parsePort(hiText, entry);
  if (hi < lo) throw bad(`port range ${portText} is backwards in "${entry}"`);
  const protocol = (proto?.toLowerCase() ?? 'tcp') as Protocol;
  const base = { text: entry, ports: [lo, hi] as const, protocol };
  if (/^[\d./]+$/.test(host)) {
    const cidr = parseCidr(host);
    if (!cidr) throw bad(`"${host}" is not a valid IPv4 address or CIDR (host bits must be zero) in "${entry}"`);
    checkNotLoopback(cidr, entry);
    return { ...base, cidr };
  }
  if (!HOSTNAME.test(host)) throw bad(`"${host}" is not a valid hostname in "${entry}"`);
  return { ...base, hostname: host.replace(/\.$/, '').toLowerCase() };
}

function checkNotLoopback(c: Cidr, entry: string, note = ''): void {
  if (c.prefix >= 8 && cidrsOverlap(c, LOOPBACK)) {
    throw bad(
      `"${entry}"${note} is a loopback destination; 127.0.0.0/8 inside a sandbox is its own loopback, not the host's — ` +
        `bind the service to a host address (for example the one on the host's interface) and allow that`,
    );
  }
}

/** Parses a comma-separated list ("a:1,b:2") as the CLI's --net allow=… takes it. */
export function parseAllowList(text: string): AllowEntry[] {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (parts.length === 0) throw bad('empty allowlist (use --net none for no network)');
  return parts.map(parseAllowEntry);
}

export interface ResolvedAllowlist {
  rules: AllowRule[];
  /** hostname → IPv4 addresses, for the sandbox's /etc/hosts. */
  hosts: Map<string, string[]>;
}

export type Resolver = (hostname: string) => Promise<string[]>;

async function systemResolver(hostname: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${RESOLVE_TIMEOUT_MS} ms`)), RESOLVE_TIMEOUT_MS);
  });
  try {
    const found = await Promise.race([lookup(hostname, { all: true, family: 4 }), timeout]);
    return [...new Set(found.map((a) => a.address))];
  } finally {
    clearTimeout(timer);
  }
}

/** Parses entries (strings or parsed) and resolves hostnames to IPv4 addresses, once each. */
export async function resolveAllowlist(entries: readonly (string | AllowEntry)[], resolver: Resolver = systemResolver): Promise<ResolvedAllowlist> {
  if (entries.length === 0) throw bad('empty allowlist (use network "none" for no network)');
  if (entries.length > MAX_ENTRIES) throw bad(`${entries.length} entries; at most ${MAX_ENTRIES}`);
  const parsed = entries.map((e) => (typeof e === 'string' ? parseAllowEntry(e) : e));
  const hosts = new Map<string, string[]>();
  for (const name of new Set(parsed.flatMap((e) => (e.hostname ? [e.hostname] : [])))) {
    let addrs: string[];
    try {
      addrs = await resolver(name);
    } catch (err) {
      throw bad(`cannot resolve "${name}" on the host: ${(err as Error).message}`);
    }
    if (addrs.length === 0) throw bad(`"${name}" has no IPv4 address`);
    hosts.set(name, addrs);
  }
  const rules: AllowRule[] = [];
  const seen = new Set<string>();
  for (const e of parsed) {
    const dests = e.cidr ? [e.cidr] : hosts.get(e.hostname!)!.map((a) => parseCidr(a)!);
    for (const dest of dests) {
      if (e.hostname) checkNotLoopback(dest, e.text, ` (${e.hostname} resolves to ${formatCidr(dest)})`);
      const key = `${formatCidr(dest)} ${e.protocol} ${e.ports[0]}-${e.ports[1]}`;
      if (seen.has(key)) continue;
      seen.add(key);
      rules.push({ dest, ports: e.ports, protocol: e.protocol, entry: e.text });
    }
  }
  return { rules, hosts };
}

/** "198.51.100.7:443/tcp", "10.0.0.0/8:8000-8100/udp". */
export function formatRule(r: AllowRule): string {
  const ports = r.ports[0] === r.ports[1] ? String(r.ports[0]) : `${r.ports[0]}-${r.ports[1]}`;
  return `${formatCidr(r.dest)}:${ports}/${r.protocol}`;
}

/** The sandbox's /etc/hosts: loopback plus the allowlisted hostnames at the addresses the firewall allows. */
export function hostsFile(hosts: ReadonlyMap<string, readonly string[]>, hostname: string): string {
  const lines = [`127.0.0.1\tlocalhost ${hostname}`, '::1\tlocalhost ip6-localhost ip6-loopback'];
  for (const [name, addrs] of [...hosts].sort(([a], [b]) => a.localeCompare(b))) for (const a of addrs) lines.push(`${a}\t${name}`);
  return lines.join('\n') + '\n';
}
