/**
 * The nftables scripts guestguard loads (pure text generation; nothing here runs nft).
 *
 * One table, `inet guestguard`, shared by every sandbox on the host:
 *
 *   map sandboxes      ifname → jump <sandbox chain>      (one element per live sandbox)
 *   chain input        (hook input)    traffic from a sandbox to the host itself
 *   chain forward      (hook forward)  traffic from a sandbox routed elsewhere; nothing new INTO a sandbox
 *   chain postrouting  (nat)           masquerade what sandboxes send out of the host
 *   chain <sandbox id>                 the sandbox's allowlist; everything else rejected
 *
 * Base chains are rewritten with flush + add inside one transaction, so any number of
 * processes can (re)create the table at any time without duplicating rules or opening a gap.
 */
import { randomInt } from 'node:crypto';
import { formatCidr } from './ipv4.js';
import type { AllowRule } from './allowlist.js';
import { IFACE_PREFIX, SANDBOX_MAP, TABLE, TABLE_FAMILY } from './naming.js';

const T = `${TABLE_FAMILY} ${TABLE}`;
const OURS = `"${IFACE_PREFIX}*"`;
export const GUARD_CHAIN = 'forward-guard';

/** Creates the table, map and base chains if missing and (re)writes the base chains' rules. */
export function baseTableScript(): string {
  return [
    `add table ${T}`,
    `add map ${T} ${SANDBOX_MAP} { type ifname : verdict ; }`,
    `add chain ${T} input { type filter hook input priority filter ; policy accept ; }`,
    `add chain ${T} forward { type filter hook forward priority filter ; policy accept ; }`,
    `add chain ${T} postrouting { type nat hook postrouting priority srcnat ; policy accept ; }`,
    `flush chain ${T} input`,
    `flush chain ${T} forward`,
    `flush chain ${T} postrouting`,
    // From a sandbox to the host: its own chain decides; an interface without one is dropped.
    `add rule ${T} input iifname ${OURS} iifname vmap @${SANDBOX_MAP}`,
    `add rule ${T} input iifname ${OURS} drop`,
    // Into a sandbox only replies: this is what keeps sandboxes from reaching each other even
    // when one lists another's address.
    `add rule ${T} forward oifname ${OURS} ct state established,related accept`,
    `add rule ${T} forward oifname ${OURS} drop`,
    `add rule ${T} forward iifname ${OURS} iifname vmap @${SANDBOX_MAP}`,
    `add rule ${T} forward iifname ${OURS} drop`,
    `add rule ${T} postrouting iifname ${OURS} oifname != ${OURS} masquerade`,
    '',
  ].join('\n');
}

export interface SandboxRules {
  id: string;
  hostIface: string;
  /** The sandbox's own address; anything else as source is spoofed. */
  address: string;
  /** Connection mark of this sandbox's flows (see sandboxRulesScript). */
  ctMark: number;
  rules: readonly AllowRule[];
}

function ruleLine(chain: string, r: AllowRule, mark: string): string {
  const ports = r.ports[0] === r.ports[1] ? String(r.ports[0]) : `${r.ports[0]}-${r.ports[1]}`;
  const dest = r.dest.prefix === 0 ? '' : `ip daddr ${formatCidr(r.dest)} `;
  return `add rule ${T} ${chain} ${dest}${r.protocol} dport ${ports} ct mark set ${mark} accept`;
}

/**
 * The sandbox's chain and its map element, in one transaction. New flows to allowlisted
 * destinations are accepted and marked with the sandbox's random mark; later packets pass only
 * with that mark. The mark matters when a /30 is reused: conntrack entries of an earlier
 * sandbox with the same address would otherwise count as "established" for the new one.
 */
export function sandboxRulesScript(s: SandboxRules): string {
  const c = s.id;
  const mark = `0x${(s.ctMark >>> 0).toString(16).padStart(8, '0')}`;
  return [
    `add chain ${T} ${c}`,
    `flush chain ${T} ${c}`,
    `add rule ${T} ${c} meta nfproto != ipv4 drop`,
    `add rule ${T} ${c} ip saddr != ${s.address} drop`,
    `add rule ${T} ${c} ct state established,related ct mark ${mark} accept`,
    `add rule ${T} ${c} ct state != new drop`,
    ...s.rules.map((r) => ruleLine(c, r, mark)),
    // Refused, not silently dropped: a blocked connect fails at once instead of hanging.
    `add rule ${T} ${c} meta l4proto tcp reject with tcp reset`,
    `add rule ${T} ${c} reject with icmpx type admin-prohibited`,
    `add element ${T} ${SANDBOX_MAP} { "${s.hostIface}" : jump ${c} }`,
    '',
  ].join('\n');
}

/**
 * The same allowlist again, inside the sandbox's own network namespace (output hook, policy
 * drop; only replies come in). The sandbox cannot change it — its processes have no
 * CAP_NET_ADMIN over a namespace owned by the host's user namespace — and it survives what the
 * host's ruleset goes through (`nft flush ruleset` by a firewall reload removes the host-side
 * table, not this one).
 */
export function innerRulesScript(rules: readonly AllowRule[]): string {
  const line = (r: AllowRule): string => {
    const ports = r.ports[0] === r.ports[1] ? String(r.ports[0]) : `${r.ports[0]}-${r.ports[1]}`;
    const dest = r.dest.prefix === 0 ? '' : `ip daddr ${formatCidr(r.dest)} `;
    return `add rule ${T} output ${dest}${r.protocol} dport ${ports} accept`;
  };
  return [
    `add table ${T}`,
    `add chain ${T} output { type filter hook output priority filter ; policy drop ; }`,
    `add chain ${T} input { type filter hook input priority filter ; policy drop ; }`,
    `flush chain ${T} output`,
    `flush chain ${T} input`,
    `add rule ${T} output oifname "lo" accept`,
    `add rule ${T} output ct state established,related accept`,
    `add rule ${T} output meta nfproto != ipv4 drop`,
    `add rule ${T} output ct state != new drop`,
    ...rules.map(line),
    `add rule ${T} output meta l4proto tcp reject with tcp reset`,
    `add rule ${T} output reject with icmpx type admin-prohibited`,
    `add rule ${T} input iifname "lo" accept`,
    `add rule ${T} input ct state established,related accept`,
    '',
  ].join('\n');
}

/** The map element of an unfiltered link (firewall test/disabled). */
export function bypassElementScript(hostIface: string): string {
  return `add element ${T} ${SANDBOX_MAP} { "${hostIface}" : accept }\n`;
}

/**
 * Removal, one command per step so one missing object does not stop the rest; the element goes
 * first because a chain a map still jumps to cannot be deleted.
 */
export function sandboxRemovalCommands(id: string, hostIfaces: readonly string[]): string[] {
  return [...hostIfaces.map((i) => `delete element ${T} ${SANDBOX_MAP} { "${i}" }`), `flush chain ${T} ${id}`, `delete chain ${T} ${id}`];
}

/**
 * Installed when guestguard itself switched IPv4 forwarding on (it was off): the host keeps
 * not forwarding anything that is not a sandbox's traffic.
 */
export function forwardGuardScript(): string {
  return [
    `add table ${T}`,
    `add chain ${T} ${GUARD_CHAIN} { type filter hook forward priority filter ; policy accept ; }`,
    `flush chain ${T} ${GUARD_CHAIN}`,
    `add rule ${T} ${GUARD_CHAIN} iifname != ${OURS} oifname != ${OURS} drop`,
    '',
  ].join('\n');
}

export function randomCtMark(): number {
  // Never 0: that is the mark of every connection nobody marked.
  return randomInt(1, 0xffffffff);
}
