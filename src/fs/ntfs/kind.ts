/**
 * What a node is, seen the way ntfs-3g's getattr sees it: reparse points first (symlinks,
 * junctions and WSL links are symlinks; WSL special files keep their type; other tags leave a
 * plain file or directory carrying the tag), then directories, then Interix special files
 * (SYSTEM attribute: FIFO, socket, device, symlink by size and magic), else a regular file.
 */
import { GuestguardError } from '../../errors.js';
import type { FileType } from '../types.js';
import * as C from './constants.js';
import { I30 } from './dir-index.js';
import { lxdev, parseEa } from './ea.js';
import { interixBySize, interixNeedsData, parseInterix } from './interix.js';
import type { NtfsNode } from './node.js';
import { isLinkTag, parseReparse, reparseTarget, wslSpecialType } from './reparse.js';
import type { NtfsVolume } from './volume.js';

export interface Kind {
  type: FileType;
  /** Stat size: data size, index allocation size, or the link target's UTF-8 length. */
  size: number;
  target?: string;
  /** A link whose target cannot be decoded is still a link; readlink reports this. */
  targetError?: GuestguardError;
  rdev?: { major: number; minor: number };
  reparseTag?: number;
}

const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

/** `fa`: the file attributes from $STANDARD_INFORMATION. */
export async function decideKind(vol: NtfsVolume, node: NtfsNode, fa: number): Promise<Kind> {
  let reparseTag: number | undefined;
  if (fa & C.FILE_ATTR_REPARSE_POINT && node.has(C.AT_REPARSE_POINT)) {
    const s = node.stream(C.AT_REPARSE_POINT)!;
    const rp = parseReparse(await vol.readAll(s, C.MAX_REPARSE_SIZE), s.label, s.extents[0]!.offset);
    reparseTag = rp.tag;
    if (isLinkTag(rp.tag)) {
      try {
        const target = reparseTarget(rp, s.label, s.extents[0]!.offset);
        return { type: 'symlink', size: utf8Length(target), target, reparseTag };
      } catch (err) {
        if (!(err instanceof GuestguardError)) throw err;
        return { type: 'symlink', size: 0, targetError: err, reparseTag };
      }
    }
    const special = wslSpecialType(rp.tag);
    if (special) {
      const k: Kind = { type: special, size: node.stream(C.AT_DATA)?.size ?? 0, reparseTag };
      if (special === 'chardev' || special === 'blockdev') {
        const ea = node.stream(C.AT_EA);
        const dev = ea ? lxdev(parseEa(await vol.readAll(ea, C.MAX_EA_SIZE), ea.label, ea.extents[0]!.offset)) : undefined;
        if (dev) k.rdev = dev;
      }
      return k;
    }
  }
  if (node.isDirectory) {
    const k: Kind = { type: 'dir', size: node.stream(C.AT_INDEX_ALLOCATION, I30)?.size ?? 0 };
    if (reparseTag !== undefined) k.reparseTag = reparseTag;
    return k;
  }
  const data = node.stream(C.AT_DATA);
  const k: Kind = { type: 'file', size: data?.size ?? 0 };
  if (reparseTag !== undefined) k.reparseTag = reparseTag;
  if (fa & C.FILE_ATTR_SYSTEM && data && reparseTag === undefined) {
    const bySize = interixBySize(data.size, (fa & C.FILE_ATTR_HIDDEN) !== 0);
    if (bySize) k.type = bySize;
    else if (interixNeedsData(data.size) && !data.encrypted) {
      const intx = parseInterix(await vol.reader.read(data, 0, data.size, false));
      if (intx) {
        k.type = intx.type;
        if (intx.rdev) k.rdev = intx.rdev;
        if (intx.target !== undefined) {
          k.target = intx.target;
          k.size = utf8Length(intx.target);
        }
      }
    }
  }
  return k;
}
