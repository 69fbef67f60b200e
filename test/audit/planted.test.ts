/**
 * The misconfigurations issue 5 plants in the Debian guest are caught by the built-in profiles
 * with the intended severity and with evidence that names the guest file and line (or the
 * package fact), and the hardened guest passes the same rules and fails nothing at all.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { failsAt, type Evidence, type Finding } from '../../src/audit/engine/index.js';
import { canBuildAuditGuests, debianBadGuest, debianGoodGuest, type AuditGuest } from './guests/debian.js';
import { canBuildRhelGuests, rhelGoodGuest } from './guests/rhel.js';
import { profileImage, type GuestFindings } from './harness.js';

/** 1-based line of the first line of a guest file equal to `text`. */
function lineOf(g: AuditGuest, file: string, text: string): number {
  const i = readFileSync(join(g.tree, file), 'utf8').split('\n').indexOf(text);
  if (i < 0) throw new Error(`${file} has no line "${text}"`);
  return i + 1;
}

interface Planted {
  what: string;
  rules: Record<string, string>;
  /** What the evidence must contain, given the guest tree. */
  evidence: (g: AuditGuest) => Partial<Evidence> | RegExp;
}

const PLANTED: Planted[] = [
  {
    what: 'PermitRootLogin yes',
    rules: { 'ssh.permit-root-login': 'high', 'cis.ssh.permit-root-login': 'high' },
    evidence: (g) => ({ file: '/etc/ssh/sshd_config', line: lineOf(g, 'etc/ssh/sshd_config', 'PermitRootLogin yes'), text: 'PermitRootLogin yes' }),
  },
  {
    what: 'PasswordAuthentication yes',
    rules: { 'ssh.password-authentication': 'medium' },
    evidence: (g) => ({ file: '/etc/ssh/sshd_config', line: lineOf(g, 'etc/ssh/sshd_config', 'PasswordAuthentication yes'), text: 'PasswordAuthentication yes' }),
  },
  {
    what: 'PASS_MAX_DAYS 99999',
    rules: { 'cis.login.pass-max-days': 'medium' },
    evidence: (g) => ({ file: '/etc/login.defs', line: lineOf(g, 'etc/login.defs', 'PASS_MAX_DAYS\t99999'), text: 'PASS_MAX_DAYS\t99999' }),
  },
  { what: 'no auditd', rules: { 'cis.audit.installed': 'medium', 'cis.audit.enabled': 'medium' }, evidence: () => /auditd/ },
  { what: '/tmp not a separate mount', rules: { 'cis.mount.tmp-separate': 'medium', 'hardening.mount-tmp': 'medium' }, evidence: () => ({ file: '/etc/fstab' }) },
  { what: 'telnetd installed', rules: { 'services.telnet-server': 'high' }, evidence: () => /package telnetd 0\.17\S* \(all\) is installed/ },
  {
    what: 'a second UID 0 account',
    rules: { 'accounts.uid0-besides-root': 'critical', 'cis.accounts.uid0': 'critical' },
    evidence: (g) => ({ file: '/etc/passwd', line: lineOf(g, 'etc/passwd', 'toor:x:0:0:backup root:/root:/bin/bash'), text: 'toor:x:0:0:backup root:/root:/bin/bash' }),
  },
  { what: 'a world-writable file in /etc', rules: { 'hardening.world-writable': 'high', 'cis.perms.world-writable': 'high' }, evidence: () => ({ file: '/etc/backup.conf' }) },
  {
    what: 'net.ipv4.ip_forward=1',
    rules: { 'hardening.ip-forward': 'medium', 'cis.net.ip-forward': 'medium' },
    // Debian's /etc/sysctl.d/99-sysctl.conf is a link to ../sysctl.conf, which is where the line is.
    evidence: (g) => ({ line: lineOf(g, 'etc/sysctl.conf', 'net.ipv4.ip_forward=1'), text: 'net.ipv4.ip_forward=1' }),
  },
];

function matches(f: Finding, want: Partial<Evidence> | RegExp): boolean {
  if (want instanceof RegExp) return f.evidence.some((e) => want.test(`${e.file ?? ''} ${e.text ?? ''} ${e.fact ?? ''}`));
  return f.evidence.some((e) => Object.entries(want).every(([k, v]) => e[k as keyof Evidence] === v) && (want.file !== undefined || /^\/etc\/sysctl(\.d\/99-sysctl)?\.conf$/.test(e.file ?? '')));
}

describe.skipIf(!canBuildAuditGuests || !canBuildRhelGuests)('planted misconfigurations (issue 5)', () => {
  let bad: AuditGuest;
  let badRun: GuestFindings;
  let goodRun: GuestFindings;
  let rockyGoodRun: GuestFindings;

  beforeAll(async () => {
    bad = debianBadGuest();
    badRun = await profileImage(bad.raw);
    goodRun = await profileImage(debianGoodGuest().raw);
    rockyGoodRun = await profileImage(rhelGoodGuest().raw);
  }, 3_600_000);

  describe.each(PLANTED.map((p) => [p.what, p]))('%s', (_what, p) => {
    it.each(Object.entries(p.rules))('%s fails with severity %s and evidence on the bad guest', (id, severity) => {
      const f = badRun.findings.get(id)!;
      expect(f.status, f.message).toBe('fail');
      expect(f.severity).toBe(severity);
      const want = p.evidence(bad);
      expect(matches(f, want), `evidence ${JSON.stringify(f.evidence)} lacks ${want instanceof RegExp ? want : JSON.stringify(want)}`).toBe(true);
    });

    it.each(Object.keys(p.rules))('%s passes on the hardened guest', (id) => {
      const f = goodRun.findings.get(id)!;
      expect(f.status, f.message).toBe('pass');
    });
  });

  it('the hardened guests fail no rule at all', () => {
    // No failure is expected: every rule of the Debian and RHEL families passes (or does not
    // apply) on the hardened guests. Any failure listed here needs a justification below.
    const failures = (r: GuestFindings) => [...r.findings.values()].filter((f) => f.status !== 'pass' && f.status !== 'not_applicable').map((f) => `${f.rule_id}: ${f.status} — ${f.message}`);
    expect(failures(goodRun)).toEqual([]);
    expect(failures(rockyGoodRun)).toEqual([]);
    expect(goodRun.report.summary.score).toBe(100);
  });

  it('--fail-on: the bad guest fails at critical, the hardened one not even at low', () => {
    expect(failsAt(badRun.report, 'critical')).toBe(true);
    expect(failsAt(goodRun.report, 'low')).toBe(false);
    expect(badRun.report.summary.score).toBeLessThan(25);
  });
});
