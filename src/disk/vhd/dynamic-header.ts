/**
 * The VHD dynamic disk header ("cxsparse"), 1024 big-endian bytes at footer.dataOffset: where
 * the BAT is, the block size and, for differencing disks, the parent's identity and locators.
 */
import { ImageFormatError } from '../../errors.js';
import { BinaryView, isAllZero } from '../../util/binary.js';
import { vhdChecksum } from './footer.js';

export const DYNAMIC_HEADER_SIZE = 1024;
const MAX_BLOCK_SIZE = 256 * 1024 * 1024;

export interface ParentLocator {
  /** Platform code as four characters: "W2ku", "W2ru", "Wi2k", "Wi2r", "MacX", "Mac ". */
  code: string;
  dataLength: number;
  dataOffset: number;
}

export interface DynamicHeader {
  tableOffset: number;
  maxTableEntries: number;
  blockSize: number;
  parentUniqueId: Uint8Array;
  parentName: string;
  locators: ParentLocator[];
}

export function parseDynamicHeader(bytes: Uint8Array, fileOffset: number, path: string): DynamicHeader {
  const structure = 'VHD dynamic header';
  const v = new BinaryView(bytes, structure, fileOffset, ImageFormatError);
  const ctx = { structure, offset: fileOffset, path };
  if (v.ascii(0, 8) !== 'cxsparse') throw new ImageFormatError('CORRUPT_IMAGE', 'VHD dynamic header has no "cxsparse" cookie', ctx);
  const stored = v.u32be(36);
  const computed = vhdChecksum(bytes, 36);
  if (stored !== computed) {
    throw new ImageFormatError(
      'CORRUPT_IMAGE',
      `VHD dynamic header checksum mismatch: stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)}`,
      ctx,
    );
  }
  const version = v.u32be(24);
  if (version >>> 16 !== 1) {
    throw new ImageFormatError('UNSUPPORTED_IMAGE', `unsupported VHD dynamic header version 0x${version.toString(16)}`, ctx);
  }
  const blockSize = v.u32be(32);
  if (blockSize < 512 || blockSize > MAX_BLOCK_SIZE || (blockSize & (blockSize - 1)) !== 0) {
    throw new ImageFormatError('CORRUPT_IMAGE', `invalid VHD block size ${blockSize}`, { ...ctx, offset: fileOffset + 32 });
  }
  const locators: ParentLocator[] = [];
  for (let i = 0; i < 8; i++) {
    const at = 576 + i * 24;
    const codeRaw = v.u32be(at);
    if (codeRaw === 0) continue;
    locators.push({
      code: v.ascii(at, 4),
      dataLength: v.u32be(at + 8),
      dataOffset: v.safe64be(at + 16, 'parent locator offset'),
    });
  }
  return {
    tableOffset: v.safe64be(16, 'BAT offset'),
    maxTableEntries: v.u32be(28),
    blockSize,
    parentUniqueId: bytes.slice(40, 56),
    parentName: utf16be(v.slice(64, 512)),
    locators,
  };
}

export function hasParentId(h: DynamicHeader): boolean {
  return !isAllZero(h.parentUniqueId);
}

/** UTF-16 big-endian up to the first NUL (Node's TextDecoder has no utf-16be without full ICU). */
function utf16be(b: Uint8Array): string {
  const swapped = new Uint8Array(b.length & ~1);
  for (let i = 0; i + 1 < b.length; i += 2) {
    swapped[i] = b[i + 1]!;
    swapped[i + 1] = b[i]!;
  }
  const s = new TextDecoder('utf-16le').decode(swapped);
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}
