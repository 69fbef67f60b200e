/**
 * Windows inspection from the guest's files: the SOFTWARE and SYSTEM hives under
 * <SystemRoot>\System32\config, and the PE header of the kernel for the architecture. Each part
 * is read on its own; a missing or damaged hive, or a damaged key inside one, leaves that part
 * empty and says why in `warnings` instead of failing the whole inspection.
 */
import { GuestguardError, GuestPathError } from '../../errors.js';
import type { GuestFileSystem } from '../../fs/vfs.js';
import { findPath } from './guest-paths.js';
import { windowsOsinfo } from './osinfo.js';
import { peArch } from './pe.js';
import { Hive } from './regf/index.js';
import { applyFirewallPolicy, readApplications, readPolicies, readProduct, readWinlogon, set } from './software.js';
import { currentControlSet, readDriveMappings, readNames, readProductType, readServices, readSystemSecurity, readTimezone } from './system.js';
import type { WindowsArch, WindowsInfo, WindowsSecurityFacts } from './types.js';

/** Where Windows lives on its system volume, newest convention first. */
const SYSTEM_ROOT_NAMES = ['Windows', 'WINNT'];
/**
 * Binaries whose PE machine field is the OS architecture (System32 holds native binaries).
 * cmd.exe is the one libguestfs reads; it is there on every install, kernels can be missing
 * from trimmed images.
 */
const ARCH_PROBES = ['System32/ntoskrnl.exe', 'System32/kernel32.dll', 'System32/hal.dll', 'System32/cmd.exe'];

/**
 * Finds the Windows directory: `systemRoot` if given (a guest path, matched
 * case-insensitively), else /Windows or /WINNT holding System32/config.
 */
export async function findSystemRoot(view: GuestFileSystem, systemRoot?: string): Promise<string> {
  const candidates = systemRoot !== undefined ? [systemRoot] : SYSTEM_ROOT_NAMES.map((n) => `/${n}`);
  for (const c of candidates) {
    const dir = await findPath(view, '/', c);
    if (dir && (await findPath(view, dir, 'System32/config'))) return dir;
  }
  throw new GuestPathError('NOT_FOUND', `no Windows system root (${candidates.join(', ')} with System32/config) in the guest`, {
    path: systemRoot ?? '/',
  });
}

/** Parts of the inspection a caller can leave out (all are read by default). */
export interface InspectWindowsOptions {
  /** Installed applications (SOFTWARE Uninstall keys); left out, `applications` stays empty. */
  applications?: boolean;
  /** Services and drivers (hundreds of SYSTEM keys); left out, `services` stays empty. */
  services?: boolean;
  /** Firewall, Remote Desktop, SMBv1, Winlogon and policy settings; left out, `security` keeps its defaults. */
  security?: boolean;
}

