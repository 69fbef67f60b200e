import type { BlockDevice } from './block-device.js';
import { checkRange } from './range.js';
import type { HostFile } from './host-file.js';

/** A raw image: the file is the disk. */
export class RawImage implements BlockDevice {
  readonly format = 'raw';
  readonly size: number;
  readonly name: string;

  constructor(readonly file: HostFile) {
    this.size = file.size;
    this.name = file.path;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    return this.file.read(offset, length, 'raw data');
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
