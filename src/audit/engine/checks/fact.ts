/** fact: a field of the inspected OS (dotted path, [n] and [*] with "any element" semantics). */
import type { AuditFacts } from '../facts.js';
import { compare, describeExpectation } from '../ops.js';
import { clip, result, type CheckResult } from '../result.js';
import type { CheckParams } from '../schema.js';

/** Values a [*] path may fan out to before the rest are ignored. */
const MAX_VALUES = 100_000;

type Step = { field: string } | { index: number } | { all: true };

export function parseFactPath(path: string): Step[] {
  const steps: Step[] = [];
  for (const seg of path.split('.')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[(?:\*|\d+)\])*)$/.exec(seg);
    if (!m) throw new Error(`bad fact path segment "${seg}"`);
    steps.push({ field: m[1]! });
    for (const ix of m[2]!.matchAll(/\[(\*|\d+)\]/g)) steps.push(ix[1] === '*' ? { all: true } : { index: Number(ix[1]) });
  }
  return steps;
}

/** Every (concrete path, value) the pattern reaches; null and missing fields reach nothing. */
export function resolveFact(root: unknown, path: string): { path: string; value: unknown }[] {
  let cur: { path: string; value: unknown }[] = [{ path: '', value: root }];
  for (const step of parseFactPath(path)) {
    const next: { path: string; value: unknown }[] = [];
    for (const c of cur) {
      const v = c.value;
      if (v === null || v === undefined) continue;
      if ('field' in step) {
        if (typeof v === 'object' && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, step.field)) {
          next.push({ path: c.path === '' ? step.field : `${c.path}.${step.field}`, value: (v as Record<string, unknown>)[step.field] });
        }
      } else if (Array.isArray(v)) {
        if ('index' in step) {
          if (step.index < v.length) next.push({ path: `${c.path}[${step.index}]`, value: v[step.index] });
        } else for (let i = 0; i < v.length && next.length < MAX_VALUES; i++) next.push({ path: `${c.path}[${i}]`, value: v[i] });
      }
    }
    cur = next;
  }
  return cur.filter((c) => c.value !== null && c.value !== undefined);
}

function asText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

export async function fact(p: CheckParams<'fact'>, facts: AuditFacts): Promise<CheckResult> {
  const found = resolveFact(facts.os, p.path);
  const expect = `expected ${describeExpectation(p.op, p.value)}`;
  if (found.length === 0) {
    if (p.op === 'absent') return result('pass', `${p.path} is not set`, [{ fact: `${p.path} is null or absent` }]);
    return result(p.op === 'exists' ? 'fail' : (p.missing ?? 'fail'), `${p.path} is not known (${expect})`, [{ fact: `${p.path} is null or absent` }]);
  }
  if (p.op === 'absent') return result('fail', `${p.path} is set (${found[0]!.path} = ${clip(asText(found[0]!.value))})`, found.slice(0, 10).map((f) => ({ fact: `${f.path} = ${clip(asText(f.value))}` })));
  const matching = found.filter((f) => compare(asText(f.value), p.op, p.value));
  const shown = (matching.length > 0 ? matching : found).slice(0, 10);
  const ev = shown.map((f) => ({ fact: `${f.path} = ${clip(asText(f.value))}` }));
  const first = shown[0]!;
  const msg = found.length === 1 ? `${first.path} is ${clip(asText(first.value))} (${expect})` : `${matching.length} of ${found.length} values of ${p.path} are ${describeExpectation(p.op, p.value)}${matching.length > 0 ? ` (${first.path} = ${clip(asText(first.value))})` : ''}`;
  return result(matching.length > 0 ? 'pass' : 'fail', msg, ev);
}
