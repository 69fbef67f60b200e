/**
 * Package databases written by the real package managers, for the tests: rpm (rpmbuild +
 * rpm -i into a root, SQLite backend; Berkeley DB hash files written by db5.3_load from the
 * same header blobs), dpkg (dpkg-deb + dpkg --root), pacman (makepkg + pacman -U --root).
 * Each group is cached under .fixtures/. ext4 images of database trees are made by
 * mkfs.ext4 -d and opened through the real driver and guest view.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PackageInfo } from './types.js';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { openExt4 } from '../../fs/ext4/index.js';
import { GuestFileSystem } from '../../fs/vfs.js';
import { fixtureDir, FIXTURES_ROOT, hasTool, REPO_ROOT, run } from '../../../test/helpers/fixtures.js';

export const TESTDATA = join(REPO_ROOT, 'src/guest/packages/testdata');
/** Bumped whenever a builder changes; fixtures derived from others carry it too, so none goes stale. */
export const FIXTURE_VERSION = 2;
const isRoot = process.getuid?.() === 0;

/** Fixture builders are locked across vitest's parallel processes by fixtureDir itself. */
export const sharedFixture = fixtureDir;

export const canBuildRpm = ['rpmbuild', 'rpm', 'rpmdb', 'mkfs.ext4'].every(hasTool);
export const canBuildBdb = hasTool('db5.3_load');
export const canBuildDpkg = ['dpkg', 'dpkg-deb', 'dpkg-query', 'mkfs.ext4'].every(hasTool);
export const canBuildPacman = isRoot && ['makepkg', 'pacman', 'bsdtar', 'setpriv', 'mkfs.ext4'].every(hasTool);
export const canMakeExt4 = hasTool('mkfs.ext4');

/** Packages built with rpmbuild: epochs (absent, explicit 0, large), I18N summaries, UTF-8, big headers. */
export const RPM_SPECS: Record<string, string> = {
  'gg-hello': `Name: gg-hello
Epoch: 2
Version: 1.0
Release: 3.fc40
Summary: Greets the guestguard test suite
Summary(de): Grüßt die Testsuite
License: MIT
URL: https://example.invalid/gg-hello
Vendor: Guestguard Test Vendor
BuildArch: noarch

%description
A tiny package for guestguard's RPM database tests.

%install
mkdir -p %{buildroot}/usr/share/gg-hello
echo hello > %{buildroot}/usr/share/gg-hello/hello.txt

%files
/usr/share/gg-hello/hello.txt
`,
  'gg-tools': `Name: gg-tools
Version: 2.5.1
Release: 1
Summary: Outils — ünïcode ✓ summary
License: GPL-2.0-or-later AND BSD-3-Clause
URL: https://example.invalid/tools
BuildArch: noarch

%description
Many small files, so the header carries long file lists.

%install
mkdir -p %{buildroot}/usr/share/gg-tools
for i in $(seq 1 80); do echo "tool $i" > %{buildroot}/usr/share/gg-tools/tool-with-a-long-name-$i.txt; done

%files
/usr/share/gg-tools
`,
  'gg-empty': `Name: gg-empty
Epoch: 0
Version: 0.9
Release: 0.1.rc1
Summary: Owns no files
License: Public Domain
BuildArch: noarch

%description
An empty package with an explicit zero epoch.

%files
`,
  'gg-big': `Name: gg-big
Epoch: 4000000000
Version: 10.20.30
Release: 7.el9_4
Summary: Has a very long description
License: Apache-2.0
Vendor: Example Corp
URL: https://example.invalid/big
BuildArch: noarch

%description
${Array.from({ length: 300 }, (_, i) => `Line ${i} of a long description that makes the header span many pages.`).join('\n')}

%install
mkdir -p %{buildroot}/opt/gg-big
head -c 20000 /dev/zero > %{buildroot}/opt/gg-big/zeros.bin

%files
/opt/gg-big/zeros.bin
`,
};

