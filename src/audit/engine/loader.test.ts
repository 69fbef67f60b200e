/** Rule files: validation errors as FILE:LINE:COL: path: message, at the YAML node at fault. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GuestguardError } from '../../errors.js';
import { loadPolicyFile, parsePolicy, PolicyError } from './loader.js';
import { buildPolicySet } from './policy-set.js';

function problems(text: string, file = 'p.yaml'): string[] {
  try {
    parsePolicy(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as PolicyError).code).toBe('INVALID_POLICY');
    expect(err).toBeInstanceOf(GuestguardError);
    return (err as PolicyError).problems;
  }
  throw new Error('policy was accepted');
}

const HEAD = 'profile:\n  id: test\n  title: Test\nrules:\n';

describe('parsePolicy', () => {
  it('accepts a full rule and fills defaults', () => {
    const p = parsePolicy(
      `${HEAD}  - id: ssh.permit-root-login
    title: SSH root login is disabled
    severity: high
    references:
      - { standard: cis-debian-12, id: "5.1.20" }
    applies_to: { os: linux, family: [debian], version: ">=11 <13", package: openssh-server }
    check:
      any:
        - sshd: { option: PermitRootLogin, op: eq, value: "no" }
        - not: { file_exists: { path: /etc/ssh/sshd_config } }
overrides:
  - { rule: ssh.permit-root-login, severity: critical }
`,
      'ok.yaml',
    );
    expect(p.profile).toEqual({ id: 'test', title: 'Test', description: '' });
    expect(p.rules[0]).toMatchObject({ id: 'ssh.permit-root-login', description: '', rationale: '', remediation: '', applies_to: { os: ['linux'], family: ['debian'] } });
    expect(p.overrides).toEqual([{ rule: 'ssh.permit-root-login', severity: 'critical' }]);
    expect(p.locations['ssh.permit-root-login']).toBe('ok.yaml:5:9');
  });

  it('names file, line, column and field for a bad enum deep in a check', () => {
    const text = `${HEAD}  - id: a
    title: A
    severity: high
    check:
      all:
        - file_exists: { path: /etc/passwd }
        - sshd:
            option: PermitRootLogin
            op: equals
            value: "no"
`;
    expect(problems(text)).toEqual(['p.yaml:13:17: rules[0].check.all[1].sshd.op: Invalid option: expected one of "eq"|"ne"|"lt"|"le"|"gt"|"ge"|"in"|"not_in"|"regex"|"exists"|"absent"']);
  });

  it('rejects unknown check types and keys by name, at the key', () => {
    const text = `${HEAD}  - id: a
    title: A
    severity: low
    colour: red
    check:
      frobnicate: { path: /x }
  - id: b
    title: B
    severity: low
    check:
      sysctl: { key: kernel.x, op: eq, value: 1, mising: pass }
`;
    expect(problems(text)).toEqual([
      'p.yaml:8:5: rules[0].colour: unknown key "colour"',
      expect.stringMatching(/^p\.yaml:10:7: rules\[0\]\.check\.frobnicate: unknown check type "frobnicate" \(known: all, any, not, file_exists, .*registry\)$/),
      'p.yaml:15:50: rules[1].check.sysctl.mising: unknown key "mising"',
    ]);
  });

  it('checks operator/value pairs, regexes, modes, version ranges and quoted ids', () => {
    const text = `${HEAD}  - id: a
    title: A
    severity: low
    references: [{ standard: pci-dss-4, id: 2.10 }]
    applies_to: { version: ">=eleven" }
    check:
      all:
        - sysctl: { key: kernel.x, op: in, value: 1 }
        - file_content: { path: /etc/x, regex: "([", present: true }
        - file_mode: { path: /etc/x, max: "0999" }
        - setting: { path: /etc/x, key: K, syntax: space, op: exists, value: 1 }
        - file_mode: { path: "/etc/*/x", max: "0600" }
`;
    expect(problems(text)).toEqual([
      'p.yaml:8:45: rules[0].references[0].id: expected a string: quote numbers ("2.1")',
      'p.yaml:9:28: rules[0].applies_to.version: ">=eleven" is not a version bound (expected e.g. ">=11", "<9", "=8.4")',
      'p.yaml:12:51: rules[0].check.all[0].sysctl.value: op in needs a non-empty list of values',
      expect.stringMatching(/^p\.yaml:13:48: rules\[0\]\.check\.all\[1\]\.file_content\.regex: invalid regular expression: /),
      'p.yaml:14:43: rules[0].check.all[2].file_mode.max: must be an octal mode such as "0640"',
      'p.yaml:15:78: rules[0].check.all[3].setting.value: op exists takes no value',
      'p.yaml:16:30: rules[0].check.all[4].file_mode.path: wildcards are allowed in the last path component only',
    ]);
  });

  it('reports missing required fields at the map that lacks them', () => {
    expect(problems(`${HEAD}  - id: a\n    title: A\n    check: { file_exists: { path: /x } }\n`)).toEqual(['p.yaml:5:5: rules[0].severity: Invalid option: expected one of "info"|"low"|"medium"|"high"|"critical"']);
    expect(problems('rules: []\n')).toEqual(['p.yaml:1:1: profile: Invalid input: expected object, received undefined']);
    expect(problems('')).toEqual(['p.yaml:1:1: profile: Invalid input: expected object, received undefined']);
  });

  it('checks the shape of checks themselves', () => {
    const rule = (check: string) => `${HEAD}  - id: a\n    title: A\n    severity: low\n    check: ${check}\n`;
    expect(problems(rule('{ file_exists: { path: /a }, file_absent: { path: /b } }'))).toEqual(['p.yaml:8:12: rules[0].check: a check has exactly one key, got 2 (file_exists, file_absent); combine checks with all/any']);
    expect(problems(rule('{}'))).toEqual(['p.yaml:8:12: rules[0].check: empty check: give exactly one check type']);
    expect(problems(rule('{ all: [] }'))).toEqual(['p.yaml:8:19: rules[0].check.all: all takes a non-empty list of checks']);
    expect(problems(rule('[1]'))).toEqual([expect.stringMatching(/^p\.yaml:8:12: rules\[0\]\.check: expected a check: an object with one key/)]);
    const deep = '{ not: '.repeat(40) + '{ file_exists: { path: /x } }' + ' }'.repeat(40);
    expect(problems(rule(deep))[0]).toMatch(/checks nested deeper than 32 levels$/);
  });

  it('rejects duplicate rule ids within a file and bad overrides', () => {
    const text = `${HEAD}  - { id: a, title: A, severity: low, check: { file_exists: { path: /a } } }
  - { id: a, title: A2, severity: low, check: { file_exists: { path: /a } } }
