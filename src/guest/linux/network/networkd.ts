/**
 * systemd-networkd .network files (systemd.network(5)): looked up by file name across
 * /etc/systemd/network, /usr/local/lib/systemd/network, /usr/lib/systemd/network and
 * /lib/systemd/network (first directory wins; a link to /dev/null masks), applied in name
 * order, with <name>.network.d/*.conf drop-ins appended.
 */
import { GuestReader, joinPath } from '../reader.js';
import { iniGet, iniList, parseIni } from '../unit-file.js';
import { emptyConfig, isIpv6, pushUnique, toMtu, type NetworkConfig } from './types.js';

const DIRS = ['/etc/systemd/network', '/usr/local/lib/systemd/network', '/usr/lib/systemd/network', '/lib/systemd/network'];

export async function readNetworkd(reader: GuestReader): Promise<NetworkConfig[]> {
  const byName = new Map<string, string>();
  const dropDirs = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const dir of DIRS) {
    const real = await reader.realpath(dir);
    if (real === undefined || seen.has(real)) continue;
    seen.add(real);
    for (const n of await reader.names(dir)) {
      if (n.endsWith('.network') && !byName.has(n)) byName.set(n, joinPath(dir, n));
      if (n.endsWith('.network.d')) dropDirs.set(n.slice(0, -2), [...(dropDirs.get(n.slice(0, -2)) ?? []), joinPath(dir, n)]);
    }
  }
  const out: NetworkConfig[] = [];
  for (const n of [...byName.keys()].sort()) {
    const path = byName.get(n)!;
    if ((await reader.readlink(path)) === '/dev/null') continue;
    const text = await reader.text(path);
    if (!text) continue;
    const ini = parseIni(text);
    const dropins = new Map<string, string>();
    for (const d of dropDirs.get(n) ?? []) for (const f of await reader.names(d)) if (f.endsWith('.conf') && !dropins.has(f)) dropins.set(f, joinPath(d, f));
    for (const f of [...dropins.keys()].sort()) {
      const base = ini.reduce((m, e) => Math.max(m, e.group), 0);
      ini.push(...parseIni((await reader.text(dropins.get(f)!)) ?? '').map((e) => ({ ...e, group: e.group + base })));
    }

    const c = emptyConfig('networkd', path, n.replace(/\.network$/, ''));
    const names = iniList(ini, 'Match', 'Name');
    c.interface = names.length > 0 ? names.join(' ') : null;
    const macs = iniList(ini, 'Match', 'MACAddress');
    if (macs.length > 0) c.mac_address = macs[0]!.toLowerCase();
    c.type = iniGet(ini, 'Match', 'Type') ?? null;
    c.mtu = toMtu(iniGet(ini, 'Link', 'MTUBytes'));
    const policy = iniGet(ini, 'Link', 'ActivationPolicy');
    c.start_on_boot = policy === undefined ? true : !['manual', 'always-down', 'down'].includes(policy);
    const dhcp = (iniGet(ini, 'Network', 'DHCP') ?? 'no').toLowerCase();
    const addrs = [...iniList(ini, 'Network', 'Address'), ...iniList(ini, 'Address', 'Address')];
    c.ipv4.addresses = addrs.filter((a) => !isIpv6(a));
    c.ipv6.addresses = addrs.filter(isIpv6);
    const v4dhcp = ['yes', 'true', 'ipv4', 'both'].includes(dhcp);
    const v6dhcp = ['yes', 'true', 'ipv6', 'both'].includes(dhcp);
    c.ipv4.method = v4dhcp ? 'dhcp' : c.ipv4.addresses.length > 0 ? 'static' : null;
    c.ipv6.method = v6dhcp ? 'dhcp' : c.ipv6.addresses.length > 0 ? 'static' : null;
    const gateways = [...iniList(ini, 'Network', 'Gateway'), ...iniList(ini, 'Route', 'Gateway')];
    for (const gw of gateways) {
      const fam = isIpv6(gw) ? c.ipv6 : c.ipv4;
      fam.gateway ??= gw;
    }
    // Each [Route] section is one route.
    const routes = new Map<number, { to: string; via: string | null }>();
    for (const e of ini) {
      if (e.section !== 'Route') continue;
      const r = routes.get(e.group) ?? { to: 'default', via: null };
      routes.set(e.group, r);
      if (e.key === 'Destination') r.to = e.value === '0.0.0.0/0' || e.value === '::/0' ? 'default' : e.value;
      if (e.key === 'Gateway') r.via = e.value;
    }
    c.routes.push(...routes.values());
    pushUnique(c.dns, ...iniList(ini, 'Network', 'DNS'));
    pushUnique(c.dns_search, ...iniList(ini, 'Network', 'Domains').map((d) => d.replace(/^~/, '')));
    const master = iniGet(ini, 'Network', 'Bond') ?? iniGet(ini, 'Network', 'Bridge');
    if (master) c.master = master;
    pushUnique(c.members, ...iniList(ini, 'Network', 'VLAN'));
    out.push(c);
  }
  return out;
}
