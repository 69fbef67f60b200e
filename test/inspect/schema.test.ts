/**
 * docs/inspection.schema.json is what the report types generate, and the validator used to
 * check real reports against it really rejects what the schema forbids.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validate } from './json-schema.js';
import { generateInspectionSchema, SCHEMA_PATH, type JsonSchema } from './schema-gen.js';

describe('inspection report JSON Schema', () => {
  it('docs/inspection.schema.json matches the report types', () => {
    const generated = JSON.stringify(generateInspectionSchema(), null, 2) + '\n';
    if (process.env['GUESTGUARD_UPDATE_SCHEMA'] === '1' || !existsSync(SCHEMA_PATH)) writeFileSync(SCHEMA_PATH, generated);
    expect(readFileSync(SCHEMA_PATH, 'utf8'), 'regenerate with GUESTGUARD_UPDATE_SCHEMA=1').toBe(generated);
  }, 120_000);
});

describe('the schema validator', () => {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as JsonSchema;
  const minimal = () => ({
    schema_version: 1,
    generator: 'guestguard 0.0.0',
    disks: [{ path: 'a.img', device: '/dev/sda', format: 'raw', size: 1, partition_table: 'none' }],
    operating_systems: [],
    warnings: [],
  });

  it('accepts a minimal report', () => {
    expect(validate(schema, minimal())).toEqual([]);
  });

  it('rejects wrong types, missing and unknown properties, bad enums', () => {
    expect(validate(schema, { ...minimal(), schema_version: 2 })).toMatchObject([{ path: '/schema_version' }]);
    const { warnings: _w, ...noWarnings } = minimal();
    expect(validate(schema, noWarnings)).toMatchObject([{ message: 'missing required property "warnings"' }]);
    expect(validate(schema, { ...minimal(), extra: 1 })).toMatchObject([{ path: '/extra', message: 'property not allowed by the schema' }]);
    const bad = minimal();
    (bad.disks[0] as Record<string, unknown>)['partition_table'] = 'apm';
    expect(validate(schema, bad)).toMatchObject([{ path: '/disks/0/partition_table' }]);
  });

  it('checks operating systems against the variant their type names', () => {
    const os = {
      root: '/dev/sda1', type: 'freebsd', distro: 'freebsd', product_name: null, major_version: 0, minor_version: 0, arch: null, hostname: null, osinfo: null,
      package_format: null, package_management: null, timezone: null, mountpoints: { '/': '/dev/sda1' },
      filesystems: [{ device: '/dev/sda1', type: 'ufs', label: null, uuid: null }], warnings: [], errors: [],
    };
    expect(validate(schema, { ...minimal(), operating_systems: [os] })).toEqual([]);
    // A "linux" entry must carry the Linux fields.
    expect(validate(schema, { ...minimal(), operating_systems: [{ ...os, type: 'linux' }] }).length).toBeGreaterThan(0);
    expect(validate(schema, { ...minimal(), operating_systems: [{ ...os, mountpoints: { '/': 7 } }] }).length).toBeGreaterThan(0);
  });

  it('refuses schema keywords it does not implement instead of ignoring them', () => {
    expect(() => validate({ type: 'string', pattern: '^a' }, 'b')).toThrow(/pattern/);
  });
});
