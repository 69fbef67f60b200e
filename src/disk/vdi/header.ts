/**
 * The VirtualBox VDI header (version 1.1, little-endian): a 64-byte text banner, the signature
 * 0xbeda107f at 0x40, then the image type, block map and data offsets and the geometry.
 */
import { ImageFormatError } from '../../errors.js';
import { BinaryView, guidToString } from '../../util/binary.js';

export const VDI_SIGNATURE = 0xbeda107f;
export const VDI_HEADER_READ = 0x200;
const SIGNATURE_OFFSET = 0x40;
/** Header bytes after the 8-byte pre-header that version 1.1 fields occupy (up to the parent UUIDs). */
const MIN_HEADER_SIZE = 0x180;
const MAX_BLOCK_SIZE = 256 * 1024 * 1024;

export const VDI_TYPE_NORMAL = 1;
export const VDI_TYPE_FIXED = 2;
export const VDI_TYPE_UNDO = 3;
export const VDI_TYPE_DIFF = 4;

export interface VdiHeader {
  type: number;
  blocksOffset: number;
  dataOffset: number;
  diskSize: number;
  blockSize: number;
  blockExtra: number;
  blocks: number;
  blocksAllocated: number;
  uuidCreate: string;
  uuidLinkage: string;
}

export function probeVdi(head: Uint8Array): boolean {
  if (head.length < SIGNATURE_OFFSET + 4) return false;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return dv.getUint32(SIGNATURE_OFFSET, true) === VDI_SIGNATURE;
}

export function parseVdiHeader(bytes: Uint8Array, path: string): VdiHeader {
  const structure = 'VDI header';
  const v = new BinaryView(bytes, structure, 0, ImageFormatError);
  const at = (offset: number) => ({ path, structure, offset });
  if (v.u32le(SIGNATURE_OFFSET) !== VDI_SIGNATURE) throw new ImageFormatError('CORRUPT_IMAGE', 'no VDI signature', at(SIGNATURE_OFFSET));
  const version = v.u32le(0x44);
  if (version !== 0x00010001) {
    throw new ImageFormatError(
      'UNSUPPORTED_IMAGE',
      `unsupported VDI version ${version >>> 16}.${version & 0xffff} (only 1.1 is supported)`,
      at(0x44),
    );
  }
  const headerSize = v.u32le(0x48);
  if (headerSize < MIN_HEADER_SIZE) throw new ImageFormatError('CORRUPT_IMAGE', `VDI header size ${headerSize} is too small`, at(0x48));
  const h: VdiHeader = {
    type: v.u32le(0x4c),
    blocksOffset: v.u32le(0x154),
    dataOffset: v.u32le(0x158),
    diskSize: v.safe64le(0x170, 'disk size'),
    blockSize: v.u32le(0x178),
    blockExtra: v.u32le(0x17c),
    blocks: v.u32le(0x180),
    blocksAllocated: v.u32le(0x184),
    uuidCreate: guidToString(v.slice(0x188, 16)).toLowerCase(),
    uuidLinkage: guidToString(v.slice(0x1a8, 16)).toLowerCase(),
  };
  if (h.type === VDI_TYPE_DIFF || h.type === VDI_TYPE_UNDO) {
    throw new ImageFormatError(
      'UNSUPPORTED_IMAGE',
      `${h.type === VDI_TYPE_DIFF ? 'differencing' : 'undo'} VDI images (parent UUID ${h.uuidLinkage}) are not supported; merge or clone it with VBoxManage first`,
      at(0x4c),
    );
  }
  if (h.type !== VDI_TYPE_NORMAL && h.type !== VDI_TYPE_FIXED) {
    throw new ImageFormatError('UNSUPPORTED_IMAGE', `unknown VDI image type ${h.type}`, at(0x4c));
  }
  const sectorSize = v.u32le(0x168);
  if (sectorSize !== 512 && sectorSize !== 0) throw new ImageFormatError('UNSUPPORTED_IMAGE', `unsupported VDI sector size ${sectorSize}`, at(0x168));
  if (h.blockSize < 512 || h.blockSize > MAX_BLOCK_SIZE || (h.blockSize & (h.blockSize - 1)) !== 0) {
    throw new ImageFormatError('CORRUPT_IMAGE', `invalid VDI block size ${h.blockSize}`, at(0x178));
  }
  if (h.blockExtra > MAX_BLOCK_SIZE) throw new ImageFormatError('CORRUPT_IMAGE', `invalid VDI block extra size ${h.blockExtra}`, at(0x17c));
  if (h.blocks < Math.ceil(h.diskSize / h.blockSize)) {
    throw new ImageFormatError('CORRUPT_IMAGE', `VDI has ${h.blocks} blocks of ${h.blockSize} bytes, too few for a ${h.diskSize}-byte disk`, at(0x180));
  }
  if (h.blocksAllocated > h.blocks) {
    throw new ImageFormatError('CORRUPT_IMAGE', `VDI claims ${h.blocksAllocated} allocated blocks out of ${h.blocks}`, at(0x184));
  }
  return h;
}
