/**
 * The cluster decompressors on streams made by the real zstd tool and by zlib, including the
 * sector padding qcow2 leaves after a stream and streams that are cut short or oversized, inline
 * and on the worker pool.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { hasTool } from '../../../test/helpers/fixtures.js';
import { GuestguardError } from '../../errors.js';
import { decompressGroup, makeDecompressor, zstdFrameSize } from './compression.js';

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

/**
 * A group of clusters as qcow2 stores them: streams back to back, each padded to its sector end.
 * Clusters listed in `bad` get a garbled stream.
 */
function packGroup(clusters: Buffer[], compress: (b: Buffer) => Buffer, bad: Set<number>) {
  const parts: Buffer[] = [];
  const items: { start: number; length: number; at: { offset: number; path: string } }[] = [];
  let pos = 0;
  clusters.forEach((c, i) => {
    let s = compress(c);
    if (bad.has(i)) s = Buffer.concat([s.subarray(0, 8), Buffer.alloc(s.length - 8, 0xff)]);
    const padded = pad(s, 512 - (s.length % 512));
    items.push({ start: pos, length: padded.length, at: { offset: 4096 + pos, path: '/g.qcow2' } });
    parts.push(padded);
    pos += padded.length;
  });
  return { data: Buffer.concat(parts), items };
}

describe.each([
  ['deflate' as const, (b: Buffer) => deflateRawSync(b), true],
  ['zstd' as const, (b: Buffer) => zstdCli(b), hasTool('zstd')],
])('%s groups on the worker pool', (type, compress, available) => {
  it.skipIf(!available)('decode exactly as inline, with the same error for each bad cluster', async () => {
    const size = 65536;
    const clusters = Array.from({ length: 12 }, () => cluster(size));
    const bad = new Set([3, 10]);
    const { data, items } = packGroup(clusters, compress, bad);
    const inline = await makeDecompressor(type);
    const settle = (ps: Promise<Uint8Array>[]) => Promise.all(ps.map((p) => p.then((v) => v, (e: unknown) => e)));
    // The parallel path transfers its buffer to a worker, so each call gets its own copy.
    const sent = new Uint8Array(data);
    const pooled = await settle(decompressGroup(type, inline, Promise.resolve(sent), items, size, true));
    expect(sent.byteLength).toBe(0); // transferred: the group really went to a worker
    const direct = await settle(decompressGroup(type, inline, Promise.resolve(new Uint8Array(data)), items, size, false));
    for (let i = 0; i < clusters.length; i++) {
      if (bad.has(i)) {
        expect(pooled[i]).toBeInstanceOf(GuestguardError);
        expect(pooled[i]).toMatchObject({ code: 'CORRUPT_IMAGE', offset: items[i]!.at.offset, path: '/g.qcow2' });
        expect((pooled[i] as Error).message).toBe((direct[i] as Error).message);
      } else {
        expect(Buffer.compare(pooled[i] as Uint8Array, clusters[i]!)).toBe(0);
        expect(Buffer.compare(direct[i] as Uint8Array, clusters[i]!)).toBe(0);
      }
    }
  });

  it('fails every cluster of a group whose host read failed', async () => {
    const inline = await makeDecompressor(type);
    const items = [0, 1, 2, 3, 4].map((i) => ({ start: i * 100, length: 100, at: { offset: i, path: '/g.qcow2' } }));
    const ioError = new GuestguardError('IO_ERROR', 'read failed');
    const out = decompressGroup(type, inline, Promise.reject(ioError), items, 65536, true);
    for (const p of out) await expect(p).rejects.toBe(ioError);
  });
});
