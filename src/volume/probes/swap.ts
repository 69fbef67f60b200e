/** Linux swap: "SWAPSPACE2" (or v0 "SWAP-SPACE") in the last 10 bytes of the first page. */
import { VolumeError } from '../../errors.js';
import { BinaryView, isAllZero, latin1, uuidToString } from '../../util/binary.js';
import type { ContentProbe } from '../types.js';
import type { ProbeReader } from './reader.js';
import { byteLabel } from './text.js';

const PAGE_SIZES = [4096, 8192, 16384, 32768, 65536];
const MIN_SIZE = 10 * 4096;
const TUXONICE = '\xed\xc3\x02\xe9\x98\x56\xe5\x0c';

export async function probeSwap(r: ProbeReader): Promise<ContentProbe | undefined> {
  if (r.size < MIN_SIZE) return undefined;
  for (const page of PAGE_SIZES) {
    const magic = await r.read(page - 10, 10);
    if (!magic) break;
    const m = latin1(magic);
    if (m !== 'SWAPSPACE2' && m !== 'SWAP-SPACE') continue;
    const head = await r.read(0, 8);
    if (head && latin1(head) === TUXONICE) return undefined; // TuxOnIce image, not swap
    if (m === 'SWAP-SPACE') return { fs: 'swap', details: { version: '0' } };
    const hdr = await r.read(1024, 512);
    if (!hdr) return undefined;
    const v = new BinaryView(hdr, 'swap header', 1024, VolumeError, 'CORRUPT_VOLUME');
    const version = v.u32le(0);
    if (version !== 1 && v.u32be(0) !== 1) return undefined;
    if (v.u32le(4) === 0) return undefined; // last_page unset
    const out: ContentProbe = { fs: 'swap', details: { version: '1' } };
    // blkid only trusts label and UUID when the padding after them is clean.
    if (v.u32le(44 + 32 * 4) === 0 && v.u32le(44 + 33 * 4) === 0) {
      const label = v.u8(28) !== 0 ? byteLabel(v.slice(28, 16)) : undefined;
      if (label !== undefined) out.label = label;
      const uuid = v.slice(12, 16);
      if (!isAllZero(uuid)) out.uuid = uuidToString(uuid);
    }
    return out;
  }
  return undefined;
}
