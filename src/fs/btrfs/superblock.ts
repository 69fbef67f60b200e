import type { BlockDevice } from '../../disk/block-device.js';
import { latin1, uuidToString } from '../../util/binary.js';
import { GuestguardError } from '../../errors.js';
import { CSUM_NAMES, checksumMatches } from './checksum.js';
import {
  INCOMPAT_METADATA_UUID,
  MAGIC,
  MAX_LEVEL,
  SUPERBLOCK_OFFSETS,
  SUPERBLOCK_SIZE,
} from './constants.js';
import { corrupt, toSafe, view } from './errors.js';

export interface DevItem {
  devid: bigint;
  totalBytes: number;
  uuid: string;
  fsid: string;
}

export interface Superblock {
  /** Where this copy was read from (64 KiB or a mirror). */
  offset: number;
  fsid: string;
  /** The UUID tree blocks carry: metadata_uuid when that feature is on, else fsid. */
  metadataUuid: Uint8Array;
  fsidBytes: Uint8Array;
  generation: bigint;
  root: number;
  chunkRoot: number;
  chunkRootGeneration: bigint;
  logRoot: number;
  totalBytes: number;
  bytesUsed: number;
  numDevices: number;
  sectorSize: number;
  nodeSize: number;
  stripeSize: number;
  sysChunkArray: Uint8Array;
  compatRoFlags: bigint;
  incompatFlags: bigint;
  csumType: number;
  rootLevel: number;
  chunkRootLevel: number;
  devItem: DevItem;
  label: string;
}

const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** Parses one superblock copy; throws a typed error when it is not a valid btrfs superblock. */
export function parseSuperblock(bytes: Uint8Array, offset: number): Superblock {
  const S = 'btrfs superblock';
  const v = view(bytes, S, offset);
  if (latin1(v.slice(0x40, 8)) !== MAGIC) throw corrupt('no btrfs magic', S, offset + 0x40);
  const csumType = v.u16le(0xc4);
  if (!(csumType in CSUM_NAMES)) {
    throw new GuestguardError('UNSUPPORTED_FILESYSTEM', `unknown btrfs checksum type ${csumType}`, { structure: S, offset: offset + 0xc4 });
  }
  if (!checksumMatches(csumType, bytes.subarray(0, SUPERBLOCK_SIZE))) throw corrupt(`${CSUM_NAMES[csumType]} checksum mismatch`, S, offset);
  const bytenr = v.u64le(0x30);
  if (bytenr !== BigInt(offset)) throw corrupt(`superblock records its own offset as ${bytenr}`, S, offset + 0x30);
  const incompatFlags = v.u64le(0xbc);
  const fsidBytes = v.slice(0x20, 16).slice();
  const metadataUuid = (incompatFlags & INCOMPAT_METADATA_UUID) !== 0n ? v.slice(0x23b, 16).slice() : fsidBytes;
  const sectorSize = v.u32le(0x90);
  const nodeSize = v.u32le(0x94);
  if (!isPow2(sectorSize) || sectorSize < 4096 || sectorSize > 65536) throw corrupt(`bad sector size ${sectorSize}`, S, offset + 0x90);
  if (!isPow2(nodeSize) || nodeSize < sectorSize || nodeSize > 65536) throw corrupt(`bad node size ${nodeSize}`, S, offset + 0x94);
  const sysLen = v.u32le(0xa0);
  if (sysLen > 2048) throw corrupt(`sys_chunk_array size ${sysLen} exceeds 2048`, S, offset + 0xa0);
  const rootLevel = v.u8(0xc6);
  const chunkRootLevel = v.u8(0xc7);
  if (rootLevel >= MAX_LEVEL || chunkRootLevel >= MAX_LEVEL) throw corrupt('tree root level out of range', S, offset + 0xc6);
  const safe = (off: number, what: string): number => toSafe(v.u64le(off), what, S, offset + off);
  const root = safe(0x50, 'root tree address');
  const chunkRoot = safe(0x58, 'chunk tree address');
  if (root % sectorSize !== 0 || chunkRoot % sectorSize !== 0) throw corrupt('tree root is not sector aligned', S, offset + 0x50);
  const d = 0xc9;
  return {
    offset,
    fsid: uuidToString(fsidBytes),
    fsidBytes,
    metadataUuid,
    generation: v.u64le(0x48),
    root,
    chunkRoot,
    chunkRootGeneration: v.u64le(0xa4),
    logRoot: safe(0x60, 'log tree address'),
    totalBytes: safe(0x70, 'total bytes'),
    bytesUsed: safe(0x78, 'bytes used'),
    numDevices: safe(0x88, 'device count'),
    sectorSize,
    nodeSize,
    stripeSize: v.u32le(0x9c),
    sysChunkArray: v.slice(0x32b, sysLen).slice(),
    compatRoFlags: v.u64le(0xb4),
    incompatFlags,
    csumType,
    rootLevel,
    chunkRootLevel,
    devItem: {
      devid: v.u64le(d),
      totalBytes: safe(d + 8, 'device size'),
      uuid: uuidToString(v.slice(d + 66, 16)),
      fsid: uuidToString(v.slice(d + 82, 16)),
    },
    label: v.cstring(0x12b, 256),
  };
}

/** True when the primary superblock location carries the btrfs magic (cheap probe). */
export async function hasBtrfsMagic(dev: BlockDevice): Promise<boolean> {
  const off = SUPERBLOCK_OFFSETS[0] + 0x40;
  if (dev.size < off + 8) return false;
  return latin1(await dev.read(off, 8)) === MAGIC;
}

/**
 * Reads the primary superblock and the mirrors that fit on the device, and returns the valid
 * copy with the highest generation. Mirrors of another filesystem (a different fsid than a
 * valid primary) are ignored. Throws the primary's error when no copy is valid.
 */
export async function readSuperblock(dev: BlockDevice): Promise<{ sb: Superblock; warnings: string[] }> {
  const warnings: string[] = [];
  let primaryError: unknown;
  const valid: Superblock[] = [];
  for (const off of SUPERBLOCK_OFFSETS) {
    if (off + SUPERBLOCK_SIZE > dev.size) {
      if (off === SUPERBLOCK_OFFSETS[0]) primaryError = corrupt(`device of ${dev.size} bytes is too small for btrfs`, 'btrfs superblock', off);
      break;
    }
    try {
      valid.push(parseSuperblock(await dev.read(off, SUPERBLOCK_SIZE), off));
    } catch (err) {
      if (!(err instanceof GuestguardError)) throw err;
      if (off === SUPERBLOCK_OFFSETS[0]) primaryError = err;
      else if (valid.length > 0) warnings.push(`superblock mirror at ${off} is invalid: ${err.message}`);
    }
  }
  const primary = valid.find((s) => s.offset === SUPERBLOCK_OFFSETS[0]);
  const candidates = primary ? valid.filter((s) => s.fsid === primary.fsid) : valid;
  if (candidates.length === 0) throw primaryError ?? corrupt('no valid superblock', 'btrfs superblock', SUPERBLOCK_OFFSETS[0]);
  let best = candidates[0]!;
  for (const s of candidates) if (s.generation > best.generation) best = s;
  if (!primary) warnings.push(`primary superblock is invalid (${(primaryError as Error).message}); using the copy at ${best.offset}`);
  else if (best !== primary) warnings.push(`superblock mirror at ${best.offset} is newer than the primary; using it`);
  return { sb: best, warnings };
}
