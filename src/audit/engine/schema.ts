/**
 * The rule language (docs/profile.md) as zod schemas. A check is an object with exactly one
 * key naming its type; combinators (all/any/not) nest checks. Check objects are validated by
 * hand around the per-type schemas so an unknown type is reported by name and every issue
 * keeps the exact path of the field at fault (for FILE:LINE:COL messages).
 */
import { z } from 'zod';
import { OPS, validateComparison, type CompareValue, type Op } from './ops.js';
import { SEVERITIES } from './types.js';
import { parseVersionRange } from './versions.js';

/** Nesting deeper than this is a mistake (or a hostile file), not a rule. */
export const MAX_CHECK_DEPTH = 32;

const ID_RE = /^[a-z0-9][a-z0-9_.-]*$/;
const id = z.string({ error: 'expected a string' }).regex(ID_RE, 'must match [a-z0-9][a-z0-9_.-]*').max(128);
/** YAML reads 2.10 as the number 2.1: ids and versions must be quoted strings. */
const text = (what = 'a string') => z.string({ error: (iss) => (typeof iss.input === 'number' ? `expected ${what}: quote numbers ("${String(iss.input)}")` : `expected ${what}`) });
const absPath = text('an absolute guest path').regex(/^\//, 'must be an absolute guest path (starting with /)').max(4096);
/** Wildcards (* ? [...]) are allowed in the last path component only. */
const globPath = absPath.refine((p) => !/[*?[]/.test(p.slice(0, p.lastIndexOf('/'))), 'wildcards are allowed in the last path component only');
const scalar = z.union([z.string(), z.number(), z.boolean()]);
const compareValue = z.union([scalar, z.array(scalar)]);
const op = z.enum(OPS);
const missing3 = z.enum(['pass', 'fail', 'not_applicable']);
const missing2 = z.enum(['pass', 'fail']);
const nameOrList = z.union([text('a name').min(1), z.array(text('a name').min(1)).min(1).max(64)]);

/** Adds the operator/value consistency check to a schema holding `op` and a value field. */
function comparing<T extends z.ZodObject>(schema: T, valueKey = 'value') {
  return schema.superRefine((o, ctx) => {
    const rec = o as Record<string, unknown>;
    const problem = validateComparison(rec['op'] as Op, rec[valueKey]);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [rec[valueKey] === undefined ? 'op' : valueKey] });
  });
}

