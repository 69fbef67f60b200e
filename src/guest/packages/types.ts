import { GuestguardError, type ErrorCode, type ErrorContext } from '../../errors.js';

/** One installed package, in the shape virt-inspector reports applications (plus a few extras). */
export interface PackageInfo {
  name: string;
  /** 0 when the package has none. */
  epoch: number;
  version: string;
  /** Debian revision, RPM release, pacman pkgrel, apk "rN"; "" for native Debian packages. */
  release: string;
  arch: string;
  summary?: string;
  /** Source package (dpkg Source, RPM SOURCERPM, pacman %BASE%, apk origin). */
  source?: string;
  license?: string;
  /** Unix seconds. */
  install_time?: number;
  /** Build time where the database records it (RPM BUILDTIME, pacman %BUILDDATE%, apk t:). */
  build_time?: number;
  /** Installed size in bytes. */
  size?: number;
  vendor?: string;
  url?: string;
  /** dpkg only: the Status field, e.g. "install ok installed" or "install ok half-configured". */
  status?: string;
}

export type PackageFormat = 'deb' | 'rpm' | 'apk' | 'pacman';

export interface PackageList {
  format: PackageFormat;
  /** The package manager owning the database: dpkg, rpm, apk, pacman. */
  manager: string;
  packages: PackageInfo[];
  /** Records skipped or oddities found while reading; the list is still usable. */
  warnings: string[];
}

/** Corruption inside a package database file (the file itself read fine). */
export class PackageDbError extends GuestguardError {}

export function corruptDb(message: string, structure: string, offset?: number, path?: string): PackageDbError {
  const ctx: ErrorContext = { structure };
  if (offset !== undefined) ctx.offset = offset;
  if (path !== undefined) ctx.path = path;
  return new PackageDbError('CORRUPT_FILESYSTEM', message, ctx);
}

export function dbError(code: ErrorCode, message: string, ctx: ErrorContext = {}): PackageDbError {
  return new PackageDbError(code, message, ctx);
}

/** Upper bounds that keep a hostile database from exhausting memory or time. */
export const LIMITS = {
  /** Whole-file reads of text databases (dpkg status, apk installed). */
  textDbBytes: 256 * 1024 * 1024,
  /** sql.js needs the whole SQLite file in memory. */
  sqliteBytes: 1024 * 1024 * 1024,
  /** One RPM header blob (rpm itself caps the data area at 256 MiB; real ones are < 1 MiB). */
  headerBytes: 64 * 1024 * 1024,
  /** Index entries in one RPM header (rpm's own limit is 0xffff). */
  headerEntries: 0xffff,
  /** Packages in one database. */
  packages: 1_000_000,
  /** One pacman desc or dpkg status.d file. */
  smallFileBytes: 4 * 1024 * 1024,
};

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Warnings kept per reader; a wrecked database must not turn into millions of messages. */
export const MAX_WARNINGS = 100;

export function warn(warnings: string[], message: string): void {
  if (warnings.length < MAX_WARNINGS) warnings.push(message);
  else if (warnings.length === MAX_WARNINGS) warnings.push('further warnings suppressed');
}
