/**
 * Volume-group assembly across PVs (possibly on several disks): read every metadata area,
 * keep the newest copy (highest seqno) of each VG, match the VG's PVs to devices by the UUID
 * in their labels, and turn each visible LV into a readable device — or, for segment types
 * we do not implement (thin, raid, mirror, snapshot, cache, ...), a named unsupported entry.
 */
import { GuestguardError, VolumeError } from '../../errors.js';
import type { BlockDevice } from '../../disk/block-device.js';
import { parseLvmConfig } from './config.js';
import type { PvLabel } from './label.js';
import { LvDevice, type MappedSegment } from './lv-device.js';
import { readMetadataArea } from './mda.js';
import { normalizeLvmUuid } from './uuid.js';
import { readVolumeGroup, type VgLv, type VgPv, type VolumeGroupMetadata } from './vg.js';

const SECTOR = 512;
/** How far we follow LV-on-LV references (thin → pool → tdata) to find where an LV lives. */
const MAX_STACK_DEPTH = 8;

export interface PhysicalVolume {
  /** The PV device: a partition or a whole disk. */
  device: BlockDevice;
  label: PvLabel;
}

export interface AssembledLv {
  vg: string;
  name: string;
  uuid: string;
  size: number;
  segments: number;
  striped: boolean;
  segmentTypes: string[];
  /** Set for readable LVs. */
  device?: LvDevice;
  /** Set for LVs that are listed but cannot be read. */
  unsupported?: string;
  /** PV holding the LV's first extent (for unsupported types: of what it is built on). */
  firstPv?: PhysicalVolume;
  /** Byte offset of that extent on firstPv.device. */
  firstOffset: number;
}

export interface AssembledVg {
  name: string;
  uuid: string;
  seqno: number;
  pvs: PhysicalVolume[];
  /** UUIDs of PVs named in the metadata but not found on any disk. */
  missingPvs: string[];
  lvs: AssembledLv[];
}

export interface LvmAssembly {
  vgs: AssembledVg[];
  warnings: string[];
}

const READABLE_TYPES = new Set(['striped', 'linear']);

export async function assembleLvm(pvs: PhysicalVolume[]): Promise<LvmAssembly> {
  const warnings: string[] = [];
  const byUuid = new Map<string, PhysicalVolume>();
  for (const pv of pvs) {
    const id = normalizeLvmUuid(pv.label.pvUuid);
    const other = byUuid.get(id);
    if (other) {
      warnings.push(`PV UUID ${pv.label.pvUuid} appears on both ${other.device.name} and ${pv.device.name} (cloned disk?); using ${other.device.name}`);
      continue;
    }
    byUuid.set(id, pv);
  }

  // Newest metadata per VG UUID, and which PVs carried which seqno.
  const newest = new Map<string, { meta: VolumeGroupMetadata; from: string }>();
  const seen: { vg: string; seqno: number; from: string }[] = [];
  for (const pv of byUuid.values()) {
    for (const mda of pv.label.metadataAreas) {
      try {
        const text = await readMetadataArea(pv.device, mda);
        if (!text) continue;
        const meta = readVolumeGroup(parseLvmConfig(text.text, text.where), text.where);
        const id = normalizeLvmUuid(meta.uuid);
        seen.push({ vg: id, seqno: meta.seqno, from: pv.device.name });
        const cur = newest.get(id);
        if (!cur || meta.seqno > cur.meta.seqno) newest.set(id, { meta, from: pv.device.name });
      } catch (e) {
        if (!(e instanceof GuestguardError)) throw e;
        warnings.push(`${pv.device.name}: LVM metadata area at ${mda.offset} unusable: ${e.message}`);
      }
    }
  }

  const vgs: AssembledVg[] = [];
  for (const [id, { meta }] of newest) {
    for (const s of seen) {
      if (s.vg === id && s.seqno < meta.seqno) {
        warnings.push(`VG ${meta.name}: ${s.from} has stale metadata (seqno ${s.seqno}, newest ${meta.seqno}); using the newest`);
      }
    }
    vgs.push(buildVg(meta, byUuid, warnings));
  }
  return { vgs, warnings };
}

