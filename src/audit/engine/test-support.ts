/**
 * Test support for the profile engine (not shipped): three small Linux guests built as real
 * ext4 images with `mkfs.ext4 -d` — "good" (every check passes), "bad" (every check fails)
 * and "bare" (the files the checks read are missing) — plus helpers to run one check or
 * policy against them.
 */
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureDir } from '../../../test/helpers/fixtures.js';
import type { GuestFileSystem } from '../../fs/vfs.js';
import type { LinuxOperatingSystem, OperatingSystem, WindowsOperatingSystem } from '../../guest/inspect/types.js';
import { closeGuests, link, makeExt4, openGuest, put } from '../../guest/linux/test-trees.js';
import { evaluateCheck, evaluateRules } from './evaluate.js';
import { AuditFacts } from './facts.js';
import { parsePolicy } from './loader.js';
import type { CheckResult } from './result.js';
import type { Finding } from './types.js';

export type Variant = 'good' | 'bad' | 'bare';
export const VARIANTS: Variant[] = ['good', 'bad', 'bare'];

/** An inspected Linux OS with identity only; sections are null so the facts compute them from the guest. */
export function linuxOs(over: Partial<LinuxOperatingSystem> = {}): LinuxOperatingSystem {
  return {
    root: '/dev/sda',
    type: 'linux',
    distro: 'debian',
    product_name: 'Debian GNU/Linux 12 (bookworm)',
    major_version: 12,
    minor_version: 0,
    arch: 'x86_64',
    hostname: 'ggtest',
    osinfo: 'debian12',
    package_format: 'deb',
    package_management: 'apt',
    timezone: null,
    mountpoints: { '/': '/dev/sda' },
    filesystems: [],
    warnings: [],
    errors: [],
    build_id: null,
    os_release: null,
    machine_id: null,
    locale: null,
    init_system: null,
    cloud_init: null,
    guest_tools: null,
    evidence: { release_file: null, arch_binary: null, hostname_source: null, timezone_source: null, init_path: null },
    package_database: null,
    packages: null,
    services: null,
    users: null,
    network: null,
    kernels: null,
    boot: null,
    security: null,
    ...over,
  };
}

export function windowsOs(over: Partial<WindowsOperatingSystem> = {}): WindowsOperatingSystem {
  return {
    root: '/dev/sda2',
    type: 'windows',
    distro: 'windows',
    product_name: 'Windows Server 2022 Datacenter',
    major_version: 10,
    minor_version: 0,
    arch: 'x86_64',
    hostname: 'WIN',
    osinfo: 'win2k22',
    package_format: null,
    package_management: null,
    timezone: null,
    mountpoints: {},
    filesystems: [],
    warnings: [],
    errors: [],
    product_variant: 'Server',
    edition: null,
    build: 20348,
    update_build_revision: null,
    display_version: null,
    installation_type: null,
    system_root: 'C:\\Windows',
    system_root_path: '/Windows',
    current_control_set: 'ControlSet001',
    domain: null,
    install_time: null,
    drive_mappings: [],
    applications: null,
    services: null,
    security: null,
    hives: { software: null, system: null },
    ...over,
  };
}

const SHADOW_HASH = '$6$saltsalt$0N2m2d6uI9rE9cRMtGm2jz3M2.l2Qf3sTg4b0Bq4lG5dKp0kqTqvG0l6mYb9yqHcC6T6b3u1m5xX6m2bq9l2a/';

