/**
 * Names and addresses of a sandbox's network objects. Everything guestguard creates on the host
 * is recognisable by name, and names carry the owning process id so a later process can tell
 * leftovers of a dead process from objects still in use:
 *
 *   network namespace   /run/netns/<sandbox id>       (id = guestguard-<pid>-<n>-<hex>)
 *   host-side veth      ggsb<slot>, ifalias "guestguard:<sandbox id>"
 *   nft chain           inet guestguard <sandbox id>, reached through map @sandboxes
 *
 * The slot is the index of the sandbox's /30 in the address pool; creating the veth named after
 * it is the atomic claim (the kernel refuses a second interface of the same name), so
 * concurrent processes never share a subnet.
 */
import { SandboxError } from '../errors.js';
import { cidrSize, formatIpv4, parseCidr, type Cidr } from './ipv4.js';

export const TABLE_FAMILY = 'inet';
export const TABLE = 'guestguard';
export const SANDBOX_MAP = 'sandboxes';
export const IFACE_PREFIX = 'ggsb';
export const ALIAS_PREFIX = 'guestguard:';
export const NETNS_DIR = '/run/netns';
/** The interface name inside the sandbox. */
export const SANDBOX_IFACE = 'eth0';

/** 10.207.0.0/16: 16384 sandboxes; override with GUESTGUARD_NET_POOL when it clashes with a host network. */
export const DEFAULT_POOL = '10.207.0.0/16';

const ID = /^guestguard-(\d+)-\d+-[0-9a-f]+$/;

/** The owner pid encoded in a sandbox id, or undefined when the name is not one of ours. */
export function ownerPid(id: string): number | undefined {
  const m = ID.exec(id);
  return m ? Number(m[1]) : undefined;
}

export function checkSandboxId(id: string): void {
  // The id is spliced into nft scripts and ip arguments; only our own format is accepted.
  if (!ID.test(id)) throw new SandboxError('bad-spec', `invalid sandbox id for networking: ${id}`);
}

export function pool(text = process.env['GUESTGUARD_NET_POOL'] || DEFAULT_POOL): Cidr {
  const c = parseCidr(text);
  if (!c || c.prefix > 30 || c.prefix < 8) throw new SandboxError('bad-spec', `GUESTGUARD_NET_POOL "${text}" must be an IPv4 network between /8 and /30`);
  return c;
}

export function slotCount(p: Cidr): number {
  return cidrSize(p) / 4;
}

export interface SlotAddresses {
  slot: number;
  hostIface: string;
  /** The host end of the /30 (the sandbox's gateway). */
  host: string;
  /** The sandbox's address. */
  sandbox: string;
  /** The /30 as CIDR text. */
  subnet: string;
}

export function slotAddresses(p: Cidr, slot: number): SlotAddresses {
  if (!Number.isInteger(slot) || slot < 0 || slot >= slotCount(p)) throw new RangeError(`slot ${slot} outside the pool`);
  const net = p.base + slot * 4;
  return { slot, hostIface: `${IFACE_PREFIX}${slot}`, host: formatIpv4(net + 1), sandbox: formatIpv4(net + 2), subnet: `${formatIpv4(net)}/30` };
}

/** The slot number in a host-side interface name, or undefined when the name is not ours. */
export function slotOfIface(name: string): number | undefined {
  const m = /^ggsb(\d{1,7})$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
