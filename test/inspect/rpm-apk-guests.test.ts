/**
 * Non-Debian package formats end to end, two guests on two disks inspected together: a
 * Fedora-like root whose rpm database was written by rpm itself (SQLite backend, the packages'
 * own fixture), and an Alpine root with an apk database, each an ext4 filesystem spanning its
 * whole disk (no partition table).
 */
import { copyFileSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InspectionReport, LinuxOperatingSystem } from '../../src/guest/inspect/index.js';
import { canBuildRpm, expectedFromQa, rpmFixture, rpmQueryAll, rpmTree, TESTDATA } from '../../src/guest/packages/test-fixtures.js';
import { fixtureDir, run } from '../helpers/fixtures.js';
import { fullVersion, inspectJson } from './helpers.js';

function put(root: string, path: string, content: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

/** A merged-/usr skeleton with a real ELF shell, so architecture detection has a binary to read. */
function skeleton(root: string, shell: string): void {
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  copyFileSync('/bin/dash', join(root, 'usr/bin', shell));
  symlinkSync('usr/bin', join(root, 'bin'));
  mkdirSync(join(root, 'usr/sbin'));
  symlinkSync('usr/sbin', join(root, 'sbin'));
}

function guests(): { fedora: string; alpine: string } {
  const dir = fixtureDir('inspect-rpm-apk-v1', (d) => {
    const fedora = join(d, 'fedora');
    skeleton(fedora, 'bash');
    put(fedora, 'etc/os-release', 'NAME="Fedora Linux"\nVERSION="40 (Server Edition)"\nID=fedora\nVERSION_ID=40\nPRETTY_NAME="Fedora Linux 40 (Server Edition)"\nVARIANT_ID=server\n');
    put(fedora, 'etc/fedora-release', 'Fedora release 40 (Forty)\n');
    put(fedora, 'etc/hostname', 'fedora-gg\n');
    put(fedora, 'etc/fstab', 'LABEL=fedroot / ext4 defaults 1 1\n');
    put(fedora, 'usr/bin/dnf', '#!/usr/bin/python3\n');
    rpmTree(fedora, join(rpmFixture().sqliteRoot, 'var/lib/rpm'), ['rpmdb.sqlite']);
    run('mkfs.ext4', ['-q', '-F', '-L', 'fedroot', '-d', fedora, join(d, 'fedora.img'), '24M']);

    const alpine = join(d, 'alpine');
    mkdirSync(join(alpine, 'bin'), { recursive: true });
    copyFileSync('/bin/dash', join(alpine, 'bin/busybox'));
    symlinkSync('busybox', join(alpine, 'bin/sh'));
    put(alpine, 'etc/alpine-release', '3.19.1\n');
    put(alpine, 'etc/os-release', 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n');
    put(alpine, 'etc/hostname', 'alpine-gg\n');
    put(alpine, 'etc/fstab', '/dev/vdb / ext4 rw,relatime 0 1\n');
    mkdirSync(join(alpine, 'lib/apk/db'), { recursive: true });
    cpSync(join(TESTDATA, 'apk/installed'), join(alpine, 'lib/apk/db/installed'));
    run('mkfs.ext4', ['-q', '-F', '-L', 'alproot', '-d', alpine, join(d, 'alpine.img'), '16M']);
  });
  return { fedora: join(dir, 'fedora.img'), alpine: join(dir, 'alpine.img') };
}

/** name → version as the apk database writes it (V:). */
function apkTruth(): Map<string, string> {
  const out = new Map<string, string>();
  for (const para of readFileSync(join(TESTDATA, 'apk/installed'), 'utf8').split(/\n\n+/)) {
    const p = /^P:(.*)$/m.exec(para)?.[1];
    const v = /^V:(.*)$/m.exec(para)?.[1];
    if (p && v) out.set(p, v);
  }
  return out;
}

describe.runIf(canBuildRpm)('inspect: rpm and apk guests on two disks', () => {
  let report: InspectionReport;
  let fedora: LinuxOperatingSystem;
  let alpine: LinuxOperatingSystem;
  beforeAll(() => {
    const g = guests();
    report = inspectJson([g.fedora, g.alpine]);
    expect(report.operating_systems.map((o) => o.root)).toEqual(['/dev/sda', '/dev/sdb']);
    fedora = report.operating_systems[0] as LinuxOperatingSystem;
    alpine = report.operating_systems[1] as LinuxOperatingSystem;
  }, 600_000);

  it('Fedora: identity and every package rpm itself lists (gpg-pubkey excluded)', () => {
    expect(fedora).toMatchObject({
      type: 'linux',
      distro: 'fedora',
      product_name: 'Fedora Linux 40 (Server Edition)',
      major_version: 40,
      osinfo: 'fedora40',
      arch: 'x86_64',
      hostname: 'fedora-gg',
      package_format: 'rpm',
      package_management: 'dnf',
      mountpoints: { '/': '/dev/sda' },
      filesystems: [{ device: '/dev/sda', type: 'ext4', label: 'fedroot', uuid: expect.any(String) }],
      package_database: { format: 'rpm', manager: 'rpm', count: 4 },
      errors: [],
    });
    const expected = rpmQueryAll(['--root', rpmFixture().sqliteRoot, '--dbpath', '/var/lib/rpm'])
      .map(expectedFromQa)
      .filter((p) => p.name !== 'gpg-pubkey')
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(fedora.packages).toEqual(expected);
  });

  it('Alpine: identity and the apk database, /dev/vdb in fstab resolved to /dev/sdb', () => {
    expect(alpine).toMatchObject({
      distro: 'alpinelinux',
      major_version: 3,
      minor_version: 19,
      hostname: 'alpine-gg',
      package_format: 'apk',
      package_management: 'apk',
      mountpoints: { '/': '/dev/sdb' },
      errors: [],
    });
    const got = new Map(alpine.packages!.map((p) => [p.name, fullVersion(p.epoch, p.version, p.release)]));
    expect(got).toEqual(apkTruth());
  });
});