export const CHECK_SCHEMAS = {
  file_exists: z.strictObject({ path: globPath }),
  file_absent: z.strictObject({ path: globPath }),
  file_mode: z.strictObject({
    path: globPath,
    max: text('an octal mode string such as "0640"').regex(/^0?[0-7]{3,4}$/, 'must be an octal mode such as "0640"'),
    missing: missing3.optional(),
  }),
  file_owner: z
    .strictObject({
      path: globPath,
      user: z.union([text('a user name or uid').min(1), z.number().int().nonnegative()]).optional(),
      group: z.union([text('a group name or gid').min(1), z.number().int().nonnegative()]).optional(),
      missing: missing3.optional(),
    })
    .refine((o) => o.user !== undefined || o.group !== undefined, 'give user, group or both'),
  file_content: z
    .strictObject({
      path: globPath,
      regex: z.string().min(1),
      present: z.boolean(),
      flags: z.string().regex(/^[imsu]*$/, 'flags may only contain i, m, s and u').optional(),
      ignore_comments: z.boolean().optional(),
      missing: missing3.optional(),
    })
    .superRefine((o, ctx) => {
      try {
        new RegExp(o.regex, o.flags ?? '');
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message}`, path: ['regex'] });
      }
    }),
  setting: comparing(
    z.strictObject({
      path: z.union([globPath, z.array(globPath).min(1).max(32)]),
      key: z.string().min(1),
      syntax: z.enum(['equals', 'space', 'colon']),
      op,
      value: compareValue.optional(),
      missing: missing2.optional(),
      case_insensitive: z.boolean().optional(),
    }),
  ),
  sshd: comparing(
    z.strictObject({
      option: z.string().regex(/^[A-Za-z0-9]+$/, 'must be an sshd_config keyword'),
      op,
      value: compareValue.optional(),
      missing: missing3.optional(),
    }),
  ),
  sysctl: comparing(
    z.strictObject({
      key: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.\/-]*$/, 'must be a sysctl key such as net.ipv4.ip_forward'),
      op,
      value: compareValue.optional(),
      missing: missing2.optional(),
    }),
  ),
  package: z.strictObject({
    name: nameOrList,
    installed: z.boolean(),
    version: z.strictObject({ op: z.enum(['eq', 'ne', 'lt', 'le', 'gt', 'ge']), value: text('a version string').min(1) }).optional(),
  }),
  service: z.strictObject({
    name: nameOrList,
    state: z.enum(['enabled', 'disabled', 'masked', 'not_enabled', 'absent']),
  }),
  accounts: z.strictObject({
    condition: z.enum(['uid0_besides_root', 'empty_password', 'system_account_with_login_shell', 'duplicate_uid', 'duplicate_gid', 'duplicate_name', 'no_password_aging']),
    expect: z.literal('none').optional(),
  }),
  mount_option: z.strictObject({
    path: absPath,
    option: z.string().min(1),
    missing_mount: z.enum(['fail', 'not_applicable']).optional(),
  }),
  separate_partition: z.strictObject({ path: absPath }),
  kernel_module_disabled: z.strictObject({ module: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a kernel module name') }),
  world_writable: z.strictObject({ paths: z.array(absPath).min(1).max(64), allow: z.array(z.string().min(1)).max(1024).optional() }),
  suid_sgid: z.strictObject({ paths: z.array(absPath).min(1).max(64), allow: z.array(z.string().min(1)).max(4096).optional() }),
  fact: comparing(
    z.strictObject({
      path: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\[(\*|\d+)\])*(\.[A-Za-z_][A-Za-z0-9_]*(\[(\*|\d+)\])*)*$/, 'must be a dotted field path such as security.selinux.mode or packages[*].name'),
      op,
      value: compareValue.optional(),
      missing: missing3.optional(),
    }),
  ),
  registry: comparing(
    z.strictObject({
      hive: z.enum(['SYSTEM', 'SOFTWARE']),
      key: z.string().min(1).max(1024),
      value: z.string(),
      op,
      value_expected: compareValue.optional(),
      missing: missing2.optional(),
    }),
    'value_expected',
  ),
} as const;

export type CheckType = keyof typeof CHECK_SCHEMAS;
export const CHECK_TYPES = Object.keys(CHECK_SCHEMAS) as CheckType[];
export type CheckParams<K extends CheckType> = z.output<(typeof CHECK_SCHEMAS)[K]>;
export type LeafCheck = { [K in CheckType]: { [P in K]: CheckParams<K> } }[CheckType];
export type Check = LeafCheck | { all: Check[] } | { any: Check[] } | { not: Check };

const COMBINATORS = ['all', 'any', 'not'];

/** `params.at: 'key'` asks the loader to point at the key itself (unknown keys and check types). */
type Issue = { message: string; path: PropertyKey[]; code: 'custom'; params?: { at: 'key' } };

/** Validates one check object, pushing issues with paths relative to it; returns the check or undefined. */
function parseCheck(input: unknown, issues: Issue[], depth: number): Check | undefined {
  const add = (message: string, path: PropertyKey[] = []) => issues.push({ code: 'custom', message, path });
  if (depth > MAX_CHECK_DEPTH) return add(`checks nested deeper than ${MAX_CHECK_DEPTH} levels`), undefined;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return add(`expected a check: an object with one key (${[...COMBINATORS, ...CHECK_TYPES].join(', ')})`), undefined;
  }
  const keys = Object.keys(input);
  if (keys.length !== 1) {
    return add(keys.length === 0 ? 'empty check: give exactly one check type' : `a check has exactly one key, got ${keys.length} (${keys.join(', ')}); combine checks with all/any`), undefined;
  }
  const type = keys[0]!;
  const body = (input as Record<string, unknown>)[type];
  if (type === 'all' || type === 'any') {
    if (!Array.isArray(body) || body.length === 0) return add(`${type} takes a non-empty list of checks`, [type]), undefined;
    if (body.length > 256) return add(`${type} takes at most 256 checks`, [type]), undefined;
    const out: Check[] = [];
    body.forEach((c, i) => {
      const sub: Issue[] = [];
      const parsed = parseCheck(c, sub, depth + 1);
      for (const s of sub) issues.push({ ...s, path: [type, i, ...s.path] });
      if (parsed) out.push(parsed);
    });
    return out.length === body.length ? ({ [type]: out } as Check) : undefined;
  }
  if (type === 'not') {
    const sub: Issue[] = [];
    const parsed = parseCheck(body, sub, depth + 1);
    for (const s of sub) issues.push({ ...s, path: ['not', ...s.path] });
    return parsed ? { not: parsed } : undefined;
  }
  if (!(type in CHECK_SCHEMAS)) {
    issues.push({ code: 'custom', message: `unknown check type "${type}" (known: ${[...COMBINATORS, ...CHECK_TYPES].join(', ')})`, path: [type], params: { at: 'key' } });
    return undefined;
  }
  const r = CHECK_SCHEMAS[type as CheckType].safeParse(body ?? {});
  if (!r.success) {
    for (const i of r.error.issues) issues.push(...explode(i, [type]));
    return undefined;
  }
  return { [type]: r.data } as LeafCheck;
}

/** One issue per unknown key, located at that key, with its name in the message. */
function explode(i: z.core.$ZodIssue, prefix: PropertyKey[]): Issue[] {
  if (i.code === 'unrecognized_keys') {
    return i.keys.map((k) => ({ code: 'custom' as const, message: `unknown key "${k}"`, path: [...prefix, ...i.path, k], params: { at: 'key' as const } }));
  }
  return [{ code: 'custom', message: i.message, path: [...prefix, ...i.path] }];
}

const checkSchema = z.unknown().transform((v, ctx) => {
  const issues: Issue[] = [];
  const parsed = parseCheck(v, issues, 0);
  for (const i of issues) ctx.addIssue({ ...i, input: v });
  return parsed ?? z.NEVER;
});

const listOf = <T extends z.ZodType>(item: T) => z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(item).min(1));

export const FAMILIES = ['debian', 'rhel', 'suse', 'arch', 'alpine'] as const;
export type Family = (typeof FAMILIES)[number];

const appliesTo = z.strictObject({
  os: listOf(z.enum(['linux', 'windows', 'freebsd'])).optional(),
  distro: listOf(z.string().min(1)).optional(),
  family: listOf(z.enum(FAMILIES)).optional(),
  version: text('a version range such as ">=11"')
    .superRefine((v, ctx) => {
      try {
        parseVersionRange(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .optional(),
  package: nameOrList.optional(),
});

const reference = z.strictObject({ standard: text().min(1), id: text().min(1) });

export const ruleSchema = z.strictObject({
  id,
  title: text().min(1),
  severity: z.enum(SEVERITIES),
  description: text().default(''),
  rationale: text().default(''),
  remediation: text().default(''),
  references: z.array(reference).default([]),
  applies_to: appliesTo.optional(),
  check: checkSchema,
});

export const overrideSchema = z
  .strictObject({ rule: id, severity: z.enum(SEVERITIES).optional(), disabled: z.boolean().optional() })
  .refine((o) => o.severity !== undefined || o.disabled !== undefined, 'an override sets severity, disabled or both');

export const profileMetaSchema = z.strictObject({
  id,
  title: text().min(1),
  description: text().default(''),
  version: text('a version string').optional(),
});

export const policyFileSchema = z
  .strictObject({
    profile: profileMetaSchema,
    rules: z.array(ruleSchema).max(10_000).default([]),
    overrides: z.array(overrideSchema).max(10_000).default([]),
  })
  .superRefine((f, ctx) => {
    const seen = new Map<string, number>();
    f.rules.forEach((r, i) => {
      const first = seen.get(r.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', message: `duplicate rule id "${r.id}" (also rules[${first}])`, path: ['rules', i, 'id'] });
      else seen.set(r.id, i);
    });
  });

export type AppliesTo = z.output<typeof appliesTo>;
export type Rule = z.output<typeof ruleSchema>;
export type Override = z.output<typeof overrideSchema>;
export type ProfileMeta = z.output<typeof profileMetaSchema>;
export type PolicyFile = z.output<typeof policyFileSchema>;
export type { CompareValue, Op };