/** One line of `rpm -qa --qf`, as the expected values for cross-checks. */
export interface RpmQa {
  name: string;
  epoch: string;
  version: string;
  release: string;
  arch: string;
  installtime: string;
  license: string;
  summary: string;
  size: string;
  vendor: string;
  url: string;
  sourcerpm: string;
  buildtime: string;
}

const QF_FIELDS = ['NAME', 'EPOCH', 'VERSION', 'RELEASE', 'ARCH', 'INSTALLTIME', 'LICENSE', 'SUMMARY', 'LONGSIZE', 'VENDOR', 'URL', 'SOURCERPM', 'BUILDTIME'];

/** rpm's own reading of a database, in the C locale (untranslated summaries). */
export function rpmQueryAll(args: string[]): RpmQa[] {
  const out = run('rpm', [...args, '-qa', '--qf', QF_FIELDS.map((f) => `%{${f}}`).join('\\t') + '\\n'], {
    env: { ...process.env, LANG: 'C', LC_ALL: 'C' },
  });
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const f = l.split('\t');
      return {
        name: f[0]!,
        epoch: f[1]!,
        version: f[2]!,
        release: f[3]!,
        arch: f[4]!,
        installtime: f[5]!,
        license: f[6]!,
        summary: f[7]!,
        size: f[8]!,
        vendor: f[9]!,
        url: f[10]!,
        sourcerpm: f[11]!,
        buildtime: f[12]!,
      };
    });
}

/** rpm's printed values as PackageInfo ("(none)" means the tag is absent). */
export function expectedFromQa(q: RpmQa): PackageInfo {
  const opt = (s: string) => (s === '(none)' || s === '' ? undefined : s);
  const num = (s: string) => (opt(s) === undefined ? undefined : Number(s));
  const p: PackageInfo = { name: q.name, epoch: num(q.epoch) ?? 0, version: q.version, release: q.release, arch: opt(q.arch) ?? '' };
  const set = <K extends keyof PackageInfo>(k: K, v: PackageInfo[K] | undefined) => {
    if (v !== undefined) p[k] = v;
  };
  set('summary', opt(q.summary));
  set('source', opt(q.sourcerpm));
  set('license', opt(q.license));
  set('install_time', num(q.installtime));
  set('build_time', num(q.buildtime));
  set('size', num(q.size));
  set('vendor', opt(q.vendor));
  set('url', opt(q.url));
  return p;
}

export function readExpectedTsv(path: string): RpmQa[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l)
    .map((l) => {
      const f = l.split('\t');
      return {
        name: f[0]!, epoch: f[1]!, version: f[2]!, release: f[3]!, arch: f[4]!, installtime: f[5]!, license: f[6]!,
        summary: f[7]!, size: f[8]!, vendor: f[9]!, url: f[10]!, sourcerpm: f[11]!, buildtime: f[12]!,
      };
    });
}

export interface RpmFixture {
  dir: string;
  /** Root with /var/lib/rpm/rpmdb.sqlite written by rpm -i. */
  sqliteRoot: string;
  /** Header blobs (without the 8-byte magic) in rpmdb --exportdb order. */
  blobs: Uint8Array[];
  /** Berkeley DB hash Packages files holding the same blobs: name → directory. */
  bdb: Record<string, string>;
}

/** name, byte order, page size, page checksums (which rpm's own bdb_ro cannot read). */
export const BDB_VARIANTS = [
  ['bdb-le-512', 1234, 512, false],
  ['bdb-be-512', 4321, 512, false],
  ['bdb-le-4096', 1234, 4096, false],
  ['bdb-be-4096', 4321, 4096, false],
  ['bdb-le-512-chksum', 1234, 512, true],
] as const;

