import { describe, expect, it } from 'vitest';
import { toRuns } from './mapping.js';

describe('toRuns', () => {
  it('merges physically consecutive pieces into one run and fills gaps with holes', () => {
    const runs = toRuns(0, 100, [
      { lblk: 0, len: 10, pblk: 500, uninit: false },
      { lblk: 10, len: 5, pblk: 510, uninit: false },
      { lblk: 15, len: 5, pblk: 900, uninit: false },
      { lblk: 30, len: 10, pblk: 910, uninit: false },
    ]);
    expect(runs).toEqual([
      { lblk: 0, len: 15, pblk: 500 },
      { lblk: 15, len: 5, pblk: 900 },
      { lblk: 20, len: 10, pblk: undefined },
      { lblk: 30, len: 10, pblk: 910 },
      { lblk: 40, len: 60, pblk: undefined },
    ]);
  });

  it('turns unwritten extents into holes and merges them with neighbouring holes', () => {
    expect(
      toRuns(5, 20, [
        { lblk: 8, len: 4, pblk: 100, uninit: true },
        { lblk: 12, len: 4, pblk: 104, uninit: false },
      ]),
    ).toEqual([
      { lblk: 5, len: 7, pblk: undefined },
      { lblk: 12, len: 4, pblk: 104 },
      { lblk: 16, len: 9, pblk: undefined },
    ]);
  });

  it('does not merge logically adjacent pieces that are not physically adjacent', () => {
    expect(toRuns(0, 2, [
      { lblk: 0, len: 1, pblk: 7, uninit: false },
      { lblk: 1, len: 1, pblk: 9, uninit: false },
    ])).toHaveLength(2);
  });
});
