/** The screenshot checker's PNG decoder, on images whose pixels are known. */
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodePng, lumaStats, pixelAt } from './png.js';

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** An RGB PNG whose row y uses filter y % 5, so every filter is exercised. */
function encodeRgb(width: number, height: number, px: (x: number, y: number) => [number, number, number]): Buffer {
  const stride = width * 3;
  const rows: Buffer[] = [];
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const cur = Buffer.alloc(stride);
    for (let x = 0; x < width; x++) cur.set(px(x, y), x * 3);
    const f = y % 5;
    const out = Buffer.alloc(stride + 1);
    out[0] = f;
    for (let i = 0; i < stride; i++) {
      const a = i >= 3 ? cur[i - 3]! : 0;
      const b = prev[i]!;
      const c = i >= 3 ? prev[i - 3]! : 0;
      const p = a + b - c;
      const pred = [0, a, b, (a + b) >> 1, Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c][f]!;
      out[i + 1] = (cur[i]! - pred) & 0xff;
    }
    rows.push(out);
    prev = cur;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

describe('PNG decoder', () => {
  it('undoes all five filters', () => {
    const px = (x: number, y: number): [number, number, number] => [(x * 37 + y * 11) & 0xff, (x * y) & 0xff, (255 - x * 3 - y) & 0xff];
    const img = decodePng(encodeRgb(23, 11, px));
    expect([img.width, img.height, img.channels]).toEqual([23, 11, 3]);
    for (let y = 0; y < 11; y++) for (let x = 0; x < 23; x++) expect(pixelAt(img, x, y)).toEqual(px(x, y));
  });

  it('tells a blank image from a drawn one', () => {
    expect(lumaStats(decodePng(encodeRgb(40, 30, () => [255, 255, 255])))).toMatchObject({ variance: 0, distinct: 1 });
    expect(lumaStats(decodePng(encodeRgb(40, 30, (x) => (x < 20 ? [0, 0, 0] : [255, 255, 255])))).variance).toBeGreaterThan(10_000);
  });

  it('refuses what is not a PNG it can read', () => {
    expect(() => decodePng(Buffer.from('GIF89a......................................'))).toThrow(/not a PNG/);
    const png = encodeRgb(4, 4, () => [1, 2, 3]);
    expect(() => decodePng(png.subarray(0, png.length - 20))).toThrow();
  });
});
