/**
 * SARIF output validates against the official OASIS SARIF 2.1.0 schema and carries what
 * code-scanning services read: rules with help and severity, failed results at guest
 * file:line relative to GUESTROOT, errors as notifications.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSarif, guestPathToUri } from '../../src/audit/report/index.js';
import { sha256 } from '../helpers/fixtures.js';
import { debianReport, emptyReport, HOSTILE_TEXT, twoOsReport } from './fixture-report.js';
import { SARIF_SCHEMA_PATH, SARIF_SCHEMA_SHA256, sarifSchemaErrors } from './validators.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const sarifOf = (r = debianReport()) => JSON.parse(renderSarif(r)) as any;

describe('SARIF 2.1.0', () => {
  it('the vendored schema is the unmodified OASIS file', () => {
    expect(sha256(readFileSync(SARIF_SCHEMA_PATH))).toBe(SARIF_SCHEMA_SHA256);
  });

  it('validates against the official schema (one OS, two OSes, none)', () => {
    for (const r of [debianReport(), twoOsReport(), emptyReport()]) expect(sarifSchemaErrors(sarifOf(r))).toEqual([]);
  });

  it('the validator is not vacuous: it rejects broken logs', () => {
    const bad = sarifOf();
    bad.runs[0].results[0].level = 'fatal';
    delete bad.runs[0].tool.driver.name;
    bad.runs[0].results[2].locations[0].physicalLocation.region.startLine = 0;
    const errors = sarifSchemaErrors(bad).join('\n');
    expect(errors).toMatch(/results\/0\/level/);
    expect(errors).toMatch(/driver.*name/);
    expect(errors).toMatch(/startLine/);
    expect(sarifSchemaErrors({ ...sarifOf(), version: '2.0.0' })).not.toEqual([]);
  });

  it('describes every evaluated rule once, with help, tags, level and security-severity', () => {
    const run = sarifOf().runs[0];
    expect(run.tool.driver).toMatchObject({ name: 'guestguard', version: '0.1.0', semanticVersion: '0.1.0' });
    const rules = run.tool.driver.rules;
    expect(rules.map((r: any) => r.id)).toEqual([...debianReport().operating_systems[0]!.findings.map((f) => f.rule_id)].sort());
    const ssh = rules.find((r: any) => r.id === 'ssh.permit-root-login');
    expect(ssh).toMatchObject({
      name: 'SshPermitRootLogin',
      shortDescription: { text: 'SSH root login is disabled' },
      fullDescription: { text: 'The SSH daemon must not accept logins as root.' },
      defaultConfiguration: { level: 'error' },
      properties: { 'security-severity': '8.0', tags: ['security', 'cis-debian-12:5.1.20', 'pci-dss-4:2.2.6'], severity: 'high' },
    });
    expect(ssh.help.text).toMatch(/^Remediation: Set "PermitRootLogin no"/);
    expect(ssh.help.markdown).toContain('**Remediation**');
    expect(ssh.help.markdown).toContain('- pci-dss-4 2.2.6');
    const level = (id: string) => rules.find((r: any) => r.id === id);
    expect(level('accounts.uid0-besides-root')).toMatchObject({ defaultConfiguration: { level: 'error' }, properties: { 'security-severity': '9.5' } });
    expect(level('hardening.ip-forward')).toMatchObject({ defaultConfiguration: { level: 'warning' }, properties: { 'security-severity': '5.5' } });
    expect(level('hardening.world-writable')).toMatchObject({ defaultConfiguration: { level: 'note' }, properties: { 'security-severity': '3.0' } });
    expect(level('hardening.banner').properties['security-severity']).toBeUndefined();
    expect(level('hardening.ip-forward').properties.tags).toEqual(['security', 'hardening', 'cis-debian-12:3.3.1']);
  });

  it('reports failed findings only, at the guest file and line relative to GUESTROOT', () => {
    const run = sarifOf().runs[0];
    expect(run.results.map((r: any) => r.ruleId)).toEqual(['accounts.uid0-besides-root', 'services.telnet', 'ssh.permit-root-login', 'hardening.ip-forward', 'hardening.world-writable', 'hardening.banner']);
    for (const r of run.results) {
      expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
      expect(r.kind).toBe('fail');
      // Code scanning rejects results without a location.
      expect(r.locations.length).toBe(1);
    }
    const ssh = run.results.find((r: any) => r.ruleId === 'ssh.permit-root-login');
    expect(ssh).toMatchObject({
      level: 'error',
      message: { text: 'PermitRootLogin is yes (/etc/ssh/sshd_config:32)' },
      locations: [{ physicalLocation: { artifactLocation: { uri: 'etc/ssh/sshd_config', uriBaseId: 'GUESTROOT' }, region: { startLine: 32, snippet: { text: 'PermitRootLogin yes' } } } }],
    });
    expect(run.originalUriBaseIds.GUESTROOT.description.text).toBe('Root filesystem (/dev/ggvg/root) of Debian GNU/Linux 12 (bookworm) in images/debian 12.qcow2');
    expect(run.originalUriBaseIds.GUESTROOT.uri).toBeUndefined();
    // Further offending lines are related locations.
    const uid0 = run.results.find((r: any) => r.ruleId === 'accounts.uid0-besides-root');
    expect(uid0.relatedLocations).toEqual([{ id: 1, physicalLocation: { artifactLocation: { uri: 'etc/passwd', uriBaseId: 'GUESTROOT' }, region: { startLine: 23, snippet: { text: 'admin2:x:0:0::/root:/bin/bash' } } } }]);
    // A fact-only finding points at the image (relative path kept relative, percent-encoded).
    const telnet = run.results.find((r: any) => r.ruleId === 'services.telnet');
    expect(telnet.locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'images/debian%2012.qcow2' });
    expect(telnet.properties.facts).toEqual(['package telnetd 0.17+2.4-2 installed']);
    // Odd guest file names are percent-encoded; hostile text stays data.
    const fwd = run.results.find((r: any) => r.ruleId === 'hardening.ip-forward');
    expect(fwd.locations[0].physicalLocation.artifactLocation.uri).toBe('etc/sysctl.d/99-evil%20file%231.conf');
    expect(fwd.locations[0].physicalLocation.region.snippet.text).toBe(HOSTILE_TEXT);
    // A file described without a line: a location without region, the description as its message.
    const ww = run.results.find((r: any) => r.ruleId === 'hardening.world-writable');
    expect(ww.locations[0]).toEqual({ physicalLocation: { artifactLocation: { uri: 'etc/motd.local', uriBaseId: 'GUESTROOT' } }, message: { text: 'mode 0666 owner root:root' } });
  });

  it('fingerprints stay the same when the line moves, and differ per OS', () => {
    const a = sarifOf().runs[0].results.find((r: any) => r.ruleId === 'ssh.permit-root-login');
    const moved = debianReport();
    moved.operating_systems[0]!.findings[0]!.evidence[0]!.line = 40;
    const b = sarifOf(moved).runs[0].results.find((r: any) => r.ruleId === 'ssh.permit-root-login');
    expect(b.partialFingerprints).toEqual(a.partialFingerprints);
    expect(b.locations[0].physicalLocation.region.startLine).toBe(40);
    const prints = sarifOf(twoOsReport()).runs[0].results.map((r: any) => Object.values(r.partialFingerprints)[0]);
    expect(new Set(prints).size).toBe(prints.length);
  });

  it('turns check errors and report warnings into tool notifications; execution stays successful', () => {
    const inv = sarifOf().runs[0].invocations[0];
    expect(inv.executionSuccessful).toBe(true);
    expect(inv.endTimeUtc).toBe('2025-11-22T15:00:00.000Z');
    expect(inv.toolExecutionNotifications).toEqual([
      { level: 'warning', message: { text: 'override for rule "nope.unknown" names no loaded rule (policy.yaml:7:5)' } },
      {
        level: 'warning',
        message: { text: 'hardening.tmp-nodev could not be evaluated on Debian GNU/Linux 12 (bookworm) (/dev/ggvg/root): /etc/fstab could not be read: CORRUPT_FILESYSTEM: extent tree loop' },
        associatedRule: { id: 'hardening.tmp-nodev', index: expect.any(Number) },
      },
    ]);
  });

  it('gives each OS its own base id and absolute image paths become file: URIs', () => {
    const run = sarifOf(twoOsReport()).runs[0];
    expect(Object.keys(run.originalUriBaseIds)).toEqual(['GUESTROOT', 'GUESTROOT2']);
    const smb = run.results.find((r: any) => r.ruleId === 'windows.smb1');
    expect(smb.locations[0].physicalLocation.artifactLocation.uri).toBe('file:///var/lib/images/dual.qcow2');
    expect(run.properties.operating_systems.map((o: any) => o.uriBaseId)).toEqual(['GUESTROOT', 'GUESTROOT2']);
    // Rule ids are unique even when several OSes evaluated the same rule.
    const ids = run.tool.driver.rules.map((r: any) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('guest paths become relative URI references', () => {
    expect(guestPathToUri('/etc/ssh/sshd_config')).toBe('etc/ssh/sshd_config');
    expect(guestPathToUri('/weird/a:b/100%/ü')).toBe('weird/a%3Ab/100%25/%C3%BC');
    expect(guestPathToUri('/Windows/System32/config/SOFTWARE')).toBe('Windows/System32/config/SOFTWARE');
  });
});
