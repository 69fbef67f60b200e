/**
 * NetworkManager keyfiles (nm-settings-keyfile(5)) in /etc/NetworkManager/system-connections and
 * /usr/lib/NetworkManager/system-connections: GLib key files with [connection], [ethernet] or
 * [wifi], [ipv4] and [ipv6] groups. Secrets (psk, password) are detected, never reported.
 */
import { GuestReader, joinPath } from '../reader.js';
import { parseBool } from '../text.js';
import { iniGet, parseIni, type IniEntry } from '../unit-file.js';
import { emptyConfig, isIpv6, pushUnique, toMtu, type IpConfig, type IpMethod, type NetworkConfig } from './types.js';

const DIRS = ['/etc/NetworkManager/system-connections', '/usr/lib/NetworkManager/system-connections'];
/** Names the keyfile plugin ignores (backups, editor and package-manager leftovers). */
const IGNORED = /(~|\.bak|\.orig|\.rej|\.swp|\.tmp|\.rpmnew|\.rpmsave|\.dpkg-[a-z]+|\.pacnew|\.pacsave)$|^\./;

const TYPES: Record<string, string> = {
  '802-3-ethernet': 'ethernet',
  ethernet: 'ethernet',
  '802-11-wireless': 'wifi',
  wifi: 'wifi',
  bond: 'bond',
  bridge: 'bridge',
  vlan: 'vlan',
  loopback: 'loopback',
  wireguard: 'wireguard',
  vpn: 'vpn',
  team: 'team',
  infiniband: 'infiniband',
  'ip-tunnel': 'tunnel',
};

export async function readNetworkManager(reader: GuestReader): Promise<NetworkConfig[]> {
  const out: NetworkConfig[] = [];
  const seen = new Set<string>();
  for (const dir of DIRS) {
    for (const n of await reader.names(dir)) {
      if (IGNORED.test(n) || seen.has(n)) continue;
      const path = joinPath(dir, n);
      const text = await reader.text(path);
      if (text === undefined) continue;
      seen.add(n);
      const ini = parseIni(text, { continuation: false, comments: '#' });
      if (!ini.some((e) => e.section === 'connection')) continue;
      out.push(toConfig(path, n, ini));
    }
  }
  return out;
}

function toConfig(path: string, fileName: string, ini: IniEntry[]): NetworkConfig {
  const get = (s: string, k: string) => iniGet(ini, s, k);
  const c = emptyConfig('networkmanager', path, get('connection', 'id') ?? fileName.replace(/\.nmconnection$/, ''));
  const rawType = get('connection', 'type') ?? '';
  c.type = TYPES[rawType] ?? (rawType || null);
  c.interface = get('connection', 'interface-name') ?? null;
  c.start_on_boot = parseBool(get('connection', 'autoconnect')) ?? true;
  const eth = c.type === 'wifi' ? (ini.some((e) => e.section === 'wifi') ? 'wifi' : '802-11-wireless') : ini.some((e) => e.section === 'ethernet') ? 'ethernet' : '802-3-ethernet';
  const mac = get(eth, 'mac-address');
  if (mac) c.mac_address = mac.toLowerCase();
  c.mtu = toMtu(get(eth, 'mtu'));
  if (c.type === 'wifi') c.wifi_ssid = get(eth, 'ssid') ?? null;
  c.has_secrets = ini.some(
    (e) => (e.section === 'wifi-security' && /^(psk|wep-key\d|leap-password)$/.test(e.key)) || (e.section === '802-1x' && /password$/.test(e.key)) || (e.section === 'vpn-secrets' && e.value !== '') || (e.section === 'wireguard' && e.key === 'private-key'),
  );
  c.master = get('connection', 'controller') ?? get('connection', 'master') ?? null;
  const parent = get('vlan', 'parent');
  if (parent) pushUnique(c.members, parent);
  applyIp(ini, 'ipv4', c.ipv4, c);
  applyIp(ini, 'ipv6', c.ipv6, c);
  return c;
}

function methodOf(m: string | undefined): IpMethod | null {
  switch (m) {
    case undefined:
      return null;
    case 'auto':
    case 'dhcp':
      return m === 'auto' ? 'auto' : 'dhcp';
    case 'manual':
      return 'static';
    case 'disabled':
      return 'disabled';
    case 'ignore':
      return 'ignore';
    case 'link-local':
      return 'link-local';
    case 'shared':
      return 'shared';
    default:
      return 'other';
  }
}

function applyIp(ini: IniEntry[], section: string, fam: IpConfig, c: NetworkConfig): void {
  const entries = ini.filter((e) => e.section === section);
  if (entries.length === 0) return;
  fam.method = methodOf(iniGet(ini, section, 'method'));
  // addressN / addressesN = "ADDR/PREFIX[,GATEWAY]"; old files also use "addresses=A;B;".
  for (const e of entries.filter((x) => /^address(es)?\d*$/.test(x.key)).sort((a, b) => keyIndex(a.key) - keyIndex(b.key))) {
    for (const item of e.value.split(';').filter((s) => s.trim() !== '')) {
      const [addr, gw] = item.split(',').map((s) => s.trim());
      if (addr) pushUnique(fam.addresses, addr);
      if (gw && !fam.gateway) fam.gateway = gw;
    }
  }
  const gw = iniGet(ini, section, 'gateway');
  if (gw) fam.gateway = gw;
  pushUnique(c.dns, ...(iniGet(ini, section, 'dns') ?? '').split(/[;,]/).map((s) => s.trim()));
  pushUnique(c.dns_search, ...(iniGet(ini, section, 'dns-search') ?? '').split(/[;,]/).map((s) => s.trim()));
  for (const e of entries.filter((x) => /^routes?\d*$/.test(x.key))) {
    for (const item of e.value.split(';').filter((s) => s.trim() !== '')) {
      const [to, via] = item.split(',').map((s) => s.trim());
      if (to) c.routes.push({ to: to === '0.0.0.0/0' || to === '::/0' ? 'default' : to, via: via && via !== (isIpv6(to) ? '::' : '0.0.0.0') ? via : null });
    }
  }
}

function keyIndex(k: string): number {
  const m = /(\d+)$/.exec(k);
  return m ? Number(m[1]) : 0;
}
