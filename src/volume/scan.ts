/**
 * The volume scan: for each disk, its partition table (GPT, MBR, or none), the content of
 * every partition, and LVM volume groups assembled across all disks. Problems that do not
 * stop the scan (backup GPT used, incomplete VG, unsupported LV types) become warnings on the
 * disk concerned rather than errors.
 */
import { GuestguardError } from '../errors.js';
import type { BlockDevice } from '../disk/block-device.js';
import { SliceDevice } from '../disk/cached-device.js';
import type { DiskLayout, Volume } from './types.js';
import { readGpt, gptTypeName, type GptTable } from './gpt.js';
import { isEmptyMbr, looksLikeMbr, mbrTypeName, readMbr, type MbrTable } from './mbr.js';
import { BOOT_SECTOR_TYPES, probeContent } from './probe.js';
import { assembleLvm, readPvLabel, type AssembledLv, type PhysicalVolume } from './lvm/index.js';
import { UnsupportedDevice } from './unsupported-device.js';

export interface ScanOptions {
  /** Identify filesystems and other content on each volume (default true). */
  probe?: boolean;
  /** Assemble LVM volume groups (default true). */
  lvm?: boolean;
}

/** Linux disk names: sda..sdz, sdaa..sdzz, ... */
export function diskName(index: number): string {
  let n = index;
  let s = '';
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return `/dev/sd${s}`;
}

export async function scanDisks(devices: BlockDevice[], options: ScanOptions = {}): Promise<DiskLayout[]> {
  const probe = options.probe ?? true;
  const layouts: DiskLayout[] = [];
  for (let i = 0; i < devices.length; i++) layouts.push(await scanDisk(devices[i]!, diskName(i), probe));
  if (probe && (options.lvm ?? true)) await attachLvm(layouts);
  return layouts;
}

/** Every volume of every disk, depth-first (partitions, then the LVs on them). */
export function flattenVolumes(layouts: DiskLayout[]): Volume[] {
  const out: Volume[] = [];
  const walk = (v: Volume): void => {
    out.push(v);
    v.children.forEach(walk);
  };
  for (const l of layouts) l.volumes.forEach(walk);
  return out;
}

async function scanDisk(dev: BlockDevice, name: string, probe: boolean): Promise<DiskLayout> {
  const layout: DiskLayout = { name, scheme: 'none', size: dev.size, device: dev, volumes: [], warnings: [] };
  const sector0 = dev.size >= 512 ? await dev.read(0, 512) : undefined;
  const mbrShaped = sector0 !== undefined && looksLikeMbr(sector0);
  const protective = mbrShaped && hasProtectiveEntry(sector0);

  if (!mbrShaped || protective) {
    // A protective MBR announces a GPT; without any valid MBR a GPT may still be there.
    let gpt: GptTable | undefined;
    try {
      gpt = await readGpt(dev);
      if (!gpt && protective) layout.warnings.push('protective MBR present but no GPT header found; treating the disk as unpartitioned');
    } catch (e) {
      if (!(e instanceof GuestguardError)) throw e;
      layout.warnings.push(`${e.message}; treating the disk as unpartitioned`);
    }
    if (gpt) {
      if (!protective) layout.warnings.push('GPT found without a protective MBR');
      addGptVolumes(layout, dev, gpt);
    }
  } else if (!(await isBootSectorFilesystem(dev)) && !(isEmptyMbr(sector0) && (await probeContent(dev)))) {
    // (An empty MBR in front of whole-disk content, e.g. an LVM PV, is not a partition table.)
    try {
      addMbrVolumes(layout, dev, await readMbr(dev));
    } catch (e) {
      if (!(e instanceof GuestguardError)) throw e;
      layout.warnings.push(`MBR unreadable (${e.message}); treating the disk as unpartitioned`);
    }
  }

  if (layout.scheme === 'none') {
    layout.volumes.push({ name, start: 0, size: dev.size, children: [], device: new SliceDevice(dev, 0, dev.size, name) });
  }
  if (probe) for (const v of layout.volumes) await probeInto(v, layout);
  return layout;
}

/** Probes a volume's content; a read error there is a warning, not the end of the scan. */
async function probeInto(v: Volume, layout: DiskLayout): Promise<void> {
  try {
    const c = await probeContent(v.device);
    if (c) v.content = c;
  } catch (e) {
    if (!(e instanceof GuestguardError)) throw e;
    layout.warnings.push(`${v.name}: content probe failed: ${e.message}`);
  }
}

