import { dirname, isAbsolute, join, resolve, basename } from 'node:path';
import { stat } from 'node:fs/promises';
import { GuestguardError, ImageFormatError } from '../errors.js';
import type { DiskImage, ImageContext, ImageFormat, OpenImageOptions } from './disk-image.js';
import { HostFile } from './host-file.js';
import { RawImage } from './raw.js';
import { IMAGE_FORMATS, type FormatModule } from './formats.js';

const DEFAULT_MAX_DEPTH = 16;

/**
 * Opens a disk image by content (never by file name), resolving its backing chain.
 * The returned device reads lazily: nothing beyond headers and tables is read up front.
 */
export async function openImage(path: string, options: OpenImageOptions = {}): Promise<DiskImage> {
  return openAt(resolve(path), options, 0, new Set());
}

async function openAt(path: string, options: OpenImageOptions, depth: number, chain: Set<string>): Promise<DiskImage> {
  const maxDepth = options.maxBackingDepth ?? DEFAULT_MAX_DEPTH;
  if (depth > maxDepth) {
    throw new ImageFormatError('BACKING_CHAIN_TOO_DEEP', `backing chain is deeper than ${maxDepth} images`, { path });
  }
  if (chain.has(path)) {
    throw new ImageFormatError('CORRUPT_IMAGE', `backing chain loops back to ${path}`, { path });
  }
  const file = await HostFile.open(path);
  try {
    const nextChain = new Set(chain).add(path);
    const ctx: ImageContext = {
      options,
      depth,
      openBacking: async (reference, format) => {
        const p = await locateReference(reference, path, options.backingDir, 'backing file');
        return openAt(p, { ...options, format }, depth + 1, nextChain);
      },
      openSibling: async (reference) => HostFile.open(await locateReference(reference, path, options.backingDir, 'referenced file')),
    };
    // A format named by the user or recorded by a child image is opened as that format without
    // probing: a raw backing disk whose guest data happens to start with another format's
    // magic must stay raw (otherwise guest data could name host files as its own backing).
    const mod = options.format ? formatByName(options.format) : await detect(file);
    if (!mod) {
      if (file.size === 0) throw new ImageFormatError('UNSUPPORTED_IMAGE', `${path} is an empty file, not a disk image`, { path });
      return new RawImage(file);
    }
    return await mod.open(file, ctx);
  } catch (err) {
    await file.close().catch(() => undefined);
    throw err;
  }
}

function formatByName(name: ImageFormat): FormatModule | undefined {
  if (name === 'raw') return undefined;
  const mod = IMAGE_FORMATS.find((m) => m.name === name);
  if (!mod) throw new GuestguardError('INVALID_ARGUMENT', `unknown image format "${name}"`);
  return mod;
}

/** Picks the format module whose signature matches; undefined means raw. */
export async function detect(file: HostFile): Promise<FormatModule | undefined> {
  const head = await file.readUpTo(0, 4096);
  const tail = file.size >= 512 ? await file.readUpTo(file.size - 512, 512) : new Uint8Array(0);
  for (const mod of IMAGE_FORMATS) if (mod.probe(head, tail, file.size)) return mod;
  return undefined;
}

/** Detects the format of a file without opening its structures. */
export async function detectFormat(path: string): Promise<ImageFormat> {
  const file = await HostFile.open(path);
  try {
    return (await detect(file))?.name ?? 'raw';
  } finally {
    await file.close();
  }
}

/** Only regular files may be referenced: a hostile image must not name /dev/sda or a FIFO as its data. */
async function isRegularFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** Resolves a name stored inside an image: absolute, relative to the image's folder, then --backing-dir. */
async function locateReference(reference: string, fromImage: string, backingDir: string | undefined, what: string): Promise<string> {
  if (reference.length === 0 || reference.includes('\0')) {
    throw new ImageFormatError('CORRUPT_IMAGE', `empty or invalid ${what} name`, { path: fromImage });
  }
  const candidates: string[] = [];
  candidates.push(isAbsolute(reference) ? reference : join(dirname(fromImage), reference));
  if (backingDir) {
    candidates.push(join(backingDir, reference));
    candidates.push(join(backingDir, basename(reference.replace(/\\/g, '/'))));
  }
  for (const c of candidates) if (await isRegularFile(c)) return resolve(c);
  throw new ImageFormatError(
    'BACKING_FILE_MISSING',
    `${what} "${reference}" of ${fromImage} not found as a regular file (looked in ${candidates.join(', ')}); pass --backing-dir DIR`,
    { path: fromImage },
  );
}
