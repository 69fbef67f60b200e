/** Combinators, applies_to, error isolation, overrides and scoring over the real test guests. */
import { afterAll, describe, expect, it } from 'vitest';
import { canBuildImages } from '../../guest/linux/test-trees.js';
import { combineAll, combineAny, evaluateRules, negate } from './evaluate.js';
import { parsePolicy } from './loader.js';
import { buildPolicySet } from './policy-set.js';
import type { CheckResult } from './result.js';
import { failsAt, summarize } from './score.js';
import { closeVariants, linuxOs, runCheck, runPolicy, variantFacts, windowsOs } from './test-support.js';
import type { Finding, ProfileReport, Severity } from './types.js';

afterAll(closeVariants);

const r = (status: CheckResult['status'], message: string): CheckResult => ({ status, message, evidence: [{ fact: message }] });

describe('combinators', () => {
  it('all: failures decide and are the evidence; errors next; not-applicable children are left out', () => {
    expect(combineAll([r('pass', 'a'), r('fail', 'b'), r('error', 'c'), r('fail', 'd')])).toEqual({ status: 'fail', message: 'b; d', evidence: [{ fact: 'b' }, { fact: 'd' }] });
    expect(combineAll([r('pass', 'a'), r('error', 'c')])).toMatchObject({ status: 'error', message: 'c' });
    expect(combineAll([r('pass', 'a'), r('not_applicable', 'n')])).toEqual({ status: 'pass', message: 'a', evidence: [{ fact: 'a' }] });
    expect(combineAll([r('not_applicable', 'n'), r('not_applicable', 'm')]).status).toBe('not_applicable');
  });

  it('any: the first pass decides with its own evidence; else errors; else every failure', () => {
    expect(combineAny([r('fail', 'a'), r('pass', 'b'), r('pass', 'c')])).toEqual(r('pass', 'b'));
    expect(combineAny([r('fail', 'a'), r('error', 'e')]).status).toBe('error');
    expect(combineAny([r('fail', 'a'), r('fail', 'b'), r('not_applicable', 'n')])).toEqual({ status: 'fail', message: 'a; b', evidence: [{ fact: 'a' }, { fact: 'b' }] });
  });

  it('not: swaps pass and fail, keeps the observation; error and not-applicable stay', () => {
    expect(negate(r('pass', 'x'))).toEqual(r('fail', 'x'));
    expect(negate(r('fail', 'x'))).toEqual(r('pass', 'x'));
    expect(negate(r('error', 'x')).status).toBe('error');
    expect(negate(r('not_applicable', 'x')).status).toBe('not_applicable');
  });

  it.skipIf(!canBuildImages)('nested on a real guest, evidence from the children that decided', async () => {
    const check = `all:
  - sshd: { option: PermitRootLogin, op: eq, value: "no" }
  - any:
      - sysctl: { key: net.ipv4.ip_forward, op: eq, value: 0 }
      - not: { package: { name: telnetd, installed: true } }
  - not: { file_exists: { path: /etc/ww-file } }`;
    const good = await runCheck('good', check);
    expect(good.status).toBe('pass');
    expect(good.evidence.map((e) => e.file ?? e.fact)).toEqual([
      '/etc/ssh/sshd_config.d/10-hardening.conf',
      '/etc/sysctl.d/90-hardening.conf',
      'overrides net.ipv4.ip_forward = 1 at /usr/lib/sysctl.d/50-default.conf:1',
      '/etc/ww-file',
    ]);
    const bad = await runCheck('bad', check);
    expect(bad.status).toBe('fail');
    expect(bad.message).toBe('PermitRootLogin is yes (/etc/ssh/sshd_config:2; expected = no); net.ipv4.ip_forward is 1 (/etc/sysctl.conf:2; expected = 0); telnetd 0.17-44 installed; /etc/ww-file exists');
    expect(bad.evidence).toContainEqual({ file: '/etc/ssh/sshd_config', line: 2, text: 'permitrootlogin yes' });
    expect(bad.evidence).toContainEqual({ fact: 'package telnetd 0.17-44 (amd64) is installed' });
    expect(bad.evidence).toContainEqual({ file: '/etc/ww-file', fact: 'exists (file, mode 0666, uid 0, gid 0)' });
  });
});

const POLICY = `profile: { id: t, title: Test }
rules:
  - id: t.deb
    title: Debian only
    severity: high
    applies_to: { os: [linux], family: [debian], version: ">=11" }
    check: { file_exists: { path: /etc/passwd } }
  - id: t.rhel
    title: RHEL only
    severity: high
    applies_to: { family: rhel }
    check: { file_exists: { path: /etc/passwd } }
  - id: t.old
    title: Debian before 11
    severity: high
    applies_to: { distro: [debian, ubuntu], version: "<11" }
    check: { file_exists: { path: /etc/passwd } }
  - id: t.ssh
    title: Needs openssh-server
    severity: medium
    applies_to: { package: [openssh-server, dropbear] }
    check: { sshd: { option: PermitRootLogin, op: eq, value: "no" } }
  - id: t.win
    title: Windows only
    severity: low
    applies_to: { os: windows }
    check: { file_exists: { path: /Windows } }
  - id: t.dir
    title: Reads a directory as a file
    severity: critical
    check: { file_content: { path: /etc, regex: x, present: true } }
  - id: t.after
    title: Runs after the broken rule
    severity: low
    check: { file_exists: { path: /etc/passwd } }
`;

