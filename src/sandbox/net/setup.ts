/**
 * Sets up and tears down one sandbox's network: allowlist resolution, the sweep of dead
 * processes' leftovers, guestguard's nft table, the namespace + veth link, the sandbox's chain,
 * and IPv4 forwarding when a destination is routed. bwrap is then started inside the namespace
 * (see bwrap/launch.ts) instead of getting an empty one of its own.
 */
import { SandboxError } from '../errors.js';
import type { EgressPolicy, FirewallMode, SandboxNetworkInfo } from '../types.js';
import { formatRule, hostsFile, resolveAllowlist, type Resolver } from './allowlist.js';
import { netTools } from './exec.js';
import {
  CleanupFailedError,
  LinkingFailedError,
  NetworkError,
  NftablesNotAvailableError,
  PrivilegeRequiredError,
} from './errors.js';
import { addBypassElement, addInnerRules, addSandboxRules, checkSandboxRules, ensureForwarding, ensureTable, needsForwarding, removeSandboxRules } from './firewall.js';
import { createLink, removeLink, type Link } from './link.js';
import { checkSandboxId, pool } from './naming.js';
import { randomCtMark, type SandboxRules } from './nft.js';
import { sweepOnce } from './sweep.js';

export interface SandboxNetwork {
  readonly info: SandboxNetworkInfo;
  /** The namespace bwrap must run in (nsenter --net=PATH). */
  readonly netnsPath: string;
  /** Content for the sandbox's /etc/hosts. */
  readonly hostsFile: string;
  /** Removes rules, veth and namespace; idempotent. Throws CleanupFailedError listing every failed step. */
  teardown(): Promise<void>;
}

export interface SetupOptions {
  /** The sandbox's hostname (for its /etc/hosts). */
  hostname?: string;
  /** Hostname resolution (tests inject one). */
  resolver?: Resolver;
}

export function firewallMode(policy: EgressPolicy): FirewallMode {
  const m = policy.firewall ?? 'enforce';
  if (m !== 'enforce' && m !== 'test' && m !== 'disabled') throw new SandboxError('bad-spec', `unknown firewall mode "${String(m)}" (enforce, test or disabled)`);
  return m;
}

/** Everything the sandbox with this id needs before bwrap starts. Throws a typed NetworkError (or SandboxError bad-spec). */
export async function setupNetwork(id: string, policy: EgressPolicy, o: SetupOptions = {}): Promise<SandboxNetwork> {
  checkSandboxId(id);
  const mode = firewallMode(policy);
  const resolved = await resolveAllowlist(policy.allow, o.resolver);
  if (process.geteuid?.() !== 0) {
    throw new PrivilegeRequiredError('an egress allowlist needs root: network namespaces, veth pairs and nftables rules are created on the host');
  }
  const { ip, nft, nsenter } = netTools();
  if (!ip) throw new LinkingFailedError('ip (iproute2) is not installed');
  if (!nsenter) throw new LinkingFailedError('nsenter (util-linux) is not installed; it starts the sandbox inside its network namespace');
  if (mode !== 'disabled' && !nft) throw new NftablesNotAvailableError('nft is not installed (Debian package "nftables"); use firewall "disabled" only for trusted work');
  const addressPool = pool();

  const warnings: string[] = [];
  const swept = await sweepOnce();
  for (const e of swept.errors) warnings.push(`sweep: ${e.message}`);

  if (mode === 'enforce') await ensureTable(nft!);
  const link = await createLink(ip, id, addressPool);
  const rules: SandboxRules = { id, hostIface: link.addresses.hostIface, address: link.addresses.sandbox, ctMark: randomCtMark(), rules: resolved.rules };
  let loaded: 'none' | 'chain' | 'bypass' = 'none';
  const net = new Network(ip, nft, link, () => loaded, {
    mode: 'egress',
    firewall: mode,
    netns: id,
    hostInterface: link.addresses.hostIface,
    address: link.addresses.sandbox,
    gateway: link.addresses.host,
    allowed: resolved.rules.map(formatRule),
    warnings,
  }, hostsFile(resolved.hosts, o.hostname ?? 'guestguard'));
  try {
    if (mode === 'enforce') {
      await addInnerRules(nsenter, nft!, link.netnsPath, resolved.rules);
      await addSandboxRules(nft!, rules);
      loaded = 'chain';
      if (needsForwarding(resolved.rules)) await ensureForwarding(nft!);
    } else {
      if (mode === 'test') {
        const problem = (await checkSandboxRules(nft!, rules)) ?? (await addInnerRules(nsenter, nft!, link.netnsPath, resolved.rules, true));
        warnings.push(problem ? `firewall test: ${problem.message}` : 'firewall test: rules validated with nft --check, NOT applied: the link is unfiltered');
      } else warnings.push('firewall disabled: the link is unfiltered');
      // guestguard's base chains drop ggsb* interfaces they have no element for; say "accept" instead.
      if (nft) {
        try {
          await ensureTable(nft);
          await addBypassElement(nft, link.addresses.hostIface);
          loaded = 'bypass';
        } catch (err) {
          warnings.push(`the unfiltered link may be blocked by guestguard's table: ${(err as Error).message}`);
        }
      }
    }
  } catch (err) {
    try {
      await net.teardown();
    } catch (cleanup) {
      if (err instanceof NetworkError) err.cleanupError = cleanup as Error;
    }
    throw err;
  }
  return net;
}

class Network implements SandboxNetwork {
  private torn: Promise<void> | undefined;

  constructor(
    private readonly ip: string,
    private readonly nft: string | undefined,
    private readonly link: Link,
    private readonly loaded: () => 'none' | 'chain' | 'bypass',
    readonly info: SandboxNetworkInfo,
    readonly hostsFile: string,
  ) {}

  get netnsPath(): string {
    return this.link.netnsPath;
  }

  teardown(): Promise<void> {
    this.torn ??= this.run();
    return this.torn;
  }

  private async run(): Promise<void> {
    const errors: NetworkError[] = [];
    const { id, addresses } = this.link;
    const loaded = this.loaded();
    if (this.nft && loaded !== 'none') errors.push(...(await removeSandboxRules(this.nft, id, [addresses.hostIface], loaded === 'chain')));
    errors.push(...(await removeLink(this.ip, id, addresses.hostIface)));
    if (errors.length > 0) throw new CleanupFailedError(`network of ${id}`, errors);
  }
}
