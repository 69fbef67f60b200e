/** setting (key/value files in their own syntax), sshd (effective option), sysctl (effective value). */
import { normalizeSysctlKey } from '../../../guest/linux/security/sysctl.js';
import { SSHD_KEYWORD_ALIASES } from '../../../guest/linux/security/sshd.js';
import type { AuditFacts } from '../facts.js';
import { compare, describeExpectation, type CompareValue, type Op } from '../ops.js';
import { lineEvidence, result, type CheckResult } from '../result.js';
import type { CheckParams } from '../schema.js';
import type { Evidence, FindingStatus } from '../types.js';

/** The comparison's verdict; unset values follow `missing` except for exists/absent. */
function verdict(actual: string | undefined, op: Op, expected: CompareValue | undefined, missing: FindingStatus, ci = false): FindingStatus {
  if (actual === undefined && op !== 'exists' && op !== 'absent') return missing;
  return compare(actual, op, expected, { caseInsensitive: ci }) ? 'pass' : 'fail';
}

function expectation(op: Op, value: CompareValue | undefined): string {
  return `expected ${describeExpectation(op, value)}`;
}

const SYNTAX: Record<'equals' | 'space' | 'colon', RegExp> = {
  equals: /^([^=\s]+)\s*=\s*(.*)$/,
  space: /^(\S+)(?:\s+(.*))?$/,
  colon: /^([^:\s]+)\s*:\s*(.*)$/,
};

function unquote(v: string): string {
  const t = v.trim();
  return t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0] ? t.slice(1, -1) : t;
}

export async function setting(p: CheckParams<'setting'>, facts: AuditFacts): Promise<CheckResult> {
  const patterns = Array.isArray(p.path) ? p.path : [p.path];
  const re = SYNTAX[p.syntax];
  const want = p.case_insensitive ? p.key.toLowerCase() : p.key;
  let found: { file: string; line: number; text: string; value: string } | undefined;
  const read: string[] = [];
  for (const pattern of patterns) {
    for (const file of await facts.glob(pattern)) {
      if ((await facts.stat(file))?.type !== 'file') continue;
      const f = await facts.file(file);
      if (f.kind !== 'file') continue;
      read.push(file);
      f.lines.forEach((line, i) => {
        const t = line.trim();
        if (t === '' || t.startsWith('#') || (p.syntax === 'equals' && t.startsWith(';'))) return;
        const m = re.exec(t);
        if (!m) return;
        const key = p.case_insensitive ? m[1]!.toLowerCase() : m[1]!;
        // The last assignment wins, across files in the order given (conf.d style).
        if (key === want) found = { file, line: i + 1, text: line, value: unquote(m[2] ?? '') };
      });
    }
  }
  const where = read.length === 0 ? `${patterns.join(', ')} (no such file)` : read.length === 1 ? read[0]! : `${read.length} files`;
  if (!found) {
    const status = verdict(undefined, p.op, p.value, p.missing ?? 'fail');
    return result(status, `${p.key} is not set in ${where}`, [{ ...(read.length === 1 && { file: read[0] }), fact: `${p.key} not set in ${read.length > 0 ? read.join(', ') : patterns.join(', ')}` }]);
  }
  const status = verdict(found.value, p.op, p.value, p.missing ?? 'fail');
  return result(status, `${p.key} is ${JSON.stringify(found.value)} (${found.file}:${found.line}; ${expectation(p.op, p.value)})`, [lineEvidence(found.file, found.line, found.text)]);
}

/** "file:line" (a guest path may itself hold ":"; the line number is after the last one). */
function splitOrigin(o: string): { file: string; line: number } | undefined {
  const k = o.lastIndexOf(':');
  if (k <= 0) return undefined;
  const line = Number(o.slice(k + 1));
  return Number.isInteger(line) && line > 0 ? { file: o.slice(0, k), line } : undefined;
}

export async function sshd(p: CheckParams<'sshd'>, facts: AuditFacts): Promise<CheckResult> {
  const cfg = await facts.sshd();
  if (!cfg.present) return result(p.missing ?? 'not_applicable', 'sshd is not configured (no /etc/ssh/sshd_config)', [{ file: '/etc/ssh/sshd_config', fact: 'does not exist' }]);
  const lower = p.option.toLowerCase();
  const key = SSHD_KEYWORD_ALIASES[lower] ?? lower;
  const actual = cfg.effective[key];
  const origin = cfg.origin[key];
  const expect = expectation(p.op, p.value);
  if (actual === undefined) {
    return result(verdict(undefined, p.op, p.value, 'fail', true), `${p.option} is not set and has no known default (${expect})`, [{ fact: `sshd ${p.option} not set in ${cfg.files.join(', ')}` }]);
  }
  const status = verdict(actual, p.op, p.value, 'fail', true);
  if (origin === undefined || origin === 'default') {
    return result(status, `${p.option} is ${actual} (OpenSSH default; ${expect})`, [{ fact: `sshd default: ${p.option} ${actual} (not set in ${cfg.files.join(', ')})` }]);
  }
  const ev: Evidence[] = [];
  for (const o of origin.split(' ')) {
    const at = splitOrigin(o);
    if (at) ev.push(lineEvidence(at.file, at.line, await facts.lineText(at.file, at.line)));
  }
  return result(status, `${p.option} is ${actual} (${origin.split(' ')[0]}; ${expect})`, ev);
}

export async function sysctl(p: CheckParams<'sysctl'>, facts: AuditFacts): Promise<CheckResult> {
  const info = await facts.sysctl();
  const key = normalizeSysctlKey(p.key);
  const v = info.settings[key];
  const expect = expectation(p.op, p.value);
  if (!v) {
    const status = verdict(undefined, p.op, p.value, p.missing ?? 'fail');
    const files = info.files.length > 0 ? info.files.join(', ') : 'no sysctl configuration files';
    return result(status, `${key} is not set at boot (kernel default applies; ${expect})`, [{ fact: `${key} not set in ${files}` }]);
  }
  const value = v.value.replace(/\s+/g, ' ').trim();
  const ev: Evidence[] = [lineEvidence(v.file, v.line, await facts.lineText(v.file, v.line))];
  // Precedence is half the story: say which earlier assignments this one replaced.
  for (const o of v.overrides.slice(-5)) ev.push({ fact: `overrides ${key} = ${o.value} at ${o.file}:${o.line}` });
  return result(verdict(value, p.op, p.value, 'fail'), `${key} is ${value} (${v.file}:${v.line}; ${expect})`, ev);
}
