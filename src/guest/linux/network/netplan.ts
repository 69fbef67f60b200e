/**
 * netplan(5): *.yaml in /lib/netplan and /etc/netplan (a same-named file in /etc shadows the one
 * in /lib), read in file-name order and merged — mappings deep-merged, later scalars winning,
 * sequences appended — as `netplan generate` does.
 */
import { safeYaml } from '../cloud-init.js';
import { GuestReader, joinPath } from '../reader.js';
import { emptyConfig, isIpv6, pushUnique, toMtu, type NetworkConfig } from './types.js';

const DIRS = ['/etc/netplan', '/lib/netplan', '/usr/lib/netplan'];
const KINDS: Record<string, string> = {
  ethernets: 'ethernet',
  wifis: 'wifi',
  bonds: 'bond',
  bridges: 'bridge',
  vlans: 'vlan',
  tunnels: 'tunnel',
  vrfs: 'vrf',
  modems: 'modem',
  'dummy-devices': 'dummy',
  'virtual-ethernets': 'veth',
};
const MAX_MERGE_DEPTH = 32;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(into: Obj, from: Obj, depth = 0): void {
  if (depth > MAX_MERGE_DEPTH) return;
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (isObj(cur) && isObj(v)) merge(cur, v, depth + 1);
    else if (Array.isArray(cur) && Array.isArray(v)) into[k] = [...cur, ...v];
    else into[k] = v;
  }
}

function truthy(v: unknown): boolean {
  return v === true || (typeof v === 'string' && ['true', 'yes', 'on', 'y'].includes(v.toLowerCase()));
}

function strList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => (isObj(x) ? Object.keys(x)[0] ?? '' : String(x))).filter((s) => s !== '');
  if (typeof v === 'string') return [v];
  return [];
}

export async function readNetplan(reader: GuestReader): Promise<NetworkConfig[]> {
  const byName = new Map<string, string>();
  for (const dir of DIRS) {
    for (const n of await reader.names(dir)) if (n.endsWith('.yaml') && !byName.has(n)) byName.set(n, joinPath(dir, n));
  }
  const merged: Obj = {};
  // Which file last touched each device definition.
  const lastFile = new Map<string, string>();
  for (const n of [...byName.keys()].sort()) {
    const path = byName.get(n)!;
    const text = await reader.text(path);
    if (text === undefined) continue;
    const doc = await safeYaml(reader, path, text);
    if (!isObj(doc) || !isObj(doc['network'])) continue;
    const net = doc['network'];
    for (const kind of Object.keys(KINDS)) {
      const defs = net[kind];
      if (isObj(defs)) for (const id of Object.keys(defs)) lastFile.set(`${kind}/${id}`, path);
    }
    merge(merged, net);
  }
  const out: NetworkConfig[] = [];
  for (const [kind, type] of Object.entries(KINDS)) {
    const defs = merged[kind];
    if (!isObj(defs)) continue;
    for (const [id, def] of Object.entries(defs)) {
      if (!isObj(def)) continue;
      out.push(toConfig(id, type, def, lastFile.get(`${kind}/${id}`) ?? ''));
    }
  }
  return out;
}

function toConfig(id: string, type: string, def: Obj, file: string): NetworkConfig {
  const c = emptyConfig('netplan', file, id);
  c.type = type;
  const match = isObj(def['match']) ? def['match'] : undefined;
  const setName = typeof def['set-name'] === 'string' ? def['set-name'] : undefined;
  const matchName = typeof match?.['name'] === 'string' ? match['name'] : undefined;
  // Without a match block the id is the interface name.
  c.interface = setName ?? (match ? (matchName ?? null) : id);
  const mac = def['macaddress'] ?? match?.['macaddress'];
  if (typeof mac === 'string') c.mac_address = mac.toLowerCase();
  const addrs = strList(def['addresses']);
  c.ipv4.addresses = addrs.filter((a) => !isIpv6(a));
  c.ipv6.addresses = addrs.filter(isIpv6);
  c.ipv4.method = truthy(def['dhcp4']) ? 'dhcp' : c.ipv4.addresses.length > 0 ? 'static' : null;
  c.ipv6.method = truthy(def['dhcp6']) ? 'dhcp' : c.ipv6.addresses.length > 0 ? 'static' : null;
  if (typeof def['gateway4'] === 'string') c.ipv4.gateway = def['gateway4'];
  if (typeof def['gateway6'] === 'string') c.ipv6.gateway = def['gateway6'];
  if (Array.isArray(def['routes'])) {
    for (const r of def['routes']) {
      if (!isObj(r) || typeof r['to'] !== 'string') continue;
      const via = typeof r['via'] === 'string' ? r['via'] : null;
      const to = r['to'] === '0.0.0.0/0' || r['to'] === '::/0' ? 'default' : r['to'];
      c.routes.push({ to, via });
      if (to === 'default' && via) {
        const fam = isIpv6(via) ? c.ipv6 : c.ipv4;
        fam.gateway ??= via;
      }
    }
  }
  const ns = isObj(def['nameservers']) ? def['nameservers'] : undefined;
  if (ns) {
    pushUnique(c.dns, ...strList(ns['addresses']));
    pushUnique(c.dns_search, ...strList(ns['search']));
  }
  c.mtu = toMtu(def['mtu']);
  pushUnique(c.members, ...strList(def['interfaces']));
  if (typeof def['link'] === 'string') pushUnique(c.members, def['link']);
  const mode = def['activation-mode'];
  c.start_on_boot = mode === 'off' || mode === 'manual' ? false : true;
  if (isObj(def['access-points'])) {
    const aps = Object.entries(def['access-points']);
    c.wifi_ssid = aps[0]?.[0] ?? null;
    c.has_secrets = aps.some(([, ap]) => isObj(ap) && (ap['password'] !== undefined || (isObj(ap['auth']) && ap['auth']['password'] !== undefined)));
  }
  if (isObj(def['auth']) && def['auth']['password'] !== undefined) c.has_secrets = true;
  return c;
}