function addGptVolumes(layout: DiskLayout, dev: BlockDevice, gpt: GptTable): void {
  layout.scheme = 'gpt';
  layout.diskId = gpt.diskGuid;
  layout.sectorSize = gpt.sectorSize;
  layout.warnings.push(...gpt.warnings);
  for (const p of gpt.partitions) {
    const start = p.firstLba * gpt.sectorSize;
    const size = (p.lastLba - p.firstLba + 1) * gpt.sectorSize;
    const pname = `${layout.name}${p.number}`;
    const vol: Volume = {
      name: pname,
      start,
      size,
      type: gptTypeName(p.typeGuid),
      partition: {
        scheme: 'gpt',
        number: p.number,
        typeCode: p.typeGuid,
        uuid: p.uniqueGuid,
        bootable: (p.attributes & 4n) !== 0n,
        attributes: `0x${p.attributes.toString(16).padStart(16, '0')}`,
      },
      children: [],
      device: new SliceDevice(dev, start, size, pname),
    };
    if (p.name) vol.partition!.label = p.name;
    layout.volumes.push(vol);
  }
}

function addMbrVolumes(layout: DiskLayout, dev: BlockDevice, mbr: MbrTable): void {
  layout.scheme = 'mbr';
  layout.diskId = mbr.diskId;
  layout.sectorSize = 512;
  layout.warnings.push(...mbr.warnings);
  for (const p of mbr.partitions) {
    const start = p.startLba * 512;
    const size = p.sectors * 512;
    const pname = `${layout.name}${p.number}`;
    layout.volumes.push({
      name: pname,
      start,
      size,
      type: mbrTypeName(p.type),
      partition: { scheme: 'mbr', number: p.number, typeCode: p.type.toString(16).padStart(2, '0'), bootable: p.bootable, kind: p.kind },
      children: [],
      device: new SliceDevice(dev, start, size, pname),
    });
  }
}

function hasProtectiveEntry(sector0: Uint8Array): boolean {
  for (let i = 0; i < 4; i++) if (sector0[446 + i * 16 + 4] === 0xee) return true;
  return false;
}

/** A FAT/exFAT/NTFS/BitLocker boot sector carries 0x55AA too; it is not a partition table. */
async function isBootSectorFilesystem(dev: BlockDevice): Promise<boolean> {
  return (await probeContent(dev, BOOT_SECTOR_TYPES)) !== undefined;
}

async function attachLvm(layouts: DiskLayout[]): Promise<void> {
  const pvs: PhysicalVolume[] = [];
  const owner = new Map<BlockDevice, { layout: DiskLayout; volume: Volume }>();
  for (const layout of layouts) {
    for (const volume of layout.volumes) {
      if (volume.content?.fs !== 'LVM2_member') continue;
      try {
        const label = await readPvLabel(volume.device);
        if (!label) continue;
        pvs.push({ device: volume.device, label });
        owner.set(volume.device, { layout, volume });
      } catch (e) {
        if (!(e instanceof GuestguardError)) throw e;
        layout.warnings.push(`${volume.name}: LVM label unreadable: ${e.message}`);
      }
    }
  }
  if (pvs.length === 0) return;
  const { vgs, warnings } = await assembleLvm(pvs);
  // Assembly warnings go to the first disk that holds a PV.
  const firstLayout = owner.get(pvs[0]!.device)!.layout;
  firstLayout.warnings.push(...warnings);
  const byName = new Map<string, string>();
  for (const vg of vgs) {
    const other = byName.get(vg.name);
    if (other) firstLayout.warnings.push(`two volume groups are named ${vg.name} (UUIDs ${other} and ${vg.uuid}, cloned disks?); their /dev/${vg.name}/ names clash`);
    byName.set(vg.name, vg.uuid);
  }
  for (const vg of vgs) {
    for (const lv of vg.lvs) {
      const home = lv.firstPv ? owner.get(lv.firstPv.device) : vg.pvs[0] ? owner.get(vg.pvs[0].device) : undefined;
      if (!home) {
        firstLayout.warnings.push(`${vg.name}/${lv.name}: no PV of it was found; not listed`);
        continue;
      }
      const vol = lvVolume(lv, home.volume);
      if (lv.device) await probeInto(vol, home.layout);
      home.volume.children.push(vol);
    }
  }
}

function lvVolume(lv: AssembledLv, parent: Volume): Volume {
  const name = `/dev/${lv.vg}/${lv.name}`;
  const vol: Volume = {
    name,
    start: parent.start + (lv.firstPv ? lv.firstOffset : 0),
    size: lv.size,
    lvm: { vg: lv.vg, lv: lv.name, uuid: lv.uuid, segments: lv.segments, striped: lv.striped, segmentTypes: lv.segmentTypes },
    children: [],
    device: lv.device ?? new UnsupportedDevice(name, lv.size, lv.unsupported ?? 'not readable'),
  };
  if (lv.unsupported) vol.unsupported = lv.unsupported;
  return vol;
}
