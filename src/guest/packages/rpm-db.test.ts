/**
 * RPM databases written by real tools, read back and compared field by field with what rpm
 * itself prints for them: SQLite (rpm -i), Berkeley DB hash in both byte orders and two page
 * sizes (db5.3_load, verified readable by rpm's own bdb_ro backend), ndb (rpm's rpmpkg.c, see
 * testdata/README.md) and a SQLite snapshot with pending WAL frames (Python's sqlite3).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BdbHashReader } from './bdb-hash.js';
import { parseRpmHeader, rpmHeaderToPackage } from './rpm-header.js';
import { NdbReader } from './rpm-ndb.js';
import { readRpmSqlite } from './rpm-sqlite.js';
import { bytesSource } from './source.js';
import {
  BDB_VARIANTS,
  canBuildBdb,
  canBuildRpm,
  canBuildWal,
  rpmFixture,
  expectedFromQa,
  readExpectedTsv,
  rpmQueryAll,
  TESTDATA,
  walFixture,
  type RpmFixture,
} from './test-fixtures.js';
import type { PackageInfo } from './types.js';

const byName = (a: PackageInfo, b: PackageInfo) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version.localeCompare(b.version));

/** rpm --import stores SOURCERPM "(none)" literally in gpg-pubkey headers; rpm -qa prints the same for "absent". */
const comparable = (p: PackageInfo) => {
  if (p.name !== 'gpg-pubkey' || p.source !== '(none)') return p;
  const { source: _drop, ...rest } = p;
  return rest;
};
const sorted = (l: PackageInfo[]) => l.map(comparable).sort(byName);

