import type { BlockDevice } from './block-device.js';
import type { HostFile } from './host-file.js';

export type ImageFormat = 'raw' | 'qcow2' | 'vmdk' | 'vhd' | 'vhdx' | 'vdi';

/** An opened image file: a BlockDevice plus what it is made of. */
export interface DiskImage extends BlockDevice {
  readonly format: ImageFormat;
  /** The parent image of a differencing/overlay image, already opened. */
  readonly backing?: DiskImage | undefined;
  /** Host files this image reads (the image itself, extents, external data files). */
  readonly files?: readonly HostFile[];
}

export interface OpenImageOptions {
  /** Skip detection and open as this format. */
  format?: ImageFormat;
  /** Folder searched for backing/parent files that are not found where the image names them. */
  backingDir?: string;
  /** Refuse backing chains deeper than this (default 16). */
  maxBackingDepth?: number;
  /** Open without backing images; reads of unallocated ranges return zeros. */
  ignoreBacking?: boolean;
  /** Bytes of decoded data clusters kept in each image's LRU cache (default 32 MiB). */
  cacheBytes?: number;
}

/**
 * What a format opener receives besides its own file: a way to open its backing image
 * (resolved, cycle-checked, depth-limited) and the shared options.
 */
export interface ImageContext {
  readonly options: OpenImageOptions;
  /** Current depth in a backing chain (0 for the top image). */
  readonly depth: number;
  /**
   * Opens a backing/parent/extent-referenced image. `reference` is the name as stored in the
   * child (relative names resolve against the child's folder, then options.backingDir).
   * `format` is the stored format hint when the child records one.
   */
  openBacking(reference: string, format?: ImageFormat): Promise<DiskImage>;
  /** Opens another host file referenced by the image (VMDK extents, qcow2 external data file). */
  openSibling(reference: string): Promise<HostFile>;
}

/** Summary of a chain, top image first excluded: what `disk --json` prints as "backing". */
export function backingChain(img: DiskImage): { path: string; format: ImageFormat }[] {
  const out: { path: string; format: ImageFormat }[] = [];
  let cur = img.backing;
  for (let i = 0; cur && i < 64; i++, cur = cur.backing) out.push({ path: cur.name, format: cur.format });
  return out;
}
