/**
 * The sandbox's link to the host: a named network namespace and a veth pair, the host end
 * (ggsb<slot>) holding the /30's first address, the sandbox end (eth0) the second, with a
 * default route through the host. bwrap later runs inside this namespace (nsenter), so the
 * sandbox's processes share it but, being in a child user namespace, cannot reconfigure it.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import type { Cidr } from './ipv4.js';
import { runCmd, looksLikePermission, type CmdResult } from './exec.js';
import { LinkingFailedError, PrivilegeRequiredError, type NetworkError } from './errors.js';
import { ALIAS_PREFIX, NETNS_DIR, SANDBOX_IFACE, slotAddresses, slotCount, slotOfIface, type SlotAddresses } from './naming.js';

export interface Link {
  id: string;
  netnsPath: string;
  addresses: SlotAddresses;
}

const CLAIM_ATTEMPTS = 64;

function fail(message: string, r: CmdResult): NetworkError {
  const failed = { command: r.argv, stderr: r.stderr, ...(r.input !== undefined ? { input: r.input } : {}) };
  return looksLikePermission(r.stderr) ? new PrivilegeRequiredError(message, failed) : new LinkingFailedError(message, failed);
}

/** Slots whose interface exists right now (any process's). */
export function usedSlots(): Set<number> {
  const out = new Set<number>();
  try {
    for (const name of readdirSync('/sys/class/net')) {
      const s = slotOfIface(name);
      if (s !== undefined) out.add(s);
    }
  } catch {
    // no sysfs: every claim will simply be tried
  }
  return out;
}

/** A free slot at random: spreads concurrent claimers apart and delays reuse of a just-freed /30. */
function pickSlot(total: number, taken: ReadonlySet<number>): number | undefined {
  if (taken.size >= total) return undefined;
  for (let i = 0; i < 32; i++) {
    const s = randomInt(0, total);
    if (!taken.has(s)) return s;
  }
  const start = randomInt(0, total);
  for (let i = 0; i < total; i++) {
    const s = (start + i) % total;
    if (!taken.has(s)) return s;
  }
  return undefined;
}

function sysctl(path: string, value: string): void {
  try {
    writeFileSync(path, value);
  } catch {
    // best effort: IPv6 is also dropped by the sandbox's nft chain
  }
}

/** Creates namespace + veth + addresses + routes. On failure undoes what it did and throws. */
export async function createLink(ip: string, id: string, pool: Cidr): Promise<Link> {
  const netnsPath = `${NETNS_DIR}/${id}`;
  const add = await runCmd(ip, ['netns', 'add', id]);
  if (add.code !== 0) throw fail(`cannot create network namespace ${id}`, add);
  let claimed: SlotAddresses | undefined;
  try {
    const taken = usedSlots();
    let last: CmdResult | undefined;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS && !claimed; attempt++) {
      const slot = pickSlot(slotCount(pool), taken);
      if (slot === undefined) break;
      const a = slotAddresses(pool, slot);
      const r = await runCmd(ip, ['link', 'add', a.hostIface, 'type', 'veth', 'peer', 'name', SANDBOX_IFACE, 'netns', id]);
      if (r.code === 0) claimed = a;
      else if (/file exists/i.test(r.stderr)) taken.add(slot); // another sandbox claimed it first
      else throw fail(`cannot create veth pair ${a.hostIface}`, r);
      last = r;
    }
    if (!claimed) {
      throw new LinkingFailedError(`no free /30 in the address pool (${taken.size} in use); set GUESTGUARD_NET_POOL to a larger network`, {
        command: last?.argv ?? [],
        stderr: last?.stderr ?? '',
      });
    }
    const a = claimed;
    // No IPv6 on the host end: the sandbox gets IPv4 only, and no link-local chatter.
    sysctl(`/proc/sys/net/ipv6/conf/${a.hostIface}/disable_ipv6`, '1');
    const hostBatch = [`link set dev ${a.hostIface} alias ${ALIAS_PREFIX}${id}`, `addr add ${a.host}/30 dev ${a.hostIface}`, `link set dev ${a.hostIface} up`, ''].join('\n');
    const h = await runCmd(ip, ['-batch', '-'], { input: hostBatch });
    if (h.code !== 0) throw fail(`cannot configure ${a.hostIface}`, h);
    const nsBatch = [
      'link set dev lo up',
      `addr add ${a.sandbox}/30 dev ${SANDBOX_IFACE}`,
      `link set dev ${SANDBOX_IFACE} up`,
      `route add default via ${a.host} dev ${SANDBOX_IFACE}`,
      '',
    ].join('\n');
    const n = await runCmd(ip, ['-netns', id, '-batch', '-'], { input: nsBatch });
    if (n.code !== 0) throw fail(`cannot configure ${SANDBOX_IFACE} in ${id}`, n);
    return { id, netnsPath, addresses: a };
  } catch (err) {
    await removeLink(ip, id, claimed?.hostIface);
    throw err;
  }
}

/** Deletes the veth (both ends) and the namespace; objects already gone are not errors. */
export async function removeLink(ip: string, id: string, hostIface: string | undefined): Promise<NetworkError[]> {
  const errors: NetworkError[] = [];
  if (hostIface !== undefined) {
    const r = await runCmd(ip, ['link', 'del', 'dev', hostIface]);
    if (r.code !== 0 && !/cannot find device|does not exist/i.test(r.stderr)) errors.push(fail(`cannot delete ${hostIface}`, r));
  }
  const r = await runCmd(ip, ['netns', 'del', id]);
  if (r.code !== 0 && !/no such file/i.test(r.stderr)) errors.push(fail(`cannot delete network namespace ${id}`, r));
  return errors;
}
