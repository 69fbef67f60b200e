/**
 * Typed errors. Every failure guestguard reports to a user is a GuestguardError with a stable
 * code; parsers of untrusted structures add the structure name and byte offset at fault.
 */
export type ErrorCode =
  | 'IMAGE_NOT_FOUND'
  | 'IO_ERROR'
  | 'UNSUPPORTED_IMAGE'
  | 'CORRUPT_IMAGE'
  | 'TRUNCATED_IMAGE'
  | 'ENCRYPTED_IMAGE'
  | 'BACKING_FILE_MISSING'
  | 'BACKING_CHAIN_TOO_DEEP'
  | 'OUT_OF_RANGE'
  | 'CORRUPT_VOLUME'
  | 'UNSUPPORTED_VOLUME'
  | 'CORRUPT_FILESYSTEM'
  | 'UNSUPPORTED_FILESYSTEM'
  | 'NOT_FOUND'
  | 'NOT_A_DIRECTORY'
  | 'IS_A_DIRECTORY'
  | 'NOT_A_SYMLINK'
  | 'SYMLINK_LOOP'
  | 'LIMIT_EXCEEDED'
  | 'INVALID_ARGUMENT'
  | 'INVALID_POLICY';

export interface ErrorContext {
  /** Name of the on-disk structure at fault, e.g. "qcow2 header" or "GPT entry 3". */
  structure?: string;
  /** Byte offset of that structure (in the file or device being parsed). */
  offset?: number;
  /** Path of the image or guest file concerned. */
  path?: string;
  cause?: unknown;
}

export class GuestguardError extends Error {
  readonly code: ErrorCode;
  readonly structure: string | undefined;
  readonly offset: number | undefined;
  readonly path: string | undefined;

  constructor(code: ErrorCode, message: string, ctx: ErrorContext = {}) {
    super(formatMessage(message, ctx), ctx.cause === undefined ? undefined : { cause: ctx.cause });
    this.name = new.target.name;
    this.code = code;
    this.structure = ctx.structure;
    this.offset = ctx.offset;
    this.path = ctx.path;
  }
}

function formatMessage(message: string, ctx: ErrorContext): string {
  const where: string[] = [];
  if (ctx.structure !== undefined) where.push(ctx.structure);
  if (ctx.offset !== undefined) where.push(`at offset ${ctx.offset} (0x${ctx.offset.toString(16)})`);
  return where.length > 0 ? `${message} [${where.join(' ')}]` : message;
}

/** Image container problems (qcow2, VMDK, VHD, VHDX, VDI headers and tables). */
export class ImageFormatError extends GuestguardError {}
/** Partition tables, LVM metadata, RAID/LUKS signatures. */
export class VolumeError extends GuestguardError {}
/** Filesystem metadata problems. */
export class FileSystemError extends GuestguardError {}
/** Guest path resolution problems (missing path, loops, escaping the root). */
export class GuestPathError extends GuestguardError {}

/** True for the guest-path errors that mean "no such path": a missing name, or a non-directory on the way. */
export function isMissingPath(err: unknown): boolean {
  return err instanceof GuestPathError && (err.code === 'NOT_FOUND' || err.code === 'NOT_A_DIRECTORY');
}

/** Throws a CORRUPT error unless cond holds: the one-line bounds check used by every parser. */
export function check(
  cond: boolean,
  ErrorClass: new (code: ErrorCode, message: string, ctx?: ErrorContext) => GuestguardError,
  code: ErrorCode,
  message: string,
  ctx: ErrorContext = {},
): asserts cond {
  if (!cond) throw new ErrorClass(code, message, ctx);
}

/** Turns any thrown value into a single line for the CLI. */
export function describeError(err: unknown): string {
  if (err instanceof GuestguardError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
