import { LruCache } from '../../util/lru.js';

/**
 * A bounded LRU of loaded values plus the loads in flight, so concurrent readers of the same
 * table or grain share one host read. Failed loads are not remembered.
 */
export class LoadingCache<T> {
  private readonly done: LruCache<number, T>;
  private readonly pending = new Map<number, Promise<T>>();

  constructor(capacity: number) {
    this.done = new LruCache(capacity);
  }

  get(key: number, load: () => Promise<T>): Promise<T> {
    const hit = this.done.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    const inflight = this.pending.get(key);
    if (inflight) return inflight;
    const p = load().then(
      (v) => {
        this.pending.delete(key);
        this.done.set(key, v);
        return v;
      },
      (e: unknown) => {
        this.pending.delete(key);
        throw e;
      },
    );
    this.pending.set(key, p);
    return p;
  }

  clear(): void {
    this.done.clear();
  }
}
