import { openImage } from '../disk/open-image.js';
import { backingChain, type DiskImage, type ImageFormat, type OpenImageOptions } from '../disk/disk-image.js';
import { scanDisks } from './scan.js';
import type { DiskLayout, Volume } from './types.js';

/** The stable, serialisable description of one volume (what `disk --json` prints). */
export interface VolumeReport {
  device: string;
  start: number;
  size: number;
  type?: string;
  fs?: string;
  label?: string;
  uuid?: string;
  partition_number?: number;
  partition_uuid?: string;
  partition_label?: string;
  children: VolumeReport[];
}

export interface DiskReport {
  path: string;
  format: ImageFormat;
  virtual_size: number;
  backing: { path: string; format: ImageFormat }[];
  partition_table: DiskLayout['scheme'];
  volumes: VolumeReport[];
  warnings: string[];
}

export function volumeReport(v: Volume): VolumeReport {
  const r = { device: v.name, start: v.start, size: v.size } as VolumeReport;
  if (v.type !== undefined) r.type = v.type;
  if (v.content?.fs !== undefined) r.fs = v.content.fs;
  if (v.content?.label !== undefined) r.label = v.content.label;
  if (v.content?.uuid !== undefined) r.uuid = v.content.uuid;
  if (v.partition) {
    r.partition_number = v.partition.number;
    if (v.partition.uuid !== undefined) r.partition_uuid = v.partition.uuid;
    if (v.partition.label !== undefined) r.partition_label = v.partition.label;
  }
  r.children = v.children.map(volumeReport); // last, so nested trees read top-down
  return r;
}

export function diskReport(image: DiskImage, layout: DiskLayout): DiskReport {
  return {
    path: image.name,
    format: image.format,
    virtual_size: image.size,
    backing: backingChain(image),
    partition_table: layout.scheme,
    volumes: layout.volumes.map(volumeReport),
    warnings: layout.warnings,
  };
}

/** Opens an image, reads its partition tables, LVM and superblocks, and describes it. */
export async function describeDisk(path: string, options: OpenImageOptions = {}): Promise<DiskReport> {
  const image = await openImage(path, options);
  try {
    const [layout] = await scanDisks([image]);
    return diskReport(image, layout!);
  } finally {
    await image.close();
  }
}
