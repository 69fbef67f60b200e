/** /etc/resolv.conf (resolv.conf(5)) and /etc/hosts (hosts(5)). */
import { GuestReader, lines } from '../reader.js';

export interface ResolvConf {
  /** Where /etc/resolv.conf points when it is a symlink (systemd-resolved's stub, resolvconf's run file). */
  symlink_target: string | null;
  /** False when the file (or its link target, which may live in /run) is absent from the image. */
  present: boolean;
  nameservers: string[];
  search: string[];
  options: string[];
}

export interface HostsEntry {
  address: string;
  names: string[];
  line: number;
}

export async function readResolvConf(reader: GuestReader): Promise<ResolvConf> {
  const link = await reader.readlink('/etc/resolv.conf');
  const text = await reader.text('/etc/resolv.conf');
  const out: ResolvConf = { symlink_target: link ?? null, present: text !== undefined, nameservers: [], search: [], options: [] };
  for (const raw of lines(text ?? '')) {
    const t = raw.replace(/[#;].*$/, '').trim();
    const [kw, ...rest] = t.split(/\s+/);
    if (kw === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    // The last search/domain line wins (resolver(3)).
    else if (kw === 'search' || kw === 'domain') out.search = rest;
    else if (kw === 'options') out.options.push(...rest);
  }
  return out;
}

export async function readHosts(reader: GuestReader): Promise<HostsEntry[]> {
  const out: HostsEntry[] = [];
  const ls = lines((await reader.text('/etc/hosts')) ?? '');
  for (let i = 0; i < ls.length && out.length < 100_000; i++) {
    const t = ls[i]!.replace(/#.*$/, '').trim();
    if (t === '') continue;
    const [address, ...names] = t.split(/\s+/);
    if (address && names.length > 0) out.push({ address, names, line: i + 1 });
  }
  return out;
}
