import { GuestguardError, ImageFormatError } from '../../errors.js';
import type { DiskImage, ImageContext } from '../disk-image.js';
import type { HostFile } from '../host-file.js';
import { MAX_DESCRIPTOR_BYTES, NO_PARENT_CID, descriptorText, parseDescriptor, type ExtentLine, type VmdkDescriptor } from './descriptor.js';
import { SparseExtent } from './sparse-extent.js';
import { COWD_MAGIC, KDMV_MAGIC, SECTOR, readSparseHeader, type SparseGeometry } from './sparse-header.js';
import { VmdkImage, type LayoutPart } from './vmdk-image.js';

const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * Create types whose extents are host devices or raw partitions: opening them would make an
 * untrusted descriptor read arbitrary host block devices, so they are refused.
 */
const DEVICE_CREATE_TYPES = new Set(['fulldevice', 'partitioneddevice', 'vmfsrdm', 'vmfsrawdevicemap', 'vmfspassthroughrawdevicemap', 'vmfsraw']);

/** Opens a VMDK from its first file: a sparse extent (KDMV/COWD) or a text descriptor. */
export async function openVmdk(file: HostFile, ctx: ImageContext): Promise<VmdkImage> {
  const opened: HostFile[] = [];
  let backing: DiskImage | undefined;
  try {
    const magic = file.size >= 4 ? new DataView((await file.read(0, 4, 'VMDK magic')).buffer).getUint32(0, true) : 0;
    const cacheBytes = ctx.options.cacheBytes ?? DEFAULT_CACHE_BYTES;
    let descriptor: VmdkDescriptor | undefined;
    let parts: LayoutPart[];
    let createType: string;

    if (magic === KDMV_MAGIC || magic === COWD_MAGIC) {
      const geo = await readSparseHeader(file);
      descriptor = await readEmbeddedDescriptor(file, geo);
      if (geo.magic === 'KDMV' && geo.capacity === 0 && descriptor) {
        // A sparse header that only carries a descriptor: its extents are other files.
        parts = await openExtents(descriptor, file, ctx, opened, cacheBytes);
        createType = descriptor.createType ?? 'custom';
      } else {
        const extent = await SparseExtent.open(file, geo, cacheBytes);
        const length = monolithicLength(descriptor, geo, file);
        parts = length > 0 ? [{ kind: 'sparse', start: 0, length, extent }] : [];
        createType = descriptor?.createType ?? (geo.compressed ? 'streamOptimized' : geo.magic === 'COWD' ? 'vmfsSparse' : 'monolithicSparse');
      }
    } else {
      descriptor = await readDescriptorFile(file);
      createType = descriptor.createType!;
      parts = await openExtents(descriptor, file, ctx, opened, cacheBytes);
    }

    if (descriptor?.parentFileNameHint !== undefined && !ctx.options.ignoreBacking) {
      backing = await ctx.openBacking(descriptor.parentFileNameHint, 'vmdk');
      checkParentCid(descriptor, backing, file);
    }
    return new VmdkImage({ name: file.path, createType, descriptor, parts, files: [file, ...opened], backing });
  } catch (err) {
    await Promise.allSettled(opened.map((f) => f.close()));
    await backing?.close().catch(() => undefined);
    throw err;
  }
}

async function readEmbeddedDescriptor(file: HostFile, geo: SparseGeometry): Promise<VmdkDescriptor | undefined> {
  if (geo.descriptorLength === 0) return undefined;
  const bytes = await file.read(geo.descriptorOffset, geo.descriptorLength, 'VMDK embedded descriptor');
  return parseDescriptor(descriptorText(bytes), file.path, geo.descriptorOffset);
}

async function readDescriptorFile(file: HostFile): Promise<VmdkDescriptor> {
  if (file.size > MAX_DESCRIPTOR_BYTES) {
    throw new ImageFormatError('CORRUPT_IMAGE', `VMDK descriptor file is ${file.size} bytes (at most ${MAX_DESCRIPTOR_BYTES} expected)`, {
      structure: 'VMDK descriptor',
      offset: 0,
      path: file.path,
    });
  }
  const desc = parseDescriptor(descriptorText(await file.read(0, file.size, 'VMDK descriptor')), file.path);
  if (desc.createType === undefined) {
    throw new ImageFormatError('CORRUPT_IMAGE', 'VMDK descriptor has no createType', { structure: 'VMDK descriptor', offset: 0, path: file.path });
  }
  return desc;
}

/**
 * A monolithic sparse file describes itself twice: header capacity and the descriptor's one
 * extent line. The descriptor wins when it is smaller; a larger one is not covered by the grain
 * directory and is corrupt.
 */
function monolithicLength(desc: VmdkDescriptor | undefined, geo: SparseGeometry, file: HostFile): number {
  const cap = geo.capacity * SECTOR;
  const only = desc?.extents.length === 1 ? desc.extents[0]! : undefined;
  if (!only || only.type === 'ZERO') return cap;
  if (only.sectors > geo.capacity) {
    throw new ImageFormatError('CORRUPT_IMAGE', `descriptor extent of ${only.sectors} sectors exceeds the header capacity of ${geo.capacity}`, {
      structure: 'VMDK descriptor',
      offset: geo.descriptorOffset,
      path: file.path,
    });
  }
  return only.sectors * SECTOR;
}

