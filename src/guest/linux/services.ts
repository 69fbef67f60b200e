/**
 * Services of a Linux guest from every init system's configuration: systemd units (see
 * systemd.ts), SysV init scripts with their /etc/rc?.d start/kill links, and OpenRC scripts with
 * their /etc/runlevels membership.
 */
import type { GuestFileSystem } from '../../fs/vfs.js';
import { detectInitSystem, type InitSystem } from './init-system.js';
import { GuestReader, joinPath, lines, resolveLinkTarget } from './reader.js';
import { readSystemd, type SystemdUnit } from './systemd.js';

export type ServiceSource = 'systemd' | 'sysv' | 'openrc';
export type ServiceState = SystemdUnit['state'];

export interface ServiceInfo {
  /** Unit name (ssh.service, getty@tty1.service) or init script name (ssh, sshd). */
  name: string;
  source: ServiceSource;
  /**
   * systemd: as `systemctl list-unit-files` (enabled, disabled, static, indirect, masked, alias,
   * linked) or not-found for a link to a unit file that does not exist. SysV/OpenRC: enabled
   * when started in some runlevel, otherwise disabled.
   */
  state: ServiceState;
  /** systemd unit type (service, socket, timer, target, ...); null for init scripts. */
  unit_type: string | null;
  /** Guest path of the unit file or init script. */
  path: string | null;
  wanted_by: string[];
  required_by: string[];
  vendor_wanted_by: string[];
  alias_of: string | null;
  aliases: string[];
  template: string | null;
  vendor_preset: 'enabled' | 'disabled' | 'ignore' | null;
  /** SysV: rc levels with an S link ("2", "S"); OpenRC: runlevel names ("default", "boot"). */
  runlevels: string[];
  /** SysV: rc levels with a K link. */
  stop_runlevels: string[];
  description: string | null;
  exec_start: string[];
  user: string | null;
  /** systemd drop-in files applied to the unit, in order. */
  dropins: string[];
  /** SysV scripts that systemd ignores because a native unit of the same name exists. */
  shadowed_by: string | null;
}

export interface LinuxServices {
  init_system: InitSystem;
  default_target: string | null;
  /** systemd-preset files in the order applied (empty when the distro ships none). */
  preset_files: string[];
  services: ServiceInfo[];
}

const RC_LEVELS = ['0', '1', '2', '3', '4', '5', '6', 'S'];
/** Files in /etc/init.d that are helpers, not services. */
const NOT_SERVICES = new Set(['README', 'skeleton', 'rc', 'rcS', 'rc.local', 'functions', 'halt', 'reboot', 'single', 'killall']);
const MAX_SCRIPTS = 5000;

function blank(name: string, source: ServiceSource): ServiceInfo {
  return {
    name,
    source,
    state: 'disabled',
    unit_type: null,
    path: null,
    wanted_by: [],
    required_by: [],
    vendor_wanted_by: [],
    alias_of: null,
    aliases: [],
    template: null,
    vendor_preset: null,
    runlevels: [],
    stop_runlevels: [],
    description: null,
    exec_start: [],
    user: null,
    dropins: [],
    shadowed_by: null,
  };
}

/** Services from systemd, SysV and OpenRC configuration. */
export async function inspectLinuxServices(src: GuestFileSystem | GuestReader): Promise<LinuxServices> {
  const reader = GuestReader.of(src);
  const init = await detectInitSystem(reader);
  const systemd = await readSystemd(reader);
  const out: ServiceInfo[] = systemd.units.map((u) => ({ ...blank(u.name, 'systemd'), ...pickUnit(u) }));
  const native = new Set(systemd.units.filter((u) => u.state !== 'not-found').map((u) => u.name));

  const scripts = await initScripts(reader);
  const openrc = init.init_system === 'openrc' || (await reader.isDir('/etc/runlevels'));
  const rc = await sysvLinks(reader);
  const runlevels = openrc ? await openrcRunlevels(reader) : new Map<string, string[]>();
  for (const s of scripts) {
    const isOpenrc = openrc && s.openrc;
    const svc = blank(s.name, isOpenrc ? 'openrc' : 'sysv');
    svc.path = s.path;
    svc.description = s.description;
    if (isOpenrc) {
      svc.runlevels = runlevels.get(s.name) ?? [];
    } else {
      const links = rc.get(s.name);
      svc.runlevels = links?.start ?? [];
      svc.stop_runlevels = links?.stop ?? [];
    }
    svc.state = svc.runlevels.length > 0 ? 'enabled' : 'disabled';
    // systemd-sysv-generator names the unit after the script, minus a ".sh" suffix.
    const unit = `${s.name.replace(/\.sh$/, '')}.service`;
    if (native.has(unit)) svc.shadowed_by = unit;
    out.push(svc);
  }
  return { init_system: init.init_system, default_target: systemd.default_target, preset_files: systemd.preset_files, services: out };
}

