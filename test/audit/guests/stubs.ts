/**
 * Stub packages: real .deb files built by dpkg-deb and real .rpm files built by rpmbuild, named
 * and versioned like the distribution's packages and carrying the systemd units (and a few
 * marker files) the real ones install, but none of their programs. They put a heavy server
 * (samba, squid, slapd...) into a guest's package database and unit files for a few KiB; the
 * package managers themselves write the databases (dpkg --root, rpm --root).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from '../../helpers/fixtures.js';

export interface StubPackage {
  name: string;
  version: string;
  /** Guest path → file content (units, config files, marker binaries). */
  files?: Record<string, string>;
  /** Guest paths made mode 0755. */
  executables?: string[];
  arch?: string;
  summary?: string;
}

/** A systemd unit in the style the distributions ship. */
export function unit(description: string, exec: string, wantedBy = 'multi-user.target', type: 'service' | 'socket' | 'mount' = 'service'): string {
  if (type === 'socket') return `[Unit]\nDescription=${description}\n\n[Socket]\nListenStream=${exec}\n\n[Install]\nWantedBy=sockets.target\n`;
  return `[Unit]\nDescription=${description}\n\n[Service]\nExecStart=${exec}\n\n[Install]\nWantedBy=${wantedBy}\n`;
}

function writeFiles(root: string, p: StubPackage): void {
  for (const [path, content] of Object.entries(p.files ?? {})) {
    const f = join(root, path);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, content);
    chmodSync(f, (p.executables ?? []).includes(path) ? 0o755 : 0o644);
  }
}

/** Builds one .deb per stub with dpkg-deb and installs them all into `tree` with the guest's dpkg. */
export function installDebStubs(tree: string, work: string, stubs: StubPackage[], opts: { chroot?: boolean } = {}): void {
  if (stubs.length === 0) return;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const debs: string[] = [];
  for (const p of stubs) {
    const root = join(work, p.name);
    mkdirSync(join(root, 'DEBIAN'), { recursive: true });
    writeFiles(root, p);
    writeFileSync(
      join(root, 'DEBIAN/control'),
      `Package: ${p.name}\nVersion: ${p.version}\nArchitecture: ${p.arch ?? 'amd64'}\nMaintainer: guestguard tests <tests@guestguard.invalid>\nSection: misc\nPriority: optional\nDescription: ${p.summary ?? `stub of ${p.name}`}\n stub package for the profile tests; installs unit files only.\n`,
    );
    const deb = join(work, `${p.name}.deb`);
    run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, deb]);
    debs.push(deb);
  }
  if (opts.chroot === false) {
    // A synthetic tree without programs: the host's dpkg writes its database (stubs have no scripts).
    run('dpkg', ['--root', tree, '--force-all', '--no-triggers', '-i', ...debs]);
    rmSync(work, { recursive: true, force: true });
    return;
  }
  // dpkg runs chrooted: with --root it would resolve the guest's statoverride groups on the host.
  const inGuest = join(tree, 'tmp/gg-stubs');
  mkdirSync(inGuest, { recursive: true });
  for (const d of debs) run('cp', [d, inGuest]);
  run('chroot', [tree, 'dpkg', '--force-depends', '--force-confold', '--no-triggers', '-i', ...debs.map((d) => `/tmp/gg-stubs/${d.split('/').pop()}`)]);
  rmSync(inGuest, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}

/** Builds one noarch .rpm per stub with rpmbuild and installs them into `tree` (SQLite rpmdb, as RHEL 9). */
export function installRpmStubs(tree: string, work: string, stubs: StubPackage[]): void {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'SPECS'), { recursive: true });
  for (const p of stubs) {
    const [version, release] = p.version.split('-') as [string, string | undefined];
    const install = Object.entries(p.files ?? {})
      .map(([path, content]) => `mkdir -p %{buildroot}${dirname(path)}\ncat > %{buildroot}${path} <<'GGEOF'\n${content.replace(/%/g, '%%')}GGEOF\n${(p.executables ?? []).includes(path) ? `chmod 0755 %{buildroot}${path}\n` : ''}`)
      .join('');
    const files = Object.keys(p.files ?? {}).join('\n');
    const spec = `Name: ${p.name}\nVersion: ${version}\nRelease: ${release ?? '1.el9'}\nSummary: ${p.summary ?? `stub of ${p.name}`}\nLicense: MIT\nBuildArch: noarch\n\n%description\nStub package for the guestguard profile tests.\n\n%install\n${install}\n%files\n${files}\n`;
    writeFileSync(join(work, 'SPECS', `${p.name}.spec`), spec);
    run('rpmbuild', ['--quiet', '--define', `_topdir ${work}`, '--define', '_binary_payload w2.xzdio', '-bb', join(work, 'SPECS', `${p.name}.spec`)]);
  }
  const dir = join(work, 'RPMS/noarch');
  const rpms = readdirSync(dir).map((f) => join(dir, f));
  mkdirSync(join(tree, 'var/lib/rpm'), { recursive: true });
  run('rpm', ['--root', tree, '--dbpath', '/var/lib/rpm', '--define', '_db_backend sqlite', '--nodeps', '--noscripts', '--nosignature', '--ignorearch', '-i', ...rpms]);
  rmSync(work, { recursive: true, force: true });
}
