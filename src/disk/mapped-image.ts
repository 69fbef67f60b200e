import type { BlockDevice } from './block-device.js';
import type { HostFile } from './host-file.js';
import { checkRange } from './range.js';
import { GuestguardError } from '../errors.js';

/** Where one run of virtual bytes lives. Sparse formats answer this; MappedImage does the reading. */
export type Extent =
  | { kind: 'zero'; length: number }
  /** Read from the backing device at the same virtual offset (zeros when there is none). */
  | { kind: 'backing'; length: number }
  | { kind: 'host'; file: HostFile; offset: number; length: number }
  /** Bytes already decoded (e.g. a decompressed cluster); `length` bytes from `start`. */
  | { kind: 'bytes'; bytes: Uint8Array; start: number; length: number };

/** Host reads one device read keeps in flight (libuv runs 4 at once by default). */
const MAX_HOST_READS = 4;

/** Reads from a backing device into `out`, without a copy when it supports readInto. */
async function readBacking(dev: BlockDevice, out: Uint8Array, at: number, length: number, offset: number): Promise<void> {
  const into = (dev as { readInto?: MappedImage['readInto'] }).readInto;
  if (typeof into === 'function') await into.call(dev, out, at, length, offset);
  else out.set(await dev.read(offset, length), at);
}

/**
 * Base for sparse image formats. Subclasses map a virtual offset to an Extent; reads walk the
 * extents, merge physically contiguous host runs into one host read, and fill holes with zeros.
 */
export abstract class MappedImage implements BlockDevice {
  abstract readonly format: string;
  abstract readonly size: number;
  abstract readonly name: string;
  /** Parent image for differencing formats. */
  backing: BlockDevice | undefined;

  /** Returns the extent that starts at `offset`, at most `maxLength` long and at least 1 byte. */
  protected abstract map(offset: number, maxLength: number): Promise<Extent>;

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    // Not zero-filled up front: host runs overwrite most of it, so zeroing 4 GiB of streamed
    // data would cost a full extra pass. Every non-host extent fills its own range.
    const raw = Buffer.allocUnsafeSlow(length); // own ArrayBuffer, never the shared pool
    const out = new Uint8Array(raw.buffer, raw.byteOffset, length);
    await this.fill(out, 0, offset, length);
    return out;
  }

  /** Reads exactly `length` bytes at `offset` into `buf` at `bufOffset` (no intermediate buffer). */
  async readInto(buf: Uint8Array, bufOffset: number, length: number, offset: number): Promise<void> {
    checkRange(this, offset, length);
    if (!Number.isSafeInteger(bufOffset) || bufOffset < 0 || bufOffset + length > buf.length) {
      throw new GuestguardError('OUT_OF_RANGE', `${length} bytes at ${bufOffset} do not fit a ${buf.length}-byte buffer`, { offset });
    }
    await this.fill(buf, bufOffset, offset, length);
  }

  /**
   * Walks the extents of [offset, offset+length) into out[at...]. Each host run is one host read,
   * started without waiting (at most MAX_HOST_READS in flight) so the runs of a fragmented image
   * are copied by several threadpool threads while the next extents are mapped.
   */
  private async fill(out: Uint8Array, at: number, offset: number, length: number): Promise<void> {
    const inflight: Promise<void>[] = [];
    let pos = 0;
    // A pending host run: consecutive host extents that are contiguous in the same file.
    let runFile: HostFile | undefined;
    let runHost = 0;
    let runPos = 0;
    let runLength = 0;
    const structure = `${this.format} data`;
    const flush = async () => {
      const file = runFile;
      if (!file) return;
      runFile = undefined;
      if (inflight.length >= MAX_HOST_READS) await inflight.shift();
      const p = file.readInto(out, at + runPos, runLength, runHost, structure);
      p.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      inflight.push(p);
    };
    try {
      while (pos < length) {
        const ext = await this.map(offset + pos, length - pos);
        const n = ext.length;
        if (!(n > 0) || n > length - pos) {
          throw new GuestguardError('CORRUPT_IMAGE', `${this.format} mapping returned an invalid extent length ${n}`, {
            offset: offset + pos,
          });
        }
        switch (ext.kind) {
          case 'host':
            // Merge only runs that are contiguous both in the file and in `out` (no hole between).
            if (runFile === ext.file && runHost + runLength === ext.offset && runPos + runLength === pos) {
              runLength += n;
            } else {
              await flush();
              runFile = ext.file;
              runHost = ext.offset;
              runPos = pos;
              runLength = n;
            }
            break;
          case 'zero':
            out.fill(0, at + pos, at + pos + n);
            break;
          case 'backing': {
            const avail = this.backing ? Math.max(0, Math.min(n, this.backing.size - (offset + pos))) : 0;
            if (avail > 0) await readBacking(this.backing!, out, at + pos, avail, offset + pos);
            if (avail < n) out.fill(0, at + pos + avail, at + pos + n);
            break;
          }
          case 'bytes':
            out.set(ext.bytes.subarray(ext.start, ext.start + n), at + pos);
            break;
        }
        pos += n;
      }
      await flush();
      while (inflight.length > 0) await inflight.shift();
    } finally {
      // After an error, host reads still in flight must end before the caller reuses `out`.
      await Promise.allSettled(inflight);
    }
  }

  abstract close(): Promise<void>;
}
