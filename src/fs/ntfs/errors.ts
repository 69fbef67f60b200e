import { FileSystemError, type ErrorCode } from '../../errors.js';
import { BinaryView } from '../../util/binary.js';

/** A corrupt NTFS structure, naming what was parsed ("MFT record 42") and where it sits on the device. */
export function corrupt(message: string, structure: string, offset?: number): FileSystemError {
  return fsError('CORRUPT_FILESYSTEM', message, structure, offset);
}

export function unsupported(message: string, structure?: string, offset?: number): FileSystemError {
  return fsError('UNSUPPORTED_FILESYSTEM', message, structure, offset);
}

export function fsError(code: ErrorCode, message: string, structure?: string, offset?: number): FileSystemError {
  const ctx: { structure?: string; offset?: number } = {};
  if (structure !== undefined) ctx.structure = structure;
  if (offset !== undefined && Number.isSafeInteger(offset)) ctx.offset = offset;
  return new FileSystemError(code, message, ctx);
}

/** Bounds-checked view whose faults are CORRUPT_FILESYSTEM errors naming the NTFS structure. */
export function view(bytes: Uint8Array, structure: string, baseOffset = 0): BinaryView {
  return new BinaryView(bytes, structure, baseOffset, FileSystemError, 'CORRUPT_FILESYSTEM');
}

const UTF16 = new TextDecoder('utf-16le');

/** UTF-16LE text of a bounds-checked slice (one shared decoder: creating one per name is slow). */
export function utf16(v: BinaryView, off: number, byteLength: number): string {
  return UTF16.decode(v.slice(off, byteLength));
}

export function hex(n: number | bigint, width = 0): string {
  return `0x${n.toString(16).padStart(width, '0')}`;
}
