import { FileSystemError, GuestguardError } from '../../errors.js';
import { BinaryView } from '../../util/binary.js';
import { readForkBlocks, type XfsContext } from './bmap.js';
import { SGI_ACL_DEFAULT, SGI_ACL_FILE, xfsAclToPosixXattr } from './acl.js';
import * as C from './constants.js';
import { corrupt, hex } from './errors.js';
import type { Inode } from './inode.js';

/** Bounds the blocks one attribute listing may visit. */
const MAX_ATTR_BLOCKS = 1 << 16;
/** Bounds the memory one attribute listing may take. */
const MAX_TOTAL_BYTES = 64 << 20;
const utf8 = new TextDecoder();

interface RawAttr {
  flags: number;
  name: Uint8Array;
  value: Uint8Array;
  structure: string;
  offset: number;
}

/** All extended attributes of an inode, with Linux namespace prefixes. */
export async function listXattrs(ctx: XfsContext, inode: Inode): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  if (!inode.attrFork) return out;
  let total = 0;
  const add = (a: RawAttr): void => {
    if (a.flags & (C.ATTR_INCOMPLETE | C.ATTR_PARENT)) return; // half-made, or parent pointers (not user xattrs)
    total += a.value.length + a.name.length;
    if (total > MAX_TOTAL_BYTES) throw new GuestguardError('LIMIT_EXCEEDED', `attributes of ${inode.name} exceed ${MAX_TOTAL_BYTES} bytes`);
    const name = utf8.decode(a.name);
    if (a.flags & C.ATTR_ROOT) {
      // Linux lists ACLs twice: raw as trusted.SGI_ACL_*, and converted as system.posix_acl_*.
      if (name === SGI_ACL_FILE) out.set('system.posix_acl_access', xfsAclToPosixXattr(a.value, a.structure, a.offset));
      else if (name === SGI_ACL_DEFAULT) out.set('system.posix_acl_default', xfsAclToPosixXattr(a.value, a.structure, a.offset));
      out.set(`trusted.${name}`, a.value);
    } else if (a.flags & C.ATTR_SECURE) out.set(`security.${name}`, a.value);
    else out.set(`user.${name}`, a.value);
  };
  if (inode.aformat === C.FMT_LOCAL) {
    for (const a of shortformAttrs(inode)) add(a);
    return out;
  }
  if (inode.aformat === C.FMT_EXTENTS && inode.anextents === 0) return out;
  const state = { visited: new Set<number>() };
  await walkAttrTree(ctx, inode, 0, C.DA_NODE_MAXDEPTH + 1, 0, state, add);
  return out;
}

function* shortformAttrs(inode: Inode): Generator<RawAttr> {
  const fork = inode.attrFork!;
  const structure = `shortform attributes of ${inode.name}`;
  const base = inode.attrForkOffset;
  const v0 = new BinaryView(fork, structure, base, FileSystemError, 'CORRUPT_FILESYSTEM');
  const totsize = v0.u16be(0);
  if (totsize < 4 || totsize > fork.length) throw corrupt(`shortform attribute size ${totsize} does not fit the ${fork.length}-byte fork`, structure, base);
  const v = new BinaryView(fork.subarray(0, totsize), structure, base, FileSystemError, 'CORRUPT_FILESYSTEM');
  const count = v.u8(2);
  let pos = 4;
  for (let i = 0; i < count; i++) {
    const namelen = v.u8(pos);
    const valuelen = v.u8(pos + 1);
    const flags = v.u8(pos + 2);
    if (namelen === 0) throw corrupt('attribute with empty name', structure, base + pos);
    yield { flags, name: v.slice(pos + 3, namelen), value: v.slice(pos + 3 + namelen, valuelen).slice(), structure, offset: base + pos };
    pos += 3 + namelen + valuelen;
  }
}

interface WalkState {
  visited: Set<number>;
}

