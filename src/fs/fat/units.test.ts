/** Pure helpers: FAT time arithmetic (the kernel's), 8.3 names, LFN checksums, UTF-16 and case folding. */
import { describe, expect, it } from 'vitest';
import { decodeCp437, foldName, formatShortName, lfnChecksum, NT_LOWER_BASE, NT_LOWER_EXT, utf16UnitsToString } from './names.js';
import { fatTimeToUnix } from './time.js';
import { prng } from './test-support.js';

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const fatDate = (y: number, m: number, d: number) => ((y - 1980) << 9) | (m << 5) | d;
const fatTime = (h: number, mi: number, s: number) => (h << 11) | (mi << 5) | (s >> 1);

describe('fatTimeToUnix', () => {
  it('agrees with the calendar for every valid date, including 2100 (not a leap year)', () => {
    const r = prng(7);
    const samples: [number, number, number, number, number, number][] = [
      [1980, 1, 1, 0, 0, 0],
      [2000, 2, 29, 12, 30, 58],
      [2024, 2, 29, 23, 59, 58],
      [2100, 2, 28, 10, 0, 0],
      [2100, 3, 1, 0, 0, 2],
      [2107, 12, 31, 23, 59, 58],
    ];
    for (let i = 0; i < 2000; i++) {
      const y = 1980 + Math.floor(r() * 128);
      const m = 1 + Math.floor(r() * 12);
      const d = 1 + Math.floor(r() * new Date(Date.UTC(y, m, 0)).getUTCDate());
      samples.push([y, m, d, Math.floor(r() * 24), Math.floor(r() * 60), 2 * Math.floor(r() * 30)]);
    }
    for (const [y, m, d, h, mi, s] of samples) {
      expect(fatTimeToUnix(fatTime(h, mi, s), fatDate(y, m, d)), `${y}-${m}-${d}`).toEqual({ sec: Date.UTC(y, m - 1, d, h, mi, s) / 1000, nsec: 0 });
    }
  });

  it('handles out-of-range fields the way Linux does', () => {
    expect(fatTimeToUnix(0, 0).sec).toBe(Date.UTC(1980, 0, 1) / 1000); // month/day 0 count as 1
    expect(fatTimeToUnix(0, fatDate(2001, 13, 1)).sec).toBe(Date.UTC(2001, 11, 1) / 1000); // month 13 clamps to December
    expect(fatTimeToUnix(30, fatDate(2001, 1, 1)).sec).toBe(Date.UTC(2001, 0, 1, 0, 1, 0) / 1000); // "60 seconds"
  });

  it('adds the 10 ms creation-time increment', () => {
    expect(fatTimeToUnix(fatTime(1, 2, 4), fatDate(2020, 5, 6), 199)).toEqual({ sec: Date.UTC(2020, 4, 6, 1, 2, 5) / 1000, nsec: 990_000_000 });
  });
});

describe('8.3 names', () => {
  it('formats names and honours the NT lowercase flags', () => {
    expect(formatShortName(enc('README  TXT'), 0)).toBe('README.TXT');
    expect(formatShortName(enc('README  TXT'), NT_LOWER_BASE | NT_LOWER_EXT)).toBe('readme.txt');
    expect(formatShortName(enc('LOWER   TXT'), NT_LOWER_BASE)).toBe('lower.TXT');
    expect(formatShortName(enc('UP      TXT'), NT_LOWER_EXT)).toBe('UP.txt');
    expect(formatShortName(enc('NOEXT      '), 0)).toBe('NOEXT');
  });

  it('decodes code page 437 and the 0x05 stand-in for 0xE5', () => {
    expect(decodeCp437(Uint8Array.of(0x80, 0x81, 0xe1, 0xff))).toBe('Çüß\u00a0');
    expect(formatShortName(Uint8Array.of(0x05, 0x41, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20), 0)).toBe('σA');
  });

  it('computes the LFN checksum mtools wrote', () => {
    // From an mtools-made image: LFN slots for "_EMOJI~1.TXT" carry checksum 0xDA.
    expect(lfnChecksum(enc('_EMOJI~1TXT'))).toBe(0xda);
  });
});

describe('UTF-16 and folding', () => {
  it('joins surrogate pairs and replaces unpaired halves', () => {
    expect(utf16UnitsToString([0xd83c, 0xdf89, 0x41])).toBe('🎉A');
    expect(utf16UnitsToString([0xd83c, 0x41, 0xdf89])).toBe('\ufffdA\ufffd');
    expect(utf16UnitsToString([0x41, 0x42, 0], 2)).toBe('AB');
  });

  it('upper-cases one unit to one unit', () => {
    expect(foldName('ärger über öl.txt')).toBe('ÄRGER ÜBER ÖL.TXT');
    expect(foldName('файл')).toBe('ФАЙЛ');
    expect(foldName('straße')).toBe('STRAßE'); // "SS" would change the length
  });
});
