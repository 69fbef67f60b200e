/** Network configuration, normalised across the tools that write it. */

export type NetworkSource = 'ifupdown' | 'netplan' | 'networkmanager' | 'ifcfg' | 'networkd';

/** How an address family is configured. */
export type IpMethod = 'dhcp' | 'static' | 'auto' | 'manual' | 'disabled' | 'link-local' | 'shared' | 'loopback' | 'ignore' | 'other';

export interface IpConfig {
  /** null when the file says nothing about this family. */
  method: IpMethod | null;
  /** Static addresses in CIDR form (192.0.2.10/24, 2001:db8::5/64). */
  addresses: string[];
  gateway: string | null;
}

export interface RouteConfig {
  /** Destination in CIDR form, or "default". */
  to: string;
  via: string | null;
}

export interface NetworkConfig {
  source: NetworkSource;
  /** File that defines it (the last file that contributed, for merged netplan definitions). */
  file: string;
  /** Interface name, netplan id, or NetworkManager connection id. */
  name: string;
  /** Kernel interface name it applies to, when the file names one (match name, DEVICE, interface-name). */
  interface: string | null;
  /** ethernet, wifi, bond, bridge, vlan, loopback, ... where known. */
  type: string | null;
  mac_address: string | null;
  /** Brought up at boot (auto / allow-hotplug, ONBOOT, autoconnect); null when the format has no such switch. */
  start_on_boot: boolean | null;
  ipv4: IpConfig;
  ipv6: IpConfig;
  dns: string[];
  dns_search: string[];
  routes: RouteConfig[];
  mtu: number | null;
  /** Bond slaves, bridge ports, or a VLAN's parent link. */
  members: string[];
  /** The bond or bridge this interface is enslaved to. */
  master: string | null;
  wifi_ssid: string | null;
  /** A pre-shared key or password is stored in the file (its value is never reported). */
  has_secrets: boolean;
}

export function emptyConfig(source: NetworkSource, file: string, name: string): NetworkConfig {
  return {
    source,
    file,
    name,
    interface: null,
    type: null,
    mac_address: null,
    start_on_boot: null,
    ipv4: { method: null, addresses: [], gateway: null },
    ipv6: { method: null, addresses: [], gateway: null },
    dns: [],
    dns_search: [],
    routes: [],
    mtu: null,
    members: [],
    master: null,
    wifi_ssid: null,
    has_secrets: false,
  };
}

/** Dotted netmask or prefix length → prefix length; undefined when it is neither. */
export function prefixLength(mask: string): number | undefined {
  const m = mask.trim();
  if (/^\d{1,3}$/.test(m)) {
    const n = Number(m);
    return n <= 128 ? n : undefined;
  }
  const parts = m.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  const bits = parts.map((p) => Number(p).toString(2).padStart(8, '0')).join('');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') < 0 ? 32 : bits.indexOf('0') : undefined;
}

export function isIpv6(addr: string): boolean {
  return addr.includes(':');
}

/** Adds "/prefix" when a netmask is known and the address has none. */
export function withPrefix(addr: string, mask?: string): string {
  if (addr.includes('/') || mask === undefined) return addr;
  const p = prefixLength(mask);
  return p === undefined ? addr : `${addr}/${p}`;
}

export function toMtu(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

export function pushUnique(list: string[], ...items: string[]): void {
  for (const i of items) if (i !== '' && !list.includes(i)) list.push(i);
}
