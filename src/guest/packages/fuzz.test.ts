/**
 * Thousands of seeded mutations of real databases (the rpm-written ndb file, db5.3_load's BDB
 * files, header blobs, a real SQLite WAL): every reader must either return or throw a
 * GuestguardError, in bounded time, never a RangeError/TypeError or a hang.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GuestguardError } from '../../errors.js';
import { parseApkInstalled } from './apk.js';
import { BdbHashReader } from './bdb-hash.js';
import { parseDeb822 } from './deb822.js';
import { pacmanDescToPackage, parsePacmanDesc } from './pacman.js';
import { parseRpmHeader, RPMTAG, rpmHeaderToPackage } from './rpm-header.js';
import { NdbReader } from './rpm-ndb.js';
import { readRpmSqlite } from './rpm-sqlite.js';
import { bytesSource } from './source.js';
import { applyWal } from './sqlite-wal.js';
import { canBuildBdb, canBuildRpm, canBuildWal, rpmFixture, TESTDATA, walFixture } from './test-fixtures.js';

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = ReturnType<typeof prng>;
const pick = (r: Rand, n: number) => Math.floor(r() * n);
const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 16, 4096];

/** Mutates a copy: byte flips, interesting 32-bit values (both byte orders) in `hot` ranges, truncation. */
function mutate(src: Uint8Array, r: Rand, hot: [number, number][]): Uint8Array {
  let b = src.slice();
  const ops = 1 + pick(r, 6);
  for (let i = 0; i < ops; i++) {
    const [lo, hi] = hot.length > 0 && r() < 0.7 ? hot[pick(r, hot.length)]! : [0, b.length];
    const at = Math.min(b.length - 1, lo + pick(r, Math.max(1, Math.min(hi, b.length) - lo)));
    if (at < 0) break;
    const op = pick(r, 10);
    if (op < 5) b[at] = pick(r, 256);
    else if (op < 9 && at + 4 <= b.length) new DataView(b.buffer).setUint32(at, INTERESTING[pick(r, INTERESTING.length)]!, r() < 0.5);
    else b = b.subarray(0, at);
  }
  return b;
}

/** Runs fn; anything thrown must be a GuestguardError. Returns the slowest run in ms. */
async function fuzz(n: number, seed: number, make: (r: Rand) => Uint8Array, fn: (b: Uint8Array) => Promise<unknown> | unknown): Promise<{ errors: number; slowest: number }> {
  const r = prng(seed);
  let errors = 0;
  let slowest = 0;
  for (let i = 0; i < n; i++) {
    const input = make(r);
    const t0 = performance.now();
    try {
      await fn(input);
    } catch (err) {
      if (!(err instanceof GuestguardError)) {
        throw new Error(`iteration ${i} (seed ${seed}) threw ${String(err)}\n${(err as Error).stack ?? ''}`);
      }
      errors++;
    }
    slowest = Math.max(slowest, performance.now() - t0);
  }
  return { errors, slowest };
}

function touchHeader(blob: Uint8Array): void {
  const p = rpmHeaderToPackage(parseRpmHeader(blob));
  void p;
  const h = parseRpmHeader(blob);
  for (const tag of Object.values(RPMTAG)) {
    try {
      h.string(tag);
    } catch (err) {
      if (!(err instanceof GuestguardError)) throw err;
    }
    try {
      h.number(tag);
    } catch (err) {
      if (!(err instanceof GuestguardError)) throw err;
    }
  }
}

const ndbBytes = new Uint8Array(readFileSync(join(TESTDATA, 'ndb/Packages.db')));

async function ndbBlobs(): Promise<Uint8Array[]> {
  const ndb = await NdbReader.open(bytesSource(ndbBytes, 'Packages.db'), []);
  const out: Uint8Array[] = [];
  for await (const { blob } of ndb.blobs([])) out.push(blob.slice());
  return out;
}

