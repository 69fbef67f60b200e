/**
 * The VHD footer ("hard disk footer"): 512 big-endian bytes at the end of every VHD, copied to
 * offset 0 of dynamic and differencing images. Very old Virtual PC images wrote 511 bytes.
 */
import { ImageFormatError } from '../../errors.js';
import { BinaryView, latin1 } from '../../util/binary.js';

export const VHD_COOKIE = 'conectix';
export const FOOTER_SIZE = 512;
export const LEGACY_FOOTER_SIZE = 511;
const CHECKSUM_OFFSET = 64;

export const DISK_FIXED = 2;
export const DISK_DYNAMIC = 3;
export const DISK_DIFFERENCING = 4;

/** 65535 cylinders x 16 heads x 255 sectors: the CHS that means "use current_size". */
const MAX_CHS_SECTORS = 65535 * 16 * 255;

export interface VhdFooter {
  /** Where this copy was read from, and how long it is (512, or 511 for legacy images). */
  fileOffset: number;
  length: number;
  dataOffset: number | undefined;
  creatorApp: string;
  currentSize: number;
  cylinders: number;
  heads: number;
  sectorsPerTrack: number;
  diskType: number;
  uniqueId: Uint8Array;
}

/** One's complement of the byte sum of a structure, skipping its 4-byte checksum field. */
export function vhdChecksum(bytes: Uint8Array, checksumOffset: number): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (i >= checksumOffset && i < checksumOffset + 4) continue;
    sum = (sum + bytes[i]!) >>> 0;
  }
  return ~sum >>> 0;
}

export function hasCookie(bytes: Uint8Array, at = 0): boolean {
  return bytes.length >= at + 8 && latin1(bytes.subarray(at, at + 8)) === VHD_COOKIE;
}

/** Parses and verifies one footer copy; `bytes` is exactly the footer (512 or 511 bytes). */
export function parseFooter(bytes: Uint8Array, fileOffset: number, path: string): VhdFooter {
  const structure = 'VHD footer';
  const v = new BinaryView(bytes, structure, fileOffset, ImageFormatError);
  const ctx = { structure, offset: fileOffset, path };
  if (!hasCookie(bytes)) throw new ImageFormatError('CORRUPT_IMAGE', 'VHD footer has no "conectix" cookie', ctx);
  const stored = v.u32be(CHECKSUM_OFFSET);
  const computed = vhdChecksum(bytes, CHECKSUM_OFFSET);
  if (stored !== computed) {
    throw new ImageFormatError(
      'CORRUPT_IMAGE',
      `VHD footer checksum mismatch: stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)}`,
      ctx,
    );
  }
  const version = v.u32be(12);
  if (version >>> 16 !== 1) {
    throw new ImageFormatError('UNSUPPORTED_IMAGE', `unsupported VHD file format version 0x${version.toString(16)}`, ctx);
  }
  const diskType = v.u32be(60);
  if (diskType !== DISK_FIXED && diskType !== DISK_DYNAMIC && diskType !== DISK_DIFFERENCING) {
    throw new ImageFormatError('UNSUPPORTED_IMAGE', `unsupported VHD disk type ${diskType}`, { ...ctx, offset: fileOffset + 60 });
  }
  const rawDataOffset = v.u64be(16);
  const dataOffset = rawDataOffset === 0xffffffffffffffffn ? undefined : v.safe64be(16, 'data offset');
  return {
    fileOffset,
    length: bytes.length,
    dataOffset,
    creatorApp: v.ascii(28, 4),
    currentSize: v.safe64be(48, 'current size'),
    cylinders: v.u16be(56),
    heads: v.u8(58),
    sectorsPerTrack: v.u8(59),
    diskType,
    uniqueId: bytes.slice(68, 84),
  };
}

/**
 * The virtual size, decided the way qemu-img does so `convert -O raw` output matches byte for
 * byte: images written by Virtual PC ("vpc ") and old qemu ("qemu") expose their CHS geometry,
 * everything else (Hyper-V "win ", "qem2", disk2vhd, XenServer, VirtualBox, Azure, ...) the
 * footer's current_size. A maximal CHS geometry always means current_size.
 */
export function vhdVirtualSize(f: VhdFooter): number {
  const chsSectors = f.cylinders * f.heads * f.sectorsPerTrack;
  const chsCreator = f.creatorApp === 'vpc ' || f.creatorApp === 'qemu';
  if (chsCreator && chsSectors !== MAX_CHS_SECTORS) return chsSectors * 512;
  return f.currentSize;
}

function plausibleType(b: Uint8Array, at: number): boolean {
  if (b.length < at + 64) return false;
  const t = ((b[at + 60]! << 24) | (b[at + 61]! << 16) | (b[at + 62]! << 8) | b[at + 63]!) >>> 0;
  return t === DISK_FIXED || t === DISK_DYNAMIC || t === DISK_DIFFERENCING;
}

/**
 * Dynamic/differencing images start with a footer copy; fixed ones are raw data with the
 * footer in the last 512 bytes (or 511 for legacy Virtual PC). The tail signature alone could
 * occur in raw data, so there the disk type must be plausible too.
 */
export function probeVhd(head: Uint8Array, tail: Uint8Array): boolean {
  if (hasCookie(head, 0)) return true;
  if (tail.length === 512 && hasCookie(tail, 0) && plausibleType(tail, 0)) return true;
  return tail.length === 512 && hasCookie(tail, 1) && plausibleType(tail, 1);
}
