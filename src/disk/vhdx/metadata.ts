/**
 * The VHDX metadata region: a table of (GUID, offset, length, flags) items followed by the items
 * themselves. Known system items: file parameters, virtual disk size, logical/physical sector
 * size, page 83 identifier and, for differencing disks, the parent locator key/value list.
 */
import { ImageFormatError } from '../../errors.js';
import { BinaryView, guidToString } from '../../util/binary.js';
import type { VhdxFileView } from './file-view.js';
import type { Region } from './headers.js';

const TABLE_SIZE = 64 * 1024;
const MAX_ENTRIES = 2047;
const MAX_ITEM = 1024 * 1024;
/** The spec's largest virtual disk (64 TiB). */
const MAX_VIRTUAL_SIZE = 64 * 2 ** 40;

const FILE_PARAMETERS = 'CAA16737-FA36-4D43-B3B6-33F0AA44E76B';
const VIRTUAL_DISK_SIZE = '2FA54224-CD1B-4876-B211-5DBED83BF4B8';
const PAGE_83_DATA = 'BECA12AB-B2E6-4523-93EF-C309E000C746';
const LOGICAL_SECTOR_SIZE = '8141BF1D-A96F-4709-BA47-F233A8FAAB5F';
const PHYSICAL_SECTOR_SIZE = 'CDA348C7-445D-4471-9CC9-E9885251C556';
const PARENT_LOCATOR = 'A8D35F2D-B30B-454D-ABF7-D3D84834AB0C';
/** The only parent locator type defined: a VHDX parent. */
const VHDX_PARENT_TYPE = 'B04AEFB7-D19E-4A81-B789-25B8E9445913';

export interface VhdxMetadata {
  blockSize: number;
  leaveBlocksAllocated: boolean;
  hasParent: boolean;
  virtualSize: number;
  logicalSectorSize: number;
  physicalSectorSize: number;
  page83: string | undefined;
  /** parent_linkage, relative_path, absolute_win32_path, ... when hasParent. */
  parentLocator: Map<string, string> | undefined;
}

interface Item {
  offset: number;
  length: number;
}