describe.runIf(canBuildRpm)('rpm databases written by rpm', () => {
  let fx: RpmFixture;
  let expected: PackageInfo[];
  beforeAll(() => {
    fx = rpmFixture();
    expected = rpmQueryAll(['--root', fx.sqliteRoot, '--dbpath', '/var/lib/rpm']).map(expectedFromQa);
  });

  it('rpm itself lists the fixture packages, gpg-pubkey included', () => {
    expect(expected.map((p) => p.name).sort()).toEqual(['gg-big', 'gg-empty', 'gg-hello', 'gg-tools', 'gpg-pubkey']);
    expect(expected.find((p) => p.name === 'gg-big')!.epoch).toBe(4000000000);
  });

  it('reads rpmdb.sqlite (rpm -i) with every field equal to rpm -qa --qf', async () => {
    const main = readFileSync(join(fx.sqliteRoot, 'var/lib/rpm/rpmdb.sqlite'));
    const r = await readRpmSqlite(new Uint8Array(main), undefined, 'rpmdb.sqlite');
    expect(r.warnings).toEqual([]);
    const got = r.blobs.map(({ blob }) => rpmHeaderToPackage(parseRpmHeader(blob)));
    expect(sorted(got)).toEqual(sorted(expected));
  });

  it('stores the same blobs rpmdb --exportdb prints', async () => {
    const main = readFileSync(join(fx.sqliteRoot, 'var/lib/rpm/rpmdb.sqlite'));
    const r = await readRpmSqlite(new Uint8Array(main), undefined, 'rpmdb.sqlite');
    expect(r.blobs.map((b) => Buffer.from(b.blob).toString('hex')).sort()).toEqual(fx.blobs.map((b) => Buffer.from(b).toString('hex')).sort());
  });

  describe.runIf(canBuildBdb)('Berkeley DB hash', () => {
    for (const [variant, lorder, pageSize, chksum] of BDB_VARIANTS) {
      it(`${variant}: rpm's bdb_ro and this reader agree with the SQLite original`, async () => {
        const dir = fx.bdb[variant]!;
        // rpm's own read-only BDB backend accepts the file db5.3_load wrote (it has no checksum support)...
        if (!chksum) {
          const rpmView = rpmQueryAll(['--dbpath', dir, '--define', '_db_backend bdb_ro']).map(expectedFromQa);
          expect(sorted(rpmView)).toEqual(sorted(expected));
        }
        // ...and so does ours, blob for blob.
        const bytes = new Uint8Array(readFileSync(join(dir, 'Packages')));
        const db = await BdbHashReader.open(bytesSource(bytes, variant));
        expect(db.meta.littleEndian).toBe(lorder === 1234);
        expect(db.meta.pageSize).toBe(pageSize);
        expect(db.meta.overhead).toBe(chksum ? 32 : 26);
        const warnings: string[] = [];
        const keys: number[] = [];
        const got: PackageInfo[] = [];
        for await (const rec of db.records(warnings)) {
          const k = db.keyNumber(rec.key)!;
          keys.push(k);
          if (k === 0) {
            expect(rec.value.length).toBe(4);
            continue;
          }
          expect(Buffer.from(rec.value).equals(Buffer.from(fx.blobs[k - 1]!))).toBe(true);
          got.push(rpmHeaderToPackage(parseRpmHeader(rec.value)));
        }
        expect(warnings).toEqual([]);
        expect(keys.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
        expect(sorted(got)).toEqual(sorted(expected));
      });
    }
  });

  describe.runIf(canBuildWal)('SQLite write-ahead log', () => {
    it('applies committed WAL frames the main file does not have yet', async () => {
      const w = walFixture(fx.sqliteRoot);
      const main = new Uint8Array(readFileSync(w.main));
      const wal = new Uint8Array(readFileSync(w.wal));
      expect(wal.length).toBeGreaterThan(32);
      const without = await readRpmSqlite(main, undefined, 'main only');
      const withWal = await readRpmSqlite(main, wal, 'main + wal');
      expect(withWal.walFrames).toBeGreaterThan(0);
      expect(withWal.warnings).toEqual([]);
      const names = (r: typeof without) => r.blobs.map((b) => rpmHeaderToPackage(parseRpmHeader(b.blob)).name);
      expect(without.blobs.map((b) => b.hnum)).toEqual([1, 2, 3, 4, 5]);
      // The transaction deleted hnum 3 and re-added hnum 1's header as hnum 6.
      expect(withWal.blobs.map((b) => b.hnum)).toEqual([1, 2, 4, 5, 6]);
      const before = names(without);
      expect(names(withWal)).toEqual([before[0], before[1], before[3], before[4], before[0]]);
    });

    it('ignores a log whose frames fail their checksums', async () => {
      const w = walFixture(fx.sqliteRoot);
      const main = new Uint8Array(readFileSync(w.main));
      const wal = new Uint8Array(readFileSync(w.wal));
      wal[32 + 24 + 100]! ^= 0xff; // first frame's page data
      const r = await readRpmSqlite(main, wal, 'bad wal');
      expect(r.walFrames).toBe(0);
      expect(r.blobs.map((b) => b.hnum)).toEqual([1, 2, 3, 4, 5]);
    });
  });
});

describe('ndb Packages.db written by rpm 4.18 rpmpkg.c', () => {
  const bytes = new Uint8Array(readFileSync(join(TESTDATA, 'ndb/Packages.db')));
  const expected = readExpectedTsv(join(TESTDATA, 'ndb/expected.tsv')).map(expectedFromQa);

  it('lists every blob with the fields rpm printed', async () => {
    const warnings: string[] = [];
    const ndb = await NdbReader.open(bytesSource(bytes, 'Packages.db'), warnings);
    expect(ndb.slots.map((s) => s.pkgidx).sort()).toEqual([1, 2, 3, 4, 5]);
    const got: PackageInfo[] = [];
    for await (const { blob } of ndb.blobs(warnings)) got.push(rpmHeaderToPackage(parseRpmHeader(blob)));
    expect(warnings).toEqual([]);
    expect(sorted(got)).toEqual(sorted(expected));
  });

  it('skips a blob whose checksum no longer matches and keeps the others', async () => {
    const warnings: string[] = [];
    const copy = bytes.slice();
    const ndb0 = await NdbReader.open(bytesSource(copy, 'Packages.db'), warnings);
    const victim = ndb0.slots[1]!;
    copy[victim.blkoff * 16 + 40]! ^= 0x01;
    const ndb = await NdbReader.open(bytesSource(copy, 'Packages.db'), warnings);
    const got: number[] = [];
    for await (const { pkgidx } of ndb.blobs(warnings)) got.push(pkgidx);
    expect(got).not.toContain(victim.pkgidx);
    expect(got).toHaveLength(4);
    expect(warnings.join('\n')).toMatch(/checksum mismatch/);
  });
});
