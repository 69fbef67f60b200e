/**
 * Every built-in rule against real guests: the misconfigured and hardened Debian guests
 * (debootstrap bookworm), the misconfigured and hardened Rocky Linux 9 guests (rpm database,
 * Rocky's configuration files), small per-rule variants, and four Windows guests. Each rule's
 * status on each guest is asserted (expectations.ts), and each rule must have at least one
 * passing and one failing case among them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/audit/engine/index.js';
import { EXPECTATIONS, expectedStatus } from './expectations.js';
import { canBuildAuditGuests, debianBadGuest, debianGoodGuest } from './guests/debian.js';
import { canBuildRhelGuests, rhelBadGuest, rhelGoodGuest } from './guests/rhel.js';
import { variantImages } from './guests/variants.js';
import { canBuildWindowsGuests, windowsImages } from './guests/windows.js';
import { builtinRules, profileImage, type GuestFindings } from './harness.js';

const rules = await builtinRules();

describe('every built-in rule has a passing and a failing case', () => {
  it.each(rules.map((r) => [r.id]))('%s', (id) => {
    const rule = rules.find((r) => r.id === id)!;
    const statuses = EXPECTATIONS.map((g) => [g.name, expectedStatus(g, rule)] as const).filter(([, s]) => s === 'pass' || s === 'fail');
    const passing = statuses.filter(([, s]) => s === 'pass').map(([g]) => g);
    const failing = statuses.filter(([, s]) => s === 'fail').map(([g]) => g);
    expect(passing, `${id}: no guest where it passes`).not.toEqual([]);
    expect(failing, `${id}: no guest where it fails`).not.toEqual([]);
  });
});

describe.skipIf(!canBuildAuditGuests || !canBuildRhelGuests || !canBuildWindowsGuests)('built-in rules on the test guests', () => {
  const results = new Map<string, GuestFindings>();

  beforeAll(async () => {
    const images = new Map<string, string>([
      ['debian-bad', debianBadGuest().raw],
      ['debian-good', debianGoodGuest().raw],
      ['rocky-bad', rhelBadGuest().raw],
      ['rocky-good', rhelGoodGuest().raw],
      ...variantImages(),
      ...(await windowsImages()),
    ]);
    for (const g of EXPECTATIONS) {
      const img = images.get(g.name);
      if (!img) throw new Error(`no image for guest ${g.name}`);
      results.set(g.name, await profileImage(img));
    }
  }, 3_600_000);

  it.each(EXPECTATIONS.map((g) => [g.name]))('%s: every rule has its expected status', (name) => {
    const g = EXPECTATIONS.find((e) => e.name === name)!;
    const { findings } = results.get(name)!;
    const wrong: string[] = [];
    for (const rule of rules) {
      const want = expectedStatus(g, rule);
      const f = findings.get(rule.id);
      if (!f) wrong.push(`${rule.id}: no finding`);
      else if (want !== undefined && f.status !== want) wrong.push(`${rule.id}: ${f.status}, expected ${want} — ${f.message}`);
    }
    for (const id of Object.keys(g.except)) if (!rules.some((r) => r.id === id)) wrong.push(`${id}: listed in the expectations but not a built-in rule`);
    expect(wrong).toEqual([]);
  });

  it('never errors, and every decided finding carries evidence', () => {
    const bad: string[] = [];
    for (const [name, r] of results) {
      for (const f of r.findings.values()) {
        if (f.status === 'error') bad.push(`${name} ${f.rule_id}: error ${f.message}`);
        if (f.evidence.length === 0 || f.evidence.some((e) => e.file === undefined && e.fact === undefined && e.text === undefined)) bad.push(`${name} ${f.rule_id}: empty evidence`);
      }
      expect(r.report.warnings, name).toEqual([]);
    }
    expect(bad).toEqual([]);
  });

  it('never puts a password hash into evidence', () => {
    const hashes = /\$(1|5|6|y|2[aby])\$[^\s:]{8,}/;
    const leaks: string[] = [];
    for (const [name, r] of results) for (const f of r.findings.values()) for (const e of f.evidence) if (hashes.test(`${e.text ?? ''} ${e.fact ?? ''}`)) leaks.push(`${name} ${f.rule_id}: ${e.text ?? e.fact}`);
    expect(leaks).toEqual([]);
  });

  it('times a second full run on the hardened Debian guest (all profiles, inspection included)', async () => {
    // Issue 5 asks for "well under a second" on a real Debian image; the number is printed for
    // the record and bounded loosely here, as the machine running the tests is shared.
    const again = await profileImage(debianGoodGuest().raw);
    const failed = (f: Iterable<Finding>) => [...f].filter((x) => x.status === 'fail').length;
    expect(failed(again.findings.values())).toBe(failed(results.get('debian-good')!.findings.values()));
    console.log(`profile of the hardened Debian guest: ${again.ms.toFixed(0)} ms (${again.findings.size} rules)`);
    expect(again.ms).toBeLessThan(5000);
  });
});
