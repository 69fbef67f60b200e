/**
 * modprobe.d(5) configuration as kmod reads it: *.conf files from /etc/modprobe.d,
 * /run/modprobe.d, /usr/local/lib/modprobe.d, /usr/lib/modprobe.d and /lib/modprobe.d, a file
 * name in an earlier directory replacing the same name in later ones, read in name order.
 * Only the lines that keep a module from loading are kept (install ... and blacklist).
 */
import { joinPath } from '../../guest/linux/reader.js';
import type { AuditFacts } from './facts.js';

export const MODPROBE_DIRS = ['/etc/modprobe.d', '/run/modprobe.d', '/usr/local/lib/modprobe.d', '/usr/lib/modprobe.d', '/lib/modprobe.d'];

export interface ModprobeLine {
  file: string;
  line: number;
  text: string;
  kind: 'install' | 'blacklist';
  /** Module name with "-" folded to "_" (the kernel treats them alike). */
  module: string;
  /** For install: the command line. */
  command: string;
}

export function normalizeModule(name: string): string {
  return name.replace(/-/g, '_');
}

export async function readModprobe(facts: AuditFacts): Promise<ModprobeLine[]> {
  const byName = new Map<string, string>();
  const seen = new Set<string>();
  for (const dir of MODPROBE_DIRS) {
    const real = await facts.reader.realpath(dir);
    // /lib → /usr/lib on merged-/usr systems: one directory, read once.
    if (real === undefined || seen.has(real)) continue;
    seen.add(real);
    for (const n of await facts.reader.names(dir)) if (n.endsWith('.conf') && !byName.has(n)) byName.set(n, joinPath(dir, n));
  }
  const out: ModprobeLine[] = [];
  for (const n of [...byName.keys()].sort()) {
    const path = byName.get(n)!;
    // A link to /dev/null masks the file of that name (as in systemd's conf.d directories).
    if ((await facts.reader.readlink(path)) === '/dev/null') continue;
    let f;
    try {
      f = await facts.file(path);
    } catch (err) {
      facts.reader.warn(`${path}: ${(err as Error).message}`);
      continue;
    }
    if (f.kind !== 'file') continue;
    f.lines.forEach((raw, i) => {
      const t = raw.trim();
      const m = /^(install|blacklist)\s+(\S+)\s*(.*)$/.exec(t);
      if (!m) return;
      out.push({ file: path, line: i + 1, text: raw, kind: m[1] as ModprobeLine['kind'], module: normalizeModule(m[2]!), command: m[3]!.replace(/\s+#.*$/, '').trim() });
    });
  }
  return out;
}
