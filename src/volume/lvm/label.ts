/**
 * The LVM2 PV label: a 512-byte sector ("LABELONE") in one of the first four sectors, holding
 * the PV header — PV UUID, device size, and the lists of data and metadata areas.
 */
import { VolumeError } from '../../errors.js';
import type { BlockDevice } from '../../disk/block-device.js';
import { BinaryView, latin1 } from '../../util/binary.js';
import { lvmCrc } from '../crc32.js';
import { formatLvmUuid, isLvmId } from './uuid.js';

export interface DiskArea {
  /** Byte offset from the start of the PV. */
  offset: number;
  /** Byte size; 0 means "to the end of the device" for data areas. */
  size: number;
}

export interface PvLabel {
  /** Sector (0–3) holding the label. */
  sector: number;
  /** Formatted with dashes, as pvs prints it. */
  pvUuid: string;
  deviceSize: number;
  dataAreas: DiskArea[];
  metadataAreas: DiskArea[];
}

const LABEL_SIZE = 512;
/** A PV header has one data area and at most two metadata areas; allow some slack. */
const MAX_AREAS = 16;

/** Finds and validates the label in the first 2048 bytes of a PV; undefined when absent. */
export function findPvLabel(head: Uint8Array): PvLabel | undefined {
  for (let s = 0; s < 4 && (s + 1) * LABEL_SIZE <= head.length; s++) {
    const sec = head.subarray(s * LABEL_SIZE, (s + 1) * LABEL_SIZE);
    if (latin1(sec.subarray(0, 8)) !== 'LABELONE') continue;
    const label = parseLabel(sec, s);
    if (label) return label;
  }
  return undefined;
}

function parseLabel(sec: Uint8Array, sector: number): PvLabel | undefined {
  const v = new BinaryView(sec, 'LVM2 label', sector * LABEL_SIZE, VolumeError, 'CORRUPT_VOLUME');
  if (v.u64le(8) !== BigInt(sector)) return undefined;
  if (lvmCrc(sec.subarray(20)) !== v.u32le(16)) return undefined;
  if (v.ascii(24, 8) !== 'LVM2 001') return undefined;
  const hdr = v.u32le(20);
  if (hdr < 32 || hdr + 40 > LABEL_SIZE) return undefined;
  const rawUuid = v.ascii(hdr, 32);
  if (!isLvmId(rawUuid)) return undefined;
  const deviceSize = v.safe64le(hdr + 32, 'PV device size');
  let p = hdr + 40;
  const readList = (): DiskArea[] => {
    const out: DiskArea[] = [];
    for (;;) {
      if (p + 16 > LABEL_SIZE) throw new VolumeError('CORRUPT_VOLUME', 'PV header area list runs off the label sector', { structure: 'LVM2 PV header', offset: sector * LABEL_SIZE + p });
      const offset = v.safe64le(p, 'area offset');
      const size = v.safe64le(p + 8, 'area size');
      p += 16;
      if (offset === 0) return out;
      if (out.length >= MAX_AREAS) throw new VolumeError('CORRUPT_VOLUME', `more than ${MAX_AREAS} areas in PV header`, { structure: 'LVM2 PV header', offset: sector * LABEL_SIZE + p });
      out.push({ offset, size });
    }
  };
  const dataAreas = readList();
  const metadataAreas = readList();
  return { sector, pvUuid: formatLvmUuid(rawUuid), deviceSize, dataAreas, metadataAreas };
}

/** Reads the label of a device; undefined when it is not a PV. */
export async function readPvLabel(dev: BlockDevice): Promise<PvLabel | undefined> {
  if (dev.size < 2048) return undefined;
  return findPvLabel(await dev.read(0, 2048));
}
