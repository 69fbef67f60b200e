/**
 * Grain directory and grain table entry encodings. Tables are decoded once into Float64Arrays
 * of sectors (or the markers below), so the mapping code is the same for every sparse flavour.
 */

export const UNALLOCATED = 0;
/** Grain reads as zeros without consulting the parent. */
export const ZERO = -1;
/** Entry that no valid image contains; an error when a read reaches it. */
export const INVALID = -2;

export interface TableCodec {
  readonly entryBytes: 4 | 8;
  /** GD entry `i` → sector of its grain table, UNALLOCATED or INVALID. */
  gde(dv: DataView, i: number): number;
  /** GT entry `i` → sector of the grain, UNALLOCATED, ZERO or INVALID. */
  gte(dv: DataView, i: number): number;
}

/** KDMV and COWD: 32-bit sector numbers; GTE 1 is VMware's zeroed grain (sector 1 is never a grain). */
export const HOSTED_CODEC: TableCodec = {
  entryBytes: 4,
  gde: (dv, i) => dv.getUint32(i * 4, true),
  gte: (dv, i) => {
    const v = dv.getUint32(i * 4, true);
    return v === 1 ? ZERO : v;
  },
};

/**
 * ESXi seSparse: 64-bit entries tagged in the top nibble. GD entries hold a grain table index
 * (tag 0x10000000 in the high word); GTEs are 0 (unallocated), 1/2 (unmapped/zero) or
 * 3 (allocated, cluster number split across two fields).
 */
export function seSparseCodec(gtBaseSector: number, gtSectors: number, grainBaseSector: number, grainSectors: number): TableCodec {
  return {
    entryBytes: 8,
    gde: (dv, i) => {
      const lo = dv.getUint32(i * 8, true);
      const hi = dv.getUint32(i * 8 + 4, true);
      if (hi === 0 && lo === 0) return UNALLOCATED;
      if (hi !== 0x10000000) return INVALID;
      return gtBaseSector + lo * gtSectors;
    },
    gte: (dv, i) => {
      const lo = dv.getUint32(i * 8, true);
      const hi = dv.getUint32(i * 8 + 4, true);
      switch (hi >>> 28) {
        case 0:
          return hi === 0 && lo === 0 ? UNALLOCATED : INVALID;
        case 1: // SCSI-unmapped
        case 2: // zeroed
          return ZERO;
        case 3: {
          const cluster = ((hi >>> 16) & 0xfff) + ((hi & 0xffff) * 2 ** 32 + lo) * 4096;
          const sector = grainBaseSector + cluster * grainSectors;
          return Number.isSafeInteger(sector * 512) ? sector : INVALID;
        }
        default:
          return INVALID;
      }
    },
  };
}

/** Decodes `n` entries with one of the codec's decoders. */
export function decodeTable(bytes: Uint8Array, n: number, decode: (dv: DataView, i: number) => number): Float64Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = decode(dv, i);
  return out;
}
