/**
 * Version arithmetic for rules: OS version ranges of `applies_to` (">=11", ">=8 <10") and
 * package version comparison in each package manager's own order (dpkg's for deb, rpm's for
 * everything else).
 */
import { vercmp } from '../../guest/linux/boot/vercmp.js';
import type { PackageInfo } from '../../guest/packages/index.js';

export interface VersionBound {
  op: '<' | '<=' | '>' | '>=' | '=';
  major: number;
  /** Undefined: the bound is on the major version only (">=11" admits 11.9). */
  minor?: number;
}

const BOUND = /^(>=|<=|==|=|>|<)?(\d{1,9})(?:\.(\d{1,9}))?$/;

/** Parses ">=8 <10" (space-separated bounds, all must hold); throws a message on bad syntax. */
export function parseVersionRange(range: string): VersionBound[] {
  const parts = range.trim().split(/\s+/).filter((p) => p !== '');
  if (parts.length === 0) throw new Error('empty version range');
  return parts.map((p) => {
    const m = BOUND.exec(p);
    if (!m) throw new Error(`"${p}" is not a version bound (expected e.g. ">=11", "<9", "=8.4")`);
    const op = (m[1] === '==' || m[1] === undefined ? '=' : m[1]) as VersionBound['op'];
    return { op, major: Number(m[2]), ...(m[3] !== undefined && { minor: Number(m[3]) }) };
  });
}

export function versionInRange(major: number, minor: number, bounds: VersionBound[]): boolean {
  return bounds.every((b) => {
    const c = major !== b.major ? Math.sign(major - b.major) : b.minor === undefined ? 0 : Math.sign(minor - b.minor);
    switch (b.op) {
      case '<':
        return c < 0;
      case '<=':
        return c <= 0;
      case '>':
        return c > 0;
      case '>=':
        return c >= 0;
      case '=':
        return c === 0;
    }
  });
}

/** dpkg's character order: "~" before the end of the string, letters before everything else. */
function dpkgOrder(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c >= '0' && c <= '9') return 0;
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** dpkg's verrevcmp(): alternating non-digit and digit runs. */
export function dpkgVerrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = dpkgOrder(a[i]);
      const bc = dpkgOrder(b[j]);
      if (ac !== bc) return Math.sign(ac - bc);
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let firstDiff = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff !== 0) return Math.sign(firstDiff);
  }
  return 0;
}

export interface ParsedVersion {
  epoch: number;
  version: string;
  /** Undefined when the text had no "-release" part. */
  release?: string;
}

/** "[epoch:]version[-release]" (the release is after the last "-", as dpkg and rpm split it). */
export function parsePackageVersion(text: string): ParsedVersion {
  let rest = text.trim();
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon > 0 && /^\d+$/.test(rest.slice(0, colon))) {
    epoch = Number(rest.slice(0, colon));
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash > 0) return { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
  return { epoch, version: rest };
}

/**
 * Compares an installed package with a version text in its manager's order. A wanted version
 * without a release compares epoch and version only ("9.2p1" matches any Debian revision).
 */
export function comparePackageVersion(pkg: PackageInfo, wanted: string, format: string | null): number {
  const w = parsePackageVersion(wanted);
  const cmp = format === 'deb' ? dpkgVerrevcmp : vercmp;
  if (pkg.epoch !== w.epoch) return Math.sign(pkg.epoch - w.epoch);
  const v = cmp(pkg.version, w.version);
  if (v !== 0 || w.release === undefined) return Math.sign(v);
  return Math.sign(cmp(pkg.release, w.release));
}

/** Full version text of a package as its manager prints it. */
export function packageVersionText(pkg: PackageInfo): string {
  return `${pkg.epoch > 0 ? `${pkg.epoch}:` : ''}${pkg.version}${pkg.release !== '' ? `-${pkg.release}` : ''}`;
}
