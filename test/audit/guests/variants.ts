/**
 * Small per-rule guests for the cases the four main guests cannot cover at once (a rule
 * whose pass and fail need package sets that exclude each other, such as ufw versus nftables,
 * or a default no sane guest gets wrong, such as pam_unix missing from the stack). Each is a
 * synthetic tree with its distribution's release files, a package database written by dpkg or
 * rpm from stub packages, and only the configuration its rules read, in one ext4 image.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureDir, run } from '../../helpers/fixtures.js';
import { installDebStubs, installRpmStubs, unit, type StubPackage } from './stubs.js';
import { link, put } from './tree.js';

type FileSpec = string | { content: string; mode: number };

export interface Variant {
  name: string;
  family: 'debian' | 'rhel';
  /** What the variant is for (shown in test names). */
  purpose: string;
  files?: Record<string, FileSpec>;
  packages?: StubPackage[];
  enable?: string[];
}

const DEBIAN_OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\n';
const ROCKY_OS_RELEASE = 'NAME="Rocky Linux"\nVERSION="9.4 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="Rocky Linux 9.4 (Blue Onyx)"\n';

const deb = (name: string, version: string, files: Record<string, string> = {}): StubPackage => ({ name, version, files });
const rpm = (name: string, version: string, files: Record<string, string> = {}): StubPackage => ({ name, version, files, arch: 'x86_64' });

const UFW_UNIT = unit('Uncomplicated firewall', '/lib/ufw/ufw-init start quiet');
const DEBIAN_PAM_NO_UNIX = '# PAM delegated entirely to SSSD\nauth\t[success=1 default=ignore]\tpam_sss.so\nauth\trequisite\t\t\tpam_deny.so\nauth\trequired\t\t\tpam_permit.so\n';

export const VARIANTS: Variant[] = [
  {
    name: 'debian-no-firewall',
    family: 'debian',
    purpose: 'no firewall package at all',
    packages: [deb('base-files', '12.4+deb12u8'), deb('openssh-client', '1:9.2p1-2+deb12u3')],
  },
  {
    name: 'debian-ufw-off',
    family: 'debian',
    purpose: 'ufw installed with iptables-persistent, disabled, default accept',
    packages: [deb('base-files', '12.4+deb12u8'), deb('ufw', '0.36.2-1', { '/lib/systemd/system/ufw.service': UFW_UNIT }), deb('iptables-persistent', '1.0.20')],
    files: { '/etc/ufw/ufw.conf': '# /etc/ufw/ufw.conf\nENABLED=no\nLOGLEVEL=low\n', '/etc/default/ufw': 'IPV6=yes\nDEFAULT_INPUT_POLICY="ACCEPT"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\nDEFAULT_FORWARD_POLICY="DROP"\n' },
  },
  {
    name: 'debian-ufw-on',
    family: 'debian',
    purpose: 'ufw enabled with a default-deny input policy',
    packages: [deb('base-files', '12.4+deb12u8'), deb('ufw', '0.36.2-1', { '/lib/systemd/system/ufw.service': UFW_UNIT })],
    enable: ['ufw.service'],
    files: { '/etc/ufw/ufw.conf': '# /etc/ufw/ufw.conf\nENABLED=yes\nLOGLEVEL=low\n', '/etc/default/ufw': 'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\nDEFAULT_FORWARD_POLICY="DROP"\n' },
  },
  {
    name: 'debian-nftables-empty',
    family: 'debian',
    purpose: 'nftables installed with a configuration that only flushes',
    packages: [deb('base-files', '12.4+deb12u8'), deb('nftables', '1.0.6-2+deb12u2', { '/lib/systemd/system/nftables.service': unit('nftables', '/usr/sbin/nft -f /etc/nftables.conf', 'sysinit.target') })],
    files: { '/etc/nftables.conf': { content: '#!/usr/sbin/nft -f\n\nflush ruleset\n', mode: 0o755 } },
  },
  {
    name: 'debian-no-sudo-sssd-pam',
    family: 'debian',
    purpose: 'no sudo, and an auth stack without pam_unix',
    packages: [deb('base-files', '12.4+deb12u8'), deb('libpam-modules', '1.5.2-6+deb12u1'), deb('libpam-sss', '2.8.2-4')],
    files: { '/etc/pam.d/common-auth': DEBIAN_PAM_NO_UNIX },
  },
  {
    name: 'rhel-minimal',
    family: 'rhel',
    purpose: 'no libselinux, no sudo, and system-auth/password-auth without pam_unix',
    packages: [rpm('rocky-release', '9.4-1.7.el9'), rpm('pam', '1.5.1-19.el9'), rpm('sssd-client', '2.9.4-6.el9_4')],
    files: {
      '/etc/pam.d/system-auth': '#%PAM-1.0\nauth        required      pam_env.so\nauth        sufficient    pam_sss.so forward_pass\nauth        required      pam_deny.so\n',
      '/etc/pam.d/password-auth': '#%PAM-1.0\nauth        required      pam_env.so\nauth        sufficient    pam_sss.so forward_pass\nauth        required      pam_deny.so\n',
    },
  },
];

