/**
 * Local accounts and groups from /etc/passwd, /etc/shadow, /etc/group and /etc/gshadow, with
 * sudo rights from sudoers. Facts only: password hashes are never copied into the report, only
 * their kind.
 */
import type { GuestFileSystem } from '../../fs/vfs.js';
import { GuestReader, lines } from './reader.js';
import { readSudoers, ruleMatchesUser, type SudoersInfo } from './sudoers.js';

export type PasswordKind = 'hash' | 'empty' | 'none';

export interface PasswordInfo {
  /** hash: a crypt(3) hash; empty: no password needed; none: no usable password ("*", "!", "x" without shadow). */
  kind: PasswordKind;
  /** The field starts with "!" or "*" (locked / disabled for password login). */
  locked: boolean;
  /** crypt scheme of the hash (yescrypt, sha512crypt, sha256crypt, bcrypt, md5crypt, descrypt, ...). */
  algorithm: string | null;
  /** Where the field came from: shadow, passwd (a hash in /etc/passwd itself) or missing (passwd says x, shadow has no line). */
  source: 'shadow' | 'passwd' | 'missing';
}

export interface PasswordAging {
  /** Days since 1970-01-01 of the last change; 0 forces a change at next login. */
  last_change_days: number | null;
  last_change_date: string | null;
  min_days: number | null;
  max_days: number | null;
  warn_days: number | null;
  inactive_days: number | null;
  expire_days: number | null;
  expire_date: string | null;
  must_change: boolean;
}

export interface UserAccount {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
  primary_group: string | null;
  /** Supplementary groups (from group member lists and gshadow). */
  groups: string[];
  /** Shell is an interactive one (not nologin/false/sync/halt/shutdown). */
  login_shell: boolean;
  /** uid below login.defs UID_MIN (default 1000), or 65534 nobody. */
  system: boolean;
  password: PasswordInfo;
  aging: PasswordAging | null;
  sudo: {
    /** Member of sudo, wheel or admin. */
    admin_groups: string[];
    /** sudoers rules that name this user (directly, by group, alias or ALL). */
    rules: { file: string; line: number; text: string; nopasswd: boolean; all_commands: boolean }[];
  };
  line: number;
}

export interface GroupInfo {
  name: string;
  gid: number;
  members: string[];
  /** Users whose primary group this is. */
  primary_members: string[];
  admins: string[];
  password: { kind: PasswordKind; locked: boolean } | null;
}

export interface LinuxUsers {
  users: UserAccount[];
  groups: GroupInfo[];
  /** Accounts with uid 0. */
  uid0_accounts: string[];
  /** Accounts with an empty password field (log in without a password). */
  empty_password_accounts: string[];
  /** Accounts whose shell is an interactive one. */
  login_shell_accounts: string[];
  duplicate_uids: { uid: number; names: string[] }[];
  sudoers: SudoersInfo;
  /** UID_MIN used to tell system accounts apart. */
  uid_min: number;
}

const NOLOGIN = /(^|\/)(nologin|false|sync|halt|shutdown|git-shell)$/;
const MAX_ENTRIES = 200_000;

function splitDb(text: string, fields: number): { f: string[]; line: number }[] {
  const out: { f: string[]; line: number }[] = [];
  const ls = lines(text);
  for (let i = 0; i < ls.length && out.length < MAX_ENTRIES; i++) {
    const l = ls[i]!;
    if (l.trim() === '' || l.startsWith('#')) continue;
    // NIS compat lines (+, -) are not local accounts.
    if (l.startsWith('+') || l.startsWith('-')) continue;
    const f = l.split(':');
    if (f.length < fields) continue;
    out.push({ f, line: i + 1 });
  }
  return out;
}

function num(s: string | undefined): number | null {
  if (s === undefined || s.trim() === '' || !/^-?\d+$/.test(s.trim())) return null;
  const n = Number(s.trim());
  return Number.isSafeInteger(n) ? n : null;
}

