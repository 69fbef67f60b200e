/**
 * Unit tests of the small parsers on hand-made inputs: runlists (signed deltas, sparse runs,
 * bounds), fixups, boot sector fields and encodings, reparse target mapping, Interix files.
 */
import { describe, expect, it } from 'vitest';
import { GuestguardError } from '../../errors.js';
import { decodeRecordSize, decodeSectorsPerCluster, parseBootSector } from './boot.js';
import { applyFixups } from './fixups.js';
import { parseInterix } from './interix.js';
import { mapAbsolute, parseReparse, reparseTarget } from './reparse.js';
import { decodeRunlist, findRun } from './runlist.js';
import { ntfsTimeToUnix } from './time.js';
import { junctionReparse, symlinkReparse, reparse } from './test-images.js';

const ctx = { structure: 'runlist of test', offset: 1000, totalClusters: 100_000 };
const typed = (f: () => unknown, re?: RegExp) =>
  expect(f).toThrow(expect.objectContaining({ code: 'CORRUPT_FILESYSTEM', ...(re ? { message: expect.stringMatching(re) } : {}) }) as unknown as Error);

describe('runlists', () => {
  it('decodes signed relative LCNs and sparse runs', () => {
    // 0x21: 1-byte length, 2-byte offset. Runs: 16 @ 0x1000; 8 sparse; 4 @ 0x1000-0x100; 2 @ +0x10.
    const b = Uint8Array.from([0x21, 16, 0x00, 0x10, 0x01, 8, 0x21, 4, 0x00, 0xff, 0x11, 2, 0x10, 0x00]);
    expect(decodeRunlist(b, 0, 29, ctx, 100)).toEqual([
      { vcn: 0, lcn: 0x1000, len: 16 },
      { vcn: 16, lcn: -1, len: 8 },
      { vcn: 24, lcn: 0xf00, len: 4 },
      { vcn: 28, lcn: 0xf10, len: 2 },
    ]);
  });

  it('merges physically contiguous runs and finds runs by VCN', () => {
    const b = Uint8Array.from([0x11, 4, 10, 0x11, 4, 4, 0x01, 3, 0x01, 3, 0]);
    const runs = decodeRunlist(b, 100, 113, ctx, 100);
    expect(runs).toEqual([
      { vcn: 100, lcn: 10, len: 8 },
      { vcn: 108, lcn: -1, len: 6 },
    ]);
    expect(findRun(runs, 107)).toBe(0);
    expect(findRun(runs, 113)).toBe(1);
    expect(findRun(runs, 114)).toBe(-1);
    expect(findRun(runs, 99)).toBe(-1);
  });

  it('rejects runs outside the volume, VCN gaps, bad headers and too many runs', () => {
    typed(() => decodeRunlist(Uint8Array.from([0x31, 10, 0xa0, 0x86, 0x01]), 0, 9, ctx, 10), /outside/); // LCN 100000
    typed(() => decodeRunlist(Uint8Array.from([0x11, 10, 0x80]), 0, 9, ctx, 10), /outside/); // negative LCN
    typed(() => decodeRunlist(Uint8Array.from([0x11, 10, 5]), 0, 20, ctx, 10), /claims/);
    typed(() => decodeRunlist(Uint8Array.from([0x19, 10, 5]), 0, 9, ctx, 10), /header/);
    typed(() => decodeRunlist(Uint8Array.from([0x21, 10, 5]), 0, 9, ctx, 10), /past the end/);
    typed(() => decodeRunlist(Uint8Array.from([0x11, 0x80, 5]), 0, 9, ctx, 10), /length/); // negative length
    typed(() => decodeRunlist(Uint8Array.from([0x01, 1, 0x11, 1, 5, 0x01, 1]), 0, 2, ctx, 2), /more than 2 runs/);
    expect(decodeRunlist(new Uint8Array([0]), 0, -1, ctx, 10)).toEqual([]);
  });
});

describe('fixups', () => {
  const record = () => {
    const b = new Uint8Array(1024);
    b.set([0x46, 0x49, 0x4c, 0x45]); // FILE
    b[4] = 0x30; // USA at 0x30
    b[6] = 3; // 1 + 2 sectors
    b.set([0x07, 0x00, 0xaa, 0xbb, 0xcc, 0xdd], 0x30);
    b.set([0x07, 0x00], 510);
    b.set([0x07, 0x00], 1022);
    return b;
  };
  it('restores the protected bytes of every sector', () => {
    const b = record();
    applyFixups(b, 'FILE', 'MFT record 1', 0);
    expect([...b.subarray(510, 512), ...b.subarray(1022, 1024)]).toEqual([0xaa, 0xbb, 0xcc, 0xdd]);
  });
  it('rejects a torn sector, a wrong magic and a bad array', () => {
    const torn = record();
    torn[1022] = 8;
    typed(() => applyFixups(torn, 'FILE', 'MFT record 1', 4096), /sector 1/);
    typed(() => applyFixups(record(), 'INDX', 'index record', 0), /magic/);
    const bad = record();
    bad[6] = 5;
    typed(() => applyFixups(bad, 'FILE', 'MFT record 1', 0), /entries/);
    const baad = record();
    baad.set([0x42, 0x41, 0x41, 0x44]);
    typed(() => applyFixups(baad, 'FILE', 'MFT record 1', 0), /BAAD/);
  });
});

