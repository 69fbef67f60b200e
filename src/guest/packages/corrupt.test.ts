/**
 * Hand-made damage to real databases (db5.3_load's BDB files, rpm's ndb file): each must give
 * a typed error or a warning naming what was skipped, while intact records are still read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GuestguardError } from '../../errors.js';
import { BdbHashReader } from './bdb-hash.js';
import { NdbReader } from './rpm-ndb.js';
import { bytesSource } from './source.js';
import { canBuildBdb, canBuildRpm, rpmFixture, TESTDATA } from './test-fixtures.js';
import { MAX_WARNINGS, warn } from './types.js';

async function records(bytes: Uint8Array): Promise<{ keys: number[]; warnings: string[] }> {
  const db = await BdbHashReader.open(bytesSource(bytes, 'Packages'));
  const warnings: string[] = [];
  const keys: number[] = [];
  for await (const r of db.records(warnings)) keys.push(db.keyNumber(r.key)!);
  return { keys: keys.sort((a, b) => a - b), warnings };
}

async function rejects(p: Promise<unknown>, code: string, re: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GuestguardError);
  expect((err as GuestguardError).code).toBe(code);
  expect((err as Error).message).toMatch(re);
}

describe.runIf(canBuildRpm && canBuildBdb)('damaged Berkeley DB files', () => {
  const load = (variant: string) => new Uint8Array(readFileSync(join(rpmFixture().bdb[variant]!, 'Packages')));
  const setU32 = (b: Uint8Array, off: number, v: number, le: boolean) => new DataView(b.buffer).setUint32(off, v, le);

  it('rejects a meta page whose bucket count cannot fit the file', async () => {
    const b = load('bdb-le-512');
    setU32(b, 72, 0xfffffff0, true);
    await rejects(BdbHashReader.open(bytesSource(b, 'P')), 'CORRUPT_FILESYSTEM', /max bucket/);
  });

  it('rejects files that are not hash databases, and encrypted ones', async () => {
    const b = load('bdb-be-512');
    b[15] = 0x62; // hash magic 00061561 -> 00061562
    await rejects(BdbHashReader.open(bytesSource(b, 'P')), 'UNSUPPORTED_FILESYSTEM', /not a Berkeley DB hash/);
    const e = load('bdb-be-512');
    e[24] = 1;
    await rejects(BdbHashReader.open(bytesSource(e, 'P')), 'UNSUPPORTED_FILESYSTEM', /encrypted/);
    await rejects(BdbHashReader.open(bytesSource(new Uint8Array(100), 'P')), 'CORRUPT_FILESYSTEM', /too small/);
  });

  it('reports a bucket chain that loops back on itself and still reads the other buckets', async () => {
    const b = load('bdb-le-512');
    const intact = await records(b);
    const db = await BdbHashReader.open(bytesSource(b, 'P'));
    // Find a bucket whose first page holds records and point its next link at itself.
    let victim = -1;
    for (let bucket = 0; bucket <= db.meta.maxBucket && victim < 0; bucket++) {
      const pg = db.bucketPage(bucket);
      if (new DataView(b.buffer).getUint16(pg * 512 + 20, true) > 0) victim = pg;
    }
    setU32(b, victim * 512 + 16, victim, true);
    const r = await records(b);
    expect(r.warnings.some((w) => /linked twice \(cycle\)/.test(w))).toBe(true);
    expect(r.keys.length).toBeGreaterThan(0);
    expect(r.keys.every((k) => intact.keys.includes(k))).toBe(true);
  });

  it('skips an item whose overflow chain is broken and keeps the rest', async () => {
    const b = load('bdb-be-512');
    const intact = await records(b);
    const pages = b.length / 512;
    let hit = -1;
    for (let p = 1; p < pages && hit < 0; p++) if (b[p * 512 + 25] === 7) hit = p;
    b[hit * 512 + 25] = 13; // overflow page now claims to be a hash page
    const r = await records(b);
    expect(r.warnings.join('\n')).toMatch(/expected overflow/);
    expect(r.keys.length).toBe(intact.keys.length - 1);
  });
});

describe('damaged ndb files', () => {
  const golden = new Uint8Array(readFileSync(join(TESTDATA, 'ndb/Packages.db')));
  const setU32 = (b: Uint8Array, off: number, v: number) => new DataView(b.buffer).setUint32(off, v, true);

  it('rejects a slot page count beyond the file and a broken slot magic', async () => {
    const b = golden.slice();
    setU32(b, 12, 1000);
    await rejects(NdbReader.open(bytesSource(b, 'P'), []), 'CORRUPT_FILESYSTEM', /slot page count/);
    const m = golden.slice();
    m[32 + 16 * 7] = 0;
    await rejects(NdbReader.open(bytesSource(m, 'P'), []), 'CORRUPT_FILESYSTEM', /bad magic/);
    const v = golden.slice();
    setU32(v, 4, 1);
    await rejects(NdbReader.open(bytesSource(v, 'P'), []), 'UNSUPPORTED_FILESYSTEM', /version 1/);
  });

  it('skips slots pointing outside the file or duplicating a package index', async () => {
    const b = golden.slice();
    setU32(b, 32 + 8, 0x7fffffff); // first slot's block offset
    setU32(b, 48 + 4, new DataView(b.buffer).getUint32(64 + 4, true)); // second slot copies the third's index
    const warnings: string[] = [];
    const ndb = await NdbReader.open(bytesSource(b, 'P'), warnings);
    expect(warnings.join('\n')).toMatch(/slot 2 .* invalid/);
    expect(warnings.join('\n')).toMatch(/more than one slot/);
    expect(ndb.slots).toHaveLength(3);
  });

  it('caps the warnings a reader collects', () => {
    const w: string[] = [];
    for (let i = 0; i < 1000; i++) warn(w, `w${i}`);
    expect(w).toHaveLength(MAX_WARNINGS + 1);
    expect(w.at(-1)).toBe('further warnings suppressed');
  });
});
