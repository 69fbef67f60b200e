import { ImageFormatError } from '../../errors.js';
import { BinaryView } from '../../util/binary.js';
import type { HostFile } from '../host-file.js';
import { HOSTED_CODEC, seSparseCodec, type TableCodec } from './tables.js';

export const SECTOR = 512;
import { COWD_MAGIC, KDMV_MAGIC } from './probe.js';

export { COWD_MAGIC, KDMV_MAGIC };
/** ESXi 6.5+ seSparse snapshots: 64-bit constant header magic 0xcafebabe. */
export const SESPARSE_MAGIC = 0xcafebabe;
const SESPARSE_VOLATILE_MAGIC = 0xcafecafe;

const FLAG_RGD = 1 << 1;
const FLAG_MARKERS = 1 << 17;
const GD_AT_END = 0xffffffffffffffffn;
const COMPRESS_NONE = 0;
const COMPRESS_DEFLATE = 1;
const MARKER_EOS = 0;
const MARKER_FOOTER = 3;

/** QEMU refuses grains over 1 GiB; nothing real comes close (VMware uses 64 KiB). */
const MAX_GRAIN_SECTORS = 0x200000;
const MAX_COMPRESSED_GRAIN_SECTORS = 32768;
/** Largest grain directory read up front. 2 TiB with 64 KiB grains needs 256 KiB. */
export const MAX_GD_BYTES = 32 * 1024 * 1024;
/** An embedded descriptor (VMware writes 20 sectors) larger than this is corrupt. */
export const MAX_EMBEDDED_DESCRIPTOR_BYTES = 1024 * 1024;

/** Everything a sparse extent reader needs, normalised from a KDMV, COWD or seSparse header. */
export interface SparseGeometry {
  magic: 'KDMV' | 'COWD' | 'SESPARSE';
  version: number;
  /** Extent size in sectors. */
  capacity: number;
  grainSectors: number;
  gtEntries: number;
  /** How GD and GT entries are stored. */
  codec: TableCodec;
  /** Byte offsets of the grain directory candidates, primary first (redundant GD as fallback). */
  gdOffsets: number[];
  gdEntries: number;
  compressed: boolean;
  markers: boolean;
  /** Embedded descriptor location in bytes (0 length when absent). */
  descriptorOffset: number;
  descriptorLength: number;
}

function corrupt(msg: string, file: HostFile, offset: number, structure = 'VMDK sparse header'): never {
  throw new ImageFormatError('CORRUPT_IMAGE', msg, { structure, offset, path: file.path });
}

/** Reads and validates the header of a sparse extent file (KDMV, COWD or seSparse). */
export async function readSparseHeader(file: HostFile): Promise<SparseGeometry> {
  if (file.size < SECTOR) {
    throw new ImageFormatError('TRUNCATED_IMAGE', `VMDK sparse extent is only ${file.size} bytes`, {
      structure: 'VMDK sparse header',
      offset: 0,
      path: file.path,
    });
  }
  const head = await file.read(0, SECTOR, 'VMDK sparse header');
  const magic = new BinaryView(head, 'VMDK sparse header', 0, ImageFormatError).u32le(0);
  if (magic === KDMV_MAGIC) return readHostedHeader(file, head);
  if (magic === COWD_MAGIC) return readCowdHeader(file, head);
  if (magic === SESPARSE_MAGIC) return readSeSparseHeader(file, head);
  return corrupt('not a VMDK sparse extent (no KDMV, COWD or seSparse magic)', file, 0);
}