function buildVg(meta: VolumeGroupMetadata, byUuid: Map<string, PhysicalVolume>, warnings: string[]): AssembledVg {
  const pvByKey = new Map<string, { meta: VgPv; pv?: PhysicalVolume }>();
  const missing: string[] = [];
  const found: PhysicalVolume[] = [];
  for (const p of meta.pvs) {
    const pv = byUuid.get(p.uuid);
    pvByKey.set(p.key, pv ? { meta: p, pv } : { meta: p });
    if (pv) found.push(pv);
    else missing.push(p.uuid);
  }
  if (missing.length > 0) {
    warnings.push(`VG ${meta.name} is incomplete: ${missing.length} PV(s) not found (${missing.join(', ')}); LVs on them are not opened`);
  }
  const lvByName = new Map(meta.lvs.map((l) => [l.name, l]));
  const cowStores = new Set<string>();
  for (const l of meta.lvs) {
    for (const s of l.segments) {
      const cow = s.type === 'snapshot' ? s.raw.str('cow_store') : undefined;
      if (cow) cowStores.add(cow);
    }
  }

  const lvs: AssembledLv[] = [];
  for (const lv of meta.lvs) {
    // An old-style snapshot is stored as a hidden COW LV plus a hidden "snapshotN" LV of type
    // "snapshot" tying it to its origin; LVM shows it under the COW LV's name.
    if (lv.segments.some((s) => s.type === 'snapshot')) continue;
    if (!lv.visible && !cowStores.has(lv.name)) continue;
    const types = [...new Set(lv.segments.map((s) => s.type))];
    const out: AssembledLv = {
      vg: meta.name,
      name: lv.name,
      uuid: lv.uuid,
      size: lv.extentCount * meta.extentSize * SECTOR,
      segments: lv.segments.length,
      striped: lv.segments.some((s) => s.stripes.length > 1),
      segmentTypes: types,
      firstOffset: 0,
    };
    const loc = locate(lv, meta, lvByName, pvByKey, 0);
    if (loc) {
      out.firstPv = loc.pv;
      out.firstOffset = loc.offset;
    }
    let reason: string | undefined;
    if (cowStores.has(lv.name)) reason = 'LVM snapshot (copy-on-write store) volumes are not supported';
    else if (!types.every((t) => READABLE_TYPES.has(t))) reason = `LVM ${types.join('+')} volumes are not supported`;
    if (!reason) {
      try {
        out.device = new LvDevice(`/dev/${meta.name}/${lv.name}`, mapSegments(lv, meta, pvByKey));
      } catch (e) {
        if (!(e instanceof GuestguardError)) throw e;
        reason = e.message;
      }
    }
    if (reason) {
      out.unsupported = reason;
      warnings.push(`${meta.name}/${lv.name}: ${reason}; listed but not opened`);
    }
    lvs.push(out);
  }
  return { name: meta.name, uuid: meta.uuid, seqno: meta.seqno, pvs: found, missingPvs: missing, lvs };
}

function mapSegments(lv: VgLv, meta: VolumeGroupMetadata, pvByKey: Map<string, { meta: VgPv; pv?: PhysicalVolume }>): MappedSegment[] {
  const ext = meta.extentSize * SECTOR;
  return lv.segments.map((s) => {
    const perStripe = s.extentCount / s.stripes.length;
    const where = `${meta.name}/${lv.name} segment at extent ${s.startExtent}`;
    return {
      start: s.startExtent * ext,
      length: s.extentCount * ext,
      chunk: s.stripes.length > 1 ? s.stripeSize * SECTOR : 0,
      areas: s.stripes.map((st) => {
        const ref = pvByKey.get(st.pv);
        if (!ref) throw new VolumeError('CORRUPT_VOLUME', `segment names unknown PV "${st.pv}"`, { structure: where });
        if (!ref.pv) throw new VolumeError('CORRUPT_VOLUME', `PV ${ref.meta.uuid} is missing`, { structure: where });
        if (st.startExtent + perStripe > ref.meta.peCount) {
          throw new VolumeError('CORRUPT_VOLUME', `extents ${st.startExtent}+${perStripe} exceed the ${ref.meta.peCount} extents of ${st.pv}`, { structure: where });
        }
        return { dev: ref.pv.device, offset: ref.meta.peStart * SECTOR + st.startExtent * ext };
      }),
    };
  });
}

/**
 * Where an LV's first extent lives: its first stripe for striped segments; for stacked types
 * (thin, raid, mirror, snapshot...) the first LV its first segment refers to, recursively.
 */
function locate(
  lv: VgLv,
  meta: VolumeGroupMetadata,
  lvByName: Map<string, VgLv>,
  pvByKey: Map<string, { meta: VgPv; pv?: PhysicalVolume }>,
  depth: number,
): { pv: PhysicalVolume; offset: number } | undefined {
  const seg = lv.segments[0];
  if (!seg || depth > MAX_STACK_DEPTH) return undefined;
  const st = seg.stripes[0];
  if (st) {
    const ref = pvByKey.get(st.pv);
    if (!ref?.pv) return undefined;
    return { pv: ref.pv, offset: (ref.meta.peStart + st.startExtent * meta.extentSize) * SECTOR };
  }
  const refs: string[] = [];
  for (const v of seg.raw.values.values()) {
    for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string' && x !== lv.name && lvByName.has(x)) refs.push(x);
  }
  for (const name of refs) {
    const found = locate(lvByName.get(name)!, meta, lvByName, pvByKey, depth + 1);
    if (found) return found;
  }
  return undefined;
}
