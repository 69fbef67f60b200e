/**
 * qcow2 header and header-extension parsing (docs/interop/qcow2.txt in QEMU). Everything here
 * is untrusted: each field is range-checked against the file and QEMU's own limits before use.
 */
import { GuestguardError, ImageFormatError, check } from '../../errors.js';
import { BinaryView } from '../../util/binary.js';
import type { ImageFormat } from '../disk-image.js';
import type { HostFile } from '../host-file.js';

export const QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"

/** Incompatible feature bits this reader understands. */
export const INCOMPAT_DIRTY = 1n << 0n;
export const INCOMPAT_CORRUPT = 1n << 1n;
export const INCOMPAT_DATA_FILE = 1n << 2n;
export const INCOMPAT_COMPRESSION = 1n << 3n;
export const INCOMPAT_EXTL2 = 1n << 4n;
const KNOWN_INCOMPAT = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2;

const EXT_END = 0x00000000;
const EXT_BACKING_FORMAT = 0xe2792aca;
const EXT_FEATURE_TABLE = 0x6803f857;
const EXT_DATA_FILE = 0x44415441;

const V2_HEADER_LENGTH = 72;
const V3_MIN_HEADER_LENGTH = 104;
/** QEMU refuses clusters above 2 MiB; below 512 bytes is invalid by the spec. */
const MIN_CLUSTER_BITS = 9;
const MAX_CLUSTER_BITS = 21;
/** QEMU's QCOW_MAX_L1_SIZE: the active L1 table may not exceed 32 MiB. */
export const MAX_L1_BYTES = 32 * 1024 * 1024;
const MAX_BACKING_NAME = 1023;
/** Header extensions each take at least 8 bytes; this caps pathological extension chains. */
const MAX_EXTENSIONS = 4096;
/** First read at open: enough for the header, extensions and backing name of ordinary images. */
const INITIAL_HEADER_READ = 4096;

export type CompressionType = 'deflate' | 'zstd';

export interface Qcow2Header {
  version: 2 | 3;
  clusterBits: number;
  clusterSize: number;
  /** Virtual disk size in bytes. */
  size: number;
  cryptMethod: number;
  l1Size: number;
  l1TableOffset: number;
  nbSnapshots: number;
  incompatibleFeatures: bigint;
  compatibleFeatures: bigint;
  autoclearFeatures: bigint;
  refcountOrder: number;
  headerLength: number;
  compressionType: CompressionType;
  dirty: boolean;
  corrupt: boolean;
  extendedL2: boolean;
  /** Backing file name as stored (undefined when the image has none). */
  backingFile: string | undefined;
  /** Format recorded in the backing-format extension, mapped to ours. */
  backingFormat: ImageFormat | undefined;
  /** Raw backing-format string as stored, e.g. "qcow2". */
  backingFormatName: string | undefined;
  /** External data file name (incompatible bit 2). */
  dataFile: string | undefined;
  /** Names from the feature name table, keyed "incompatible:5", "compatible:0", ... */
  featureNames: Map<string, string>;
}

const FEATURE_KIND = ['incompatible', 'compatible', 'autoclear'] as const;

