/**
 * Red Hat initscripts / NetworkManager-ifcfg-rh files (/etc/sysconfig/network-scripts/ifcfg-*)
 * and SUSE wicked files (/etc/sysconfig/network/ifcfg-*): shell variable files, one per
 * interface. The global GATEWAY of /etc/sysconfig/network applies to interfaces without one.
 */
import { GuestReader, joinPath } from '../reader.js';
import { parseBool, parseShellVars } from '../text.js';
import { emptyConfig, isIpv6, pushUnique, toMtu, withPrefix, type NetworkConfig } from './types.js';

const DIRS = ['/etc/sysconfig/network-scripts', '/etc/sysconfig/network'];
/** Names initscripts skips (ifup's "is_ignored_file"). */
const IGNORED = /(~|\.bak|\.old|\.orig|\.rpmnew|\.rpmorig|\.rpmsave)$/;

export async function readIfcfg(reader: GuestReader): Promise<NetworkConfig[]> {
  const out: NetworkConfig[] = [];
  const globalText = await reader.text('/etc/sysconfig/network');
  const global = globalText === undefined ? new Map<string, string>() : parseShellVars(globalText);
  for (const dir of DIRS) {
    for (const n of await reader.names(dir)) {
      if (!n.startsWith('ifcfg-') || IGNORED.test(n)) continue;
      const path = joinPath(dir, n);
      const text = await reader.text(path);
      if (text === undefined) continue;
      out.push(toConfig(path, n.slice(6), parseShellVars(text), global, dir === '/etc/sysconfig/network'));
    }
  }
  return out;
}

function toConfig(path: string, suffix: string, v: Map<string, string>, global: Map<string, string>, suse: boolean): NetworkConfig {
  const c = emptyConfig('ifcfg', path, v.get('NAME') || suffix);
  c.interface = v.get('DEVICE') || suffix;
  const type = (v.get('TYPE') ?? '').toLowerCase();
  c.type = type === 'ethernet' ? 'ethernet' : type === 'wireless' ? 'wifi' : type || (suffix === 'lo' ? 'loopback' : v.get('BONDING_OPTS') || v.get('BONDING_MASTER') ? 'bond' : null);
  if (v.get('VLAN') === 'yes') c.type = 'vlan';
  const mac = v.get('HWADDR') || v.get('MACADDR') || v.get('LLADDR');
  if (mac) c.mac_address = mac.toLowerCase();
  c.mtu = toMtu(v.get('MTU'));
  const boot = (v.get('BOOTPROTO') ?? '').toLowerCase().replace(/^'|'$/g, '');
  if (suse) {
    const start = (v.get('STARTMODE') ?? '').toLowerCase();
    c.start_on_boot = start === '' ? null : ['auto', 'onboot', 'hotplug', 'nfsroot'].includes(start);
  } else c.start_on_boot = parseBool(v.get('ONBOOT')) ?? true;

  // IPADDR, IPADDR0..N (with PREFIX/NETMASK of the same index); SUSE also IPADDR_suffix.
  for (const [k, addr] of v) {
    const m = /^IPADDR(_?\w*)?$/.exec(k);
    if (!m || addr === '') continue;
    const idx = m[1] ?? '';
    const mask = v.get(`PREFIX${idx}`) ?? v.get(`NETMASK${idx}`) ?? v.get(`PREFIXLEN${idx}`);
    const full = withPrefix(addr, mask);
    pushUnique(isIpv6(full) ? c.ipv6.addresses : c.ipv4.addresses, full);
  }
  if (boot === 'dhcp' || boot === 'dhcp4' || boot === 'bootp') c.ipv4.method = 'dhcp';
  else if (boot === 'dhcp6') c.ipv6.method = 'dhcp';
  else if (boot === 'static' || boot === 'none' || boot === '') c.ipv4.method = c.ipv4.addresses.length > 0 ? 'static' : boot === '' ? null : 'manual';
  else c.ipv4.method = 'other';
  if (suffix === 'lo') c.ipv4.method = 'loopback';
  const gw = v.get('GATEWAY') ?? (c.ipv4.addresses.length > 0 ? global.get('GATEWAY') : undefined);
  if (gw) c.ipv4.gateway = gw;

  if (parseBool(v.get('IPV6INIT')) === true) {
    for (const a of [v.get('IPV6ADDR') ?? '', ...(v.get('IPV6ADDR_SECONDARIES') ?? '').split(/\s+/)]) if (a !== '') pushUnique(c.ipv6.addresses, a);
    c.ipv6.method =
      parseBool(v.get('DHCPV6C')) === true ? 'dhcp' : c.ipv6.addresses.length > 0 ? 'static' : parseBool(v.get('IPV6_AUTOCONF')) === false ? 'manual' : 'auto';
    const gw6 = v.get('IPV6_DEFAULTGW');
    if (gw6) c.ipv6.gateway = gw6.replace(/%.*$/, '');
  } else if (v.has('IPV6INIT')) c.ipv6.method = 'disabled';
  else if (c.ipv6.addresses.length > 0 && c.ipv6.method === null) c.ipv6.method = 'static';

  for (const [k, val] of v) if (/^DNS\d+$/.test(k) && val !== '') pushUnique(c.dns, val);
  pushUnique(c.dns_search, ...(v.get('DOMAIN') ?? '').split(/\s+/));
  const master = v.get('MASTER') ?? v.get('BRIDGE');
  if (master) c.master = master;
  const physdev = v.get('PHYSDEV');
  if (physdev) pushUnique(c.members, physdev);
  const essid = v.get('ESSID') ?? v.get('WIRELESS_ESSID');
  if (essid) c.wifi_ssid = essid;
  if (v.has('WPA_PSK') || v.has('WIRELESS_WPA_PSK') || v.has('KEY1')) c.has_secrets = true;
  return c;
}
