/**
 * The permission walk reads several directories at once; its answer must still be exactly the
 * depth-first, name-ordered walk. The reference here is GuestFileSystem.walk, which is
 * sequential, over a real ext4 image whose names sort differently per component and per path.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir } from '../../../test/helpers/fixtures.js';
import { canBuildImages, closeGuests, makeExt4, openGuest, put } from '../../guest/linux/test-trees.js';
import { walkPermissions } from './walk.js';

function walkImage(): string {
  const dir = fixtureDir('audit-walk-order-v1', (d) => {
    const t = join(d, 'tree');
    // "a" < "a-b" < "a.b" < "a0" by name, yet "a/..." must come right after "a" in the walk.
    const names = ['a', 'a-b', 'a.b', 'a0', 'B', 'b', 'é', 'z'];
    for (const top of names) {
      for (const mid of names) {
        mkdirSync(join(t, 'srv', top, mid), { recursive: true });
        put(t, `srv/${top}/${mid}/ww`, 'x', 0o666);
        put(t, `srv/${top}/${mid}/plain`, 'x', 0o644);
      }
      put(t, `srv/${top}/suid`, 'x', 0o4755);
      put(t, `srv/${top}/sgid`, 'x', 0o2755);
    }
    mkdirSync(join(t, 'srv/tmp-like'), { recursive: true });
    chmodSync(join(t, 'srv/tmp-like'), 0o1777);
    for (const top of names) chmodSync(join(t, 'srv', top, 'a-b', 'ww'), 0o666);
    makeExt4(t, join(d, 'root.img'));
  });
  return join(dir, 'root.img');
}

describe.skipIf(!canBuildImages)('walkPermissions', () => {
  afterAll(closeGuests);

  it('finds what the sequential walk finds, in the same order', async () => {
    const view = await openGuest(walkImage());
    const expected: { path: string; mode: number }[] = [];
    let visited = 0;
    for await (const { path, stat } of view.walk('/srv')) {
      visited++;
      if (stat.type !== 'symlink' && (stat.mode & 0o6002) !== 0) expected.push({ path, mode: stat.mode & 0o7777 });
    }
    expect(expected.length).toBe(8 * 8 + 8 * 2 + 1);
    for (let run = 0; run < 3; run++) {
      const w = await walkPermissions(view, '/srv');
      expect(w.incomplete).toBeUndefined();
      expect(w.visited).toBe(visited);
      expect(w.entries.map((e) => ({ path: e.path, mode: e.mode }))).toEqual(expected);
    }
  });

  it('stops at the entry limit and says so', async () => {
    const view = await openGuest(walkImage());
    const w = await walkPermissions(view, '/srv', { entries: 50, depth: 64 });
    expect(w.visited).toBeLessThanOrEqual(50);
    expect(w.incomplete).toMatch(/stopped after 50 entries/);
  });
});
