/**
 * Lynis (Debian package `lynis`) as an independent auditor of the Debian test guests.
 *
 * Lynis audits the running system: its `--rootdir` option (undocumented, "useful for
 * forensics") only prefixes some file reads, while the tests still query the host (dpkg -l,
 * sshd -T, sysctl -a, mount, ps). So instead Lynis runs *inside* the guest tree, emulating a
 * boot just enough for it to see the guest and not the host, all in throw-away namespaces:
 *
 * - unshare --mount --net --pid: nothing done inside outlives the run or touches the host;
 * - an overlay of the tree with Lynis' files on top (the tree itself is never written);
 * - /proc for the new PID namespace; the guest's /etc/fstab mounts reproduced (tmpfs, or a
 *   bind mount of the directory remounted with the entry's nodev/nosuid/noexec/ro);
 * - the network sysctls a fresh kernel starts with, then the guest's own sysctl.d applied by
 *   its systemd-sysctl limited to net.* (per network namespace; kernel.* and fs.* are global,
 *   so Lynis sees the host's values there and those keys are not compared);
 * - the guest's sshd started (SSH-7408 only runs when sshd runs; it asks `sshd -T`);
 * - `chroot TREE lynis audit system`.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES_ROOT, hasTool, run } from '../helpers/fixtures.js';

export const canRunLynis = process.getuid?.() === 0 && ['lynis', 'unshare', 'chroot'].every(hasTool) && existsSync('/usr/share/lynis/include') && existsSync('/etc/lynis/default.prf');

export function lynisVersion(): string {
  return run('lynis', ['show', 'version']).trim();
}

/** IPv4 settings of a freshly booted kernel (a new network namespace copies the host's instead). */
const KERNEL_NET_DEFAULTS: [string, string][] = [
  ['net/ipv4/ip_forward', '0'],
  ['net/ipv4/conf/all/forwarding', '0'],
  ['net/ipv4/conf/default/forwarding', '0'],
  ['net/ipv4/conf/all/accept_redirects', '1'],
  ['net/ipv4/conf/default/accept_redirects', '1'],
  ['net/ipv4/conf/all/send_redirects', '1'],
  ['net/ipv4/conf/default/send_redirects', '1'],
  ['net/ipv4/conf/all/secure_redirects', '1'],
  ['net/ipv4/conf/default/secure_redirects', '1'],
  ['net/ipv4/conf/all/accept_source_route', '0'],
  ['net/ipv4/conf/default/accept_source_route', '1'],
  ['net/ipv4/conf/all/rp_filter', '0'],
  ['net/ipv4/conf/default/rp_filter', '0'],
  ['net/ipv4/conf/all/log_martians', '0'],
  ['net/ipv4/conf/default/log_martians', '0'],
  ['net/ipv4/conf/all/proxy_arp', '0'],
  ['net/ipv4/conf/all/bootp_relay', '0'],
];

const BIND_FLAGS = new Set(['nodev', 'nosuid', 'noexec', 'ro']);

