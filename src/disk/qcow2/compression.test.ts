/**
 * The cluster decompressors on streams made by the real zstd tool and by zlib, including the
 * sector padding qcow2 leaves after a stream and streams that are cut short or oversized.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { hasTool } from '../../../test/helpers/fixtures.js';
import { GuestguardError } from '../../errors.js';
import { makeDecompressor, zstdFrameSize } from './compression.js';

const at = { offset: 1234, path: '/x.qcow2' };

/** One cluster of mixed data: text (compressible), random bytes and a zero run. */
function cluster(size: number): Buffer {
  const b = Buffer.alloc(size);
  b.write(randomBytes(size).toString('base64').slice(0, size / 2), 0, 'latin1');
  randomBytes(size / 4).copy(b, size / 2);
  return b;
}

function zstdCli(data: Buffer, args: string[] = []): Buffer {
  return execFileSync('zstd', ['-c', '-q', ...args], { input: data, maxBuffer: 64 << 20 });
}

const pad = (b: Buffer, n: number) => Buffer.concat([b, Buffer.alloc(n, 0xa5)]);

describe.skipIf(!hasTool('zstd'))('zstd clusters', () => {
  it.each([
    ['with checksum', ['--check']],
    ['without checksum', ['--no-check']],
    ['level 19', ['-19']],
  ])('finds the frame end and decodes (%s)', async (_n, args) => {
    const data = cluster(65536);
    const frame = zstdCli(data, args);
    expect(zstdFrameSize(frame, at)).toBe(frame.length);
    expect(zstdFrameSize(pad(frame, 300), at)).toBe(frame.length);
    const dec = await makeDecompressor('zstd');
    expect(Buffer.compare(await dec(pad(frame, 511), 65536, at), data)).toBe(0);
  });

  it('handles RLE and raw blocks (all-equal and random clusters)', async () => {
    const dec = await makeDecompressor('zstd');
    for (const data of [Buffer.alloc(16384, 0x42), randomBytes(16384)]) {
      const frame = zstdCli(data);
      expect(zstdFrameSize(pad(frame, 17), at)).toBe(frame.length);
      expect(Buffer.compare(await dec(pad(frame, 17), 16384, at), data)).toBe(0);
    }
  });

  it('rejects cut, garbled and wrong-sized frames with CORRUPT_IMAGE', async () => {
    const dec = await makeDecompressor('zstd');
    const data = cluster(65536);
    const frame = zstdCli(data);
    const garbled = Buffer.from(frame);
    garbled.fill(0xff, 20, 60);
    const cases = [frame.subarray(0, frame.length - 10), frame.subarray(0, 3), Buffer.alloc(600), garbled];
    for (const c of cases) {
      const err = await dec(c, 65536, at).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GuestguardError);
      expect(err).toMatchObject({ code: 'CORRUPT_IMAGE', offset: 1234, path: '/x.qcow2' });
    }
    // A valid frame of the wrong size (a half cluster, or more than a cluster) is corrupt too.
    await expect(dec(zstdCli(data.subarray(0, 32768)), 65536, at)).rejects.toMatchObject({ code: 'CORRUPT_IMAGE' });
    await expect(dec(frame, 16384, at)).rejects.toMatchObject({ code: 'CORRUPT_IMAGE' });
  });
});

describe('deflate clusters', () => {
  it.each([512, 4096, 65536, 2 * 1024 * 1024])('decodes raw deflate with trailing sector padding (%i-byte cluster)', async (size) => {
    const dec = await makeDecompressor('deflate');
    const data = cluster(size);
    expect(Buffer.compare(await dec(pad(deflateRawSync(data), 400), size, at), data)).toBe(0);
  });

  it.each([512, 65536])('rejects short, oversized and garbled streams with CORRUPT_IMAGE (%i-byte cluster)', async (size) => {
    const dec = await makeDecompressor('deflate');
    const data = cluster(size);
    const stream = deflateRawSync(data);
    const bomb = deflateRawSync(Buffer.alloc(size * 64));
    for (const c of [stream.subarray(0, stream.length >> 1), bomb, Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.alloc(0)]) {
      const err = await dec(c, size, at).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GuestguardError);
      expect(err).toMatchObject({ code: 'CORRUPT_IMAGE', offset: 1234 });
    }
  });
});
