/**
 * Kernel parameters set at boot, merged with systemd-sysctl's rules (sysctl.d(5)): *.conf files
 * from /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d and
 * /lib/sysctl.d are taken by file name (a same-named file in an earlier directory replaces
 * later ones; a link to /dev/null masks), read in lexicographic order of name, and a later
 * assignment of a key wins. /etc/sysctl.conf is read last, as `sysctl --system` does, unless a
 * sysctl.d entry already is that file (Debian's 99-sysctl.conf link).
 */
import { GuestReader, joinPath, lines } from '../reader.js';

export const SYSCTL_DIRS = ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d'];

export interface SysctlValue {
  value: string;
  file: string;
  line: number;
  /** Earlier assignments this one overrode, oldest first. */
  overrides: { value: string; file: string; line: number }[];
}

export interface SysctlInfo {
  /** Files applied, in order. */
  files: string[];
  /** Files masked by a same-named link to /dev/null. */
  masked: string[];
  /** Effective value per key (keys normalised to dots). */
  settings: Record<string, SysctlValue>;
}

/** sysctl.d allows "/" as separator; systemd swaps "/" and "." when the first separator is "/". */
export function normalizeSysctlKey(key: string): string {
  const k = key.trim().replace(/^-/, '');
  const firstSep = k.search(/[./]/);
  if (firstSep < 0 || k[firstSep] === '.') return k;
  return k.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'));
}

export async function readSysctl(reader: GuestReader): Promise<SysctlInfo> {
  const byName = new Map<string, string>();
  const seenDirs = new Set<string>();
  for (const dir of SYSCTL_DIRS) {
    const real = await reader.realpath(dir);
    if (real === undefined || seenDirs.has(real)) continue;
    seenDirs.add(real);
    for (const n of await reader.names(dir)) if (n.endsWith('.conf') && !byName.has(n)) byName.set(n, joinPath(dir, n));
  }
  const info: SysctlInfo = { files: [], masked: [], settings: {} };
  const order = [...byName.keys()].sort().map((n) => byName.get(n)!);
  const applied = new Set<string>();
  const apply = async (path: string) => {
    const text = await reader.text(path, 1024 * 1024);
    if (text === undefined) return;
    info.files.push(path);
    applied.add((await reader.realpath(path)) ?? path);
    const ls = lines(text);
    for (let i = 0; i < ls.length; i++) {
      const t = ls[i]!.trim();
      if (t === '' || t.startsWith('#') || t.startsWith(';')) continue;
      const eq = t.indexOf('=');
      if (eq <= 0) continue;
      const key = normalizeSysctlKey(t.slice(0, eq));
      const value = t.slice(eq + 1).trim();
      const prev = info.settings[key];
      info.settings[key] = { value, file: path, line: i + 1, overrides: prev ? [...prev.overrides, { value: prev.value, file: prev.file, line: prev.line }] : [] };
    }
  };
  for (const p of order) {
    if ((await reader.readlink(p)) === '/dev/null') {
      info.masked.push(p);
      continue;
    }
    await apply(p);
  }
  const etcConf = (await reader.realpath('/etc/sysctl.conf')) ?? '/etc/sysctl.conf';
  if (!applied.has(etcConf)) await apply('/etc/sysctl.conf');
  return info;
}
