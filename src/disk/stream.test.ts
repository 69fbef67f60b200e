/**
 * streamDevice: bytes in order whatever the read-ahead, never more than readAhead reads in
 * flight, a consumer's chunk left alone until it asks for the next one (reuseBuffers), and
 * real qcow2 images (plain, deflate, zstd) streamed byte-identical to their raw source.
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureDir, hasTool, makePatternedRaw, run, sha256File } from '../../test/helpers/fixtures.js';
import { GuestguardError } from '../errors.js';
import type { BlockDevice } from './block-device.js';
import { openImage } from './open-image.js';
import { checkRange } from './range.js';
import { streamDevice, type StreamOptions } from './stream.js';

const MiB = 1024 * 1024;

/** An in-memory device whose reads finish after random delays (so they complete out of order) and that records concurrency. */
class SlowDevice implements BlockDevice {
  readonly name = 'slow';
  inflight = 0;
  maxInflight = 0;
  reads = 0;
  closed = false;
  constructor(
    readonly data: Uint8Array,
    readonly failAt = -1,
  ) {}
  get size(): number {
    return this.data.length;
  }
  protected async enter(offset: number, length: number): Promise<void> {
    checkRange(this, offset, length);
    if (this.closed) throw new Error('read after close');
    this.reads++;
    this.maxInflight = Math.max(this.maxInflight, ++this.inflight);
    try {
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 4)));
      if (this.failAt >= offset && this.failAt < offset + length) throw new GuestguardError('IO_ERROR', `bad sector at ${this.failAt}`);
    } finally {
      this.inflight--;
    }
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    await this.enter(offset, length);
    return this.data.slice(offset, offset + length);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The same device, also able to read into a caller's buffer (the path reuseBuffers takes). */
class SlowIntoDevice extends SlowDevice {
  readonly targets = new Set<ArrayBufferLike>();
  async readInto(buf: Uint8Array, bufOffset: number, length: number, offset: number): Promise<void> {
    await this.enter(offset, length);
    this.targets.add(buf.buffer);
    buf.set(this.data.subarray(offset, offset + length), bufOffset);
  }
}

async function collect(dev: BlockDevice, opts: StreamOptions): Promise<Buffer> {
  const parts: Buffer[] = [];
  // Copy each chunk: with reuseBuffers a chunk is only valid until the next one is requested.
  for await (const c of streamDevice(dev, opts)) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe('streamDevice', () => {
  const data = randomBytes(MiB + 12345);

  it.each([
    [4096, 1, false],
    [4096, 4, false],
    [65536, 3, true],
    [100_000, 8, true],
    [2 * MiB, 4, true],
  ])('yields the device bytes in order with at most readAhead reads in flight (chunk %i, readAhead %i, reuse %s)', async (chunkSize, readAhead, reuse) => {
    for (const dev of [new SlowDevice(data), new SlowIntoDevice(data)]) {
      const got = await collect(dev, { chunkSize, readAhead, reuseBuffers: reuse });
      expect(got.equals(data)).toBe(true);
      expect(dev.maxInflight).toBeLessThanOrEqual(readAhead);
      expect(dev.reads).toBe(Math.ceil(data.length / chunkSize));
      // Read-ahead is used when there is more than one chunk to read.
      if (readAhead > 1 && data.length > chunkSize * readAhead) expect(dev.maxInflight).toBeGreaterThan(1);
    }
  });

  it('honours start and end', async () => {
    const dev = new SlowIntoDevice(data);
    const got = await collect(dev, { chunkSize: 8192, readAhead: 5, start: 1000, end: 500_000, reuseBuffers: true });
    expect(got.equals(data.subarray(1000, 500_000))).toBe(true);
  });

  it('reuses a bounded ring of buffers and never overwrites the chunk the consumer holds', async () => {
    const dev = new SlowIntoDevice(data);
    let pos = 0;
    for await (const c of streamDevice(dev, { chunkSize: 16384, readAhead: 4, reuseBuffers: true })) {
      const copy = Buffer.from(c);
      // Give the reads in flight time to land while we hold this chunk.
      await new Promise((r) => setTimeout(r, 3));
      expect(Buffer.compare(c, copy)).toBe(0);
      expect(copy.equals(data.subarray(pos, pos + c.length))).toBe(true);
      pos += c.length;
    }
    expect(pos).toBe(data.length);
    expect(dev.targets.size).toBeLessThanOrEqual(5); // readAhead + 1
    expect(dev.maxInflight).toBeLessThanOrEqual(4);
  });

  it('surfaces a read error in order and waits for reads in flight before finishing', async () => {
    const dev = new SlowIntoDevice(data, 300_000);
    const seen: number[] = [];
    const err = await (async () => {
      for await (const c of streamDevice(dev, { chunkSize: 65536, readAhead: 6, reuseBuffers: true })) seen.push(c.length);
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IO_ERROR' });
    expect(seen.length).toBe(Math.floor(300_000 / 65536)); // every chunk before the bad one
    expect(dev.inflight).toBe(0);
  });

  it('lets reads in flight finish when the consumer stops early', async () => {
    const dev = new SlowDevice(data);
    for await (const c of streamDevice(dev, { chunkSize: 4096, readAhead: 8 })) {
      expect(c.length).toBe(4096);
      break;
    }
    expect(dev.inflight).toBe(0);
    await dev.close();
  });
});

describe.skipIf(!hasTool('qemu-img'))('streamDevice over real images', () => {
  const variants: Record<string, string[]> = {
    'plain.qcow2': ['-O', 'qcow2'],
    'deflate.qcow2': ['-O', 'qcow2', '-c'],
    'zstd.qcow2': ['-O', 'qcow2', '-c', '-o', 'compression_type=zstd'],
    'sparse.vmdk': ['-O', 'vmdk'],
    'dynamic.vhdx': ['-O', 'vhdx'],
  };
  const dir = fixtureDir('disk-stream', (d) => {
    const raw = join(d, 'source.raw');
    makePatternedRaw(raw, 24, 11);
    // Compressible text in some holes, so compressed images hold compressed clusters too.
    run('sh', ['-c', `head -c 3145728 /dev/urandom | base64 -w 0 | head -c 4194304 | dd of='${raw}' bs=1M seek=13 conv=notrunc status=none`]);
    for (const [name, args] of Object.entries(variants)) run('qemu-img', ['convert', '-f', 'raw', ...args, raw, join(d, name)]);
  });

  it.each(Object.keys(variants))('%s streams byte-identical to its raw source, with and without buffer reuse', async (name) => {
    const expected = await sha256File(join(dir, 'source.raw'));
    for (const opts of [
      { chunkSize: 2 * MiB, readAhead: 4, reuseBuffers: true },
      { chunkSize: 1536 * 1024 + 512, readAhead: 3, reuseBuffers: true },
      { chunkSize: 4 * MiB, readAhead: 2 },
    ]) {
      const img = await openImage(join(dir, name));
      try {
        const h = createHash('sha256');
        let n = 0;
        for await (const c of streamDevice(img, opts)) {
          h.update(c);
          n += c.length;
        }
        expect(n).toBe(img.size);
        expect(h.digest('hex')).toBe(expected);
      } finally {
        await img.close();
      }
    }
  });
});
