/**
 * `guestguard profile` end to end on a real Debian guest (debootstrap on GPT + LVM, qcow2):
 * every output format from the real run (json against docs/profile.schema.json, SARIF against
 * the official schema, HTML rendered by headless Chromium), the --fail-on gate with a policy
 * whose outcomes are known, and the exit-2 paths with one clean stderr line.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { ProfileReport } from '../../src/audit/engine/types.js';
import { cli, expectCleanFailure } from '../helpers/cli.js';
import { canBuildDebian, convertDisk, debianLvmDisk } from '../helpers/debian-guest.js';
import { hasTool } from '../helpers/fixtures.js';
import { CHROMIUM, dumpDom, screenshot } from '../audit-report/chromium.js';
import { decodePng, lumaStats } from '../audit-report/png.js';
import { profileSchemaErrors, sarifSchemaErrors } from '../audit-report/validators.js';

/** Rules whose outcome on the test guest is known: one pass, one high fail, one medium fail with a file:line. */
const GATE_POLICY = `profile:
  id: ci-gate
  title: CI gate test policy
  description: Rules with known outcomes on the test Debian guest.
rules:
  - id: ci.hostname
    title: The hostname is ggtest-debian
    severity: low
    remediation: echo ggtest-debian > /etc/hostname
    check: { file_content: { path: /etc/hostname, regex: '^ggtest-debian$', present: true } }
  - id: ci.marker
    title: The build marker exists
    severity: high
    remediation: touch /etc/guestguard-marker
    references: [{ standard: internal, id: BUILD-1 }]
    check: { file_exists: { path: /etc/guestguard-marker } }
  - id: ci.root-shell
    title: root does not log in with bash
    severity: medium
    remediation: chsh -s /usr/sbin/nologin root
    check: { file_content: { path: /etc/passwd, regex: '^root:.*:/bin/bash$', present: false } }
`;

const BAD_POLICY = `profile:
  id: broken
  title: Broken
rules:
  - id: bad.rule
    title: Bad
    severity: urgent
    check: { sshd: { option: PermitRootLogin, op: eqq, value: "no" } }
`;