/** rpm fixtures: packages built by rpmbuild, installed by rpm into a SQLite rpmdb, then re-stored in BDB. */
export function rpmFixture(): RpmFixture {
  const dir = sharedFixture(`packages-rpm-v${FIXTURE_VERSION}`, (d) => {
    mkdirSync(join(d, 'SPECS'), { recursive: true });
    for (const [name, spec] of Object.entries(RPM_SPECS)) {
      writeFileSync(join(d, 'SPECS', `${name}.spec`), spec);
      run('rpmbuild', ['--quiet', '--define', `_topdir ${d}`, '-bb', join(d, 'SPECS', `${name}.spec`)]);
    }
    const root = join(d, 'root-sqlite');
    mkdirSync(root);
    const rpms = readdirSync(join(d, 'RPMS/noarch')).map((f) => join(d, 'RPMS/noarch', f));
    const common = ['--root', root, '--dbpath', '/var/lib/rpm', '--define', '_db_backend sqlite'];
    run('rpm', [...common, '--nodeps', '--noscripts', '--nosignature', '-i', ...rpms]);
    // A signing key: rpm keeps it in the database as a "gpg-pubkey" pseudo-package.
    const key = run('gpg', ['--homedir', d, '--no-default-keyring', '--keyring', '/usr/share/keyrings/debian-archive-bookworm-stable.gpg', '--export', '--armor']);
    writeFileSync(join(d, 'key.asc'), key);
    run('rpm', [...common, '--import', join(d, 'key.asc')]);
    const exported = run('rpmdb', [...common, '--exportdb'], { encoding: 'latin1' });
    writeFileSync(join(d, 'export.bin'), Buffer.from(exported, 'latin1'));
    const blobs = splitExport(new Uint8Array(Buffer.from(exported, 'latin1')));
    if (canBuildBdb) {
      // db5.3_load writes real hash databases; small pages force overflow chains.
      for (const [name, lorder, pagesize, chksum] of BDB_VARIANTS) {
        mkdirSync(join(d, name));
        writeFileSync(join(d, `${name}.dump`), bdbDump(blobs, lorder === 1234, pagesize));
        const opts = ['-c', `db_lorder=${lorder}`, ...(chksum ? ['-c', 'chksum=1'] : [])];
        run('db5.3_load', ['-f', join(d, `${name}.dump`), ...opts, join(d, name, 'Packages')]);
      }
    }
  });
  const blobs = splitExport(new Uint8Array(readFileSync(join(dir, 'export.bin'))));
  const bdb: Record<string, string> = {};
  for (const [n] of BDB_VARIANTS) if (existsSync(join(dir, n, 'Packages'))) bdb[n] = join(dir, n);
  return { dir, sqliteRoot: join(dir, 'root-sqlite'), blobs, bdb };
}

/** Splits `rpmdb --exportdb` output (magic + header, repeated) into database-style blobs. */
export function splitExport(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let off = 0; off < b.length; ) {
    const il = dv.getUint32(off + 8, false);
    const dl = dv.getUint32(off + 12, false);
    const end = off + 16 + il * 16 + dl;
    out.push(b.slice(off + 8, end));
    off = end;
  }
  return out;
}

/** db_load input: rpm's Packages layout, key = 4-byte instance number in the file's byte order, key 0 = counter. */
export function bdbDump(blobs: Uint8Array[], littleEndian: boolean, pageSize: number): string {
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    if (littleEndian) b.writeUInt32LE(v);
    else b.writeUInt32BE(v);
    return b.toString('hex');
  };
  const lines = ['VERSION=3', 'format=bytevalue', 'type=hash', `db_pagesize=${pageSize}`, 'HEADER=END', ` ${u32(0)}`, ` ${u32(blobs.length + 1)}`];
  blobs.forEach((blob, i) => lines.push(` ${u32(i + 1)}`, ` ${Buffer.from(blob).toString('hex')}`));
  lines.push('DATA=END', '');
  return lines.join('\n');
}

/** mkfs.ext4 -d TREE into a cached image and the guest view over it. */
export async function ext4View(img: string, tree: string): Promise<{ view: GuestFileSystem; close: () => Promise<void> }> {
  if (!existsSync(img)) {
    // Written aside and renamed, so an interrupted run never leaves a half-made image behind.
    run('mkfs.ext4', ['-q', '-F', '-d', tree, `${img}.tmp`, '64M']);
    renameSync(`${img}.tmp`, img);
  }
  const file = await HostFile.open(img);
  const dev = new RawImage(file);
  const fs = await openExt4(dev);
  return { view: new GuestFileSystem([{ path: '/', fs, device: '/dev/sda' }]), close: () => dev.close() };
}

