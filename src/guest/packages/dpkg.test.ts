/**
 * dpkg databases written by dpkg itself (install, unpack-only, remove, a foreign architecture)
 * and a frozen copy of this host's database, read through a real ext4 image and compared with
 * dpkg-query. status.d (distroless) and the updates/ journal are hand-written following dpkg's
 * format, since dpkg only leaves journal files behind when interrupted.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeb822 } from './deb822.js';
import { readDpkgPackages, splitDebianVersion } from './dpkg.js';
import { canBuildDpkg, canMakeExt4, dpkgFixture, dpkgQuery, ext4View, hostDpkgFixture, sharedFixture } from './test-fixtures.js';
import type { PackageInfo } from './types.js';

/** dpkg's status abbreviations whose package files are (at least partly) on disk. */
const PRESENT = new Set(['i', 'U', 'F', 'H', 'W', 't']);

describe('Debian version splitting', () => {
  it('splits epoch at the first colon and the revision at the last hyphen', () => {
    expect(splitDebianVersion('1.0')).toEqual({ epoch: 0, version: '1.0', release: '' });
    expect(splitDebianVersion('3:2.0-1+deb12u1')).toEqual({ epoch: 3, version: '2.0', release: '1+deb12u1' });
    expect(splitDebianVersion('4.4.3-P1-2')).toEqual({ epoch: 0, version: '4.4.3-P1', release: '2' });
    expect(splitDebianVersion('1:2.38.1-5+deb12u3')).toEqual({ epoch: 1, version: '2.38.1', release: '5+deb12u3' });
    expect(splitDebianVersion('1:9.0:1-1')).toEqual({ epoch: 1, version: '9.0:1', release: '1' });
    expect(splitDebianVersion('x:1.0')).toBeUndefined();
  });

  it('parses deb822 continuation lines and keeps fields case-insensitive', () => {
    const { paragraphs, warnings } = parseDeb822('Package: a\nDescription: short\n long line\n .\n more\n\n\nPACKAGE: b\nbogus line\n');
    expect(paragraphs).toHaveLength(2);
    expect(paragraphs[0]!.get('description')).toBe('short\nlong line\n.\nmore');
    expect(paragraphs[1]!.get('package')).toBe('b');
    expect(warnings).toHaveLength(1);
  });
});

describe.runIf(canBuildDpkg)('a dpkg database written by dpkg', () => {
  let fx: ReturnType<typeof dpkgFixture>;
  let pkgs: PackageInfo[];
  let warnings: string[];
  let close: () => Promise<void>;
  beforeAll(async () => {
    fx = dpkgFixture();
    const v = await ext4View(join(fx.dir, 'dpkg.img'), fx.root);
    close = v.close;
    ({ packages: pkgs, warnings } = await readDpkgPackages(v.view));
  });
  afterAll(() => close?.());

  it('reports exactly the packages dpkg-query shows as present, with their status', () => {
    expect(warnings).toEqual([]);
    const q = dpkgQuery(fx.admindir);
    // dpkg itself recorded the removal and the unpack-only install.
    expect(q.find((r) => r.pkg === 'gg-conf')!.abbrev).toBe('rc');
    expect(q.find((r) => r.pkg === 'gg-unpacked')!.abbrev).toBe('iU');
    const present = q.filter((r) => PRESENT.has(r.abbrev[1]!));
    expect(pkgs.map((p) => `${p.name}:${p.arch}`).sort()).toEqual(present.map((r) => `${r.pkg}:${r.arch}`).sort());
    for (const r of present) {
      const p = pkgs.find((x) => x.name === r.pkg && x.arch === r.arch)!;
      expect(p.status).toBe(r.status);
      expect(`${p.epoch ? `${p.epoch}:` : ''}${p.version}${p.release ? `-${p.release}` : ''}`).toBe(r.version);
    }
  });

  it('splits versions, strips the Source version and takes the first Description line', () => {
    const get = (n: string, a?: string) => pkgs.find((p) => p.name === n && (a === undefined || p.arch === a))!;
    expect(get('gg-native')).toMatchObject({ epoch: 0, version: '1.0', release: '', arch: 'all', summary: 'native package' });
    expect(get('gg-epoch')).toMatchObject({
      epoch: 3,
      version: '2.0',
      release: '1+deb12u1',
      arch: 'amd64',
      source: 'gg-src',
      url: 'https://example.invalid/epoch',
      size: 42 * 1024,
      summary: 'package with an epoch',
      status: 'install ok installed',
    });
    expect(get('gg-hyphen')).toMatchObject({ version: '4.4.3-P1', release: '2', source: 'gg-hyphen-src' });
    expect(get('gg-unpacked').status).toBe('install ok unpacked');
    expect(get('gg-multi', 'i386')).toMatchObject({ epoch: 2, version: '1.5', release: '3' });
  });

  it("takes install_time from the mtime of the package's info/*.list (name:arch for Multi-Arch: same)", () => {
    const info = join(fx.admindir, 'info');
    const mtime = (f: string) => Math.floor(statSync(join(info, f)).mtimeMs / 1000);
    expect(pkgs.find((p) => p.name === 'gg-epoch')!.install_time).toBe(mtime('gg-epoch.list'));
    expect(pkgs.find((p) => p.name === 'gg-multi' && p.arch === 'i386')!.install_time).toBe(mtime('gg-multi:i386.list'));
    expect(pkgs.find((p) => p.name === 'gg-multi' && p.arch === 'amd64')!.install_time).toBe(mtime('gg-multi:amd64.list'));
  });
});

