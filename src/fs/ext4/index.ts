import type { BlockDevice } from '../../disk/block-device.js';
import { CachedDevice } from '../../disk/cached-device.js';
import type { FsOpenOptions } from '../types.js';
import * as C from './constants.js';
import { Ext4Driver } from './driver.js';
import { corrupt, fsError } from './errors.js';
import { JournalOverlayDevice } from './overlay-device.js';
import { parseSuperblock, type Superblock } from './superblock.js';

export { Ext4Driver } from './driver.js';

export interface Ext4OpenOptions extends FsOpenOptions {
  /** Replay a dirty journal in memory (default true). The image is never written. */
  replayJournal?: boolean;
  /** Size of the metadata block cache in bytes (default 32 MiB). */
  cacheBytes?: number;
}

const CACHE_BLOCK = 64 * 1024;

/** True when the device holds an ext2/3/4 filesystem (not an external journal device). */
export async function probeExt4(dev: BlockDevice): Promise<boolean> {
  if (dev.size < C.SUPERBLOCK_OFFSET + C.SUPERBLOCK_SIZE) return false;
  const b = await dev.read(C.SUPERBLOCK_OFFSET, C.SUPERBLOCK_SIZE);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint16(0x38, true) !== C.EXT4_MAGIC) return false;
  if (dv.getUint32(0x18, true) > 6) return false;
  return (dv.getUint32(0x60, true) & C.INCOMPAT_JOURNAL_DEV) === 0;
}

/**
 * Opens an ext2/ext3/ext4 filesystem read-only. A journal that needs recovery is replayed in
 * memory (reported in `warnings`); the device is only ever read.
 */
export async function openExt4(dev: BlockDevice, opts: Ext4OpenOptions = {}): Promise<Ext4Driver> {
  if (dev.size < C.SUPERBLOCK_OFFSET + C.SUPERBLOCK_SIZE) {
    throw fsError('UNSUPPORTED_FILESYSTEM', `${dev.name} is too small (${dev.size} bytes) to hold ext2/3/4`);
  }
  const cacheBytes = opts.cacheBytes ?? 32 * 1024 * 1024;
  let cached = new CachedDevice(dev, CACHE_BLOCK, cacheBytes);
  let sb = parseSuperblock(await cached.read(C.SUPERBLOCK_OFFSET, C.SUPERBLOCK_SIZE));
  const warnings = superblockWarnings(sb, dev);

  if (sb.incompat & C.INCOMPAT_RECOVER) {
    if (!(sb.compat & C.COMPAT_HAS_JOURNAL)) {
      warnings.push('needs_recovery is set but the filesystem has no journal');
    } else if (sb.journalInum === 0) {
      warnings.push('filesystem needs journal recovery but its journal is on an external device; showing the unrecovered state');
    } else if (opts.replayJournal === false) {
      warnings.push('filesystem needs journal recovery; replay disabled, showing the unrecovered state');
    } else {
      const result = await new Ext4Driver(cached, sb, []).replay();
      warnings.push(...result.warnings);
      warnings.push(
        `filesystem was not cleanly unmounted (needs_recovery): replayed ${result.transactions} journal transaction(s) in memory ` +
          `(${result.blocks.size} block(s), ${result.revoked} revoked copy(ies) skipped)`,
      );
      if (result.blocks.size > 0) {
        cached = new CachedDevice(new JournalOverlayDevice(dev, sb.blockSize, result.blocks), CACHE_BLOCK, cacheBytes);
        const replayed = parseSuperblock(await cached.read(C.SUPERBLOCK_OFFSET, C.SUPERBLOCK_SIZE));
        if (replayed.blockSize !== sb.blockSize || replayed.inodesCount !== sb.inodesCount) {
          throw corrupt('journal replay changed the filesystem geometry', 'ext4 superblock', C.SUPERBLOCK_OFFSET);
        }
        sb = replayed;
      }
    }
  }

  const fs = new Ext4Driver(cached, sb, warnings);
  const root = await fs.stat(C.ROOT_INO);
  if (root.type !== 'dir') throw corrupt('root inode 2 is not a directory', 'inode 2');
  return fs;
}

function superblockWarnings(sb: Superblock, dev: BlockDevice): string[] {
  const w: string[] = [];
  if (sb.checksumOk === false) w.push('superblock checksum mismatch');
  if (sb.state & C.STATE_ERROR) w.push('filesystem is marked as having errors');
  if (!(sb.state & C.STATE_VALID) && !(sb.compat & C.COMPAT_HAS_JOURNAL)) w.push('filesystem was not cleanly unmounted');
  const bytes = sb.blocksCount * sb.blockSize;
  if (bytes > dev.size) w.push(`filesystem claims ${bytes} bytes but the device has ${dev.size}: image truncated?`);
  return w;
}
