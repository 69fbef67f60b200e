/**
 * rpm's SQLite backend (rpmdb.sqlite, the default since rpm 4.16 / Fedora 33 / RHEL 9): the
 * Packages table maps an instance number (hnum) to the header blob. sql.js needs the whole
 * file in memory; pending transactions in the write-ahead log are applied first.
 */
import type initSqlJsType from 'sql.js';
import { applyWal } from './sqlite-wal.js';
import { dbError, LIMITS, PackageDbError, warn } from './types.js';

type SqlJs = Awaited<ReturnType<typeof initSqlJsType>>;
let sqlJs: Promise<SqlJs> | undefined;

/** sql.js (a WASM SQLite) is loaded on first use: only RPM guests with rpmdb.sqlite need it. */
function loadSqlJs(): Promise<SqlJs> {
  sqlJs ??= import('sql.js').then((m) => m.default());
  return sqlJs;
}

export interface SqliteBlobs {
  blobs: { hnum: number; blob: Uint8Array }[];
  warnings: string[];
  /** WAL frames applied on top of the main file. */
  walFrames: number;
}

/** Header blobs of an rpmdb.sqlite image, with its -wal file when there is one. */
export async function readRpmSqlite(main: Uint8Array, wal: Uint8Array | undefined, name: string): Promise<SqliteBlobs> {
  const warnings: string[] = [];
  let db = main;
  let walFrames = 0;
  if (wal && wal.length > 0) {
    const r = applyWal(main, wal, LIMITS.sqliteBytes);
    warnings.push(...r.warnings);
    db = r.db;
    walFrames = r.frames;
  }
  // Present the file as a rollback-journal database: the log is already merged.
  if (db.length >= 20 && db[18] === 2 && db[19] === 2) {
    if (db === main) db = main.slice();
    db[18] = 1;
    db[19] = 1;
  }
  const SQL = await loadSqlJs();
  let database: InstanceType<SqlJs['Database']> | undefined;
  try {
    database = new SQL.Database(db);
    const blobs: { hnum: number; blob: Uint8Array }[] = [];
    const stmt = database.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum');
    try {
      while (stmt.step()) {
        if (blobs.length >= LIMITS.packages) throw dbError('LIMIT_EXCEEDED', `more than ${LIMITS.packages} packages`, { path: name });
        const [hnum, blob] = stmt.get();
        if (typeof hnum !== 'number' || !(blob instanceof Uint8Array)) {
          warn(warnings, `sqlite: Packages row ${String(hnum)} has no header blob; skipped`);
          continue;
        }
        blobs.push({ hnum, blob });
      }
    } finally {
      stmt.free();
    }
    return { blobs, warnings, walFrames };
  } catch (err) {
    if (err instanceof PackageDbError) throw err;
    // sql.js reports SQLite failures ("file is not a database", "malformed") as plain Errors.
    throw dbError('CORRUPT_FILESYSTEM', `cannot read ${name} as an rpm SQLite database: ${err instanceof Error ? err.message : String(err)}`, {
      structure: 'sqlite database',
      path: name,
    });
  } finally {
    database?.close();
  }
}
