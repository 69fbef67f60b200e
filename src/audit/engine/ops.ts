/**
 * The comparison operators every value check shares (eq ne lt le gt ge in not_in regex exists
 * absent): numbers compare numerically when both sides parse as numbers, strings exactly or,
 * for sshd and the registry, case-insensitively.
 */

export const OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'in', 'not_in', 'regex', 'exists', 'absent'] as const;
export type Op = (typeof OPS)[number];

export type Scalar = string | number | boolean;
export type CompareValue = Scalar | Scalar[];

/** Guest values longer than this are cut before a regex sees them (a hostile line must not make a policy regex crawl). */
export const MAX_MATCH_CHARS = 8192;

const NUMERIC = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;
const HEX = /^\s*0x[0-9a-fA-F]+\s*$/;

/** The number a config value spells (decimal, or 0x hex as sysctl and the registry write them), else undefined. */
export function asNumber(v: Scalar): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return undefined;
  if (NUMERIC.test(v)) return Number(v);
  if (HEX.test(v)) return parseInt(v, 16);
  return undefined;
}

function text(v: Scalar): string {
  return typeof v === 'string' ? v : String(v);
}

/** Regex cache: rules are evaluated once per OS, the same pattern over many lines. */
const regexCache = new Map<string, RegExp>();

export function compileRegex(pattern: string, flags = ''): RegExp {
  const key = `${flags}/${pattern}`;
  let re = regexCache.get(key);
  if (!re) {
    re = new RegExp(pattern, flags.replace(/[gy]/g, ''));
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(key, re);
  }
  return re;
}

export function regexTest(re: RegExp, s: string): boolean {
  return re.test(s.length > MAX_MATCH_CHARS ? s.slice(0, MAX_MATCH_CHARS) : s);
}

function scalarEq(actual: string, expected: Scalar, ci: boolean): boolean {
  const a = asNumber(actual);
  const b = asNumber(expected);
  if (a !== undefined && b !== undefined) return a === b;
  const e = text(expected);
  return ci ? actual.toLowerCase() === e.toLowerCase() : actual === e;
}

/**
 * Compares an observed value (undefined when not set) with the expected one. `exists` and
 * `absent` test presence only; every other operator is false for an unset value.
 */
export function compare(actual: string | undefined, op: Op, expected: CompareValue | undefined, opts: { caseInsensitive?: boolean } = {}): boolean {
  const ci = opts.caseInsensitive === true;
  if (op === 'exists') return actual !== undefined;
  if (op === 'absent') return actual === undefined;
  if (actual === undefined) return false;
  switch (op) {
    case 'eq':
      return scalarEq(actual, expected as Scalar, ci);
    case 'ne':
      return !scalarEq(actual, expected as Scalar, ci);
    case 'in':
      return (expected as Scalar[]).some((e) => scalarEq(actual, e, ci));
    case 'not_in':
      return !(expected as Scalar[]).some((e) => scalarEq(actual, e, ci));
    case 'regex':
      return regexTest(compileRegex(text(expected as Scalar), ci ? 'i' : ''), actual);
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge': {
      const a = asNumber(actual);
      const b = asNumber(expected as Scalar);
      if (a === undefined || b === undefined) return false;
      return op === 'lt' ? a < b : op === 'le' ? a <= b : op === 'gt' ? a > b : a >= b;
    }
  }
}

/** "eq no", "in [a, b]", "exists": the expectation in words, for messages. */
export function describeExpectation(op: Op, expected: CompareValue | undefined): string {
  if (op === 'exists' || op === 'absent') return op === 'exists' ? 'set' : 'not set';
  const v = Array.isArray(expected) ? `[${expected.map(text).join(', ')}]` : text(expected as Scalar);
  const words: Record<Op, string> = { eq: '=', ne: '≠', lt: '<', le: '≤', gt: '>', ge: '≥', in: 'in', not_in: 'not in', regex: 'matching', exists: '', absent: '' };
  return `${words[op]} ${v}`;
}

/** Checks an operator/value pair when a policy is loaded; returns the problem or undefined. */
export function validateComparison(op: Op, value: unknown): string | undefined {
  if (op === 'exists' || op === 'absent') return value === undefined ? undefined : `op ${op} takes no value`;
  if (value === undefined) return `op ${op} needs a value`;
  if (op === 'in' || op === 'not_in') {
    if (!Array.isArray(value) || value.length === 0) return `op ${op} needs a non-empty list of values`;
    return undefined;
  }
  if (Array.isArray(value)) return `op ${op} takes a single value, not a list (use in / not_in)`;
  if (op === 'regex') {
    if (typeof value !== 'string') return 'op regex needs the pattern as a string';
    try {
      new RegExp(value);
    } catch (err) {
      return `invalid regular expression: ${(err as Error).message}`;
    }
  }
  if ((op === 'lt' || op === 'le' || op === 'gt' || op === 'ge') && asNumber(value as Scalar) === undefined) return `op ${op} needs a number, got ${JSON.stringify(value)}`;
  return undefined;
}
