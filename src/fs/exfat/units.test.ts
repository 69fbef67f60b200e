/** Pure helpers: exFAT time arithmetic (the kernel's), up-case table decoding, set checksums and name hashes. */
import { describe, expect, it } from 'vitest';
import { prng } from '../fat/test-support.js';
import { nameHash, setChecksum } from './entries.js';
import { exfatTimeToUnix } from './time.js';
import { decodeUpcase, upcaseChecksum } from './upcase.js';

const stamp = (y: number, m: number, d: number, h: number, mi: number, s: number) =>
  ((((y - 1980) << 9) | (m << 5) | d) * 0x10000 + ((h << 11) | (mi << 5) | (s >> 1))) >>> 0;

describe('exfatTimeToUnix', () => {
  it('agrees with the calendar for every valid date', () => {
    const r = prng(11);
    for (let i = 0; i < 2000; i++) {
      const y = 1980 + Math.floor(r() * 128);
      const m = 1 + Math.floor(r() * 12);
      const d = 1 + Math.floor(r() * new Date(Date.UTC(y, m, 0)).getUTCDate());
      const [h, mi, s] = [Math.floor(r() * 24), Math.floor(r() * 60), 2 * Math.floor(r() * 30)];
      expect(exfatTimeToUnix(stamp(y, m, d, h, mi, s), 0, 0).sec, `${y}-${m}-${d}`).toBe(Date.UTC(y, m - 1, d, h, mi, s) / 1000);
    }
    expect(exfatTimeToUnix(stamp(2100, 3, 1, 0, 0, 0), 0, 0).sec).toBe(Date.UTC(2100, 2, 1) / 1000);
  });

  it('applies the 10 ms increment and a valid UTC offset', () => {
    const t = stamp(2020, 5, 6, 7, 8, 8);
    const utc = Date.UTC(2020, 4, 6, 7, 8, 8) / 1000;
    expect(exfatTimeToUnix(t, 150, 0)).toEqual({ sec: utc + 1, nsec: 500_000_000 });
    expect(exfatTimeToUnix(t, 0, 0x80 | 4).sec).toBe(utc - 3600); // local UTC+1:00
    expect(exfatTimeToUnix(t, 0, 0x80 | 0x7c).sec).toBe(utc + 3600); // local UTC-1:00
    expect(exfatTimeToUnix(t, 0, 0x04).sec).toBe(utc); // offset not valid: taken as UTC
  });
});

describe('up-case table', () => {
  it('expands the compressed form', () => {
    // Identity for 0x00-0x60, then a-z → A-Z, then identity for the rest.
    const words = [0xffff, 0x61];
    for (let c = 0x41; c <= 0x5a; c++) words.push(c);
    words.push(0xffff, 0x10000 - 0x7b);
    const data = new Uint8Array(words.length * 2);
    words.forEach((w, i) => data.set([w & 0xff, (w >> 8) & 0xff], i * 2));
    const map = decodeUpcase(data);
    expect(map[0x61]).toBe(0x41);
    expect(map[0x7a]).toBe(0x5a);
    expect(map[0x30]).toBe(0x30);
    expect(map[0xe4]).toBe(0xe4);
    // 0 → 1 → 0x80000000 + 0 + 2 → 0 + 0x40000001 + 3 (rotate right, add each byte).
    expect(upcaseChecksum(Uint8Array.of(1, 2, 3))).toBe(0x40000004);
  });
});

describe('entry set checksum and name hash', () => {
  it('skips the checksum field itself', () => {
    const set = new Uint8Array(96).fill(7);
    const a = setChecksum(set);
    set[2] = 0;
    set[3] = 0x55;
    expect(setChecksum(set)).toBe(a);
    set[4] = 0;
    expect(setChecksum(set)).not.toBe(a);
  });

  it('hashes up-cased UTF-16 units byte by byte', () => {
    expect(nameHash([])).toBe(0);
    // 0x41 → 0x0041, then the high byte 0: rotate (0x8000 + 0x20) + 0.
    expect(nameHash([0x41])).toBe(0x8020);
    expect(nameHash([0x41, 0x42])).not.toBe(nameHash([0x42, 0x41]));
  });
});
