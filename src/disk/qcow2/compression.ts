/**
 * Decompressors for qcow2 compressed clusters. The stored compressed length is only known to
 * sector granularity, so trailing bytes after the stream are normal and must be ignored; the
 * output must be exactly one cluster (as QEMU requires).
 */
import { constants, inflateRaw, inflateRawSync, type ZlibOptions } from 'node:zlib';
import type { ZSTDDecoder } from 'zstddec';
import { ImageFormatError } from '../../errors.js';
import { sharedDecodePool } from './decode-pool.js';
import type { CompressionType } from './header.js';

/** Decompresses one cluster; rejects with a CORRUPT_IMAGE error on any malformed input. */
export type ClusterDecompressor = (src: Uint8Array, clusterSize: number, at: Where) => Promise<Uint8Array>;

/** Where the compressed data lives, for error messages. */
export interface Where {
  offset: number;
  path: string;
}

/**
 * Clusters at least this big are inflated on the libuv thread pool, so a batch of them
 * decompresses in parallel; smaller ones inflate inline, where the dispatch cost would dominate.
 */
const ASYNC_INFLATE_MIN = 32 * 1024;

export async function makeDecompressor(type: CompressionType): Promise<ClusterDecompressor> {
  if (type === 'deflate') return inflateCluster;
  const zstd = await zstdDecoder();
  return async (src, clusterSize, at) => zstdCluster(zstd, src, clusterSize, at);
}

async function inflateCluster(src: Uint8Array, clusterSize: number, at: Where): Promise<Uint8Array> {
  // Z_SYNC_FLUSH: accept a stream whose end marker lies past the recorded sectors, as QEMU does
  // when the cluster is complete. maxOutputLength caps a decompression bomb at one cluster.
  const opts: ZlibOptions = { maxOutputLength: clusterSize, finishFlush: constants.Z_SYNC_FLUSH, chunkSize: Math.max(clusterSize, 64) };
  let out: Uint8Array;
  try {
    out =
      clusterSize >= ASYNC_INFLATE_MIN
        ? await new Promise<Uint8Array>((resolve, reject) => inflateRaw(src, opts, (err, res) => (err ? reject(err) : resolve(res))))
        : inflateRawSync(src, opts);
  } catch (err) {
    throw corrupt(`deflate data is invalid: ${(err as Error).message}`, at, err);
  }
  if (out.length !== clusterSize) throw corrupt(`deflate data yields ${out.length} bytes instead of ${clusterSize}`, at);
  return out;
}

/** One compressed cluster inside a buffer of compressed data. */
export interface CompressedItem {
  start: number;
  length: number;
  at: Where;
}

/**
 * Decodes the clusters `items` whose compressed bytes lie in `data` (which this call then owns:
 * it may be transferred to a worker). With `parallel`, on the shared worker pool (worth it for
 * bulk reads, not for one metadata cluster). Returns one promise per item, each rejecting on
 * its own with the same CORRUPT_IMAGE errors as the inline decoder.
 */
export function decompressGroup(
  type: CompressionType,
  inline: ClusterDecompressor,
  data: Promise<Uint8Array>,
  items: readonly CompressedItem[],
  clusterSize: number,
  parallel: boolean,
): Promise<Uint8Array>[] {
  const pool = parallel ? sharedDecodePool() : undefined;
  if (!pool) return items.map((it) => data.then((buf) => inline(buf.subarray(it.start, it.start + it.length), clusterSize, it.at)));
  const results = data.then((buf) => {
    // zstd frames are cut at their end here (cheap: block headers only), as the inline decoder does.
    const ranges: number[] = [];
    const early: (ImageFormatError | undefined)[] = [];
    for (const it of items) {
      let length = it.length;
      try {
        if (type === 'zstd') length = zstdFrameSize(buf.subarray(it.start, it.start + it.length), it.at);
        early.push(undefined);
      } catch (err) {
        early.push(err as ImageFormatError);
        length = 0;
      }
      ranges.push(it.start, length);
    }
    let run: ReturnType<typeof pool.run>;
    try {
      run = pool.run(type, clusterSize, buf, ranges);
    } catch {
      // No worker could be started here: decode inline instead.
      return Promise.all(items.map((it, i) => early[i] ?? inline(buf.subarray(it.start, it.start + it.length), clusterSize, it.at).catch((e: ImageFormatError) => e)));
    }
    return run.then((out) => out.map((r, i) => early[i] ?? (r instanceof Uint8Array ? r : corrupt(r.error, items[i]!.at))));
  });
  return items.map((_, i) =>
    results.then((all) => {
      const r = all[i]!;
      if (r instanceof Error) throw r;
      return r;
    }),
  );
}

