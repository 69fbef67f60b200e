/**
 * Ajv validators for the two documents guestguard profile promises: its own report
 * (docs/profile.schema.json, draft 2020-12) and SARIF 2.1.0 (the official OASIS schema,
 * vendored under test/fixtures/sarif/).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { REPO_ROOT } from '../helpers/fixtures.js';
import { PROFILE_SCHEMA_PATH } from './schema-gen.js';

// ajv-formats is CommonJS: its default export is the plugin function itself.
const addFormats = addFormatsModule as unknown as (ajv: Ajv | Ajv2020) => void;

export const SARIF_SCHEMA_PATH = join(REPO_ROOT, 'test', 'fixtures', 'sarif', 'sarif-schema-2.1.0.json');
export const SARIF_SCHEMA_SHA256 = 'c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e';

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`);
}

let profileValidator: ValidateFunction | undefined;
/** Problems of a report against docs/profile.schema.json (empty when valid). */
export function profileSchemaErrors(report: unknown): string[] {
  if (!profileValidator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    profileValidator = ajv.compile(JSON.parse(readFileSync(PROFILE_SCHEMA_PATH, 'utf8')));
  }
  return profileValidator(report) ? [] : describe(profileValidator.errors);
}

let sarifValidator: ValidateFunction | undefined;
/** Problems of a SARIF log against the official SARIF 2.1.0 schema (empty when valid). */
export function sarifSchemaErrors(log: unknown): string[] {
  if (!sarifValidator) {
    const schema = JSON.parse(readFileSync(SARIF_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
    // Draft-04 → draft-07 spelling of the two top-level keywords; nothing else in it differs.
    const { $schema: _drop, id, ...rest } = schema;
    // strict off: the schema uses draft-04 habits Ajv's strict mode flags (e.g. "type" next to "enum").
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    sarifValidator = ajv.compile({ $id: String(id), ...rest });
  }
  return sarifValidator(log) ? [] : describe(sarifValidator.errors);
}