function dayToDate(days: number | null): string | null {
  if (days === null || days < 0 || days > 2_932_896) return null;
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

/** Identifies the crypt(3) scheme from the hash prefix. */
export function hashAlgorithm(hash: string): string | null {
  const m = /^\$([^$]+)\$/.exec(hash);
  if (m) {
    const id = m[1]!;
    const map: Record<string, string> = {
      y: 'yescrypt',
      gy: 'gost-yescrypt',
      '7': 'scrypt',
      '6': 'sha512crypt',
      '5': 'sha256crypt',
      '2a': 'bcrypt',
      '2b': 'bcrypt',
      '2y': 'bcrypt',
      '2x': 'bcrypt',
      '1': 'md5crypt',
      md5: 'sunmd5',
      sha1: 'sha1crypt',
    };
    return map[id] ?? `unknown($${id}$)`;
  }
  if (/^_[./0-9A-Za-z]{19}$/.test(hash)) return 'bsdicrypt';
  if (/^[./0-9A-Za-z]{13}$/.test(hash)) return 'descrypt';
  return null;
}

function passwordOf(field: string): { kind: PasswordKind; locked: boolean; algorithm: string | null } {
  if (field === '') return { kind: 'empty', locked: false, algorithm: null };
  const locked = field.startsWith('!') || field.startsWith('*');
  const bare = field.replace(/^[!*]+/, '');
  const algorithm = hashAlgorithm(bare);
  return { kind: algorithm ? 'hash' : 'none', locked, algorithm };
}

async function uidMin(reader: GuestReader): Promise<number> {
  const text = await reader.text('/etc/login.defs');
  const m = text === undefined ? null : /^\s*UID_MIN\s+(\d+)/m.exec(text);
  const v = m ? Number(m[1]) : 1000;
  return Number.isSafeInteger(v) ? v : 1000;
}

export async function inspectLinuxUsers(src: GuestFileSystem | GuestReader): Promise<LinuxUsers> {
  const reader = GuestReader.of(src);
  const passwd = splitDb((await reader.text('/etc/passwd')) ?? '', 7);
  const shadow = new Map(splitDb((await reader.text('/etc/shadow')) ?? '', 2).map((e) => [e.f[0]!, e.f]));
  const group = splitDb((await reader.text('/etc/group')) ?? '', 4);
  const gshadow = new Map(splitDb((await reader.text('/etc/gshadow')) ?? '', 4).map((e) => [e.f[0]!, e.f]));
  const sudoers = await readSudoers(reader);
  const minUid = await uidMin(reader);

  const groups: GroupInfo[] = [];
  const gidName = new Map<number, string>();
  const groupByName = new Map<string, GroupInfo>();
  const memberOf = new Map<string, Set<string>>();
  for (const { f } of group) {
    const gid = num(f[2]);
    if (gid === null) continue;
    const gs = gshadow.get(f[0]!);
    const members = new Set((f[3] ?? '').split(',').filter((m) => m !== ''));
    for (const m of (gs?.[3] ?? '').split(',')) if (m !== '') members.add(m);
    const pw = gs ? passwordOf(gs[1]!) : f[1] !== 'x' ? passwordOf(f[1]!) : null;
    groups.push({
      name: f[0]!,
      gid,
      members: [...members],
      primary_members: [],
      admins: (gs?.[2] ?? '').split(',').filter((m) => m !== ''),
      password: pw ? { kind: pw.kind, locked: pw.locked } : null,
    });
    if (!gidName.has(gid)) gidName.set(gid, f[0]!);
    if (!groupByName.has(f[0]!)) groupByName.set(f[0]!, groups[groups.length - 1]!);
    for (const m of members) {
      if (!memberOf.has(m)) memberOf.set(m, new Set());
      memberOf.get(m)!.add(f[0]!);
    }
  }

  const users: UserAccount[] = [];
  for (const { f, line } of passwd) {
    const uid = num(f[2]);
    const gid = num(f[3]);
    if (uid === null || gid === null) continue;
    const name = f[0]!;
    const sh = shadow.get(name);
    let password: PasswordInfo;
    if (f[1] !== 'x' && f[1] !== '*' && !(f[1] ?? '').startsWith('!') && f[1] !== '') password = { ...passwordOf(f[1]!), source: 'passwd' };
    else if (f[1] === '') password = { kind: 'empty', locked: false, algorithm: null, source: 'passwd' };
    else if (sh) password = { ...passwordOf(sh[1]!), source: 'shadow' };
    else password = { kind: 'none', locked: f[1] !== 'x', algorithm: null, source: f[1] === 'x' ? 'missing' : 'passwd' };
    const primary = gidName.get(gid) ?? null;
    const supp = [...(memberOf.get(name) ?? [])].filter((g) => g !== primary).sort();
    const allGroups = primary ? [primary, ...supp] : supp;
    const gids = [gid, ...allGroups.map((g) => groupByName.get(g)?.gid).filter((x): x is number => x !== undefined)];
    const shell = f[6] ?? '';
    const matching = sudoers.rules.filter((r) => ruleMatchesUser(r, { name, uid, groups: allGroups, gids }, sudoers.user_aliases));
    users.push({
      name,
      uid,
      gid,
      gecos: f[4] ?? '',
      home: f[5] ?? '',
      shell,
      primary_group: primary,
      groups: supp,
      login_shell: shell !== '' && !NOLOGIN.test(shell),
      system: uid < minUid || uid === 65534,
      password,
      aging: sh ? aging(sh) : null,
      sudo: {
        admin_groups: allGroups.filter((g) => g === 'sudo' || g === 'wheel' || g === 'admin'),
        rules: matching.map((r) => ({ file: r.file, line: r.line, text: r.text, nopasswd: r.nopasswd, all_commands: r.all_commands })),
      },
      line,
    });
    if (primary) groupByName.get(primary)?.primary_members.push(name);
  }

  const byUid = new Map<number, string[]>();
  for (const u of users) byUid.set(u.uid, [...(byUid.get(u.uid) ?? []), u.name]);
  return {
    users,
    groups,
    uid0_accounts: users.filter((u) => u.uid === 0).map((u) => u.name),
    empty_password_accounts: users.filter((u) => u.password.kind === 'empty').map((u) => u.name),
    login_shell_accounts: users.filter((u) => u.login_shell).map((u) => u.name),
    duplicate_uids: [...byUid].filter(([, n]) => n.length > 1).map(([uid, names]) => ({ uid, names })),
    sudoers,
    uid_min: minUid,
  };
}

function aging(f: string[]): PasswordAging {
  const last = num(f[2]);
  const expire = num(f[7]);
  return {
    last_change_days: last,
    last_change_date: dayToDate(last),
    min_days: num(f[3]),
    max_days: num(f[4]),
    warn_days: num(f[5]),
    inactive_days: num(f[6]),
    expire_days: expire,
    expire_date: dayToDate(expire),
    must_change: last === 0,
  };
}
