/**
 * `guestguard profile` as a library call: open the disks, inspect them, assemble each OS root
 * and judge it with the selected profiles and policy files.
 */
import type { OpenImageOptions } from '../../disk/disk-image.js';
import { GuestguardError } from '../../errors.js';
import { assembleGuest, findRoots } from '../../guest/assemble.js';
import { inspectSession } from '../../guest/inspect/inspect.js';
import type { InspectStep } from '../../guest/inspect/progress.js';
import { DiskSession } from '../../guest/session.js';
import { VERSION } from '../../version.js';
import { builtinProfiles } from '../profiles/index.js';
import { evaluateRules, plannedWalkRoots } from './evaluate.js';
import { AuditFacts } from './facts.js';
import type { LoadedPolicy } from './loader.js';
import { buildPolicySet, type PolicySet } from './policy-set.js';
import { summarize } from './score.js';
import { isWithin, walkPermissions, type WalkResult } from './walk.js';
import type { Finding, OsProfileResult, ProfileReport, ProfileSummary } from './types.js';

export type ProfileStep = Exclude<InspectStep, 'done'> | 'policies' | 'evaluate' | 'done';

export interface ProfileProgress {
  step: ProfileStep;
  /** Root device of the OS concerned, for per-OS steps. */
  root?: string;
  os?: number;
  of?: number;
  /** During `evaluate`: rules evaluated so far and in all. */
  rules?: { done: number; total: number };
  message: string;
}

export interface ProfileOptions {
  /** Profile ids to run (built-in, or the id of a policy file's profile). Default: every built-in profile, or only the policy files when some are given. */
  profiles?: string[];
  /** Policy files (YAML) to load; their rules always run and their overrides apply. */
  policies?: string[];
  /** Policies already loaded (parsed elsewhere), treated like policy files after `policies`. */
  loadedPolicies?: LoadedPolicy[];
  /** Replaces the built-in profile set (tests, or a caller shipping its own). */
  builtins?: LoadedPolicy[];
  onProgress?: (e: ProfileProgress) => void;
}

export interface ProfileDisksOptions extends ProfileOptions, OpenImageOptions {}

/** The profiles shipped with guestguard (src/audit/profiles). */
export function defaultBuiltins(): Promise<LoadedPolicy[]> {
  return builtinProfiles();
}

/** Loads and merges the policies for a run (fails fast, before any disk is read). */
export async function resolvePolicies(opts: ProfileOptions): Promise<PolicySet> {
  const builtins = opts.builtins ?? (await defaultBuiltins());
  const files: LoadedPolicy[] = [];
  if (opts.policies?.length) {
    // The YAML parser and its schema load only when there are policy files to read.
    const { loadPolicyFile } = await import('./loader.js');
    for (const p of opts.policies) files.push(await loadPolicyFile(p));
  }
  files.push(...(opts.loadedPolicies ?? []));
  return buildPolicySet(builtins, files, opts.profiles);
}

/** Opens the images, profiles every OS on them and closes them again. */
export async function profileDisks(paths: string[], options: ProfileDisksOptions = {}): Promise<ProfileReport> {
  const { profiles, policies, loadedPolicies, builtins, onProgress, ...openOptions } = options;
  const opts: ProfileOptions = { ...(profiles && { profiles }), ...(policies && { policies }), ...(loadedPolicies && { loadedPolicies }), ...(builtins && { builtins }), ...(onProgress && { onProgress }) };
  // Bad policies are bad input: say so before spending time on the disks.
  const set = await resolvePolicies(opts);
  onProgress?.({ step: 'open', message: `opening ${paths.join(', ')}` });
  const session = await DiskSession.open(paths, openOptions);
  try {
    return await profileWithSet(session, paths, set, opts);
  } finally {
    await session.close();
  }
}

/** Profiles disks already opened as a session; `paths` are reported as given. */
export async function profileSession(session: DiskSession, paths: string[], opts: ProfileOptions = {}): Promise<ProfileReport> {
  return profileWithSet(session, paths, await resolvePolicies(opts), opts);
}

