import type { BlockDevice } from '../../disk/block-device.js';
import { LruCache } from '../../util/lru.js';
import * as C from './constants.js';
import { corrupt, view } from './errors.js';
import { groupHasSuper, type Superblock } from './superblock.js';

export interface GroupDesc {
  inodeTable: number;
  flags: number;
  itableUnused: number;
}

/**
 * Group descriptors, read on demand (a large filesystem has megabytes of them) through the
 * cached device, honouring meta_bg placement and 32/64-byte descriptors.
 */
export class GroupTable {
  private readonly cache = new LruCache<number, GroupDesc>(4096);
  private readonly perBlock: number;
  readonly itableBlocks: number;

  constructor(
    private readonly dev: BlockDevice,
    private readonly sb: Superblock,
  ) {
    this.perBlock = sb.blockSize / sb.descSize;
    this.itableBlocks = Math.ceil((sb.inodesPerGroup * sb.inodeSize) / sb.blockSize);
  }

  /** Block holding descriptor `g`. */
  private descriptorBlock(g: number): number {
    const sb = this.sb;
    const nr = Math.floor(g / this.perBlock);
    // The superblock sits at byte 1024: block 1 with 1 KiB blocks, else block 0 (even when
    // bigalloc makes the first data block 0 on a 1 KiB-block filesystem).
    const sbBlock = sb.blockSize === 1024 ? 1 : 0;
    if (!(sb.incompat & C.INCOMPAT_META_BG) || nr < sb.firstMetaBg) return sbBlock + 1 + nr;
    const first = nr * this.perBlock;
    let hasSuper = groupHasSuper(sb, first) ? 1 : 0;
    if (sb.blockSize === 1024 && sb.firstDataBlock === 0) hasSuper++;
    return first * sb.blocksPerGroup + sb.firstDataBlock + hasSuper;
  }

  async get(g: number): Promise<GroupDesc> {
    const hit = this.cache.get(g);
    if (hit) return hit;
    const sb = this.sb;
    const block = this.descriptorBlock(g);
    const structure = `group descriptor ${g}`;
    if (block >= sb.blocksCount) throw corrupt(`descriptor block ${block} is beyond the filesystem`, structure);
    const offset = block * sb.blockSize + (g % this.perBlock) * sb.descSize;
    const v = view(await this.dev.read(offset, sb.descSize), structure, offset);
    const wide = sb.descSize >= 64;
    const inodeTable = v.u32le(0x08) + (wide ? v.u32le(0x28) * 2 ** 32 : 0);
    if (inodeTable === 0 || inodeTable + this.itableBlocks > sb.blocksCount) {
      throw corrupt(`inode table at block ${inodeTable} lies outside the filesystem`, structure, offset + 0x08);
    }
    const gd: GroupDesc = {
      inodeTable,
      flags: v.u16le(0x12),
      itableUnused: v.u16le(0x1c) + (wide ? v.u16le(0x32) * 65536 : 0),
    };
    this.cache.set(g, gd);
    return gd;
  }
}
