/**
 * The exFAT up-case table: the volume's own rule for case-insensitive name comparison and
 * name hashes. Stored compressed (0xFFFF n = "the next n characters map to themselves") with
 * a 32-bit checksum. A missing or damaged table falls back to simple Unicode upper-casing,
 * as Linux falls back to its built-in table.
 */
import { simpleUpperUnit } from '../fat/names.js';

/** Largest table we accept: a full uncompressed table is 128 KiB. */
export const MAX_UPCASE_BYTES = 2 * 65536 + 1024;

export function upcaseChecksum(data: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum = ((sum & 1 ? 0x80000000 : 0) + (sum >>> 1) + data[i]!) >>> 0;
  return sum;
}

/** Expands a compressed table into a 65536-entry map (identity where the table says nothing). */
export function decodeUpcase(data: Uint8Array): Uint16Array {
  const map = new Uint16Array(65536);
  for (let i = 0; i < 65536; i++) map[i] = i;
  let index = 0;
  let skip = false;
  for (let p = 0; p + 1 < data.length && index < 65536; p += 2) {
    const u = data[p]! | (data[p + 1]! << 8);
    if (skip) {
      index += u;
      skip = false;
    } else if (u === index) {
      index++;
    } else if (u === 0xffff) {
      skip = true;
    } else {
      map[index++] = u;
    }
  }
  return map;
}

export type Upcase = (unit: number) => number;

export function tableUpcase(map: Uint16Array): Upcase {
  return (u) => map[u] ?? u;
}

export const fallbackUpcase: Upcase = simpleUpperUnit;
