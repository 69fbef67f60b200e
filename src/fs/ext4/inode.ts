import type { FileType } from '../types.js';
import * as C from './constants.js';
import { corrupt, view } from './errors.js';
import type { Superblock } from './superblock.js';

export interface Timestamp {
  sec: number;
  nsec: number;
}

export interface Inode {
  ino: number;
  /** Byte offset of the inode on the device, for error messages. */
  offset: number;
  mode: number;
  type: FileType | undefined;
  uid: number;
  gid: number;
  size: number;
  links: number;
  flags: number;
  /** 512-byte sectors (or filesystem blocks with HUGE_FILE_FL) charged to the inode. */
  blocks: number;
  fileAcl: number;
  atime: Timestamp;
  ctime: Timestamp;
  mtime: Timestamp;
  crtime: Timestamp | undefined;
  dtime: number;
  /** The 60-byte i_block area: extent root, block pointers, inline data or a fast symlink. */
  iBlock: Uint8Array;
  /** In-inode extended attribute area (after the extra fields), empty for 128-byte inodes. */
  xattrArea: Uint8Array;
  xattrAreaOffset: number;
}

const TYPES: Record<number, FileType> = {
  [C.S_IFREG]: 'file',
  [C.S_IFDIR]: 'dir',
  [C.S_IFLNK]: 'symlink',
  [C.S_IFCHR]: 'chardev',
  [C.S_IFBLK]: 'blockdev',
  [C.S_IFIFO]: 'fifo',
  [C.S_IFSOCK]: 'socket',
};

/** Parses one on-disk inode (`bytes` is exactly the superblock's inode size). */
export function parseInode(bytes: Uint8Array, ino: number, offset: number, sb: Superblock): Inode {
  const structure = `inode ${ino}`;
  const v = view(bytes, structure, offset);
  const mode = v.u16le(0x00);
  const sizeHi = v.u32le(0x6c);
  if (sizeHi >= 0x200000) throw corrupt(`file size high word ${sizeHi} is too large`, structure, offset + 0x6c);
  const size = v.u32le(0x04) + sizeHi * 2 ** 32;

  let extraEnd = C.GOOD_OLD_INODE_SIZE;
  if (bytes.length > C.GOOD_OLD_INODE_SIZE) {
    const extra = v.u16le(0x80);
    if (extra % 4 !== 0 || C.GOOD_OLD_INODE_SIZE + extra > bytes.length) {
      throw corrupt(`extra inode size ${extra} is invalid`, structure, offset + 0x80);
    }
    extraEnd = C.GOOD_OLD_INODE_SIZE + extra;
  }
  const has = (off: number) => off + 4 <= extraEnd;
  const time = (baseOff: number, extraOff: number): Timestamp => {
    let sec = v.i32le(baseOff);
    let nsec = 0;
    if (has(extraOff)) {
      const x = v.u32le(extraOff);
      sec += (x & 3) * 2 ** 32;
      nsec = x >>> 2;
      if (nsec > 999_999_999) nsec = 0;
    }
    return { sec, nsec };
  };

  let blocks = v.u32le(0x1c);
  const flags = v.u32le(0x20);
  if (sb.roCompat & C.RO_COMPAT_HUGE_FILE) {
    blocks += v.u16le(0x74) * 2 ** 32;
    if (flags & C.INODE_FLAG_HUGE_FILE) blocks *= sb.blockSize / 512;
  }
  const fileAcl = v.u32le(0x68) + (sb.incompat & C.INCOMPAT_64BIT ? v.u16le(0x76) * 2 ** 32 : 0);

  return {
    ino,
    offset,
    mode,
    type: TYPES[mode & C.S_IFMT],
    uid: v.u16le(0x02) + v.u16le(0x78) * 65536,
    gid: v.u16le(0x18) + v.u16le(0x7a) * 65536,
    size,
    links: v.u16le(0x1a),
    flags,
    blocks,
    fileAcl,
    atime: time(0x08, 0x8c),
    ctime: time(0x0c, 0x84),
    mtime: time(0x10, 0x88),
    crtime: has(0x90) ? time(0x90, 0x94) : undefined,
    dtime: v.u32le(0x14),
    iBlock: v.slice(C.I_BLOCK_OFFSET, C.I_BLOCK_SIZE),
    xattrArea: bytes.subarray(extraEnd),
    xattrAreaOffset: offset + extraEnd,
  };
}

/** Device number of a char/block device inode: old 8:8 encoding in word 0, else the new one in word 1. */
export function inodeRdev(inode: Inode): { major: number; minor: number } {
  const v = view(inode.iBlock, `inode ${inode.ino} device number`, inode.offset + C.I_BLOCK_OFFSET);
  const old = v.u32le(0);
  if (old !== 0) return { major: (old >>> 8) & 0xff, minor: old & 0xff };
  const nw = v.u32le(4);
  return { major: (nw >>> 8) & 0xfff, minor: (nw & 0xff) | ((nw >>> 12) & 0xfff00) };
}
