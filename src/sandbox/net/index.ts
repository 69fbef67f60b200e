/**
 * Sandbox networking: `none` (an empty namespace, loopback only) or an egress allowlist through
 * a veth pair, filtered by nftables rules in the host's `inet guestguard` table.
 */
export { setupNetwork, firewallMode, type SandboxNetwork, type SetupOptions } from './setup.js';
export {
  parseAllowEntry,
  parseAllowList,
  resolveAllowlist,
  formatRule,
  hostsFile,
  type AllowEntry,
  type AllowRule,
  type Protocol,
  type Resolver,
  type ResolvedAllowlist,
} from './allowlist.js';
export {
  NetworkError,
  PrivilegeRequiredError,
  NftablesNotAvailableError,
  TableCreationFailedError,
  RuleAdditionFailedError,
  LinkingFailedError,
  CleanupFailedError,
  type NetworkErrorKind,
  type FailedCommand,
} from './errors.js';
export { sweepNetwork, findNetworkLeftovers, type NetworkLeftovers, type SweepReport } from './sweep.js';
export { networkChecks } from './doctor.js';
export { TABLE, TABLE_FAMILY, IFACE_PREFIX, DEFAULT_POOL } from './naming.js';
