/**
 * Rules → findings: applies_to first, then the check tree. A check that throws becomes an
 * `error` result with the reason; combinators decide from their children and carry the
 * evidence that decided; one rule's failure never stops the others.
 */
import { describeError } from '../../errors.js';
import { accounts } from './checks/accounts.js';
import { setting, sshd, sysctl } from './checks/config.js';
import { fact } from './checks/fact.js';
import { fileAbsent, fileContent, fileExists, fileMode, fileOwner } from './checks/files.js';
import { kernelModuleDisabled, mountOption, separatePartition } from './checks/mounts.js';
import { registry } from './checks/registry.js';
import { packageCheck, service } from './checks/system.js';
import { suidSgid, worldWritable } from './checks/tree.js';
import type { AuditFacts } from './facts.js';
import { result, type CheckResult } from './result.js';
import type { AppliesTo, Check, CheckParams, CheckType, Rule } from './schema.js';
import type { Evidence, Finding } from './types.js';
import { parseVersionRange, versionInRange } from './versions.js';

type Evaluator<K extends CheckType> = (p: CheckParams<K>, facts: AuditFacts) => Promise<CheckResult>;

export const EVALUATORS: { [K in CheckType]: Evaluator<K> } = {
  file_exists: fileExists,
  file_absent: fileAbsent,
  file_mode: fileMode,
  file_owner: fileOwner,
  file_content: fileContent,
  setting,
  sshd,
  sysctl,
  package: packageCheck,
  service,
  accounts,
  mount_option: mountOption,
  separate_partition: separatePartition,
  kernel_module_disabled: kernelModuleDisabled,
  world_writable: worldWritable,
  suid_sgid: suidSgid,
  fact,
  registry,
};

/** A rule with the id of the profile it came from. */
export type ProfiledRule = Rule & { profile?: string };

export async function evaluateCheck(check: Check, facts: AuditFacts): Promise<CheckResult> {
  if ('all' in check) return combineAll(await evalEach(check.all, facts));
  if ('any' in check) return combineAny(await evalEach(check.any, facts));
  if ('not' in check) return negate(await evaluateCheck(check.not, facts));
  const type = Object.keys(check)[0] as CheckType;
  const params = (check as Record<string, unknown>)[type];
  try {
    return await (EVALUATORS[type] as Evaluator<CheckType>)(params as CheckParams<CheckType>, facts);
  } catch (err) {
    return result('error', `${type}: ${describeError(err)}`, [{ fact: `${type} could not be evaluated` }]);
  }
}

async function evalEach(checks: Check[], facts: AuditFacts): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const c of checks) out.push(await evaluateCheck(c, facts));
  return out;
}

function joinMessages(rs: CheckResult[]): string {
  const msgs = [...new Set(rs.map((r) => r.message))];
  return msgs.length <= 3 ? msgs.join('; ') : `${msgs.slice(0, 3).join('; ')}; …`;
}

const evidenceOf = (rs: CheckResult[]): Evidence[] => rs.flatMap((r) => r.evidence);

/**
 * all: fails when any child fails (the failures are the evidence); else an error in a child
 * is an error; children that do not apply are left out, and all of them not applying makes
 * the whole not applicable.
 */
export function combineAll(rs: CheckResult[]): CheckResult {
  const failed = rs.filter((r) => r.status === 'fail');
  if (failed.length > 0) return result('fail', joinMessages(failed), evidenceOf(failed));
  const errors = rs.filter((r) => r.status === 'error');
  if (errors.length > 0) return result('error', joinMessages(errors), evidenceOf(errors));
  const passed = rs.filter((r) => r.status === 'pass');
  if (passed.length === 0) return result('not_applicable', joinMessages(rs), evidenceOf(rs));
  return result('pass', joinMessages(passed), evidenceOf(passed));
}

/** any: passes on the first passing child (its evidence); else error, else fail with every failure. */
export function combineAny(rs: CheckResult[]): CheckResult {
  const passed = rs.find((r) => r.status === 'pass');
  if (passed) return passed;
  const errors = rs.filter((r) => r.status === 'error');
  if (errors.length > 0) return result('error', joinMessages(errors), evidenceOf(errors));
  const failed = rs.filter((r) => r.status === 'fail');
  if (failed.length === 0) return result('not_applicable', joinMessages(rs), evidenceOf(rs));
  return result('fail', joinMessages(failed), evidenceOf(failed));
}

/** not: pass and fail swap; the observation (message, evidence) is the same either way. */
export function negate(r: CheckResult): CheckResult {
  if (r.status === 'pass') return { ...r, status: 'fail' };
  if (r.status === 'fail') return { ...r, status: 'pass' };
  return r;
}

