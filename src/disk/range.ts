import { GuestguardError } from '../errors.js';
import type { BlockDevice } from './block-device.js';

/** Rejects reads that do not lie wholly inside the device. */
export function checkRange(dev: Pick<BlockDevice, 'size' | 'name'>, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > dev.size) {
    throw new GuestguardError('OUT_OF_RANGE', `read of ${length} bytes at ${offset} is outside ${dev.name} (${dev.size} bytes)`, {
      offset,
    });
  }
}
