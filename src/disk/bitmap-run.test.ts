import { describe, expect, it } from 'vitest';
import { bitRun } from './bitmap-run.js';
import { LoadingCache, PagedTable } from './paged-table.js';

describe('bitRun', () => {
  it('counts runs most-significant-bit first (VHD) and least-significant-bit first (VHDX)', () => {
    const bm = Uint8Array.of(0b11100000, 0xff, 0x00, 0b00000001);
    expect(bitRun(bm, 0, 32, true)).toEqual({ set: true, count: 3 });
    expect(bitRun(bm, 3, 32, true)).toEqual({ set: false, count: 5 });
    expect(bitRun(bm, 8, 32, true)).toEqual({ set: true, count: 8 });
    expect(bitRun(bm, 16, 32, true)).toEqual({ set: false, count: 15 });
    expect(bitRun(bm, 0, 32, false)).toEqual({ set: false, count: 5 });
    expect(bitRun(bm, 5, 32, false)).toEqual({ set: true, count: 11 });
    expect(bitRun(bm, 24, 32, false)).toEqual({ set: true, count: 1 });
  });

  it('stops at maxBits and at the end of the bitmap', () => {
    const bm = new Uint8Array(4).fill(0xff);
    expect(bitRun(bm, 2, 5, true).count).toBe(5);
    expect(bitRun(bm, 30, 100, false).count).toBe(2);
  });
});

describe('PagedTable', () => {
  it('reads each page once, shares concurrent misses and rejects out-of-range entries', async () => {
    const reads: [number, number][] = [];
    const data = new Uint8Array(4096).map((_, i) => i & 0xff);
    const t = new PagedTable({
      read: async (o, l) => {
        reads.push([o, l]);
        return data.slice(o - 100, o - 100 + l);
      },
      offset: 100,
      entries: 1000,
      entrySize: 4,
      structure: 'test table',
      pageBytes: 1024,
    });
    const [a, b] = await Promise.all([t.u32le(1), t.u32le(2)]);
    expect(a).toBe(new DataView(data.buffer).getUint32(4, true));
    expect(b).toBe(new DataView(data.buffer).getUint32(8, true));
    await t.u32be(999);
    expect(reads).toEqual([
      [100, 1024],
      [100 + 3 * 1024, 1000 * 4 - 3 * 1024],
    ]);
    await expect(t.u32le(1000)).rejects.toMatchObject({ code: 'CORRUPT_IMAGE', structure: 'test table' });
  });

  it('LoadingCache forgets failed loads', async () => {
    const c = new LoadingCache<number, string>(2);
    await expect(c.get(1, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await c.get(1, async () => 'ok')).toBe('ok');
  });
});
