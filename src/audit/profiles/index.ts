/**
 * The built-in profiles shipped with guestguard. Each is YAML in the rule language of
 * docs/profile.md, kept in a .ts module as a string constant so that the compiled package
 * carries it without a copy step (tsc does not copy .yaml files into dist/); the YAML's line N
 * is line N of its module, so "builtin:<id>.yaml:LINE:COL" errors point into that file.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { LoadedPolicy } from '../engine/loader.js';
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

/** Name of the pre-parsed copy the build writes next to this module (scripts/compile-profiles.mjs). */
export const COMPILED_PROFILES_FILE = 'builtin-profiles.json';

interface CompiledProfiles {
  source_sha256: string;
  profiles: LoadedPolicy[];
}

function sourceDigest(): string {
  const h = createHash('sha256');
  for (const id of BUILTIN_PROFILE_IDS) h.update(`${id}\0${BUILTIN_PROFILE_SOURCES[id]}\0`);
  return h.digest('hex');
}

async function parseSources(): Promise<LoadedPolicy[]> {
  // Loaded here, not at the top: with the build's pre-parsed copy, a run needs neither YAML nor zod.
  const { parsePolicy } = await import('../engine/loader.js');
  return BUILTIN_PROFILE_IDS.map((id) => parsePolicy(BUILTIN_PROFILE_SOURCES[id], `builtin:${id}.yaml`));
}

/** The validated built-in profiles as JSON, for the build to store beside the compiled module. */
export async function compileBuiltinProfiles(): Promise<string> {
  const out: CompiledProfiles = { source_sha256: sourceDigest(), profiles: await parseSources() };
  return JSON.stringify(out);
}

/**
 * Parsing ~250 KB of YAML with positions costs more CPU than evaluating every rule, so the
 * build stores the parsed result; it is used only when it was made from these very sources.
 */
function loadCompiled(): LoadedPolicy[] | undefined {
  let text: string;
  try {
    text = readFileSync(new URL(`./${COMPILED_PROFILES_FILE}`, import.meta.url), 'utf8');
  } catch {
    return undefined; // running from sources (tests): parse the YAML
  }
  const data = JSON.parse(text) as CompiledProfiles;
  return data.source_sha256 === sourceDigest() ? data.profiles : undefined;
}

/**
 * The built-in profiles, parsed and validated once per process. Callers get fresh copies of
 * the arrays, so applying overrides to one run's rules cannot leak into the next.
 */
export async function builtinProfiles(): Promise<LoadedPolicy[]> {
  parsed ??= loadCompiled() ?? (await parseSources());
  return parsed.map((p) => ({ ...p, rules: p.rules.map((r) => ({ ...r })), overrides: [...p.overrides], locations: { ...p.locations } }));
}

/** One built-in profile by id, or undefined. */
export async function builtinProfile(id: string): Promise<LoadedPolicy | undefined> {
  return (await builtinProfiles()).find((p) => p.profile.id === id);
}
