/**
 * Pieces shared by the handlers that open disk images (guestkit.inspect, guestkit.profile):
 * payload validation with the field at fault, the image reference, opening the disks with the
 * library's typed errors mapped to job errors, and counting the bytes read from the host.
 */
import { z } from 'zod';
import type { DiskImage, OpenImageOptions } from '../../disk/disk-image.js';
import type { HostFile } from '../../disk/host-file.js';
import type { InspectProgress } from '../../guest/inspect/index.js';
import { DiskSession } from '../../guest/session.js';
import { JobError, type FieldIssue } from '../errors.js';
import { IMAGE_FORMAT_NAMES, imageOpenError } from '../exec/image-errors.js';
import { SHA256_CHECKSUM_RE } from '../protocol/schema.js';
import type { HandlerContext, ProgressUpdate } from './types.js';

/** payload.data.image of the image operations (unknown fields are kept: forward compatible). */
export const ImageSchema = z.looseObject({
  path: z.string().min(1).max(4096),
  format: z.enum(IMAGE_FORMAT_NAMES as [string, ...string[]]).optional(),
  checksum: z.string().regex(SHA256_CHECKSUM_RE, 'must be "sha256:" followed by 64 lower-case hex digits').optional(),
  /** Informational (the submitter's idea of the disk size); the size limit uses the image's own header. */
  size_bytes: z.number().int().nonnegative().optional(),
});
export type ImagePayload = z.output<typeof ImageSchema>;

/** Parses payload.data; a problem is a VALIDATION_ERROR naming the dotted field (payload.data.…). */
export function parsePayloadData<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issues: FieldIssue[] = r.error.issues.map((i) => ({
    field: ['payload', 'data', ...i.path.map(String)].join('.'),
    message: i.code === 'invalid_type' && /received undefined/.test(i.message) ? 'is required' : i.message,
  }));
  const first = issues[0]!;
  throw new JobError('VALIDATION_ERROR', `${first.field}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, {
    phase: 'validation',
    details: { field: first.field, issues },
  });
}

/** Opens the image as a disk session; library errors become IMAGE_NOT_FOUND / UNSUPPORTED_IMAGE / ... */
export async function openImageSession(image: ImagePayload): Promise<DiskSession> {
  const opts: OpenImageOptions = {};
  if (image.format !== undefined) opts.format = image.format as OpenImageOptions['format'];
  try {
    return await DiskSession.open([image.path], opts);
  } catch (err) {
    throw imageOpenError(err, image.path, 'execution');
  }
}

function hostFilesOf(img: DiskImage | undefined, into: Set<HostFile>, depth = 0): void {
  if (!img || depth > 64) return;
  const single = (img as { file?: HostFile }).file;
  for (const f of img.files ?? (single ? [single] : [])) into.add(f);
  hostFilesOf(img.backing, into, depth + 1);
}

/**
 * Bytes the session has read from host files (image, backing chain, extents), reported to the
 * job as they grow so guestguard_image_read_bytes_total moves during long inspections too.
 */
export class ReadMeter {
  private reported = 0;
  constructor(
    private readonly session: DiskSession,
    private readonly ctx: HandlerContext,
  ) {}

  total(): number {
    const files = new Set<HostFile>();
    for (const img of this.session.images) hostFilesOf(img, files);
    let n = 0;
    for (const f of files) n += f.stats.hostBytesRead;
    return n;
  }

  /** Sends what was read since the last report. */
  report(): void {
    const now = this.total();
    if (now > this.reported) {
      this.ctx.addMetrics({ disk_read_bytes: now - this.reported });
      this.reported = now;
    }
  }
}

const OS_STEPS = ['identity', 'packages', 'services', 'users', 'network', 'kernels', 'security', 'windows'];

/** An inspection progress event as a job progress update (`span` maps it into a part of 0..100). */
export function inspectProgressUpdate(e: InspectProgress, phase: string, span: [number, number] = [0, 100]): ProgressUpdate {
  const [lo, hi] = span;
  let f: number;
  switch (e.step) {
    case 'open':
      f = 0;
      break;
    case 'scan':
      f = 0.03;
      break;
    case 'roots':
      f = 0.08;
      break;
    case 'done':
      f = 1;
      break;
    default: {
      const of = Math.max(1, e.of ?? 1);
      const os = Math.min(of, Math.max(1, e.os ?? 1));
      const i = Math.max(0, OS_STEPS.indexOf(e.step));
      f = 0.1 + (0.9 * (os - 1 + i / OS_STEPS.length)) / of;
    }
  }
  const details: Record<string, unknown> = { step: e.step };
  if (e.root !== undefined) details['root'] = e.root;
  if (e.os !== undefined) details['os'] = e.os;
  if (e.of !== undefined) details['of'] = e.of;
  return { phase, progress_percent: Math.round((lo + (hi - lo) * f) * 10) / 10, message: e.message, details };
}