describe('boot sector', () => {
  const boot = (patch: (v: DataView, b: Uint8Array) => void = () => {}) => {
    const b = new Uint8Array(512);
    const v = new DataView(b.buffer);
    b.set(Buffer.from('NTFS    '), 3);
    v.setUint16(11, 512, true);
    b[13] = 8;
    v.setBigUint64(0x28, 2047n * 8n, true);
    v.setBigUint64(0x30, 4n, true);
    v.setBigUint64(0x38, 1000n, true);
    b[0x40] = 0xf6;
    b[0x44] = 1;
    v.setBigUint64(0x48, 0x0123456789abcdefn, true);
    patch(v, b);
    return b;
  };
  it('decodes geometry, negative encodings and the blkid UUID', () => {
    const g = parseBootSector(boot(), 8 << 20);
    expect(g).toMatchObject({ sectorSize: 512, clusterSize: 4096, totalClusters: 2047, mftLcn: 4, mftRecordSize: 1024, indexRecordSize: 4096, uuid: '0123456789ABCDEF' });
    expect(decodeSectorsPerCluster(0xf8)).toBe(256);
    expect(decodeSectorsPerCluster(0x80)).toBe(128);
    expect(decodeSectorsPerCluster(3)).toBeUndefined();
    expect(decodeRecordSize(0xf4, 65536, 'x', 0)).toBe(4096);
    expect(decodeRecordSize(2, 512, 'x', 0)).toBe(1024);
    typed(() => decodeRecordSize(0, 4096, 'x', 0));
    typed(() => decodeRecordSize(0xe0, 4096, 'x', 0)); // 4 GiB records
  });
  it('rejects out-of-range fields with typed errors naming the boot sector', () => {
    typed(() => parseBootSector(boot((v) => v.setUint16(11, 1000, true)), 8 << 20), /bytes per sector/);
    typed(() => parseBootSector(boot((_, b) => (b[13] = 3)), 8 << 20), /sectors per cluster/);
    typed(() => parseBootSector(boot((v) => v.setBigUint64(0x30, 5000n, true)), 8 << 20), /\$MFT cluster/);
    typed(() => parseBootSector(boot(), 8192), /beyond the end/);
    expect(() => parseBootSector(boot((_, b) => (b[3] = 0x58)), 8 << 20)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_FILESYSTEM' }) as unknown as Error);
  });
});

describe('reparse points and Interix files', () => {
  const target = (data: Buffer) => reparseTarget(parseReparse(data, 'rp', 0), 'rp', 0);
  it('maps targets as documented in reparse.ts', () => {
    expect(target(symlinkReparse('..\\a\\b.txt', true))).toBe('../a/b.txt');
    expect(target(symlinkReparse('\\??\\C:\\Users\\x', false))).toBe('/Users/x');
    expect(target(symlinkReparse('C:\\Windows', true))).toBe('/Windows');
    expect(target(symlinkReparse('\\Windows\\System32', true))).toBe('/Windows/System32');
    expect(target(junctionReparse('\\??\\C:\\', 'C:\\'))).toBe('/');
    expect(target(junctionReparse('\\??\\Volume{abc}\\dir', ''))).toBe('/.NTFS-3G/Volume{abc}/dir');
    expect(mapAbsolute('\\??\\UNC\\server\\share\\f')).toBe('/.NTFS-3G/UNC/server/share/f');
    expect(mapAbsolute('\\\\server\\share')).toBe('/.NTFS-3G/server/share');
    expect(target(reparse(0xa000001d, Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.from('/usr/bin/ä')])))).toBe('/usr/bin/ä');
  });
  it('rejects reparse data that does not fit', () => {
    const bad = symlinkReparse('x', true);
    bad.writeUInt16LE(200, 4);
    typed(() => parseReparse(bad, 'rp', 0), /runs past/);
    const badName = symlinkReparse('abc', true);
    badName.writeUInt16LE(100, 8 + 2);
    typed(() => target(badName), /outside/);
    expect(() => target(reparse(0xa000001d, Buffer.from([1, 0, 0, 0, 0x41])))).toThrow(GuestguardError);
  });
  it('recognises Interix links and devices exactly as ntfs-3g does', () => {
    const dev = (magic: string, major: number, minor: number, extra = 0) => {
      const b = Buffer.alloc(24 + extra);
      b.write(magic, 0, 'latin1');
      b.writeBigUInt64LE(BigInt(major), 8);
      b.writeBigUInt64LE(BigInt(minor), 16);
      return b;
    };
    expect(parseInterix(dev('IntxCHR\0', 1, 3))).toEqual({ type: 'chardev', rdev: { major: 1, minor: 3 } });
    expect(parseInterix(dev('IntxBLK\0', 8, 1))).toEqual({ type: 'blockdev', rdev: { major: 8, minor: 1 } });
    expect(parseInterix(dev('IntxBLK\0', 8, 1, 2))).toBeUndefined();
    expect(parseInterix(Buffer.concat([Buffer.from('IntxLNK\x01', 'latin1'), Buffer.from('../t', 'utf16le')]))).toEqual({ type: 'symlink', target: '../t' });
    expect(parseInterix(Buffer.from('just a plain file'))).toBeUndefined();
  });
});

describe('timestamps', () => {
  it('converts NTFS times with 100 ns precision, flooring before 1970', () => {
    expect(ntfsTimeToUnix(116444736000000000n)).toEqual({ sec: 0, nsec: 0 });
    expect(ntfsTimeToUnix(116444736000000000n + 12345678901n)).toEqual({ sec: 1234, nsec: 567890100 });
    expect(ntfsTimeToUnix(116444736000000000n - 1n)).toEqual({ sec: -1, nsec: 999999900 });
    expect(ntfsTimeToUnix(0n)).toEqual({ sec: -11644473600, nsec: 0 });
  });
});
