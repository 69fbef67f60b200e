/** The profile engine: rule language, loader, evaluation against a guest, scoring, profileDisks(). */
export * from './types.js';
export { PolicyError, loadPolicyFile, parsePolicy, formatPath, MAX_POLICY_BYTES, type LoadedPolicy } from './loader.js';
export {
  CHECK_SCHEMAS,
  CHECK_TYPES,
  FAMILIES,
  MAX_CHECK_DEPTH,
  policyFileSchema,
  ruleSchema,
  overrideSchema,
  profileMetaSchema,
  type AppliesTo,
  type Check,
  type CheckParams,
  type CheckType,
  type Family,
  type LeafCheck,
  type Override,
  type PolicyFile,
  type ProfileMeta,
  type Rule,
} from './schema.js';
export { OPS, compare, type Op, type CompareValue, type Scalar } from './ops.js';
export { AuditFacts, type FileText, type PackageDb } from './facts.js';
export { evaluateRules, evaluateRule, evaluateCheck, combineAll, combineAny, negate, EVALUATORS, type ProfiledRule } from './evaluate.js';
export type { CheckResult } from './result.js';
export { summarize, failsAt, severityRank } from './score.js';
export { buildPolicySet, type PolicySet } from './policy-set.js';
export {
  profileDisks,
  profileSession,
  resolvePolicies,
  defaultBuiltins,
  type ProfileOptions,
  type ProfileDisksOptions,
  type ProfileProgress,
  type ProfileStep,
} from './profile.js';
export { WALK_MAX_ENTRIES, WALK_MAX_DEPTH } from './walk.js';
export { parseVersionRange, versionInRange, comparePackageVersion, dpkgVerrevcmp } from './versions.js';
