/**
 * The built-in profiles as data: they load through the real YAML loader, every rule is
 * documented and referenced, ids are unique across profiles, and the compliance profile
 * covers at least 80 CIS Level 1 recommendations for each family.
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROFILE_IDS, BUILTIN_PROFILE_SOURCES, builtinProfiles } from '../../src/audit/profiles/index.js';

describe('built-in profiles', async () => {
  const profiles = await builtinProfiles();

  it('load and validate, one per id, in order', () => {
    expect(profiles.map((p) => p.profile.id)).toEqual([...BUILTIN_PROFILE_IDS]);
    for (const p of profiles) expect(p.file).toBe(`builtin:${p.profile.id}.yaml`);
  });

  it('have unique rule ids across all profiles', () => {
    const seen = new Map<string, string>();
    for (const p of profiles) {
      for (const r of p.rules) {
        expect(seen.get(r.id), `${r.id} in ${p.profile.id} and ${seen.get(r.id)}`).toBeUndefined();
        seen.set(r.id, p.profile.id);
      }
    }
  });

  it('document every rule: title, description, rationale, remediation, applies_to', () => {
    for (const p of profiles) {
      for (const r of p.rules) {
        for (const f of ['title', 'description', 'rationale', 'remediation'] as const) expect(r[f].length, `${r.id}.${f}`).toBeGreaterThan(10);
        expect(r.applies_to?.os, `${r.id}.applies_to.os`).toBeDefined();
      }
    }
  });

  it('give every compliance rule a CIS reference of the family it applies to', () => {
    const c = profiles.find((p) => p.profile.id === 'compliance')!;
    for (const r of c.rules) {
      const fams = r.applies_to?.family ?? [];
      expect(fams.length, r.id).toBeGreaterThan(0);
      for (const f of fams) {
        const std = f === 'debian' ? 'cis-debian-12' : 'cis-rhel-9';
        expect(r.references.some((x) => x.standard === std), `${r.id} lacks a ${std} reference`).toBe(true);
      }
      for (const x of r.references) {
        if (x.standard.startsWith('cis-')) expect(x.id, r.id).toMatch(/^\d+(\.\d+)+$/);
        if (x.standard === 'pci-dss-4') expect(x.id, r.id).toMatch(/^\d{1,2}(\.\d+){1,3}$/);
      }
      // A .debian / .rhel suffix names the one family the rule's check is written for.
      const suffix = /\.(debian|rhel)$/.exec(r.id)?.[1];
      if (suffix) expect(fams, r.id).toEqual([suffix]);
    }
  });

  it('cover at least 80 CIS Level 1 Server recommendations per family', () => {
    const c = profiles.find((p) => p.profile.id === 'compliance')!;
    for (const [fam, std] of [['debian', 'cis-debian-12'], ['rhel', 'cis-rhel-9']] as const) {
      const ids = new Set<string>();
      for (const r of c.rules) {
        if (!(r.applies_to?.family ?? []).includes(fam) || r.description.includes('Level 2')) continue;
        for (const x of r.references) if (x.standard === std) ids.add(x.id);
      }
      expect(ids.size, `${fam}: ${[...ids].sort().join(' ')}`).toBeGreaterThanOrEqual(80);
    }
  });

  it('keep YAML line N on line N of the module (loader errors point into the .ts file)', () => {
    for (const id of BUILTIN_PROFILE_IDS) {
      const yaml = BUILTIN_PROFILE_SOURCES[id];
      expect(yaml.startsWith('\n#'), id).toBe(true);
    }
  });
});
