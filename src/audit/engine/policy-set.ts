/**
 * Which rules run: the requested built-in profiles and policy files, merged, with every
 * policy's overrides (disable, re-weight) applied in load order. Rule ids are unique across
 * everything loaded; a clash names both places.
 */
import { GuestguardError } from '../../errors.js';
import type { ProfiledRule } from './evaluate.js';
import type { LoadedPolicy } from './loader.js';
import { PolicyError } from './policy-error.js';
import type { ProfileMeta } from './schema.js';

export interface PolicySet {
  profiles: { meta: ProfileMeta; file: string; rules: ProfiledRule[] }[];
  warnings: string[];
}

/**
 * Picks the built-ins named in `ids` (all of them when neither ids nor files are given), adds
 * every policy file (always), and applies overrides. An id may also name a policy file's
 * profile, which is then just included once.
 */
export function buildPolicySet(builtins: readonly LoadedPolicy[], policies: readonly LoadedPolicy[], ids?: readonly string[]): PolicySet {
  const chosen: LoadedPolicy[] = [];
  const known = new Map<string, LoadedPolicy>();
  for (const p of [...builtins, ...policies]) if (!known.has(p.profile.id)) known.set(p.profile.id, p);
  if (ids && ids.length > 0) {
    for (const id of ids) {
      const p = known.get(id);
      if (!p) throw new GuestguardError('INVALID_ARGUMENT', `unknown profile "${id}" (available: ${[...known.keys()].join(', ') || 'none'})`);
      if (!chosen.includes(p)) chosen.push(p);
    }
  } else if (policies.length === 0) chosen.push(...builtins);
  for (const p of policies) if (!chosen.includes(p)) chosen.push(p);

  const problems: string[] = [];
  const byProfile = new Map<string, LoadedPolicy>();
  const where = new Map<string, string>();
  for (const p of chosen) {
    const other = byProfile.get(p.profile.id);
    if (other) problems.push(`${p.file}: profile id "${p.profile.id}" is also defined by ${other.file}`);
    byProfile.set(p.profile.id, p);
    for (const r of p.rules) {
      const here = p.locations[r.id] ?? p.file;
      const first = where.get(r.id);
      if (first !== undefined) problems.push(`${here}: rule id "${r.id}" is already defined at ${first}`);
      else where.set(r.id, here);
    }
  }
  if (problems.length > 0) throw new PolicyError(problems);

  const profiles = chosen.map((p) => ({ meta: p.profile, file: p.file, rules: p.rules.map((r) => ({ ...r, profile: p.profile.id }) as ProfiledRule) }));
  const rules = new Map(profiles.flatMap((p) => p.rules.map((r) => [r.id, r] as const)));
  const disabled = new Set<string>();
  const warnings: string[] = [];
  for (const p of chosen) {
    for (const o of p.overrides) {
      const r = rules.get(o.rule);
      if (!r) {
        warnings.push(`${p.file}: override of rule "${o.rule}" ignored: no such rule among the loaded profiles`);
        continue;
      }
      if (o.severity !== undefined) r.severity = o.severity;
      if (o.disabled === true) disabled.add(o.rule);
      else if (o.disabled === false) disabled.delete(o.rule);
    }
  }
  for (const p of profiles) p.rules = p.rules.filter((r) => !disabled.has(r.id));
  return { profiles, warnings };
}
