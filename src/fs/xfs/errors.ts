import { FileSystemError, type ErrorCode } from '../../errors.js';

/** A corrupt XFS structure: names what was being parsed and where it sits on the device. */
export function corrupt(message: string, structure: string, offset?: number): FileSystemError {
  return new FileSystemError('CORRUPT_FILESYSTEM', message, offset === undefined ? { structure } : { structure, offset });
}

export function unsupported(message: string, structure: string, offset?: number): FileSystemError {
  return new FileSystemError('UNSUPPORTED_FILESYSTEM', message, offset === undefined ? { structure } : { structure, offset });
}

export function fsError(code: ErrorCode, message: string, structure?: string, offset?: number): FileSystemError {
  const ctx: { structure?: string; offset?: number } = {};
  if (structure !== undefined) ctx.structure = structure;
  if (offset !== undefined) ctx.offset = offset;
  return new FileSystemError(code, message, ctx);
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
