/** Focused checks of the decoders against xfsprogs itself (xfs_db) and hand-made edge cases. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, hasTool, run } from '../../../test/helpers/fixtures.js';
import { FileSystemError } from '../../errors.js';
import { BinaryView } from '../../util/binary.js';
import { decodeExtentRecord } from './bmap.js';
import { daHashName } from './dahash.js';
import { parseSuperblock, probeXfsHead } from './index.js';
import { mkfs, V4_CI_MKFS } from './test-images.js';
import { prng } from './test-tree.js';

describe('daHashName', () => {
  it('matches the textbook values for short names', () => {
    expect(daHashName(Buffer.from(''))).toBe(0);
    expect(daHashName(Buffer.from('x'))).toBe(0x78);
    expect(daHashName(Buffer.from('abc'))).toBe(0x187163);
  });

  it('folds ASCII letters only when asked (ascii-ci)', () => {
    expect(daHashName(Buffer.from('MixedCase'), true)).toBe(daHashName(Buffer.from('mixedcase')));
    expect(daHashName(Buffer.from('MixedCase'))).not.toBe(daHashName(Buffer.from('mixedcase')));
    expect(daHashName(Buffer.from('É'), true)).toBe(daHashName(Buffer.from('É')));
  });
});

describe('decodeExtentRecord', () => {
  const pack = (flag: number, off: bigint, block: bigint, len: number): BinaryView => {
    const v = (BigInt(flag) << 127n) | (off << 73n) | (block << 21n) | BigInt(len);
    const b = new Uint8Array(16);
    for (let i = 0; i < 16; i++) b[i] = Number((v >> BigInt((15 - i) * 8)) & 0xffn);
    return new BinaryView(b, 'test');
  };
  it('unpacks flag, 54-bit offset, 52-bit block and 21-bit length', () => {
    expect(decodeExtentRecord(pack(0, 0n, 0n, 1), 0)).toEqual({ unwritten: false, off: 0, fsb: 0, len: 1 });
    expect(decodeExtentRecord(pack(1, 12345n, 678910n, 0x1fffff), 0)).toEqual({ unwritten: true, off: 12345, fsb: 678910, len: 0x1fffff });
    expect(decodeExtentRecord(pack(0, 2n ** 52n + 3n, 2n ** 51n + 5n, 7), 0)).toEqual({ unwritten: false, off: 2 ** 52 + 3, fsb: 2 ** 51 + 5, len: 7 });
  });
});

describe.skipIf(!hasTool('mkfs.xfs') || !hasTool('xfs_db'))('superblock and hash against xfsprogs', () => {
  let v5: Uint8Array;
  let v4: Uint8Array;
  let dir: string;
  beforeAll(() => {
    dir = fixtureDir('xfs-unit', (d) => {
      mkfs(join(d, 'v5.img'), 32, ['-L', 'unit']);
      mkfs(join(d, 'v4.img'), 32, V4_CI_MKFS);
    });
    v5 = new Uint8Array(readFileSync(join(dir, 'v5.img')).subarray(0, 512));
    v4 = new Uint8Array(readFileSync(join(dir, 'v4.img')).subarray(0, 512));
  });

  it('hashes arbitrary names exactly like xfs_db', () => {
    const bytes = prng(77, 4000);
    const names: string[] = [];
    for (let i = 0, at = 0; i < 60; i++) {
      const len = 1 + (bytes[at]! % 40);
      // Printable ASCII without spaces (xfs_db splits its arguments on blanks), plus some UTF-8.
      let n = '';
      for (let k = 0; k < len; k++) n += String.fromCharCode(0x21 + (bytes[++at]! % 94));
      names.push(i % 5 === 0 ? `${n}é日本` : n);
      at++;
    }
    const out = run('xfs_db', ['-r', ...names.flatMap((n) => ['-c', `hash ${n}`]), join(dir, 'v5.img')]).trim().split('\n');
    expect(out.length).toBe(names.length);
    names.forEach((n, i) => expect(daHashName(Buffer.from(n))).toBe(parseInt(out[i]!, 16)));
  });

  it('parses real v5 and v4 superblocks', () => {
    const s5 = parseSuperblock(v5);
    expect(s5).toMatchObject({ version: 5, hasCrc: true, hasFtype: true, asciiCi: false, label: 'unit', blockSize: 4096, inodeSize: 512 });
    const s4 = parseSuperblock(v4);
    expect(s4).toMatchObject({ version: 4, hasCrc: false, hasFtype: false, asciiCi: true, label: 'oldci', inodeSize: 256 });
    expect(probeXfsHead(v5)).toMatchObject({ fs: 'xfs', label: 'unit', details: { version: '5' } });
  });

  it('refuses unknown incompatible features by name', () => {
    const b = v5.slice();
    const dv = new DataView(b.buffer);
    dv.setUint32(216, dv.getUint32(216) | 0x100);
    expect(() => parseSuperblock(b)).toThrow(/unsupported incompatible XFS features: metadir/);
    dv.setUint32(216, dv.getUint32(216) | 0x40000000);
    try {
      parseSuperblock(b);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FileSystemError);
      expect(err).toMatchObject({ code: 'UNSUPPORTED_FILESYSTEM', structure: 'XFS superblock', offset: 216 });
      expect((err as Error).message).toMatch(/metadir, 0x40000000/);
    }
  });

  it('refuses v4 without version 2 directories and malformed geometry', () => {
    const b = v4.slice();
    const dv = new DataView(b.buffer);
    dv.setUint16(100, dv.getUint16(100) & ~0x2000);
    expect(() => parseSuperblock(b)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_FILESYSTEM' }));
    const c = v5.slice();
    new DataView(c.buffer).setUint32(4, 3000);
    expect(() => parseSuperblock(c)).toThrow(expect.objectContaining({ code: 'CORRUPT_FILESYSTEM', offset: 4 }));
    expect(probeXfsHead(c)?.details?.error).toMatch(/block size/);
    expect(probeXfsHead(new Uint8Array(512))).toBeUndefined();
  });
});