async function profileWithSet(session: DiskSession, paths: string[], set: PolicySet, opts: ProfileOptions): Promise<ProfileReport> {
  const emit = (e: ProfileProgress) => opts.onProgress?.(e);
  emit({ step: 'policies', message: `${set.profiles.length} profile(s), ${set.profiles.reduce((n, p) => n + p.rules.length, 0)} rules` });
  const rules = set.profiles.flatMap((p) => p.rules);
  // The permission walks cover most of a guest and cost more than inspection itself; they need
  // only the assembled filesystems, so they start now and overlap inspection's reads.
  const roots = await findRoots(session.catalog);
  const early = await startWalks(session, roots, plannedWalkRoots(rules));
  const inspection = await inspectSession(session, paths, {
    onProgress: (e) => {
      if (e.step !== 'done') emit({ ...e, step: e.step });
    },
  });
  const warnings = [...inspection.warnings, ...set.warnings];
  const results: OsProfileResult[] = [];
  for (const [i, os] of inspection.operating_systems.entries()) {
    const where = { root: os.root, os: i + 1, of: inspection.operating_systems.length };
    const root = roots.find((r) => r.fs.device === os.root);
    if (!root) throw new GuestguardError('NOT_FOUND', `operating system root ${os.root} vanished between inspection and profiling`);
    const pre = early.get(root.fs.device);
    const assembled = pre?.assembled ?? (await assembleGuest(session.catalog, root));
    const facts = AuditFacts.fromGuest(assembled.view, os);
    if (pre) facts.adoptWalks(pre.walks);
    emit({ step: 'evaluate', ...where, rules: { done: 0, total: rules.length }, message: `${os.root}: evaluating ${rules.length} rules` });
    const findings = await evaluateRules(rules, facts, {
      onRule: (done, total) => {
        if (done === total || done % 25 === 0) emit({ step: 'evaluate', ...where, rules: { done, total }, message: `${os.root}: ${done}/${total} rules` });
      },
    });
    for (const w of facts.warnings) warnings.push(`${os.root}: ${w}`);
    results.push({
      root: os.root,
      type: os.type,
      distro: os.distro,
      product_name: os.product_name,
      major_version: os.major_version,
      minor_version: os.minor_version,
      profiles: set.profiles.map((p) => profileSummary(p.meta.id, p.meta.title, findings)),
      summary: summarize(findings),
      findings,
    });
  }
  if (results.length === 0) warnings.push('no operating system found on the disks: nothing to profile');
  emit({ step: 'done', message: 'done' });
  return {
    schema_version: 1,
    generator: `guestguard ${VERSION}`,
    images: [...paths],
    generated_at: new Date().toISOString(),
    profiles_requested: set.profiles.map((p) => p.meta.id),
    operating_systems: results,
    summary: summarize(results.flatMap((r) => r.findings)),
    warnings,
  };
}

interface EarlyWalks {
  assembled: Awaited<ReturnType<typeof assembleGuest>>;
  walks: Promise<WalkResult>[];
}

/**
 * Assembles every root candidate and starts the walks of the topmost planned subtrees. A walk
 * that fails is left for the rule that needs it to report (the rule walks again and gets the
 * error itself); a root that cannot be assembled gets no early walks.
 */
async function startWalks(session: DiskSession, roots: Awaited<ReturnType<typeof findRoots>>, planned: string[]): Promise<Map<string, EarlyWalks>> {
  const out = new Map<string, EarlyWalks>();
  if (planned.length === 0) return out;
  const tops = planned.filter((p) => !planned.some((q) => q !== p && isWithin(p, q)));
  for (const root of roots) {
    let assembled;
    try {
      assembled = await assembleGuest(session.catalog, root);
    } catch (err) {
      if (err instanceof GuestguardError) continue;
      throw err;
    }
    const walks = tops.map((t) => walkPermissions(assembled.view, t).catch((): WalkResult => ({ root: undefined, entries: [], visited: 0 })));
    out.set(root.fs.device, { assembled, walks });
  }
  return out;
}

function profileSummary(id: string, title: string, all: Finding[]): ProfileSummary {
  const findings = all.filter((f) => f.profile === id);
  return { id, title, rules: findings.length, ...summarize(findings) };
}
