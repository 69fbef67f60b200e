/** Shared by the inspect tests: running the CLI, schema checks, and cached virt-inspector runs. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { InspectionReport } from '../../src/guest/inspect/index.js';
import { cli, type CliResult } from '../helpers/cli.js';
import { FIXTURES_ROOT, hasTool, run } from '../helpers/fixtures.js';
import { validate } from './json-schema.js';
import { SCHEMA_PATH, type JsonSchema } from './schema-gen.js';
import { child, childText, parseXml, type XmlElement } from './xml-parse.js';

let schemaCache: JsonSchema | undefined;

/** Fails the test with the schema violations, if any. */
export function expectValidReport(report: unknown): void {
  schemaCache ??= JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as JsonSchema;
  expect(validate(schemaCache, report)).toEqual([]);
}

export function inspect(args: string[], timeoutMs = 600_000): CliResult {
  return cli(['inspect', ...args], { timeoutMs });
}

/** `guestguard inspect --format json`, which must succeed and match the documented schema. */
export function inspectJson(args: string[]): InspectionReport {
  const r = inspect(['--format', 'json', ...args]);
  expect(r.status, r.stderr).toBe(0);
  const report = JSON.parse(r.stdout) as InspectionReport;
  expectValidReport(report);
  return report;
}

/** libguestfs runs in a TCG appliance here; each run takes about a minute, longer under load. */
export const HAVE_LIBGUESTFS = hasTool('virt-inspector') && process.env['GUESTGUARD_SKIP_LIBGUESTFS'] !== '1';
const VI_CACHE = join(FIXTURES_ROOT, 'inspect-virt-inspector-v1');

/**
 * virt-inspector's XML for an image, run once and cached next to the other fixtures (keyed by
 * the image's size and mtime, so a rebuilt image is inspected again).
 */
export function virtInspectorXml(key: string, image: string, format: string): string {
  mkdirSync(VI_CACHE, { recursive: true });
  const st = statSync(image);
  const stamp = `${image}:${st.size}:${Math.floor(st.mtimeMs)}`;
  const xmlPath = join(VI_CACHE, `${key}.xml`);
  const stampPath = join(VI_CACHE, `${key}.stamp`);
  if (existsSync(xmlPath) && existsSync(stampPath) && readFileSync(stampPath, 'utf8') === stamp) return readFileSync(xmlPath, 'utf8');
  const xml = run('virt-inspector', [`--format=${format}`, '-a', image], {
    env: { ...process.env, LIBGUESTFS_BACKEND: 'direct', LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg' },
    timeout: 1_500_000,
  });
  writeFileSync(`${xmlPath}.tmp`, xml);
  renameSync(`${xmlPath}.tmp`, xmlPath);
  writeFileSync(stampPath, stamp);
  return xml;
}

/** The facts both tools report, in a shape that compares field by field. */
export interface ComparableOs {
  root: string;
  name?: string | undefined;
  arch?: string | undefined;
  distro?: string | undefined;
  product_name?: string | undefined;
  major_version?: string | undefined;
  minor_version?: string | undefined;
  package_format?: string | undefined;
  package_management?: string | undefined;
  hostname?: string | undefined;
  osinfo?: string | undefined;
  mountpoints: [string, string][];
  filesystems: { dev: string; type?: string | undefined; label?: string | undefined; uuid?: string | undefined }[];
  /** name → the application's facts; <description> is left out (guestguard does not report it). */
  applications: Map<string, AppFacts>;
}

export interface AppFacts {
  /** "[epoch:]version[-release]" (see fullVersion). */
  version: string;
  arch?: string | undefined;
  url?: string | undefined;
  source_package?: string | undefined;
  summary?: string | undefined;
}

/**
 * The whole version string of an application: virt-inspector splits a Debian version at the
 * FIRST "-" (libguestfs list_applications_deb), guestguard at the last (dpkg's rule), so only
 * the rejoined string can be compared.
 */
export function fullVersion(epoch: string | number | undefined, version: string | undefined, release: string | undefined): string {
  const e = epoch !== undefined && String(epoch) !== '0' ? `${epoch}:` : '';
  return `${e}${version ?? ''}${release ? `-${release}` : ''}`;
}

export function comparableFromXml(xml: string): ComparableOs[] {
  const root = parseXml(xml);
  expect(root.name).toBe('operatingsystems');
  return root.children.map((os) => {
    const t = (n: string) => childText(os, n);
    const apps = new Map<string, AppFacts>();
    for (const a of child(os, 'applications')?.children ?? []) {
      const at = (n: string) => childText(a, n);
      apps.set(at('name')!, { version: fullVersion(at('epoch'), at('version'), at('release')), arch: at('arch'), url: at('url'), source_package: at('source_package'), summary: at('summary') });
    }
    return {
      root: t('root')!,
      name: t('name'),
      arch: t('arch'),
      distro: t('distro'),
      product_name: t('product_name'),
      major_version: t('major_version'),
      minor_version: t('minor_version'),
      package_format: t('package_format'),
      package_management: t('package_management'),
      hostname: t('hostname'),
      osinfo: t('osinfo'),
      mountpoints: (child(os, 'mountpoints')?.children ?? []).map((m: XmlElement) => [m.text, m.attrs['dev']!] as [string, string]),
      filesystems: (child(os, 'filesystems')?.children ?? []).map((f: XmlElement) => ({ dev: f.attrs['dev']!, type: childText(f, 'type'), label: childText(f, 'label'), uuid: childText(f, 'uuid') })),
      applications: apps,
    };
  });
}

const RNG = '/usr/share/doc/guestfs-tools/virt-inspector.rng.gz';
/** xmllint and the RELAX NG schema guestfs-tools installs; without them only the structure checks run. */
export const CAN_CHECK_RNG = hasTool('xmllint') && existsSync(RNG);

/** Validates XML with xmllint --relaxng against virt-inspector.rng. */
export function expectRngValid(xml: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'gg-rng-'));
  try {
    writeFileSync(join(dir, 'virt-inspector.rng'), gunzipSync(readFileSync(RNG)));
    writeFileSync(join(dir, 'out.xml'), xml);
    const r = spawnSync('xmllint', ['--noout', '--relaxng', join(dir, 'virt-inspector.rng'), join(dir, 'out.xml')], { encoding: 'utf8' });
    expect(r.stderr.trim(), r.stderr).toMatch(/ validates$/);
    expect(r.status).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
