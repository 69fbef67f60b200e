/** Mandatory access control: SELinux configuration and AppArmor installation/profiles. */
import { GuestReader, joinPath } from '../reader.js';
import { unitEnabled } from '../systemd.js';
import { parseShellVars } from '../text.js';

export interface SelinuxInfo {
  /** /etc/selinux/config exists. */
  config_present: boolean;
  /** SELINUX= as configured: enforcing, permissive or disabled. */
  mode: string | null;
  /** SELINUXTYPE= (targeted, mls, ...). */
  policy: string | null;
  /** The policy directory /etc/selinux/<policy> exists. */
  policy_installed: boolean;
  /** Boot command-line overrides of the default entry: selinux=0, enforcing=0/1. */
  cmdline: string[];
  /** Mode after applying the command line (selinux=0 → disabled, enforcing=0 → permissive). */
  effective_mode: string | null;
  /** /.autorelabel exists (a full relabel runs at next boot). */
  autorelabel: boolean;
}

export interface ApparmorInfo {
  /** apparmor_parser is installed. */
  installed: boolean;
  /** Profile files directly in /etc/apparmor.d. */
  profiles: number;
  /** Profiles disabled through /etc/apparmor.d/disable. */
  disabled_profiles: number;
  /** Profiles switched to complain mode through /etc/apparmor.d/force-complain. */
  complain_profiles: number;
  service_enabled: boolean;
  /** The default boot entry's command line has apparmor=0 (or security= naming another LSM). */
  cmdline_disabled: boolean;
}

/** The value of the last `key=` on a kernel command line. */
export function cmdlineValue(cmdline: string | null, key: string): string | undefined {
  let v: string | undefined;
  for (const w of (cmdline ?? '').split(/\s+/)) if (w.startsWith(`${key}=`)) v = w.slice(key.length + 1);
  return v;
}

export async function readSelinux(reader: GuestReader, cmdline: string | null): Promise<SelinuxInfo> {
  const text = await reader.text('/etc/selinux/config');
  const vars = text === undefined ? new Map<string, string>() : parseShellVars(text);
  const mode = vars.get('SELINUX')?.toLowerCase() ?? null;
  const policy = vars.get('SELINUXTYPE') ?? null;
  const over: string[] = [];
  const sel = cmdlineValue(cmdline, 'selinux');
  const enf = cmdlineValue(cmdline, 'enforcing');
  if (sel !== undefined) over.push(`selinux=${sel}`);
  if (enf !== undefined) over.push(`enforcing=${enf}`);
  let effective = mode;
  if (sel === '0') effective = 'disabled';
  else if (effective !== null && effective !== 'disabled' && enf !== undefined) effective = enf === '0' ? 'permissive' : 'enforcing';
  return {
    config_present: text !== undefined,
    mode,
    policy,
    policy_installed: policy !== null && (await reader.isDir(joinPath('/etc/selinux', policy))),
    cmdline: over,
    effective_mode: effective,
    autorelabel: await reader.exists('/.autorelabel'),
  };
}

export async function readApparmor(reader: GuestReader, cmdline: string | null): Promise<ApparmorInfo> {
  const installed = (await reader.isFile('/sbin/apparmor_parser')) || (await reader.isFile('/usr/sbin/apparmor_parser'));
  let profiles = 0;
  for (const e of await reader.readdir('/etc/apparmor.d')) {
    if (e.name.startsWith('.') || e.name.endsWith('~') || e.name.endsWith('.dpkg-old') || e.name.endsWith('.rpmsave')) continue;
    const st = await reader.stat(joinPath('/etc/apparmor.d', e.name));
    if (st?.type === 'file') profiles++;
  }
  const aa = cmdlineValue(cmdline, 'apparmor');
  const security = cmdlineValue(cmdline, 'security');
  const lsm = cmdlineValue(cmdline, 'lsm');
  return {
    installed,
    profiles,
    disabled_profiles: (await reader.names('/etc/apparmor.d/disable')).length,
    complain_profiles: (await reader.names('/etc/apparmor.d/force-complain')).length,
    service_enabled: await unitEnabled(reader, 'apparmor.service'),
    cmdline_disabled: aa === '0' || (security !== undefined && security !== 'apparmor') || (lsm !== undefined && !lsm.split(',').includes('apparmor')),
  };
}
