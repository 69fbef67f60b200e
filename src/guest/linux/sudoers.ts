/**
 * sudoers(5) as far as "who may run what as root" goes: user specifications, User_Alias
 * definitions, Defaults lines, and the include directives (#include, @include, #includedir,
 * @includedir). Files in an included directory are read in sorted order, skipping names that end
 * in "~" or contain a ".", as sudo does; relative include paths are taken from the including
 * file's directory (sudo ≥ 1.9.1).
 */
import { GuestReader, joinPath } from './reader.js';

export interface SudoRule {
  file: string;
  line: number;
  /** User list as written: names, %group, %#gid, #uid, aliases, ALL, with "!" negations. */
  users: string[];
  hosts: string[];
  /** Run-as part, e.g. "(ALL:ALL)", or null. */
  runas: string | null;
  /** Command part after the run-as spec, tags included ("NOPASSWD: ALL"). */
  commands: string;
  nopasswd: boolean;
  /** The command list is ALL (full root). */
  all_commands: boolean;
  text: string;
}

export interface SudoersInfo {
  /** Files read, in order. */
  files: string[];
  rules: SudoRule[];
  defaults: { file: string; line: number; text: string }[];
  /** User_Alias name → members. */
  user_aliases: Record<string, string[]>;
}

const MAX_INCLUDE_DEPTH = 128;
const MAX_FILES = 1000;

/** Logical lines of a sudoers file: comments removed, backslash continuations joined. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const start = i + 1;
    let line = raw[i]!.replace(/\r$/, '');
    while (line.endsWith('\\') && i + 1 < raw.length) line = line.slice(0, -1) + raw[++i]!.replace(/\r$/, '');
    out.push({ line: start, text: line });
  }
  return out;
}

/** "#" starts a comment unless it begins an include directive or a numeric id (#1000, %#100). */
function stripSudoComment(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '#') continue;
    if (/^#include/.test(s.slice(i)) && s.slice(0, i).trim() === '') return s;
    if (/^#\d/.test(s.slice(i))) continue;
    return s.slice(0, i);
  }
  return s;
}

/** Splits a comma list, ignoring commas inside parentheses and backslash-escaped ones. */
function splitList(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[++i];
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') depth = Math.max(0, depth - 1);
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out.filter((x) => x !== '');
}

export async function readSudoers(reader: GuestReader, root = '/etc/sudoers'): Promise<SudoersInfo> {
  const info: SudoersInfo = { files: [], rules: [], defaults: [], user_aliases: {} };
  const visiting = new Set<string>();

  const readFile = async (path: string, depth: number): Promise<void> => {
    if (depth > MAX_INCLUDE_DEPTH || info.files.length >= MAX_FILES) {
      reader.warn(`${path}: sudoers include depth or file limit reached; not read`);
      return;
    }
    const real = (await reader.realpath(path)) ?? path;
    if (visiting.has(real)) {
      reader.warn(`${path}: sudoers include loop; not read again`);
      return;
    }
    const text = await reader.text(path);
    if (text === undefined) return;
    visiting.add(real);
    info.files.push(path);
    const dir = path.slice(0, path.lastIndexOf('/')) || '/';
    for (const { line, text: rawLine } of logicalLines(text)) {
      const t = stripSudoComment(rawLine).trim();
      if (t === '') continue;
      const inc = /^[#@](include|includedir)\s+(.+)$/.exec(t);
      if (inc) {
        let target = inc[2]!.trim().replace(/^"(.*)"$/, '$1');
        if (!target.startsWith('/')) target = joinPath(dir, target);
        if (inc[1] === 'include') await readFile(target, depth + 1);
        else {
          for (const n of await reader.names(target)) {
            if (n.endsWith('~') || n.includes('.')) continue;
            if (await reader.isFile(joinPath(target, n))) await readFile(joinPath(target, n), depth + 1);
          }
        }
        continue;
      }
      if (/^Defaults([@:!>\s]|$)/.test(t)) {
        info.defaults.push({ file: path, line, text: t });
        continue;
      }
      const alias = /^(User|Runas|Host|Cmnd|Cmd)_Alias\s+(.+)$/.exec(t);
      if (alias) {
        if (alias[1] === 'User') {
          for (const def of alias[2]!.split(':')) {
            const m = /^\s*([A-Z][A-Z0-9_]*)\s*=\s*(.*)$/.exec(def);
            if (m) info.user_aliases[m[1]!] = splitList(m[2]!);
          }
        }
        continue;
      }
      const rule = parseUserSpec(t, path, line);
      if (rule) info.rules.push(rule);
    }
    visiting.delete(real);
  };

  await readFile(root, 0);
  return info;
}

/** "users hosts = (runas) TAGS: commands" → a rule (only the first host/command group is split out). */
function parseUserSpec(t: string, file: string, line: number): SudoRule | undefined {
  const eq = t.indexOf('=');
  if (eq < 0) return undefined;
  // Users and hosts are comma lists separated by whitespace: rejoin ", " so each list is one token.
  const left = t.slice(0, eq).trim().replace(/\s*,\s*/g, ',');
  const parts = left.split(/\s+/);
  if (parts.length !== 2) return undefined;
  const users = splitList(parts[0]!);
  const hosts = splitList(parts[1]!);
  let rest = t.slice(eq + 1).trim();
  let runas: string | null = null;
  const ra = /^(\([^)]*\))\s*/.exec(rest);
  if (ra) {
    runas = ra[1]!;
    rest = rest.slice(ra[0].length);
  }
  const nopasswd = /(^|[\s,:])NOPASSWD\s*:/.test(rest);
  const cmdList = rest.replace(/\b[A-Z_]+\s*:\s*/g, '').trim();
  const all = splitList(cmdList).some((c) => c === 'ALL');
  return { file, line, users, hosts, runas, commands: rest, nopasswd, all_commands: all, text: t };
}

/** Whether a rule's user list names this user (directly, by uid, by group, by alias or ALL); negated entries are honoured. */
export function ruleMatchesUser(rule: SudoRule, user: { name: string; uid: number; groups: string[]; gids: number[] }, aliases: Record<string, string[]>): boolean {
  const matchItem = (item: string, depth: number): boolean | undefined => {
    if (depth > 16) return undefined;
    const neg = item.startsWith('!');
    const it = neg ? item.slice(1).trim() : item;
    let hit = false;
    if (it === 'ALL' || it === user.name || it === `#${user.uid}`) hit = true;
    else if (it.startsWith('%#')) hit = user.gids.includes(Number(it.slice(2)));
    else if (it.startsWith('%:') || it.startsWith('%')) hit = user.groups.includes(it.replace(/^%:?/, ''));
    else if (aliases[it]) hit = aliases[it]!.some((m) => matchItem(m, depth + 1) === true);
    if (!hit) return undefined;
    return !neg;
  };
  // sudo takes the last matching entry in a list.
  let result = false;
  for (const u of rule.users) {
    const m = matchItem(u, 0);
    if (m !== undefined) result = m;
  }
  return result;
}
