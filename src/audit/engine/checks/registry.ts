/** registry: a value in the SYSTEM or SOFTWARE hive of a Windows guest. */
import type { RegistryValue } from '../../../guest/windows/regf/index.js';
import type { AuditFacts } from '../facts.js';
import { compare, describeExpectation, type CompareValue, type Op } from '../ops.js';
import { clip, result, type CheckResult } from '../result.js';
import type { CheckParams } from '../schema.js';

function valueText(v: RegistryValue): string {
  const d = v.data;
  switch (d.kind) {
    case 'string':
      return d.value;
    case 'multi':
      return d.value.join(', ');
    case 'dword':
      return String(d.value);
    case 'qword':
      return d.value.toString();
    default:
      return [...d.value.subarray(0, 256)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }
}

/**
 * REG_MULTI_SZ compares element by element: eq, in, regex and the orderings hold when some
 * element satisfies them, ne and not_in when every element does.
 */
function matches(v: RegistryValue, op: Op, expected: CompareValue | undefined): boolean {
  if (op === 'exists' || op === 'absent') return op === 'exists';
  const d = v.data;
  if (d.kind !== 'multi') return compare(valueText(v), op, expected, { caseInsensitive: true });
  const each = (s: string) => compare(s, op, expected, { caseInsensitive: true });
  return op === 'ne' || op === 'not_in' ? d.value.every(each) : d.value.some(each);
}

export async function registry(p: CheckParams<'registry'>, facts: AuditFacts): Promise<CheckResult> {
  if (facts.os.type !== 'windows') return result('not_applicable', 'not a Windows guest', [{ fact: `OS type is ${facts.os.type}` }]);
  const { hive, path: hivePath } = await facts.hive(p.hive);
  const parts = p.key.split('\\').filter((s) => s !== '');
  // CurrentControlSet is a link Windows makes at boot; offline it is Select\Current's set.
  if (p.hive === 'SYSTEM' && parts[0]?.toLowerCase() === 'currentcontrolset') {
    const { currentControlSet } = await import('../../../guest/windows/system.js');
    const cs = await currentControlSet(hive);
    if (!cs) return result('error', 'the SYSTEM hive has no usable control set (Select\\Current)', [{ file: hivePath, fact: 'no control set' }]);
    parts[0] = cs.name;
  }
  const keyPath = parts.join('\\');
  const name = `HKLM\\${p.hive}\\${keyPath}\\${p.value === '' ? '(Default)' : p.value}`;
  const key = await hive.get(keyPath);
  const value = key ? await key.value(p.value) : undefined;
  const expect = `expected ${describeExpectation(p.op, p.value_expected)}`;
  if (!value) {
    const status = p.op === 'absent' ? 'pass' : p.op === 'exists' ? 'fail' : (p.missing ?? 'fail');
    return result(status, `${name} is not set${key ? '' : ' (no such key)'} (${expect})`, [{ file: hivePath, fact: `${name} absent` }]);
  }
  const actual = valueText(value);
  const ok = matches(value, p.op, p.value_expected);
  return result(ok ? 'pass' : 'fail', `${name} is ${clip(actual)} (${expect})`, [{ file: hivePath, fact: `${name} = ${clip(actual)} (${value.typeName})` }]);
}
