/** file_exists, file_absent, file_mode, file_owner, file_content. */
import { hasGlobChars, stripComment } from '../../../guest/linux/text.js';
import type { Stat } from '../../../fs/types.js';
import type { AuditFacts } from '../facts.js';
import { compileRegex, regexTest } from '../ops.js';
import { fail, lineEvidence, octal, pass, result, type CheckResult } from '../result.js';
import type { CheckParams } from '../schema.js';
import type { Evidence } from '../types.js';

type Missing = 'pass' | 'fail' | 'not_applicable';

/** Existing paths a (possibly wildcarded) path names. */
async function existing(facts: AuditFacts, path: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of await facts.glob(path)) if ((await facts.lstat(p)) !== undefined) out.push(p);
  return out;
}

function describe(st: Stat): string {
  return `${st.type}, mode ${octal(st.mode)}, uid ${st.uid}, gid ${st.gid}`;
}

export async function fileExists(p: CheckParams<'file_exists'>, facts: AuditFacts): Promise<CheckResult> {
  const found = await existing(facts, p.path);
  if (found.length === 0) return fail(`${p.path} does not exist`, [{ file: p.path, fact: 'does not exist' }]);
  const ev: Evidence[] = [];
  for (const f of found) ev.push({ file: f, fact: `exists (${describe((await facts.lstat(f))!)})` });
  return pass(found.length === 1 ? `${found[0]} exists` : `${found.length} files match ${p.path}`, ev);
}

export async function fileAbsent(p: CheckParams<'file_absent'>, facts: AuditFacts): Promise<CheckResult> {
  const r = await fileExists(p, facts);
  return result(r.status === 'pass' ? 'fail' : 'pass', r.message, r.evidence);
}

function missingResult(missing: Missing, message: string, path: string): CheckResult {
  return result(missing, message, [{ file: path, fact: 'does not exist' }]);
}

/** Stat of each existing match, symlinks followed (a link's own mode means nothing). */
async function targets(facts: AuditFacts, path: string): Promise<{ path: string; st: Stat }[]> {
  const out: { path: string; st: Stat }[] = [];
  for (const f of await facts.glob(path)) {
    const st = await facts.stat(f);
    if (st) out.push({ path: f, st });
  }
  return out;
}

const BIT_NAMES: [number, string][] = [
  [0o4000, 'setuid'],
  [0o2000, 'setgid'],
  [0o1000, 'sticky'],
  [0o200, 'owner write'],
  [0o100, 'owner execute'],
  [0o400, 'owner read'],
  [0o040, 'group read'],
  [0o020, 'group write'],
  [0o010, 'group execute'],
  [0o004, 'other read'],
  [0o002, 'other write'],
  [0o001, 'other execute'],
];

export async function fileMode(p: CheckParams<'file_mode'>, facts: AuditFacts): Promise<CheckResult> {
  const max = parseInt(p.max, 8);
  const files = await targets(facts, p.path);
  if (files.length === 0) return missingResult(p.missing ?? 'not_applicable', `${p.path} does not exist`, p.path);
  const bad: string[] = [];
  const ev: Evidence[] = [];
  for (const { path, st } of files) {
    const extra = st.mode & 0o7777 & ~max;
    ev.push({ file: path, fact: `mode ${octal(st.mode)}` });
    if (extra !== 0) bad.push(`${path} has mode ${octal(st.mode)} (${BIT_NAMES.filter(([b]) => extra & b).map(([, n]) => n).join(', ')} beyond ${octal(max)})`);
  }
  if (bad.length > 0) return fail(bad.length === 1 ? bad[0]! : `${bad.length} files exceed mode ${octal(max)}: ${bad[0]}, …`, ev);
  return pass(files.length === 1 ? `${files[0]!.path} has mode ${octal(files[0]!.st.mode)} (at most ${octal(max)})` : `${files.length} files have at most mode ${octal(max)}`, ev);
}

/** Resolves an expected owner (name or number) and names an actual id, from the guest's own databases. */
async function idNames(facts: AuditFacts): Promise<{ uidOf: Map<string, number>; gidOf: Map<string, number>; userName: Map<number, string>; groupName: Map<number, string> }> {
  const u = await facts.users();
  const uidOf = new Map<string, number>();
  const userName = new Map<number, string>();
  for (const a of u.users) {
    if (!uidOf.has(a.name)) uidOf.set(a.name, a.uid);
    if (!userName.has(a.uid)) userName.set(a.uid, a.name);
  }
  const gidOf = new Map<string, number>();
  const groupName = new Map<number, string>();
  for (const g of u.groups) {
    if (!gidOf.has(g.name)) gidOf.set(g.name, g.gid);
    if (!groupName.has(g.gid)) groupName.set(g.gid, g.name);
  }
  return { uidOf, gidOf, userName, groupName };
}

