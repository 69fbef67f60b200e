import { GuestguardError, type ErrorCode } from '../../../errors.js';

/** A registry hive problem: corrupt structure, hostile size, or a bad argument to the reader. */
export class RegistryError extends GuestguardError {}

/** A corrupt hive structure, named with its offset in the hive file. */
export function corrupt(message: string, structure: string, offset?: number, path?: string): RegistryError {
  return regError('CORRUPT_FILESYSTEM', message, structure, offset, path);
}

export function regError(code: ErrorCode, message: string, structure?: string, offset?: number, path?: string): RegistryError {
  const ctx: { structure?: string; offset?: number; path?: string } = {};
  if (structure !== undefined) ctx.structure = structure;
  if (offset !== undefined) ctx.offset = offset;
  if (path !== undefined) ctx.path = path;
  return new RegistryError(code, message, ctx);
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
