/**
 * LUKS1 and LUKS2 headers ("LUKS\xba\xbe" at 0; a LUKS2 secondary header "SKUL\xba\xbe" at one
 * of the fixed offsets when the primary was damaged). The UUID is stored as text.
 */
import { VolumeError } from '../../errors.js';
import { BinaryView, latin1 } from '../../util/binary.js';
import type { ContentProbe } from '../types.js';
import type { ProbeReader } from './reader.js';
import { byteLabel } from './text.js';

const MAGIC_1 = 'LUKS\xba\xbe';
const MAGIC_2 = 'SKUL\xba\xbe';
const SECONDARY_OFFSETS = [0x4000, 0x8000, 0x10000, 0x20000, 0x40000, 0x80000, 0x100000, 0x200000, 0x400000];
const HEADER_BYTES = 512;

function parse(hdr: Uint8Array, offset: number, magic: string): ContentProbe | undefined {
  if (latin1(hdr.subarray(0, 6)) !== magic) return undefined;
  const v = new BinaryView(hdr, 'LUKS header', offset, VolumeError, 'CORRUPT_VOLUME');
  const version = v.u16be(6);
  if (version === 2 && v.u64be(256) !== BigInt(offset)) return undefined;
  const out: ContentProbe = { fs: 'crypto_LUKS', details: { version: String(version) } };
  const uuid = byteLabel(v.slice(168, 40));
  if (uuid !== undefined) out.uuid = uuid;
  if (version === 2) {
    const label = byteLabel(v.slice(24, 48));
    if (label !== undefined) out.label = label;
    const subsystem = byteLabel(v.slice(208, 48));
    if (subsystem !== undefined) out.details!['subsystem'] = subsystem;
  }
  return out;
}

export async function probeLuks(r: ProbeReader): Promise<ContentProbe | undefined> {
  const hdr = await r.read(0, HEADER_BYTES);
  if (!hdr) return undefined;
  const primary = parse(hdr, 0, MAGIC_1);
  if (primary) return primary;
  for (const off of SECONDARY_OFFSETS) {
    const h = await r.read(off, HEADER_BYTES);
    if (!h) break;
    const secondary = parse(h, off, MAGIC_2);
    if (secondary) return secondary;
  }
  return undefined;
}
