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
    // data would cost a full extra pass. Every non-host extent fills its own range below.
    const raw = Buffer.allocUnsafeSlow(length); // own ArrayBuffer, never the shared pool
    const out = new Uint8Array(raw.buffer, raw.byteOffset, length);
    let pos = 0;
    // A pending host run: consecutive host extents that are contiguous in the same file.
    let run: { file: HostFile; hostOffset: number; bufOffset: number; length: number } | undefined;
    const flush = async () => {
      if (run) {
        await run.file.readInto(out, run.bufOffset, run.length, run.hostOffset, `${this.format} data`);
        run = undefined;
      }
    };
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
          if (run && run.file === ext.file && run.hostOffset + run.length === ext.offset) {
            run.length += n;
          } else {
            await flush();
            run = { file: ext.file, hostOffset: ext.offset, bufOffset: pos, length: n };
          }
          break;
        case 'zero':
          await flush();
          out.fill(0, pos, pos + n);
          break;
        case 'backing': {
          await flush();
          const avail = this.backing ? Math.max(0, Math.min(n, this.backing.size - (offset + pos))) : 0;
          if (avail > 0) out.set(await this.backing!.read(offset + pos, avail), pos);
          if (avail < n) out.fill(0, pos + avail, pos + n);
          break;
        }
        case 'bytes':
          await flush();
          out.set(ext.bytes.subarray(ext.start, ext.start + n), pos);
          break;
      }
      pos += n;
    }
    await flush();
    return out;
  }

  abstract close(): Promise<void>;
}
