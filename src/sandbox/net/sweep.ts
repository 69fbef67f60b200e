/**
 * Finds and removes network objects left by guestguard processes that died without cleaning up
 * (SIGKILL, OOM, power loss of the container): namespaces, veths, nft chains and map elements
 * whose name carries the pid of a process that no longer exists.
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { netTools, runCmd } from './exec.js';
import { removeLink } from './link.js';
import { removeSandboxRules } from './firewall.js';
import type { NetworkError } from './errors.js';
import { ALIAS_PREFIX, IFACE_PREFIX, NETNS_DIR, ownerPid, SANDBOX_MAP, TABLE, TABLE_FAMILY } from './naming.js';

export interface NetworkLeftovers {
  /** Network namespaces (names under /run/netns). */
  netns: string[];
  /** Host-side veths with the sandbox id from their alias. */
  veths: { iface: string; id: string }[];
  /** Sandbox chains in inet guestguard, with the map elements that jump to them. */
  chains: { id: string; ifaces: string[] }[];
}

/** A live process (zombies count as dead: they will never clean up). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function isLeftover(id: string, onlyDead: boolean): boolean {
  const pid = ownerPid(id);
  return pid !== undefined && (!onlyDead || !processAlive(pid));
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

interface NftJson {
  nftables?: Array<{
    chain?: { name: string };
    map?: { name: string; elem?: Array<[string, { jump?: { target: string } }]> };
  }>;
}

/** Objects of dead owners (or of every owner, with onlyDead false). Never throws. */
export async function findNetworkLeftovers(onlyDead = true): Promise<NetworkLeftovers> {
  const out: NetworkLeftovers = { netns: [], veths: [], chains: [] };
  try {
    out.netns = readdirSync(NETNS_DIR).filter((n) => isLeftover(n, onlyDead));
  } catch {
    // no /run/netns: no namespaces were ever named
  }
  try {
    for (const iface of readdirSync('/sys/class/net')) {
      if (!iface.startsWith(IFACE_PREFIX)) continue;
      const alias = readText(`/sys/class/net/${iface}/ifalias`) ?? '';
      if (!alias.startsWith(ALIAS_PREFIX)) continue;
      const id = alias.slice(ALIAS_PREFIX.length);
      if (isLeftover(id, onlyDead)) out.veths.push({ iface, id });
    }
  } catch {
    // no sysfs
  }
  const nft = netTools().nft;
  if (nft && process.geteuid?.() === 0) {
    const r = await runCmd(nft, ['-j', 'list', 'table', TABLE_FAMILY, TABLE]);
    if (r.code === 0) {
      try {
        const doc = JSON.parse(r.stdout) as NftJson;
        const jumps = new Map<string, string[]>();
        for (const o of doc.nftables ?? []) {
          if (o.map?.name !== SANDBOX_MAP) continue;
          for (const [iface, verdict] of o.map.elem ?? []) {
            const target = verdict?.jump?.target;
            if (target) jumps.set(target, [...(jumps.get(target) ?? []), iface]);
          }
        }
        for (const o of doc.nftables ?? []) {
          const name = o.chain?.name;
          if (name !== undefined && isLeftover(name, onlyDead)) out.chains.push({ id: name, ifaces: jumps.get(name) ?? [] });
        }
      } catch {
        // unparsable listing: leave the rules alone
      }
    }
  }
  return out;
}

/** Pids of processes inside the network namespace mounted at `path` (sandbox processes that outlived their owner). */
function processesIn(path: string): number[] {
  let ino: number;
  try {
    ino = statSync(path).ino;
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readlinkSync(`/proc/${e}/ns/net`) === `net:[${ino}]`) out.push(Number(e));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

export interface SweepReport {
  removed: NetworkLeftovers;
  errors: NetworkError[];
}

/**
 * Removes everything left by dead guestguard processes. Processes still inside such a namespace
 * are SIGKILLed first (the namespace, and its veth, live as long as one of them does).
 */
export async function sweepNetwork(): Promise<SweepReport> {
  const left = await findNetworkLeftovers(true);
  const errors: NetworkError[] = [];
  const { ip, nft } = netTools();
  if (nft) {
    for (const c of left.chains) errors.push(...(await removeSandboxRules(nft, c.id, c.ifaces)));
  }
  if (ip) {
    for (const ns of left.netns) {
      for (const pid of processesIn(`${NETNS_DIR}/${ns}`)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    const vethOf = new Map(left.veths.map((v) => [v.id, v.iface]));
    for (const ns of left.netns) {
      errors.push(...(await removeLink(ip, ns, vethOf.get(ns))));
      vethOf.delete(ns);
    }
    // Veths whose namespace is already gone (a process held it past `ip netns del`).
    for (const [id, iface] of vethOf) errors.push(...(await removeLink(ip, id, iface)));
  }
  return { removed: left, errors };
}

let swept: Promise<SweepReport> | undefined;

/** The sweep, once per process (the first network sandbox runs it). */
export function sweepOnce(): Promise<SweepReport> {
  swept ??= sweepNetwork();
  return swept;
}
