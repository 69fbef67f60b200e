/**
 * A readable terminal summary of the report: one block per OS with the identity facts, where
 * its filesystems mount, and counts plus the notable items of each section. The full data is
 * in the JSON/YAML formats; this is for people.
 */
import type { GuestTools } from '../linux/index.js';
import type { InspectionReport, LinuxOperatingSystem, OperatingSystem, OsFilesystem, WindowsOperatingSystem } from './types.js';

const LIST_MAX = 8;

export function reportToTable(report: InspectionReport): string {
  const out: string[] = [];
  const disks = report.disks.map((d) => `${d.device}=${d.path} (${d.format}, ${d.partition_table})`).join(', ');
  out.push(`Disks: ${disks}`);
  if (report.operating_systems.length === 0) out.push('No operating system found.');
  report.operating_systems.forEach((os, i) => {
    out.push('');
    out.push(`Operating system ${i + 1} of ${report.operating_systems.length}: ${os.root}`);
    out.push(...block(os).map(([k, v]) => `  ${(k === '' ? '' : k + ':').padEnd(16)} ${v}`));
  });
  for (const w of report.warnings) out.push(`warning: ${w}`);
  return out.join('\n') + '\n';
}

type Row = [string, string];

function block(os: OperatingSystem): Row[] {
  const rows: Row[] = [];
  const add = (k: string, v: string | number | null | undefined) => {
    if (v !== null && v !== undefined && v !== '') rows.push([k, String(v)]);
  };
  add('Type', [os.type, os.distro && os.distro !== os.type ? os.distro : null].filter(Boolean).join(' / '));
  add('Product', os.product_name);
  add('Version', `${os.major_version}.${os.minor_version}${os.type === 'windows' && os.build !== null ? ` (build ${os.build}${os.update_build_revision !== null ? `.${os.update_build_revision}` : ''})` : ''}`);
  if (os.type === 'windows') {
    add('Edition', os.edition);
    add('Variant', os.product_variant);
    add('System root', os.system_root ?? os.system_root_path);
  }
  add('Architecture', os.arch);
  add('Hostname', os.hostname);
  add('osinfo', os.osinfo);
  if (os.package_format || os.package_management) add('Packaging', [os.package_format, os.package_management].filter(Boolean).join(' / '));
  add('Time zone', os.timezone);
  mountRows(os, add);
  if (os.type === 'linux') linuxRows(os, add);
  if (os.type === 'windows') windowsRows(os, add);
  for (const e of os.errors) add('Error', `${e.section}: ${e.message}`);
  if (os.warnings.length > 0) add('Warnings', `${os.warnings.length} (see JSON output)`);
  return rows;
}

type Add = (k: string, v: string | number | null | undefined) => void;

function mountRows(os: OperatingSystem, add: Add): void {
  const fsBy = new Map(os.filesystems.map((f) => [f.device, f]));
  let first = true;
  for (const [mp, dev] of Object.entries(os.mountpoints)) {
    add(first ? 'Mount points' : '', `${mp.padEnd(12)} ${dev}${fsDesc(fsBy.get(dev))}`);
    first = false;
  }
  const unmounted = os.filesystems.filter((f) => !Object.values(os.mountpoints).includes(f.device));
  for (const f of unmounted) add('Other fs', `${f.device}${fsDesc(f)}`);
}

function fsDesc(f: OsFilesystem | undefined): string {
  if (!f) return '';
  return `  (${[f.type, f.label ? `label ${f.label}` : null].filter(Boolean).join(', ')})`;
}

