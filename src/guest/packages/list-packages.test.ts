/**
 * End to end: package databases made by the real tools, put into real ext4 images with
 * mkfs.ext4 -d, opened with the ext4 driver and the guest view, and listed by listPackages.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listPackages } from './index.js';
import {
  canBuildBdb,
  canBuildDpkg,
  canBuildPacman,
  canBuildRpm,
  canBuildWal,
  canMakeExt4,
  dpkgFixture,
  expectedFromQa,
  ext4View,
  FIXTURE_VERSION,
  pacmanFixture,
  readExpectedTsv,
  sharedFixture,
  rpmFixture,
  rpmQueryAll,
  rpmTree,
  TESTDATA,
  walFixture,
} from './test-fixtures.js';
import type { PackageInfo, PackageList } from './types.js';

/** Builds (once) an ext4 image of a tree and lists its packages. */
async function listIn(name: string, build: (tree: string) => void): Promise<PackageList | undefined> {
  const dir = sharedFixture(`packages-e2e-${name}-v${FIXTURE_VERSION}`, (d) => {
    mkdirSync(join(d, 'tree'));
    build(join(d, 'tree'));
  });
  const v = await ext4View(join(dir, 'fs.img'), join(dir, 'tree'));
  try {
    return await listPackages(v.view);
  } finally {
    await v.close();
  }
}

const names = (l: PackageInfo[]) => l.map((p) => p.name);