export async function readMetadata(view: VhdxFileView, region: Region): Promise<VhdxMetadata> {
  const tableLen = Math.min(TABLE_SIZE, region.length);
  const table = await view.read(region.offset, tableLen, 'VHDX metadata table');
  const v = new BinaryView(table, 'VHDX metadata table', region.offset, ImageFormatError);
  const ctx = { path: view.path, structure: 'VHDX metadata table', offset: region.offset };
  if (v.ascii(0, 8) !== 'metadata') throw new ImageFormatError('CORRUPT_IMAGE', 'VHDX metadata table has no "metadata" signature', ctx);
  const count = v.u16le(10);
  if (count > MAX_ENTRIES || 32 + count * 32 > tableLen) {
    throw new ImageFormatError('CORRUPT_IMAGE', `VHDX metadata table claims ${count} entries`, ctx);
  }
  const items = new Map<string, Item>();
  for (let i = 0; i < count; i++) {
    const at = 32 + i * 32;
    const id = guidToString(v.slice(at, 16));
    const offset = v.u32le(at + 16);
    const length = v.u32le(at + 20);
    const flags = v.u32le(at + 24);
    const ectx = { ...ctx, structure: `VHDX metadata entry ${i}`, offset: region.offset + at };
    if (length > 0 && (offset < TABLE_SIZE || offset + length > region.length || length > MAX_ITEM)) {
      throw new ImageFormatError('CORRUPT_IMAGE', `VHDX metadata item ${id} (${offset}+${length}) lies outside the metadata region`, ectx);
    }
    const known = [FILE_PARAMETERS, VIRTUAL_DISK_SIZE, PAGE_83_DATA, LOGICAL_SECTOR_SIZE, PHYSICAL_SECTOR_SIZE, PARENT_LOCATOR].includes(id);
    if (!known) {
      if (flags & 4) throw new ImageFormatError('UNSUPPORTED_IMAGE', `VHDX requires metadata item ${id}, which this reader does not know`, ectx);
      continue;
    }
    if (items.has(id)) throw new ImageFormatError('CORRUPT_IMAGE', `VHDX metadata item ${id} appears twice`, ectx);
    items.set(id, { offset, length });
  }

  const readItem = async (id: string, name: string, minLength: number): Promise<BinaryView> => {
    const it = items.get(id);
    if (!it) throw new ImageFormatError('CORRUPT_IMAGE', `VHDX metadata has no ${name} item`, ctx);
    if (it.length < minLength) throw new ImageFormatError('CORRUPT_IMAGE', `VHDX ${name} item is only ${it.length} bytes`, ctx);
    const at = region.offset + it.offset;
    return new BinaryView(await view.read(at, it.length, `VHDX ${name}`), `VHDX ${name}`, at, ImageFormatError);
  };

  const fp = await readItem(FILE_PARAMETERS, 'file parameters', 8);
  const blockSize = fp.u32le(0);
  const fpFlags = fp.u32le(4);
  if (blockSize < 1024 * 1024 || blockSize > 256 * 1024 * 1024 || (blockSize & (blockSize - 1)) !== 0) {
    throw new ImageFormatError('CORRUPT_IMAGE', `invalid VHDX block size ${blockSize}`, { ...ctx, structure: 'VHDX file parameters', offset: fp.baseOffset });
  }
  const lss = (await readItem(LOGICAL_SECTOR_SIZE, 'logical sector size', 4)).u32le(0);
  const pss = (await readItem(PHYSICAL_SECTOR_SIZE, 'physical sector size', 4)).u32le(0);
  if ((lss !== 512 && lss !== 4096) || (pss !== 512 && pss !== 4096)) {
    throw new ImageFormatError('CORRUPT_IMAGE', `invalid VHDX sector sizes (logical ${lss}, physical ${pss})`, ctx);
  }
  const sizeView = await readItem(VIRTUAL_DISK_SIZE, 'virtual disk size', 8);
  const declared = sizeView.safe64le(0, 'virtual disk size');
  if (declared > MAX_VIRTUAL_SIZE) {
    throw new ImageFormatError('CORRUPT_IMAGE', `VHDX virtual disk size ${declared} exceeds 64 TiB`, { ...ctx, structure: 'VHDX virtual disk size', offset: sizeView.baseOffset });
  }
  const page83 = items.has(PAGE_83_DATA) ? guidToString((await readItem(PAGE_83_DATA, 'page 83 data', 16)).slice(0, 16)) : undefined;

  const hasParent = (fpFlags & 2) !== 0;
  let parentLocator: Map<string, string> | undefined;
  if (hasParent) parentLocator = parseParentLocator(await readItem(PARENT_LOCATOR, 'parent locator', 20), view.path);
  return {
    blockSize,
    leaveBlocksAllocated: (fpFlags & 1) !== 0,
    hasParent,
    // qemu addresses whole logical sectors; a ragged tail would be unreadable there too.
    virtualSize: Math.floor(declared / lss) * lss,
    logicalSectorSize: lss,
    physicalSectorSize: pss,
    page83,
    parentLocator,
  };
}

function parseParentLocator(v: BinaryView, path: string): Map<string, string> {
  const ctx = { path, structure: 'VHDX parent locator', offset: v.baseOffset };
  const type = guidToString(v.slice(0, 16));
  if (type !== VHDX_PARENT_TYPE) throw new ImageFormatError('UNSUPPORTED_IMAGE', `unsupported VHDX parent locator type ${type}`, ctx);
  const count = v.u16le(18);
  if (20 + count * 12 > v.length) throw new ImageFormatError('CORRUPT_IMAGE', `VHDX parent locator claims ${count} entries`, ctx);
  const out = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const at = 20 + i * 12;
    const key = v.utf16le(v.u32le(at), v.u16le(at + 8));
    const value = v.utf16le(v.u32le(at + 4), v.u16le(at + 10));
    out.set(key, value);
  }
  if (!out.has('parent_linkage')) throw new ImageFormatError('CORRUPT_IMAGE', 'VHDX parent locator has no parent_linkage', ctx);
  return out;
}
