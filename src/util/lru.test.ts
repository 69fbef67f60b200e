import { describe, expect, it } from 'vitest';
import { LruCache } from './lru.js';

describe('LruCache', () => {
  it('is bounded and evicts the least recently inserted key first', () => {
    const c = new LruCache<number, string>(3);
    for (let i = 0; i < 5; i++) c.set(i, `v${i}`);
    expect(c.size).toBe(3);
    expect([0, 1, 2, 3, 4].map((k) => c.get(k))).toEqual([undefined, undefined, 'v2', 'v3', 'v4']);
    expect(() => new LruCache(0)).toThrow(RangeError);
  });

  it('keeps exact LRU order in small caches', () => {
    const c = new LruCache<string, number>(3);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    expect(c.get('a')).toBe(1); // a becomes the newest; b is now the oldest
    c.set('d', 4);
    expect(c.has('b')).toBe(false);
    expect(c.get('a')).toBe(1);
    c.set('c', 30); // updating a key refreshes it and keeps the size: order is now d, a, c
    c.set('e', 5);
    expect(c.size).toBe(3);
    expect(c.has('d')).toBe(false);
    expect([c.get('a'), c.get('c'), c.get('e')]).toEqual([1, 30, 5]);
  });

  it('in large caches, an entry that is read keeps surviving insertions', () => {
    const cap = 1000;
    const c = new LruCache<number, number>(cap);
    for (let i = 0; i < cap; i++) c.set(i, i);
    // Key 0 is read between every insertion of a new key: it must never be evicted, while the
    // other original keys all are.
    for (let i = cap; i < 10 * cap; i++) {
      expect(c.get(0)).toBe(0);
      c.set(i, i);
      expect(c.size).toBe(cap);
    }
    expect(c.get(0)).toBe(0);
    expect(c.has(1)).toBe(false);
    expect(c.has(cap - 1)).toBe(false);
  });

  it('in large caches, an entry read once survives at least three quarters of the capacity in insertions', () => {
    const cap = 400;
    const c = new LruCache<number, number>(cap);
    for (let i = 0; i < cap; i++) c.set(i, i);
    // Read key 0 once when it is the oldest: it moves to the young end.
    expect(c.get(0)).toBe(0);
    for (let i = 0; i < cap - 1 - cap / 4; i++) c.set(cap + i, i);
    expect(c.has(0)).toBe(true);
    // Read key 5 right after it is inserted (still young, not moved): it is evicted in key order.
    const d = new LruCache<number, number>(cap);
    for (let i = 0; i < cap; i++) d.set(i, i);
    expect(d.get(cap - 1)).toBe(cap - 1);
    for (let i = 0; i < cap - 1; i++) d.set(cap + i, i);
    expect(d.has(cap - 1)).toBe(true);
    d.set(-1, -1);
    expect(d.has(cap - 1)).toBe(false);
  });

  it('deletes and clears', () => {
    const c = new LruCache<string, number>(40);
    c.set('x', 1);
    c.set('y', 2);
    expect(c.delete('x')).toBe(true);
    expect(c.delete('x')).toBe(false);
    expect(c.get('x')).toBeUndefined();
    c.clear();
    expect(c.size).toBe(0);
  });
});