async function readHostedHeader(file: HostFile, head: Uint8Array): Promise<SparseGeometry> {
  let v = new BinaryView(head, 'VMDK sparse header', 0, ImageFormatError);
  if (v.u64le(56) === GD_AT_END) {
    // Stream-optimized: the real header is the footer, 1024 bytes before the end of the file.
    v = await readFooter(file);
  }
  const base = v.baseOffset;
  const version = v.u32le(4);
  if (version < 1 || version > 3) {
    throw new ImageFormatError('UNSUPPORTED_IMAGE', `unsupported VMDK sparse extent version ${version}`, {
      structure: v.structure,
      offset: base + 4,
      path: file.path,
    });
  }
  const flags = v.u32le(8);
  const capacity = v.safe64le(12, 'capacity');
  const grainSectors = v.safe64le(20, 'grainSize');
  const descOffset = v.safe64le(28, 'descriptorOffset');
  const descSize = v.safe64le(36, 'descriptorSize');
  const gtEntries = v.u32le(44);
  const rgdOffset = v.safe64le(48, 'rgdOffset');
  const gdRaw = v.u64le(56);
  const algorithm = v.u16le(77);

  if (grainSectors < 1 || grainSectors > MAX_GRAIN_SECTORS || (grainSectors & (grainSectors - 1)) !== 0) {
    corrupt(`grain size ${grainSectors} sectors is not a power of two up to ${MAX_GRAIN_SECTORS}`, file, base + 20, v.structure);
  }
  if (gtEntries < 1 || gtEntries > 512) corrupt(`numGTEsPerGT ${gtEntries} is outside 1..512`, file, base + 44, v.structure);
  if (capacity > Math.floor(Number.MAX_SAFE_INTEGER / SECTOR)) corrupt(`capacity ${capacity} sectors is too large`, file, base + 12, v.structure);
  if (algorithm !== COMPRESS_NONE && algorithm !== COMPRESS_DEFLATE) {
    throw new ImageFormatError('UNSUPPORTED_IMAGE', `unsupported VMDK grain compression algorithm ${algorithm}`, {
      structure: v.structure,
      offset: base + 77,
      path: file.path,
    });
  }
  // Like QEMU, the algorithm field decides; the compressed-grains flag bit is not trusted alone.
  const compressed = algorithm === COMPRESS_DEFLATE;
  // Each compressed grain is inflated in memory; VMware uses 64 KiB, so 16 MiB is generous.
  if (compressed && grainSectors > MAX_COMPRESSED_GRAIN_SECTORS) {
    throw new ImageFormatError('LIMIT_EXCEEDED', `compressed grains of ${grainSectors} sectors are too large`, {
      structure: v.structure,
      offset: base + 20,
      path: file.path,
    });
  }

  const descriptorOffset = descOffset * SECTOR;
  const descriptorLength = descOffset === 0 ? 0 : descSize * SECTOR;
  if (descriptorLength > MAX_EMBEDDED_DESCRIPTOR_BYTES) corrupt(`embedded descriptor of ${descSize} sectors is too large`, file, base + 36, v.structure);
  if (descriptorLength > 0 && descriptorOffset + descriptorLength > file.size) {
    corrupt('embedded descriptor lies beyond the end of the file', file, base + 28, v.structure);
  }

  const gdEntries = capacity === 0 ? 0 : Math.ceil(capacity / (grainSectors * gtEntries));
  const gdOffsets: number[] = [];
  if (gdRaw === GD_AT_END) corrupt('stream-optimized footer points its grain directory at the end again', file, base + 56, v.structure);
  if (gdRaw > 0n) gdOffsets.push(toSectorBytes(gdRaw, file, base + 56, v.structure));
  // The redundant GD is a full copy; use it only when the primary is absent or unreadable.
  if ((flags & FLAG_RGD) !== 0 && rgdOffset > 0) gdOffsets.push(rgdOffset * SECTOR);
  if (capacity > 0 && gdOffsets.length === 0) corrupt('sparse extent has no grain directory', file, base + 56, v.structure);
  return {
    magic: 'KDMV',
    version,
    capacity,
    grainSectors,
    gtEntries,
    codec: HOSTED_CODEC,
    gdOffsets,
    gdEntries,
    compressed,
    markers: (flags & FLAG_MARKERS) !== 0,
    descriptorOffset,
    descriptorLength,
  };
}

function toSectorBytes(sectors: bigint, file: HostFile, offset: number, structure: string): number {
  if (sectors > BigInt(Math.floor(Number.MAX_SAFE_INTEGER / SECTOR))) corrupt(`sector offset ${sectors} is too large`, file, offset, structure);
  return Number(sectors) * SECTOR;
}

/** Footer marker, footer (a header copy) and end-of-stream marker: the last three sectors. */
async function readFooter(file: HostFile): Promise<BinaryView> {
  if (file.size < 4 * SECTOR) corrupt('stream-optimized VMDK is too short to hold a footer', file, 0);
  const start = Math.floor(file.size / SECTOR) * SECTOR - 3 * SECTOR;
  const buf = await file.read(start, 3 * SECTOR, 'VMDK footer');
  const marker = new BinaryView(buf, 'VMDK footer marker', start, ImageFormatError);
  const eos = new BinaryView(buf.subarray(2 * SECTOR), 'VMDK end-of-stream marker', start + 2 * SECTOR, ImageFormatError);
  if (marker.u32le(8) !== 0 || marker.u32le(12) !== MARKER_FOOTER) corrupt('missing footer marker', file, start, 'VMDK footer marker');
  if (eos.u64le(0) !== 0n || eos.u32le(8) !== 0 || eos.u32le(12) !== MARKER_EOS) {
    corrupt('missing end-of-stream marker', file, start + 2 * SECTOR, 'VMDK end-of-stream marker');
  }
  const footer = new BinaryView(buf.subarray(SECTOR, 2 * SECTOR), 'VMDK footer', start + SECTOR, ImageFormatError);
  if (footer.u32le(0) !== KDMV_MAGIC) corrupt('footer has no KDMV magic', file, start + SECTOR, 'VMDK footer');
  return footer;
}

