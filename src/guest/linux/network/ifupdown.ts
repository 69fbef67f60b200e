/**
 * Debian ifupdown: /etc/network/interfaces(5) with `source` (globs) and `source-directory`
 * includes, `auto`/`allow-*` lines, and `iface NAME FAMILY METHOD` stanzas whose option lines
 * run until the next stanza. inet and inet6 stanzas of one interface are merged into one entry.
 */
import { GuestReader, joinPath, lines } from '../reader.js';
import { expandGlob, hasGlobChars } from '../text.js';
import { emptyConfig, pushUnique, toMtu, withPrefix, type IpConfig, type IpMethod, type NetworkConfig } from './types.js';

const MAIN = '/etc/network/interfaces';
const MAX_FILES = 500;
const MAX_DEPTH = 16;
/** source-directory reads only names run-parts would run. */
const RUN_PARTS_NAME = /^[A-Za-z0-9_-]+$/;

interface Stanza {
  name: string;
  family: string;
  method: string;
  file: string;
  options: [string, string][];
}

export async function readIfupdown(reader: GuestReader): Promise<NetworkConfig[]> {
  const stanzas: Stanza[] = [];
  const auto = new Set<string>();
  const hotplug = new Set<string>();
  const seen = new Set<string>();

  const readFile = async (path: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || seen.size >= MAX_FILES || seen.has(path)) return;
    const text = await reader.text(path);
    if (text === undefined) return;
    seen.add(path);
    let current: Stanza | undefined;
    const ls = lines(text);
    for (let i = 0; i < ls.length; i++) {
      let line = ls[i]!;
      while (line.endsWith('\\') && i + 1 < ls.length) line = line.slice(0, -1) + ' ' + ls[++i]!;
      const t = line.trim();
      if (t === '' || t.startsWith('#')) continue;
      const words = t.split(/\s+/);
      const kw = words[0]!;
      if (kw === 'auto' || kw === 'allow-auto') {
        for (const w of words.slice(1)) auto.add(w);
        current = undefined;
      } else if (kw.startsWith('allow-')) {
        for (const w of words.slice(1)) hotplug.add(w);
        current = undefined;
      } else if (kw === 'iface') {
        current = { name: words[1] ?? '', family: words[2] ?? 'inet', method: words[3] ?? 'manual', file: path, options: [] };
        if (current.name !== '') stanzas.push(current);
      } else if (kw === 'mapping') {
        current = undefined;
      } else if (kw === 'source' || kw === 'source-directory' || kw === 'source-dir') {
        current = undefined;
        const arg = t.slice(kw.length).trim();
        if (arg === '') continue;
        const abs = arg.startsWith('/') ? arg : joinPath('/etc/network', arg);
        if (kw === 'source') {
          const files = hasGlobChars(abs) ? await expandGlob(reader, abs) : [abs];
          for (const f of files) if (await reader.isFile(f)) await readFile(f, depth + 1);
        } else {
          for (const n of await reader.names(abs)) if (RUN_PARTS_NAME.test(n)) await readFile(joinPath(abs, n), depth + 1);
        }
      } else if (current) {
        current.options.push([kw, words.slice(1).join(' ')]);
      }
    }
  };

  await readFile(MAIN, 0);
  const byName = new Map<string, NetworkConfig>();
  for (const s of stanzas) {
    let c = byName.get(s.name);
    if (!c) {
      c = emptyConfig('ifupdown', s.file, s.name);
      c.interface = s.name;
      c.start_on_boot = auto.has(s.name) || hotplug.has(s.name);
      byName.set(s.name, c);
    }
    applyStanza(c, s);
  }
  return [...byName.values()];
}

function methodOf(m: string): IpMethod {
  switch (m) {
    case 'dhcp':
      return 'dhcp';
    case 'static':
      return 'static';
    case 'manual':
      return 'manual';
    case 'loopback':
      return 'loopback';
    case 'auto':
      return 'auto';
    default:
      return 'other';
  }
}

function applyStanza(c: NetworkConfig, s: Stanza): void {
  const fam: IpConfig | undefined = s.family === 'inet' ? c.ipv4 : s.family === 'inet6' ? c.ipv6 : undefined;
  if (!fam) return;
  fam.method = methodOf(s.method);
  if (s.method === 'loopback') c.type = 'loopback';
  const opt = (k: string) => s.options.filter(([key]) => key === k).map(([, v]) => v);
  const netmask = opt('netmask')[0];
  for (const a of opt('address')) for (const one of a.split(/\s+/)) pushUnique(fam.addresses, withPrefix(one, one.includes('/') ? undefined : netmask));
  const gw = opt('gateway')[0];
  if (gw) fam.gateway = gw;
  for (const v of opt('dns-nameservers')) pushUnique(c.dns, ...v.split(/\s+/));
  for (const v of opt('dns-search')) pushUnique(c.dns_search, ...v.split(/\s+/));
  for (const v of opt('dns-domain')) pushUnique(c.dns_search, ...v.split(/\s+/));
  const hw = opt('hwaddress')[0];
  if (hw) c.mac_address = hw.replace(/^ether\s+/, '').toLowerCase();
  const mtu = toMtu(opt('mtu')[0]);
  if (mtu) c.mtu = mtu;
  for (const k of ['bond-slaves', 'bond_slaves', 'slaves', 'bridge_ports', 'bridge-ports']) {
    for (const v of opt(k)) if (v !== 'none') pushUnique(c.members, ...v.split(/\s+/));
  }
  if (opt('bond-slaves').length + opt('bond-mode').length > 0) c.type = 'bond';
  else if (opt('bridge_ports').length + opt('bridge-ports').length > 0) c.type = 'bridge';
  else if (opt('vlan-raw-device').length > 0 || opt('vlan_raw_device').length > 0) {
    c.type = 'vlan';
    pushUnique(c.members, ...(opt('vlan-raw-device')[0] ?? opt('vlan_raw_device')[0] ?? '').split(/\s+/));
  }
  const master = opt('bond-master')[0] ?? opt('bond_master')[0];
  if (master) c.master = master;
  const ssid = opt('wpa-ssid')[0] ?? opt('wireless-essid')[0];
  if (ssid) {
    c.type = 'wifi';
    c.wifi_ssid = ssid.replace(/^"(.*)"$/, '$1');
  }
  if (opt('wpa-psk').length + opt('wireless-key').length + opt('wpa-password').length > 0) c.has_secrets = true;
  // Static routes written as "up ip route add NET via GW" are common; record the simple ones.
  for (const k of ['up', 'post-up']) {
    for (const v of opt(k)) {
      const m = /\broute\s+add\s+(?:-net\s+)?(\S+)(?:\s+netmask\s+(\S+))?\s+(?:via|gw)\s+(\S+)/.exec(v);
      if (m) c.routes.push({ to: withPrefix(m[1]!, m[2]), via: m[3]! });
    }
  }
}
