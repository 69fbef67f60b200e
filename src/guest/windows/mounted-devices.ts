/** SYSTEM\\MountedDevices: which volume each drive letter is, in the three forms Windows stores. */
import { guidToString } from '../../util/binary.js';
import { utf16UpToNul } from './regf/value.js';
import type { WindowsDriveMapping } from './types.js';

const DOS_DEVICE = /^\\DosDevices\\([A-Za-z]:)$/;
const DMIO = 'DMIO:ID:';

export function isDriveLetterValue(name: string): boolean {
  return DOS_DEVICE.test(name);
}

/**
 * 12 bytes: MBR disk signature (u32) and partition start in bytes (u64).
 * "DMIO:ID:" + 16-byte GUID: the GPT unique partition GUID.
 * Anything else: a UTF-16 device path (CD-ROMs, USB sticks, dynamic disks).
 */
export function decodeMountedDevice(name: string, raw: Uint8Array): WindowsDriveMapping | undefined {
  const m = DOS_DEVICE.exec(name);
  if (!m) return undefined;
  const out: WindowsDriveMapping = { drive: m[1]!.toUpperCase(), kind: 'unknown', raw: Buffer.from(raw).toString('hex') };
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw.length === 12) {
    out.kind = 'mbr';
    out.mbr_signature = dv.getUint32(0, true).toString(16).padStart(8, '0');
    const offset = dv.getBigUint64(4, true);
    if (offset <= BigInt(Number.MAX_SAFE_INTEGER)) out.partition_offset = Number(offset);
  } else if (raw.length === 24 && Buffer.from(raw.subarray(0, 8)).toString('latin1') === DMIO) {
    out.kind = 'gpt';
    out.gpt_partition_guid = guidToString(raw.subarray(8, 24));
  } else if (raw.length >= 4 && raw.length % 2 === 0) {
    const path = utf16UpToNul(raw);
    if (/^[\x20-\x7e\u00a0-\uffff]+$/.test(path) && (path.startsWith('\\') || path.startsWith('_'))) {
      out.kind = 'device';
      out.device_path = path;
    }
  }
  return out;
}
