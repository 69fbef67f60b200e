/**
 * Offline view of systemd's unit configuration, following systemd's own rules: unit files are
 * looked up by name along the system search path (first hit wins: /etc before /usr/local/lib
 * before /usr/lib and /lib), units are enabled by symlinks in /etc/systemd/system/<unit>.wants,
 * .requires and .upholds (or by Alias= symlinks), masked by a symlink to /dev/null or an empty
 * file, and their install state is derived from the [Install] section as
 * `systemctl list-unit-files` does. /run is ignored: it is empty on a powered-off disk.
 */
import { GuestReader, joinPath, resolveLinkTarget } from './reader.js';
import { globToRegExp } from './text.js';
import { iniGet, iniList, parseIni, type IniEntry } from './unit-file.js';

export const UNIT_DIRS = ['/etc/systemd/system', '/usr/local/lib/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];
const CONFIG_DIR = '/etc/systemd/system';
const PRESET_DIRS = ['/etc/systemd/system-preset', '/usr/local/lib/systemd/system-preset', '/usr/lib/systemd/system-preset', '/lib/systemd/system-preset'];
const UNIT_RE = /^[A-Za-z0-9:_.\\@-]+\.(service|socket|target|timer|path|mount|automount|swap|slice|scope|device)$/;
const DEP_DIR_RE = /^(.+)\.(wants|requires|upholds)$/;
/** Drop-in files applied per unit: enough for real systems, bounded for hostile ones. */
const MAX_DROPINS = 64;

export type UnitState = 'enabled' | 'disabled' | 'static' | 'indirect' | 'masked' | 'alias' | 'linked' | 'not-found';

export interface SystemdUnit {
  name: string;
  unit_type: string;
  state: UnitState;
  /** The unit file systemd would load (for an instance, its template's file); null if none exists. */
  path: string | null;
  /** Units whose /etc/systemd/system/<unit>.wants/ holds a link to this one. */
  wanted_by: string[];
  /** Same, for .requires/ and .upholds/. */
  required_by: string[];
  /** Links in the vendor directories' .wants/.requires/ (static dependencies, not admin choices). */
  vendor_wanted_by: string[];
  /** For an alias name: the unit it points to. */
  alias_of: string | null;
  /** Enabled alias names pointing to this unit (Alias= symlinks). */
  aliases: string[];
  /** For an instance such as getty@tty1.service: its template getty@.service. */
  template: string | null;
  /** From system-preset files: what `systemctl preset` would do; null when no preset files exist or the unit has no [Install]. */
  vendor_preset: 'enabled' | 'disabled' | 'ignore' | null;
  description: string | null;
  /** ExecStart= command lines after drop-ins (services only). */
  exec_start: string[];
  /** User= after drop-ins (services only). */
  user: string | null;
  /** Drop-in files applied, in order. */
  dropins: string[];
  install: { wanted_by: string[]; required_by: string[]; upheld_by: string[]; alias: string[]; also: string[]; default_instance: string | null };
}

export interface SystemdConfig {
  /** True when any systemd unit directory exists. */
  present: boolean;
  default_target: string | null;
  units: SystemdUnit[];
  /** Preset files read, in the order they are applied. */
  preset_files: string[];
}

interface Entry {
  name: string;
  dir: string;
  path: string;
  /** Symlink target resolved to a guest path, when the entry is a symlink. */
  link?: string;
  masked: boolean;
}

interface DepLink {
  /** The unit that wants (directory owner). */
  owner: string;
  kind: 'wants' | 'requires' | 'upholds';
  unit: string;
  config: boolean;
}

/** Unit directories that exist, with /lib folded into /usr/lib on merged-/usr systems. */
async function unitDirs(reader: GuestReader): Promise<string[]> {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const d of UNIT_DIRS) {
    const real = await reader.realpath(d);
    if (real === undefined || seen.has(real) || !(await reader.isDir(d))) continue;
    seen.add(real);
    out.push(d);
  }
  return out;
}