function common(t: string): void {
  put(t, 'etc/os-release', 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
  mkdirSync(join(t, 'usr/bin'), { recursive: true });
  mkdirSync(join(t, 'tmp'), { recursive: true });
  chmodSync(join(t, 'tmp'), 0o1777);
}

/** Every check passes here. */
function goodTree(t: string): void {
  common(t);
  put(t, 'etc/passwd', ['root:x:0:0:root:/root:/bin/bash', 'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin', 'sshd:x:100:65534::/run/sshd:/usr/sbin/nologin', 'alice:x:1000:1000:Alice:/home/alice:/bin/bash', 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin', ''].join('\n'));
  put(t, 'etc/shadow', [`root:${SHADOW_HASH}:19700:0:90:7:::`, 'daemon:*:19700:0:99999:7:::', 'sshd:!:19700::::::', `alice:${SHADOW_HASH}:19700:1:90:7:30::`, 'nobody:*:19700:0:99999:7:::', ''].join('\n'), 0o640);
  chownSync(join(t, 'etc/shadow'), 0, 42);
  put(t, 'etc/group', ['root:x:0:', 'daemon:x:1:', 'shadow:x:42:', 'alice:x:1000:', 'nogroup:x:65534:', ''].join('\n'));
  put(t, 'etc/login.defs', '# login.defs\nPASS_MAX_DAYS\t90\nPASS_MIN_DAYS 1\nUID_MIN 1000\nENCRYPT_METHOD SHA512\n');
  put(t, 'etc/security/pwquality.conf', '# minlen = 9\nminlen = 8\n');
  put(t, 'etc/security/pwquality.conf.d/50-cis.conf', 'minlen = 14\nminclass=4\n');
  put(t, 'etc/example-colon.conf', 'mode: strict\nretries : 3\n');
  put(t, 'etc/ssh/sshd_config', 'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nPasswordAuthentication no\nMatch User alice\n  PermitRootLogin yes\n');
  put(t, 'etc/ssh/sshd_config.d/10-hardening.conf', '# hardening\nPermitRootLogin no\nMaxAuthTries 3\n');
  put(t, 'usr/lib/sysctl.d/50-default.conf', 'net.ipv4.ip_forward = 1\nkernel.kptr_restrict = 1\n');
  put(t, 'etc/sysctl.d/90-hardening.conf', 'net.ipv4.ip_forward = 0\nkernel/kptr_restrict = 2\nnet.ipv4.tcp_rmem = 4096   87380\t6291456\n');
  put(t, 'var/lib/dpkg/status', dpkgStatus([['openssh-server', '1:9.2p1-2+deb12u3'], ['libc6', '2.36-9+deb12u7'], ['passwd', '1:4.13+dfsg1-1']]));
  // systemd: ssh enabled, rsync masked, cups disabled (has [Install], no link), a mount unit for /srv/data.
  put(t, 'lib/systemd/system/ssh.service', '[Unit]\nDescription=OpenBSD Secure Shell server\n[Service]\nExecStart=/usr/sbin/sshd -D\n[Install]\nWantedBy=multi-user.target\n');
  link(t, '/lib/systemd/system/ssh.service', 'etc/systemd/system/multi-user.target.wants/ssh.service');
  put(t, 'lib/systemd/system/rsync.service', '[Service]\nExecStart=/usr/bin/rsync --daemon\n[Install]\nWantedBy=multi-user.target\n');
  link(t, '/dev/null', 'etc/systemd/system/rsync.service');
  put(t, 'lib/systemd/system/cups.service', '[Service]\nExecStart=/usr/sbin/cupsd\n[Install]\nWantedBy=multi-user.target\n');
  put(t, 'etc/systemd/system/srv-data.mount', '[Mount]\nWhat=/dev/vdb1\nWhere=/srv/data\nType=ext4\nOptions=nodev,nosuid\n[Install]\nWantedBy=local-fs.target\n');
  link(t, '/etc/systemd/system/srv-data.mount', 'etc/systemd/system/local-fs.target.wants/srv-data.mount');
  put(t, 'etc/init.d/legacyd', '#!/bin/sh\n### BEGIN INIT INFO\n# Short-Description: legacy daemon\n### END INIT INFO\n', 0o755);
  link(t, '../init.d/legacyd', 'etc/rc2.d/S01legacyd');
  put(t, 'etc/fstab', ['# <fs> <mount> <type> <options>', 'UUID=1 / ext4 errors=remount-ro 0 1', 'tmpfs /tmp tmpfs defaults,nodev,nosuid,noexec 0 0', 'UUID=2 /var/log ext4 nodev,nosuid,noexec 0 2', 'UUID=3 none swap sw 0 0', ''].join('\n'));
  put(t, 'etc/modprobe.d/cis.conf', '# CIS 1.1.1\ninstall cramfs /bin/false\nblacklist cramfs\ninstall usb-storage /bin/true\n');
  put(t, 'etc/security/limits.conf', '# limits\n* hard core 0\n');
  put(t, 'etc/motd', 'Authorized uses only. All activity may be monitored and reported.\n');
  put(t, 'etc/issue.net', 'Authorized uses only.\n', 0o644);
  put(t, 'etc/crontab', 'SHELL=/bin/sh\n', 0o600);
  put(t, 'usr/bin/passwd', 'binary', 0o4755);
  put(t, 'usr/bin/ls', 'binary', 0o755);
  mkdirSync(join(t, 'var/tmp'), { recursive: true });
  chmodSync(join(t, 'var/tmp'), 0o1777);
  mkdirSync(join(t, 'var/spool/allowed'), { recursive: true });
  chmodSync(join(t, 'var/spool/allowed'), 0o777);
}

/** Every check fails here. */
function badTree(t: string): void {
  common(t);
  put(t, 'etc/passwd', [
    'root:x:0:0:root:/root:/bin/bash',
    'toor:x:0:0:second root:/root:/bin/bash',
    'games:x:5:60:games:/usr/games:/bin/bash',
    'alice:x:1000:1000:Alice:/home/alice:/bin/bash',
    'carol:x:1000:1000:Carol:/home/carol:/bin/bash',
    'bob:x:1001:1001:Bob:/home/bob:/bin/bash',
    'alice:x:1002:1002:Alice again:/home/alice2:/bin/bash',
    '',
  ].join('\n'));
  put(t, 'etc/shadow', [`root:${SHADOW_HASH}:19700:0:99999:7:::`, 'toor::19700:0:99999:7:::', 'games:*:19700:0:99999:7:::', `alice:${SHADOW_HASH}:19700:0:99999:7:::`, `carol:${SHADOW_HASH}:19700:0::7:::`, 'bob::19700:0:99999:7:::', ''].join('\n'), 0o644);
  chownSync(join(t, 'etc/shadow'), 1000, 1000);
  put(t, 'etc/group', ['root:x:0:', 'shadow:x:42:', 'alice:x:1000:', 'staff:x:1000:', 'bob:x:1001:', 'bob:x:1003:', ''].join('\n'));
  put(t, 'etc/login.defs', 'PASS_MAX_DAYS\t99999\nPASS_MIN_DAYS 0\nUID_MIN 1000\nENCRYPT_METHOD MD5\n');
  put(t, 'etc/security/pwquality.conf', 'minlen = 8\n');
  put(t, 'etc/example-colon.conf', 'mode: permissive\n');
  put(t, 'etc/ssh/sshd_config', 'Port 22\npermitrootlogin yes\nPasswordAuthentication yes\nMaxAuthTries 10\n');
  put(t, 'etc/sysctl.d/90-hardening.conf', 'net.ipv4.ip_forward = 0\n');
  put(t, 'etc/sysctl.conf', '# planted\nnet.ipv4.ip_forward=1\nkernel.kptr_restrict=0\n');
  put(t, 'var/lib/dpkg/status', dpkgStatus([['openssh-server', '1:8.4p1-5'], ['telnetd', '0.17-44'], ['libc6', '2.36-9']]));
  put(t, 'lib/systemd/system/telnet.socket', '[Socket]\nListenStream=23\n[Install]\nWantedBy=sockets.target\n');
  link(t, '/lib/systemd/system/telnet.socket', 'etc/systemd/system/sockets.target.wants/telnet.socket');
  put(t, 'lib/systemd/system/rsync.service', '[Service]\nExecStart=/usr/bin/rsync --daemon\n[Install]\nWantedBy=multi-user.target\n');
  link(t, '/lib/systemd/system/rsync.service', 'etc/systemd/system/multi-user.target.wants/rsync.service');
  put(t, 'lib/systemd/system/cups.service', '[Service]\nExecStart=/usr/sbin/cupsd\n[Install]\nWantedBy=multi-user.target\n');
  link(t, '/lib/systemd/system/cups.service', 'etc/systemd/system/multi-user.target.wants/cups.service');
  put(t, 'etc/fstab', ['UUID=1 / ext4 errors=remount-ro 0 1', 'tmpfs /tmp tmpfs defaults,nosuid 0 0', 'UUID=4 /home ext4 defaults,bind 0 0', ''].join('\n'));
  put(t, 'etc/modprobe.d/cis.conf', 'install cramfs /bin/sh -c "modprobe --ignore-install cramfs"\n');
  put(t, 'etc/security/limits.conf', '# * hard core 0\n');
  put(t, 'etc/motd', 'Welcome to Debian GNU/Linux 12\n');
  put(t, 'etc/issue.net', 'Debian GNU/Linux 12\n', 0o666);
  put(t, 'etc/crontab', 'SHELL=/bin/sh\n', 0o644);
  put(t, 'usr/bin/passwd', 'binary', 0o4755);
  put(t, 'usr/local/bin/evil', 'binary', 0o4755);
  put(t, 'usr/local/bin/sgid-tool', 'binary', 0o2711);
  put(t, 'etc/ww-file', 'x', 0o666);
  mkdirSync(join(t, 'var/open'), { recursive: true });
  chmodSync(join(t, 'var/open'), 0o777);
  mkdirSync(join(t, 'var/spool/allowed'), { recursive: true });
  chmodSync(join(t, 'var/spool/allowed'), 0o777);
}

/** Nothing the checks read is there. */
function bareTree(t: string): void {
  common(t);
}

function dpkgStatus(pkgs: [string, string][]): string {
  return pkgs.map(([n, v]) => `Package: ${n}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${v}\nDescription: ${n}\n`).join('\n');
}

const BUILDERS: Record<Variant, (t: string) => void> = { good: goodTree, bad: badTree, bare: bareTree };

/** The cached ext4 image of a variant. */
export function variantImage(v: Variant): string {
  const dir = fixtureDir('audit-engine-variants-v1', (d) => {
    for (const name of VARIANTS) {
      const tree = join(d, `${name}-tree`);
      BUILDERS[name](tree);
      makeExt4(tree, join(d, `${name}.img`));
    }
  });
  return join(dir, `${v}.img`);
}

const views = new Map<Variant, Promise<GuestFileSystem>>();

export function variantView(v: Variant): Promise<GuestFileSystem> {
  let p = views.get(v);
  if (!p) {
    p = openGuest(variantImage(v));
    views.set(v, p);
  }
  return p;
}

export async function closeVariants(): Promise<void> {
  views.clear();
  await closeGuests();
}

/** Fresh facts (fresh caches) over a variant. */
export async function variantFacts(v: Variant, os: OperatingSystem = linuxOs()): Promise<AuditFacts> {
  return AuditFacts.fromGuest(await variantView(v), os);
}

/** Parses a check written in YAML flow or block style through the real loader. */
export function checkOf(yaml: string): import('./schema.js').Check {
  const indented = yaml
    .trim()
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
  const doc = `profile: { id: t, title: T }\nrules:\n  - id: r\n    title: R\n    severity: high\n    check:\n${indented}\n`;
  return parsePolicy(doc, 'inline.yaml').rules[0]!.check;
}

export async function runCheck(v: Variant, yaml: string, os?: OperatingSystem): Promise<CheckResult> {
  return evaluateCheck(checkOf(yaml), await variantFacts(v, os));
}

export async function runPolicy(v: Variant, yaml: string, os?: OperatingSystem): Promise<Finding[]> {
  const p = parsePolicy(yaml, 'test.yaml');
  return evaluateRules(p.rules.map((r) => ({ ...r, profile: p.profile.id })), await variantFacts(v, os));
}
