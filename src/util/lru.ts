interface Entry<V> {
  value: V;
  /** Value of `clock` when the entry was inserted or last moved to the young end. */
  stamp: number;
}

/**
 * A small LRU map bounded by entry count. Map keeps insertion order, so the oldest key is the
 * first one and recency is refreshed by re-inserting. Re-inserting on every hit (a delete and a
 * set) was a tenth of a filesystem walk's CPU, so in caches of 32 entries or more a hit moves an
 * entry only when more than a quarter of the capacity was inserted since it last moved. Until
 * then it is among the newest quarter, so an entry that was read still survives at least
 * capacity - 1 - capacity/4 further insertions, and hits on recently used entries (the common
 * case) cost one Map lookup. Smaller caches keep exact LRU order.
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, Entry<V>>();
  /** Counts insertions and refreshes; an entry's age is how many happened since its stamp. */
  private clock = 0;
  private readonly refreshAge: number;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('LRU capacity must be at least 1');
    this.refreshAge = capacity < 32 ? 0 : Math.floor(capacity / 4);
  }

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (this.clock - e.stamp > this.refreshAge) {
      // Entries younger than this (at most refreshAge insertions ago) are left where they are.
      this.map.delete(key);
      this.map.set(key, e);
      e.stamp = ++this.clock;
    }
    return e.value;
  }

  set(key: K, value: V): void {
    const e = this.map.get(key);
    if (e !== undefined) {
      this.map.delete(key);
    } else if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, { value, stamp: ++this.clock });
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