/** Visits every leaf under `dablk`, following each child pointer (not sibling links). */
async function walkAttrTree(ctx: XfsContext, inode: Inode, dablk: number, parentLevel: number, depth: number, state: WalkState, add: (a: RawAttr) => void): Promise<void> {
  const sb = ctx.sb;
  const tree = `attribute tree of ${inode.name}`;
  if (depth > C.DA_NODE_MAXDEPTH) throw corrupt('attribute B-tree is too deep', tree);
  if (state.visited.has(dablk)) throw corrupt(`attribute block ${dablk} is referenced twice`, tree);
  if (state.visited.size >= MAX_ATTR_BLOCKS) throw new GuestguardError('LIMIT_EXCEEDED', `${tree} has too many blocks`);
  state.visited.add(dablk);
  const blk = await readForkBlocks(ctx, inode, 'attr', dablk, 1, `attribute block ${dablk}`);
  const structure = `attribute block at ${blk.offset} of ${inode.name}`;
  const v = new BinaryView(blk.bytes, structure, blk.offset, FileSystemError, 'CORRUPT_FILESYSTEM');
  const magic = v.u16be(8);
  if (sb.hasCrc && v.u64be(48) !== BigInt(inode.ino)) throw corrupt('attribute block belongs to another inode', structure, blk.offset + 48);
  if (magic === (sb.hasCrc ? C.DA3_NODE_MAGIC : C.DA_NODE_MAGIC)) {
    const count = sb.hasCrc ? v.u16be(56) : v.u16be(12);
    const level = sb.hasCrc ? v.u16be(58) : v.u16be(14);
    const at = sb.hasCrc ? 64 : 16;
    if (level < 1 || level >= parentLevel) throw corrupt(`attribute B-tree node has bad level ${level}`, structure, blk.offset);
    if (count === 0 || at + count * 8 > v.length) throw corrupt(`attribute node holds a bad entry count ${count}`, structure, blk.offset);
    for (let i = 0; i < count; i++) {
      await walkAttrTree(ctx, inode, v.u32be(at + i * 8 + 4), level, depth + 1, state, add);
    }
    return;
  }
  if (magic !== (sb.hasCrc ? C.ATTR3_LEAF_MAGIC : C.ATTR_LEAF_MAGIC)) throw corrupt(`bad attribute block magic ${hex(magic)}`, structure, blk.offset + 8);
  const count = sb.hasCrc ? v.u16be(56) : v.u16be(12);
  const at = sb.hasCrc ? 80 : 32;
  if (at + count * 8 > v.length) throw corrupt(`attribute leaf holds too many entries (${count})`, structure, blk.offset);
  for (let i = 0; i < count; i++) {
    const e = at + i * 8;
    const nameidx = v.u16be(e + 4);
    const flags = v.u8(e + 6);
    if (nameidx < at + count * 8 || nameidx >= v.length) throw corrupt(`attribute entry ${i} name offset ${nameidx} is out of range`, structure, blk.offset + e);
    if (flags & C.ATTR_LOCAL) {
      const valuelen = v.u16be(nameidx);
      const namelen = v.u8(nameidx + 2);
      if (namelen === 0) throw corrupt('attribute with empty name', structure, blk.offset + nameidx);
      const name = v.slice(nameidx + 3, namelen);
      add({ flags, name, value: v.slice(nameidx + 3 + namelen, valuelen).slice(), structure, offset: blk.offset + nameidx });
    } else {
      const valueblk = v.u32be(nameidx);
      const valuelen = v.u32be(nameidx + 4);
      const namelen = v.u8(nameidx + 8);
      if (namelen === 0) throw corrupt('attribute with empty name', structure, blk.offset + nameidx);
      const name = v.slice(nameidx + 9, namelen);
      if (flags & (C.ATTR_INCOMPLETE | C.ATTR_PARENT)) continue;
      const value = await readRemoteValue(ctx, inode, valueblk, valuelen, structure, blk.offset + nameidx);
      add({ flags, name, value, structure, offset: blk.offset + nameidx });
    }
  }
}

/** Remote values span whole blocks; on v5 each block starts with an XARM header. */
async function readRemoteValue(ctx: XfsContext, inode: Inode, valueblk: number, valuelen: number, structure: string, offset: number): Promise<Uint8Array> {
  const sb = ctx.sb;
  if (valuelen > C.XATTR_SIZE_MAX) throw corrupt(`remote attribute value of ${valuelen} bytes exceeds 64 KiB`, structure, offset);
  if (valuelen === 0) return new Uint8Array(0);
  const space = sb.hasCrc ? sb.blockSize - C.REMOTE_HDR_V5 : sb.blockSize;
  const nblocks = Math.ceil(valuelen / space);
  const blk = await readForkBlocks(ctx, inode, 'attr', valueblk, nblocks, `remote attribute value at block ${valueblk}`);
  if (!sb.hasCrc) return blk.bytes.slice(0, valuelen);
  return unwrapRemote(blk.bytes, sb.blockSize, valuelen, C.ATTR3_RMT_MAGIC, inode.ino, `remote attribute value of ${inode.name}`, blk.offset);
}

/** Strips the per-block headers of v5 remote attribute value blocks. */
function unwrapRemote(bytes: Uint8Array, blockSize: number, total: number, magic: number, ino: number, structure: string, offset: number): Uint8Array {
  const v = new BinaryView(bytes, structure, offset, FileSystemError, 'CORRUPT_FILESYSTEM');
  const space = blockSize - C.REMOTE_HDR_V5;
  const out = new Uint8Array(total);
  for (let i = 0, done = 0; done < total; i++) {
    const b = i * blockSize;
    const want = Math.min(space, total - done);
    if (v.u32be(b) !== magic) throw corrupt(`bad remote block magic ${hex(v.u32be(b))}`, structure, offset + b);
    if (v.u32be(b + 4) !== done || v.u32be(b + 8) !== want) throw corrupt('remote block header does not match its position', structure, offset + b);
    if (v.u64be(b + 32) !== BigInt(ino)) throw corrupt('remote block belongs to another inode', structure, offset + b + 32);
    out.set(v.slice(b + C.REMOTE_HDR_V5, want), done);
    done += want;
  }
  return out;
}
