/** accounts: conditions over /etc/passwd, /etc/shadow and /etc/group, listing each offender with its line. */
import type { LinuxUsers } from '../../../guest/linux/index.js';
import type { AuditFacts } from '../facts.js';
import { lineEvidence, result, type CheckResult } from '../result.js';
import type { CheckParams } from '../schema.js';
import type { Evidence } from '../types.js';

type Condition = CheckParams<'accounts'>['condition'];

const DESCRIPTION: Record<Condition, string> = {
  uid0_besides_root: 'accounts other than root with uid 0',
  empty_password: 'accounts with an empty password',
  system_account_with_login_shell: 'system accounts (uid below UID_MIN) other than root with a login shell',
  duplicate_uid: 'uids shared by several accounts',
  duplicate_gid: 'gids shared by several groups',
  duplicate_name: 'account or group names defined twice',
  no_password_aging: 'accounts with a password that never expires (no maximum age or 99999+ days)',
};

interface Offender {
  what: string;
  file: string;
  /** 1-based line, or the name whose (nth) line is looked up in `file`. */
  line: number | { name: string; nth?: number };
}

async function lineOf(facts: AuditFacts, file: string, name: string, nth = 0): Promise<number | undefined> {
  const f = await facts.file(file);
  if (f.kind !== 'file') return undefined;
  let seen = 0;
  for (let i = 0; i < f.lines.length; i++) if (f.lines[i]!.startsWith(`${name}:`) && seen++ === nth) return i + 1;
  return undefined;
}

function duplicates<T>(items: T[], key: (t: T) => string | number): T[][] {
  const by = new Map<string | number, T[]>();
  for (const it of items) by.set(key(it), [...(by.get(key(it)) ?? []), it]);
  return [...by.values()].filter((g) => g.length > 1);
}

/** Which same-named /etc/group line a group came from (groups have no line numbers of their own). */
function nthOfName<T extends { name: string }>(all: T[], item: T): number {
  let n = 0;
  for (const x of all) {
    if (x === item) return n;
    if (x.name === item.name) n++;
  }
  return n;
}

function offenders(c: Condition, u: LinuxUsers): Offender[] {
  const P = '/etc/passwd';
  const groupLine = (g: LinuxUsers['groups'][number]) => ({ name: g.name, nth: nthOfName(u.groups, g) });
  switch (c) {
    case 'uid0_besides_root':
      return u.users.filter((a) => a.uid === 0 && a.name !== 'root').map((a) => ({ what: `${a.name} has uid 0`, file: P, line: a.line }));
    case 'empty_password':
      return u.users
        .filter((a) => a.password.kind === 'empty')
        .map((a) => ({ what: `${a.name} has an empty password`, file: a.password.source === 'shadow' ? '/etc/shadow' : P, line: a.password.source === 'shadow' ? { name: a.name } : a.line }));
    case 'system_account_with_login_shell':
      return u.users.filter((a) => a.system && a.login_shell && a.name !== 'root').map((a) => ({ what: `${a.name} (uid ${a.uid}) has login shell ${a.shell}`, file: P, line: a.line }));
    case 'duplicate_uid':
      return duplicates(u.users, (a) => a.uid).flatMap((g) => g.map((a) => ({ what: `uid ${a.uid} is shared by ${g.map((x) => x.name).join(', ')}`, file: P, line: a.line })));
    case 'duplicate_gid':
      return duplicates(u.groups, (g) => g.gid).flatMap((g) => g.map((x) => ({ what: `gid ${x.gid} is shared by groups ${g.map((y) => y.name).join(', ')}`, file: '/etc/group', line: groupLine(x) })));
    case 'duplicate_name':
      return [
        ...duplicates(u.users, (a) => a.name).flatMap((g) => g.map((a) => ({ what: `user ${a.name} is defined ${g.length} times`, file: P, line: a.line }))),
        ...duplicates(u.groups, (g) => g.name).flatMap((g) => g.map((x) => ({ what: `group ${x.name} is defined ${g.length} times`, file: '/etc/group', line: groupLine(x) }))),
      ];
    case 'no_password_aging':
      return u.users
        .filter((a) => a.password.kind === 'hash' && !a.password.locked && (a.aging === null || a.aging.max_days === null || a.aging.max_days >= 99999))
        .map((a) => ({ what: `${a.name} has a password that never expires`, file: '/etc/shadow', line: { name: a.name } }));
  }
}

export async function accounts(p: CheckParams<'accounts'>, facts: AuditFacts): Promise<CheckResult> {
  const u = await facts.users();
  if (u.users.length === 0) return result('not_applicable', 'the guest has no local accounts (/etc/passwd missing or empty)', [{ file: '/etc/passwd', fact: 'no accounts' }]);
  const found = offenders(p.condition, u);
  const ev: Evidence[] = [];
  const seen = new Set<string>();
  for (const o of found) {
    const line = typeof o.line === 'number' ? o.line : await lineOf(facts, o.file, o.line.name, o.line.nth ?? 0);
    // Two passwd entries of one name share one shadow line: list it once.
    const key = `${o.file}:${line ?? o.what}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (line === undefined) ev.push({ file: o.file, fact: o.what });
    else ev.push({ ...lineEvidence(o.file, line, await facts.lineText(o.file, line)), fact: o.what });
  }
  if (found.length === 0) return result('pass', `no ${DESCRIPTION[p.condition]}`, [{ file: '/etc/passwd', fact: `${u.users.length} accounts checked: no ${DESCRIPTION[p.condition]}` }]);
  const names = [...new Set(found.map((o) => o.what))];
  return result('fail', names.length === 1 ? names[0]! : `${names.length} ${DESCRIPTION[p.condition]}: ${names.slice(0, 5).join('; ')}${names.length > 5 ? '; …' : ''}`, ev);
}
