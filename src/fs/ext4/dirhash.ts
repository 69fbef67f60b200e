/**
 * The ext3/ext4 htree directory name hashes (legacy, half-MD4 and TEA, each in the historic
 * signed-char and the unsigned-char variant). Lookup must hash a name exactly as the kernel
 * did when it inserted it, so these follow the on-disk definition bit for bit.
 */
export const DX_HASH_LEGACY = 0;
export const DX_HASH_HALF_MD4 = 1;
export const DX_HASH_TEA = 2;
export const DX_HASH_LEGACY_UNSIGNED = 3;
export const DX_HASH_HALF_MD4_UNSIGNED = 4;
export const DX_HASH_TEA_UNSIGNED = 5;

const DEFAULT_SEED = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];

function charAt(name: Uint8Array, i: number, signed: boolean): number {
  const c = name[i]!;
  return signed && c >= 128 ? c - 256 : c;
}

function legacyHash(name: Uint8Array, signed: boolean): number {
  let hash0 = 0x12a3fe2d;
  let hash1 = 0x37abe8f9;
  for (let i = 0; i < name.length; i++) {
    let hash = (hash1 + ((hash0 ^ Math.imul(charAt(name, i, signed), 7152373)) >>> 0)) >>> 0;
    if (hash & 0x80000000) hash = (hash - 0x7fffffff) >>> 0;
    hash1 = hash0;
    hash0 = hash;
  }
  return (hash0 << 1) >>> 0;
}

/** Packs up to num*4 bytes of the name into num words, padded with a length-derived pattern. */
function strToHashBuf(name: Uint8Array, start: number, num: number, signed: boolean): number[] {
  let len = name.length - start;
  let pad = (len | (len << 8)) >>> 0;
  pad = (pad | (pad << 16)) >>> 0;
  const out: number[] = [];
  let val = pad;
  if (len > num * 4) len = num * 4;
  for (let i = 0; i < len; i++) {
    val = (charAt(name, start + i, signed) + ((val << 8) >>> 0)) >>> 0;
    if (i % 4 === 3) {
      out.push(val);
      val = pad;
    }
  }
  if (out.length < num) out.push(val);
  while (out.length < num) out.push(pad);
  return out;
}

const rol = (x: number, s: number) => ((x << s) | (x >>> (32 - s))) >>> 0;

function halfMd4(buf: number[], inp: number[]): void {
  let [a, b, c, d] = buf as [number, number, number, number];
  const F = (x: number, y: number, z: number) => (z ^ (x & (y ^ z))) >>> 0;
  const G = (x: number, y: number, z: number) => (((x & y) >>> 0) + (((x ^ y) & z) >>> 0)) >>> 0;
  const H = (x: number, y: number, z: number) => (x ^ y ^ z) >>> 0;
  const K2 = 0x5a827999;
  const K3 = 0x6ed9eba1;
  const x = (i: number) => inp[i]!;
  const R = (f: typeof F, p: number, q: number, r: number, s: number, v: number, k: number, sh: number) => rol((p + f(q, r, s) + v + k) >>> 0, sh);

  a = R(F, a, b, c, d, x(0), 0, 3); d = R(F, d, a, b, c, x(1), 0, 7);
  c = R(F, c, d, a, b, x(2), 0, 11); b = R(F, b, c, d, a, x(3), 0, 19);
  a = R(F, a, b, c, d, x(4), 0, 3); d = R(F, d, a, b, c, x(5), 0, 7);
  c = R(F, c, d, a, b, x(6), 0, 11); b = R(F, b, c, d, a, x(7), 0, 19);

  a = R(G, a, b, c, d, x(1), K2, 3); d = R(G, d, a, b, c, x(3), K2, 5);
  c = R(G, c, d, a, b, x(5), K2, 9); b = R(G, b, c, d, a, x(7), K2, 13);
  a = R(G, a, b, c, d, x(0), K2, 3); d = R(G, d, a, b, c, x(2), K2, 5);
  c = R(G, c, d, a, b, x(4), K2, 9); b = R(G, b, c, d, a, x(6), K2, 13);

  a = R(H, a, b, c, d, x(3), K3, 3); d = R(H, d, a, b, c, x(7), K3, 9);
  c = R(H, c, d, a, b, x(2), K3, 11); b = R(H, b, c, d, a, x(6), K3, 15);
  a = R(H, a, b, c, d, x(1), K3, 3); d = R(H, d, a, b, c, x(5), K3, 9);
  c = R(H, c, d, a, b, x(0), K3, 11); b = R(H, b, c, d, a, x(4), K3, 15);

  buf[0] = (buf[0]! + a) >>> 0;
  buf[1] = (buf[1]! + b) >>> 0;
  buf[2] = (buf[2]! + c) >>> 0;
  buf[3] = (buf[3]! + d) >>> 0;
}

function tea(buf: number[], inp: number[]): void {
  let sum = 0;
  let b0 = buf[0]!;
  let b1 = buf[1]!;
  const [a, b, c, d] = inp as [number, number, number, number];
  for (let n = 0; n < 16; n++) {
    sum = (sum + 0x9e3779b9) >>> 0;
    b0 = (b0 + ((((b1 << 4) >>> 0) + a) ^ (b1 + sum) ^ ((b1 >>> 5) + b))) >>> 0;
    b1 = (b1 + ((((b0 << 4) >>> 0) + c) ^ (b0 + sum) ^ ((b0 >>> 5) + d))) >>> 0;
  }
  buf[0] = (buf[0]! + b0) >>> 0;
  buf[1] = (buf[1]! + b1) >>> 0;
}

/**
 * Major hash of `name` for htree lookup (low bit cleared, as stored in index entries).
 * Returns undefined for hash versions this reader does not implement (siphash).
 */
export function dirHash(name: Uint8Array, version: number, seed: ArrayLike<number>): number | undefined {
  const buf = [...DEFAULT_SEED];
  let seeded = false;
  for (let i = 0; i < 4; i++) if (seed[i]) seeded = true;
  if (seeded) for (let i = 0; i < 4; i++) buf[i] = seed[i]! >>> 0;

  let hash: number;
  switch (version) {
    case DX_HASH_LEGACY:
    case DX_HASH_LEGACY_UNSIGNED:
      hash = legacyHash(name, version === DX_HASH_LEGACY);
      break;
    case DX_HASH_HALF_MD4:
    case DX_HASH_HALF_MD4_UNSIGNED:
      for (let p = 0; p < name.length; p += 32) halfMd4(buf, strToHashBuf(name, p, 8, version === DX_HASH_HALF_MD4));
      hash = buf[1]!;
      break;
    case DX_HASH_TEA:
    case DX_HASH_TEA_UNSIGNED:
      for (let p = 0; p < name.length; p += 16) tea(buf, strToHashBuf(name, p, 4, version === DX_HASH_TEA));
      hash = buf[0]!;
      break;
    default:
      return undefined;
  }
  hash = (hash & ~1) >>> 0;
  if (hash === 0xfffffffe) hash = 0xfffffffc;
  return hash;
}