function wantedId(spec: string | number, byName: Map<string, number>): number | undefined {
  if (typeof spec === 'number') return spec;
  if (/^\d+$/.test(spec)) return Number(spec);
  return byName.get(spec);
}

export async function fileOwner(p: CheckParams<'file_owner'>, facts: AuditFacts): Promise<CheckResult> {
  const files = await targets(facts, p.path);
  if (files.length === 0) return missingResult(p.missing ?? 'not_applicable', `${p.path} does not exist`, p.path);
  const ids = await idNames(facts);
  const wantUid = p.user !== undefined ? wantedId(p.user, ids.uidOf) : undefined;
  const wantGid = p.group !== undefined ? wantedId(p.group, ids.gidOf) : undefined;
  const bad: string[] = [];
  const ev: Evidence[] = [];
  for (const { path, st } of files) {
    const owner = `${ids.userName.get(st.uid) ?? st.uid}:${ids.groupName.get(st.gid) ?? st.gid}`;
    ev.push({ file: path, fact: `owner ${owner} (uid ${st.uid}, gid ${st.gid})` });
    if (p.user !== undefined && st.uid !== wantUid) bad.push(`${path} is owned by ${ids.userName.get(st.uid) ?? `uid ${st.uid}`}, not ${p.user}${wantUid === undefined ? ' (no such user in /etc/passwd)' : ''}`);
    if (p.group !== undefined && st.gid !== wantGid) bad.push(`${path} has group ${ids.groupName.get(st.gid) ?? `gid ${st.gid}`}, not ${p.group}${wantGid === undefined ? ' (no such group in /etc/group)' : ''}`);
  }
  if (bad.length > 0) return fail(bad.length === 1 ? bad[0]! : `${bad[0]} (and ${bad.length - 1} more)`, ev);
  const want = [p.user, p.group].filter((x) => x !== undefined).join(':');
  return pass(files.length === 1 ? `${files[0]!.path} is owned by ${ev[0]!.fact!.slice(6)}` : `${files.length} files are owned by ${want}`, ev);
}

/** Matching lines listed as evidence at most. */
const MAX_MATCHES = 10;

export async function fileContent(p: CheckParams<'file_content'>, facts: AuditFacts): Promise<CheckResult> {
  const re = compileRegex(p.regex, p.flags ?? '');
  const files: string[] = [];
  const glob = hasGlobChars(p.path);
  for (const f of await facts.glob(p.path)) {
    // A wildcard may also match directories or devices; only regular files have lines.
    if (glob && (await facts.stat(f))?.type !== 'file') continue;
    if ((await facts.file(f)).kind === 'file') files.push(f);
  }
  if (files.length === 0) {
    const missing: Missing = p.missing ?? (p.present ? 'fail' : 'pass');
    return missingResult(missing, `${p.path} does not exist`, p.path);
  }
  const matches: Evidence[] = [];
  let count = 0;
  for (const f of files) {
    const text = await facts.file(f);
    if (text.kind !== 'file') continue;
    text.lines.forEach((line, i) => {
      const subject = p.ignore_comments ? stripComment(line) : line;
      if (p.ignore_comments && subject.trim() === '') return;
      if (!regexTest(re, subject)) return;
      count++;
      if (matches.length < MAX_MATCHES) matches.push(lineEvidence(f, i + 1, line));
    });
  }
  const where = files.length === 1 ? files[0]! : `${files.length} files matching ${p.path}`;
  if (count > 0) {
    const first = matches[0]!;
    const msg = `${where} has ${count === 1 ? 'a line' : `${count} lines`} matching /${p.regex}/ (${first.file}:${first.line})`;
    return p.present ? pass(msg, matches) : fail(msg, matches);
  }
  const msg = `no line of ${where} matches /${p.regex}/`;
  const ev = files.slice(0, MAX_MATCHES).map((f) => ({ file: f, fact: `no line matches /${p.regex}/` }));
  return p.present ? fail(msg, ev) : pass(msg, ev);
}
