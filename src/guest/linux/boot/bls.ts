/**
 * Boot Loader Specification type #1 entries (loader/entries/*.conf): "key value" lines, used by
 * GRUB's blscfg (Fedora, RHEL 8+) and systemd-boot. Sorted as both loaders sort them: by
 * sort-key, then machine-id, then version (newest first), then file name.
 */
import { GuestReader, joinPath, lines } from '../reader.js';
import { vercmp } from './vercmp.js';

export interface BlsEntry {
  /** File name without ".conf": the id GRUB's saved_entry and systemd-boot's default refer to. */
  id: string;
  path: string;
  title: string | null;
  version: string | null;
  machine_id: string | null;
  sort_key: string | null;
  linux: string | null;
  initrd: string[];
  /** Options as written (may contain $kernelopts and other GRUB variables). */
  options: string | null;
}

const MAX_ENTRIES = 1000;

export function parseBlsEntry(path: string, text: string): BlsEntry {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const e: BlsEntry = { id: name.replace(/\.conf$/, ''), path, title: null, version: null, machine_id: null, sort_key: null, linux: null, initrd: [], options: null };
  const options: string[] = [];
  for (const raw of lines(text)) {
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) continue;
    const m = /^(\S+)\s+(.*)$/.exec(t);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'title') e.title = value;
    else if (key === 'version') e.version = value;
    else if (key === 'machine-id') e.machine_id = value;
    else if (key === 'sort-key') e.sort_key = value;
    else if (key === 'linux') e.linux = value;
    else if (key === 'initrd') e.initrd.push(...value.split(/\s+/));
    else if (key === 'options') options.push(value);
  }
  if (options.length > 0) e.options = options.join(' ');
  return e;
}

export function compareBls(a: BlsEntry, b: BlsEntry): number {
  if (a.sort_key !== b.sort_key) {
    if (a.sort_key === null) return 1;
    if (b.sort_key === null) return -1;
    return a.sort_key < b.sort_key ? -1 : 1;
  }
  if (a.machine_id !== b.machine_id && a.machine_id !== null && b.machine_id !== null) return a.machine_id < b.machine_id ? -1 : 1;
  const v = vercmp(b.version ?? '', a.version ?? '');
  if (v !== 0) return v;
  return -vercmp(a.id, b.id);
}

/** Entries in one loader/entries directory, sorted newest first. */
export async function readBlsEntries(reader: GuestReader, dir: string): Promise<BlsEntry[]> {
  const out: BlsEntry[] = [];
  for (const n of await reader.names(dir)) {
    if (!n.endsWith('.conf') || out.length >= MAX_ENTRIES) continue;
    const path = joinPath(dir, n);
    const text = await reader.text(path, 64 * 1024);
    if (text !== undefined) out.push(parseBlsEntry(path, text));
  }
  return out.sort(compareBls);
}

/** Expands $name and ${name} once from GRUB's environment (grubenv, then grub.cfg `set`s); unknown names become "". */
export function expandGrubVars(s: string, env: Record<string, string>): string {
  return s
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? '')
    .replace(/\s+/g, ' ')
    .trim();
}