/** Reads and validates the header, its extensions and the backing file name. */
export async function readQcow2Header(file: HostFile): Promise<Qcow2Header> {
  const path = file.path;
  const fail = (code: 'CORRUPT_IMAGE' | 'UNSUPPORTED_IMAGE' | 'TRUNCATED_IMAGE', msg: string, offset = 0, structure = 'qcow2 header') =>
    new ImageFormatError(code, msg, { structure, offset, path });

  let buf = await file.readUpTo(0, INITIAL_HEADER_READ);
  if (buf.length < V2_HEADER_LENGTH) throw fail('TRUNCATED_IMAGE', `file is too small (${file.size} bytes) for a qcow2 header`);
  let v = new BinaryView(buf, 'qcow2 header', 0, ImageFormatError);
  /** Grows the buffered header area to at least `end` bytes (callers keep `end` within the first cluster). */
  const ensure = async (end: number): Promise<BinaryView> => {
    if (end > buf.length) {
      buf = await file.readUpTo(0, Math.max(end, 2 * buf.length));
      v = new BinaryView(buf, 'qcow2 header', 0, ImageFormatError);
    }
    return v;
  };

  if (v.u32be(0) !== QCOW2_MAGIC) throw fail('CORRUPT_IMAGE', 'missing qcow2 magic "QFI\\xfb"');
  const version = v.u32be(4);
  if (version === 1) throw fail('UNSUPPORTED_IMAGE', 'qcow version 1 images are not supported (convert with qemu-img first)', 4);
  if (version !== 2 && version !== 3) throw fail('UNSUPPORTED_IMAGE', `unsupported qcow2 version ${version}`, 4);

  const clusterBits = v.u32be(20);
  if (clusterBits < MIN_CLUSTER_BITS) throw fail('CORRUPT_IMAGE', `cluster_bits ${clusterBits} is below the minimum of ${MIN_CLUSTER_BITS}`, 20);
  if (clusterBits > MAX_CLUSTER_BITS) {
    throw fail('UNSUPPORTED_IMAGE', `cluster size 2^${clusterBits} exceeds the supported maximum of 2 MiB`, 20);
  }
  const clusterSize = 2 ** clusterBits;

  // Encryption is checked early: it is the most useful thing to tell the user about such an image.
  const cryptMethod = v.u32be(32);
  if (cryptMethod !== 0) {
    const what = cryptMethod === 1 ? 'AES' : cryptMethod === 2 ? 'LUKS' : `method ${cryptMethod}`;
    throw new ImageFormatError('ENCRYPTED_IMAGE', `qcow2 image is encrypted (${what}); encrypted images are not supported`, {
      structure: 'qcow2 header crypt_method',
      offset: 32,
      path,
    });
  }

  let headerLength = V2_HEADER_LENGTH;
  let incompatibleFeatures = 0n;
  let compatibleFeatures = 0n;
  let autoclearFeatures = 0n;
  let refcountOrder = 4;
  let compressionField = 0;
  if (version === 3) {
    headerLength = v.u32be(100);
    if (headerLength < V3_MIN_HEADER_LENGTH) throw fail('CORRUPT_IMAGE', `header_length ${headerLength} is below ${V3_MIN_HEADER_LENGTH}`, 100);
    if (headerLength > clusterSize) throw fail('CORRUPT_IMAGE', `header_length ${headerLength} exceeds the cluster size ${clusterSize}`, 100);
    check(headerLength <= file.size, ImageFormatError, 'TRUNCATED_IMAGE', `header_length ${headerLength} exceeds the file`, {
      structure: 'qcow2 header',
      offset: 100,
      path,
    });
    await ensure(headerLength);
    incompatibleFeatures = v.u64be(72);
    compatibleFeatures = v.u64be(80);
    autoclearFeatures = v.u64be(88);
    refcountOrder = v.u32be(96);
    if (refcountOrder > 6) throw fail('CORRUPT_IMAGE', `refcount_order ${refcountOrder} exceeds 6`, 96);
    if (headerLength > 104) compressionField = v.u8(104);
  }

  const backingFileOffset = v.safe64be(8, 'backing_file_offset');
  const backingFileSize = v.u32be(16);

  // Extensions live between the header and the backing name (or the end of the first cluster).
  const extEnd = Math.min(backingFileOffset > 0 && backingFileOffset < clusterSize ? backingFileOffset : clusterSize, file.size);
  const ext = await parseExtensions(ensure, headerLength, extEnd, path);

  const unknown = incompatibleFeatures & ~KNOWN_INCOMPAT;
  if (unknown !== 0n) {
    const bits: string[] = [];
    for (let b = 0n; b < 64n; b++) {
      if (unknown & (1n << b)) {
        const name = ext.featureNames.get(`incompatible:${b}`);
        bits.push(name ? `bit ${b} (${name})` : `bit ${b}`);
      }
    }
    throw fail('UNSUPPORTED_IMAGE', `qcow2 image uses unsupported incompatible feature ${bits.join(', ')}`, 72, 'qcow2 header incompatible_features');
  }

  const hasCompressionBit = (incompatibleFeatures & INCOMPAT_COMPRESSION) !== 0n;
  let compressionType: CompressionType = 'deflate';
  if (hasCompressionBit || compressionField !== 0) {
    if (hasCompressionBit !== (compressionField !== 0)) {
      throw fail('CORRUPT_IMAGE', 'compression type bit and compression_type field disagree', 104);
    }
    if (compressionField !== 1) throw fail('UNSUPPORTED_IMAGE', `unsupported qcow2 compression type ${compressionField}`, 104);
    compressionType = 'zstd';
  }

  const extendedL2 = (incompatibleFeatures & INCOMPAT_EXTL2) !== 0n;
  if (extendedL2 && clusterBits < 14) throw fail('CORRUPT_IMAGE', `extended L2 entries need clusters of at least 16 KiB, not ${clusterSize}`, 20);

  let dataFile: string | undefined;
  if (incompatibleFeatures & INCOMPAT_DATA_FILE) {
    if (ext.dataFile === undefined || ext.dataFile.length === 0) {
      throw fail('UNSUPPORTED_IMAGE', 'image uses an external data file but does not record its name', 72, 'qcow2 header incompatible_features');
    }
    dataFile = ext.dataFile;
  }

  let backingFile: string | undefined;
  if (backingFileOffset !== 0) {
    if (backingFileSize > MAX_BACKING_NAME) throw fail('CORRUPT_IMAGE', `backing file name length ${backingFileSize} exceeds ${MAX_BACKING_NAME}`, 16);
    if (backingFileOffset + backingFileSize > clusterSize) {
      throw fail('CORRUPT_IMAGE', 'backing file name lies outside the first cluster', 8);
    }
    if (backingFileSize > 0) {
      const nameBytes = await file.read(backingFileOffset, backingFileSize, 'qcow2 backing file name');
      backingFile = new TextDecoder().decode(nameBytes);
    }
  }

  const size = v.safe64be(24, 'size');
  const l1Size = v.u32be(36);
  const l1TableOffset = v.safe64be(40, 'l1_table_offset');

  return {
    version,
    clusterBits,
    clusterSize,
    size,
    cryptMethod,
    l1Size,
    l1TableOffset,
    nbSnapshots: v.u32be(60),
    incompatibleFeatures,
    compatibleFeatures,
    autoclearFeatures,
    refcountOrder,
    headerLength,
    compressionType,
    dirty: (incompatibleFeatures & INCOMPAT_DIRTY) !== 0n,
    corrupt: (incompatibleFeatures & INCOMPAT_CORRUPT) !== 0n,
    extendedL2,
    backingFile,
    backingFormat: backingFile === undefined ? undefined : mapBackingFormat(ext.backingFormat, path),
    backingFormatName: ext.backingFormat,
    dataFile,
    featureNames: ext.featureNames,
  };
}

