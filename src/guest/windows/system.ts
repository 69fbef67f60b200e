/** Facts from the SYSTEM hive: control set, names, services, drive letters, security settings. */
import { GuestguardError } from '../../errors.js';
import { decodeMountedDevice } from './mounted-devices.js';
import type { Hive, RegistryKey } from './regf/index.js';
import { ValueMap } from './registry-values.js';
import { set } from './software.js';
import type { ServiceStart, ServiceType, WindowsDriveMapping, WindowsSecurityFacts, WindowsService } from './types.js';

/** The control set in use: Select\\Current (else Default, else 1) → "ControlSet00N". */
export async function currentControlSet(system: Hive): Promise<{ name: string; key: RegistryKey } | undefined> {
  const sel = await ValueMap.of(await system.get('Select'));
  const candidates = [sel.num('Current'), sel.num('Default'), 1];
  for (const n of candidates) {
    if (n === undefined || n < 1 || n > 999) continue;
    const name = `ControlSet${String(n).padStart(3, '0')}`;
    const key = await system.root.subkey(name);
    if (key) return { name, key };
  }
  return undefined;
}

async function sub(key: RegistryKey, path: string): Promise<RegistryKey | undefined> {
  let k: RegistryKey | undefined = key;
  for (const p of path.split('\\')) {
    k = await k.subkey(p);
    if (!k) return undefined;
  }
  return k;
}

export async function readNames(cs: RegistryKey): Promise<{ hostname?: string; domain?: string }> {
  const out: { hostname?: string; domain?: string } = {};
  const cn = await ValueMap.of(await sub(cs, 'Control\\ComputerName\\ComputerName'));
  const tcpip = await ValueMap.of(await sub(cs, 'Services\\Tcpip\\Parameters'));
  // The DNS host name first, as libguestfs reads it (Tcpip\Parameters\Hostname): ComputerName is
  // the NetBIOS name, upper-cased and cut to 15 characters.
  set(out, 'hostname', tcpip.str('Hostname') ?? tcpip.str('NV Hostname') ?? cn.str('ComputerName'));
  set(out, 'domain', tcpip.str('Domain') ?? tcpip.str('NV Domain'));
  return out;
}

export async function readTimezone(cs: RegistryKey): Promise<string | undefined> {
  const tz = await ValueMap.of(await sub(cs, 'Control\\TimeZoneInformation'));
  return tz.str('TimeZoneKeyName') ?? tz.str('StandardName');
}

/** ProductOptions ProductType: "WinNT" is a workstation, "ServerNT"/"LanmanNT" a server (or DC). */
export async function readProductType(cs: RegistryKey): Promise<'client' | 'server' | undefined> {
  const t = (await ValueMap.of(await sub(cs, 'Control\\ProductOptions'))).str('ProductType')?.toUpperCase();
  if (t === 'WINNT') return 'client';
  if (t === 'SERVERNT' || t === 'LANMANNT') return 'server';
  return undefined;
}

const START: ServiceStart[] = ['boot', 'system', 'automatic', 'manual', 'disabled'];

export function serviceStart(v: number | undefined): ServiceStart {
  return v === undefined ? 'unknown' : (START[v] ?? 'unknown');
}

/** The service type bits (SERVICE_KERNEL_DRIVER ... SERVICE_USER_SHARE_PROCESS); 0x100 is "interactive". */
export function serviceType(v: number): ServiceType {
  const t = v & ~0x100;
  if (t & 0x1) return 'kernel_driver';
  if (t & 0x2) return 'filesystem_driver';
  if (t & 0x4) return 'adapter';
  if (t & 0x8) return 'recognizer_driver';
  if (t & 0x40) return t & 0x20 ? 'user_share_process' : 'user_own_process';
  if (t & 0x10) return 'own_process';
  if (t & 0x20) return 'share_process';
  return 'unknown';
}

