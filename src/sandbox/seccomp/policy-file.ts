/**
 * Custom seccomp policies in YAML, validated with zod. Errors name the file and the field:
 *
 *   name: build-jobs
 *   extends: basic              # optional: minimal | basic | permissive
 *   defaultAction: errno:EPERM  # required unless extends
 *   rules:
 *     - syscalls: [socket]
 *       action: allow
 *       args: [{ index: 0, op: eq, value: AF_INET, width: 32 }]
 *       network: allowed        # optional: only under this network policy
 *       rationale: builds fetch dependencies
 *
 * Custom rules come before the base level's rules, so they win for the syscalls they name.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { isKnownSyscall } from './arch.js';
import { builtinPolicy, SECCOMP_LEVELS, type SeccompLevel } from './levels.js';
import {
  ARG_OPS,
  checkCondition,
  parseAction,
  parseArgValue,
  policyError,
  type ArgCondition,
  type SeccompPolicy,
  type SeccompRule,
} from './policy.js';

const valueSchema = z.union([z.number().int().nonnegative(), z.string().min(1)]);

const conditionSchema = z.strictObject({
  index: z.number().int().min(0).max(5),
  op: z.enum(ARG_OPS as [string, ...string[]]),
  value: valueSchema,
  mask: valueSchema.optional(),
  width: z.union([z.literal(32), z.literal(64)]).optional(),
});

const ruleSchema = z.strictObject({
  syscalls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  action: z.string().min(1),
  args: z.array(conditionSchema).max(6).optional(),
  network: z.enum(['none', 'allowed']).optional(),
  rationale: z.string().trim().min(3, 'every rule needs a rationale'),
});

const policySchema = z.strictObject({
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  extends: z.enum(SECCOMP_LEVELS as [SeccompLevel, ...SeccompLevel[]]).optional(),
  defaultAction: z.string().min(1).optional(),
  rules: z.array(ruleSchema).default([]),
});

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** Parses and validates policy YAML; `file` names the source in error messages. */
export function parsePolicyYaml(text: string, file = 'seccomp policy'): SeccompPolicy {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0];
    throw policyError(`invalid YAML${line ? ` at line ${line.line}, column ${line.col}` : ''}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, {
      path: file,
    });
  }
  const raw: unknown = doc.toJS();
  const parsed = policySchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw policyError(issue.message, { path: file, field: fieldPath(issue.path) || '(top level)' });
  }
  const p = parsed.data;
  const at = (field: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      throw policyError((err as Error).message, { path: file, field });
    }
  };
  let defaultAction = p.extends ? builtinPolicy(p.extends).defaultAction : undefined;
  if (p.defaultAction !== undefined) at('defaultAction', () => void (defaultAction = parseAction(p.defaultAction!)));
  if (defaultAction === undefined) throw policyError('required unless the policy extends a level', { path: file, field: 'defaultAction' });

  const rules: SeccompRule[] = p.rules.map((r, i) => {
    const syscalls = typeof r.syscalls === 'string' ? [r.syscalls] : r.syscalls;
    syscalls.forEach((name, j) =>
      at(`rules[${i}].syscalls${typeof r.syscalls === 'string' ? '' : `[${j}]`}`, () => {
        if (!isKnownSyscall(name)) throw new Error(`unknown syscall "${name}" (not on x86_64 or aarch64)`);
      }),
    );
    let action = defaultAction!;
    at(`rules[${i}].action`, () => void (action = parseAction(r.action)));
    const args: ArgCondition[] = (r.args ?? []).map((a, j) => {
      let cond: ArgCondition | undefined;
      at(`rules[${i}].args[${j}]`, () => {
        const c: ArgCondition = {
          index: a.index,
          op: a.op as ArgCondition['op'],
          value: parseArgValue(a.value),
          width: a.width ?? 64,
          ...(a.mask !== undefined ? { mask: parseArgValue(a.mask) } : {}),
        };
        checkCondition(c);
        cond = c;
      });
      return cond!;
    });
    return { syscalls, action, args, rationale: r.rationale, ...(r.network ? { network: r.network } : {}) };
  });
  const base = p.extends ? builtinPolicy(p.extends) : undefined;
  return {
    name: p.name ?? basename(file).replace(/\.ya?ml$/i, ''),
    ...(p.description !== undefined ? { description: p.description } : {}),
    defaultAction: defaultAction!,
    rules: [...rules, ...(base?.rules ?? [])],
  };
}

export function loadPolicyFile(path: string): SeccompPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw policyError(`cannot read: ${(err as Error).message}`, { path });
  }
  return parsePolicyYaml(text, path);
}
