/** cloud-init: installed, switched off, and what it would run against. */
import { GuestReader, joinPath } from './reader.js';
import { systemdDb } from './systemd.js';

export interface CloudInitInfo {
  installed: boolean;
  /** /etc/cloud/cloud-init.disabled exists (cloud-init's documented off switch). */
  disabled_by_file: boolean;
  /** cloud-init units enabled in systemd, or cloud-init scripts in an OpenRC runlevel. */
  enabled_units: string[];
  /** Installed, not disabled by file, and (where the init system is known) its units are enabled. */
  enabled: boolean;
  /** datasource_list after /etc/cloud/cloud.cfg and cloud.cfg.d/*.cfg (later files override). */
  datasource_list: string[] | null;
  evidence: string[];
}

const UNITS = ['cloud-init-local.service', 'cloud-init.service', 'cloud-init-main.service', 'cloud-init-network.service', 'cloud-config.service', 'cloud-final.service', 'cloud-init.target'];

let yamlModule: Promise<typeof import('yaml')> | undefined;

/** Parses YAML from a guest file; bad YAML is a warning, never an exception. */
export async function safeYaml(reader: GuestReader, path: string, text: string): Promise<unknown> {
  // Loaded on first use: most guests have no YAML to read, and the library costs ~80 ms to load.
  const { parse: parseYaml } = await (yamlModule ??= import('yaml'));
  try {
    return parseYaml(text, { maxAliasCount: 100, uniqueKeys: false, prettyErrors: false });
  } catch (err) {
    reader.warn(`${path}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

export async function readCloudInit(reader: GuestReader): Promise<CloudInitInfo> {
  const evidence: string[] = [];
  for (const p of ['/usr/bin/cloud-init', '/etc/cloud/cloud.cfg']) if (await reader.isFile(p)) evidence.push(p);
  const installed = evidence.length > 0;
  const disabled = await reader.exists('/etc/cloud/cloud-init.disabled');
  if (disabled) evidence.push('/etc/cloud/cloud-init.disabled');
  const enabledUnits: string[] = [];
  const systemd = await systemdDb(reader);
  for (const u of UNITS) if (await systemd.enabled(u)) enabledUnits.push(u);
  for (const level of await reader.names('/etc/runlevels')) {
    for (const n of await reader.names(joinPath('/etc/runlevels', level))) if (n.startsWith('cloud-')) enabledUnits.push(`${level}/${n}`);
  }
  let datasources: string[] | null = null;
  if (installed) {
    const files = ['/etc/cloud/cloud.cfg', ...(await reader.names('/etc/cloud/cloud.cfg.d')).filter((n) => n.endsWith('.cfg')).map((n) => joinPath('/etc/cloud/cloud.cfg.d', n))];
    for (const f of files) {
      const text = await reader.text(f);
      if (text === undefined) continue;
      const doc = await safeYaml(reader, f, text);
      if (doc && typeof doc === 'object' && 'datasource_list' in doc) {
        const v = (doc as Record<string, unknown>)['datasource_list'];
        if (Array.isArray(v)) datasources = v.map(String);
        else if (typeof v === 'string') datasources = v.replace(/[[\]]/g, '').split(',').map((s) => s.trim()).filter((s) => s !== '');
      }
    }
  }
  const unitsKnown = systemd.present || (await reader.isDir('/etc/runlevels'));
  return {
    installed,
    disabled_by_file: disabled,
    enabled_units: enabledUnits,
    enabled: installed && !disabled && (!unitsKnown || enabledUnits.length > 0),
    datasource_list: datasources,
    evidence,
  };
}
