/**
 * Reparse points ($REPARSE_POINT) and how their link targets map to guest paths.
 *
 * Mapping of targets (ntfs-3g's default mount shown for comparison):
 * - relative symlinks ("..\dir\file", flag 1): backslashes become slashes — same as ntfs-3g
 *   (which also corrects the case of components it finds).
 * - drive-absolute targets ("\??\C:\Users\x" of junctions and symlinks, "C:\x" and "\x" with
 *   the relative flag): "/Users/x", i.e. relative to the root of this volume, which is what the
 *   VFS resolves absolute links against. ntfs-3g prints "<mountpoint>/Users/x" when the target
 *   exists on the volume and "<mountpoint>/.NTFS-3G/C:/Users/x" when it does not; we do not
 *   guess which drive letter this volume had, so the drive is always dropped.
 * - volume-GUID junctions ("\??\Volume{guid}\x") and other device paths (UNC): placed under
 *   "/.NTFS-3G/" as ntfs-3g does ("/.NTFS-3G/Volume{guid}/x"), i.e. dangling unless the user
 *   provides that directory.
 * - WSL symlinks (IO_REPARSE_TAG_LX_SYMLINK): the UTF-8 target as stored.
 */
import {
  IO_REPARSE_TAG_AF_UNIX,
  IO_REPARSE_TAG_LX_BLK,
  IO_REPARSE_TAG_LX_CHR,
  IO_REPARSE_TAG_LX_FIFO,
  IO_REPARSE_TAG_LX_SYMLINK,
  IO_REPARSE_TAG_MOUNT_POINT,
  IO_REPARSE_TAG_SYMLINK,
  SYMLINK_FLAG_RELATIVE,
} from './constants.js';
import { corrupt, utf16, view } from './errors.js';
import type { FileType } from '../types.js';

export interface ReparsePoint {
  tag: number;
  data: Uint8Array;
}

export function parseReparse(b: Uint8Array, structure: string, offset: number): ReparsePoint {
  const v = view(b, structure, offset);
  const tag = v.u32le(0);
  const length = v.u16le(4);
  // Non-Microsoft tags carry a 16-byte GUID before the data.
  const header = tag & 0x80000000 ? 8 : 24;
  if (header + length > b.length) throw corrupt(`reparse data of ${length} bytes runs past the ${b.length}-byte attribute`, structure, offset + 4);
  return { tag, data: b.subarray(header, header + length) };
}

export const isLinkTag = (tag: number) => tag === IO_REPARSE_TAG_SYMLINK || tag === IO_REPARSE_TAG_MOUNT_POINT || tag === IO_REPARSE_TAG_LX_SYMLINK;

/** File type of the WSL special-file tags, or undefined. */
export function wslSpecialType(tag: number): FileType | undefined {
  switch (tag) {
    case IO_REPARSE_TAG_AF_UNIX:
      return 'socket';
    case IO_REPARSE_TAG_LX_FIFO:
      return 'fifo';
    case IO_REPARSE_TAG_LX_CHR:
      return 'chardev';
    case IO_REPARSE_TAG_LX_BLK:
      return 'blockdev';
    default:
      return undefined;
  }
}

/** The guest-path target of a symlink, junction or WSL symlink reparse point. */
export function reparseTarget(rp: ReparsePoint, structure: string, offset: number): string {
  const v = view(rp.data, structure, offset);
  if (rp.tag === IO_REPARSE_TAG_LX_SYMLINK) {
    if (v.u32le(0) !== 2) throw corrupt(`WSL symlink version ${v.u32le(0)} is not 2`, structure, offset);
    return new TextDecoder().decode(rp.data.subarray(4));
  }
  const isSymlink = rp.tag === IO_REPARSE_TAG_SYMLINK;
  const pathBuffer = isSymlink ? 12 : 8;
  const name = (off: number, len: number) => {
    if (len & 1 || pathBuffer + off + len > rp.data.length) throw corrupt(`name (${len} bytes at ${off}) lies outside the reparse data`, structure, offset);
    return utf16(v, pathBuffer + off, len);
  };
  let target = name(v.u16le(0), v.u16le(2));
  if (target === '') target = name(v.u16le(4), v.u16le(6));
  if (target === '') throw corrupt('link has an empty target', structure, offset);
  const relative = isSymlink && (v.u32le(8) & SYMLINK_FLAG_RELATIVE) !== 0 && !target.startsWith('\\') && !/^[A-Za-z]:\\/.test(target);
  return relative ? target.replaceAll('\\', '/') : mapAbsolute(target);
}

/** "\??\C:\x", "C:\x", "\x" → "/x"; device paths → "/.NTFS-3G/…". */
export function mapAbsolute(target: string): string {
  let t = target;
  if (t.startsWith('\\??\\') || t.startsWith('\\\\?\\')) t = t.slice(4);
  const drive = /^[A-Za-z]:(\\|$)/.exec(t);
  let out: string;
  if (drive) out = t.slice(2);
  else if (t.startsWith('\\') && !target.startsWith('\\??\\') && !target.startsWith('\\\\')) out = t;
  else out = `\\.NTFS-3G\\${t.replace(/^\\+/, '').replace(/\\+$/, '')}`;
  out = out.replaceAll('\\', '/');
  return out.startsWith('/') ? out : `/${out}`;
}
