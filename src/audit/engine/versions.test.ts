/** Package version order checked against the real tools (dpkg --compare-versions, rpm.vercmp), and OS version ranges. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hasTool } from '../../../test/helpers/fixtures.js';
import type { PackageInfo } from '../../guest/packages/index.js';
import { comparePackageVersion, parsePackageVersion, parseVersionRange, versionInRange } from './versions.js';

const PAIRS: [string, string][] = [
  ['1.0', '1.0'],
  ['1.0', '1.0.1'],
  ['1.0~rc1', '1.0'],
  ['1.0~rc1', '1.0~rc2'],
  ['1.0~~', '1.0~'],
  ['1.0a', '1.0'],
  ['1.0+b1', '1.0'],
  ['1.0-1', '1.0-2'],
  ['1.0-10', '1.0-9'],
  ['1:0.9', '2.0'],
  ['9.2p1-2+deb12u3', '9.2p1-2'],
  ['1:9.2p1-2+deb12u3', '1:9.2p1-2+deb12u2'],
  ['2.36-9+deb12u7', '2.36-9'],
  ['0.17-44', '0.17-5'],
  ['1.2.3', '1.2.10'],
  ['1.001', '1.1'],
  ['5.2.15-2+b2', '5.2.15-2'],
  ['1.0.0', '1.0'],
  ['1.0abc', '1.0abd'],
  ['1.0-1ubuntu1', '1.0-1'],
];

function pkg(text: string): PackageInfo {
  const v = parsePackageVersion(text);
  return { name: 'p', epoch: v.epoch, version: v.version, release: v.release ?? '', arch: 'amd64' };
}

describe('package version order', () => {
  it.skipIf(!hasTool('dpkg'))('matches dpkg --compare-versions', () => {
    for (const [a, b] of PAIRS) {
      for (const [x, y] of [
        [a, b],
        [b, a],
      ] as const) {
        const dpkgLt = (() => {
          try {
            execFileSync('dpkg', ['--compare-versions', x, 'lt', y]);
            return true;
          } catch {
            return false;
          }
        })();
        const dpkgEq = (() => {
          try {
            execFileSync('dpkg', ['--compare-versions', x, 'eq', y]);
            return true;
          } catch {
            return false;
          }
        })();
        const want = dpkgLt ? -1 : dpkgEq ? 0 : 1;
        // Both sides carry their release here, so the comparison is the complete dpkg one.
        expect({ x, y, c: comparePackageVersion(pkg(x), y, 'deb') }).toEqual({ x, y, c: want });
      }
    }
  });

  it.skipIf(!hasTool('rpm'))('matches rpm.vercmp for rpm packages', () => {
    const rpmPairs = PAIRS.filter(([a, b]) => !a.includes('~~') && !b.includes('~~'));
    const script = rpmPairs.map(([a, b]) => `print(rpm.vercmp("${a}", "${b}") .. ",")`).join(' ');
    const out = execFileSync('rpm', ['--eval', `%{lua: ${script}}`], { encoding: 'utf8' }).trim().split(',').filter((x) => x !== '').map(Number);
    rpmPairs.forEach(([a, b], i) => expect({ a, b, c: comparePackageVersion(pkg(a), b, 'rpm') }).toEqual({ a, b, c: out[i] }));
  });

  it('a wanted version without a release ignores the installed release', () => {
    expect(comparePackageVersion(pkg('1:9.2p1-2+deb12u3'), '1:9.2p1', 'deb')).toBe(0);
    expect(comparePackageVersion(pkg('1:9.2p1-2+deb12u3'), '9.2p1', 'deb')).toBe(1);
    expect(comparePackageVersion(pkg('3.0.11-1'), '3.0.12', 'rpm')).toBe(-1);
  });
});

describe('OS version ranges', () => {
  it('parses bounds and checks them on major[.minor]', () => {
    expect(parseVersionRange('>=8 <10')).toEqual([
      { op: '>=', major: 8 },
      { op: '<', major: 10 },
    ]);
    expect(versionInRange(9, 4, parseVersionRange('>=8 <10'))).toBe(true);
    expect(versionInRange(10, 0, parseVersionRange('>=8 <10'))).toBe(false);
    expect(versionInRange(11, 9, parseVersionRange('11'))).toBe(true);
    expect(versionInRange(8, 4, parseVersionRange('>=8.6'))).toBe(false);
    expect(versionInRange(8, 6, parseVersionRange('=8.6'))).toBe(true);
    expect(versionInRange(22, 4, parseVersionRange('<=22.04'))).toBe(true);
    expect(() => parseVersionRange('')).toThrow('empty version range');
    expect(() => parseVersionRange('>=x')).toThrow('"\\>=x" is not a version bound'.replace('\\', ''));
  });
});
