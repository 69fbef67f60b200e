import type { DiskImage, ImageContext, ImageFormat } from './disk-image.js';
import type { HostFile } from './host-file.js';
import { probeVdi } from './vdi/header.js';
import { probeVhd } from './vhd/footer.js';
import { probeVhdx } from './vhdx/headers.js';
import { probeVmdk } from './vmdk/probe.js';

/** One image format: a content probe and an opener. */
export interface FormatModule {
  readonly name: Exclude<ImageFormat, 'raw'>;
  /** `head` is up to the first 4 KiB, `tail` the last 512 bytes (VHD footers live there). */
  probe(head: Uint8Array, tail: Uint8Array, fileSize: number): boolean;
  open(file: HostFile, ctx: ImageContext): Promise<DiskImage>;
}

// Probes are small and always loaded; each reader loads when an image of its format is opened,
// so reading a qcow2 does not compile the VMDK, VHD, VHDX and VDI readers.

export const qcow2Format: FormatModule = {
  name: 'qcow2',
  // "QFI\xfb"; qcow v1 shares the magic and is refused with a clear error by the opener.
  probe: (head) => head.length >= 4 && head[0] === 0x51 && head[1] === 0x46 && head[2] === 0x49 && head[3] === 0xfb,
  open: async (file, ctx) => (await import('./qcow2/image.js')).Qcow2Image.open(file, ctx),
};

export const vmdkFormat: FormatModule = {
  name: 'vmdk',
  probe: (head, _tail, fileSize) => probeVmdk(head, fileSize),
  open: async (file, ctx) => (await import('./vmdk/open.js')).openVmdk(file, ctx),
};

export const vhdxFormat: FormatModule = {
  name: 'vhdx',
  probe: (head) => probeVhdx(head),
  open: async (file, ctx) => (await import('./vhdx/vhdx-image.js')).VhdxImage.open(file, ctx),
};

export const vhdFormat: FormatModule = {
  name: 'vhd',
  probe: (head, tail) => probeVhd(head, tail),
  open: async (file, ctx) => (await import('./vhd/vhd-image.js')).VhdImage.open(file, ctx),
};

export const vdiFormat: FormatModule = {
  name: 'vdi',
  probe: (head) => probeVdi(head),
  open: async (file) => (await import('./vdi/vdi-image.js')).VdiImage.open(file),
};

/** Probe order matters only for VHD, whose signature can sit at the end of a raw-looking file. */
export const IMAGE_FORMATS: readonly FormatModule[] = [qcow2Format, vhdxFormat, vdiFormat, vmdkFormat, vhdFormat];