overrides:
  - { rule: a }
  - { rule: "Bad Id", disabled: true }
`;
    expect(problems(text)).toEqual([
      'p.yaml:6:11: rules[1].id: duplicate rule id "a" (also rules[0])',
      'p.yaml:8:5: overrides[0]: an override sets severity, disabled or both',
      'p.yaml:9:13: overrides[1].rule: must match [a-z0-9][a-z0-9_.-]*',
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with their position', () => {
    expect(problems('profile:\n  id: x\n  id: y\n')).toEqual(['p.yaml:3:3: Map keys must be unique']);
    expect(problems('profile: { id: x\nrules: [\n')[0]).toMatch(/^p\.yaml:\d+:\d+: /);
  });

  it('refuses alias bombs instead of expanding them', () => {
    const bomb = 'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
    expect(problems(bomb)[0]).toMatch(/^p\.yaml:1:1: .*[Aa]lias/);
  });
});

describe('loadPolicyFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gg-policy-'));

  it('loads a file and reports its path in errors', async () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'profile: { id: mine, title: Mine }\noverrides:\n  - { rule: x.y, disabled: true }\n');
    expect((await loadPolicyFile(good)).overrides).toEqual([{ rule: 'x.y', disabled: true }]);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'profile: { id: Mine, title: Mine }\n');
    await expect(loadPolicyFile(bad)).rejects.toThrow(`${bad}:1:16: profile.id: must match`);
  });

  it('missing, directory and oversized files are typed errors', async () => {
    await expect(loadPolicyFile(join(dir, 'nope.yaml'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(loadPolicyFile(dir)).rejects.toMatchObject({ code: 'INVALID_POLICY' });
    const big = join(dir, 'big.yaml');
    writeFileSync(big, '#'.repeat(5 * 1024 * 1024));
    await expect(loadPolicyFile(big)).rejects.toThrow(/larger than the 4194304-byte limit/);
  });
});

describe('buildPolicySet', () => {
  const a = parsePolicy(`profile: { id: a, title: A }\nrules:\n  - { id: r.one, title: One, severity: low, check: { file_exists: { path: /a } } }\n`, 'a.yaml');
  const b = parsePolicy(`profile: { id: b, title: B }\nrules:\n\n  - { id: r.one, title: Again, severity: low, check: { file_exists: { path: /a } } }\n`, 'b.yaml');

  it('rejects a rule id defined in two files, naming both places', () => {
    expect(() => buildPolicySet([a], [b], ['a'])).toThrow('b.yaml:4:11: rule id "r.one" is already defined at a.yaml:3:11');
  });

  it('rejects a profile id defined twice and unknown profile ids', () => {
    const again = parsePolicy('profile: { id: a, title: Other A }\n', 'again.yaml');
    expect(() => buildPolicySet([a], [again], ['a'])).toThrow('again.yaml: profile id "a" is also defined by a.yaml');
    expect(() => buildPolicySet([a], [], ['nope'])).toThrow('unknown profile "nope" (available: a)');
  });

  it('selects built-ins by id; policy files always run; no selection means every built-in', () => {
    const c = parsePolicy('profile: { id: c, title: C }\n', 'c.yaml');
    expect(buildPolicySet([a, c], []).profiles.map((p) => p.meta.id)).toEqual(['a', 'c']);
    expect(buildPolicySet([a, c], [], ['c']).profiles.map((p) => p.meta.id)).toEqual(['c']);
    const mine = parsePolicy('profile: { id: mine, title: Mine }\n', 'mine.yaml');
    expect(buildPolicySet([a, c], [mine]).profiles.map((p) => p.meta.id)).toEqual(['mine']);
    expect(buildPolicySet([a, c], [mine], ['a', 'mine']).profiles.map((p) => p.meta.id)).toEqual(['a', 'mine']);
  });

  it('applies overrides in load order without touching the loaded policies', () => {
    const o = parsePolicy('profile: { id: o, title: O }\noverrides:\n  - { rule: r.one, severity: critical }\n  - { rule: r.none, disabled: true }\n', 'o.yaml');
    const set = buildPolicySet([a], [o], ['a']);
    expect(set.profiles[0]!.rules[0]).toMatchObject({ id: 'r.one', severity: 'critical', profile: 'a' });
    expect(a.rules[0]!.severity).toBe('low');
    expect(set.warnings).toEqual(['o.yaml: override of rule "r.none" ignored: no such rule among the loaded profiles']);
    const off = parsePolicy('profile: { id: off, title: Off }\noverrides:\n  - { rule: r.one, disabled: true }\n', 'off.yaml');
    expect(buildPolicySet([a], [off], ['a']).profiles[0]!.rules).toEqual([]);
  });
});
