import type { FormatModule } from '../formats.js';
import { MAX_DESCRIPTOR_BYTES } from './descriptor.js';
import { openVmdk } from './open.js';
import { COWD_MAGIC, KDMV_MAGIC } from './sparse-header.js';

export { VmdkImage, type VmdkExtentInfo } from './vmdk-image.js';
export { parseDescriptor, type VmdkDescriptor, type ExtentLine } from './descriptor.js';
export { openVmdk } from './open.js';

/** True for a sparse extent (KDMV/COWD magic) or a small text file that reads like a VMDK descriptor. */
export function probeVmdk(head: Uint8Array, fileSize: number): boolean {
  if (head.length >= 4) {
    const magic = (head[0]! | (head[1]! << 8) | (head[2]! << 16) | (head[3]! << 24)) >>> 0;
    if (magic === KDMV_MAGIC || magic === COWD_MAGIC) return true;
  }
  if (fileSize > MAX_DESCRIPTOR_BYTES || head.length === 0) return false;
  const text = new TextDecoder('latin1').decode(head.subarray(0, 4096));
  if (text.startsWith('# Disk DescriptorFile')) return true;
  return /^[ \t]*createType[ \t]*=/m.test(text);
}

export const vmdkFormat: FormatModule = {
  name: 'vmdk',
  probe: (head, _tail, fileSize) => probeVmdk(head, fileSize),
  open: (file, ctx) => openVmdk(file, ctx),
};