describe.runIf(canBuildDpkg)("this host's dpkg database (frozen copy)", () => {
  it('agrees with dpkg-query on every package, version and architecture', async () => {
    const fx = hostDpkgFixture();
    const v = await ext4View(join(fx.dir, 'host.img'), fx.root);
    try {
      const t0 = performance.now();
      const { packages, warnings } = await readDpkgPackages(v.view);
      const ms = performance.now() - t0;
      expect(warnings).toEqual([]);
      const q = dpkgQuery(fx.admindir).filter((r) => PRESENT.has(r.abbrev[1]!));
      expect(packages.length).toBe(q.length);
      expect(packages.length).toBeGreaterThan(100);
      const byKey = new Map(packages.map((p) => [`${p.name}:${p.arch}`, p]));
      let withTime = 0;
      for (const r of q) {
        const p = byKey.get(`${r.pkg}:${r.arch}`)!;
        expect(p, r.pkg).toBeDefined();
        expect(`${p.epoch ? `${p.epoch}:` : ''}${p.version}${p.release ? `-${p.release}` : ''}`).toBe(r.version);
        expect(p.release).not.toContain('-');
        if (p.install_time !== undefined) withTime++;
      }
      expect(withTime).toBeGreaterThan(packages.length * 0.9);
      expect(ms).toBeLessThan(20_000);
    } finally {
      await v.close();
    }
  });
});

describe.runIf(canMakeExt4)('dpkg journal updates and distroless status.d', () => {
  it('applies updates/ entries over status and reads status.d paragraphs as installed', async () => {
    const dir = sharedFixture('packages-dpkg-handmade-v1', (d) => {
      const admin = join(d, 'root/var/lib/dpkg');
      for (const s of ['updates', 'status.d', 'info']) mkdirSync(join(admin, s), { recursive: true });
      writeFileSync(
        join(admin, 'status'),
        'Package: base\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\nDescription: base\n\n' +
          'Package: upgraded\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: all\nDescription: old\n\n' +
          'Package: gone\nStatus: purge ok not-installed\nArchitecture: amd64\n\n',
      );
      // A journal entry left by an interrupted upgrade: it replaces the whole record.
      writeFileSync(join(admin, 'updates/0000'), 'Package: upgraded\nStatus: install ok half-configured\nVersion: 2.0-1\nArchitecture: all\nDescription: new\n\n');
      writeFileSync(join(admin, 'updates/tmp.i'), 'Package: ignored\nStatus: install ok installed\nVersion: 9\nArchitecture: all\n');
      // distroless: one control paragraph per package, no Status field, md5sums beside it.
      writeFileSync(join(admin, 'status.d/libc6'), 'Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\nSource: glibc\nDescription: GNU C Library: Shared libraries\n');
      writeFileSync(join(admin, 'status.d/libc6.md5sums'), 'd41d8cd98f00b204e9800998ecf8427e  lib/x86_64-linux-gnu/libc.so.6\n');
      writeFileSync(join(admin, 'status.d/tzdata'), 'Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\nStatus: install ok installed\n');
    });
    const v = await ext4View(join(dir, 'dpkg.img'), join(dir, 'root'));
    try {
      const { packages, warnings } = await readDpkgPackages(v.view);
      expect(warnings).toEqual([]);
      const brief = packages.map((p) => [p.name, p.version, p.release, p.status ?? '-']).sort();
      expect(brief).toEqual([
        ['base', '1.0', '1', 'install ok installed'],
        ['libc6', '2.36', '9+deb12u4', '-'],
        ['tzdata', '2024a', '0+deb12u1', 'install ok installed'],
        ['upgraded', '2.0', '1', 'install ok half-configured'],
      ]);
      expect(packages.find((p) => p.name === 'libc6')!.source).toBe('glibc');
    } finally {
      await v.close();
    }
  });
});