/** A tree with the rpm database files of `dbDir` at `at` (e.g. var/lib/rpm), optionally behind a symlink. */
export function rpmTree(dest: string, dbDir: string, files: string[], opts: { sysimage?: boolean } = {}): string {
  const at = opts.sysimage ? join(dest, 'usr/lib/sysimage/rpm') : join(dest, 'var/lib/rpm');
  mkdirSync(at, { recursive: true });
  for (const f of files) if (existsSync(join(dbDir, f))) cpSync(join(dbDir, f), join(at, f));
  if (opts.sysimage) {
    mkdirSync(join(dest, 'var/lib'), { recursive: true });
    symlinkSync('../../usr/lib/sysimage/rpm', join(dest, 'var/lib/rpm'));
  }
  return dest;
}

export interface DebSpec {
  name: string;
  version: string;
  arch: string;
  extra?: Record<string, string>;
  description?: string;
  conffile?: boolean;
}

/** Binary packages for the dpkg fixture: native, epoch, multi-hyphen, Source with version, Multi-Arch: same. */
export const DEB_SPECS: DebSpec[] = [
  { name: 'gg-native', version: '1.0', arch: 'all', description: 'native package\n A Debian-native package without a revision.' },
  {
    name: 'gg-epoch',
    version: '3:2.0-1+deb12u1',
    arch: 'amd64',
    extra: { Source: 'gg-src (2.0-1)', Homepage: 'https://example.invalid/epoch', 'Installed-Size': '42' },
    description: 'package with an epoch\n Long description line one.\n .\n Line two after a paragraph break.',
  },
  { name: 'gg-hyphen', version: '4.4.3-P1-2', arch: 'amd64', extra: { Source: 'gg-hyphen-src' }, description: 'upstream version with a hyphen' },
  { name: 'gg-conf', version: '1.1-1', arch: 'all', conffile: true, description: 'removed but its conffile stays' },
  { name: 'gg-unpacked', version: '0.1-0.1', arch: 'all', description: 'unpacked but never configured' },
  { name: 'gg-multi', version: '2:1.5-3', arch: 'amd64', extra: { 'Multi-Arch': 'same' }, description: 'co-installable library' },
  { name: 'gg-multi', version: '2:1.5-3', arch: 'i386', extra: { 'Multi-Arch': 'same' }, description: 'co-installable library' },
];

