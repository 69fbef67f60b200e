import { Option, type Command } from 'commander';
import type { ImageFormat, OpenImageOptions } from '../disk/disk-image.js';

export const IMAGE_FORMATS: readonly ImageFormat[] = ['raw', 'qcow2', 'vmdk', 'vhd', 'vhdx', 'vdi'];

/** Options every command that opens images shares. */
export function addImageOptions(cmd: Command): Command {
  return cmd
    .option('--backing-dir <dir>', 'folder to search for backing/parent images not found where the image names them')
    .addOption(new Option('--format <format>', 'skip detection and open the image as this format').choices(IMAGE_FORMATS));
}

export function imageOptions(o: { backingDir?: string; format?: string }): OpenImageOptions {
  const out: OpenImageOptions = {};
  if (o.backingDir) out.backingDir = o.backingDir;
  if (o.format) out.format = o.format as ImageFormat;
  return out;
}
