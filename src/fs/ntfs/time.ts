import { NTFS_EPOCH_OFFSET } from './constants.js';

export interface UnixTime {
  sec: number;
  nsec: number;
}

/**
 * NTFS time (100 ns units since 1601, signed) → Unix seconds (floor) and nanoseconds.
 * ntfs-3g truncates toward zero instead and zeroes the nanoseconds of pre-1970 times; the two
 * agree for every time with whole seconds and for all times after 1970.
 */
export function ntfsTimeToUnix(t: bigint): UnixTime {
  const rel = BigInt.asIntN(64, t) - NTFS_EPOCH_OFFSET;
  let sec = rel / 10_000_000n;
  let rem = rel % 10_000_000n;
  if (rem < 0n) {
    sec -= 1n;
    rem += 10_000_000n;
  }
  return { sec: Number(sec), nsec: Number(rem) * 100 };
}
