/** The XFS name hash (xfs_da_hashname) used by directory and attribute indexes. */
export function daHashName(name: Uint8Array, fold = false): number {
  const at = (i: number): number => {
    const c = name[i]!;
    return fold && c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  };
  let hash = 0;
  let i = 0;
  let n = name.length;
  for (; n >= 4; n -= 4, i += 4) {
    hash = (at(i) << 21) ^ (at(i + 1) << 14) ^ (at(i + 2) << 7) ^ at(i + 3) ^ rol32(hash, 7 * 4);
  }
  switch (n) {
    case 3:
      hash = (at(i) << 14) ^ (at(i + 1) << 7) ^ at(i + 2) ^ rol32(hash, 7 * 3);
      break;
    case 2:
      hash = (at(i) << 7) ^ at(i + 1) ^ rol32(hash, 7 * 2);
      break;
    case 1:
      hash = at(i) ^ rol32(hash, 7);
      break;
  }
  return hash >>> 0;
}

function rol32(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}
