/**
 * pacman's local database: one directory per installed package under /var/lib/pacman/local,
 * whose "desc" file holds "%KEY%" lines each followed by value lines and a blank line
 * (%NAME%, %VERSION% "[epoch:]pkgver-pkgrel", %BASE%, %DESC%, %URL%, %ARCH%, %BUILDDATE%,
 * %INSTALLDATE%, %PACKAGER%, %SIZE%, %LICENSE% (one per line), %DEPENDS%...).
 */
import type { GuestFileSystem } from '../../fs/vfs.js';
import { isDir, isFile, listDir } from './guest-fs.js';
import { dbError, describe, LIMITS, warn, type PackageInfo } from './types.js';

export const PACMAN_LOCAL = '/var/lib/pacman/local';

export function parsePacmanDesc(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let key: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') {
      key = undefined;
      continue;
    }
    if (key === undefined) {
      if (/^%[A-Z0-9]+%$/.test(line)) {
        key = line.slice(1, -1);
        if (!out.has(key)) out.set(key, []);
      }
      continue;
    }
    out.get(key)!.push(line);
  }
  return out;
}

/** "[epoch:]pkgver-pkgrel"; pkgver may not contain '-' or ':', so the split is unambiguous. */
export function splitPacmanVersion(v: string): { epoch: number; version: string; release: string } | undefined {
  const m = /^(?:(\d{1,9}):)?([^:]+?)(?:-([^-]+))?$/.exec(v);
  if (!m || m[2] === '') return undefined;
  return { epoch: m[1] ? Number(m[1]) : 0, version: m[2]!, release: m[3] ?? '' };
}

export function pacmanDescToPackage(desc: Map<string, string[]>): PackageInfo | undefined {
  const one = (k: string) => desc.get(k)?.[0];
  const name = one('NAME');
  const ver = one('VERSION');
  const v = ver === undefined ? undefined : splitPacmanVersion(ver);
  if (!name || !v) return undefined;
  const pkg: PackageInfo = { name, epoch: v.epoch, version: v.version, release: v.release, arch: one('ARCH') ?? '' };
  const summary = one('DESC');
  if (summary) pkg.summary = summary;
  const base = one('BASE');
  if (base) pkg.source = base;
  const licenses = desc.get('LICENSE');
  if (licenses && licenses.length > 0) pkg.license = licenses.join(' AND ');
  const url = one('URL');
  if (url) pkg.url = url;
  const num = (k: string) => {
    const s = one(k);
    return s !== undefined && /^\d{1,15}$/.test(s) ? Number(s) : undefined;
  };
  const installed = num('INSTALLDATE');
  if (installed !== undefined) pkg.install_time = installed;
  const built = num('BUILDDATE');
  if (built !== undefined) pkg.build_time = built;
  const size = num('SIZE');
  if (size !== undefined) pkg.size = size;
  return pkg;
}

export async function readPacmanPackages(view: GuestFileSystem): Promise<{ packages: PackageInfo[]; warnings: string[] } | undefined> {
  if (!(await isDir(view, PACMAN_LOCAL))) return undefined;
  const packages: PackageInfo[] = [];
  const warnings: string[] = [];
  for (const e of await listDir(view, PACMAN_LOCAL)) {
    if (e.type !== undefined && e.type !== 'dir') continue; // ALPM_DB_VERSION
    const path = `${PACMAN_LOCAL}/${e.name}/desc`;
    try {
      if (!(await isFile(view, path))) {
        if (await isDir(view, `${PACMAN_LOCAL}/${e.name}`)) warn(warnings, `pacman: ${e.name} has no desc file; skipped`);
        continue;
      }
      const pkg = pacmanDescToPackage(parsePacmanDesc((await view.readText(path, LIMITS.smallFileBytes)) ?? ''));
      if (pkg) packages.push(pkg);
      else warn(warnings, `pacman: ${path} lacks %NAME% or a valid %VERSION%; skipped`);
    } catch (err) {
      warn(warnings, `pacman: ${path} skipped: ${describe(err)}`);
    }
    if (packages.length > LIMITS.packages) throw dbError('LIMIT_EXCEEDED', `more than ${LIMITS.packages} pacman packages`);
  }
  return { packages, warnings };
}
