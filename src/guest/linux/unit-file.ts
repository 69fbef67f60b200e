/**
 * systemd's INI dialect (systemd.syntax(7)): [Sections], Key=Value, "#" and ";" comments,
 * trailing-backslash continuation, repeated keys, and an empty assignment that resets a list.
 * Also used for NetworkManager keyfiles and systemd-networkd files, which share the syntax.
 */
import { lines } from './reader.js';

export interface IniEntry {
  section: string;
  key: string;
  value: string;
  line: number;
  /** Counts section headers: entries under one [Route] header share it, the next [Route] gets another. */
  group: number;
}

/** Entries in file order; sections and keys keep their case (systemd keys are case-sensitive). */
export function parseIni(text: string, opts: { continuation?: boolean; comments?: string } = {}): IniEntry[] {
  const comments = opts.comments ?? '#;';
  const continuation = opts.continuation ?? true;
  const out: IniEntry[] = [];
  const ls = lines(text);
  let section = '';
  let group = 0;
  for (let i = 0; i < ls.length; i++) {
    const lineNo = i + 1;
    let line = ls[i]!.trim();
    if (line === '' || comments.includes(line[0]!)) continue;
    if (line.startsWith('[') && line.endsWith(']')) {
      section = line.slice(1, -1).trim();
      group++;
      continue;
    }
    // Continuation lines; comment lines inside a continued value are skipped, as systemd does.
    while (continuation && line.endsWith('\\') && i + 1 < ls.length) {
      line = line.slice(0, -1) + ' ';
      i++;
      const next = ls[i]!.trim();
      if (next !== '' && comments.includes(next[0]!)) continue;
      line += next;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    out.push({ section, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim(), line: lineNo, group });
  }
  return out;
}

/** Last value of a key in a section, or undefined. */
export function iniGet(entries: IniEntry[], section: string, key: string): string | undefined {
  let v: string | undefined;
  for (const e of entries) if (e.section === section && e.key === key) v = e.value;
  return v;
}

/** Values of a list key (space-separated, repeatable, "" resets), as systemd merges them. */
export function iniList(entries: IniEntry[], section: string, key: string, split = true): string[] {
  let out: string[] = [];
  for (const e of entries) {
    if (e.section !== section || e.key !== key) continue;
    if (e.value === '') out = [];
    else if (split) out.push(...e.value.split(/\s+/).filter((s) => s !== ''));
    else out.push(e.value);
  }
  return out;
}
