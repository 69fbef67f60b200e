/**
 * Linux guest inspection: identity (what virt-inspector reports, computed the libguestfs way,
 * and more), services, users and groups, network, boot and security configuration. Everything
 * is read through the guest view (GuestFileSystem); nothing on the host is consulted.
 *
 * Each section can be run alone; inspectLinux runs the chosen ones over one shared reader so
 * files used by several sections (systemd units, the boot menu) are read once. A section that
 * fails on a corrupt filesystem is reported in `errors` and the others still run.
 */
import type { GuestFileSystem } from '../../fs/vfs.js';
import type { FstabEntry } from '../fstab.js';
import { inspectLinuxBoot, type LinuxBoot } from './boot/index.js';
import { inspectLinuxIdentity, type LinuxIdentity } from './identity.js';
import { inspectLinuxNetwork, type LinuxNetwork } from './network/index.js';
import { GuestReader } from './reader.js';
import { inspectLinuxSecurity, type LinuxSecurity } from './security/index.js';
import { inspectLinuxServices, type LinuxServices } from './services.js';
import { inspectLinuxUsers, type LinuxUsers } from './users.js';

export { GuestReader } from './reader.js';
export { inspectLinuxIdentity, detectArch, detectHostname, detectTimezone, detectLocale, type LinuxIdentity, type LocaleInfo } from './identity.js';
export { detectDistro, readOsRelease, parseMajorMinor, type DistroData, type OsRelease } from './distro.js';
export { linuxOsinfo } from './osinfo.js';
export { parseElfHeader, type ElfInfo } from './elf.js';
export { detectInitSystem, type InitSystem, type InitInfo } from './init-system.js';
export type { CloudInitInfo } from './cloud-init.js';
export type { GuestTool, GuestToolId, GuestTools } from './guest-tools.js';
export { inspectLinuxServices, type LinuxServices, type ServiceInfo, type ServiceSource, type ServiceState } from './services.js';
export { readSystemd, systemdDb, unitEnabled, SystemdDb, type SystemdConfig, type SystemdUnit, type UnitState } from './systemd.js';
export { inspectLinuxUsers, hashAlgorithm, type LinuxUsers, type UserAccount, type GroupInfo, type PasswordInfo, type PasswordAging, type PasswordKind } from './users.js';
export { readSudoers, ruleMatchesUser, type SudoRule, type SudoersInfo } from './sudoers.js';
export * from './network/index.js';
export * from './boot/index.js';
export * from './security/index.js';

export type LinuxSection = 'identity' | 'services' | 'users' | 'network' | 'boot' | 'security';

export interface InspectLinuxOptions {
  /** Sections to run; all when omitted. A section set to false is skipped and absent from the result. */
  sections?: Partial<Record<LinuxSection, boolean>>;
  /** fstab entries of the guest, for the mount-option facts of the security section. */
  fstab?: FstabEntry[];
}

export interface LinuxInfo {
  identity?: LinuxIdentity;
  services?: LinuxServices;
  users?: LinuxUsers;
  network?: LinuxNetwork;
  boot?: LinuxBoot;
  security?: LinuxSecurity;
  /** Files that could not be read or parsed (corrupt, oversized, bad YAML); the rest of the section still ran. */
  warnings: string[];
  /** Sections that failed as a whole. */
  errors: { section: LinuxSection; message: string }[];
}

export async function inspectLinux(view: GuestFileSystem, opts: InspectLinuxOptions = {}): Promise<LinuxInfo> {
  const reader = new GuestReader(view);
  const want = (s: LinuxSection) => opts.sections?.[s] ?? true;
  const info: LinuxInfo = { warnings: reader.warnings, errors: [] };
  const run = async <T>(section: LinuxSection, fn: () => Promise<T>): Promise<T | undefined> => {
    if (!want(section)) return undefined;
    try {
      return await fn();
    } catch (err) {
      info.errors.push({ section, message: err instanceof Error ? err.message : String(err) });
      return undefined;
    }
  };
  info.identity = await run('identity', () => inspectLinuxIdentity(reader));
  info.services = await run('services', () => inspectLinuxServices(reader));
  info.users = await run('users', () => inspectLinuxUsers(reader));
  info.network = await run('network', () => inspectLinuxNetwork(reader));
  info.boot = await run('boot', () => inspectLinuxBoot(reader));
  info.security = await run('security', () => inspectLinuxSecurity(reader, opts.fstab ? { fstab: opts.fstab } : {}));
  for (const k of ['identity', 'services', 'users', 'network', 'boot', 'security'] as const) if (info[k] === undefined) delete info[k];
  return info;
}