/** COWD ("VMFSSPARSE") header: 32-bit fields, 4096-entry grain tables, no compression. */
function readCowdHeader(file: HostFile, head: Uint8Array): SparseGeometry {
  const v = new BinaryView(head, 'VMDK COWD header', 0, ImageFormatError);
  const version = v.u32le(4);
  const capacity = v.u32le(12);
  const grainSectors = v.u32le(16);
  const gdSector = v.u32le(20);
  const gdEntriesStored = v.u32le(24);
  if (grainSectors < 1 || grainSectors > MAX_GRAIN_SECTORS || (grainSectors & (grainSectors - 1)) !== 0) {
    corrupt(`grain size ${grainSectors} sectors is not a power of two`, file, 16, v.structure);
  }
  const gtEntries = 4096;
  const gdEntries = Math.ceil(capacity / (grainSectors * gtEntries));
  if (gdEntriesStored < gdEntries) corrupt(`grain directory has ${gdEntriesStored} entries but ${gdEntries} are needed`, file, 24, v.structure);
  if (capacity > 0 && gdSector === 0) corrupt('COWD extent has no grain directory', file, 20, v.structure);
  return {
    magic: 'COWD',
    version,
    capacity,
    grainSectors,
    gtEntries,
    codec: HOSTED_CODEC,
    gdOffsets: gdSector > 0 ? [gdSector * SECTOR] : [],
    gdEntries,
    compressed: false,
    markers: false,
    descriptorOffset: 0,
    descriptorLength: 0,
  };
}

/**
 * seSparse constant header (512 bytes of u64 fields) plus its volatile header. The layout is not
 * publicly documented, so like QEMU only the one known variant is accepted: 4 KiB grains,
 * 4096-entry grain tables, no flags, and a clean journal.
 */
async function readSeSparseHeader(file: HostFile, head: Uint8Array): Promise<SparseGeometry> {
  const st = 'VMDK seSparse header';
  const v = new BinaryView(head, st, 0, ImageFormatError);
  const u64 = (off: number, name: string) => v.safe64le(off, name);
  const unsupported = (msg: string, off: number): never => {
    throw new ImageFormatError('UNSUPPORTED_IMAGE', msg, { structure: st, offset: off, path: file.path });
  };
  if (v.u64le(0) !== BigInt(SESPARSE_MAGIC)) corrupt('bad seSparse magic', file, 0, st);
  if (v.u64le(8) !== 0x0000000200000001n) unsupported(`unsupported seSparse version 0x${v.u64le(8).toString(16)}`, 8);
  const capacity = u64(16, 'capacity');
  const grainSectors = u64(24, 'grain_size');
  const gtSectors = u64(32, 'grain_table_size');
  if (grainSectors !== 8) unsupported(`unsupported seSparse grain size ${grainSectors}`, 24);
  if (gtSectors !== 64) unsupported(`unsupported seSparse grain table size ${gtSectors}`, 32);
  if (v.u64le(40) !== 0n) unsupported('unsupported seSparse flags', 40);
  if (capacity > Math.floor(Number.MAX_SAFE_INTEGER / SECTOR)) corrupt(`capacity ${capacity} sectors is too large`, file, 16, st);
  const volatileSector = u64(80, 'volatile_header_offset');
  const gdSector = u64(128, 'grain_dir_offset');
  const gdSectors = u64(136, 'grain_dir_size');
  const gtBase = u64(144, 'grain_tables_offset');
  const grainBase = u64(192, 'grains_offset');

  const volOff = volatileSector * SECTOR;
  if (volOff <= 0 || volOff + SECTOR > file.size) corrupt('volatile header lies outside the file', file, 80, st);
  const vol = new BinaryView(await file.read(volOff, SECTOR, 'VMDK seSparse volatile header'), 'VMDK seSparse volatile header', volOff, ImageFormatError);
  if (vol.u64le(0) !== BigInt(SESPARSE_VOLATILE_MAGIC)) corrupt('bad seSparse volatile header magic', file, volOff, vol.structure);
  if (vol.u64le(24) !== 0n) unsupported('seSparse journal needs replaying (the snapshot was not closed cleanly)', volOff + 24);

  const gtEntries = (gtSectors * SECTOR) / 8;
  const gdEntries = capacity === 0 ? 0 : Math.ceil(capacity / (grainSectors * gtEntries));
  if (gdEntries * 8 > gdSectors * SECTOR) corrupt(`grain directory of ${gdSectors} sectors cannot cover the capacity`, file, 136, st);
  if (capacity > 0 && gdSector === 0) corrupt('seSparse extent has no grain directory', file, 128, st);
  return {
    magic: 'SESPARSE',
    version: 2,
    capacity,
    grainSectors,
    gtEntries,
    codec: seSparseCodec(gtBase, gtSectors, grainBase, grainSectors),
    gdOffsets: gdSector > 0 ? [gdSector * SECTOR] : [],
    gdEntries,
    compressed: false,
    markers: false,
    descriptorOffset: 0,
    descriptorLength: 0,
  };
}