let zstdInit: Promise<ZSTDDecoder> | undefined;

function zstdDecoder(): Promise<ZSTDDecoder> {
  if (!zstdInit) {
    // Loaded on first use: its inlined WASM costs start-up time that other images need not pay.
    zstdInit = (async () => {
      const { ZSTDDecoder } = await import('zstddec');
      const d = new ZSTDDecoder();
      await d.init();
      return d;
    })().catch((err: unknown) => {
      zstdInit = undefined;
      throw new ImageFormatError('UNSUPPORTED_IMAGE', `cannot initialise the zstd decoder: ${(err as Error).message}`, { cause: err });
    });
  }
  return zstdInit;
}

function zstdCluster(zstd: ZSTDDecoder, src: Uint8Array, clusterSize: number, at: Where): Uint8Array {
  // The one-shot decoder rejects trailing sector padding, so cut the input at the frame's end.
  const frame = src.subarray(0, zstdFrameSize(src, at));
  let out: Uint8Array;
  try {
    out = zstd.decode(frame, clusterSize);
  } catch (err) {
    throw corrupt(`zstd data is invalid: ${(err as Error).message}`, at, err);
  }
  // zstddec returns a short (often empty) array when ZSTD_decompress reports an error.
  if (out.length !== clusterSize) throw corrupt(`zstd data yields ${out.length} bytes instead of ${clusterSize}`, at);
  return out;
}

const ZSTD_MAGIC = 0xfd2fb528;
/** More blocks than this in one cluster-sized frame means garbage (each block holds ≥ 1 byte). */
const MAX_ZSTD_BLOCKS = 1 << 22;

/**
 * Length of the zstd frame at the start of `src` (RFC 8878 §3.1.1): header, then blocks until
 * the one flagged last, then the optional checksum. Throws if the frame is malformed or cut off.
 */
export function zstdFrameSize(src: Uint8Array, at: Where): number {
  const bad = (message: string) => corrupt(message, at);
  const need = (end: number, what: string) => {
    if (end > src.length) throw bad(`zstd ${what} runs past the compressed data (${end} > ${src.length})`);
  };
  need(5, 'frame header');
  const magic = (src[0]! | (src[1]! << 8) | (src[2]! << 16) | (src[3]! << 24)) >>> 0;
  if (magic !== ZSTD_MAGIC) throw bad(`bad zstd frame magic 0x${magic.toString(16)}`);
  const fhd = src[4]!;
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  if (fhd & 0x08) throw bad('zstd frame header has its reserved bit set');
  const checksum = (fhd >> 2) & 1;
  const dictIdSize = [0, 1, 2, 4][fhd & 3]!;
  const fcsSize = fcsFlag === 0 ? singleSegment : [0, 2, 4, 8][fcsFlag]!;
  let pos = 5 + (singleSegment ? 0 : 1) + dictIdSize + fcsSize;
  for (let blocks = 0; ; blocks++) {
    if (blocks >= MAX_ZSTD_BLOCKS) throw bad('zstd frame has too many blocks');
    need(pos + 3, 'block header');
    const bh = src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16);
    pos += 3;
    const last = bh & 1;
    const type = (bh >> 1) & 3;
    const size = bh >>> 3;
    if (type === 3) throw bad('zstd block has the reserved block type');
    pos += type === 1 ? 1 : size; // RLE blocks store one byte
    need(pos, 'block');
    if (last) break;
  }
  pos += checksum ? 4 : 0;
  need(pos, 'checksum');
  return pos;
}

function corrupt(message: string, at: Where, cause?: unknown): ImageFormatError {
  return new ImageFormatError('CORRUPT_IMAGE', message, { structure: 'qcow2 compressed cluster', offset: at.offset, path: at.path, cause });
}
