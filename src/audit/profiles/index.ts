/**
 * The built-in profiles shipped with guestguard. Each is YAML in the rule language of
 * docs/profile.md, kept in a .ts module as a string constant so that the compiled package
 * carries it without a copy step (tsc does not copy .yaml files into dist/); the YAML's line N
 * is line N of its module, so "builtin:<id>.yaml:LINE:COL" errors point into that file.
 */
import { parsePolicy, type LoadedPolicy } from '../engine/loader.js';
import { COMPLIANCE_YAML } from './compliance.yaml.js';
import { HARDENING_YAML } from './hardening.yaml.js';
import { SECURITY_YAML } from './security.yaml.js';
import { WINDOWS_YAML } from './windows.yaml.js';

/** Ids of the built-in profiles, in the order they are evaluated. */
export const BUILTIN_PROFILE_IDS = ['security', 'compliance', 'hardening', 'windows'] as const;
export type BuiltinProfileId = (typeof BUILTIN_PROFILE_IDS)[number];

/** YAML source of each built-in profile (for `guestguard profile --show-profile`-style tooling and tests). */
export const BUILTIN_PROFILE_SOURCES: Readonly<Record<BuiltinProfileId, string>> = {
  security: SECURITY_YAML,
  compliance: COMPLIANCE_YAML,
  hardening: HARDENING_YAML,
  windows: WINDOWS_YAML,
};

let parsed: LoadedPolicy[] | undefined;

/**
 * The built-in profiles, parsed and validated once per process. Callers get fresh copies of
 * the arrays, so applying overrides to one run's rules cannot leak into the next.
 */
export function builtinProfiles(): LoadedPolicy[] {
  parsed ??= BUILTIN_PROFILE_IDS.map((id) => parsePolicy(BUILTIN_PROFILE_SOURCES[id], `builtin:${id}.yaml`));
  return parsed.map((p) => ({ ...p, rules: p.rules.map((r) => ({ ...r })), overrides: [...p.overrides], locations: { ...p.locations } }));
}

/** One built-in profile by id, or undefined. */
export function builtinProfile(id: string): LoadedPolicy | undefined {
  return builtinProfiles().find((p) => p.profile.id === id);
}