function buildDeb(d: string, s: DebSpec): string {
  const src = join(d, 'src', `${s.name}_${s.arch}`);
  mkdirSync(join(src, 'DEBIAN'), { recursive: true });
  mkdirSync(join(src, 'usr/share/doc', s.name), { recursive: true });
  writeFileSync(join(src, 'usr/share/doc', s.name, 'README'), `${s.name}\n`);
  const fields: Record<string, string> = {
    Package: s.name,
    Version: s.version,
    Architecture: s.arch,
    Maintainer: 'Guestguard Tests <tests@example.invalid>',
    ...s.extra,
    Description: s.description ?? s.name,
  };
  writeFileSync(join(src, 'DEBIAN/control'), Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n');
  if (s.conffile) {
    mkdirSync(join(src, 'etc'), { recursive: true });
    writeFileSync(join(src, 'etc', `${s.name}.conf`), 'setting=1\n');
    writeFileSync(join(src, 'DEBIAN/conffiles'), `/etc/${s.name}.conf\n`);
  }
  const deb = join(d, `${s.name}_${s.arch}.deb`);
  run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', src, deb]);
  return deb;
}

/** A root whose /var/lib/dpkg was written by dpkg itself (install, unpack-only, remove). */
export function dpkgFixture(): { dir: string; root: string; admindir: string } {
  const dir = sharedFixture('packages-dpkg-v1', (d) => {
    const root = join(d, 'root');
    const admin = join(root, 'var/lib/dpkg');
    for (const sub of ['updates', 'info', 'triggers']) mkdirSync(join(admin, sub), { recursive: true });
    writeFileSync(join(admin, 'status'), '');
    const debs = DEB_SPECS.map((s) => ({ s, deb: buildDeb(d, s) }));
    const dpkg = (args: string[]) => run('dpkg', [`--root=${root}`, '--log=/dev/null', '--force-not-root', '--force-script-chrootless', '--force-bad-path', ...args]);
    dpkg(['--add-architecture', 'i386']);
    dpkg(['--force-architecture', '-i', ...debs.filter((x) => x.s.name !== 'gg-unpacked').map((x) => x.deb)]);
    dpkg(['--unpack', debs.find((x) => x.s.name === 'gg-unpacked')!.deb]);
    dpkg(['--remove', 'gg-conf']);
  });
  return { dir, root: join(dir, 'root'), admindir: join(dir, 'root/var/lib/dpkg') };
}

/** What dpkg-query itself reports for an admin dir: every package with its status abbreviation. */
export function dpkgQuery(admindir: string): { pkg: string; version: string; arch: string; abbrev: string; status: string }[] {
  const out = run('dpkg-query', [`--admindir=${admindir}`, '-W', '-f', '${Package}|${Version}|${Architecture}|${db:Status-Abbrev}|${Status}\\n']);
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [pkg, version, arch, abbrev, status] = l.split('|') as [string, string, string, string, string];
      return { pkg, version, arch, abbrev: abbrev.trim(), status };
    });
}

/**
 * A copy of this host's dpkg database (status + empty stand-ins for the info/*.list files
 * with their real mtimes), frozen when first built so later apt-get runs do not change it.
 */
export function hostDpkgFixture(): { dir: string; root: string; admindir: string } {
  const dir = sharedFixture('packages-hostdpkg-v1', (d) => {
    const admin = join(d, 'root/var/lib/dpkg');
    mkdirSync(join(admin, 'info'), { recursive: true });
    cpSync('/var/lib/dpkg/status', join(admin, 'status'));
    for (const f of readdirSync('/var/lib/dpkg/info')) {
      if (!f.endsWith('.list')) continue;
      const st = statSync(join('/var/lib/dpkg/info', f));
      writeFileSync(join(admin, 'info', f), '');
      utimesSync(join(admin, 'info', f), st.atime, st.mtime);
    }
  });
  return { dir, root: join(dir, 'root'), admindir: join(dir, 'root/var/lib/dpkg') };
}

export interface PkgbuildSpec {
  name: string;
  pkgver: string;
  pkgrel: string;
  epoch?: number;
  desc: string;
  arch: string;
  url?: string;
  license: string[];
}

export const PACMAN_SPECS: PkgbuildSpec[] = [
  { name: 'gg-hello', pkgver: '1.2.3', pkgrel: '4', epoch: 1, desc: 'Greets the guestguard tests', arch: 'any', url: 'https://example.invalid/hello', license: ['MIT', 'Apache-2.0'] },
  { name: 'gg-plain', pkgver: '2024.01.15', pkgrel: '1', desc: 'No epoch, one license', arch: 'any', license: ['GPL-3.0-or-later'] },
  { name: 'gg-native', pkgver: '0.1_beta', pkgrel: '2.1', desc: 'Dotted pkgrel — ünïcode', arch: 'x86_64', license: ['custom:Example'] },
];

