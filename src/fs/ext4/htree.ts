import { dirHash } from './dirhash.js';
import { parseDirBlock } from './dirent.js';
import { corrupt, fsError, view } from './errors.js';
import type { BinaryView } from '../../util/binary.js';

/** What an htree lookup needs from the directory it searches. */
export interface DxDirectory {
  ino: number;
  blockSize: number;
  hasFileType: boolean;
  /** large_dir allows a third index level. */
  largeDir: boolean;
  unsignedHash: boolean;
  hashSeed: ArrayLike<number>;
  /** Reads logical block `lblk` of the directory (a hole is corruption). */
  block(lblk: number): Promise<{ bytes: Uint8Array; offset: number }>;
}

interface Level {
  v: BinaryView;
  at: number;
  count: number;
  idx: number;
}

/** Bounds one lookup's walk over hash-collision continuation blocks. */
const MAX_LEAVES = 256;

/**
 * Finds `name` through the directory's hash index: descend the dx_root/dx_node levels by
 * hash, scan the leaf, and follow into the next leaf only while it continues the same hash
 * (collisions). Throws on a malformed index so the caller can fall back to a linear scan.
 */
export async function dxLookup(dir: DxDirectory, name: Uint8Array): Promise<number | undefined> {
  const bs = dir.blockSize;
  const rootBlk = await dir.block(0);
  const structure = `directory inode ${dir.ino} htree root`;
  const rv = view(rootBlk.bytes, structure, rootBlk.offset);
  if (rv.u32le(0x18) !== 0) throw corrupt('htree root reserved field is not zero', structure, rootBlk.offset + 0x18);
  let version = rv.u8(0x1c);
  const infoLen = rv.u8(0x1d);
  const levels = rv.u8(0x1e);
  if (infoLen !== 8) throw corrupt(`htree root info length ${infoLen} is not 8`, structure, rootBlk.offset + 0x1d);
  if (levels >= (dir.largeDir ? 3 : 2)) throw corrupt(`htree has ${levels + 1} levels`, structure, rootBlk.offset + 0x1e);
  if (version <= 2 && dir.unsignedHash) version += 3;
  const hash = dirHash(name, version, dir.hashSeed);
  if (hash === undefined) throw fsError('UNSUPPORTED_FILESYSTEM', `htree hash version ${version} is not supported`, structure, rootBlk.offset + 0x1c);

  const path: Level[] = [];
  const enter = (v: BinaryView, at: number, idx: number | undefined): Level => {
    const limit = v.u16le(at);
    const count = v.u16le(at + 2);
    if (count === 0 || count > limit || at + limit * 8 > bs) throw corrupt(`htree node has ${count} of ${limit} entries`, v.structure, v.baseOffset + at);
    if (idx === undefined) {
      // Last entry whose hash is <= ours; entry 0 has an implicit hash of 0.
      let lo = 1;
      let hi = count - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (v.u32le(at + mid * 8) > hash) hi = mid - 1;
        else lo = mid + 1;
      }
      idx = lo - 1;
    }
    return { v, at, count, idx };
  };
  const childOf = (l: Level) => l.v.u32le(l.at + l.idx * 8 + 4) & 0x0fffffff;
  const node = async (lblk: number): Promise<BinaryView> => {
    const b = await dir.block(lblk);
    const v = view(b.bytes, `directory inode ${dir.ino} htree node (block ${lblk})`, b.offset);
    if (v.u32le(0) !== 0) throw corrupt('htree node does not start with an empty entry', v.structure, b.offset);
    return v;
  };

  path.push(enter(rv, 0x18 + infoLen, undefined));
  for (let l = 1; l <= levels; l++) path.push(enter(await node(childOf(path[l - 1]!)), 8, undefined));

  for (let leaves = 0; leaves < MAX_LEAVES; leaves++) {
    const leafBlk = childOf(path[levels]!);
    const leaf = await dir.block(leafBlk);
    let found: number | undefined;
    parseDirBlock(leaf.bytes, `directory inode ${dir.ino} block ${leafBlk}`, leaf.offset, bs, dir.hasFileType, (d) => {
      if (d.name.length === name.length && d.name.every((c, i) => c === name[i])) {
        found = d.ino;
        return true;
      }
      return false;
    });
    if (found !== undefined) return found;

    // Step to the next leaf in hash order; only worth it if it continues our hash (collision bit).
    let l = levels;
    while (l >= 0 && path[l]!.idx + 1 >= path[l]!.count) l--;
    if (l < 0) return undefined;
    const lv = path[l]!;
    lv.idx++;
    if ((lv.v.u32le(lv.at + lv.idx * 8) & ~1) >>> 0 !== hash) return undefined;
    for (let d = l + 1; d <= levels; d++) path[d] = enter(await node(childOf(path[d - 1]!)), 8, 0);
  }
  throw corrupt('htree hash collision chain is too long', structure, rootBlk.offset);
}
