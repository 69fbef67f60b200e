import { VolumeError } from '../errors.js';
import type { BlockDevice } from '../disk/block-device.js';

/**
 * Stands in for a volume that is known (named, sized) but cannot be read, such as an LVM thin
 * volume: every read fails with the reason (UNSUPPORTED_VOLUME).
 */
export class UnsupportedDevice implements BlockDevice {
  constructor(
    readonly name: string,
    readonly size: number,
    readonly reason: string,
  ) {}
  read(): Promise<Uint8Array> {
    return Promise.reject(new VolumeError('UNSUPPORTED_VOLUME', `${this.name} cannot be read: ${this.reason}`, { structure: this.name }));
  }
  async close(): Promise<void> {}
}
