/** 100-ns intervals between 1601-01-01 and 1970-01-01. */
const EPOCH_DIFF = 116444736000000000n;
/** Dates JS can represent (±8.64e15 ms). */
const MAX_MS = 8_640_000_000_000_000n;

/** FILETIME → Date; undefined for 0 (never set) or values a Date cannot hold. */
export function filetimeToDate(ft: bigint): Date | undefined {
  if (ft === 0n) return undefined;
  const ms = (ft - EPOCH_DIFF) / 10000n;
  if (ms > MAX_MS || ms < -MAX_MS) return undefined;
  return new Date(Number(ms));
}
