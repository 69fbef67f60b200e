import { FileSystemError } from '../../errors.js';
import { BinaryView } from '../../util/binary.js';
import type { FileType } from '../types.js';
import * as C from './constants.js';
import { corrupt, hex } from './errors.js';
import type { Superblock } from './superblock.js';

export interface Timestamp {
  sec: number;
  nsec: number;
}

/** A decoded inode core plus views of its forks (subarrays of the inode's own bytes). */
export interface Inode {
  ino: number;
  /** "inode 0x…", for error messages. */
  name: string;
  /** Byte offset of the inode on the device. */
  offset: number;
  version: number;
  mode: number;
  type: FileType;
  uid: number;
  gid: number;
  nlink: number;
  size: number;
  atime: Timestamp;
  mtime: Timestamp;
  ctime: Timestamp;
  crtime?: Timestamp;
  flags: number;
  flags2: number;
  format: number;
  aformat: number;
  nextents: number;
  anextents: number;
  dataFork: Uint8Array;
  dataForkOffset: number;
  /** Absent when the inode has no attribute fork (di_forkoff 0). */
  attrFork?: Uint8Array;
  attrForkOffset: number;
  /** Raw xfs_dev_t of device inodes. */
  rdev?: number;
}

export function inodeName(ino: number): string {
  return `inode ${hex(ino)}`;
}

const TYPES: Record<number, FileType> = {
  0o010000: 'fifo',
  0o020000: 'chardev',
  0o040000: 'dir',
  0o060000: 'blockdev',
  0o100000: 'file',
  0o120000: 'symlink',
  0o140000: 'socket',
};

const BIGTIME_EPOCH_OFFSET = 2n ** 31n;

function timestamp(v: BinaryView, off: number, bigtime: boolean): Timestamp {
  if (bigtime) {
    const ns = v.u64be(off);
    return { sec: Number(ns / 1_000_000_000n - BIGTIME_EPOCH_OFFSET), nsec: Number(ns % 1_000_000_000n) };
  }
  const sec = v.u32be(off) | 0;
  return { sec, nsec: v.u32be(off + 4) };
}

/** Decodes and checks one on-disk inode (`bytes` is exactly sb.inodeSize long). */
export function parseInode(sb: Superblock, ino: number, offset: number, bytes: Uint8Array): Inode {
  const name = inodeName(ino);
  const v = new BinaryView(bytes, name, offset, FileSystemError, 'CORRUPT_FILESYSTEM');
  if (v.u16be(0) !== C.XFS_DINODE_MAGIC) throw corrupt('bad inode magic (expected "IN")', name, offset);
  const mode = v.u16be(2);
  const version = v.u8(4);
  if (sb.version === 5 ? version !== 3 : version !== 1 && version !== 2) {
    throw corrupt(`inode version ${version} does not belong on a v${sb.version} filesystem`, name, offset + 4);
  }
  if (mode === 0) throw corrupt('inode is not in use (mode 0)', name, offset + 2);
  const type = TYPES[mode & 0o170000];
  if (type === undefined) throw corrupt(`bad file type in mode ${mode.toString(8)}`, name, offset + 2);
  if (version === 3) {
    const self = v.u64be(152);
    if (self !== BigInt(ino)) throw corrupt(`inode claims to be number ${hex(Number(self))}`, name, offset + 152);
  }
  const format = v.u8(5);
  const flags2 = version === 3 ? Number(v.u64be(120) & 0xffffffffn) : 0;
  const bigtime = (flags2 & C.DIFLAG2_BIGTIME) !== 0;
  const nrext64 = (flags2 & C.DIFLAG2_NREXT64) !== 0;
  const sizeRaw = v.u64be(56);
  if (sizeRaw >= 2n ** 63n) throw corrupt('negative file size', name, offset + 56);
  if (sizeRaw > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`file size ${sizeRaw} is too large`, name, offset + 56);
  const size = Number(sizeRaw);
  const nextents = nrext64 ? v.safe64be(24, 'di_big_nextents') : v.u32be(76);
  const anextents = nrext64 ? v.u32be(76) : v.u16be(80);
  const forkoff = v.u8(82);
  const aformat = v.u8(83);

  const core = version === 3 ? 176 : 100;
  const lit = sb.inodeSize - core;
  if (forkoff * 8 >= lit) throw corrupt(`attribute fork offset ${forkoff * 8} lies beyond the ${lit}-byte literal area`, name, offset + 82);
  const dataSize = forkoff ? forkoff * 8 : lit;

  const allowed: Record<FileType, number[]> = {
    file: [C.FMT_EXTENTS, C.FMT_BTREE],
    dir: [C.FMT_LOCAL, C.FMT_EXTENTS, C.FMT_BTREE],
    symlink: [C.FMT_LOCAL, C.FMT_EXTENTS, C.FMT_BTREE],
    chardev: [C.FMT_DEV],
    blockdev: [C.FMT_DEV],
    fifo: [C.FMT_DEV],
    socket: [C.FMT_DEV],
  };
  if (!allowed[type].includes(format)) throw corrupt(`data fork format ${format} is invalid for a ${type}`, name, offset + 5);
  if (forkoff && aformat !== C.FMT_LOCAL && aformat !== C.FMT_EXTENTS && aformat !== C.FMT_BTREE) {
    throw corrupt(`attribute fork format ${aformat} is invalid`, name, offset + 83);
  }

  const inode: Inode = {
    ino,
    name,
    offset,
    version,
    mode,
    type,
    uid: v.u32be(8),
    gid: v.u32be(12),
    nlink: version === 1 ? v.u16be(6) : v.u32be(16),
    size,
    atime: timestamp(v, 32, bigtime),
    mtime: timestamp(v, 40, bigtime),
    ctime: timestamp(v, 48, bigtime),
    flags: v.u16be(90),
    flags2,
    format,
    aformat: forkoff ? aformat : C.FMT_EXTENTS,
    nextents,
    anextents: forkoff ? anextents : 0,
    dataFork: v.slice(core, dataSize),
    dataForkOffset: offset + core,
    attrForkOffset: offset + core + forkoff * 8,
  };
  if (version === 3) inode.crtime = timestamp(v, 144, bigtime);
  if (forkoff) inode.attrFork = v.slice(core + forkoff * 8, lit - forkoff * 8);
  if (format === C.FMT_DEV) inode.rdev = v.u32be(core);
  return inode;
}
