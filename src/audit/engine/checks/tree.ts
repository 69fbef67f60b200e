/** world_writable and suid_sgid: bounded walks shared by every rule of a run. */
import type { AuditFacts } from '../facts.js';
import { octal, result, type CheckResult } from '../result.js';
import type { CheckParams } from '../schema.js';
import type { Evidence } from '../types.js';
import type { WalkEntry } from '../walk.js';

/** Offending paths listed as evidence. */
export const MAX_LISTED_PATHS = 20;

/** Full-path glob: "*" and "?" stay within one component, "**" crosses them. */
export function pathGlob(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += /[.+^${}()|[\]\\]/.test(c) ? `\\${c}` : c;
  }
  return new RegExp(`${re}$`);
}

async function scan(
  facts: AuditFacts,
  paths: string[],
  allow: string[],
  offends: (e: WalkEntry) => string | undefined,
): Promise<{ hits: { path: string; why: string }[]; visited: number; incomplete: string[] }> {
  const allowed = allow.map(pathGlob);
  const hits = new Map<string, string>();
  const incomplete: string[] = [];
  let visited = 0;
  for (const p of paths) {
    const w = await facts.walk(p);
    visited += w.visited;
    if (w.incomplete) incomplete.push(w.incomplete);
    for (const e of w.entries) {
      const why = offends(e);
      if (why && !hits.has(e.path) && !allowed.some((re) => re.test(e.path))) hits.set(e.path, why);
    }
  }
  const sorted = [...hits].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { hits: sorted.map(([path, why]) => ({ path, why })), visited, incomplete: [...new Set(incomplete)] };
}

function report(what: string, paths: string[], s: Awaited<ReturnType<typeof scan>>): CheckResult {
  const where = paths.join(', ');
  const ev: Evidence[] = s.hits.slice(0, MAX_LISTED_PATHS).map((h) => ({ file: h.path, fact: h.why }));
  if (s.hits.length > MAX_LISTED_PATHS) ev.push({ fact: `… and ${s.hits.length - MAX_LISTED_PATHS} more` });
  if (s.hits.length > 0) {
    const partial = s.incomplete.length > 0 ? ` (walk incomplete: ${s.incomplete[0]})` : '';
    return result('fail', `${s.hits.length} ${what} under ${where}: ${s.hits[0]!.path} (${s.hits[0]!.why})${s.hits.length > 1 ? ', …' : ''}${partial}`, ev);
  }
  // Nothing found in a partial walk proves nothing.
  if (s.incomplete.length > 0) return result('error', `${s.incomplete.join('; ')}: cannot tell whether there are ${what}`, [{ fact: s.incomplete.join('; ') }]);
  return result('pass', `no ${what} under ${where} (${s.visited} entries checked)`, [{ fact: `${s.visited} entries under ${where} checked` }]);
}

export async function worldWritable(p: CheckParams<'world_writable'>, facts: AuditFacts): Promise<CheckResult> {
  const s = await scan(facts, p.paths, p.allow ?? [], (e) => {
    if ((e.mode & 0o002) === 0) return undefined;
    if (e.type === 'file') return `world-writable file, mode ${octal(e.mode)}`;
    if (e.type === 'dir' && (e.mode & 0o1000) === 0) return `world-writable directory without sticky bit, mode ${octal(e.mode)}`;
    return undefined;
  });
  return report('world-writable files or directories', p.paths, s);
}

export async function suidSgid(p: CheckParams<'suid_sgid'>, facts: AuditFacts): Promise<CheckResult> {
  const s = await scan(facts, p.paths, p.allow ?? [], (e) => {
    if (e.type !== 'file' || (e.mode & 0o6000) === 0) return undefined;
    const bits = [e.mode & 0o4000 ? 'setuid' : '', e.mode & 0o2000 ? 'setgid' : ''].filter((b) => b !== '').join('+');
    return `${bits} file, mode ${octal(e.mode)}`;
  });
  return report('setuid/setgid files outside the allowlist', p.paths, s);
}
