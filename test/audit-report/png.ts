/**
 * Minimal PNG reader for screenshot checks: 8-bit greyscale, RGB or RGBA, not interlaced
 * (what Chromium writes). Decodes IDAT with node:zlib and undoes the per-row filters.
 */
import { inflateSync } from 'node:zlib';

export interface Png {
  width: number;
  height: number;
  /** Samples per pixel: 1 (grey), 3 (RGB) or 4 (RGBA). */
  channels: number;
  /** Unfiltered pixel rows, width * channels bytes each. */
  pixels: Buffer;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 6: 4 };

export function decodePng(file: Buffer): Png {
  if (file.length < 33 || !file.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos + 8 <= file.length) {
    const len = file.readUInt32BE(pos);
    const type = file.toString('latin1', pos + 4, pos + 8);
    if (pos + 12 + len > file.length) throw new Error(`PNG chunk ${type} runs past the end of the file`);
    const data = file.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colour, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      channels = CHANNELS[colour!] ?? 0;
      if (depth !== 8 || channels === 0 || interlace !== 0) throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`);
      if (width === 0 || height === 0 || width * height > 64 << 20) throw new Error(`implausible PNG size ${width}x${height}`);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  if (channels === 0) throw new Error('PNG without IHDR');
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat), { maxOutputLength: (stride + 1) * height });
  if (raw.length !== (stride + 1) * height) throw new Error(`PNG data is ${raw.length} bytes, expected ${(stride + 1) * height}`);
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      let v: number;
      switch (filter) {
        case 0: v = src[i]!; break;
        case 1: v = src[i]! + a; break;
        case 2: v = src[i]! + b; break;
        case 3: v = src[i]! + ((a + b) >> 1); break;
        case 4: v = src[i]! + paeth(a, b, c); break;
        default: throw new Error(`bad PNG filter ${filter} on row ${y}`);
      }
      out[i] = v & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Luma statistics over every pixel: a blank (single-colour) page has variance 0. */
export function lumaStats(png: Png): { mean: number; variance: number; distinct: number } {
  let sum = 0;
  let sq = 0;
  const seen = new Set<number>();
  const n = png.width * png.height;
  for (let p = 0; p < n; p++) {
    const o = p * png.channels;
    const [r, g, b] = png.channels === 1 ? [png.pixels[o]!, png.pixels[o]!, png.pixels[o]!] : [png.pixels[o]!, png.pixels[o + 1]!, png.pixels[o + 2]!];
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += y;
    sq += y * y;
    if (seen.size < 4096) seen.add((r << 16) | (g << 8) | b);
  }
  const mean = sum / n;
  return { mean, variance: sq / n - mean * mean, distinct: seen.size };
}

/** RGB of one pixel. */
export function pixelAt(png: Png, x: number, y: number): [number, number, number] {
  const o = (y * png.width + x) * png.channels;
  return png.channels === 1 ? [png.pixels[o]!, png.pixels[o]!, png.pixels[o]!] : [png.pixels[o]!, png.pixels[o + 1]!, png.pixels[o + 2]!];
}