/** Shell commands that mount the guest's fstab entries inside the merged tree. */
function fstabMounts(tree: string, merged: string): string[] {
  const fstab = existsSync(join(tree, 'etc/fstab')) ? readFileSync(join(tree, 'etc/fstab'), 'utf8') : '';
  const out: string[] = [];
  for (const raw of fstab.split('\n')) {
    const f = raw.replace(/#.*$/, '').trim().split(/\s+/);
    if (f.length < 4) continue;
    const [, mp, type, opts] = f as [string, string, string, string];
    if (!mp.startsWith('/') || mp === '/' || type === 'swap' || type === 'proc') continue;
    const target = join(merged, mp);
    out.push(`mkdir -p '${target}'`);
    if (type === 'tmpfs') out.push(`mount -t tmpfs -o '${opts}' tmpfs '${target}'`);
    else {
      const flags = opts.split(',').filter((o) => BIND_FLAGS.has(o));
      out.push(`mount --bind '${target}' '${target}'`);
      if (flags.length > 0) out.push(`mount -o 'remount,bind,${flags.join(',')}' '${target}'`);
    }
  }
  return out;
}

export interface LynisResult {
  report: string;
  log: string;
}

/** Runs Lynis in `tree` (see the file comment); cached per tree under .fixtures/. */
export function lynisAudit(name: string, tree: string): LynisResult {
  const cache = join(FIXTURES_ROOT, `audit-lynis-${name}-v1`);
  if (!existsSync(join(cache, '.done'))) {
    rmSync(cache, { recursive: true, force: true });
    const w = join(cache, 'work');
    for (const d of ['lynis/usr/sbin', 'lynis/usr/share', 'lynis/etc', 'upper', 'ovl', 'merged']) mkdirSync(join(w, d), { recursive: true });
    run('cp', ['-a', '/usr/sbin/lynis', join(w, 'lynis/usr/sbin/')]);
    run('cp', ['-a', '/usr/share/lynis', join(w, 'lynis/usr/share/')]);
    run('cp', ['-a', '/etc/lynis', join(w, 'lynis/etc/')]);
    const m = join(w, 'merged');
    const script = [
      'set -e',
      `mount -t overlay overlay -o 'lowerdir=${join(w, 'lynis')}:${tree},upperdir=${join(w, 'upper')},workdir=${join(w, 'ovl')}' '${m}'`,
      `mount -t proc proc '${m}/proc'`,
      ...fstabMounts(tree, m),
      ...KERNEL_NET_DEFAULTS.map(([k, v]) => `echo ${v} > /proc/sys/${k}`),
      `chroot '${m}' /lib/systemd/systemd-sysctl --prefix=/net`,
      `mkdir -p '${m}/run/sshd'`,
      `chroot '${m}' /usr/sbin/sshd || echo 'sshd did not start' >&2`,
      `chroot '${m}' lynis audit system --no-colors --quick --skip-plugins --logfile /root/gg-lynis.log --report-file /root/gg-lynis-report.dat > '${join(cache, 'stdout.txt')}' 2>&1 || true`,
    ].join('\n');
    run('unshare', ['--mount', '--net', '--pid', '--fork', 'sh', '-c', script], { timeout: 900_000 });
    for (const f of ['gg-lynis.log', 'gg-lynis-report.dat']) run('cp', [join(w, 'upper/root', f), join(cache, f)]);
    rmSync(w, { recursive: true, force: true });
    writeFileSync(join(cache, '.done'), lynisVersion());
  }
  return { report: readFileSync(join(cache, 'gg-lynis-report.dat'), 'utf8'), log: readFileSync(join(cache, 'gg-lynis.log'), 'utf8') };
}

export type LynisStatus = 'pass' | 'fail' | 'skipped';

export interface ParsedLynis {
  executed: Set<string>;
  /** Test id → details of every suggestion or warning it reported. */
  findings: Map<string, { kind: 'suggestion' | 'warning'; text: string; details: string }[]>;
  /** KRNL-6000 per key: true when equal to the scan profile. */
  sysctl: Map<string, boolean>;
  /** FILE-7524 per path: true when the permissions are as the profile expects. */
  perms: Map<string, boolean>;
  /** Log lines of each test that ran. */
  sections: Map<string, string[]>;
}

/**
 * Results some tests only log: they score the finding (partial hardening points) or note it
 * without a suggestion (the telnet client suggestion is commented out in Lynis 3.0.8).
 */
const LOGGED_FAILURES: Record<string, RegExp> = {
  'SHLL-6220': /assigned partial number of hardening points/,
  'INSE-8310': /Result: telnet client is installed/,
};

export function parseLynis(r: LynisResult): ParsedLynis {
  const executed = new Set<string>();
  const findings: ParsedLynis['findings'] = new Map();
  for (const line of r.report.split('\n')) {
    if (line.startsWith('tests_executed=')) for (const t of line.slice('tests_executed='.length).split('|')) if (t) executed.add(t);
    const m = /^(suggestion|warning)\[\]=([A-Z0-9-]+)\|([^|]*)\|([^|]*)\|/.exec(line);
    if (m) {
      const list = findings.get(m[2]!) ?? [];
      list.push({ kind: m[1] as 'suggestion' | 'warning', text: m[3]!, details: m[4]! });
      findings.set(m[2]!, list);
    }
  }
  const sysctl = new Map<string, boolean>();
  const perms = new Map<string, boolean>();
  const sections = new Map<string, string[]>();
  let permPath: string | undefined;
  let section: string[] | undefined;
  for (const line of r.log.split('\n')) {
    const start = /Performing test ID ([A-Z0-9-]+) /.exec(line);
    if (start) sections.set(start[1]!, (section = []));
    else if (/Skipped test |^\S+ \S+ ====$/.test(line)) section = undefined;
    else section?.push(line);
    const s = /Result: sysctl key (\S+) (contains equal expected|has a different value)/.exec(line);
    if (s) sysctl.set(s[1]!, s[2] === 'contains equal expected');
    const t = /Test: checking file\/directory (\S+)$/.exec(line);
    if (t) permPath = t[1];
    if (/Outcome: correct permissions/.test(line) && permPath) perms.set(permPath, true);
    const bad = /Outcome: permissions of file (\S+) are not matching/.exec(line);
    if (bad) perms.set(bad[1]!, false);
  }
  return { executed, findings, sysctl, perms, sections };
}

/**
 * One Lynis observation: a test id, optionally narrowed to a sub-item
 * ("SSH-7408:PermitRootLogin", "KRNL-6000:net.ipv4.ip_forward", "FILE-7524:/etc/crontab",
 * "FILE-6310:/tmp", "NETW-3200:dccp", "AUTH-9286:maximum"). A test passes when it ran and
 * reported no suggestion or warning about the item.
 */
export function lynisItem(p: ParsedLynis, item: string): LynisStatus {
  const [test, sub] = item.split(/:(.*)/s) as [string, string | undefined];
  if (test === 'KRNL-6000' && sub) return p.sysctl.has(sub) ? (p.sysctl.get(sub) ? 'pass' : 'fail') : 'skipped';
  if (test === 'FILE-7524' && sub) return p.perms.has(sub) ? (p.perms.get(sub) ? 'pass' : 'fail') : 'skipped';
  if (!p.executed.has(test)) return 'skipped';
  const fs = p.findings.get(test) ?? [];
  const logged = LOGGED_FAILURES[test];
  if (!sub) return fs.length > 0 || (logged !== undefined && (p.sections.get(test) ?? []).some((l) => logged.test(l))) ? 'fail' : 'pass';
  const hit = fs.some((f) => {
    if (test === 'SSH-7408') return f.details.startsWith(`${sub} (`);
    if (test === 'FILE-6310') return f.text.includes(`place ${sub} on`);
    if (test === 'NETW-3200') return f.text.includes(`protocol '${sub}'`);
    return f.text.toLowerCase().includes(sub.toLowerCase()) || f.details.toLowerCase().includes(sub.toLowerCase());
  });
  return hit ? 'fail' : 'pass';
}

export interface LynisMapping {
  /** Lynis items that together make up the control (all must pass). */
  lynis: string[];
  /** Our rule judging the same control. */
  rule: string;
  /** Why the two may differ by design (threshold, scope), shown with disagreements. */
  note?: string;
}

const FILE_7524 = 'Lynis compares the permission bits only; CIS also requires root ownership';
const NETW_3200 = 'Lynis 3.0.8 only recognises "install MODULE /bin/true"; CIS Debian 12 v1.1.0 writes /bin/false';

/** Lynis tests mapped to the built-in rules that check the same control on a Debian guest. */
export const LYNIS_MAP: LynisMapping[] = [
  { lynis: ['SSH-7408:PermitRootLogin'], rule: 'ssh.permit-root-login' },
  { lynis: ['SSH-7408:X11Forwarding'], rule: 'ssh.x11-forwarding' },
  { lynis: ['SSH-7408:IgnoreRhosts'], rule: 'cis.ssh.ignore-rhosts' },
  { lynis: ['SSH-7408:PermitUserEnvironment'], rule: 'cis.ssh.permit-user-environment' },
  { lynis: ['SSH-7408:LogLevel'], rule: 'cis.ssh.log-level', note: 'Lynis wants VERBOSE; CIS accepts INFO or VERBOSE' },
  { lynis: ['SSH-7408:MaxAuthTries'], rule: 'cis.ssh.max-auth-tries', note: 'Lynis wants at most 3; CIS at most 4' },
  { lynis: ['SSH-7408:MaxSessions'], rule: 'cis.ssh.max-sessions', note: 'Lynis wants at most 2; CIS at most 10' },
  { lynis: ['SSH-7408:ClientAliveInterval', 'SSH-7408:ClientAliveCountMax'], rule: 'cis.ssh.client-alive', note: 'Lynis wants ClientAliveCountMax at most 2 and takes ClientAliveInterval 0 (never) as "at most 300"; CIS wants both above 0' },
  { lynis: ['SSH-7408:LoginGraceTime'], rule: 'cis.ssh.login-grace-time', note: 'Lynis accepts 120 s; CIS at most 60 s' },
  { lynis: ['AUTH-9204'], rule: 'accounts.uid0-besides-root' },
  { lynis: ['AUTH-9208'], rule: 'cis.accounts.duplicate-uid' },
  { lynis: ['AUTH-9222'], rule: 'cis.accounts.duplicate-gid' },
  { lynis: ['AUTH-9226'], rule: 'cis.accounts.duplicate-name', note: 'Lynis checks group names; the rule checks user and group names' },
  { lynis: ['AUTH-9283'], rule: 'accounts.empty-password' },
  { lynis: ['AUTH-9286:maximum'], rule: 'cis.login.pass-max-days', note: 'Lynis only checks that PASS_MAX_DAYS is set below 99999' },
  { lynis: ['AUTH-9286:minimum'], rule: 'cis.login.pass-min-days' },
  { lynis: ['AUTH-9262'], rule: 'cis.pam.pwquality-enabled.debian' },
  { lynis: ['AUTH-9328'], rule: 'cis.accounts.umask' },
  { lynis: ['SHLL-6220'], rule: 'cis.accounts.shell-timeout' },
  { lynis: ['KRNL-5820'], rule: 'hardening.core-dumps' },
  { lynis: ['KRNL-6000:net.ipv4.conf.all.forwarding'], rule: 'hardening.ip-forward', note: 'the rule also checks net.ipv6.conf.all.forwarding' },
  {
    lynis: ['KRNL-6000:net.ipv4.conf.all.accept_redirects', 'KRNL-6000:net.ipv4.conf.default.accept_redirects', 'KRNL-6000:net.ipv6.conf.all.accept_redirects', 'KRNL-6000:net.ipv6.conf.default.accept_redirects'],
    rule: 'hardening.accept-redirects',
  },
  {
    lynis: ['KRNL-6000:net.ipv4.conf.all.accept_source_route', 'KRNL-6000:net.ipv4.conf.default.accept_source_route', 'KRNL-6000:net.ipv6.conf.all.accept_source_route', 'KRNL-6000:net.ipv6.conf.default.accept_source_route'],
    rule: 'hardening.source-route',
  },
  { lynis: ['KRNL-6000:net.ipv4.conf.all.send_redirects'], rule: 'hardening.send-redirects', note: 'the rule also checks the default interface setting' },
  { lynis: ['KRNL-6000:net.ipv4.conf.all.rp_filter'], rule: 'hardening.rp-filter', note: 'the rule also checks the default interface setting' },
  { lynis: ['KRNL-6000:net.ipv4.conf.all.log_martians', 'KRNL-6000:net.ipv4.conf.default.log_martians'], rule: 'cis.net.log-martians' },
  { lynis: ['KRNL-6000:net.ipv4.icmp_echo_ignore_broadcasts'], rule: 'cis.net.icmp-broadcast', note: 'CIS requires the key in a file; Lynis reads the running value (kernel default 1)' },
  { lynis: ['KRNL-6000:net.ipv4.icmp_ignore_bogus_error_responses'], rule: 'cis.net.icmp-bogus', note: 'CIS requires the key in a file; Lynis reads the running value (kernel default 1)' },
  { lynis: ['KRNL-6000:net.ipv4.tcp_syncookies'], rule: 'hardening.tcp-syncookies' },
  { lynis: ['FILE-6310:/tmp'], rule: 'cis.mount.tmp-separate' },
  { lynis: ['FILE-6310:/home'], rule: 'cis.mount.home-separate' },
  { lynis: ['FILE-6310:/var'], rule: 'cis.mount.var-separate' },
  { lynis: ['USB-1000'], rule: 'cis.fs.usb-storage-disabled' },
  { lynis: ['NETW-3200:dccp'], rule: 'cis.net.dccp-disabled', note: NETW_3200 },
  { lynis: ['NETW-3200:sctp'], rule: 'cis.net.sctp-disabled', note: NETW_3200 },
  { lynis: ['NETW-3200:rds'], rule: 'cis.net.rds-disabled', note: NETW_3200 },
  { lynis: ['NETW-3200:tipc'], rule: 'cis.net.tipc-disabled', note: NETW_3200 },
  { lynis: ['INSE-8000'], rule: 'services.inetd', note: 'Lynis looks for a package literally named "inetd"; Debian ships openbsd-inetd and inetutils-inetd' },
  { lynis: ['INSE-8100'], rule: 'services.xinetd' },
  { lynis: ['INSE-8300'], rule: 'cis.client.rsh' },
  { lynis: ['INSE-8304'], rule: 'services.rsh-server' },
  { lynis: ['INSE-8310'], rule: 'cis.client.telnet' },
  { lynis: ['INSE-8322'], rule: 'services.telnet-server' },
  { lynis: ['INSE-8314'], rule: 'cis.client.nis' },
  { lynis: ['INSE-8316'], rule: 'cis.svc.nis-server' },
  { lynis: ['INSE-8320'], rule: 'services.tftp-server' },
  { lynis: ['BOOT-5122'], rule: 'cis.boot.password.debian' },
  { lynis: ['FINT-4350'], rule: 'cis.integrity.aide-installed' },
  { lynis: ['FILE-7524:/etc/crontab'], rule: 'cis.cron.crontab-perms' },
  { lynis: ['FILE-7524:/etc/cron.d'], rule: 'cis.cron.cron-d-perms' },
  { lynis: ['FILE-7524:/etc/cron.daily'], rule: 'cis.cron.cron-daily-perms' },
  { lynis: ['FILE-7524:/etc/cron.hourly'], rule: 'cis.cron.cron-hourly-perms' },
  { lynis: ['FILE-7524:/etc/cron.weekly'], rule: 'cis.cron.cron-weekly-perms' },
  { lynis: ['FILE-7524:/etc/cron.monthly'], rule: 'cis.cron.cron-monthly-perms' },
  { lynis: ['FILE-7524:/etc/cron.allow'], rule: 'cis.cron.allow', note: 'Lynis wants 0600; CIS allows 0640' },
  { lynis: ['FILE-7524:/etc/ssh/sshd_config'], rule: 'cis.ssh.config-perms' },
  { lynis: ['FILE-7524:/boot/grub/grub.cfg'], rule: 'cis.boot.config-perms.debian' },
  { lynis: ['FILE-7524:/etc/passwd'], rule: 'cis.perms.passwd' },
  { lynis: ['FILE-7524:/etc/passwd-'], rule: 'cis.perms.passwd-backup' },
  { lynis: ['FILE-7524:/etc/group'], rule: 'cis.perms.group' },
  { lynis: ['FILE-7524:/etc/group-'], rule: 'cis.perms.group-backup', note: FILE_7524 },
  { lynis: ['FILE-7524:/etc/issue'], rule: 'cis.banner.issue-perms' },
  { lynis: ['FILE-7524:/etc/issue.net'], rule: 'cis.banner.issue-net-perms', note: FILE_7524 },
  { lynis: ['FILE-7524:/etc/motd'], rule: 'cis.banner.motd-perms' },
];

/** Lynis tests deliberately left out of the comparison, with the reason (for the report). */
export const LYNIS_NOT_COMPARED: Record<string, string> = {
  'KRNL-6000 kernel.* and fs.* keys': 'global sysctls: inside a namespace Lynis reads the host kernel, not the guest configuration',
  'ACCT-9628, ACCT-9630': 'need a running auditd and the kernel audit subsystem (auditctl -l); not emulated',
  'FIRE-4512, FIRE-4536, FIRE-4590': 'read the loaded netfilter rules of the running kernel',
  'LOGG-2130, TIME-3104, MACF-6208': 'look for running daemons (syslog, NTP) or the loaded AppArmor policy',
  'FILE-6430': 'skipped by Lynis without lsmod and /proc/modules',
  'BANN-7126, BANN-7130': 'a different control: Lynis wants legal-notice keywords, CIS wants no OS information',
};

export type Agreement = 'both pass' | 'both fail' | 'disagree' | 'not comparable';

export interface ComparisonRow {
  rule: string;
  lynis: string;
  lynisStatus: LynisStatus;
  ours: string;
  agreement: Agreement;
  note?: string;
}

/** Compares each mapping for one guest; `ours` is rule id → status of our finding. */
export function compareWithLynis(p: ParsedLynis, ours: Map<string, string>): ComparisonRow[] {
  return LYNIS_MAP.map((m) => {
    const states = m.lynis.map((i) => lynisItem(p, i));
    const lynisStatus: LynisStatus = states.includes('skipped') ? 'skipped' : states.includes('fail') ? 'fail' : 'pass';
    const mine = ours.get(m.rule) ?? 'missing';
    let agreement: Agreement;
    if (lynisStatus === 'skipped' || (mine !== 'pass' && mine !== 'fail')) agreement = 'not comparable';
    else if (lynisStatus !== mine) agreement = 'disagree';
    else agreement = mine === 'pass' ? 'both pass' : 'both fail';
    return { rule: m.rule, lynis: m.lynis.join(' + '), lynisStatus, ours: mine, agreement, ...(m.note !== undefined && { note: m.note }) };
  });
}