/** Services and drivers: every Services subkey that has a Type value. */
export async function readServices(cs: RegistryKey, warn: (m: string) => void): Promise<WindowsService[]> {
  const services = await cs.subkey('Services');
  if (!services) return [];
  const out: WindowsService[] = [];
  // Hundreds of keys: each one's values are taken without waiting when the hive is in memory.
  for (const key of services.subkeysNow() ?? (await services.subkeys())) {
    try {
      const svc = serviceFrom(key, new ValueMap(key.valuesNow() ?? (await key.values())));
      if (!svc) continue;
      if (svc.type === 'share_process' || svc.type === 'user_share_process') {
        set(svc, 'service_dll', (await ValueMap.of(await key.subkey('Parameters'))).str('ServiceDll') ?? svc.service_dll);
      }
      out.push(svc);
    } catch (err) {
      if (!(err instanceof GuestguardError)) throw err;
      warn(`service ${key.name}: ${err.message}`);
    }
  }
  return out;
}

/** A service from its key's values (service_dll from the key itself; Parameters is read by the caller). */
function serviceFrom(key: RegistryKey, v: ValueMap): WindowsService | undefined {
  const typeValue = v.num('Type');
  if (typeValue === undefined) return undefined;
  const startValue = v.num('Start');
  const type = serviceType(typeValue);
  const svc: WindowsService = {
    name: key.name,
    start: serviceStart(startValue),
    delayed_auto_start: startValue === 2 && v.num('DelayedAutostart') === 1,
    type,
    type_value: typeValue,
    interactive: (typeValue & 0x100) !== 0,
  };
  set(svc, 'start_value', startValue);
  set(svc, 'display_name', v.str('DisplayName'));
  set(svc, 'description', v.str('Description'));
  set(svc, 'image_path', v.str('ImagePath'));
  set(svc, 'account', v.str('ObjectName'));
  set(svc, 'group', v.str('Group'));
  if (type === 'share_process' || type === 'user_share_process') set(svc, 'service_dll', v.str('ServiceDll'));
  return svc;
}

export async function readDriveMappings(system: Hive): Promise<WindowsDriveMapping[]> {
  const key = await system.get('MountedDevices');
  if (!key) return [];
  const out: WindowsDriveMapping[] = [];
  for (const v of await key.values()) {
    const m = decodeMountedDevice(v.name, v.raw);
    if (m) out.push(m);
  }
  return out.sort((a, b) => (a.drive < b.drive ? -1 : a.drive > b.drive ? 1 : 0));
}

/** Firewall, Remote Desktop and SMBv1 settings as the SYSTEM hive stores them. */
export async function readSystemSecurity(cs: RegistryKey): Promise<Omit<WindowsSecurityFacts, 'winlogon'>> {
  const fw = (p: string) => sub(cs, `Services\\SharedAccess\\Parameters\\FirewallPolicy\\${p}`).then(ValueMap.of);
  const firewall: WindowsSecurityFacts['firewall'] = { domain: {}, private: {}, public: {} };
  set(firewall.domain, 'enable_firewall', (await fw('DomainProfile')).num('EnableFirewall'));
  set(firewall.private, 'enable_firewall', (await fw('StandardProfile')).num('EnableFirewall'));
  set(firewall.public, 'enable_firewall', (await fw('PublicProfile')).num('EnableFirewall'));

  const ts = await ValueMap.of(await sub(cs, 'Control\\Terminal Server'));
  const rdpTcp = await ValueMap.of(await sub(cs, 'Control\\Terminal Server\\WinStations\\RDP-Tcp'));
  const rdp: WindowsSecurityFacts['rdp'] = {};
  set(rdp, 'deny_ts_connections', ts.num('fDenyTSConnections'));
  set(rdp, 'user_authentication', rdpTcp.num('UserAuthentication'));
  set(rdp, 'security_layer', rdpTcp.num('SecurityLayer'));
  set(rdp, 'port_number', rdpTcp.num('PortNumber'));

  const lanman = await ValueMap.of(await sub(cs, 'Services\\LanmanServer\\Parameters'));
  const mrxsmb10 = await sub(cs, 'Services\\mrxsmb10');
  const smb1: WindowsSecurityFacts['smb1'] = { client_driver_present: mrxsmb10 !== undefined };
  set(smb1, 'server_smb1', lanman.num('SMB1'));
  if (mrxsmb10) smb1.client_driver_start = serviceStart((await ValueMap.of(mrxsmb10)).num('Start'));
  return { firewall, rdp, smb1 };
}
