import { describe, expect, it } from 'vitest';
import { FileSystemError } from '../../errors.js';
import { parseDirItems, parseFileExtent, parseInodeItem } from './items.js';

const key = { objectid: 257n, type: 1, offset: 0n };

describe('btrfs item parsers', () => {
  it('reads inode items, with signed times and sizes that must be safe integers', () => {
    const b = new Uint8Array(160);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(16, 12345n, true);
    dv.setUint32(52, 0o100644, true);
    dv.setBigInt64(136, -1n, true); // mtime one second before 1970
    dv.setUint32(144, 2_000_000_000, true); // nsec out of range is clamped
    dv.setBigInt64(112, 2n ** 62n, true); // atime far beyond 2^53 seconds
    dv.setBigInt64(124, -(2n ** 60n), true);
    const inode = parseInodeItem(b, 1000);
    expect(inode.size).toBe(12345);
    expect(inode.mtime).toEqual({ sec: -1, nsec: 999_999_999 });
    expect(inode.atime.sec).toBe(Number(2n ** 62n));
    expect(inode.ctime.sec).toBe(Number(-(2n ** 60n)));
    dv.setBigUint64(16, 2n ** 53n, true);
    expect(() => parseInodeItem(b, 1000)).toThrow(expect.objectContaining({ code: 'CORRUPT_FILESYSTEM', message: expect.stringContaining('inode size 9007199254740992 is too large'), offset: 1016 }));
    expect(() => parseInodeItem(b.subarray(0, 159), 1000)).toThrow(/inode item is 159 bytes/);
  });

  it('reads regular and inline file extents, checking every address', () => {
    const b = new Uint8Array(53);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(8, 8192n, true);
    b[20] = 1; // regular
    dv.setBigUint64(21, 1n << 40n, true);
    dv.setBigUint64(29, 8192n, true);
    dv.setBigUint64(37, 4096n, true);
    dv.setBigUint64(45, 4096n, true);
    expect(parseFileExtent({ key, data: b, offset: 500 })).toEqual({
      kind: 'regular',
      compression: 0,
      ramBytes: 8192,
      diskBytenr: 2 ** 40,
      diskNumBytes: 8192,
      extentOffset: 4096,
      numBytes: 4096,
      offset: 500,
    });
    dv.setBigUint64(29, 2n ** 64n - 1n, true);
    expect(() => parseFileExtent({ key, data: b, offset: 500 })).toThrow(expect.objectContaining({ message: expect.stringContaining(`disk_num_bytes ${2n ** 64n - 1n} is too large`), offset: 529 }));
    const inline = Uint8Array.from([...new Uint8Array(21), 104, 105]);
    inline[8] = 2;
    expect(parseFileExtent({ key, data: inline, offset: 0 })).toMatchObject({ kind: 'inline', ramBytes: 2, data: Uint8Array.from([104, 105]), offset: 21 });
    expect(() => parseFileExtent({ key, data: b.subarray(0, 30), offset: 0 })).toThrow(FileSystemError);
  });

  it('reads every directory entry of an item and refuses truncated or nameless ones', () => {
    const entry = (name: string, objectid: bigint) => {
      const b = new Uint8Array(30 + name.length);
      const dv = new DataView(b.buffer);
      dv.setBigUint64(0, objectid, true);
      b[8] = 1;
      dv.setUint16(27, name.length, true);
      b[29] = 1;
      b.set(new TextEncoder().encode(name), 30);
      return b;
    };
    const two = Uint8Array.from([...entry('a', 300n), ...entry('bcd', 301n)]);
    const items = parseDirItems({ key, data: two, offset: 100 });
    expect(items.map((d) => [new TextDecoder().decode(d.name), d.location.objectid, d.type])).toEqual([
      ['a', 300n, 1],
      ['bcd', 301n, 1],
    ]);
    // The second entry claims more name bytes than the item holds.
    expect(() => parseDirItems({ key, data: two.subarray(0, two.length - 1), offset: 100 })).toThrow(
      expect.objectContaining({ code: 'CORRUPT_FILESYSTEM', message: expect.stringContaining('field of 3 bytes lies outside the 63-byte structure'), offset: 161 }),
    );
    expect(() => parseDirItems({ key, data: entry('', 5n), offset: 0 })).toThrow(/empty name/);
    expect(() => parseDirItems({ key, data: two.subarray(0, 40), offset: 0 })).toThrow(/lies outside/);
  });
});
