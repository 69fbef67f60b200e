import type { DiskImage, ImageContext, ImageFormat } from './disk-image.js';
import type { HostFile } from './host-file.js';
import { qcow2Format } from './qcow2/index.js';
import { vmdkFormat } from './vmdk/index.js';
import { vhdxFormat } from './vhdx/index.js';
import { vhdFormat } from './vhd/index.js';
import { vdiFormat } from './vdi/index.js';

/** One image format: a content probe and an opener. */
export interface FormatModule {
  readonly name: Exclude<ImageFormat, 'raw'>;
  /** `head` is up to the first 4 KiB, `tail` the last 512 bytes (VHD footers live there). */
  probe(head: Uint8Array, tail: Uint8Array, fileSize: number): boolean;
  open(file: HostFile, ctx: ImageContext): Promise<DiskImage>;
}

/** Probe order matters only for VHD, whose signature can sit at the end of a raw-looking file. */
export const IMAGE_FORMATS: readonly FormatModule[] = [qcow2Format, vhdxFormat, vdiFormat, vmdkFormat, vhdFormat];
