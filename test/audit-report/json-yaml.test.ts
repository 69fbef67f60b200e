/** json and yaml carry the report unchanged, in a fixed key order. */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { ProfileReport } from '../../src/audit/engine/types.js';
import { renderJson, renderYaml } from '../../src/audit/report/index.js';
import { debianReport, HOSTILE_TEXT, twoOsReport } from './fixture-report.js';

/** The same report with every object's keys in reverse order (as another engine path might build it). */
function reversedKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(reversedKeys) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversedKeys(x)])) as T;
  return v;
}

describe('json and yaml formats', () => {
  it('round-trip the report exactly, hostile strings included', async () => {
    for (const r of [debianReport(), twoOsReport()]) {
      expect(JSON.parse(renderJson(r))).toEqual(r);
      expect(parseYaml(await renderYaml(r))).toEqual(r);
    }
    expect(renderJson(debianReport())).toContain(JSON.stringify(HOSTILE_TEXT));
  });

  it('are byte-stable whatever order the engine set fields in', async () => {
    const r = debianReport();
    expect(renderJson(reversedKeys(r))).toBe(renderJson(r));
    expect(await renderYaml(reversedKeys(r))).toBe(await renderYaml(r));
    const keys = Object.keys(JSON.parse(renderJson(reversedKeys(r))) as ProfileReport);
    expect(keys).toEqual(['schema_version', 'generator', 'images', 'generated_at', 'profiles_requested', 'operating_systems', 'summary', 'warnings']);
    expect(Object.keys(JSON.parse(renderJson(reversedKeys(r))).operating_systems[0].findings[0].evidence[0])).toEqual(['file', 'line', 'text']);
  });

  it('drop fields the schema does not document and end with a newline', async () => {
    const r = debianReport() as ProfileReport & { internal?: unknown };
    r.internal = { cache: 1 };
    (r.operating_systems[0]!.findings[0] as unknown as Record<string, unknown>)['debug'] = 'x';
    const out = renderJson(r);
    expect(out).not.toMatch(/internal|debug/);
    expect(out.endsWith('}\n')).toBe(true);
    // YAML without anchors/aliases even where objects repeat (the top summary is the OS summary).
    expect(await renderYaml(debianReport())).not.toMatch(/[&*]a\d/);
  });
});
