/** Facts from the SOFTWARE hive: product and version, installed applications, Winlogon, policies. */
import { GuestguardError } from '../../errors.js';
import type { Hive, RegistryKey } from './regf/index.js';
import { ValueMap } from './registry-values.js';
import type { FirewallProfileFacts, WindowsApplication, WindowsSecurityFacts } from './types.js';

const CURRENT_VERSION = 'Microsoft\\Windows NT\\CurrentVersion';
const UNINSTALL = 'Microsoft\\Windows\\CurrentVersion\\Uninstall';
const WOW_UNINSTALL = 'WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall';

export interface ProductInfo {
  product_name?: string;
  edition?: string;
  major_version?: number;
  minor_version?: number;
  build?: number;
  update_build_revision?: number;
  display_version?: string;
  installation_type?: string;
  system_root?: string;
  install_time?: string;
}

export async function readProduct(software: Hive): Promise<ProductInfo> {
  const v = await ValueMap.of(await software.get(CURRENT_VERSION));
  const out: ProductInfo = {};
  set(out, 'product_name', v.str('ProductName'));
  set(out, 'edition', v.str('EditionID'));
  let major = v.num('CurrentMajorVersionNumber');
  let minor = v.num('CurrentMinorVersionNumber');
  if (major === undefined) {
    // Before Windows 10 (and still, frozen at "6.3", after it): "major.minor".
    const m = /^\s*(\d+)\.(\d+)/.exec(v.str('CurrentVersion') ?? '');
    if (m) {
      major = Number(m[1]);
      minor = Number(m[2]);
    }
  }
  set(out, 'major_version', major);
  set(out, 'minor_version', minor);
  set(out, 'build', v.numOrString('CurrentBuildNumber') ?? v.numOrString('CurrentBuild'));
  set(out, 'update_build_revision', v.num('UBR'));
  set(out, 'display_version', v.str('DisplayVersion') ?? v.str('ReleaseId'));
  set(out, 'installation_type', v.str('InstallationType'));
  set(out, 'system_root', v.str('SystemRoot') ?? v.str('PathName'));
  const installDate = v.num('InstallDate');
  if (installDate !== undefined && installDate > 0) out.install_time = new Date(installDate * 1000).toISOString();
  return out;
}

/** Applications registered for Programs and Features, native and (on 64-bit Windows) 32-bit. */
export async function readApplications(
  software: Hive,
  osBits: 32 | 64 | undefined,
  warn: (m: string) => void,
): Promise<WindowsApplication[]> {
  const out: WindowsApplication[] = [];
  const wow = await software.get(WOW_UNINSTALL);
  // A WOW6432Node only exists on 64-bit Windows, which tells the bitness when no binary did.
  const nativeBits = osBits ?? (wow ? 64 : undefined);
  for (const [path, bits] of [
    [UNINSTALL, nativeBits],
    [WOW_UNINSTALL, 32],
  ] as const) {
    const key = path === WOW_UNINSTALL ? wow : await software.get(path);
    if (!key) continue;
    for (const sub of await key.subkeys()) {
      try {
        out.push(await readApplication(sub, path, bits));
      } catch (err) {
        if (!(err instanceof GuestguardError)) throw err;
        warn(`application ${sub.name}: ${err.message}`);
      }
    }
  }
  return out;
}

async function readApplication(key: RegistryKey, parent: string, bits: 32 | 64 | undefined): Promise<WindowsApplication> {
  const v = await ValueMap.of(key);
  const app: WindowsApplication = { name: key.name, system_component: v.num('SystemComponent') === 1, registry_key: `${parent}\\${key.name}` };
  set(app, 'display_name', v.str('DisplayName'));
  set(app, 'version', v.str('DisplayVersion'));
  set(app, 'publisher', v.str('Publisher'));
  set(app, 'install_date', v.text('InstallDate'));
  set(app, 'install_location', v.str('InstallLocation'));
  set(app, 'uninstall_string', v.str('UninstallString'));
  set(app, 'url', v.str('URLInfoAbout'));
  set(app, 'bits', bits);
  return app;
}

export async function readWinlogon(software: Hive): Promise<WindowsSecurityFacts['winlogon']> {
  const key = await software.get(`${CURRENT_VERSION}\\Winlogon`);
  // DefaultPassword is checked by name only: its data never enters the report.
  const names = key ? await key.valueNames() : [];
  const wanted = new Set(['AUTOADMINLOGON', 'DEFAULTUSERNAME', 'DEFAULTDOMAINNAME']);
  const values = [];
  for (const n of names) if (wanted.has(n.name.toUpperCase())) values.push(await key!.value(n.name));
  const v = new ValueMap(values.filter((x) => x !== undefined));
  const out: WindowsSecurityFacts['winlogon'] = { default_password_present: names.some((n) => n.name.toUpperCase() === 'DEFAULTPASSWORD') };
  set(out, 'auto_admin_logon', v.text('AutoAdminLogon'));
  set(out, 'default_user_name', v.str('DefaultUserName'));
  set(out, 'default_domain_name', v.str('DefaultDomainName'));
  return out;
}

export interface SoftwarePolicies {
  firewall: { domain?: number; private?: number; public?: number };
  deny_ts_connections?: number;
  user_authentication?: number;
}

/** Group Policy settings that override the local firewall and Remote Desktop configuration. */
export async function readPolicies(software: Hive): Promise<SoftwarePolicies> {
  const out: SoftwarePolicies = { firewall: {} };
  for (const [profile, key] of [
    ['domain', 'DomainProfile'],
    ['private', 'PrivateProfile'],
    ['public', 'PublicProfile'],
  ] as const) {
    set(out.firewall, profile, (await ValueMap.of(await software.get(`Policies\\Microsoft\\WindowsFirewall\\${key}`))).num('EnableFirewall'));
  }
  const ts = await ValueMap.of(await software.get('Policies\\Microsoft\\Windows NT\\Terminal Services'));
  set(out, 'deny_ts_connections', ts.num('fDenyTSConnections'));
  set(out, 'user_authentication', ts.num('UserAuthentication'));
  return out;
}

export function applyFirewallPolicy(facts: FirewallProfileFacts, policy: number | undefined): void {
  if (policy !== undefined) facts.policy_enable_firewall = policy;
}

/** Sets an optional property only when there is a value (exactOptionalPropertyTypes-friendly, no undefined keys in JSON). */
export function set<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) obj[key] = value;
}
