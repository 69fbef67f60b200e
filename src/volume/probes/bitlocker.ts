/**
 * BitLocker volumes: a boot sector with the "-FVE-FS-" OEM id (or a BitLocker To Go FAT
 * sector) pointing at an FVE metadata block that repeats the signature.
 */
import { VolumeError } from '../../errors.js';
import { BinaryView, guidToString, latin1 } from '../../util/binary.js';
import type { ContentProbe } from '../types.js';
import type { ProbeReader } from './reader.js';
import { utf16Label } from './text.js';

type Kind = 'vista' | 'win7' | 'togo';

function kindOf(bs: Uint8Array): Kind | undefined {
  if (bs.length < 512) return undefined;
  const head = latin1(bs.subarray(0, 11));
  if (head === '\xeb\x52\x90-FVE-FS-') return 'vista';
  if (head === '\xeb\x58\x90-FVE-FS-') return 'win7';
  if (head === '\xeb\x58\x90MSWIN4.1') return 'togo';
  return undefined;
}

/** Cheap test on the boot sector alone, used by the FAT and NTFS probes to step aside. */
export function isBitLockerSector(bs: Uint8Array): boolean {
  const k = kindOf(bs);
  return k === 'vista' || k === 'win7';
}

const METADATA_ENTRY_DESCRIPTION = 0x0007;
const VALUE_TYPE_STRING = 0x0002;
/** The FVE metadata block is a few KiB; refuse to read absurd sizes from a corrupt header. */
const MAX_FVE_SIZE = 1 << 20;

export async function probeBitLocker(r: ProbeReader): Promise<ContentProbe | undefined> {
  const bs = await r.read(0, 512);
  if (!bs) return undefined;
  const kind = kindOf(bs);
  if (!kind) return undefined;
  if (kind === 'vista') return { fs: 'BitLocker' };
  const v = new BinaryView(bs, 'BitLocker boot sector', 0, VolumeError, 'CORRUPT_VOLUME');
  const off = Number(v.u64le(kind === 'win7' ? 176 : 440));
  if (!Number.isSafeInteger(off) || off === 0 || off % 64 !== 0) return undefined;
  const head = await r.read(off, 112);
  if (!head || latin1(head.subarray(0, 8)) !== '-FVE-FS-') return undefined;
  const hv = new BinaryView(head, 'BitLocker FVE metadata', off, VolumeError, 'CORRUPT_VOLUME');
  const out: ContentProbe = { fs: 'BitLocker', details: { version: String(hv.u16le(10)) } };
  out.uuid = guidToString(hv.slice(64 + 16, 16)).toLowerCase();
  // Metadata entries follow the 48-byte header; the description entry is the label.
  const size = hv.u32le(64);
  if (size > MAX_FVE_SIZE) return out;
  const meta = await r.read(off + 64, size);
  if (!meta) return out;
  const mv = new BinaryView(meta, 'BitLocker FVE metadata entries', off + 64, VolumeError, 'CORRUPT_VOLUME');
  for (let p = 48; p + 8 < size; ) {
    const esize = mv.u16le(p);
    if (p % 2 !== 0 || esize < 8 || p + esize > size) break;
    if (mv.u16le(p + 2) === METADATA_ENTRY_DESCRIPTION && mv.u16le(p + 4) === VALUE_TYPE_STRING) {
      const label = utf16Label(mv.slice(p + 8, esize - 8));
      if (label !== undefined) out.label = label;
      break;
    }
    p += esize;
  }
  return out;
}
