import { inflateRawSync, inflateSync } from 'node:zlib';
import { ZSTDDecoder } from 'zstddec';
import { GuestguardError } from '../../errors.js';
import { COMPRESS_LZO, COMPRESS_ZLIB, COMPRESS_ZSTD } from './constants.js';
import { corrupt, unsupported } from './errors.js';
import { decompressBtrfsLzo } from './lzo.js';

let zstd: Promise<ZSTDDecoder> | undefined;
function zstdDecoder(): Promise<ZSTDDecoder> {
  zstd ??= (async () => {
    const d = new ZSTDDecoder();
    await withoutFetch(() => d.init());
    return d;
  })();
  return zstd;
}

/**
 * zstddec loads its WebAssembly through fetch() of a data: URL whenever fetch exists, which in
 * Node loads undici and percent-decodes the URL: ~50 ms of CPU, a tenth of an inspection. Without
 * fetch it instantiates the same bytes from a Buffer (~2 ms). init() looks fetch up synchronously,
 * so hiding it for that call only is enough; nothing else runs in between.
 */
function withoutFetch<T>(fn: () => T): T {
  const desc = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (!desc?.configurable) return fn();
  Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return fn();
  } finally {
    Object.defineProperty(globalThis, 'fetch', desc);
  }
}

/**
 * Length of the zstd frame at the start of `data`, found by walking its block headers. btrfs
 * pads compressed extents to a sector, and the decoder must not see the padding as a frame.
 */
export function zstdFrameLength(data: Uint8Array, structure: string, baseOffset: number): number {
  const fail = (why: string, at: number): never => {
    throw corrupt(`zstd frame is corrupt: ${why}`, structure, baseOffset + at);
  };
  if (data.length < 6) fail('too short', 0);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (dv.getUint32(0, true) !== 0xfd2fb528) fail('bad magic', 0);
  const fhd = data[4]!;
  const singleSegment = (fhd >> 5) & 1;
  const fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][fhd >> 6]!;
  const didSize = [0, 1, 2, 4][fhd & 3]!;
  if (fhd & 8) fail('reserved header bit set', 4);
  let p = 5 + (singleSegment ? 0 : 1) + didSize + fcsSize;
  for (;;) {
    if (p + 3 > data.length) fail('block header runs past the extent', p);
    const h = data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16);
    const type = (h >> 1) & 3;
    const size = h >>> 3;
    if (type === 3) fail('reserved block type', p);
    p += 3 + (type === 1 ? 1 : size);
    if (p > data.length) fail('block runs past the extent', p);
    if (h & 1) break;
  }
  if (fhd & 4) p += 4;
  if (p > data.length) fail('checksum runs past the extent', p);
  return p;
}

/** A zlib stream as the kernel reads it: header skipped, adler32 not checked. */
function inflateBtrfsZlib(data: Uint8Array, ramBytes: number): Uint8Array {
  const headerOk = data.length > 2 && (data[0]! & 0x0f) === 8 && !(data[1]! & 0x20) && ((data[0]! << 8) + data[1]!) % 31 === 0;
  const opts = { maxOutputLength: Math.max(ramBytes, 1) };
  return headerOk ? inflateRawSync(data.subarray(2), opts) : inflateSync(data, opts);
}

/**
 * The kernel compresses only up to end of file, while ram_bytes is rounded up to a sector, so
 * output may be short by less than a sector (the rest reads as zeros). Empty output is how
 * the zstd decoder reports an error.
 */
export function checkLength(got: number, ramBytes: number, sectorSize: number, structure: string, offset: number): void {
  if (got > ramBytes || got === 0 || ramBytes - got >= sectorSize) {
    throw corrupt(`extent decompressed to ${got} bytes, expected ${ramBytes}`, structure, offset);
  }
}

/**
 * Decompresses a whole compressed extent (or inline item) to exactly `ramBytes` bytes.
 */
export async function decompressExtent(
  compression: number,
  data: Uint8Array,
  ramBytes: number,
  sectorSize: number,
  structure: string,
  offset: number,
): Promise<Uint8Array> {
  let raw: Uint8Array;
  try {
    switch (compression) {
      case COMPRESS_ZLIB:
        raw = inflateBtrfsZlib(data, ramBytes);
        break;
      case COMPRESS_LZO: {
        const out = decompressBtrfsLzo(data, ramBytes, sectorSize, structure, offset);
        checkLength(out.length, ramBytes, sectorSize, structure, offset);
        return out.length === ramBytes ? out : zeroExtend(out, ramBytes);
      }
      case COMPRESS_ZSTD: {
        const frame = data.subarray(0, zstdFrameLength(data, structure, offset));
        raw = (await zstdDecoder()).decode(frame, ramBytes);
        break;
      }
      default:
        throw unsupported(`unknown compression type ${compression}`, structure);
    }
  } catch (err) {
    if (err instanceof GuestguardError) throw err;
    throw corrupt(`cannot decompress extent: ${(err as Error).message}`, structure, offset);
  }
  checkLength(raw.length, ramBytes, sectorSize, structure, offset);
  return raw.length === ramBytes ? raw : zeroExtend(raw, ramBytes);
}

function zeroExtend(b: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  out.set(b);
  return out;
}
