/**
 * VG metadata (parsed config text) → a checked model of the volume group: its PVs (by UUID,
 * with pe_start/pe_count) and LVs (segments with their stripes). Units stay as LVM writes
 * them (sectors of 512 bytes, extents); lv-device.ts turns them into byte ranges.
 */
import { VolumeError } from '../../errors.js';
import { ConfigSection, type ConfigScalar } from './config.js';
import { normalizeLvmUuid } from './uuid.js';

export interface VgPv {
  /** Key in the metadata ("pv0"). */
  key: string;
  uuid: string;
  /** Sectors. */
  peStart: number;
  peCount: number;
  deviceHint?: string;
}

export interface Stripe {
  /** PV key ("pv0"), or an LV name for segment types that stack on LVs. */
  pv: string;
  startExtent: number;
}

export interface Segment {
  startExtent: number;
  extentCount: number;
  type: string;
  /** For striped segments: sectors per stripe chunk (0 when stripe_count is 1). */
  stripeSize: number;
  stripes: Stripe[];
  /** The raw section, for types we only name (snapshot origin/cow_store, ...). */
  raw: ConfigSection;
}

export interface VgLv {
  name: string;
  uuid: string;
  status: string[];
  visible: boolean;
  segments: Segment[];
  extentCount: number;
}

export interface VolumeGroupMetadata {
  name: string;
  uuid: string;
  seqno: number;
  /** Sectors per extent. */
  extentSize: number;
  pvs: VgPv[];
  lvs: VgLv[];
}

const MAX_PVS = 4096;
const MAX_LVS = 65536;
const MAX_SEGMENTS = 65536;
const MAX_STRIPES = 128;

function fail(where: string, message: string): never {
  throw new VolumeError('CORRUPT_VOLUME', message, { structure: where });
}

function need<T>(v: T | undefined, where: string, what: string): T {
  if (v === undefined) fail(where, `missing ${what}`);
  return v;
}

function count(n: number | undefined, where: string, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = need(n, where, what);
  if (!Number.isSafeInteger(v) || v < min || v > max) fail(where, `${what} ${v} is out of range`);
  return v;
}

function strings(a: ConfigScalar[] | undefined): string[] {
  return (a ?? []).filter((x): x is string => typeof x === 'string');
}

/**
 * Finds the VG section in parsed metadata (the top-level section that has
 * physical_volumes) and checks it. Throws VolumeError on anything inconsistent.
 */
export function readVolumeGroup(root: ConfigSection, where = 'LVM2 metadata'): VolumeGroupMetadata {
  const vgSec = [...root.sections.values()].find((s) => s.section('physical_volumes'));
  if (!vgSec) fail(where, 'no volume group section');
  const w = `${where}: VG ${vgSec.name}`;
  const extentSize = count(vgSec.num('extent_size'), w, 'extent_size', 1, 2 ** 32);
  const vg: VolumeGroupMetadata = {
    name: vgSec.name,
    uuid: need(vgSec.str('id'), w, 'id'),
    seqno: count(vgSec.num('seqno'), w, 'seqno'),
    extentSize,
    pvs: [],
    lvs: [],
  };

  const pvSecs = [...vgSec.section('physical_volumes')!.sections.values()];
  if (pvSecs.length > MAX_PVS) fail(w, `more than ${MAX_PVS} PVs`);
  for (const p of pvSecs) {
    const pw = `${w} PV ${p.name}`;
    const pv: VgPv = {
      key: p.name,
      uuid: normalizeLvmUuid(need(p.str('id'), pw, 'id')),
      peStart: count(p.num('pe_start'), pw, 'pe_start'),
      peCount: count(p.num('pe_count'), pw, 'pe_count'),
    };
    const hint = p.str('device');
    if (hint !== undefined) pv.deviceHint = hint;
    vg.pvs.push(pv);
  }

  const lvSecs = [...(vgSec.section('logical_volumes')?.sections.values() ?? [])];
  if (lvSecs.length > MAX_LVS) fail(w, `more than ${MAX_LVS} LVs`);
  for (const l of lvSecs) vg.lvs.push(readLv(l, `${w} LV ${l.name}`));
  return vg;
}

function readLv(l: ConfigSection, w: string): VgLv {
  const status = strings(l.arr('status'));
  const segSecs = [...l.sections.values()].filter((s) => /^segment[0-9]+$/u.test(s.name));
  if (segSecs.length > MAX_SEGMENTS) fail(w, `more than ${MAX_SEGMENTS} segments`);
  const segments = segSecs.map((s) => readSegment(s, `${w} ${s.name}`)).sort((a, b) => a.startExtent - b.startExtent);
  // Segments must tile the LV from extent 0 without gaps or overlaps.
  let next = 0;
  for (const s of segments) {
    if (s.startExtent !== next) fail(w, `segment at extent ${s.startExtent} does not follow extent ${next}`);
    next += s.extentCount;
  }
  return {
    name: l.name,
    uuid: need(l.str('id'), w, 'id'),
    status,
    visible: status.includes('VISIBLE'),
    segments,
    extentCount: next,
  };
}

function readSegment(s: ConfigSection, w: string): Segment {
  const type = need(s.str('type'), w, 'type');
  const seg: Segment = {
    startExtent: count(s.num('start_extent'), w, 'start_extent'),
    extentCount: count(s.num('extent_count'), w, 'extent_count', 1),
    type,
    stripeSize: 0,
    stripes: [],
    raw: s,
  };
  if (type !== 'striped' && type !== 'linear') return seg;
  const stripeCount = count(s.num('stripe_count'), w, 'stripe_count', 1, MAX_STRIPES);
  const list = need(s.arr('stripes'), w, 'stripes');
  if (list.length !== stripeCount * 2) fail(w, `stripes lists ${list.length / 2} areas, stripe_count is ${stripeCount}`);
  for (let i = 0; i < list.length; i += 2) {
    const pv = list[i];
    const start = list[i + 1];
    if (typeof pv !== 'string' || typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0) {
      fail(w, `stripe ${i / 2} is malformed`);
    }
    seg.stripes.push({ pv, startExtent: start });
  }
  if (stripeCount > 1) {
    seg.stripeSize = count(s.num('stripe_size'), w, 'stripe_size', 1, 2 ** 32);
    if (seg.extentCount % stripeCount !== 0) fail(w, `extent_count ${seg.extentCount} is not a multiple of stripe_count ${stripeCount}`);
  }
  return seg;
}