function pickUnit(u: SystemdUnit): Partial<ServiceInfo> {
  return {
    state: u.state,
    unit_type: u.unit_type,
    path: u.path,
    wanted_by: u.wanted_by,
    required_by: u.required_by,
    vendor_wanted_by: u.vendor_wanted_by,
    alias_of: u.alias_of,
    aliases: u.aliases,
    template: u.template,
    vendor_preset: u.vendor_preset,
    description: u.description,
    exec_start: u.exec_start,
    user: u.user,
    dropins: u.dropins,
  };
}

interface Script {
  name: string;
  path: string;
  openrc: boolean;
  description: string | null;
}

/** Executable scripts in /etc/init.d, with their LSB or OpenRC description. */
async function initScripts(reader: GuestReader): Promise<Script[]> {
  const out: Script[] = [];
  for (const name of await reader.names('/etc/init.d')) {
    if (out.length >= MAX_SCRIPTS) break;
    if (name.startsWith('.') || NOT_SERVICES.has(name) || name.endsWith('~') || name.endsWith('.dpkg-old') || name.endsWith('.rpmsave')) continue;
    const path = joinPath('/etc/init.d', name);
    const st = await reader.stat(path);
    if (st?.type !== 'file') continue;
    const head = await reader.head(path, 8192);
    if (!head) continue;
    const text = new TextDecoder().decode(head);
    const first = text.split('\n', 1)[0] ?? '';
    out.push({ name, path, openrc: /openrc-run|runscript/.test(first), description: scriptDescription(text) });
  }
  return out;
}

function scriptDescription(text: string): string | null {
  for (const line of lines(text)) {
    const lsb = /^#\s*Short-Description:\s*(.+)$/.exec(line);
    if (lsb) return lsb[1]!.trim();
    const rc = /^description=(["']?)(.*)\1\s*$/.exec(line);
    if (rc) return rc[2]!;
  }
  return null;
}

/** Start/kill links in /etc/rc?.d (S20ssh → ../init.d/ssh), by script name. */
async function sysvLinks(reader: GuestReader): Promise<Map<string, { start: string[]; stop: string[] }>> {
  const out = new Map<string, { start: string[]; stop: string[] }>();
  for (const level of RC_LEVELS) {
    const dir = `/etc/rc${level}.d`;
    for (const link of await reader.names(dir)) {
      const m = /^([SK])(\d\d)?(.+)$/.exec(link);
      if (!m) continue;
      const target = await reader.readlink(joinPath(dir, link));
      const name = target !== undefined ? resolveLinkTarget(joinPath(dir, link), target).split('/').pop()! : m[3]!;
      const e = out.get(name) ?? { start: [], stop: [] };
      const list = m[1] === 'S' ? e.start : e.stop;
      if (!list.includes(level)) list.push(level);
      out.set(name, e);
    }
  }
  return out;
}

/** OpenRC: /etc/runlevels/<level>/<script> links, by script name. */
async function openrcRunlevels(reader: GuestReader): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const level of await reader.names('/etc/runlevels')) {
    for (const name of await reader.names(joinPath('/etc/runlevels', level))) {
      const list = out.get(name) ?? [];
      list.push(level);
      out.set(name, list);
    }
  }
  return out;
}