describe.skipIf(!canBuildImages)('rules', () => {
  it('applies_to decides not_applicable with the reason', async () => {
    const f = await runPolicy('good', POLICY);
    const by = (id: string) => f.find((x) => x.rule_id === id)!;
    expect(by('t.deb').status).toBe('pass');
    expect(by('t.rhel')).toMatchObject({ status: 'not_applicable', message: 'applies to the rhel family; this is debian' });
    expect(by('t.old')).toMatchObject({ status: 'not_applicable', message: 'applies to version <11; this is 12.0' });
    expect(by('t.ssh').status).toBe('pass');
    expect(by('t.win')).toMatchObject({ status: 'not_applicable', message: 'applies to windows; this is linux' });
    const onUbuntu = await runPolicy('good', POLICY, linuxOs({ distro: 'ubuntu', major_version: 10, minor_version: 4 }));
    expect(onUbuntu.find((x) => x.rule_id === 't.old')!.status).toBe('pass');
    expect(onUbuntu.find((x) => x.rule_id === 't.deb')!.status).toBe('not_applicable');
    // No package database: a package condition cannot hold.
    expect((await runPolicy('bare', POLICY)).find((x) => x.rule_id === 't.ssh')!.message).toBe('applies when openssh-server or dropbear is installed; the guest has no package database');
  });

  it('an exception in one rule is that rule\'s error; the run goes on', async () => {
    const f = await runPolicy('good', POLICY);
    const broken = f.find((x) => x.rule_id === 't.dir')!;
    expect(broken).toMatchObject({ status: 'error', message: 'file_content: IS_A_DIRECTORY: /etc is not a regular file (dir)' });
    expect(f.find((x) => x.rule_id === 't.after')!.status).toBe('pass');
    expect(f.map((x) => x.rule_id)).toEqual(['t.deb', 't.rhel', 't.old', 't.ssh', 't.win', 't.dir', 't.after']);
  });

  it('messages stay on one line whatever the guest paths hold', async () => {
    const f = await runPolicy('good', 'profile: { id: t, title: T }\nrules:\n  - { id: t.nl, title: T, severity: low, check: { file_exists: { path: "/etc/a\\nb" } } }\n');
    expect(f[0]!.message).toBe('/etc/a\\x0ab does not exist');
  });

  it('findings carry the rule text and profile', async () => {
    const [f] = await runPolicy('good', POLICY);
    expect(f).toMatchObject({ rule_id: 't.deb', profile: 't', severity: 'high', title: 'Debian only', description: '', references: [] });
  });

  it('overrides disable and re-weight rules, and the score follows', async () => {
    const base = parsePolicy(POLICY, 'base.yaml');
    const tweak = parsePolicy('profile: { id: tweak, title: Tweaks }\noverrides:\n  - { rule: t.dir, disabled: true }\n  - { rule: t.after, severity: critical }\n', 'tweak.yaml');
    const run = async (policies: typeof base[]) => {
      const set = buildPolicySet([base], policies, ['t']);
      return evaluateRules(set.profiles.flatMap((p) => p.rules), await variantFacts('good'));
    };
    const plain = await run([]);
    // high 7 (t.deb) + medium 3 (t.ssh) + low 1 (t.after) pass; critical 10 (t.dir) errors.
    expect(summarize(plain).score).toBe(Math.round((100 * 11) / 21));
    const tweaked = await run([tweak]);
    expect(tweaked.map((x) => x.rule_id)).not.toContain('t.dir');
    expect(tweaked.find((x) => x.rule_id === 't.after')!.severity).toBe('critical');
    expect(summarize(tweaked)).toEqual({
      counts: { pass: 3, fail: 0, not_applicable: 3, error: 0 },
      failed_by_severity: { info: 0, low: 0, medium: 0, high: 0, critical: 0 },
      score: 100,
    });
  });

  it('Windows rules read nothing on Linux and Linux rules are skipped on Windows', async () => {
    const f = await runPolicy('good', POLICY, windowsOs());
    expect(f.find((x) => x.rule_id === 't.deb')!.status).toBe('not_applicable');
    expect(f.find((x) => x.rule_id === 't.win')!.status).toBe('fail');
  });
});

function finding(status: Finding['status'], severity: Severity): Finding {
  return { rule_id: `${status}-${severity}`, profile: 'p', status, severity, title: '', description: '', rationale: '', remediation: '', references: [], evidence: [{ fact: 'x' }], message: 'x' };
}

describe('score', () => {
  it('weights passes against passes, failures and errors; not-applicable and info do not count', () => {
    const s = summarize([finding('pass', 'critical'), finding('fail', 'high'), finding('error', 'low'), finding('not_applicable', 'critical'), finding('fail', 'info'), finding('pass', 'medium')]);
    expect(s.counts).toEqual({ pass: 2, fail: 2, not_applicable: 1, error: 1 });
    expect(s.failed_by_severity).toEqual({ info: 1, low: 0, medium: 0, high: 1, critical: 0 });
    expect(s.score).toBe(Math.round((100 * 13) / 21));
  });

  it('is 100 with nothing to weigh and 0 when everything weighty fails', () => {
    expect(summarize([]).score).toBe(100);
    expect(summarize([finding('fail', 'info'), finding('not_applicable', 'high')]).score).toBe(100);
    expect(summarize([finding('fail', 'low'), finding('pass', 'info')]).score).toBe(0);
  });

  it('failsAt: any failed finding at or above the severity', () => {
    const report = (findings: Finding[]) => ({ operating_systems: [{ findings }] }) as unknown as ProfileReport;
    const rep = report([finding('fail', 'medium'), finding('pass', 'critical'), finding('error', 'critical')]);
    expect(failsAt(rep, 'low')).toBe(true);
    expect(failsAt(rep, 'medium')).toBe(true);
    expect(failsAt(rep, 'high')).toBe(false);
    expect(failsAt(report([]), 'info')).toBe(false);
  });
});