function linuxRows(os: LinuxOperatingSystem, add: Add): void {
  add('Init system', os.init_system);
  add('Machine ID', os.machine_id);
  add('Locale', os.locale?.lang ?? null);
  if (os.cloud_init) add('cloud-init', os.cloud_init.installed ? (os.cloud_init.enabled ? 'installed, enabled' : 'installed, disabled') : 'not installed');
  if (os.guest_tools) add('Guest tools', toolsText(os.guest_tools));
  if (os.packages !== null) {
    const db = os.package_database;
    add('Packages', db ? `${os.packages.length} (${db.manager})` : 'no package database');
  }
  if (os.services) {
    const enabled = os.services.services.filter((s) => s.state === 'enabled');
    add('Services', `${os.services.services.length} known, ${enabled.length} enabled${os.services.default_target ? `, default target ${os.services.default_target}` : ''}`);
    add('', sample(enabled.filter((s) => s.unit_type === 'service' || s.unit_type === null).map((s) => s.name)));
  }
  if (os.users) {
    const u = os.users;
    add('Users', `${u.users.length} accounts, ${u.users.filter((x) => !x.system).length} regular`);
    add('', `login shells: ${sample(u.login_shell_accounts)}`);
    if (u.uid0_accounts.length > 0) add('', `uid 0: ${u.uid0_accounts.join(', ')}`);
    if (u.empty_password_accounts.length > 0) add('', `empty password: ${u.empty_password_accounts.join(', ')}`);
  }
  if (os.network) {
    const ifs = os.network.interfaces.filter((i) => i.type !== 'loopback' && i.ipv4.method !== 'loopback');
    add('Network', ifs.length === 0 ? 'no interface configuration' : ifs.map((i) => `${i.interface ?? i.name} ${i.ipv4.method ?? i.ipv6.method ?? '?'} (${i.source})`).join('; '));
  }
  if (os.kernels) add('Kernels', os.kernels.length === 0 ? 'none in /boot' : sample(os.kernels.map((k) => k.version ?? k.path)));
  if (os.boot) add('Boot', `${os.boot.bootloader}, ${os.boot.firmware}`);
  if (os.security) {
    const s = os.security;
    add('SELinux', s.selinux.config_present ? (s.selinux.effective_mode ?? s.selinux.mode ?? 'configured') : 'not configured');
    add('AppArmor', s.apparmor.installed ? `${s.apparmor.profiles} profiles${s.apparmor.service_enabled ? ', enabled' : ''}` : 'not installed');
    if (s.sshd.present) add('sshd', `PermitRootLogin ${s.sshd.effective['permitrootlogin'] ?? '?'}, PasswordAuthentication ${s.sshd.effective['passwordauthentication'] ?? '?'}`);
    const fw = s.firewalls.filter((f) => f.enabled).map((f) => f.name);
    add('Firewall', fw.length > 0 ? fw.join(', ') : 'none enabled');
  }
}

function windowsRows(os: WindowsOperatingSystem, add: Add): void {
  const unresolved = os.drive_mappings.filter((m) => m.device === null).map((m) => m.drive);
  if (unresolved.length > 0) add('Other drives', `${unresolved.join(', ')} (not on these disks)`);
  if (os.applications !== null) {
    add('Applications', String(os.applications.length));
    add('', sample(os.applications.map((a) => (a.display_name ?? a.name) + (a.version ? ` ${a.version}` : ''))));
  }
  if (os.services !== null) {
    const auto = os.services.filter((s) => s.start === 'automatic' && s.type !== 'kernel_driver' && s.type !== 'filesystem_driver');
    add('Services', `${os.services.length} (${auto.length} automatic services)`);
  }
  if (os.security) {
    const fw = os.security.firewall;
    const state = (p: { enable_firewall?: number; policy_enable_firewall?: number }) => ((p.policy_enable_firewall ?? p.enable_firewall) === 0 ? 'off' : 'on');
    add('Firewall', `domain ${state(fw.domain)}, private ${state(fw.private)}, public ${state(fw.public)}`);
    const deny = os.security.rdp.policy_deny_ts_connections ?? os.security.rdp.deny_ts_connections;
    add('RDP', deny === undefined ? 'unknown' : deny === 0 ? 'allowed' : 'denied');
  }
}

function toolsText(tools: GuestTools): string {
  const found = Object.entries(tools)
    .filter(([, t]) => t.installed)
    .map(([id, t]) => `${id}${t.enabled ? ' (enabled)' : ''}`);
  return found.length > 0 ? found.join(', ') : 'none';
}

function sample(items: string[]): string {
  if (items.length === 0) return 'none';
  const shown = items.slice(0, LIST_MAX).join(', ');
  return items.length > LIST_MAX ? `${shown}, … (${items.length - LIST_MAX} more)` : shown;
}
