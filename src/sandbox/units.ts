/** Parsing of the human sizes and durations the CLI and policies accept. */
import { GuestguardError } from '../errors.js';

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4 };
const TIME_UNITS: Record<string, number> = { ms: 1, s: 1000, '': 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** "512M", "1.5G", "64k", "4096" → bytes (binary units). */
export function parseSize(text: string, what = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new GuestguardError('INVALID_ARGUMENT', `invalid ${what} "${text}" (e.g. 512M, 2G, 65536)`);
  const bytes = Math.floor(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new GuestguardError('INVALID_ARGUMENT', `invalid ${what} "${text}"`);
  return bytes;
}

/** "30s", "500ms", "2m", "1h", "10" (seconds) → milliseconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? TIME_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new GuestguardError('INVALID_ARGUMENT', `invalid ${what} "${text}" (e.g. 30s, 500ms, 2m)`);
  const ms = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new GuestguardError('INVALID_ARGUMENT', `invalid ${what} "${text}"`);
  return ms;
}

export function parseCount(text: string, what: string): number {
  if (!/^\s*\d+\s*$/.test(text) || Number(text) <= 0 || !Number.isSafeInteger(Number(text))) {
    throw new GuestguardError('INVALID_ARGUMENT', `invalid ${what} "${text}" (a positive integer)`);
  }
  return Number(text);
}
