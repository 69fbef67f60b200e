import { mkdir, open, symlink, utimes, chmod, lutimes } from 'node:fs/promises';
import { join } from 'node:path';
import { GuestguardError } from '../errors.js';
import type { GuestFileSystem } from '../fs/vfs.js';

export interface CopyOutResult {
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
  /** Special files (devices, fifos, sockets) that were not copied. */
  skipped: string[];
}

/**
 * Copies a guest file or tree into a host folder (DEST/<basename>), keeping modes and mtimes.
 * Every host path is created fresh (O_EXCL files, new directories) and guest symlinks are
 * recreated, never followed, so nothing can be written outside DEST.
 */
export async function copyOut(view: GuestFileSystem, guestPath: string, dest: string): Promise<CopyOutResult> {
  const result: CopyOutResult = { files: 0, dirs: 0, symlinks: 0, bytes: 0, skipped: [] };
  const start = guestPath.replace(/\/+$/, '') || '/';
  const baseName = start === '/' ? '' : start.slice(start.lastIndexOf('/') + 1);
  const dirTimes: { host: string; mtime: number; mode: number }[] = [];
  for await (const { path, stat } of view.walk(start)) {
    const rel = path === start ? '' : path.slice(start === '/' ? 1 : start.length + 1);
    const host = join(dest, baseName, rel);
    switch (stat.type) {
      case 'dir':
        // Copying the guest root lands in DEST itself, whose mode and times stay the user's.
        if (host !== dest) {
          await mkdir(host, { mode: 0o700 });
          dirTimes.push({ host, mtime: stat.mtime, mode: stat.mode & 0o7777 });
        }
        result.dirs++;
        break;
      case 'file': {
        const fh = await open(host, 'wx', 0o600);
        try {
          for await (const chunk of view.stream(path)) {
            await fh.write(chunk);
            result.bytes += chunk.length;
          }
        } finally {
          await fh.close();
        }
        await chmod(host, stat.mode & 0o7777);
        await utimes(host, stat.mtime, stat.mtime);
        result.files++;
        break;
      }
      case 'symlink':
        await symlink(await view.readlink(path), host);
        await lutimes(host, stat.mtime, stat.mtime).catch(() => undefined);
        result.symlinks++;
        break;
      default:
        result.skipped.push(path);
    }
  }
  if (result.files + result.dirs + result.symlinks === 0 && result.skipped.length > 0) {
    throw new GuestguardError('INVALID_ARGUMENT', `${guestPath} is a special file (${result.skipped.length}) and cannot be copied`);
  }
  // Directory modes and times last: writing into them would change their mtimes, and a
  // read-only mode would stop the copy.
  for (const d of dirTimes.reverse()) {
    await chmod(d.host, d.mode);
    await utimes(d.host, d.mtime, d.mtime);
  }
  return result;
}
