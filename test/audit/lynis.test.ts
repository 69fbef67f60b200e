/**
 * Cross-check with an independent auditor: Lynis runs inside the same debootstrap trees the
 * Debian guest images are made from (see lynis.ts for how), and each Lynis test that judges
 * the same control as one of our rules is compared with our finding on the image.
 *
 * Threshold: at least 85% of the comparable mappings agree on each guest, and every
 * disagreement is one whose design difference is written down in LYNIS_MAP (a different
 * threshold, a narrower scope, or a Lynis limitation). The documented differences are 4 of 63
 * comparable mappings on the bad guest and 8 of 64 on the hardened one (93.7% and 87.5%
 * agreement, see docs/profile-lynis.md). 85% is what those differences leave room for; the
 * rate guards against the emulation breaking wholesale (Lynis skipping or misreading many
 * tests), while the second assertion catches any single new, unexplained divergence.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { canBuildAuditGuests, debianBadGuest, debianGoodGuest } from './guests/debian.js';
import { profileImage } from './harness.js';
import { canRunLynis, compareWithLynis, lynisAudit, lynisVersion, LYNIS_MAP, LYNIS_NOT_COMPARED, parseLynis, type ComparisonRow } from './lynis.js';

const THRESHOLD = 0.85;

describe.skipIf(!canRunLynis || !canBuildAuditGuests)('Lynis cross-check on the Debian guests', () => {
  const rows = new Map<string, ComparisonRow[]>();

  beforeAll(async () => {
    for (const g of [debianBadGuest(), debianGoodGuest()]) {
      const lynis = parseLynis(lynisAudit(g.name, g.tree));
      const ours = await profileImage(g.raw);
      rows.set(g.name, compareWithLynis(lynis, new Map([...ours.findings].map(([id, f]) => [id, f.status]))));
    }
    // The agreement table, as docs/profile-lynis.md shows it.
    const out = [`Lynis ${lynisVersion()} vs guestguard built-in profiles`];
    for (const [name, rs] of rows) {
      const c = (a: string) => rs.filter((r) => r.agreement === a).length;
      out.push(`\n${name}: both pass ${c('both pass')}, both fail ${c('both fail')}, disagree ${c('disagree')}, not comparable ${c('not comparable')}`);
      for (const r of rs) out.push(`  ${r.agreement.padEnd(15)} ${r.rule.padEnd(38)} lynis ${r.lynisStatus.padEnd(7)} ours ${r.ours.padEnd(5)} ${r.lynis}${r.agreement === 'disagree' || r.agreement === 'not comparable' ? ` — ${r.note ?? ''}` : ''}`);
    }
    out.push('\nnot compared:', ...Object.entries(LYNIS_NOT_COMPARED).map(([k, v]) => `  ${k}: ${v}`));
    console.log(out.join('\n'));
  }, 3_600_000);

  it('maps only rules that exist and apply to Debian', async () => {
    const { builtinRules } = await import('./harness.js');
    const ids = new Set((await builtinRules()).map((r) => r.id));
    for (const m of LYNIS_MAP) expect(ids.has(m.rule), m.rule).toBe(true);
  });

  it.each([['debian-bad'], ['debian-good']])(`%s: at least ${THRESHOLD * 100}% of the comparable mappings agree`, (name) => {
    const rs = rows.get(name)!;
    const comparable = rs.filter((r) => r.agreement !== 'not comparable');
    const agree = comparable.filter((r) => r.agreement === 'both pass' || r.agreement === 'both fail');
    expect(comparable.length).toBeGreaterThanOrEqual(LYNIS_MAP.length - 3);
    expect(agree.length / comparable.length).toBeGreaterThanOrEqual(THRESHOLD);
  });

  it.each([['debian-bad'], ['debian-good']])('%s: every disagreement is a documented design difference', (name) => {
    const undocumented = rows.get(name)!.filter((r) => r.agreement === 'disagree' && r.note === undefined);
    expect(undocumented.map((r) => `${r.rule} (Lynis ${r.lynis}: ${r.lynisStatus}, ours ${r.ours})`)).toEqual([]);
  });

  it('the planted misconfigurations Lynis can see are failures for both', () => {
    const rs = rows.get('debian-bad')!;
    for (const rule of ['ssh.permit-root-login', 'accounts.uid0-besides-root', 'cis.login.pass-max-days', 'cis.mount.tmp-separate', 'services.telnet-server', 'hardening.ip-forward']) {
      expect(rs.find((r) => r.rule === rule)?.agreement, rule).toBe('both fail');
    }
  });
});
