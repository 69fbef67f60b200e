/** Loading, checking and removing guestguard's nftables rules, with typed errors. */
import { readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { runCmd, looksLikePermission, type CmdResult } from './exec.js';
import {
  LinkingFailedError,
  NftablesNotAvailableError,
  PrivilegeRequiredError,
  RuleAdditionFailedError,
  TableCreationFailedError,
  type NetworkError,
} from './errors.js';
import { baseTableScript, bypassElementScript, forwardGuardScript, innerRulesScript, sandboxRemovalCommands, sandboxRulesScript, type SandboxRules } from './nft.js';
import type { AllowRule } from './allowlist.js';
import { cidrContains, parseIpv4 } from './ipv4.js';

function failed(r: CmdResult): { command: string[]; stderr: string; input?: string } {
  return { command: r.argv, stderr: r.stderr, ...(r.input !== undefined ? { input: r.input } : {}) };
}

/** nft's wording when the kernel has no nf_tables (module missing or not built). */
function noNftables(stderr: string): boolean {
  return /protocol not supported|address family not supported|no such file or directory.*netlink|cache initialization failed/i.test(stderr);
}

function classify(r: CmdResult, message: string, make: (m: string, f: ReturnType<typeof failed>) => NetworkError): NetworkError {
  if (r.code === null && /ENOENT|spawn/i.test(r.stderr)) return new NftablesNotAvailableError(`nft cannot be run (${message})`, failed(r));
  if (looksLikePermission(r.stderr)) return new PrivilegeRequiredError(message, failed(r));
  if (noNftables(r.stderr)) return new NftablesNotAvailableError(message, failed(r));
  return make(message, failed(r));
}

let tableReady = false;

/** Creates `inet guestguard` and its base chains (idempotent, atomic); once per process unless forced. */
export async function ensureTable(nft: string, force = false): Promise<void> {
  if (tableReady && !force) return;
  const r = await runCmd(nft, ['-f', '-'], { input: baseTableScript() });
  if (r.code !== 0) throw classify(r, 'cannot create table inet guestguard', (m, f) => new TableCreationFailedError(m, f));
  tableReady = true;
}

/** Loads a sandbox's chain and map element; recreates the table once if someone removed it meanwhile. */
export async function addSandboxRules(nft: string, s: SandboxRules): Promise<void> {
  const script = sandboxRulesScript(s);
  let r = await runCmd(nft, ['-f', '-'], { input: script });
  if (r.code !== 0 && /no such file or directory/i.test(r.stderr)) {
    await ensureTable(nft, true);
    r = await runCmd(nft, ['-f', '-'], { input: script });
  }
  if (r.code !== 0) throw classify(r, `cannot add the rules of ${s.id}`, (m, f) => new RuleAdditionFailedError(m, f));
}

/** Loads (or with check, validates) the in-namespace copy of the allowlist. */
export async function addInnerRules(nsenter: string, nft: string, netnsPath: string, rules: readonly AllowRule[], check = false): Promise<NetworkError | undefined> {
  const r = await runCmd(nsenter, [`--net=${netnsPath}`, '--', nft, ...(check ? ['--check'] : []), '-f', '-'], { input: innerRulesScript(rules) });
  if (r.code === 0) return undefined;
  const e = classify(r, `cannot ${check ? 'validate' : 'load'} the rules inside ${netnsPath}`, (m, f) => new RuleAdditionFailedError(m, f));
  if (check) return e;
  throw e;
}

/** `nft --check`: the whole script (table + sandbox) is evaluated by the kernel and nothing is committed. */
export async function checkSandboxRules(nft: string, s: SandboxRules): Promise<NetworkError | undefined> {
  const r = await runCmd(nft, ['--check', '-f', '-'], { input: baseTableScript() + sandboxRulesScript(s) });
  if (r.code === 0) return undefined;
  return classify(r, `rules of ${s.id} do not validate`, (m, f) => new RuleAdditionFailedError(m, f));
}

/**
 * Firewall `test`/`disabled`: the interface maps straight to accept, so guestguard's base chains
 * (which drop traffic from any ggsb* interface without an element) leave the link unfiltered.
 */
export async function addBypassElement(nft: string, hostIface: string): Promise<void> {
  const r = await runCmd(nft, ['-f', '-'], { input: bypassElementScript(hostIface) });
  if (r.code !== 0) throw classify(r, `cannot add the unfiltered map element of ${hostIface}`, (m, f) => new RuleAdditionFailedError(m, f));
}

/** Removes a sandbox's element and (unless withChain is false) its chain; what is already gone is not an error. */
export async function removeSandboxRules(nft: string, id: string, hostIfaces: readonly string[], withChain = true): Promise<NetworkError[]> {
  const commands = sandboxRemovalCommands(id, hostIfaces).filter((c) => withChain || c.startsWith('delete element'));
  const all = await runCmd(nft, ['-f', '-'], { input: commands.join('\n') + '\n' });
  if (all.code === 0) return [];
  // Step by step, so one missing object does not keep the others in place.
  const errors: NetworkError[] = [];
  for (const c of commands) {
    const r = await runCmd(nft, ['-f', '-'], { input: c + '\n' });
    if (r.code !== 0 && !/no such file or directory/i.test(r.stderr)) {
      errors.push(classify(r, `cannot remove nft objects of ${id}`, (m, f) => new RuleAdditionFailedError(m, f)));
    }
  }
  return errors;
}

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

/** IPv4 addresses of this host (its current network namespace). */
export function localAddresses(): number[] {
  const out: number[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family !== 'IPv4') continue;
      const n = parseIpv4(a.address);
      if (n !== undefined) out.push(n);
    }
  }
  return out;
}

/** True when some allowed destination is not one of the host's own addresses (so packets must be routed). */
export function needsForwarding(rules: readonly AllowRule[], local: readonly number[] = localAddresses()): boolean {
  return rules.some((r) => r.dest.prefix < 32 || !local.some((a) => cidrContains(r.dest, a)));
}

/**
 * Routed destinations need IPv4 forwarding. When it is off, guestguard installs its guard chain
 * (drop everything forwarded that is not a sandbox's) before switching it on, so the host does
 * not start routing other traffic. Forwarding is left on afterwards (other sandboxes, other
 * processes may rely on it); the guard stays with it.
 */
export async function ensureForwarding(nft: string): Promise<void> {
  let current: string;
  try {
    current = readFileSync(IP_FORWARD, 'utf8').trim();
  } catch (err) {
    throw new LinkingFailedError(`cannot read ${IP_FORWARD}: ${(err as Error).message}`);
  }
  if (current === '1') return;
  const r = await runCmd(nft, ['-f', '-'], { input: forwardGuardScript() });
  if (r.code !== 0) throw classify(r, 'cannot install the forwarding guard chain', (m, f) => new RuleAdditionFailedError(m, f));
  try {
    writeFileSync(IP_FORWARD, '1');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const msg = `cannot enable IPv4 forwarding (${IP_FORWARD}): ${e.message}`;
    throw e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS' ? new PrivilegeRequiredError(msg) : new LinkingFailedError(msg);
  }
}
