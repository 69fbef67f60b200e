import { GuestguardError, type ErrorCode, type ErrorContext } from '../errors.js';

// Shared decoders: constructing one per call is costly on hot parsing paths.
const UTF8 = new TextDecoder();
const UTF16LE = new TextDecoder('utf-16le');

type ErrorCtor = new (code: ErrorCode, message: string, ctx?: ErrorContext) => GuestguardError;

/**
 * A bounds-checked little/big-endian view of an on-disk structure. Every out-of-range access
 * becomes a typed error naming the structure and offset instead of a RangeError.
 */
export class BinaryView {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;

  constructor(
    bytes: Uint8Array,
    readonly structure: string,
    /** Where the structure starts in the file/device, for error messages. */
    readonly baseOffset = 0,
    private readonly ErrorClass: ErrorCtor = GuestguardError,
    private readonly code: ErrorCode = 'CORRUPT_IMAGE',
  ) {
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  private need(off: number, n: number): void {
    if (!Number.isInteger(off) || off < 0 || off + n > this.bytes.length) {
      throw new this.ErrorClass(this.code, `field of ${n} bytes lies outside the ${this.bytes.length}-byte structure`, {
        structure: this.structure,
        offset: this.baseOffset + off,
      });
    }
  }

  u8(off: number): number {
    this.need(off, 1);
    return this.bytes[off]!;
  }
  u16le(off: number): number {
    this.need(off, 2);
    return this.dv.getUint16(off, true);
  }
  u16be(off: number): number {
    this.need(off, 2);
    return this.dv.getUint16(off, false);
  }
  u32le(off: number): number {
    this.need(off, 4);
    return this.dv.getUint32(off, true);
  }
  u32be(off: number): number {
    this.need(off, 4);
    return this.dv.getUint32(off, false);
  }
  i32le(off: number): number {
    this.need(off, 4);
    return this.dv.getInt32(off, true);
  }
  u64le(off: number): bigint {
    this.need(off, 8);
    return this.dv.getBigUint64(off, true);
  }
  u64be(off: number): bigint {
    this.need(off, 8);
    return this.dv.getBigUint64(off, false);
  }
  /** 64-bit value that must fit a JS safe integer (sizes, offsets); otherwise a typed error. */
  safe64le(off: number, field = 'field'): number {
    return this.toSafe(this.u64le(off), off, field);
  }
  safe64be(off: number, field = 'field'): number {
    return this.toSafe(this.u64be(off), off, field);
  }
  private toSafe(v: bigint, off: number, field: string): number {
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new this.ErrorClass(this.code, `${field} value ${v} is too large`, {
        structure: this.structure,
        offset: this.baseOffset + off,
      });
    }
    return Number(v);
  }
  slice(off: number, n: number): Uint8Array {
    this.need(off, n);
    return this.bytes.subarray(off, off + n);
  }
  ascii(off: number, n: number): string {
    return latin1(this.slice(off, n));
  }
  /** NUL-terminated string inside a fixed-size field. */
  cstring(off: number, n: number): string {
    const s = this.slice(off, n);
    const end = s.indexOf(0);
    return UTF8.decode(end < 0 ? s : s.subarray(0, end));
  }
  utf16le(off: number, n: number): string {
    return UTF16LE.decode(this.slice(off, n));
  }
}

export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

export function isAllZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Formats a 16-byte little-endian-mixed GUID (as GPT and Microsoft store them). */
export function guidToString(b: Uint8Array): string {
  const h = (i: number) => b[i]!.toString(16).padStart(2, '0');
  const part = (idx: number[]) => idx.map(h).join('');
  return `${part([3, 2, 1, 0])}-${part([5, 4])}-${part([7, 6])}-${part([8, 9])}-${part([10, 11, 12, 13, 14, 15])}`.toUpperCase();
}

/** Formats 16 bytes in plain byte order (as ext4, XFS and btrfs store UUIDs). */
export function uuidToString(b: Uint8Array): string {
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
