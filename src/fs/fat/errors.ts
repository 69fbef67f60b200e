import { FileSystemError, type ErrorCode } from '../../errors.js';
import { BinaryView } from '../../util/binary.js';

/** A corrupt FAT/exFAT structure, naming what was parsed and where it sits on the device. */
export function corrupt(message: string, structure: string, offset?: number): FileSystemError {
  return fsError('CORRUPT_FILESYSTEM', message, structure, offset);
}

export function fsError(code: ErrorCode, message: string, structure?: string, offset?: number): FileSystemError {
  const ctx: { structure?: string; offset?: number } = {};
  if (structure !== undefined) ctx.structure = structure;
  if (offset !== undefined) ctx.offset = offset;
  return new FileSystemError(code, message, ctx);
}

/** Bounds-checked view whose faults are CORRUPT_FILESYSTEM errors. */
export function view(bytes: Uint8Array, structure: string, baseOffset = 0): BinaryView {
  return new BinaryView(bytes, structure, baseOffset, FileSystemError, 'CORRUPT_FILESYSTEM');
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
