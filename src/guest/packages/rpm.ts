/**
 * Installed RPM packages from whichever database backend the guest uses: SQLite
 * (rpmdb.sqlite), ndb (Packages.db) or Berkeley DB (Packages), in /var/lib/rpm or
 * /usr/lib/sysimage/rpm. gpg-pubkey entries (imported signing keys rpm stores as fake
 * packages) are left out.
 */
import type { GuestFileSystem } from '../../fs/vfs.js';
import { BdbHashReader } from './bdb-hash.js';
import { parseRpmHeader, rpmHeaderToPackage } from './rpm-header.js';
import { NdbReader } from './rpm-ndb.js';
import { readRpmSqlite } from './rpm-sqlite.js';
import { isFile, listDir } from './guest-fs.js';
import { guestFileSource } from './source.js';
import { dbError, describe, LIMITS, warn, type PackageInfo } from './types.js';

export type RpmBackend = 'sqlite' | 'ndb' | 'bdb';

export const RPM_DB_DIRS = ['/var/lib/rpm', '/usr/lib/sysimage/rpm'];
export const RPM_DB_FILES: Record<RpmBackend, string> = { sqlite: 'rpmdb.sqlite', ndb: 'Packages.db', bdb: 'Packages' };
/** rpm's own probing order when the configured backend's file is missing. */
const PROBE_ORDER: RpmBackend[] = ['sqlite', 'ndb', 'bdb'];

export interface RpmDatabase {
  backend: RpmBackend;
  path: string;
}

export interface RpmResult {
  backend: RpmBackend;
  path: string;
  packages: PackageInfo[];
  warnings: string[];
}

/** Finds the guest's rpm database; undefined when there is none. */
export async function findRpmDatabase(view: GuestFileSystem, warnings: string[] = []): Promise<RpmDatabase | undefined> {
  const found: RpmDatabase[] = [];
  for (const dir of RPM_DB_DIRS) {
    for (const backend of PROBE_ORDER) {
      const path = `${dir}/${RPM_DB_FILES[backend]}`;
      if (await isFile(view, path)) found.push({ backend, path });
    }
    if (found.length > 0) break; // /var/lib/rpm is usually a symlink to the other one
  }
  if (found.length === 0) return undefined;
  const configured = await configuredBackend(view);
  const chosen = found.find((f) => f.backend === configured) ?? found[0]!;
  for (const f of found) {
    if (f !== chosen) warnings.push(`rpm: also found ${f.path} (${f.backend}); using ${chosen.path} (${chosen.backend})`);
  }
  return chosen;
}

export async function readRpmPackages(view: GuestFileSystem): Promise<RpmResult | undefined> {
  const warnings: string[] = [];
  const db = await findRpmDatabase(view, warnings);
  if (!db) return undefined;
  const packages: PackageInfo[] = [];
  const add = (blob: Uint8Array, id: string) => {
    try {
      const pkg = rpmHeaderToPackage(parseRpmHeader(blob, `rpm header ${id}`));
      if (pkg.name !== 'gpg-pubkey') packages.push(pkg);
    } catch (err) {
      warn(warnings, `rpm: header ${id} skipped: ${describe(err)}`);
    }
    if (packages.length > LIMITS.packages) throw dbError('LIMIT_EXCEEDED', `more than ${LIMITS.packages} packages in ${db.path}`, { path: db.path });
  };
  if (db.backend === 'sqlite') {
    const main = await view.readFile(db.path, LIMITS.sqliteBytes);
    const walPath = `${db.path}-wal`;
    const wal = (await isFile(view, walPath)) ? await view.readFile(walPath, LIMITS.sqliteBytes) : undefined;
    const r = await readRpmSqlite(main, wal, db.path);
    warnings.push(...r.warnings);
    for (const { hnum, blob } of r.blobs) add(blob, `#${hnum}`);
  } else if (db.backend === 'ndb') {
    const ndb = await NdbReader.open(await guestFileSource(view, db.path), warnings);
    for await (const { pkgidx, blob } of ndb.blobs(warnings)) add(blob, `#${pkgidx}`);
  } else {
    const bdb = await BdbHashReader.open(await guestFileSource(view, db.path));
    for await (const rec of bdb.records(warnings)) {
      const hnum = bdb.keyNumber(rec.key);
      if (hnum === 0) continue; // record 0 holds rpm's next-instance counter, not a header
      add(rec.value, hnum === undefined ? `on page ${rec.page}` : `#${hnum}`);
    }
  }
  return { backend: db.backend, path: db.path, packages, warnings };
}

/** %_db_backend from the guest's rpm macro files (later files override earlier ones). */
async function configuredBackend(view: GuestFileSystem): Promise<RpmBackend | undefined> {
  const files = ['/usr/lib/rpm/macros'];
  for (const dir of ['/usr/lib/rpm/macros.d', '/etc/rpm']) {
    for (const e of await listDir(view, dir)) if (e.name.startsWith('macros')) files.push(`${dir}/${e.name}`);
  }
  let backend: RpmBackend | undefined;
  for (const f of files) {
    if (!(await isFile(view, f))) continue;
    const text = await view.readText(f, LIMITS.smallFileBytes);
    for (const m of text?.matchAll(/^%_db_backend\s+(\S+)\s*$/gm) ?? []) {
      const v = m[1]!;
      if (v === 'sqlite' || v === 'ndb') backend = v;
      else if (v === 'bdb' || v === 'bdb_ro') backend = 'bdb';
    }
  }
  return backend;
}