/** pacman's local database written by pacman -U from packages built by makepkg (run as nobody). */
export function pacmanFixture(): { dir: string; root: string } {
  const dir = sharedFixture('packages-pacman-v1', (d) => {
    const build = join(d, 'build');
    mkdirSync(build, { recursive: true });
    const pkgs: string[] = [];
    for (const s of PACMAN_SPECS) {
      const pd = join(build, s.name);
      mkdirSync(pd, { recursive: true });
      writeFileSync(
        join(pd, 'PKGBUILD'),
        [
          `pkgname=${s.name}`,
          `pkgver=${s.pkgver}`,
          `pkgrel=${s.pkgrel}`,
          s.epoch !== undefined ? `epoch=${s.epoch}` : '',
          `pkgdesc="${s.desc}"`,
          `arch=('${s.arch}')`,
          s.url ? `url="${s.url}"` : '',
          `license=(${s.license.map((l) => `'${l}'`).join(' ')})`,
          'options=(!strip !debug)',
          'package() {',
          `  mkdir -p "$pkgdir/usr/share/${s.name}"`,
          `  echo ${s.name} > "$pkgdir/usr/share/${s.name}/README"`,
          '}',
          '',
        ].join('\n'),
      );
    }
    // makepkg refuses to run as root; build as nobody in a directory it owns.
    run('chown', ['-R', '65534:65534', build]);
    for (const s of PACMAN_SPECS) {
      run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'makepkg', '--nodeps', '--nocheck', '--nosign', '-f'], {
        cwd: join(build, s.name),
        env: { ...process.env, HOME: build, PKGEXT: '.pkg.tar.gz', CARCH: 'x86_64' },
      });
      pkgs.push(...readdirSync(join(build, s.name)).filter((f) => f.includes('.pkg.tar')).map((f) => join(build, s.name, f)));
    }
    const root = join(d, 'root');
    mkdirSync(join(root, 'var/lib/pacman'), { recursive: true });
    writeFileSync(join(d, 'pacman.conf'), '[options]\nArchitecture = x86_64\nSigLevel = Never\nLocalFileSigLevel = Never\n');
    run('pacman', ['-U', '--noconfirm', '--nodeps', '--nodeps', '--noscriptlet', '--config', join(d, 'pacman.conf'), '--root', root, '--dbpath', join(root, 'var/lib/pacman'), ...pkgs]);
    chmodSync(root, 0o755);
  });
  return { dir, root: join(dir, 'root') };
}

/** pacman -Q's own view: "name version" lines. */
export function pacmanQuery(root: string): Map<string, string> {
  const out = run('pacman', ['-Q', '--root', root, '--dbpath', join(root, 'var/lib/pacman')]);
  return new Map(out.split('\n').filter((l) => l).map((l) => l.split(' ') as [string, string]));
}

export const canBuildWal = hasTool('python3');

/**
 * An rpmdb.sqlite snapshot whose latest transaction exists only in the write-ahead log:
 * Python's sqlite3 (real SQLite) deletes the third package and adds a second copy of the
 * first, with checkpointing off, and the files are copied while the connection is open.
 */
export function walFixture(sqliteRoot: string): { dir: string; main: string; wal: string } {
  const dir = sharedFixture(`packages-rpm-wal-v${FIXTURE_VERSION}`, (d) => {
    cpSync(join(sqliteRoot, 'var/lib/rpm/rpmdb.sqlite'), join(d, 'live.sqlite'));
    const script = [
      'import sqlite3, shutil, sys',
      'd = sys.argv[1]',
      "c = sqlite3.connect(d + '/live.sqlite')",
      "assert c.execute('pragma journal_mode').fetchone()[0] == 'wal'",
      "c.execute('pragma wal_autocheckpoint=0')",
      "c.execute('delete from Packages where hnum = (select hnum from Packages order by hnum limit 1 offset 2)')",
      "c.execute('insert into Packages(blob) select blob from Packages where hnum = 1')",
      'c.commit()',
      "shutil.copy(d + '/live.sqlite', d + '/rpmdb.sqlite')",
      "shutil.copy(d + '/live.sqlite-wal', d + '/rpmdb.sqlite-wal')",
    ].join('\n');
    run('python3', ['-c', script, d]);
  });
  return { dir, main: join(dir, 'rpmdb.sqlite'), wal: join(dir, 'rpmdb.sqlite-wal') };
}
