import { FileSystemError } from '../../errors.js';
import { BinaryView } from '../../util/binary.js';

/** A metadata inconsistency, naming the btrfs structure and its byte offset. */
export function corrupt(message: string, structure: string, offset?: number): FileSystemError {
  return new FileSystemError('CORRUPT_FILESYSTEM', message, offset === undefined ? { structure } : { structure, offset });
}

export function unsupported(message: string, structure?: string): FileSystemError {
  return new FileSystemError('UNSUPPORTED_FILESYSTEM', message, structure === undefined ? {} : { structure });
}

/** Bounds-checked view whose faults are CORRUPT_FILESYSTEM errors. */
export function view(bytes: Uint8Array, structure: string, baseOffset = 0): BinaryView {
  return new BinaryView(bytes, structure, baseOffset, FileSystemError, 'CORRUPT_FILESYSTEM');
}

/** A u64 that must be usable as a JS number (byte addresses, sizes). */
export function toSafe(v: bigint, what: string, structure: string, offset?: number): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`${what} ${v} is too large`, structure, offset);
  return Number(v);
}