export async function inspectWindows(view: GuestFileSystem, systemRoot?: string, opts: InspectWindowsOptions = {}): Promise<WindowsInfo> {
  const want = { applications: opts.applications !== false, services: opts.services !== false, security: opts.security !== false };
  const root = await findSystemRoot(view, systemRoot);
  const info: WindowsInfo = {
    type: 'windows',
    system_root_path: root,
    drive_mappings: [],
    applications: [],
    services: [],
    security: emptySecurity(),
    hives: {},
    warnings: [],
  };
  const warn = (m: string) => {
    if (info.warnings.length < 200) info.warnings.push(m);
  };
  /** Runs one part of the inspection; a typed error becomes a warning, anything else is a bug and propagates. */
  const part = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof GuestguardError)) throw err;
      warn(`${what}: ${err.message}`);
      return undefined;
    }
  };

  const software = await part('SOFTWARE hive', () => openHive(view, root, 'SOFTWARE', info));
  const system = await part('SYSTEM hive', () => openHive(view, root, 'SYSTEM', info));
  const arch = await part('architecture', () => detectArch(view, root));
  set(info, 'arch', arch);

  if (software) {
    const product = await part('product information', () => readProduct(software));
    if (product) Object.assign(info, product);
  }
  let serverFromSystem: 'client' | 'server' | undefined;
  if (system) {
    const cs = await part('control set', () => currentControlSet(system));
    if (cs) {
      info.current_control_set = cs.name;
      const names = await part('computer name', () => readNames(cs.key));
      if (names) Object.assign(info, names);
      set(info, 'timezone', await part('time zone', () => readTimezone(cs.key)));
      serverFromSystem = await part('product type', () => readProductType(cs.key));
      if (want.services) info.services = (await part('services', () => readServices(cs.key, (m) => warn(m)))) ?? [];
      const sec = want.security ? await part('security settings', () => readSystemSecurity(cs.key)) : undefined;
      if (sec) Object.assign(info.security, sec);
    } else {
      warn('SYSTEM hive has no usable control set (Select\\Current)');
    }
    info.drive_mappings = (await part('mounted devices', () => readDriveMappings(system))) ?? [];
  }
  if (software && want.applications) {
    const bits = archBits(arch);
    info.applications = (await part('applications', () => readApplications(software, bits, (m) => warn(m)))) ?? [];
  }
  if (software && want.security) {
    const winlogon = await part('Winlogon', () => readWinlogon(software));
    if (winlogon) info.security.winlogon = winlogon;
    const policies = await part('policies', () => readPolicies(software));
    if (policies) {
      applyFirewallPolicy(info.security.firewall.domain, policies.firewall.domain);
      applyFirewallPolicy(info.security.firewall.private, policies.firewall.private);
      applyFirewallPolicy(info.security.firewall.public, policies.firewall.public);
      set(info.security.rdp, 'policy_deny_ts_connections', policies.deny_ts_connections);
      set(info.security.rdp, 'policy_user_authentication', policies.user_authentication);
    }
  }

  // Reader warnings (dirty hive, inconsistent lists) collected while the parts above ran.
  if (software) for (const w of software.warnings) warn(`SOFTWARE hive: ${w}`);
  if (system) for (const w of system.warnings) warn(`SYSTEM hive: ${w}`);

  const fromName = info.product_name === undefined ? undefined : /server/i.test(info.product_name) ? 'server' : 'client';
  set(info, 'product_variant', variantOf(info.installation_type) ?? serverFromSystem ?? fromName);
  set(
    info,
    'osinfo',
    windowsOsinfo({ major: info.major_version, minor: info.minor_version, build: info.build, variant: info.product_variant, productName: info.product_name }),
  );
  return info;
}

async function openHive(view: GuestFileSystem, root: string, name: 'SOFTWARE' | 'SYSTEM', info: WindowsInfo): Promise<Hive> {
  const path = await findPath(view, root, `System32/config/${name}`);
  if (!path) throw new GuestPathError('NOT_FOUND', `${root}/System32/config/${name} does not exist`, { path: `${root}/System32/config/${name}` });
  const hive = await Hive.openFile(view, path);
  info.hives[name === 'SOFTWARE' ? 'software' : 'system'] = path;
  return hive;
}

async function detectArch(view: GuestFileSystem, root: string): Promise<WindowsArch | undefined> {
  for (const rel of ARCH_PROBES) {
    const p = await findPath(view, root, rel);
    if (!p) continue;
    const arch = await peArch(view, p);
    if (arch) return arch;
  }
  return undefined;
}

function archBits(arch: WindowsArch | undefined): 32 | 64 | undefined {
  if (arch === undefined) return undefined;
  return arch === 'i386' || arch === 'arm' ? 32 : 64;
}

function variantOf(s: string | undefined): 'client' | 'server' | undefined {
  if (s === undefined) return undefined;
  if (/server/i.test(s)) return 'server';
  if (/^client$/i.test(s)) return 'client';
  return undefined;
}

function emptySecurity(): WindowsSecurityFacts {
  return {
    firewall: { domain: {}, private: {}, public: {} },
    rdp: {},
    smb1: { client_driver_present: false },
    winlogon: { default_password_present: false },
  };
}
