import type { Command } from 'commander';
import { DiskSession, openGuestView } from '../guest/session.js';
import type { GuestFileSystem } from '../fs/vfs.js';
import { addImageOptions, imageOptions } from './image-options.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Options of commands that read guest files: image options plus -m and --root. */
export function addGuestOptions(cmd: Command): Command {
  addImageOptions(cmd);
  return cmd
    .option('-m, --mount <device[:mountpoint]>', 'mount this filesystem (repeatable; replaces automatic assembly), like guestfish -m', collect)
    .option('--root <device>', 'operating system root to use when the disks hold several');
}

export interface GuestOptionValues {
  mount?: string[];
  root?: string;
  backingDir?: string;
  format?: string;
}

/** Opens the images and the guest view; the caller must close the session. */
export async function openGuestFromOptions(images: string[], o: GuestOptionValues): Promise<{ session: DiskSession; view: GuestFileSystem }> {
  const session = await DiskSession.open(images, imageOptions(o));
  try {
    const viewOpts: { mounts?: string[]; root?: string } = {};
    if (o.mount) viewOpts.mounts = o.mount;
    if (o.root) viewOpts.root = o.root;
    const { view } = await openGuestView(session, viewOpts);
    return { session, view };
  } catch (err) {
    await session.close();
    throw err;
  }
}
