/**
 * rpm's native "ndb" package store (Packages.db, SUSE's default since rpm 4.16). All integers
 * are little-endian. The file starts with slot pages (4096 bytes each): a 32-byte header
 * ("RpmP", version 0, generation, slot page count, next package index) then 16-byte slots
 * ("Slot", package index, block offset, block count; offset 0 means free). Blobs live in
 * 16-byte blocks after the slot pages: a "BlbS" head (package index, timestamp, length), the
 * header blob, zero padding, and a tail (Adler-32 of everything before it, length, "BlbE").
 */
import type { RandomAccess } from './source.js';
import { corruptDb, dbError, describe, LIMITS, warn } from './types.js';

const MAGIC_RPMP = 0x506d7052; // "RpmP"
const MAGIC_SLOT = 0x746f6c53; // "Slot"
const MAGIC_BLBS = 0x53626c42; // "BlbS"
const MAGIC_BLBE = 0x45626c42; // "BlbE"
const PAGE = 4096;
const SLOT = 16;
const BLK = 16;
const HEADER_SLOTS = 2;
const BLOB_HEAD = 16;
const BLOB_TAIL = 12;
/** 4096 slot pages hold a million packages; more is not a real database. */
const MAX_SLOT_PAGES = 4096;

export interface NdbSlot {
  pkgidx: number;
  blkoff: number;
  blkcnt: number;
  slotno: number;
}

export class NdbReader {
  private constructor(
    readonly src: RandomAccess,
    readonly generation: number,
    readonly slotPages: number,
    /** Used slots in block-offset order (the order rpm lists them in). */
    readonly slots: NdbSlot[],
  ) {}

  static async open(src: RandomAccess, warnings: string[]): Promise<NdbReader> {
    if (src.size < PAGE) throw corruptDb(`file of ${src.size} bytes is too small for an ndb database`, 'ndb header', 0, src.name);
    const head = await src.read(0, 32, 'ndb header');
    const hv = new DataView(head.buffer, head.byteOffset, head.byteLength);
    if (hv.getUint32(0, true) !== MAGIC_RPMP) throw dbError('UNSUPPORTED_FILESYSTEM', `${src.name} is not an rpm ndb database`, { structure: 'ndb header', offset: 0, path: src.name });
    const version = hv.getUint32(4, true);
    if (version !== 0) throw dbError('UNSUPPORTED_FILESYSTEM', `unsupported ndb version ${version}`, { structure: 'ndb header', offset: 4, path: src.name });
    const generation = hv.getUint32(8, true);
    const slotPages = hv.getUint32(12, true);
    if (slotPages < 1 || slotPages > MAX_SLOT_PAGES || slotPages * PAGE > src.size) {
      throw corruptDb(`slot page count ${slotPages} does not fit the ${src.size}-byte file`, 'ndb header', 12, src.name);
    }
    if (src.size % BLK !== 0) warnings.push(`ndb: file size ${src.size} is not a multiple of ${BLK} (torn write?)`);
    const fileBlocks = Math.floor(src.size / BLK);
    const minBlock = (slotPages * PAGE) / BLK;
    const table = await src.read(0, slotPages * PAGE, 'ndb slot pages');
    const tv = new DataView(table.buffer, table.byteOffset, table.byteLength);
    const slots: NdbSlot[] = [];
    const seen = new Set<number>();
    for (let slotno = HEADER_SLOTS; slotno < (slotPages * PAGE) / SLOT; slotno++) {
      const at = slotno * SLOT;
      if (tv.getUint32(at, true) !== MAGIC_SLOT) throw corruptDb('slot has a bad magic', `ndb slot ${slotno}`, at, src.name);
      const blkoff = tv.getUint32(at + 8, true);
      if (blkoff === 0) continue;
      const slot: NdbSlot = { pkgidx: tv.getUint32(at + 4, true), blkoff, blkcnt: tv.getUint32(at + 12, true), slotno };
      if (slot.pkgidx === 0 || slot.blkcnt === 0 || slot.blkoff < minBlock || slot.blkoff + slot.blkcnt > fileBlocks) {
        warn(warnings, `ndb: slot ${slotno} (package ${slot.pkgidx}, blocks ${slot.blkoff}+${slot.blkcnt}) is invalid and was skipped`);
        continue;
      }
      if (seen.has(slot.pkgidx)) {
        warn(warnings, `ndb: package index ${slot.pkgidx} appears in more than one slot; slot ${slotno} skipped`);
        continue;
      }
      seen.add(slot.pkgidx);
      slots.push(slot);
    }
    slots.sort((a, b) => a.blkoff - b.blkoff);
    return new NdbReader(src, generation, slotPages, slots);
  }

  /** Reads and verifies one blob (header, length, tail and checksum). */
  async blob(slot: NdbSlot): Promise<Uint8Array> {
    const where = `ndb blob of package ${slot.pkgidx}`;
    const bytes = slot.blkcnt * BLK;
    if (bytes < BLOB_HEAD + BLOB_TAIL || bytes > LIMITS.headerBytes + BLOB_HEAD + BLOB_TAIL + BLK) {
      throw corruptDb(`blob spans ${slot.blkcnt} blocks`, where, slot.blkoff * BLK, this.src.name);
    }
    const off = slot.blkoff * BLK;
    const b = await this.src.read(off, bytes, where);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (dv.getUint32(0, true) !== MAGIC_BLBS) throw corruptDb('blob head has a bad magic', where, off, this.src.name);
    if (dv.getUint32(4, true) !== slot.pkgidx) throw corruptDb(`blob belongs to package ${dv.getUint32(4, true)}`, where, off + 4, this.src.name);
    const len = dv.getUint32(12, true);
    if (Math.ceil((BLOB_HEAD + len + BLOB_TAIL) / BLK) !== slot.blkcnt) throw corruptDb(`blob length ${len} does not match its ${slot.blkcnt} blocks`, where, off + 12, this.src.name);
    const tail = bytes - BLOB_TAIL;
    if (dv.getUint32(tail + 8, true) !== MAGIC_BLBE) throw corruptDb('blob tail has a bad magic', where, off + tail + 8, this.src.name);
    if (dv.getUint32(tail + 4, true) !== len) throw corruptDb('blob tail length differs from its head', where, off + tail + 4, this.src.name);
    const sum = adler32(b.subarray(0, tail));
    if (dv.getUint32(tail, true) !== sum) throw corruptDb('blob checksum mismatch', where, off + tail, this.src.name);
    return b.subarray(BLOB_HEAD, BLOB_HEAD + len);
  }

  /** Every readable blob; damaged ones are reported in `warnings` and skipped. */
  async *blobs(warnings: string[]): AsyncGenerator<{ pkgidx: number; blob: Uint8Array }> {
    for (const slot of this.slots) {
      let blob: Uint8Array;
      try {
        blob = await this.blob(slot);
      } catch (err) {
        warn(warnings, `ndb: package ${slot.pkgidx} skipped: ${describe(err)}`);
        continue;
      }
      yield { pkgidx: slot.pkgidx, blob };
    }
  }
}

/** RFC 1950 Adler-32, starting at 1 like rpm's blob checksum. */
export function adler32(b: Uint8Array, start = 1): number {
  let s1 = start & 0xffff;
  let s2 = (start >>> 16) & 0xffff;
  for (let i = 0; i < b.length; ) {
    const end = Math.min(b.length, i + 5552);
    for (; i < end; i++) {
      s1 += b[i]!;
      s2 += s1;
    }
    s1 %= 65521;
    s2 %= 65521;
  }
  return ((s2 << 16) | s1) >>> 0;
}
