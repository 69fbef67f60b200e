/**
 * Decompresses groups of qcow2 clusters on worker threads, so a sequential read of a compressed
 * image uses every core: zstd is single-threaded WASM, and zlib's async API costs a whole stream
 * object per cluster on the main thread. The workers are shared by every image in the process,
 * started on demand, and unref'd while idle so they never keep the process alive.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { GuestguardError } from '../../errors.js';

export type Codec = 'deflate' | 'zstd';

/** A decoded cluster, or why it could not be decoded (the caller turns that into its error). */
export type DecodeResult = Uint8Array | { error: string };

/**
 * The worker, as source text: a separate .js file would not exist when the TypeScript sources
 * run directly (tests). Works whether the eval'd code runs as a script or as a module. Messages
 * in: {id, codec, clusterSize, input, offset, length, items: [start, length, ...]}; out: {id,
 * results: (ArrayBuffer | string)[]} with every ArrayBuffer transferred. The error texts match
 * compression.ts's inline decoders.
 */
const WORKER_SOURCE = `(async () => {
  const { parentPort, workerData } = await import('node:worker_threads');
  const zlib = await import('node:zlib');
  let zstd;
  const zstdDecoder = () => (zstd ??= import(workerData.zstddec).then(async (m) => {
    const d = new m.ZSTDDecoder();
    await d.init();
    return d;
  }));
  parentPort.on('message', async (job) => {
    const cs = job.clusterSize;
    const input = new Uint8Array(job.input, job.offset, job.length);
    const results = [];
    const transfer = [];
    let dec;
    let initError;
    if (job.codec === 'zstd') {
      try { dec = await zstdDecoder(); } catch (e) { initError = 'cannot initialise the zstd decoder: ' + e.message; }
    }
    const opts = { maxOutputLength: cs, finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: Math.max(cs, 64) };
    for (let i = 0; i < job.items.length; i += 2) {
      if (initError) { results.push(initError); continue; }
      const src = input.subarray(job.items[i], job.items[i] + job.items[i + 1]);
      let out;
      try {
        out = dec ? dec.decode(src, cs) : zlib.inflateRawSync(src, opts);
      } catch (e) {
        results.push((dec ? 'zstd' : 'deflate') + ' data is invalid: ' + e.message);
        continue;
      }
      if (out.length !== cs) {
        results.push((dec ? 'zstd' : 'deflate') + ' data yields ' + out.length + ' bytes instead of ' + cs);
        continue;
      }
      // Send each cluster in its own exactly-sized buffer: no copy when it already is one.
      const own = out.byteOffset === 0 && out.buffer.byteLength === cs ? out.buffer : Uint8Array.prototype.slice.call(out).buffer;
      results.push(own);
      transfer.push(own);
    }
    parentPort.postMessage({ id: job.id, results }, transfer);
  });
})();`;

interface Job {
  resolve(r: DecodeResult[]): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
}

export class DecodePool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private zstddecUrl: string | undefined;

  constructor(readonly maxWorkers: number) {}

  /**
   * Decodes the clusters at `items` ([start, length] pairs into `input`) to exactly clusterSize
   * bytes each. `input` is transferred to a worker: the caller must not use it afterwards.
   */
  run(codec: Codec, clusterSize: number, input: Uint8Array, items: readonly number[]): Promise<DecodeResult[]> {
    const slot = this.pick();
    const id = this.nextId++;
    // Transfer the whole buffer when the view covers it; otherwise send a copy of the view.
    const whole = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength && input.buffer instanceof ArrayBuffer;
    const data = whole ? input : input.slice();
    return new Promise<DecodeResult[]>((resolve, reject) => {
      slot.jobs.set(id, { resolve, reject });
      if (slot.jobs.size === 1) slot.worker.ref();
      slot.worker.postMessage(
        { id, codec, clusterSize, input: data.buffer, offset: 0, length: data.byteLength, items },
        [data.buffer as ArrayBuffer],
      );
    });
  }

  /** The least busy worker, or a new one while every worker is busy and there is room. */
  private pick(): Slot {
    let best: Slot | undefined;
    for (const s of this.slots) if (!best || s.jobs.size < best.jobs.size) best = s;
    if (best && (best.jobs.size === 0 || this.slots.length >= this.maxWorkers)) return best;
    return this.spawn();
  }

  private spawn(): Slot {
    this.zstddecUrl ??= pathToFileURL(createRequire(import.meta.url).resolve('zstddec')).href;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { zstddec: this.zstddecUrl } });
    const slot: Slot = { worker, jobs: new Map() };
    worker.unref();
    worker.on('message', (msg: { id: number; results: (ArrayBuffer | string)[] }) => {
      const job = slot.jobs.get(msg.id);
      if (!job) return;
      slot.jobs.delete(msg.id);
      if (slot.jobs.size === 0) worker.unref();
      job.resolve(msg.results.map((r) => (typeof r === 'string' ? { error: r } : new Uint8Array(r))));
    });
    const fail = (why: string, cause?: unknown) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      for (const job of slot.jobs.values()) job.reject(new GuestguardError('IO_ERROR', `cluster decompression worker ${why}`, { cause }));
      slot.jobs.clear();
    };
    worker.on('error', (err) => fail(`failed: ${err.message}`, err));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    this.slots.push(slot);
    return slot;
  }
}

let shared: DecodePool | undefined | null;

/** The process-wide pool, or undefined where worker threads cannot be used (one per core, at most 4). */
export function sharedDecodePool(): DecodePool | undefined {
  if (shared === undefined) {
    try {
      shared = new DecodePool(Math.max(1, Math.min(4, availableParallelism())));
    } catch {
      shared = null;
    }
  }
  return shared ?? undefined;
}