describe.runIf(canBuildDebian && hasTool('qemu-img'))('guestguard profile (CLI)', () => {
  let image: string;
  let dir: string;
  let gate: string;
  let full: ProfileReport;
  let fullMs = 0;

  beforeAll(() => {
    image = convertDisk(debianLvmDisk().raw, 'qcow2');
    dir = mkdtempSync(join(tmpdir(), 'gg-profile-cli-'));
    gate = join(dir, 'gate.yaml');
    writeFileSync(gate, GATE_POLICY);
    writeFileSync(join(dir, 'bad.yaml'), BAD_POLICY);
    const t0 = Date.now();
    const r = cli(['profile', image, '--format', 'json']);
    fullMs = Date.now() - t0;
    if (r.status !== 0) throw new Error(`profile failed (${r.status}): ${r.stderr}`);
    full = JSON.parse(r.stdout) as ProfileReport;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('json: the built-in profiles over a real Debian guest, valid against docs/profile.schema.json', () => {
    expect(profileSchemaErrors(full)).toEqual([]);
    expect(full.images).toEqual([image]);
    expect(full.operating_systems).toHaveLength(1);
    const os = full.operating_systems[0]!;
    expect(os).toMatchObject({ type: 'linux', distro: 'debian', major_version: 12 });
    expect(os.findings.length).toBeGreaterThan(50);
    expect(os.profiles.map((p) => p.id)).toEqual(expect.arrayContaining(['security', 'compliance', 'hardening']));
    // Every failed finding says why, with evidence.
    for (const f of os.findings.filter((x) => x.status === 'fail')) {
      expect(f.message, f.rule_id).not.toBe('');
      expect(f.evidence.length, f.rule_id).toBeGreaterThan(0);
    }
    console.log(`profile run over ${image}: ${os.findings.length} findings, score ${full.summary.score}, ${fullMs} ms wall (CLI process included)`);
  }, 600_000);

  it('yaml and table carry the same run', () => {
    const y = cli(['profile', image, '--format', 'yaml']);
    expect(y.status).toBe(0);
    const fromYaml = parseYaml(y.stdout) as ProfileReport;
    expect({ ...fromYaml, generated_at: '' }).toEqual({ ...full, generated_at: '' });
    const t = cli(['profile', image, '--format', 'table']);
    expect(t.status).toBe(0);
    expect(t.stdout).toContain(`Score ${full.summary.score}/100`);
    expect(t.stdout).not.toContain('\x1b['); // not a terminal: no colour
  }, 600_000);

  it('sarif: valid against the official SARIF 2.1.0 schema, results at guest file:line', () => {
    const r = cli(['profile', image, '--format', 'sarif']);
    expect(r.status).toBe(0);
    const log = JSON.parse(r.stdout);
    expect(sarifSchemaErrors(log)).toEqual([]);
    const run = log.runs[0];
    const failed = full.operating_systems[0]!.findings.filter((f) => f.status === 'fail');
    expect(run.results).toHaveLength(failed.length);
    const withLine = failed.find((f) => f.evidence.some((e) => e.file && e.line));
    if (withLine) {
      const ev = withLine.evidence.find((e) => e.file && e.line)!;
      const res = run.results.find((x: { ruleId: string }) => x.ruleId === withLine.rule_id);
      expect(res.locations[0].physicalLocation).toMatchObject({ artifactLocation: { uri: ev.file!.replace(/^\//, ''), uriBaseId: 'GUESTROOT' }, region: { startLine: ev.line } });
    }
  }, 600_000);

  it('--fail-on: exit 1 at or above the threshold, 0 below it', () => {
    const high = cli(['profile', image, '--policy', gate, '--profile', 'ci-gate', '--format', 'json', '--fail-on', 'high']);
    expect(high.status).toBe(1);
    expect(high.stderr).toBe('guestguard: 1 failed finding at or above high (--fail-on high)\n');
    const report = JSON.parse(high.stdout) as ProfileReport;
    expect(profileSchemaErrors(report)).toEqual([]);
    const byId = Object.fromEntries(report.operating_systems[0]!.findings.map((f) => [f.rule_id, f]));
    expect(Object.keys(byId).sort()).toEqual(['ci.hostname', 'ci.marker', 'ci.root-shell']);
    expect(byId['ci.hostname']!.status).toBe('pass');
    expect(byId['ci.marker']).toMatchObject({ status: 'fail', severity: 'high' });
    expect(byId['ci.root-shell']).toMatchObject({ status: 'fail', severity: 'medium', evidence: [{ file: '/etc/passwd', line: 1, text: expect.stringMatching(/^root:x:0:0:.*:\/bin\/bash$/) }] });

    const medium = cli(['profile', image, '--policy', gate, '--profile', 'ci-gate', '--format', 'json', '--fail-on', 'MEDIUM']);
    expect(medium.status).toBe(1);
    expect(medium.stderr).toBe('guestguard: 2 failed findings at or above medium (--fail-on medium)\n');
    const critical = cli(['profile', image, '--policy', gate, '--profile', 'ci-gate', '--format', 'json', '--fail-on', 'critical']);
    expect(critical.status).toBe(0);
    expect(critical.stderr).toBe('');
    // Without --fail-on the run succeeds whatever failed.
    expect(cli(['profile', image, '--policy', gate, '--profile', 'ci-gate', '--format', 'json']).status).toBe(0);
  }, 600_000);

  it('--output writes the file (format from its extension) and nothing to stdout', () => {
    const out = join(dir, 'out');
    mkdirSync(out, { recursive: true });
    const r = cli(['profile', image, '--policy', gate, '--profile', 'ci-gate', '--output', join(out, 'gate.sarif'), '--fail-on', 'high']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(sarifSchemaErrors(JSON.parse(readFileSync(join(out, 'gate.sarif'), 'utf8')))).toEqual([]);
    expect(cli(['profile', image, '--policy', gate, '--profile', 'ci-gate', '-o', join(out, 'gate.yml')]).status).toBe(0);
    expect(parseYaml(readFileSync(join(out, 'gate.yml'), 'utf8'))).toMatchObject({ profiles_requested: ['ci-gate'] });
    // No temporary file left behind.
    expect(readdirSync(out).sort()).toEqual(['gate.sarif', 'gate.yml']);
    // -v: progress and a timing line on stderr, the report still whole on stdout.
    const v = cli(['profile', image, '--policy', gate, '--profile', 'ci-gate', '--format', 'json', '-v']);
    expect(v.status).toBe(0);
    expect(v.stderr).toMatch(/guestguard: 1 operating system\(s\), 3 findings, score \d+\/100 in \d+\.\d\ds\n$/);
    expect(JSON.parse(v.stdout)).toMatchObject({ profiles_requested: ['ci-gate'] });
  }, 600_000);

  it('exit 2 with one clean line: bad image, bad policy (file:line), unknown profile, severity or format', () => {
    expect(expectCleanFailure(cli(['profile', join(dir, 'missing.qcow2')]))).toMatch(/missing\.qcow2/);
    const garbage = join(dir, 'garbage.qcow2');
    writeFileSync(garbage, Buffer.concat([Buffer.from('QFI\xfb', 'latin1'), Buffer.alloc(4096, 0xee)]));
    expect(expectCleanFailure(cli(['profile', garbage]))).toMatch(/^guestguard: /);
    const bad = expectCleanFailure(cli(['profile', image, '--policy', join(dir, 'bad.yaml')]));
    expect(bad).toMatch(new RegExp(`^guestguard: INVALID_POLICY: ${join(dir, 'bad.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:\\d+: rules\\[0\\]\\.severity: .*\\(and 1 more problem; -v lists them\\)$`));
    const verbose = cli(['profile', image, '--policy', join(dir, 'bad.yaml'), '-v']);
    expect(verbose.status).toBe(2);
    expect(verbose.stderr).toMatch(/also: .*bad\.yaml:8:\d+: rules\[0\]\.check\.sshd\.op/);
    expect(expectCleanFailure(cli(['profile', image, '--policy', join(dir, 'nope.yaml')]))).toMatch(/nope\.yaml/);
    expect(expectCleanFailure(cli(['profile', image, '--profile', 'security,no-such-profile']))).toMatch(/no-such-profile/);
    expect(expectCleanFailure(cli(['profile', image, '--fail-on', 'urgent']))).toBe('guestguard: INVALID_ARGUMENT: --fail-on: unknown severity "urgent" (expected one of info, low, medium, high, critical)');
    expect(expectCleanFailure(cli(['profile', image, '--format', 'pdf']))).toBe('guestguard: INVALID_ARGUMENT: --format: unknown format "pdf" (expected one of json, yaml, table, sarif, html)');
    expect(expectCleanFailure(cli(['profile', image, '--output', join(dir, 'no-such-dir', 'r.json')]))).toMatch(/no-such-dir/);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
  }, 600_000);

  describe.runIf(CHROMIUM !== undefined)('html from the real run in headless Chromium', () => {
    it('renders the score and every failed finding, with no console errors', () => {
      const html = join(dir, 'report.html');
      const r = cli(['profile', image, '--output', html]);
      expect(r.status).toBe(0);
      const png = join(dir, 'report.png');
      const shot = screenshot(html, png, 1280, 2000);
      expect(shot.status, shot.stderr).toBe(0);
      expect(shot.consoleMessages).toEqual([]);
      const img = decodePng(readFileSync(png));
      expect([img.width, img.height]).toEqual([1280, 2000]);
      expect(lumaStats(img).variance).toBeGreaterThan(200);

      const dom = dumpDom(html);
      expect(dom.consoleMessages).toEqual([]);
      // Same guest, same rules: the score of this run equals the json run's.
      expect(dom.stdout).toMatch(new RegExp(`<text class="num score"[^>]*>${full.summary.score}</text>`));
      const failed = full.operating_systems[0]!.findings.filter((f) => f.status === 'fail');
      const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      for (const f of failed) expect(dom.stdout).toContain(`<h5>${esc(f.title)}</h5>`);
      expect(dom.stdout).not.toMatch(/<script/i);
    }, 600_000);
  });
});