/** Why a rule does not apply to this OS, or undefined when it does. */
export async function notApplicableReason(a: AppliesTo | undefined, facts: AuditFacts): Promise<string | undefined> {
  if (!a) return undefined;
  const os = facts.os;
  if (a.os && !a.os.includes(os.type as 'linux')) return `applies to ${a.os.join('/')}; this is ${os.type}`;
  if (a.distro && (os.distro === null || !a.distro.includes(os.distro))) return `applies to ${a.distro.join('/')}; this is ${os.distro ?? 'an unknown distribution'}`;
  if (a.family && (facts.family === undefined || !a.family.includes(facts.family))) return `applies to the ${a.family.join('/')} family; this is ${facts.family ?? os.distro ?? 'unknown'}`;
  if (a.version !== undefined && !versionInRange(os.major_version, os.minor_version, parseVersionRange(a.version))) {
    return `applies to version ${a.version}; this is ${os.major_version}.${os.minor_version}`;
  }
  if (a.package !== undefined) {
    const names = Array.isArray(a.package) ? a.package : [a.package];
    const db = await facts.packages();
    if (!db) return `applies when ${names.join(' or ')} is installed; the guest has no package database`;
    if (!names.some((n) => (db.byName.get(n)?.length ?? 0) > 0)) return `applies when ${names.join(' or ')} is installed; it is not`;
  }
  return undefined;
}

/** Every subtree the checks of `rules` may walk, whether or not they apply (for walks started early). */
export function plannedWalkRoots(rules: readonly ProfiledRule[]): string[] {
  const out: string[] = [];
  for (const r of rules) walkRootsOf(r.check, out);
  return [...new Set(out)];
}

function walkRootsOf(check: Check, out: string[]): void {
  if ('all' in check) check.all.forEach((c) => walkRootsOf(c, out));
  else if ('any' in check) check.any.forEach((c) => walkRootsOf(c, out));
  else if ('not' in check) walkRootsOf(check.not, out);
  else if ('world_writable' in check) out.push(...check.world_writable.paths);
  else if ('suid_sgid' in check) out.push(...check.suid_sgid.paths);
}

export async function evaluateRule(rule: ProfiledRule, facts: AuditFacts, profile = rule.profile ?? ''): Promise<Finding> {
  let why: string | undefined;
  try {
    why = await notApplicableReason(rule.applies_to, facts);
  } catch (err) {
    return finding(rule, profile, result('error', describeError(err), [{ fact: 'applies_to could not be evaluated' }]));
  }
  return evaluateApplicable(rule, facts, profile, why);
}

async function evaluateApplicable(rule: ProfiledRule, facts: AuditFacts, profile: string, why: string | undefined): Promise<Finding> {
  let r: CheckResult;
  try {
    r = why !== undefined ? result('not_applicable', why, [{ fact: why }]) : await evaluateCheck(rule.check, facts);
  } catch (err) {
    r = result('error', describeError(err), [{ fact: 'rule could not be evaluated' }]);
  }
  return finding(rule, profile, r);
}

/** A message is one line whatever a guest's file names hold: control characters are escaped. */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function finding(rule: ProfiledRule, profile: string, r: CheckResult): Finding {
  return {
    rule_id: rule.id,
    profile,
    status: r.status,
    severity: rule.severity,
    title: rule.title,
    description: rule.description,
    rationale: rule.rationale,
    remediation: rule.remediation,
    references: rule.references,
    evidence: r.evidence.length > 0 ? r.evidence : [{ fact: r.message }],
    message: oneLine(r.message),
  };
}

/**
 * Evaluates rules in order against one guest. Subtrees walked by several applicable rules are
 * walked once (the topmost of them); file reads and parsed facts are cached in `facts`.
 */
export async function evaluateRules(
  rules: readonly ProfiledRule[],
  facts: AuditFacts,
  opts: { profile?: string; onRule?: (done: number, total: number, id: string) => void } = {},
): Promise<Finding[]> {
  const reasons: (string | undefined | Error)[] = [];
  const roots: string[] = [];
  for (const r of rules) {
    try {
      const why = await notApplicableReason(r.applies_to, facts);
      reasons.push(why);
      if (why === undefined) walkRootsOf(r.check, roots);
    } catch (err) {
      reasons.push(err instanceof Error ? err : new Error(String(err)));
    }
  }
  facts.planWalks(roots);
  // Rules run concurrently: most wait on small guest reads, and the facts they share are
  // computed once (AuditFacts memoizes). Findings keep the rules' order.
  let done = 0;
  return Promise.all(
    rules.map(async (r, i) => {
      const profile = r.profile ?? opts.profile ?? '';
      const why = reasons[i];
      const f = why instanceof Error ? finding(r, profile, result('error', describeError(why), [{ fact: 'applies_to could not be evaluated' }])) : await evaluateApplicable(r, facts, profile, why);
      opts.onRule?.(++done, rules.length, r.id);
      return f;
    }),
  );
}
