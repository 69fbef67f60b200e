/**
 * docs/profile.schema.json is what the report types generate, reports validate against it
 * with Ajv, and it really rejects what it forbids.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderJson, renderYaml } from '../../src/audit/report/index.js';
import { parse as parseYaml } from 'yaml';
import { debianReport, emptyReport, twoOsReport } from './fixture-report.js';
import { generateProfileSchema, PROFILE_SCHEMA_PATH } from './schema-gen.js';
import { profileSchemaErrors } from './validators.js';

describe('profile report JSON Schema', () => {
  it('docs/profile.schema.json matches the report types', () => {
    const generated = JSON.stringify(generateProfileSchema(), null, 2) + '\n';
    if (process.env['GUESTGUARD_UPDATE_SCHEMA'] === '1' || !existsSync(PROFILE_SCHEMA_PATH)) writeFileSync(PROFILE_SCHEMA_PATH, generated);
    expect(readFileSync(PROFILE_SCHEMA_PATH, 'utf8'), 'regenerate with GUESTGUARD_UPDATE_SCHEMA=1').toBe(generated);
  }, 120_000);

  it('documents every field', () => {
    const schema = JSON.parse(readFileSync(PROFILE_SCHEMA_PATH, 'utf8'));
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(schema.$defs).sort()).toEqual(
      expect.arrayContaining(['Evidence', 'Finding', 'FindingStatus', 'OsProfileResult', 'ProfileSummary', 'Reference', 'Severity', 'StatusCounts', 'Summary']),
    );
    expect(schema.$defs.Severity.enum).toEqual(['critical', 'high', 'info', 'low', 'medium']);
    expect(schema.$defs.Finding.required).toEqual(expect.arrayContaining(['rule_id', 'status', 'severity', 'title', 'evidence', 'remediation', 'references', 'message']));
  });

  it('accepts the json and yaml output of realistic reports', async () => {
    for (const r of [debianReport(), twoOsReport(), emptyReport()]) {
      expect(profileSchemaErrors(JSON.parse(renderJson(r)))).toEqual([]);
      expect(profileSchemaErrors(parseYaml(await renderYaml(r)))).toEqual([]);
    }
  });

  it('rejects wrong types, missing and unknown fields, bad enums and out-of-range values', () => {
    const base = () => JSON.parse(renderJson(debianReport()));
    const errorsOf = (mutate: (r: any) => void) => {
      const r = base();
      mutate(r);
      return profileSchemaErrors(r).join('\n');
    };
    expect(errorsOf((r) => (r.schema_version = 2))).toMatch(/schema_version/);
    expect(errorsOf((r) => delete r.warnings)).toMatch(/warnings/);
    expect(errorsOf((r) => (r.extra = 1))).toMatch(/additional/);
    expect(errorsOf((r) => (r.operating_systems[0].findings[0].severity = 'urgent'))).toMatch(/findings\/0\/severity/);
    expect(errorsOf((r) => (r.operating_systems[0].findings[0].status = 'skipped'))).toMatch(/findings\/0\/status/);
    expect(errorsOf((r) => (r.operating_systems[0].findings[0].evidence = [{}]))).toMatch(/evidence\/0/);
    expect(errorsOf((r) => (r.operating_systems[0].findings[0].evidence[0].line = 0))).toMatch(/evidence\/0\/line/);
    expect(errorsOf((r) => (r.summary.score = 101))).toMatch(/summary\/score/);
    expect(errorsOf((r) => (r.summary.counts.fail = 1.5))).toMatch(/counts\/fail/);
    expect(errorsOf((r) => delete r.operating_systems[0].profiles[0].failed_by_severity.critical)).toMatch(/failed_by_severity/);
    expect(errorsOf((r) => (r.operating_systems[0].findings[0].rule_id = 'Bad Id'))).toMatch(/rule_id/);
    expect(errorsOf((r) => (r.generated_at = 'yesterday'))).toMatch(/generated_at/);
  });
});