interface Extensions {
  backingFormat: string | undefined;
  dataFile: string | undefined;
  featureNames: Map<string, string>;
}

/**
 * Walks the extension area [start, end): type u32, length u32, data padded to 8 bytes.
 * `ensure` reads more of the first cluster only when an extension reaches past what is buffered.
 */
async function parseExtensions(ensure: (end: number) => Promise<BinaryView>, start: number, end: number, path: string): Promise<Extensions> {
  const out: Extensions = { backingFormat: undefined, dataFile: undefined, featureNames: new Map() };
  let off = start;
  for (let n = 0; off + 8 <= end; n++) {
    if (n >= MAX_EXTENSIONS) {
      throw new ImageFormatError('LIMIT_EXCEEDED', `more than ${MAX_EXTENSIONS} qcow2 header extensions`, { structure: 'qcow2 header extension', offset: off, path });
    }
    let v = await ensure(off + 8);
    const type = v.u32be(off);
    const len = v.u32be(off + 4);
    if (type === EXT_END) break;
    const data = off + 8;
    if (len > end - data) {
      throw new ImageFormatError('CORRUPT_IMAGE', `header extension 0x${type.toString(16)} of ${len} bytes overruns the header area`, {
        structure: 'qcow2 header extension',
        offset: off,
        path,
      });
    }
    v = await ensure(data + len);
    switch (type) {
      case EXT_BACKING_FORMAT:
        out.backingFormat = extString(v, data, len);
        break;
      case EXT_DATA_FILE:
        out.dataFile = extString(v, data, len);
        break;
      case EXT_FEATURE_TABLE:
        for (let e = data; e + 48 <= data + len; e += 48) {
          const kind = FEATURE_KIND[v.u8(e)];
          if (kind) out.featureNames.set(`${kind}:${v.u8(e + 1)}`, v.cstring(e + 2, 46));
        }
        break;
      default:
        break; // bitmaps, encryption pointer and unknown extensions do not matter for reading
    }
    off = data + Math.ceil(len / 8) * 8;
  }
  return out;
}

function extString(v: BinaryView, off: number, len: number): string {
  // Stored without a terminator, but tolerate one (some writers include it).
  return v.cstring(off, len);
}

/** Maps QEMU driver names recorded as backing format to our formats; refuses ones we cannot honour. */
function mapBackingFormat(name: string | undefined, path: string): ImageFormat | undefined {
  if (name === undefined || name === '') return undefined;
  switch (name) {
    case 'raw':
    case 'file':
    case 'host_device':
      return 'raw';
    case 'qcow2':
    case 'vmdk':
    case 'vhdx':
    case 'vdi':
      return name;
    case 'vpc':
      return 'vhd';
    default:
      throw new GuestguardError('UNSUPPORTED_IMAGE', `backing file format "${name}" is not supported`, {
        structure: 'qcow2 backing format extension',
        path,
      });
  }
}
