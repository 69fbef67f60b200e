/**
 * Result cache: a finished result is reusable when the same operation runs with the same
 * options on the same image. Image identity is its sha256 when the job states one (content
 * identity, survives copies), else device + inode + size + mtime (file identity).
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { LruCache } from '../../util/lru.js';
import type { JobDocument, JobMetricsInfo } from '../protocol/schema.js';

export interface CachedResult {
  outputs?: Record<string, unknown>;
  data?: unknown;
  metrics?: JobMetricsInfo;
  /** The outcome failed the job (HandlerOutput.failure); a hit fails the same way. */
  failure?: { code: string; message: string; details?: Record<string, unknown> };
  /** Job whose execution produced the entry. */
  source_job_id: string;
  created_at: string;
}

export interface ResultCache {
  get(key: string): Promise<CachedResult | undefined>;
  set(key: string, value: CachedResult): Promise<void>;
}

export class MemoryResultCache implements ResultCache {
  private readonly lru: LruCache<string, CachedResult>;
  constructor(capacity = 1000) {
    this.lru = new LruCache(capacity);
  }
  async get(key: string): Promise<CachedResult | undefined> {
    return this.lru.get(key);
  }
  async set(key: string, value: CachedResult): Promise<void> {
    this.lru.set(key, value);
  }
}

/** Stable JSON: object keys sorted at every level, so equal options hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export async function imageIdentity(path: string, checksum?: string): Promise<string> {
  if (checksum) return checksum;
  const st = await stat(path, { bigint: true });
  return `file:${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
}

/** True when the job asks to skip the cache (payload.data.no_cache or payload.data.options.no_cache). */
export function cacheBypassed(job: JobDocument): boolean {
  const d = job.payload.data;
  const opts = d['options'];
  return d['no_cache'] === true || (typeof opts === 'object' && opts !== null && (opts as Record<string, unknown>)['no_cache'] === true);
}

/** Cache key for a job whose image identity is known. */
export function resultCacheKey(job: JobDocument, identity: string): string {
  const { image: _image, no_cache: _nc, ...rest } = job.payload.data;
  const options = { ...rest };
  if (typeof options['options'] === 'object' && options['options'] !== null) {
    const { no_cache: _n, ...o } = options['options'] as Record<string, unknown>;
    options['options'] = o;
  }
  const material = canonicalJson({ operation: job.operation, payload_type: job.payload.type, image: identity, options });
  return createHash('sha256').update(material).digest('hex');
}
