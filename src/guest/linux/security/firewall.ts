/** Host firewall configuration present in the guest and whether it is switched on at boot. */
import { GuestReader, joinPath, lines } from '../reader.js';
import { systemdDb, type SystemdDb } from '../systemd.js';
import { parseShellVars } from '../text.js';

export interface FirewallInfo {
  name: 'nftables' | 'iptables' | 'ufw' | 'firewalld';
  config_present: boolean;
  /** The service that loads it at boot is enabled (and for ufw, ENABLED=yes). */
  enabled: boolean;
  config_files: string[];
  /** Rules in the saved rule sets (iptables "-A" lines, ufw rule tuples, nft rule lines); null where not countable. */
  rule_count: number | null;
  details: Record<string, string>;
}

async function existing(reader: GuestReader, paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) if (await reader.isFile(p)) out.push(p);
  return out;
}

async function on(sd: SystemdDb, ...units: string[]): Promise<boolean> {
  for (const u of units) if (await sd.enabled(u)) return true;
  return false;
}

export async function readFirewalls(reader: GuestReader): Promise<FirewallInfo[]> {
  const sd = await systemdDb(reader);
  const out: FirewallInfo[] = [];

  const nftFiles = await existing(reader, ['/etc/nftables.conf', '/etc/sysconfig/nftables.conf']);
  for (const n of await reader.names('/etc/nftables.d')) if (n.endsWith('.nft') || n.endsWith('.conf')) nftFiles.push(joinPath('/etc/nftables.d', n));
  let tables = 0;
  let rules = 0;
  for (const f of nftFiles) {
    for (const raw of lines((await reader.text(f)) ?? '')) {
      const t = raw.replace(/#.*$/, '').trim();
      if (/^table\s/.test(t)) tables++;
      else if (t !== '' && !/^(chain|type|policy|flush|include|define|set|map|elements|}|{)/.test(t) && !t.endsWith('{')) rules++;
    }
  }
  out.push({ name: 'nftables', config_present: nftFiles.length > 0, enabled: await on(sd, 'nftables.service'), config_files: nftFiles, rule_count: nftFiles.length > 0 ? rules : null, details: { tables: String(tables) } });

  const iptFiles = await existing(reader, ['/etc/iptables/rules.v4', '/etc/iptables/rules.v6', '/etc/sysconfig/iptables', '/etc/sysconfig/ip6tables']);
  let iptRules = 0;
  for (const f of iptFiles) for (const raw of lines((await reader.text(f)) ?? '')) if (raw.startsWith('-A ')) iptRules++;
  out.push({
    name: 'iptables',
    config_present: iptFiles.length > 0,
    enabled: await on(sd, 'netfilter-persistent.service', 'iptables-persistent.service', 'iptables.service', 'ip6tables.service'),
    config_files: iptFiles,
    rule_count: iptFiles.length > 0 ? iptRules : null,
    details: {},
  });

  const ufwConf = await reader.text('/etc/ufw/ufw.conf');
  const ufwVars = ufwConf === undefined ? new Map<string, string>() : parseShellVars(ufwConf);
  const ufwFiles = await existing(reader, ['/etc/ufw/ufw.conf', '/etc/ufw/user.rules', '/etc/ufw/user6.rules', '/etc/default/ufw']);
  let ufwRules = 0;
  for (const f of ['/etc/ufw/user.rules', '/etc/ufw/user6.rules']) for (const raw of lines((await reader.text(f)) ?? '')) if (raw.startsWith('### tuple ###')) ufwRules++;
  const ufwDefaults = parseShellVars((await reader.text('/etc/default/ufw')) ?? '');
  const ufwDetails: Record<string, string> = {};
  for (const k of ['DEFAULT_INPUT_POLICY', 'DEFAULT_OUTPUT_POLICY', 'DEFAULT_FORWARD_POLICY', 'IPV6']) {
    const v = ufwDefaults.get(k);
    if (v !== undefined) ufwDetails[k.toLowerCase()] = v;
  }
  out.push({
    name: 'ufw',
    config_present: ufwConf !== undefined,
    enabled: ufwVars.get('ENABLED')?.toLowerCase() === 'yes' && (!sd.present || (await on(sd, 'ufw.service'))),
    config_files: ufwFiles,
    rule_count: ufwConf !== undefined ? ufwRules : null,
    details: ufwDetails,
  });

  const fwdConf = await reader.text('/etc/firewalld/firewalld.conf');
  const zones = (await reader.names('/etc/firewalld/zones')).filter((n) => n.endsWith('.xml'));
  const fwdDetails: Record<string, string> = { custom_zones: String(zones.length) };
  const dz = fwdConf === undefined ? undefined : parseShellVars(fwdConf).get('DefaultZone');
  if (dz) fwdDetails['default_zone'] = dz;
  out.push({
    name: 'firewalld',
    config_present: fwdConf !== undefined || zones.length > 0,
    enabled: await on(sd, 'firewalld.service'),
    config_files: [...(fwdConf !== undefined ? ['/etc/firewalld/firewalld.conf'] : []), ...zones.map((z) => joinPath('/etc/firewalld/zones', z))],
    rule_count: null,
    details: fwdDetails,
  });
  return out;
}