function baseTree(t: string, family: Variant['family']): void {
  for (const d of ['usr/bin', 'usr/sbin', 'usr/lib', 'etc', 'var/lib', 'tmp', 'root']) mkdirSync(join(t, d), { recursive: true });
  for (const [l, target] of [['bin', 'usr/bin'], ['sbin', 'usr/sbin'], ['lib', 'usr/lib']] as const) link(t, target, l);
  copyFileSync('/bin/bash', join(t, 'usr/bin/bash'));
  put(t, 'etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n');
  put(t, 'etc/group', 'root:x:0:\n');
  put(t, 'etc/shadow', 'root:*:19800:0:99999:7:::\n', 0o640);
  put(t, 'etc/hostname', 'variant\n');
  put(t, 'etc/fstab', '# <file system> <mount point> <type> <options> <dump> <pass>\nLABEL=variant / ext4 defaults 0 1\n');
  if (family === 'debian') {
    put(t, 'etc/os-release', DEBIAN_OS_RELEASE);
    put(t, 'etc/debian_version', '12.8\n');
    for (const d of ['info', 'updates', 'triggers']) mkdirSync(join(t, 'var/lib/dpkg', d), { recursive: true });
    put(t, 'var/lib/dpkg/status', '');
    put(t, 'var/lib/dpkg/available', '');
  } else {
    put(t, 'etc/os-release', ROCKY_OS_RELEASE);
    put(t, 'etc/rocky-release', 'Rocky Linux release 9.4 (Blue Onyx)\n');
    link(t, 'rocky-release', 'etc/redhat-release');
  }
}

/** Builds every variant once (cached); returns variant name → ext4 image. */
export function variantImages(): Map<string, string> {
  const dir = fixtureDir('audit-variants-v1', (d) => {
    for (const v of VARIANTS) {
      const t = join(d, `${v.name}.tree`);
      baseTree(t, v.family);
      if (v.family === 'debian') installDebStubs(t, join(d, 'work'), v.packages ?? [], { chroot: false });
      else installRpmStubs(t, join(d, 'work'), v.packages ?? []);
      for (const [p, f] of Object.entries(v.files ?? {})) {
        if (typeof f === 'string') put(t, p.slice(1), f);
        else put(t, p.slice(1), f.content, f.mode);
      }
      if (v.enable?.length) run('systemctl', [`--root=${t}`, '--quiet', 'enable', ...v.enable]);
      const img = join(d, `${v.name}.img`);
      run('truncate', ['-s', '24M', img]);
      run('mkfs.ext4', ['-q', '-F', '-L', 'variant', '-d', t, img]);
      rmSync(t, { recursive: true, force: true });
    }
  });
  const out = new Map<string, string>();
  for (const n of readdirSync(dir)) if (n.endsWith('.img')) out.set(n.slice(0, -4), join(dir, n));
  return out;
}
