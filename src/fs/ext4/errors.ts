import { FileSystemError, type ErrorCode } from '../../errors.js';
import { BinaryView } from '../../util/binary.js';

/** A bounds-checked view whose overruns are CORRUPT_FILESYSTEM errors naming the ext4 structure. */
export function view(bytes: Uint8Array, structure: string, offset: number): BinaryView {
  return new BinaryView(bytes, structure, offset, FileSystemError, 'CORRUPT_FILESYSTEM');
}

export function corrupt(message: string, structure: string, offset?: number): FileSystemError {
  return new FileSystemError('CORRUPT_FILESYSTEM', message, offset === undefined ? { structure } : { structure, offset });
}

export function fsError(code: ErrorCode, message: string, structure?: string, offset?: number): FileSystemError {
  return new FileSystemError(code, message, { ...(structure === undefined ? {} : { structure }), ...(offset === undefined ? {} : { offset }) });
}
