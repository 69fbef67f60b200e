/**
 * The seccomp policy model: architecture-neutral rules over syscall names, each with a rationale.
 * Rules for one syscall are tried in order; the first whose argument conditions all hold decides
 * the action; a syscall no rule matches gets the policy's default action.
 */
import { GuestguardError } from '../../errors.js';
import { ARG_CONSTANTS, ERRNO } from './constants.js';

export type SeccompAction =
  | { readonly type: 'allow' }
  | { readonly type: 'log' }
  | { readonly type: 'trap' }
  | { readonly type: 'kill_process' }
  | { readonly type: 'kill_thread' }
  | { readonly type: 'errno'; readonly errno: number };

/**
 * Argument comparisons (unsigned). `masked_eq`: (arg & mask) == value; `has_any`: arg & value != 0;
 * `has_none`: arg & value == 0. Width 32 compares only the low word, which is what the kernel
 * reads for `int`/`unsigned int` parameters — so high garbage bits cannot slip past a deny rule.
 */
export type ArgOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'masked_eq' | 'has_any' | 'has_none';
export const ARG_OPS: readonly ArgOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'masked_eq', 'has_any', 'has_none'];

export interface ArgCondition {
  readonly index: number;
  readonly op: ArgOp;
  readonly value: bigint;
  /** Only for masked_eq. */
  readonly mask?: bigint;
  readonly width: 32 | 64;
}

export type NetworkMode = 'none' | 'allowed';

export interface SeccompRule {
  readonly syscalls: readonly string[];
  readonly action: SeccompAction;
  readonly args: readonly ArgCondition[];
  /** When set, the rule only applies under that network policy. */
  readonly network?: NetworkMode;
  readonly rationale: string;
}

export interface SeccompPolicy {
  readonly name: string;
  readonly description?: string;
  readonly defaultAction: SeccompAction;
  readonly rules: readonly SeccompRule[];
}

export const ALLOW: SeccompAction = { type: 'allow' };
export const KILL: SeccompAction = { type: 'kill_process' };
export const errno = (name: keyof typeof ERRNO | number): SeccompAction => ({
  type: 'errno',
  errno: typeof name === 'number' ? name : ERRNO[name]!,
});
export const EPERM = errno('EPERM');
export const ENOSYS = errno('ENOSYS');

/** Parses "allow", "log", "trap", "kill", "kill_process", "kill_thread", "errno", "errno:ENOSYS", "errno:38". */
export function parseAction(text: string): SeccompAction {
  const t = text.trim().toLowerCase();
  if (t === 'allow' || t === 'log' || t === 'trap' || t === 'kill_process' || t === 'kill_thread') return { type: t };
  if (t === 'kill') return KILL;
  const m = /^errno(?:\s*[:(]\s*([a-z0-9]+)\s*\)?)?$/.exec(t);
  if (!m) throw new Error(`unknown action "${text}" (allow, log, trap, kill, kill_process, kill_thread, errno, errno:NAME)`);
  if (m[1] === undefined) return EPERM;
  const name = m[1].toUpperCase();
  const n = /^\d+$/.test(name) ? Number(name) : ERRNO[name];
  if (n === undefined) throw new Error(`unknown errno "${m[1]}"`);
  if (n < 1 || n > 4095) throw new Error(`errno ${n} outside 1..4095`);
  return { type: 'errno', errno: n };
}

export function formatAction(action: SeccompAction): string {
  if (action.type !== 'errno') return action.type;
  const name = Object.entries(ERRNO).find(([, v]) => v === action.errno)?.[0];
  return `errno:${name ?? action.errno}`;
}

/**
 * Parses an argument value: a number, decimal/hex/octal text, a symbolic constant (AF_UNIX,
 * CLONE_NEWUSER, TIOCSTI, ...) or several joined with "|".
 */
export function parseArgValue(value: number | string | bigint): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`value ${value} is not a non-negative integer`);
    return BigInt(value);
  }
  let out = 0n;
  for (const part of value.split('|').map((p) => p.trim())) {
    if (/^(0x[0-9a-f]+|0o[0-7]+|0b[01]+|\d+)$/i.test(part)) out |= BigInt(part);
    else if (Object.hasOwn(ARG_CONSTANTS, part)) out |= ARG_CONSTANTS[part]!;
    else throw new Error(`unknown constant "${part}"`);
  }
  return out;
}

/** Checks value/width consistency; throws plain Errors the callers wrap with a location. */
export function checkCondition(c: ArgCondition): void {
  if (!Number.isInteger(c.index) || c.index < 0 || c.index > 5) throw new Error(`argument index ${c.index} outside 0..5`);
  const limit = c.width === 32 ? 1n << 32n : 1n << 64n;
  if (c.value < 0n || c.value >= limit) throw new Error(`value 0x${c.value.toString(16)} does not fit ${c.width} bits`);
  if (c.mask !== undefined && (c.mask < 0n || c.mask >= limit)) throw new Error(`mask does not fit ${c.width} bits`);
  if (c.op === 'masked_eq' && c.mask === undefined) throw new Error('masked_eq needs a mask');
  if (c.op !== 'masked_eq' && c.mask !== undefined) throw new Error(`mask is only used with masked_eq`);
  if (c.op === 'masked_eq' && (c.value & ~c.mask!) !== 0n) throw new Error('masked_eq value has bits outside the mask (never matches)');
}

/** Keeps the rules that apply under the given network policy. */
export function rulesForNetwork(policy: SeccompPolicy, network: NetworkMode): SeccompPolicy {
  return { ...policy, rules: policy.rules.filter((r) => r.network === undefined || r.network === network) };
}

/** A policy whose errno actions `from` become `to` (tests use it to prove which errnos the filter made). */
export function remapErrno(policy: SeccompPolicy, from: number, to: number): SeccompPolicy {
  const map = (a: SeccompAction): SeccompAction => (a.type === 'errno' && a.errno === from ? { type: 'errno', errno: to } : a);
  return { ...policy, defaultAction: map(policy.defaultAction), rules: policy.rules.map((r) => ({ ...r, action: map(r.action) })) };
}

/** A policy error whose message names the file and the field at fault. */
export function policyError(message: string, where: { path?: string; field?: string }): GuestguardError {
  const prefix = [where.path ?? 'seccomp policy', where.field].filter((p) => p !== undefined && p !== '').join(': ');
  return new GuestguardError('INVALID_ARGUMENT', `${prefix}: ${message}`, where.path !== undefined ? { path: where.path } : {});
}