describe.runIf(canMakeExt4)('listPackages on ext4 images', () => {
  describe.runIf(canBuildRpm)('rpm', () => {
    const expected = () =>
      rpmQueryAll(['--root', rpmFixture().sqliteRoot, '--dbpath', '/var/lib/rpm'])
        .map(expectedFromQa)
        .filter((p) => p.name !== 'gpg-pubkey')
        .sort((a, b) => (a.name < b.name ? -1 : 1));

    it('reads /var/lib/rpm/rpmdb.sqlite and leaves out gpg-pubkey', async () => {
      const fx = rpmFixture();
      const r = await listIn('rpm-sqlite', (t) => rpmTree(t, join(fx.sqliteRoot, 'var/lib/rpm'), ['rpmdb.sqlite', 'rpmdb.sqlite-shm', 'rpmdb.sqlite-wal']));
      expect(r).toMatchObject({ format: 'rpm', manager: 'rpm', warnings: [] });
      expect(r!.packages).toEqual(expected());
      expect(names(r!.packages)).toEqual(['gg-big', 'gg-empty', 'gg-hello', 'gg-tools']);
    });

    it('follows the Fedora /var/lib/rpm -> /usr/lib/sysimage/rpm symlink', async () => {
      const fx = rpmFixture();
      const r = await listIn('rpm-sysimage', (t) => rpmTree(t, join(fx.sqliteRoot, 'var/lib/rpm'), ['rpmdb.sqlite'], { sysimage: true }));
      expect(r!.packages).toEqual(expected());
    });

    it.runIf(canBuildBdb)('reads a big-endian Berkeley DB Packages file', async () => {
      const fx = rpmFixture();
      const r = await listIn('rpm-bdb', (t) => rpmTree(t, fx.bdb['bdb-be-512']!, ['Packages']));
      expect(r).toMatchObject({ format: 'rpm', warnings: [] });
      expect(r!.packages).toEqual(expected());
    });

    it.runIf(canBuildBdb)("uses the backend the guest's rpm macros select and names the leftover", async () => {
      const fx = rpmFixture();
      const r = await listIn('rpm-ndb-macro', (t) => {
        rpmTree(t, fx.bdb['bdb-le-4096']!, ['Packages']);
        cpSync(join(TESTDATA, 'ndb/Packages.db'), join(t, 'var/lib/rpm/Packages.db'));
        mkdirSync(join(t, 'usr/lib/rpm'), { recursive: true });
        writeFileSync(join(t, 'usr/lib/rpm/macros'), '%_dbpath\t\t%{_var}/lib/rpm\n%_db_backend\t      bdb\n');
        mkdirSync(join(t, 'etc/rpm'), { recursive: true });
        writeFileSync(join(t, 'etc/rpm/macros.db'), '%_db_backend ndb\n');
      });
      const golden = readExpectedTsv(join(TESTDATA, 'ndb/expected.tsv'))
        .map(expectedFromQa)
        .filter((p) => p.name !== 'gpg-pubkey');
      expect(r!.packages).toEqual(golden.sort((a, b) => (a.name < b.name ? -1 : 1)));
      expect(r!.warnings).toEqual(['rpm: also found /var/lib/rpm/Packages (bdb); using /var/lib/rpm/Packages.db (ndb)']);
    });

    it.runIf(canBuildWal)('includes transactions still in rpmdb.sqlite-wal', async () => {
      const fx = rpmFixture();
      const w = walFixture(fx.sqliteRoot);
      const r = await listIn('rpm-wal', (t) => rpmTree(t, w.dir, ['rpmdb.sqlite', 'rpmdb.sqlite-wal']));
      const before = expected();
      // The WAL transaction removed the third header and added a copy of the first.
      expect(r!.packages.length).toBe(before.length);
      expect(new Set(names(r!.packages)).size).toBe(before.length - 1);
    });

    it('reports an unreadable database as a warning, not a failure', async () => {
      const r = await listIn('rpm-garbage', (t) => {
        mkdirSync(join(t, 'var/lib/rpm'), { recursive: true });
        writeFileSync(join(t, 'var/lib/rpm/rpmdb.sqlite'), Buffer.alloc(8192, 0x5a));
      });
      expect(r).toMatchObject({ format: 'rpm', packages: [] });
      expect(r!.warnings[0]).toMatch(/cannot read the rpm database: .*rpmdb\.sqlite/);
    });
  });

  it.runIf(canBuildDpkg)('reads a dpkg database, and prefers it over a stray rpm database', async () => {
    const fx = dpkgFixture();
    const r = await listIn('dpkg', (t) => {
      cpSync(fx.root, t, { recursive: true, preserveTimestamps: true });
      if (canBuildRpm) rpmTree(t, join(rpmFixture().sqliteRoot, 'var/lib/rpm'), ['rpmdb.sqlite']);
    });
    expect(r).toMatchObject({ format: 'deb', manager: 'dpkg' });
    expect(names(r!.packages)).toEqual(['gg-epoch', 'gg-hyphen', 'gg-multi', 'gg-multi', 'gg-native', 'gg-unpacked']);
    expect(r!.packages.filter((p) => p.name === 'gg-multi').map((p) => p.arch)).toEqual(['amd64', 'i386']);
    if (canBuildRpm) expect(r!.warnings).toEqual(['also found a rpm database with 4 package(s); not reported']);
  });

  it('reads an apk database', async () => {
    const r = await listIn('apk', (t) => {
      mkdirSync(join(t, 'lib/apk/db'), { recursive: true });
      writeFileSync(join(t, 'lib/apk/db/installed'), readFileSync(join(TESTDATA, 'apk/installed')));
    });
    expect(r).toMatchObject({ format: 'apk', manager: 'apk' });
    expect(names(r!.packages)).toEqual(['alpine-baselayout-data', 'busybox', 'ca-certificates-bundle', 'local-tool', 'musl']);
    expect(r!.warnings).toHaveLength(1);
  });

  it.runIf(canBuildPacman)('reads a pacman database', async () => {
    const fx = pacmanFixture();
    const r = await listIn('pacman', (t) => cpSync(fx.root, t, { recursive: true, preserveTimestamps: true }));
    expect(r).toMatchObject({ format: 'pacman', manager: 'pacman', warnings: [] });
    expect(names(r!.packages)).toEqual(['gg-hello', 'gg-native', 'gg-plain']);
  });

  it('returns undefined when the guest has no package database', async () => {
    expect(await listIn('none', (t) => mkdirSync(join(t, 'etc')))).toBeUndefined();
  });
});
