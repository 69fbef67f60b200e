/**
 * Image checksum verification ("sha256:<hex>"), streamed so memory stays flat for any image
 * size. A verified (device, inode, size, mtime, ctime) is remembered so the same unchanged file
 * is not re-hashed for every job; ctime cannot be set back by users, so any write invalidates.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { LruCache } from '../../util/lru.js';
import { JobError } from '../errors.js';
import { SHA256_CHECKSUM_RE } from '../protocol/schema.js';
import type { JobMetrics } from './metrics.js';

export interface HashProgress {
  bytes: number;
  total: number;
}

/** Streams a file through SHA-256. Aborting the signal stops reading (rejects with its reason). */
export async function sha256OfFile(path: string, opts: { signal?: AbortSignal; onProgress?(p: HashProgress): void; total?: number } = {}): Promise<{ hex: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = createReadStream(path, { highWaterMark: 1 << 20, signal: opts.signal });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
      opts.onProgress?.({ bytes, total: opts.total ?? 0 });
    }
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new JobError('CANCELLED', 'checksum aborted', { phase: 'checksum' });
    throw err;
  }
  return { hex: hash.digest('hex'), bytes };
}

export function parseChecksum(value: string): string {
  if (!SHA256_CHECKSUM_RE.test(value)) {
    throw new JobError('VALIDATION_ERROR', `unsupported checksum "${value}": expected "sha256:<64 hex digits>"`, {
      phase: 'validation',
      details: { field: 'payload.data.image.checksum' },
    });
  }
  return value.slice('sha256:'.length);
}

export interface VerifyResult {
  status: 'ok' | 'cached';
  bytesRead: number;
}

export class ChecksumVerifier {
  private readonly verified = new LruCache<string, string>(4096);
  constructor(private readonly metrics?: JobMetrics) {}

  async verify(path: string, expected: string, opts: { signal?: AbortSignal; onProgress?(p: HashProgress): void } = {}): Promise<VerifyResult> {
    const want = parseChecksum(expected);
    try {
      const st = await stat(path, { bigint: true });
      const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
      if (this.verified.get(key) === want) {
        this.metrics?.checksumVerifications.inc({ status: 'cached' });
        return { status: 'cached', bytesRead: 0 };
      }
      const { hex, bytes } = await sha256OfFile(path, { signal: opts.signal, onProgress: opts.onProgress, total: Number(st.size) });
      this.metrics?.imageReadBytes.inc(bytes);
      if (hex !== want) {
        this.metrics?.checksumVerifications.inc({ status: 'mismatch' });
        throw new JobError('IMAGE_CHECKSUM_MISMATCH', 'image checksum verification failed', {
          phase: 'checksum',
          details: { path, expected: `sha256:${want}`, actual: `sha256:${hex}` },
        });
      }
      this.verified.set(key, hex);
      this.metrics?.checksumVerifications.inc({ status: 'ok' });
      return { status: 'ok', bytesRead: bytes };
    } catch (err) {
      if (err instanceof JobError) {
        if (err.code !== 'IMAGE_CHECKSUM_MISMATCH') this.metrics?.checksumVerifications.inc({ status: err.code === 'CANCELLED' || err.code === 'TIMEOUT' ? 'aborted' : 'error' });
        throw err;
      }
      this.metrics?.checksumVerifications.inc({ status: 'error' });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw new JobError('IMAGE_NOT_FOUND', `image not found: ${path}`, { phase: 'checksum', details: { path } });
      }
      throw new JobError('EXECUTION_ERROR', `cannot read image ${path}: ${(err as Error).message}`, {
        phase: 'checksum',
        recoverable: code === 'EIO' || code === 'EMFILE' || code === 'ENFILE' || code === 'EAGAIN',
        details: { path, cause_code: code },
      });
    }
  }
}
