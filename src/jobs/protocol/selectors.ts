/**
 * Worker labels and the label selectors of `routing.affinity` / `routing.anti_affinity`.
 *
 * Workers carry labels (`--label zone=eu-1 --label gpu=yes`). A job's affinity lists selectors
 * the worker must ALL match; its anti_affinity lists selectors the worker must match NONE of.
 * A selector is written either as a list of strings or as an object:
 *   ["zone=eu-1", "ssd"]            zone must be eu-1; label ssd must exist (any value)
 *   {"zone": "eu-1", "ssd": true}   the same
 *   {"zone": ["eu-1", "eu-2"]}      zone must be one of them
 * Numbers are compared as their decimal text.
 */
import { JobValidationError, type FieldIssue } from '../errors.js';

/** Label keys: letters, digits and . _ / - (starting and ending with a letter or digit), up to 128 characters. */
export const LABEL_KEY_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?$/;
const MAX_VALUE = 256;
const MAX_SELECTORS = 64;

export interface LabelSelector {
  key: string;
  /** Accepted values; null: the label must exist, with any value. */
  values: string[] | null;
}

export type Labels = Readonly<Record<string, string>>;

function badValue(v: string): string | undefined {
  if (v.length > MAX_VALUE) return `label values are at most ${MAX_VALUE} characters`;
  if (/[\u0000-\u001f\u007f]/.test(v)) return 'label values must not contain control characters';
  return undefined;
}

function badKey(k: string): string | undefined {
  return LABEL_KEY_RE.test(k) ? undefined : `"${k}" is not a label key (letters, digits and . _ / -, starting and ending with a letter or digit, up to 128)`;
}

/** Parses `key=value` (a worker label, e.g. from `--label`). */
export function parseLabel(text: string): [string, string] | { error: string } {
  const i = text.indexOf('=');
  if (i <= 0) return { error: `a label is key=value, got "${text}"` };
  const key = text.slice(0, i);
  const value = text.slice(i + 1);
  const problem = badKey(key) ?? badValue(value);
  return problem ? { error: problem } : [key, value];
}

/** Validates worker labels given as an object. */
export function labelIssues(labels: Record<string, unknown>, field: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [k, v] of Object.entries(labels)) {
    const problem = badKey(k) ?? (typeof v === 'string' ? badValue(v) : 'label values are strings');
    if (problem) issues.push({ field: `${field}.${k}`, message: problem });
  }
  return issues;
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Reads affinity / anti_affinity; `field` is the dotted name used in issues. */
export function parseSelectors(value: unknown, field: string): { selectors: LabelSelector[]; issues: FieldIssue[] } {
  const selectors: LabelSelector[] = [];
  const issues: FieldIssue[] = [];
  if (value === undefined || value === null) return { selectors, issues };
  const add = (key: string, values: string[] | null, at: string) => {
    const problem = badKey(key) ?? values?.map(badValue).find((p) => p !== undefined);
    if (problem) issues.push({ field: at, message: problem });
    else selectors.push({ key, values });
  };
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const at = `${field}.${i}`;
      if (typeof item !== 'string' || item === '') return void issues.push({ field: at, message: 'a selector is "key=value" or "key"' });
      const eq = item.indexOf('=');
      if (eq < 0) add(item, null, at);
      else add(item.slice(0, eq), [item.slice(eq + 1)], at);
    });
  } else if (typeof value === 'object') {
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const at = `${field}.${key}`;
      if (v === true) add(key, null, at);
      else if (scalar(v) !== undefined) add(key, [scalar(v)!], at);
      else if (Array.isArray(v) && v.length > 0 && v.every((x) => scalar(x) !== undefined)) add(key, v.map((x) => scalar(x)!), at);
      else issues.push({ field: at, message: 'must be a label value, a non-empty list of values, or true (label present)' });
    }
  } else {
    issues.push({ field, message: 'must be a list of "key=value" selectors or an object of label values' });
  }
  if (selectors.length > MAX_SELECTORS) issues.push({ field, message: `at most ${MAX_SELECTORS} selectors` });
  return { selectors, issues };
}

export function matches(labels: Labels, s: LabelSelector): boolean {
  if (!Object.prototype.hasOwnProperty.call(labels, s.key)) return false;
  return s.values === null || s.values.includes(labels[s.key]!);
}

export function describeSelector(s: LabelSelector): string {
  if (s.values === null) return s.key;
  return s.values.length === 1 ? `${s.key}=${s.values[0]}` : `${s.key} in (${s.values.join(', ')})`;
}

const parsed = new WeakMap<object, LabelSelector[]>();

/** Selectors of an already validated document section (parsed once per object). */
export function selectorsOf(value: unknown): LabelSelector[] {
  if (value === null || typeof value !== 'object') return [];
  let s = parsed.get(value);
  if (!s) {
    s = parseSelectors(value, '').selectors;
    parsed.set(value, s);
  }
  return s;
}

/** Checks worker labels from configuration; throws VALIDATION_ERROR naming the bad one. */
export function checkedLabels(labels: Record<string, string> | undefined, field = 'labels'): Record<string, string> {
  const issues = labelIssues(labels ?? {}, field);
  if (issues.length > 0) throw new JobValidationError(issues);
  return { ...(labels ?? {}) };
}