function templateOf(name: string): string | null {
  const m = /^([^@]+)@([^@]+)\.([a-z]+)$/.exec(name);
  return m ? `${m[1]}@.${m[3]}` : null;
}

function unitType(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

interface Index {
  dirs: string[];
  entries: Map<string, Entry>;
  dropinDirs: Set<string>;
  /** .wants/.requires/.upholds links, by the unit linked. */
  links: Map<string, DepLink[]>;
  /** Alias links in /etc/systemd/system, by the unit they point to. */
  aliases: Map<string, string[]>;
  /** Instance names (getty@tty1.service) linked anywhere, by template (getty@.service). */
  instances: Map<string, string[]>;
  presets: { files: string[]; rules: PresetRule[] };
  defaultTarget: string | null;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/**
 * The unit database: directory listings and links are read once; a unit's own file and
 * drop-ins are read only when that unit is asked for, so "is X enabled?" stays cheap.
 */
export class SystemdDb {
  private readonly units = new Map<string, Promise<SystemdUnit>>();

  constructor(
    private readonly reader: GuestReader,
    private readonly idx: Index,
  ) {}

  /** True when any systemd unit directory exists. */
  get present(): boolean {
    return this.idx.dirs.length > 0;
  }

  get default_target(): string | null {
    return this.idx.defaultTarget;
  }

  get preset_files(): string[] {
    return this.idx.presets.files;
  }

  /** Every unit name with a file or a link, sorted. */
  names(): string[] {
    const all = new Set<string>([...this.idx.entries.keys(), ...this.idx.links.keys(), ...this.idx.aliases.keys()]);
    return [...all].sort();
  }

  unit(name: string): Promise<SystemdUnit> {
    let p = this.units.get(name);
    if (!p) {
      p = this.build(name);
      this.units.set(name, p);
    }
    return p;
  }

  /** Enabled, directly or (for an alias name) through the unit it names; templates count when an instance is enabled. */
  async enabled(name: string): Promise<boolean> {
    const u = await this.unit(name);
    if (u.state === 'alias' && u.alias_of && u.alias_of !== name) return (await this.unit(u.alias_of)).state === 'enabled';
    return u.state === 'enabled';
  }

  private async build(name: string): Promise<SystemdUnit> {
    const { entries } = this.idx;
    const template = templateOf(name);
    const e = entries.get(name) ?? (template ? entries.get(template) : undefined);
    const u: SystemdUnit = {
      name,
      unit_type: unitType(name),
      state: 'static',
      path: null,
      wanted_by: [],
      required_by: [],
      vendor_wanted_by: [],
      alias_of: null,
      aliases: [...(this.idx.aliases.get(name) ?? [])].sort(),
      template: entries.has(name) ? null : template,
      vendor_preset: null,
      description: null,
      exec_start: [],
      user: null,
      dropins: [],
      install: { wanted_by: [], required_by: [], upheld_by: [], alias: [], also: [], default_instance: null },
    };
    for (const l of this.idx.links.get(name) ?? []) {
      const list = !l.config ? u.vendor_wanted_by : l.kind === 'wants' ? u.wanted_by : u.required_by;
      if (!list.includes(l.owner)) list.push(l.owner);
    }
    u.wanted_by.sort();
    u.required_by.sort();
    u.vendor_wanted_by.sort();
    if (!e) {
      u.state = 'not-found';
      return u;
    }
    if (e.masked) {
      u.state = 'masked';
      u.path = e.path;
      return u;
    }
    const base = e.link ? e.link.slice(e.link.lastIndexOf('/') + 1) : e.name;
    if (e.link && base !== e.name) {
      u.state = 'alias';
      u.alias_of = base;
      u.path = e.path;
      return u;
    }
    // A same-named symlink to a file outside the search path is a `systemctl link`ed unit.
    const linkedOutside = e.link !== undefined && !UNIT_DIRS.some((d) => e.link!.startsWith(d + '/'));
    u.path = e.link ?? e.path;
    const ini = await loadUnitWithDropins(this.reader, this.idx.dirs, this.idx.dropinDirs, e.name, name, u);
    u.description = iniGet(ini, 'Unit', 'Description') ?? null;
    if (u.unit_type === 'service') {
      u.exec_start = iniList(ini, 'Service', 'ExecStart', false);
      u.user = iniGet(ini, 'Service', 'User') || null;
    }
    u.install = {
      wanted_by: iniList(ini, 'Install', 'WantedBy'),
      required_by: iniList(ini, 'Install', 'RequiredBy'),
      upheld_by: iniList(ini, 'Install', 'UpheldBy'),
      alias: iniList(ini, 'Install', 'Alias'),
      also: iniList(ini, 'Install', 'Also'),
      default_instance: iniGet(ini, 'Install', 'DefaultInstance') || null,
    };
    const i = u.install;
    const hasRules = i.wanted_by.length + i.required_by.length + i.upheld_by.length + i.alias.length > 0;
    u.state = linkedOutside ? 'linked' : hasRules ? 'disabled' : i.also.length > 0 ? 'indirect' : 'static';
    if (hasRules || i.also.length > 0) u.vendor_preset = presetFor(this.idx.presets, name);
    // Enabled: linked from a .wants/.requires/.upholds in /etc, or aliased there; a template when one of its instances is.
    if (u.wanted_by.length + u.required_by.length + u.aliases.length > 0) u.state = 'enabled';
    else if (!u.template && (await this.instanceEnabled(name))) u.state = 'enabled';
    return u;
  }

  private async instanceEnabled(template: string): Promise<boolean> {
    for (const inst of this.idx.instances.get(template) ?? []) {
      if (this.idx.entries.has(inst)) continue;
      const iu = await this.unit(inst);
      if (iu.wanted_by.length + iu.required_by.length + iu.aliases.length > 0) return true;
    }
    return false;
  }
}

/** The unit database of the guest, built once per reader. */
export function systemdDb(reader: GuestReader): Promise<SystemdDb> {
  return reader.once('systemd-db', async () => new SystemdDb(reader, await loadIndex(reader)));
}

/** Every unit with its state, as `systemctl list-unit-files` would list them (reads every unit file). */
export function readSystemd(reader: GuestReader): Promise<SystemdConfig> {
  return reader.once('systemd', async () => {
    const db = await systemdDb(reader);
    const units: SystemdUnit[] = [];
    for (const n of db.names()) units.push(await db.unit(n));
    return { present: db.present, default_target: db.default_target, units, preset_files: db.preset_files };
  });
}

/** Whether a unit is enabled (by name or alias name). */
export async function unitEnabled(reader: GuestReader, name: string): Promise<boolean> {
  return (await systemdDb(reader)).enabled(name);
}

async function loadIndex(reader: GuestReader): Promise<Index> {
  const dirs = await unitDirs(reader);
  const entries = new Map<string, Entry>();
  const links = new Map<string, DepLink[]>();
  const aliases = new Map<string, string[]>();
  const instances = new Map<string, string[]>();
  const dropinDirs = new Set<string>();
  const noteInstance = (n: string) => {
    const t = templateOf(n);
    if (t && !(instances.get(t) ?? []).includes(n)) push(instances, t, n);
  };

  for (const dir of dirs) {
    for (const de of await reader.readdir(dir)) {
      const path = joinPath(dir, de.name);
      if (de.name.endsWith('.d')) dropinDirs.add(path);
      const dep = DEP_DIR_RE.exec(de.name);
      if (dep) {
        if (!(await reader.isDir(path))) continue;
        for (const child of await reader.names(path)) {
          if (!UNIT_RE.test(child)) continue;
          push(links, child, { owner: dep[1]!, kind: dep[2] as DepLink['kind'], unit: child, config: dir === CONFIG_DIR });
          noteInstance(child);
        }
        continue;
      }
      if (!UNIT_RE.test(de.name) || entries.has(de.name)) continue;
      const st = await reader.lstat(path);
      if (!st) continue;
      const e: Entry = { name: de.name, dir, path, masked: false };
      if (st.type === 'symlink') {
        const t = await reader.readlink(path);
        if (t !== undefined) e.link = resolveLinkTarget(path, t);
        if (e.link === '/dev/null') e.masked = true;
      } else if (st.type === 'file' && st.size === 0) e.masked = true;
      else if (st.type !== 'file') continue;
      entries.set(de.name, e);
      if (dir === CONFIG_DIR && e.link && !e.masked) {
        const base = e.link.slice(e.link.lastIndexOf('/') + 1);
        if (base !== de.name) {
          push(aliases, base, de.name);
          noteInstance(base);
        }
      }
    }
  }
  return { dirs, entries, dropinDirs, links, aliases, instances, presets: await readPresets(reader), defaultTarget: await defaultTarget(reader, dirs) };
}

/** The unit file plus drop-ins (<dir>/<name>.d/*.conf, and the template's for instances); same-named drop-ins in earlier directories win. */
async function loadUnitWithDropins(reader: GuestReader, dirs: string[], dropinDirs: Set<string>, fileName: string, unitName: string, u: SystemdUnit): Promise<IniEntry[]> {
  const text = (u.path && (await reader.text(u.path))) ?? '';
  const ini = parseIni(text);
  const dropinNames = new Map<string, string>();
  const bases = unitName !== fileName ? [fileName, unitName] : [fileName];
  for (const base of bases) {
    for (const dir of dirs) {
      const d = joinPath(dir, `${base}.d`);
      if (!dropinDirs.has(d)) continue;
      for (const n of await reader.names(d)) {
        if (!n.endsWith('.conf') || dropinNames.has(n)) continue;
        dropinNames.set(n, joinPath(d, n));
      }
    }
  }
  const ordered = [...dropinNames.keys()].sort().slice(0, MAX_DROPINS);
  for (const n of ordered) {
    const p = dropinNames.get(n)!;
    const t = await reader.text(p);
    if (t === undefined || t.length === 0) continue;
    u.dropins.push(p);
    ini.push(...parseIni(t));
  }
  return ini;
}

async function defaultTarget(reader: GuestReader, dirs: string[]): Promise<string | null> {
  for (const dir of dirs) {
    const p = joinPath(dir, 'default.target');
    const t = await reader.readlink(p);
    if (t !== undefined) return t.slice(t.lastIndexOf('/') + 1);
    if (await reader.isFile(p)) return 'default.target';
  }
  return null;
}

interface PresetRule {
  action: 'enable' | 'disable' | 'ignore';
  re: RegExp;
}

async function readPresets(reader: GuestReader): Promise<{ files: string[]; rules: PresetRule[] }> {
  const byName = new Map<string, string>();
  const seen = new Set<string>();
  for (const dir of PRESET_DIRS) {
    const real = await reader.realpath(dir);
    if (real === undefined || seen.has(real)) continue;
    seen.add(real);
    for (const n of await reader.names(dir)) if (n.endsWith('.preset') && !byName.has(n)) byName.set(n, joinPath(dir, n));
  }
  const files: string[] = [];
  const rules: PresetRule[] = [];
  for (const n of [...byName.keys()].sort()) {
    const p = byName.get(n)!;
    const link = await reader.readlink(p);
    if (link === '/dev/null') continue;
    const text = await reader.text(p);
    if (text === undefined) continue;
    files.push(p);
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
      const [action, pattern] = line.split(/\s+/);
      if ((action === 'enable' || action === 'disable' || action === 'ignore') && pattern) rules.push({ action, re: globToRegExp(pattern) });
    }
  }
  return { files, rules };
}

function presetFor(presets: { files: string[]; rules: PresetRule[] }, name: string): SystemdUnit['vendor_preset'] {
  if (presets.files.length === 0) return null;
  for (const r of presets.rules) {
    if (r.re.test(name)) return r.action === 'enable' ? 'enabled' : r.action === 'disable' ? 'disabled' : 'ignore';
  }
  // systemd.preset(5): with no matching line, the unit is enabled.
  return 'enabled';
}
