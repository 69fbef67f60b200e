/**
 * Installed-package inventory of a guest, read from its package manager's own database:
 * dpkg (deb), rpm (SQLite, ndb or Berkeley DB backends), apk or pacman. Everything is read
 * through the guest view; nothing on the host is consulted.
 */
import type { GuestFileSystem } from '../../fs/vfs.js';
import { readApkPackages } from './apk.js';
import { hasDpkg, readDpkgPackages } from './dpkg.js';
import { readPacmanPackages } from './pacman.js';
import { readRpmPackages } from './rpm.js';
import { describe, type PackageFormat, type PackageInfo, type PackageList } from './types.js';

export type { PackageFormat, PackageInfo, PackageList } from './types.js';
export { PackageDbError } from './types.js';
export { readDpkgPackages, splitDebianVersion, hasDpkg } from './dpkg.js';
export { readRpmPackages, findRpmDatabase, type RpmBackend, type RpmResult } from './rpm.js';
export { readApkPackages, parseApkInstalled, splitApkVersion } from './apk.js';
export { readPacmanPackages, parsePacmanDesc, pacmanDescToPackage, splitPacmanVersion } from './pacman.js';
export { parseRpmHeader, rpmHeaderToPackage, RpmHeader, RPMTAG } from './rpm-header.js';
export { BdbHashReader } from './bdb-hash.js';
export { NdbReader } from './rpm-ndb.js';
export { readRpmSqlite } from './rpm-sqlite.js';
export { parseDeb822 } from './deb822.js';

interface Reader {
  format: PackageFormat;
  manager: string;
  read(view: GuestFileSystem): Promise<{ packages: PackageInfo[]; warnings: string[] } | undefined>;
}

const READERS: Reader[] = [
  { format: 'deb', manager: 'dpkg', read: async (v) => ((await hasDpkg(v)) ? readDpkgPackages(v) : undefined) },
  { format: 'rpm', manager: 'rpm', read: readRpmPackages },
  { format: 'apk', manager: 'apk', read: readApkPackages },
  { format: 'pacman', manager: 'pacman', read: readPacmanPackages },
];

/**
 * The guest's installed packages, sorted by name, or undefined when no package database is
 * found. When several databases exist (an rpm database on a Debian system, say) the one
 * listing the most packages is reported and the others are named in `warnings`. A database
 * that cannot be read at all yields an empty list with the reason in `warnings`, so
 * inspection of the rest of the guest goes on.
 */
export async function listPackages(view: GuestFileSystem): Promise<PackageList | undefined> {
  const results: PackageList[] = [];
  for (const r of READERS) {
    try {
      const got = await r.read(view);
      if (got) results.push({ format: r.format, manager: r.manager, packages: got.packages, warnings: got.warnings });
    } catch (err) {
      results.push({ format: r.format, manager: r.manager, packages: [], warnings: [`cannot read the ${r.manager} database: ${describe(err)}`] });
    }
  }
  if (results.length === 0) return undefined;
  // Stable: on a tie the earlier reader (dpkg, rpm, apk, pacman) wins.
  const best = results.reduce((a, b) => (b.packages.length > a.packages.length ? b : a));
  for (const other of results) {
    if (other === best || (other.packages.length === 0 && other.warnings.length === 0)) continue;
    best.warnings.push(`also found a ${other.manager} database with ${other.packages.length} package(s); not reported`);
  }
  best.packages.sort(comparePackages);
  return best;
}

function comparePackages(a: PackageInfo, b: PackageInfo): number {
  return cmp(a.name, b.name) || cmp(a.arch, b.arch) || a.epoch - b.epoch || cmp(a.version, b.version) || cmp(a.release, b.release);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
