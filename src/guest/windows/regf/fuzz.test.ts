/**
 * Fuzzing the hive reader with mutations of a real (hivex-written, re-laid-out) hive: random
 * byte flips, hostile values in offset and size fields, truncations. Whatever the damage, the
 * reader must finish quickly and fail only with a GuestguardError.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, hasTool } from '../../../../test/helpers/fixtures.js';
import { GuestguardError } from '../../../errors.js';
import { HiveEditor, emptyHive, fixChecksum, hivexMerge, regFile, seededBytes, toBigData, toIndexRoot, toLeafKind, type RegKeySpec } from './hive-testing.js';
import { Hive } from './index.js';

const HAVE_HIVEX = hasTool('hivexregedit');

function smallSpec(): RegKeySpec[] {
  const keys: RegKeySpec[] = [
    {
      path: 'Values',
      values: [
        { name: '', sz: 'default' },
        { name: 'S', sz: 'string' },
        { name: 'E', expand: '%X%' },
        { name: 'M', multi: ['a', 'b'] },
        { name: 'D', dword: 7 },
        { name: 'Q', qword: 1n << 40n },
        { name: 'B', binary: seededBytes(40, 1) },
        { name: 'Big', binary: seededBytes(40_000, 2) },
        { name: '名前', sz: 'ünï' },
      ],
    },
    { path: 'Ünïcødé 日本\\Child', values: [{ name: 'x', dword: 1 }] },
    { path: 'A\\B\\C\\D\\E\\F', values: [{ name: 'deep', sz: 'yes' }] },
  ];
  for (let i = 0; i < 40; i++) keys.push({ path: `Ri\\K${String(i).padStart(2, '0')}`, values: [{ name: 'i', dword: i }] });
  for (let i = 0; i < 12; i++) keys.push({ path: `Lf\\K${i}` }, { path: `Li\\K${i}` });
  return keys;
}

let base: Buffer;

beforeAll(async () => {
  if (!HAVE_HIVEX) return;
  const dir = fixtureDir('regf-fuzz-v2', (d) => {
    const p = join(d, 'plain.hive');
    writeFileSync(p, emptyHive());
    hivexMerge(p, regFile(smallSpec()));
  });
  const plain = readFileSync(join(dir, 'plain.hive'));
  const hive = await Hive.open(plain);
  const ed = new HiveEditor(plain);
  toIndexRoot(ed, (await hive.get('Ri'))!.offset, 10);
  toLeafKind(ed, (await hive.get('Lf'))!.offset, 'lf');
  toLeafKind(ed, (await hive.get('Li'))!.offset, 'li');
  toBigData(ed, (await (await hive.get('Values'))!.value('Big'))!.offset);
  base = ed.buf;
});

/** Reads everything reachable: every key, value, data and class name, plus a few lookups. */
async function exercise(bytes: Uint8Array): Promise<number> {
  const hive = await Hive.open(bytes, { ignoreChecksum: true });
  let n = 0;
  for await (const key of hive.walk()) {
    n++;
    for (const v of await key.values()) {
      void v.data;
      void v.asString();
      n++;
    }
    await key.className();
  }
  await hive.get('Ri\\K05');
  await hive.get('Values');
  await (await hive.get('Values'))?.value('Big');
  await hive.get('A\\B\\C\\D\\E\\F');
  return n;
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE = [0, 1, 4, 0x20, 0x1000, 0x7fffffff, 0x80000000, 0x80000004, 0xfffffff8, 0xffffffff, 0xffff, 0x10000];

function mutate(src: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(src);
  const pick = (n: number) => Math.floor(rnd() * n);
  const kind = pick(6);
  if (kind === 0) {
    // Byte flips anywhere past the base block.
    for (let i = 0, n = 1 + pick(16); i < n; i++) {
      const at = 4096 + pick(b.length - 4096);
      b[at] = b[at]! ^ (1 << pick(8));
    }
  } else if (kind === 1 || kind === 2) {
    // A hostile value in an aligned dword: offsets, sizes, counts, cell size fields.
    for (let i = 0, n = 1 + pick(4); i < n; i++) {
      const at = 4096 + pick((b.length - 4100) / 4) * 4;
      const v = kind === 1 ? HOSTILE[pick(HOSTILE.length)]! : pick(b.length);
      b.writeUInt32LE(v >>> 0, at);
    }
  } else if (kind === 3) {
    // 16-bit counts and name lengths.
    const at = 4096 + pick((b.length - 4098) / 2) * 2;
    b.writeUInt16LE([0, 1, 0xffff, 0x8000, pick(0x10000)][pick(5)]!, at);
  } else if (kind === 4) {
    // Base block fields, checksum fixed half the time so parsing goes further.
    b.writeUInt32LE(HOSTILE[pick(HOSTILE.length)]! >>> 0, 4 * pick(16));
    if (rnd() < 0.5) fixChecksum(b);
  } else {
    return b.subarray(0, pick(b.length));
  }
  return b;
}

describe.skipIf(!HAVE_HIVEX)('regf fuzz', () => {
  it('reads the unmutated fuzz base completely', async () => {
    expect(await exercise(base)).toBeGreaterThan(100);
  });

  it('survives 4000 mutated hives with only typed errors, each quickly', async () => {
    const rnd = prng(20240601);
    let failures = 0;
    let slowest = 0;
    for (let i = 0; i < 4000; i++) {
      const m = mutate(base, rnd);
      const t0 = performance.now();
      try {
        await exercise(m);
      } catch (err) {
        if (!(err instanceof GuestguardError)) {
          writeFileSync(join(process.cwd(), '.fixtures', `regf-fuzz-crash-${i}.hive`), m);
          throw new Error(`iteration ${i}: ${(err as Error).stack}`);
        }
        failures++;
      }
      slowest = Math.max(slowest, performance.now() - t0);
    }
    // Many mutations land in slack and change nothing; the rest must be caught as typed errors.
    expect(failures).toBeGreaterThan(200);
    expect(slowest).toBeLessThan(2000);
  });
});
