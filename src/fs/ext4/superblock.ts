import { uuidToString } from '../../util/binary.js';
import * as C from './constants.js';
import { corrupt, fsError, view } from './errors.js';
import { crc32c } from './crc32c.js';

/** The superblock fields the reader needs, validated against each other. */
export interface Superblock {
  inodesCount: number;
  blocksCount: number;
  freeBlocks: number;
  freeInodes: number;
  firstDataBlock: number;
  blockSize: number;
  clusterSize: number;
  blocksPerGroup: number;
  inodesPerGroup: number;
  groupCount: number;
  state: number;
  revLevel: number;
  inodeSize: number;
  firstIno: number;
  compat: number;
  incompat: number;
  roCompat: number;
  uuid: Uint8Array;
  label: string;
  journalUuid: Uint8Array;
  journalInum: number;
  journalDev: number;
  lastOrphan: number;
  hashSeed: Uint32Array;
  defHashVersion: number;
  descSize: number;
  firstMetaBg: number;
  flags: number;
  backupBgs: [number, number];
  checksumOk: boolean | undefined;
  /** blkid-style name: ext2, ext3 or ext4. */
  typeName: string;
}

const STRUCT = 'ext4 superblock';

/** Parses and validates the 1024-byte primary superblock (found at byte 1024). */
export function parseSuperblock(bytes: Uint8Array): Superblock {
  const v = view(bytes, STRUCT, C.SUPERBLOCK_OFFSET);
  const at = (o: number) => C.SUPERBLOCK_OFFSET + o;
  if (v.u16le(0x38) !== C.EXT4_MAGIC) throw fsError('UNSUPPORTED_FILESYSTEM', 'no ext2/3/4 superblock magic', STRUCT, at(0x38));

  const logBlock = v.u32le(0x18);
  if (logBlock > 6) throw corrupt(`block size 1024<<${logBlock} is outside 1 KiB..64 KiB`, STRUCT, at(0x18));
  const blockSize = 1024 << logBlock;
  const incompat = v.u32le(0x60);
  const roCompat = v.u32le(0x64);
  const compat = v.u32le(0x5c);

  if (incompat & C.INCOMPAT_JOURNAL_DEV) {
    throw fsError('UNSUPPORTED_FILESYSTEM', 'this is an external ext3/ext4 journal device, not a filesystem', STRUCT, at(0x60));
  }
  const unknown = incompat & ~C.INCOMPAT_SUPPORTED;
  if (unknown) {
    const names: string[] = [];
    for (let bit = 1; bit !== 0 && bit <= 0x80000000; bit = (bit << 1) >>> 0) {
      if (unknown & bit) names.push(C.INCOMPAT_NAMES[bit] ?? `0x${bit.toString(16)}`);
    }
    throw fsError('UNSUPPORTED_FILESYSTEM', `ext4 uses incompatible features this reader does not support: ${names.join(', ')}`, STRUCT, at(0x60));
  }

  const is64 = (incompat & C.INCOMPAT_64BIT) !== 0;
  const blocksCount = v.u32le(0x04) + (is64 ? v.u32le(0x150) * 2 ** 32 : 0);
  const freeBlocks = v.u32le(0x0c) + (is64 ? v.u32le(0x158) * 2 ** 32 : 0);
  if (blocksCount === 0 || blocksCount * blockSize > Number.MAX_SAFE_INTEGER) {
    throw corrupt(`block count ${blocksCount} is invalid`, STRUCT, at(0x04));
  }
  const firstDataBlock = v.u32le(0x14);
  if (firstDataBlock >= blocksCount || firstDataBlock > 1) throw corrupt(`first data block ${firstDataBlock} is invalid`, STRUCT, at(0x14));

  let clusterSize = blockSize;
  if (roCompat & C.RO_COMPAT_BIGALLOC) {
    const logCluster = v.u32le(0x1c);
    if (logCluster < logBlock || logCluster > logBlock + 16) throw corrupt(`cluster size 1024<<${logCluster} is invalid`, STRUCT, at(0x1c));
    clusterSize = 1024 * 2 ** logCluster;
  }
  const blocksPerGroup = v.u32le(0x20);
  const clustersPerGroup = v.u32le(0x24);
  const inodesPerGroup = v.u32le(0x28);
  if (blocksPerGroup === 0 || (clusterSize === blockSize && blocksPerGroup > blockSize * 8)) {
    throw corrupt(`blocks per group ${blocksPerGroup} is invalid`, STRUCT, at(0x20));
  }
  if (clusterSize !== blockSize && (clustersPerGroup === 0 || clustersPerGroup > blockSize * 8)) {
    throw corrupt(`clusters per group ${clustersPerGroup} is invalid`, STRUCT, at(0x24));
  }
  if (inodesPerGroup === 0 || inodesPerGroup > blockSize * 8) throw corrupt(`inodes per group ${inodesPerGroup} is invalid`, STRUCT, at(0x28));

  const groupCount = Math.ceil((blocksCount - firstDataBlock) / blocksPerGroup);
  const inodesCount = v.u32le(0x00);
  if (inodesCount < C.ROOT_INO || inodesCount > groupCount * inodesPerGroup) {
    throw corrupt(`inode count ${inodesCount} does not fit ${groupCount} groups of ${inodesPerGroup}`, STRUCT, at(0x00));
  }

  const revLevel = v.u32le(0x4c);
  let inodeSize = C.GOOD_OLD_INODE_SIZE;
  let firstIno = 11;
  if (revLevel >= 1) {
    inodeSize = v.u16le(0x58);
    firstIno = v.u32le(0x54);
    if (inodeSize < C.GOOD_OLD_INODE_SIZE || inodeSize > blockSize || (inodeSize & (inodeSize - 1)) !== 0) {
      throw corrupt(`inode size ${inodeSize} is invalid`, STRUCT, at(0x58));
    }
  }

  let descSize = 32;
  if (is64) {
    descSize = v.u16le(0xfe);
    if (descSize < 64 || descSize > 1024 || (descSize & (descSize - 1)) !== 0 || descSize > blockSize) {
      throw corrupt(`group descriptor size ${descSize} is invalid`, STRUCT, at(0xfe));
    }
  }

  const hashSeed = new Uint32Array(4);
  for (let i = 0; i < 4; i++) hashSeed[i] = v.u32le(0xec + 4 * i);

  let checksumOk: boolean | undefined;
  if (roCompat & C.RO_COMPAT_METADATA_CSUM) {
    checksumOk = crc32c(0xffffffff, bytes.subarray(0, 0x3fc)) === v.u32le(0x3fc);
  }

  let typeName = 'ext2';
  if ((incompat & ~C.EXT3_INCOMPAT) !== 0 || (roCompat & ~C.EXT3_RO_COMPAT) !== 0) typeName = 'ext4';
  else if (compat & C.COMPAT_HAS_JOURNAL) typeName = 'ext3';

  return {
    inodesCount,
    blocksCount,
    freeBlocks,
    freeInodes: v.u32le(0x10),
    firstDataBlock,
    blockSize,
    clusterSize,
    blocksPerGroup,
    inodesPerGroup,
    groupCount,
    state: v.u16le(0x3a),
    revLevel,
    inodeSize,
    firstIno,
    compat,
    incompat,
    roCompat,
    uuid: v.slice(0x68, 16).slice(),
    label: v.cstring(0x78, 16),
    journalUuid: v.slice(0xd0, 16).slice(),
    journalInum: v.u32le(0xe0),
    journalDev: v.u32le(0xe4),
    lastOrphan: v.u32le(0xe8),
    hashSeed,
    defHashVersion: v.u8(0xfc),
    descSize,
    firstMetaBg: v.u32le(0x104),
    flags: v.u32le(0x160),
    backupBgs: [v.u32le(0x24c), v.u32le(0x250)],
    checksumOk,
    typeName,
  };
}

export function superblockUuid(sb: Superblock): string {
  return uuidToString(sb.uuid);
}

/** Whether group `g` carries a superblock backup (and so, without meta_bg, a GDT copy). */
export function groupHasSuper(sb: Superblock, g: number): boolean {
  if (g === 0) return true;
  if (sb.compat & 0x200 /* sparse_super2 */) return g === sb.backupBgs[0] || g === sb.backupBgs[1];
  if (g <= 1 || !(sb.roCompat & C.RO_COMPAT_SPARSE_SUPER)) return true;
  if (!(g & 1)) return false;
  for (const base of [3, 5, 7]) {
    let p = base;
    while (p < g) p *= base;
    if (p === g) return true;
  }
  return false;
}