async function openExtents(desc: VmdkDescriptor, file: HostFile, ctx: ImageContext, opened: HostFile[], cacheBytes: number): Promise<LayoutPart[]> {
  const createType = desc.createType ?? '';
  if (DEVICE_CREATE_TYPES.has(createType.toLowerCase())) {
    throw new ImageFormatError('UNSUPPORTED_IMAGE', `VMDK create type "${createType}" maps host devices and is not supported`, {
      structure: 'VMDK descriptor',
      path: file.path,
    });
  }
  if (desc.extents.length === 0) {
    throw new ImageFormatError('CORRUPT_IMAGE', 'VMDK descriptor lists no extents', { structure: 'VMDK descriptor', path: file.path });
  }
  // Flat extents of one disk may share a file at different offsets: open each name once.
  const byName = new Map<string, HostFile>();
  const open = async (ext: ExtentLine): Promise<HostFile> => {
    const name = ext.fileName!;
    const hit = byName.get(name);
    if (hit) return hit;
    const f = await openExtentFile(name, ext, ctx, file);
    opened.push(f);
    byName.set(name, f);
    return f;
  };

  // Extents share the image's cache budgets instead of each taking the whole of them.
  const share = Math.max(1, desc.extents.filter((e) => e.type === 'SPARSE' || e.type === 'VMFSSPARSE' || e.type === 'SESPARSE').length);
  const parts: LayoutPart[] = [];
  let start = 0;
  for (const ext of desc.extents) {
    const length = ext.sectors * SECTOR;
    if (!Number.isSafeInteger(start + length)) throw lineError('extents add up to an impossible disk size', ext, file);
    if (length === 0) continue;
    if (ext.access === 'NOACCESS' || ext.type === 'ZERO') {
      parts.push({ kind: 'zero', start, length });
    } else if (ext.type === 'FLAT' || ext.type === 'VMFS') {
      if (ext.type === 'VMFS' && ext.offset !== 0) throw lineError('VMFS extents take no offset', ext, file);
      const f = await open(ext);
      const fileOffset = ext.offset * SECTOR;
      if (fileOffset + length > f.size) {
        throw new ImageFormatError('TRUNCATED_IMAGE', `flat extent "${ext.fileName}" needs ${fileOffset + length} bytes but the file has ${f.size}`, {
          structure: `VMDK extent line ${ext.line}`,
          path: f.path,
        });
      }
      parts.push({ kind: 'flat', start, length, file: f, fileOffset });
    } else if (ext.type === 'SPARSE' || ext.type === 'VMFSSPARSE' || ext.type === 'SESPARSE') {
      const f = await open(ext);
      const geo = await readSparseHeader(f);
      if (geo.magic === 'KDMV' && geo.capacity === 0) throw lineError(`extent "${ext.fileName}" is itself only a descriptor`, ext, file);
      if (ext.sectors > geo.capacity) {
        throw lineError(`extent of ${ext.sectors} sectors is larger than the ${geo.capacity}-sector capacity of "${ext.fileName}"`, ext, file);
      }
      parts.push({ kind: 'sparse', start, length, extent: await SparseExtent.open(f, geo, cacheBytes / share, share) });
    } else {
      throw new ImageFormatError('UNSUPPORTED_IMAGE', `VMDK extent type ${ext.type} (line ${ext.line}) is not supported`, {
        structure: 'VMDK descriptor',
        path: file.path,
      });
    }
    start += length;
  }
  return parts;
}

async function openExtentFile(name: string, ext: ExtentLine, ctx: ImageContext, file: HostFile): Promise<HostFile> {
  try {
    return await ctx.openSibling(name);
  } catch (err) {
    if (err instanceof GuestguardError && (err.code === 'BACKING_FILE_MISSING' || err.code === 'IMAGE_NOT_FOUND')) {
      throw new ImageFormatError('BACKING_FILE_MISSING', `VMDK extent file "${name}" (descriptor line ${ext.line}) is missing: ${err.message}`, {
        structure: 'VMDK descriptor',
        path: file.path,
        cause: err,
      });
    }
    throw err;
  }
}

function lineError(msg: string, ext: ExtentLine, file: HostFile): ImageFormatError {
  return new ImageFormatError('CORRUPT_IMAGE', `${msg} (descriptor line ${ext.line})`, { structure: 'VMDK descriptor', path: file.path });
}

/** VMware and QEMU refuse a child whose parentCID no longer matches the parent's CID: the parent changed. */
function checkParentCid(desc: VmdkDescriptor, backing: DiskImage, file: HostFile): void {
  const want = desc.parentCid;
  if (want === undefined || want === NO_PARENT_CID || !(backing instanceof VmdkImage)) return;
  const have = backing.cid;
  if (have !== undefined && have !== want) {
    throw new ImageFormatError(
      'CORRUPT_IMAGE',
      `parent ${backing.name} has CID ${hex(have)} but this disk expects parentCID ${hex(want)}: the parent was modified after the snapshot`,
      { structure: 'VMDK descriptor', path: file.path },
    );
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
