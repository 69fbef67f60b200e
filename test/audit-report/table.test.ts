/** The terminal format: summaries, failed findings by severity with evidence and fixes, safe guest text. */
import { describe, expect, it } from 'vitest';
import { renderTable } from '../../src/audit/report/index.js';
import { debianReport, emptyReport, twoOsReport } from './fixture-report.js';

describe('table format', () => {
  const plain = renderTable(debianReport());

  it('summarizes per OS and per profile', () => {
    expect(plain).toContain('Debian GNU/Linux 12 (bookworm) — root /dev/ggvg/root');
    const r = debianReport();
    const os = r.operating_systems[0]!;
    expect(plain).toContain(`Score ${os.summary.score}/100`);
    expect(plain).toContain('6 failed (1 critical, 2 high, 1 medium, 1 low, 1 info) · 2 passed · 1 n/a · 1 error');
    const sec = os.profiles.find((p) => p.id === 'security')!;
    expect(plain).toMatch(new RegExp(`security\\s+Security essentials\\s+${sec.rules}\\s+${sec.counts.pass}\\s+${sec.counts.fail}\\s+${sec.counts.not_applicable}\\s+${sec.counts.error}\\s+${sec.score}\\b`));
  });

  it('lists failed findings most severe first, with evidence file:line and remediation', () => {
    const order = ['FAILED — CRITICAL (1)', 'FAILED — HIGH (2)', 'FAILED — MEDIUM (1)', 'FAILED — LOW (1)', 'FAILED — INFO (1)'].map((h) => plain.indexOf(h));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(plain).toContain('evidence: /etc/passwd:22  toor:x:0:0::/root:/bin/bash');
    expect(plain).toContain('evidence: /etc/ssh/sshd_config:32  PermitRootLogin yes');
    expect(plain).toContain('evidence: package telnetd 0.17+2.4-2 installed');
    expect(plain).toContain('fix: Set "PermitRootLogin no" in /etc/ssh/sshd_config');
    expect(plain).toContain('           then reload sshd: systemctl reload ssh');
    expect(plain).toContain('refs: cis-debian-12 5.1.20, pci-dss-4 2.2.6');
    // Errors are listed apart, passes and n/a are only counted.
    expect(plain).toContain('NOT EVALUATED — check error (1)');
    expect(plain).not.toContain('ssh.empty-passwords');
    expect(plain).toContain('Warnings:\n  - override for rule "nope.unknown"');
  });

  it('never lets guest text reach the terminal raw', () => {
    for (const color of [false, true]) {
      const out = renderTable(debianReport(), { color });
      // The only ESC bytes are our SGR colour codes; the guest's clear-screen and title escapes are shown escaped.
      expect(out.replace(/\x1b\[[0-9;]*m/g, '')).not.toContain('\x1b');
      expect(out).toContain('\\u001b[2J');
      expect(out).not.toContain('\x07');
      expect(out).not.toContain('\u202e');
    }
    // One evidence item is one line: a newline in guest data cannot forge report lines.
    const r = debianReport();
    r.operating_systems[0]!.findings[0]!.evidence[0]!.text = 'PermitRootLogin yes\n    ✗ fake.rule  Everything is fine';
    expect(renderTable(r)).not.toMatch(/^\s+✗ fake\.rule/m);
  });

  it('colours only when asked', () => {
    expect(plain).not.toContain('\x1b[');
    const coloured = renderTable(debianReport(), { color: true });
    expect(coloured).toContain('\x1b[1;31mFAILED — CRITICAL (1)');
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe(plain);
  });

  it('names an OS whose product name is a bare version (Debian: /etc/debian_version) by its distro', () => {
    const r = debianReport();
    r.operating_systems[0]!.product_name = '12.15';
    expect(renderTable(r)).toContain('Debian 12.15 — root /dev/ggvg/root');
    r.operating_systems[0]!.product_name = null;
    expect(renderTable(r)).toContain('Debian 12.0 — root /dev/ggvg/root');
  });

  it('handles no OS and several OSes', () => {
    expect(renderTable(emptyReport())).toContain('No operating system found');
    const two = renderTable(twoOsReport());
    expect(two).toContain('Windows Server 2022 Standard — root /dev/sda2');
    expect(two).toMatch(/Overall \(2 operating systems\)\s+Score \d+\/100/);
  });
});