describe('fuzzing package database readers', () => {
  it('rpm header parser: 4000 mutations of real header blobs', async () => {
    const blobs = await ndbBlobs();
    const res = await fuzz(
      4000,
      1,
      (r) => {
        const b = blobs[pick(r, blobs.length)]!;
        const il = new DataView(b.buffer, b.byteOffset).getUint32(0, false);
        return mutate(b, r, [[0, 8], [8, 8 + il * 16], [8 + il * 16, b.length]]);
      },
      touchHeader,
    );
    expect(res.errors).toBeGreaterThan(100);
    expect(res.slowest).toBeLessThan(1000);
  });

  it('ndb reader: 3000 mutations of the rpm-written Packages.db', async () => {
    const ndb = await NdbReader.open(bytesSource(ndbBytes, 'Packages.db'), []);
    const hot: [number, number][] = [[0, 32], [32, 32 + 16 * 8]];
    for (const s of ndb.slots) hot.push([s.blkoff * 16, s.blkoff * 16 + 32], [(s.blkoff + s.blkcnt) * 16 - 12, (s.blkoff + s.blkcnt) * 16]);
    let listed = 0;
    const res = await fuzz(
      3000,
      2,
      (r) => mutate(ndbBytes, r, hot),
      async (b) => {
        const warnings: string[] = [];
        const db = await NdbReader.open(bytesSource(b, 'fuzz.db'), warnings);
        for await (const { blob } of db.blobs(warnings)) {
          listed++;
          try {
            touchHeader(blob);
          } catch (err) {
            if (!(err instanceof GuestguardError)) throw err;
          }
        }
      },
    );
    expect(res.errors).toBeGreaterThan(50);
    expect(listed).toBeGreaterThan(1000);
    expect(res.slowest).toBeLessThan(2000);
  });

  describe.runIf(canBuildRpm && canBuildBdb)('Berkeley DB', () => {
    for (const variant of ['bdb-le-512', 'bdb-be-4096']) {
      it(`bdb hash reader: 2000 mutations of db5.3_load's ${variant}`, async () => {
        const fx = rpmFixture();
        const bytes = new Uint8Array(readFileSync(join(fx.bdb[variant]!, 'Packages')));
        const ps = Number(variant.split('-')[2]);
        const hot: [number, number][] = [[0, 256]];
        for (let p = 1; p * ps < bytes.length; p++) hot.push([p * ps, p * ps + 48]);
        let records = 0;
        let damaged = 0;
        const res = await fuzz(
          2000,
          3,
          (r) => mutate(bytes, r, hot),
          async (b) => {
            const warnings: string[] = [];
            const db = await BdbHashReader.open(bytesSource(b, 'fuzz'));
            let n = 0;
            for await (const rec of db.records(warnings)) {
              records++;
              if (++n > 10_000) throw new Error('runaway iteration');
              if (rec.key.length === 4 && db.keyNumber(rec.key) !== 0) {
                try {
                  touchHeader(rec.value);
                } catch (err) {
                  if (!(err instanceof GuestguardError)) throw err;
                }
              }
            }
            if (warnings.length > 0) damaged++;
          },
        );
        // Damage is either fatal (bad meta page) or reported per bucket/item as a warning.
        expect(res.errors + damaged).toBeGreaterThan(200);
        expect(records).toBeGreaterThan(2000);
        expect(res.slowest).toBeLessThan(2000);
      });
    }
  });

  describe.runIf(canBuildRpm && canBuildWal)('SQLite', () => {
    it('WAL application: 2000 mutations of a real write-ahead log', async () => {
      const w = walFixture(rpmFixture().sqliteRoot);
      const main = new Uint8Array(readFileSync(w.main));
      const wal = new Uint8Array(readFileSync(w.wal));
      const hot: [number, number][] = [[0, 32]];
      for (let off = 32; off < wal.length; off += 24 + 4096) hot.push([off, off + 24]);
      const res = await fuzz(2000, 4, (r) => mutate(wal, r, hot), (b) => applyWal(main, b, 64 * 1024 * 1024));
      expect(res.slowest).toBeLessThan(1000);
    });

    it('rpmdb.sqlite through sql.js: 150 mutations', async () => {
      const main = new Uint8Array(readFileSync(join(rpmFixture().sqliteRoot, 'var/lib/rpm/rpmdb.sqlite')));
      const hot: [number, number][] = [[0, 100]];
      for (let p = 1; p * 4096 < main.length; p++) hot.push([p * 4096, p * 4096 + 16]);
      const res = await fuzz(150, 5, (r) => mutate(main, r, hot), async (b) => {
        const got = await readRpmSqlite(b, undefined, 'fuzz.sqlite');
        for (const { blob } of got.blobs) {
          try {
            touchHeader(blob);
          } catch (err) {
            if (!(err instanceof GuestguardError)) throw err;
          }
        }
      });
      expect(res.errors).toBeGreaterThan(5);
    });
  });

  it('text formats: 1500 mutations each of dpkg, apk and pacman databases', async () => {
    const status = new TextEncoder().encode('Package: a\nStatus: install ok installed\nVersion: 1:2-3\nDescription: x\n y\n\nPackage: b\n');
    const apk = new Uint8Array(readFileSync(join(TESTDATA, 'apk/installed')));
    const desc = new TextEncoder().encode('%NAME%\na\n\n%VERSION%\n1:2-3\n\n%LICENSE%\nMIT\n\n%SIZE%\n10\n');
    const dec = new TextDecoder();
    for (const [i, src, fn] of [
      [6, status, (t: string) => parseDeb822(t)],
      [7, apk, (t: string) => parseApkInstalled(t)],
      [8, desc, (t: string) => pacmanDescToPackage(parsePacmanDesc(t))],
    ] as const) {
      await fuzz(1500, i, (r) => mutate(src, r, []), (b) => fn(dec.decode(b)));
    }
  });
});
