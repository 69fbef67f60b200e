/**
 * The host files a job's disk image is made of: the image, its backing chain, VMDK extents and
 * qcow2 external data files. Found by opening the image with the disk layer exactly as the image
 * handlers do (same options, same lookup of backing names, same depth limit and cycle check), so
 * the file broker of a sandboxed handler can serve that list and nothing else. Opening reads
 * headers and tables only; everything is closed again before the handler starts.
 */
import { realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import type { DiskImage, ImageFormat } from '../../disk/disk-image.js';
import type { HostFile } from '../../disk/host-file.js';
import { openImage } from '../../disk/open-image.js';
import { GuestguardError } from '../../errors.js';
import { JobError } from '../errors.js';
import { IMAGE_FORMAT_NAMES } from '../exec/image-errors.js';

/** Backing images below the top one (the disk layer's own default, stated here so it cannot drift apart). */
export const MAX_CHAIN_DEPTH = 16;
/** Most files one image may consist of (a VMDK split into 2 GiB extents: 512 files for 1 TiB). */
export const MAX_CHAIN_FILES = 1024;

/** payload.data.image as far as brokering cares: the path and the format the handler will be told. */
export interface ImageRefLike {
  path: string;
  format?: string | undefined;
}

/** payload.data.image of a handler call, when it names one. */
export function imageRefOf(data: Record<string, unknown>): ImageRefLike | undefined {
  const image = data['image'];
  if (image === null || typeof image !== 'object') return undefined;
  const { path, format } = image as { path?: unknown; format?: unknown };
  if (typeof path !== 'string' || path.length === 0) return undefined;
  return typeof format === 'string' ? { path, format } : { path };
}

function hostFilesOf(img: DiskImage): HostFile[] {
  if (img.files) return [...img.files];
  const single = (img as { file?: HostFile }).file;
  return single ? [single] : [];
}

/**
 * Paths (as the disk layer names them, top image first) of every host file the image reads.
 * Throws the disk layer's typed error (BACKING_FILE_MISSING, BACKING_CHAIN_TOO_DEEP,
 * CORRUPT_IMAGE, ...) when the image cannot be opened: the same error the handler would meet.
 */
export async function imageChainFiles(image: ImageRefLike): Promise<string[]> {
  const format = image.format !== undefined && (IMAGE_FORMAT_NAMES as readonly string[]).includes(image.format) ? (image.format as ImageFormat) : undefined;
  // A small cache: nothing but headers and tables is read here.
  const img = await openImage(image.path, { maxBackingDepth: MAX_CHAIN_DEPTH, cacheBytes: 1 << 20, ...(format ? { format } : {}) });
  try {
    const out: string[] = [];
    const seen = new Set<string>();
    let cur: DiskImage | undefined = img;
    for (let depth = 0; cur; depth++, cur = cur.backing) {
      if (depth > MAX_CHAIN_DEPTH) throw new GuestguardError('BACKING_CHAIN_TOO_DEEP', `backing chain is deeper than ${MAX_CHAIN_DEPTH} images`, { path: image.path });
      for (const f of hostFilesOf(cur)) {
        if (seen.has(f.path)) continue;
        seen.add(f.path);
        out.push(f.path);
      }
      if (out.length > MAX_CHAIN_FILES) throw new GuestguardError('LIMIT_EXCEEDED', `image ${image.path} consists of more than ${MAX_CHAIN_FILES} files`, { path: image.path });
    }
    return out;
  } finally {
    await img.close().catch(() => undefined);
  }
}

/**
 * Refuses chain files that resolve (symlinks followed) outside `roots`: the rule the executor
 * applies to the image itself (ExecutorOptions.imageRoots), applied to what the image names, so a
 * crafted overlay cannot name a host file elsewhere as its backing disk and have it served.
 */
export async function assertChainInsideRoots(files: readonly string[], roots: readonly string[], image: string): Promise<void> {
  if (roots.length === 0) return;
  const realRoots = (await Promise.all(roots.map((r) => realpath(r).catch(() => undefined)))).filter((r): r is string => r !== undefined);
  for (const f of files) {
    const real = await realpath(f).catch(() => f);
    if (realRoots.some((r) => real === r || real.startsWith(r.endsWith(sep) ? r : r + sep))) continue;
    const what = f === files[0] ? `image ${image}` : `${f}, a file of image ${image}'s backing chain,`;
    throw new JobError('VALIDATION_ERROR', `${what} is outside the allowed image directories`, {
      phase: 'validation',
      details: { field: 'payload.data.image.path', path: image, file: f, allowed: [...roots] },
    });
  }
}
