import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseApkInstalled, splitApkVersion } from './apk.js';
import { TESTDATA } from './test-fixtures.js';

describe('apk installed database', () => {
  const text = readFileSync(join(TESTDATA, 'apk/installed'), 'utf8');

  it('splits the -rN revision off the version', () => {
    expect(splitApkVersion('1.36.1-r15')).toEqual({ version: '1.36.1', release: 'r15' });
    expect(splitApkVersion('1.2.4_git20230717-r4')).toEqual({ version: '1.2.4_git20230717', release: 'r4' });
    expect(splitApkVersion('1.0')).toEqual({ version: '1.0', release: '' });
    expect(splitApkVersion('2.0-beta')).toEqual({ version: '2.0-beta', release: '' });
  });

  it('reads package fields and ignores the file lines that reuse field letters', () => {
    const { packages, warnings } = parseApkInstalled(text);
    expect(packages.map((p) => p.name)).toEqual(['musl', 'busybox', 'ca-certificates-bundle', 'alpine-baselayout-data', 'local-tool']);
    expect(packages[1]).toEqual({
      name: 'busybox',
      epoch: 0,
      version: '1.36.1',
      release: 'r15',
      arch: 'x86_64',
      summary: 'Size optimized toolbox of many common UNIX utilities',
      url: 'https://busybox.net/',
      license: 'GPL-2.0-only',
      source: 'busybox',
      build_time: 1704884446,
      size: 958464,
    });
    expect(packages[3]!.source).toBe('alpine-baselayout');
    expect(packages[4]).toMatchObject({ version: '1.0', release: '', arch: 'noarch' });
    expect(packages[4]!.license).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/installed:\d+: package entry without P: or V:/);
  });

  it('survives CRLF line ends, a missing final blank line and junk lines', () => {
    const crlf = text.replace(/\n/g, '\r\n').trimEnd() + '\r\n\r\nthis is not a field\r\nP:tail\r\nV:2-r1';
    const { packages, warnings } = parseApkInstalled(crlf);
    expect(packages.map((p) => p.name).at(-1)).toBe('tail');
    expect(packages).toHaveLength(6);
    expect(warnings.some((w) => /not a "X:value" line/.test(w))).toBe(true);
  });
});
