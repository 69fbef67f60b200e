/** Recognising a VMDK from its first bytes (kept apart from the reader so probing loads little). */
import { MAX_DESCRIPTOR_BYTES } from './descriptor.js';

/** "KDMV" as stored (little-endian 0x564d444b): hosted sparse extents (Workstation, ESX streamOptimized). */
export const KDMV_MAGIC = 0x564d444b;
/** "COWD": ESX 2.x/3.x VMFSSPARSE redo logs. */
export const COWD_MAGIC = 0x44574f43;

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
