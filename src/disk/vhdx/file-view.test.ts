import { describe, expect, it } from 'vitest';
import { Overlay } from './file-view.js';

describe('Overlay', () => {
  it('keeps later writes over earlier ones, cutting partial overlaps', () => {
    const o = new Overlay();
    o.write(0, 8192, new Uint8Array(8192).fill(1));
    o.write(4096, 4096, undefined); // zero the second half
    o.write(2048, 4096, new Uint8Array(4096).fill(3));
    const segs = o.segments.map((s) => [s.start, s.end, s.data ? s.data[0] : 0, s.data?.length ?? -1]);
    expect(segs).toEqual([
      [0, 2048, 1, 2048],
      [2048, 6144, 3, 4096],
      [6144, 8192, 0, -1],
    ]);
    expect(o.end).toBe(8192);
  });

  it('finds the first segment overlapping a range', () => {
    const o = new Overlay();
    o.write(4096, 4096, undefined);
    o.write(16384, 4096, new Uint8Array(4096));
    expect(o.find(0, 4096)).toBeUndefined();
    expect(o.find(0, 4097)?.start).toBe(4096);
    expect(o.find(8192, 8192)).toBeUndefined();
    expect(o.find(8192, 8193)?.start).toBe(16384);
    expect(o.find(20479, 10)?.start).toBe(16384);
  });
});
