import { open, type FileHandle } from 'node:fs/promises';
import { GuestguardError, ImageFormatError } from '../errors.js';
import type { ReadStats } from './block-device.js';

/**
 * A host file opened read-only for random access. All image formats read their container
 * through this, so host I/O is counted in one place.
 */
export class HostFile {
  readonly stats: ReadStats = { hostBytesRead: 0, hostReads: 0 };
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<HostFile> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new GuestguardError('IMAGE_NOT_FOUND', `no such file: ${path}`, { path });
      throw new GuestguardError('IO_ERROR', `cannot open ${path}: ${(err as Error).message}`, { path, cause: err });
    }
    try {
      const st = await fh.stat();
      if (st.isDirectory()) throw new GuestguardError('UNSUPPORTED_IMAGE', `${path} is a directory, not a disk image`, { path });
      let size = st.size;
      if (st.isBlockDevice()) size = await blockDeviceSize(fh);
      return new HostFile(path, fh, size);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Reads exactly `length` bytes at `offset`; a short read is a truncated-image error. */
  async read(offset: number, length: number, structure = 'data'): Promise<Uint8Array> {
    // Not zero-filled: readInto fills every byte or throws. allocUnsafeSlow gives the buffer its
    // own ArrayBuffer (never Node's shared pool), so callers may keep or transfer it.
    const buf = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
    await this.readInto(buf, 0, length, offset, structure);
    return buf;
  }

  /** Reads into an existing buffer; the hot path of sequential reads avoids extra copies. */
  async readInto(buf: Uint8Array, bufOffset: number, length: number, offset: number, structure = 'data'): Promise<void> {
    if (length === 0) return;
    if (offset < 0 || offset + length > this.size) {
      throw new ImageFormatError('TRUNCATED_IMAGE', `${structure} of ${length} bytes lies beyond the end of the ${this.size}-byte file`, {
        structure,
        offset,
        path: this.path,
      });
    }
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(buf, bufOffset + done, length - done, offset + done);
      if (bytesRead === 0) {
        throw new ImageFormatError('TRUNCATED_IMAGE', `unexpected end of file reading ${structure}`, {
          structure,
          offset: offset + done,
          path: this.path,
        });
      }
      done += bytesRead;
      this.stats.hostReads++;
    }
    this.stats.hostBytesRead += length;
  }

  /** Like read() but returns fewer bytes at end of file instead of failing (for probing). */
  async readUpTo(offset: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - offset));
    return n === 0 ? new Uint8Array(0) : this.read(offset, n);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}

async function blockDeviceSize(fh: FileHandle): Promise<number> {
  // Node cannot ioctl(BLKGETSIZE64); seeking is not exposed either. Probe by binary search of readable offsets.
  const one = new Uint8Array(1);
  let lo = 0;
  let hi = 1;
  while ((await fh.read(one, 0, 1, hi * 512)).bytesRead === 1) {
    lo = hi;
    hi *= 2;
    if (hi > 2 ** 40) break;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await fh.read(one, 0, 1, mid * 512)).bytesRead === 1) lo = mid;
    else hi = mid;
  }
  return hi * 512;
}
