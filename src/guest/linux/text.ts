/** Small text-format helpers shared by the Linux config parsers. */
import { GuestReader, joinPath, lines } from './reader.js';

/**
 * Unquotes one shell-style value as os-release(5) and sysconfig files use it: "double quotes"
 * with backslash escapes of \ " $ `, 'single quotes' literally, bare words with backslash
 * escapes. Adjacent quoted parts concatenate, as in the shell. With `lookup`, $NAME and
 * ${NAME} outside single quotes expand (for files that are sourced, like /etc/default/grub).
 */
export function shellUnquote(value: string, lookup?: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  const n = value.length;
  const expand = (): boolean => {
    if (!lookup || value[i] !== '$') return false;
    const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(value.slice(i));
    if (!m) return false;
    out += lookup((m[1] ?? m[2])!) ?? '';
    i += m[0].length;
    return true;
  };
  while (i < n) {
    if (expand()) continue;
    const c = value[i]!;
    if (c === "'") {
      const end = value.indexOf("'", i + 1);
      if (end < 0) return out + value.slice(i + 1);
      out += value.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < n && value[i] !== '"') {
        if (expand()) continue;
        if (value[i] === '\\' && i + 1 < n && '\\"$`\n'.includes(value[i + 1]!)) {
          out += value[i + 1];
          i += 2;
        } else {
          out += value[i];
          i++;
        }
      }
      i++;
    } else if (c === '\\' && i + 1 < n) {
      out += value[i + 1];
      i += 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * KEY=value lines (os-release, /etc/default/locale, ifcfg, login.defs-like files with "=").
 * Comments and blank lines are skipped; a leading "export " is tolerated; later keys win.
 */
export function parseShellVars(text: string, opts: { expand?: boolean; initial?: Map<string, string> } = {}): Map<string, string> {
  const out = new Map<string, string>(opts.initial ?? []);
  const lookup = opts.expand ? (name: string) => out.get(name) : undefined;
  for (const raw of lines(text)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('export ')) line = line.slice(7).trim();
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) continue;
    let value = line.slice(eq + 1).trim();
    // An unquoted " #" starts a comment in the shell.
    if (!value.startsWith('"') && !value.startsWith("'")) value = value.replace(/\s+#.*$/, '');
    out.set(key, shellUnquote(value, lookup));
  }
  return out;
}

/** "yes"/"true"/"1"/"on" and their negatives; undefined for anything else. */
export function parseBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (['yes', 'true', '1', 'on', 'y'].includes(v)) return true;
  if (['no', 'false', '0', 'off', 'n'].includes(v)) return false;
  return undefined;
}

/** fnmatch(3)-style pattern for one path component (*, ?, [a-z], [!x]); dotfiles need an explicit dot. */
export function globToRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('!') || body.startsWith('^')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRe(pattern[++i]!);
    } else re += escapeRe(c);
  }
  return new RegExp(re + '$');
}

function escapeRe(c: string): string {
  return /[.+^${}()|[\]\\*?]/.test(c) ? '\\' + c : c;
}

export function hasGlobChars(s: string): boolean {
  return /[*?[]/.test(s);
}

/** Upper bound on paths one glob may expand to. */
const MAX_GLOB_RESULTS = 10_000;

/**
 * Expands an absolute glob inside the guest, sorted like glob(3). Components without wildcards
 * are taken as they are; a leading dot must be matched explicitly, as glob(3) requires.
 */
export async function expandGlob(reader: GuestReader, pattern: string): Promise<string[]> {
  const parts = pattern.split('/').filter((p) => p !== '');
  let current = ['/'];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of current) {
      if (!hasGlobChars(part)) {
        next.push(joinPath(dir, part));
        continue;
      }
      const re = globToRegExp(part);
      for (const name of await reader.names(dir)) {
        if (name.startsWith('.') && !part.startsWith('.')) continue;
        if (re.test(name)) next.push(joinPath(dir, name));
        if (next.length > MAX_GLOB_RESULTS) break;
      }
    }
    current = next;
  }
  const existing: string[] = [];
  for (const p of current) if (await reader.exists(p)) existing.push(p);
  return existing.sort();
}

/** Strips a trailing "# comment" (whole-line and inline after whitespace). */
export function stripComment(line: string, chars = '#'): string {
  for (let i = 0; i < line.length; i++) {
    if (chars.includes(line[i]!) && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}
