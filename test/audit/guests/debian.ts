/**
 * The Debian test guests of the profile tests, built from the cached debootstrap tree:
 *
 * - "bad": a single-filesystem bookworm server with the misconfigurations of issue 5 planted
 *   (PermitRootLogin yes, PasswordAuthentication yes, PASS_MAX_DAYS 99999, no auditd, /tmp
 *   on the root filesystem, telnetd installed, a second UID 0 account, a world-writable file
 *   in /etc, net.ipv4.ip_forward=1) plus one wrong setting for most other rules, so each rule
 *   has a failing case. Legacy servers are real packages installed with apt in a chroot;
 *   heavy ones (samba, squid, slapd, ...) are stub packages (see stubs.ts).
 * - "good": the same base hardened as the CIS remediation sections say (real auditd,
 *   AppArmor, AIDE, chrony, nftables, libpam-pwquality configured through pam-auth-update),
 *   on a GPT disk with separate /var, /var/tmp, /var/log, /var/log/audit and /home.
 *
 * Each fixture keeps its tree (tree/) for the Lynis cross-check, which runs chrooted in it.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { debootstrapRoot, DEBIAN_MIRROR } from '../../helpers/debian-guest.js';
import { fixtureDir, hasTool, run } from '../../helpers/fixtures.js';
import { fstabFor, partitionedDisk, type Partition } from './disk.js';
import { installDebStubs, unit, type StubPackage } from './stubs.js';
import { append, chmod, chown, edit, put, read } from './tree.js';

export const canBuildAuditGuests = process.getuid?.() === 0 && ['debootstrap', 'sgdisk', 'mkfs.ext4', 'dpkg-deb', 'unshare', 'chroot', 'systemctl'].every(hasTool);

export interface AuditGuest {
  name: string;
  dir: string;
  /** Raw disk image. */
  raw: string;
  /** The guest's files as a host tree (kept for Lynis). */
  tree: string;
}

export const DEBIAN_BAD_PACKAGES = [
  'telnetd', 'telnet', 'rsh-server', 'rsh-client', 'talk', 'talkd', 'tftpd-hpa', 'vsftpd', 'xinetd', 'nis', 'ftp', 'ldap-utils',
  'rpcbind', 'rsync', 'dnsmasq', 'avahi-daemon', 'nginx', 'at', 'nftables', 'rsyslog',
];
export const DEBIAN_GOOD_PACKAGES = ['auditd', 'audispd-plugins', 'libpam-pwquality', 'apparmor', 'apparmor-utils', 'aide', 'rsyslog', 'chrony', 'nftables', 'at', 'rsync'];

/** Stub packages that make the bad guest a kitchen-sink server (versions as in bookworm). */
const DEBIAN_BAD_STUBS: StubPackage[] = [
  { name: 'snmpd', version: '5.9.3+dfsg-2+deb12u1', files: { '/lib/systemd/system/snmpd.service': unit('Simple Network Management Protocol (SNMP) Daemon.', '/usr/sbin/snmpd -LOw -u Debian-snmp -g Debian-snmp -I -smux,mteTrigger,mteTriggerConf -f -p /run/snmpd.pid') } },
  { name: 'autofs', version: '5.1.8-2', files: { '/lib/systemd/system/autofs.service': unit('Automounts filesystems on demand', '/usr/sbin/automount $OPTIONS --systemd-service --dont-check-daemon') } },
  { name: 'xserver-common', version: '2:21.1.7-3+deb12u13', arch: 'all', files: { '/usr/share/X11/xkb/compiled/README.compiled': 'stub\n' } },
  { name: 'isc-dhcp-server', version: '4.4.3-P1-2', files: { '/lib/systemd/system/isc-dhcp-server.service': unit('LSB: DHCP server', '/etc/init.d/isc-dhcp-server start') } },
  { name: 'bind9', version: '1:9.18.28-1~deb12u2', files: { '/lib/systemd/system/named.service': unit('BIND Domain Name Server', '/usr/sbin/named -f $OPTIONS').replace('[Install]\n', '[Install]\nAlias=bind9.service\n') } },
  { name: 'slapd', version: '2.5.13+dfsg-5', files: { '/lib/systemd/system/slapd.service': unit('LSB: OpenLDAP standalone server (Lightweight Directory Access Protocol)', '/etc/init.d/slapd start') } },
  { name: 'dovecot-imapd', version: '1:2.3.19.1+dfsg1-2.1+deb12u1', files: { '/lib/systemd/system/dovecot.service': unit('Dovecot IMAP/POP3 email server', '/usr/sbin/dovecot -F') } },
  { name: 'nfs-kernel-server', version: '1:2.6.2-4+deb12u1', files: { '/lib/systemd/system/nfs-server.service': unit('NFS server and services', '/usr/sbin/rpc.nfsd').replace('multi-user.target', 'multi-user.target') } },
  { name: 'cups', version: '2.4.2-3+deb12u8', files: { '/lib/systemd/system/cups.service': unit('CUPS Scheduler', '/usr/sbin/cupsd -l'), '/lib/systemd/system/cups.socket': unit('CUPS Scheduler', '/run/cups/cups.sock', '', 'socket') } },
  { name: 'samba', version: '2:4.17.12+dfsg-0+deb12u1', files: { '/lib/systemd/system/smbd.service': unit('Samba SMB Daemon', '/usr/sbin/smbd --foreground --no-process-group $SMBDOPTIONS') } },
  { name: 'squid', version: '5.7-2+deb12u2', files: { '/lib/systemd/system/squid.service': unit('Squid Web Proxy Server', '/usr/sbin/squid --foreground -sYC') } },
  { name: 'apache2', version: '2.4.62-1~deb12u2', files: { '/lib/systemd/system/apache2.service': unit('The Apache HTTP Server', '/usr/sbin/apachectl start') } },
  { name: 'bluez', version: '5.66-1+deb12u2', files: { '/lib/systemd/system/bluetooth.service': unit('Bluetooth service', '/usr/libexec/bluetooth/bluetoothd', 'bluetooth.target') } },
  {
    name: 'postfix',
    version: '3.7.11-0+deb12u1',
    files: {
      '/lib/systemd/system/postfix.service': unit('Postfix Mail Transport Agent', '/bin/true'),
      '/etc/postfix/main.cf': 'smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)\nbiff = no\nmyhostname = ggaudit-bad\nmydestination = $myhostname, localhost\nrelayhost =\ninet_interfaces = all\ninet_protocols = all\n',
    },
  },
  // Stub: the real openbsd-inetd conflicts with xinetd, which the bad guest also runs.
  { name: 'openbsd-inetd', version: '0.20221205-2~deb12u1', files: { '/lib/systemd/system/inetd.service': unit('Internet superserver', '/usr/sbin/inetd') } },
  { name: 'prelink', version: '0.0.20131005-1+b10', files: { '/etc/default/prelink': 'PRELINKING=yes\n' } },
  {
    name: 'systemd-journal-remote',
    version: '252.30-1~deb12u2',
    files: {
      '/lib/systemd/system/systemd-journal-remote.service': unit('Journal Remote Sink Service', '/lib/systemd/systemd-journal-remote --listen-https=-3 --output=/var/log/journal/remote/'),
      '/lib/systemd/system/systemd-journal-remote.socket': unit('Journal Remote Sink Socket', '19532', '', 'socket'),
    },
  },
];
const DEBIAN_BAD_ENABLE = ['inetd.service', 'snmpd.service', 'autofs.service', 'isc-dhcp-server.service', 'named.service', 'slapd.service', 'dovecot.service', 'nfs-server.service', 'cups.service', 'cups.socket', 'smbd.service', 'squid.service', 'apache2.service', 'bluetooth.service', 'postfix.service', 'systemd-journal-remote.socket'];

/** Debian tree + packages installed by apt in a chroot (mount namespace with /proc; services never started). */
function debianTree(d: string, packages: string[]): string {
  const tree = join(d, 'tree');
  run('cp', ['-a', debootstrapRoot(), tree]);
  put(tree, 'usr/sbin/policy-rc.d', '#!/bin/sh\nexit 101\n', 0o755);
  put(tree, 'etc/resolv.conf', read('/', 'etc/resolv.conf') || 'nameserver 1.1.1.1\n');
  put(tree, 'etc/apt/sources.list', `deb ${DEBIAN_MIRROR} bookworm main\n`);
  const script = `apt-get -q -o Acquire::Retries=3 update && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${packages.join(' ')} && apt-get clean`;
  run('unshare', ['--mount', '--fork', 'sh', '-c', `mount -t proc proc "$1/proc" && chroot "$1" sh -c "$2"`, 'sh', tree, script], { timeout: 1_200_000 });
  rmSync(join(tree, 'usr/sbin/policy-rc.d'));
  // Bulk that no audit reads (documentation, translations, apt's package lists).
  for (const p of ['usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'var/lib/apt/lists', 'var/cache/apt', 'var/cache/debconf/templates.dat-old']) {
    rmSync(join(tree, p), { recursive: true, force: true });
  }
  mkdirSync(join(tree, 'var/lib/apt/lists/partial'), { recursive: true });
  mkdirSync(join(tree, 'var/cache/apt/archives/partial'), { recursive: true });
  return tree;
}

function systemctl(tree: string, verb: 'enable' | 'disable' | 'mask', units: string[]): void {
  if (units.length > 0) run('systemctl', [`--root=${tree}`, '--quiet', verb, ...units]);
}

/** GRUB configuration as grub-mkconfig writes it for one kernel (the boot facts come from it). */
function grubCfg(rootUuid: string, cmdline: string, password: boolean): string {
  const k = '6.1.0-28-amd64';
  return [
    '#',
    '# DO NOT EDIT THIS FILE',
    '#',
    '# It is automatically generated by grub-mkconfig using templates',
    '# from /etc/grub.d and settings from /etc/default/grub',
    '#',
    '',
    '### BEGIN /etc/grub.d/00_header ###',
    'set default="0"',
    'set timeout=5',
    '### END /etc/grub.d/00_header ###',
    '',
    ...(password
      ? [
          '### BEGIN /etc/grub.d/40_custom ###',
          'set superusers="grubadmin"',
          'password_pbkdf2 grubadmin grub.pbkdf2.sha512.10000.4B6F4D2C9A1E0F3B7C5D8E6A2F1B3C4D.9E8D7C6B5A4F3E2D1C0B9A8F7E6D5C4B3A2F1E0D9C8B7A6F5E4D3C2B1A0F9E8D7C6B5A4F3E2D1C0B9A8F7E6D5C4B3A2F1E0D9C8B7A6F5E4D3C2B1A0F9E8D7C6B',
          '### END /etc/grub.d/40_custom ###',
          '',
        ]
      : []),
    '### BEGIN /etc/grub.d/10_linux ###',
    `menuentry 'Debian GNU/Linux' --class debian --class gnu-linux --class gnu --class os --unrestricted $menuentry_id_option 'gnulinux-simple-${rootUuid}' {`,
    '\tinsmod part_gpt',
    '\tinsmod ext2',
    `\tsearch --no-floppy --fs-uuid --set=root ${rootUuid}`,
    `\tlinux\t/boot/vmlinuz-${k} root=UUID=${rootUuid} ro ${cmdline}`,
    `\tinitrd\t/boot/initrd.img-${k}`,
    '}',
    '### END /etc/grub.d/10_linux ###',
    '',
  ].join('\n');
}

const BANNER = 'Authorized uses only. All activity may be monitored and reported.\n';

export const DEBIAN_BAD_ROOT_UUID = '0badc0de-1111-4a2b-8c3d-4e5f60718293';

/** The misconfigured Debian guest (see the file comment). */
export function debianBadGuest(): AuditGuest {
  const dir = fixtureDir('audit-debian-bad-v2', (d) => {
    const t = debianTree(d, DEBIAN_BAD_PACKAGES);
    installDebStubs(t, join(d, 'stubs'), DEBIAN_BAD_STUBS);
    systemctl(t, 'enable', [...DEBIAN_BAD_ENABLE, 'ypserv.service', 'rsync.service']);
    systemctl(t, 'disable', ['cron.service', 'rsyslog.service']);
    put(t, 'etc/hostname', 'ggaudit-bad\n');

    // SSH: the planted PermitRootLogin/PasswordAuthentication plus legacy crypto and loose limits.
    edit(t, 'etc/ssh/sshd_config', /^UsePAM yes$/m, 'UsePAM no');
    append(
      t,
      'etc/ssh/sshd_config',
      [
        '',
        '# Local changes',
        'PermitRootLogin yes',
        'PasswordAuthentication yes',
        'PermitEmptyPasswords yes',
        'Protocol 2,1',
        'Ciphers +aes128-cbc,3des-cbc',
        'MACs +hmac-md5',
        'KexAlgorithms +diffie-hellman-group1-sha1',
        'HostbasedAuthentication yes',
        'IgnoreRhosts no',
        'PermitUserEnvironment yes',
        'LogLevel QUIET',
        'MaxAuthTries 10',
        'MaxSessions 20',
        '',
      ].join('\n'),
    );
    chmod(t, 'etc/ssh/ssh_host_ecdsa_key', 0o644);
    chmod(t, 'etc/ssh/ssh_host_ed25519_key.pub', 0o666);

    // Password policy as shipped (PASS_MAX_DAYS 99999, UMASK 022) and made worse.
    edit(t, 'etc/login.defs', /^PASS_WARN_AGE\s+7$/m, 'PASS_WARN_AGE\t3');
    edit(t, 'etc/login.defs', /^ENCRYPT_METHOD SHA512$/m, 'ENCRYPT_METHOD MD5');
    edit(t, 'etc/pam.d/common-password', /pam_unix\.so obscure yescrypt/, 'pam_unix.so obscure md5 remember=5');
    put(t, 'etc/security/pwquality.conf', '# left over from an old install\nminlen = 8\ndictcheck = 0\nenforcing = 0\n');
    chmod(t, 'etc/security/opasswd', 0o644);

    // Accounts: a second UID 0 account, an empty password, an unshadowed hash, duplicates.
    append(t, 'etc/passwd', 'toor:x:0:0:backup root:/root:/bin/bash\nalice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\neve:x:1002:1002::/home/eve:/bin/bash\nlegacy:$1$ggsalt$4Jz1bL0tZs9yW8cQ2u3Ff/:1003:1003::/home/legacy:/bin/sh\ndeploy:x:1004:1004::/home/deploy:/bin/sh\ndeploy:x:1005:1004::/srv/deploy:/bin/sh\n');
    edit(t, 'etc/passwd', /^daemon:x:1:1:daemon:\/usr\/sbin:\/usr\/sbin\/nologin$/m, 'daemon:x:1:1:daemon:/usr/sbin:/bin/bash');
    const hash = '$y$j9T$Q2VzdGd1YXJkYXVkaXQ$0rO4HcNpWkMz2sYx0Q9w1eB7cA5dF3gH6jK8lM9nP1';
    append(t, 'etc/shadow', `toor:${hash}:19800:0:99999:7:::\nalice:${hash}:19800:0:99999:7:::\neve::19800:0:99999:7:::\ndeploy:!:19800:0:99999:7:::\n`);
    append(t, 'etc/group', 'wheel0:x:0:toor\nalice:x:1000:\neve:x:1002:\nlegacy:x:1003:\ndevs:x:1000:\nops:x:1100:\nops:x:1101:\n');
    edit(t, 'etc/group', /^shadow:x:42:$/m, 'shadow:x:42:eve');
    append(t, 'etc/gshadow', 'wheel0:!::toor\nalice:!::\neve:!::\nlegacy:!::\ndevs:!::\nops:!::\n');

    // Files: the planted world-writable file, loose account databases, a setuid find.
    put(t, 'etc/backup.conf', 'target=/srv/backup\n', 0o666);
    chmod(t, 'etc/passwd-', 0o664);
    chown(t, 'etc/group-', 1000, 1000);
    chmod(t, 'etc/shadow', 0o644);
    chmod(t, 'etc/gshadow', 0o644);
    chmod(t, 'etc/gshadow-', 0o644);
    chmod(t, 'etc/shadow-', 0o644);
    chmod(t, 'etc/shells', 0o664);
    chmod(t, 'etc/motd', 0o664);
    chmod(t, 'etc/issue', 0o664);
    chown(t, 'etc/issue.net', 1000, 1000);
    mkdirSync(join(t, 'usr/local/bin'), { recursive: true });
    run('cp', ['-p', join(t, 'usr/bin/find'), join(t, 'usr/local/bin/find')]);
    chmod(t, 'usr/local/bin/find', 0o4755);

    // Kernel parameters: the planted ip_forward and one wrong value per hardening key.
    append(
      t,
      'etc/sysctl.conf',
      [
        '',
        '# Local changes',
        'net.ipv4.ip_forward=1',
        'net.ipv6.conf.all.forwarding=1',
        'net.ipv4.conf.all.send_redirects=1',
        'net.ipv4.conf.default.send_redirects=1',
        'net.ipv4.icmp_ignore_bogus_error_responses=0',
        'net.ipv4.icmp_echo_ignore_broadcasts=0',
        'net.ipv4.conf.all.accept_redirects=1',
        'net.ipv4.conf.default.accept_redirects=1',
        'net.ipv6.conf.all.accept_redirects=1',
        'net.ipv4.conf.all.secure_redirects=1',
        'net.ipv4.conf.all.rp_filter=0',
        'net.ipv4.conf.all.accept_source_route=1',
        'net.ipv4.conf.all.log_martians=0',
        'net.ipv4.tcp_syncookies=0',
        'net.ipv6.conf.all.accept_ra=1',
        'kernel.randomize_va_space=0',
        'kernel.yama.ptrace_scope=0',
        'kernel.kptr_restrict=0',
        'kernel.dmesg_restrict=0',
        'fs.protected_hardlinks=0',
        'fs.protected_symlinks=0',
        'fs.protected_fifos=0',
        'fs.protected_regular=0',
        'fs.suid_dumpable=2',
        '',
      ].join('\n'),
    );

    // /tmp and /var/tmp on the root filesystem; /dev/shm as a tmpfs without restrictions.
    put(t, 'etc/fstab', ['# /etc/fstab: static file system information.', `UUID=${DEBIAN_BAD_ROOT_UUID} /        ext4  errors=remount-ro 0 1`, 'tmpfs /dev/shm tmpfs defaults 0 0', ''].join('\n'));

    // sudo, logging, scheduling, boot.
    put(t, 'etc/sudoers.d/90-legacy', 'Defaults:deploy !authenticate\nDefaults timestamp_timeout=-1\n', 0o440);
    edit(t, 'etc/rsyslog.conf', /^\$FileCreateMode 0640$/m, '$FileCreateMode 0644');
    edit(t, 'etc/rsyslog.conf', /^#module\(load="imtcp"\)$/m, 'module(load="imtcp")');
    edit(t, 'etc/rsyslog.conf', /^#input\(type="imtcp" port="514"\)$/m, 'input(type="imtcp" port="514")');
    edit(t, 'etc/systemd/journald.conf', /^#Compress=yes$/m, 'Compress=no');
    put(t, 'etc/gdm3/custom.conf', '# GDM configuration storage\n[daemon]\n\n[security]\n\n[xdmcp]\nEnable=true\n');
    put(t, 'etc/default/grub', 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR=Debian\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX="apparmor=0"\n');
    put(t, 'boot/grub/grub.cfg', grubCfg(DEBIAN_BAD_ROOT_UUID, 'apparmor=0 quiet', false), 0o644);

    const raw = join(d, 'disk.raw');
    partitionedDisk(t, raw, [{ mount: '/', uuid: DEBIAN_BAD_ROOT_UUID, label: 'root', spareMiB: 16 }], join(d, 'parts'));
  });
  return { name: 'debian-bad', dir, raw: join(dir, 'disk.raw'), tree: join(dir, 'tree') };
}

export const DEBIAN_GOOD_PARTS: Partition[] = [
  { mount: '/', uuid: '900dc0de-0001-4a2b-8c3d-4e5f60718293', label: 'root', spareMiB: 16 },
  { mount: '/var', uuid: '900dc0de-0002-4a2b-8c3d-4e5f60718293', label: 'var', spareMiB: 8 },
  { mount: '/var/tmp', uuid: '900dc0de-0003-4a2b-8c3d-4e5f60718293', label: 'vartmp' },
  { mount: '/var/log', uuid: '900dc0de-0004-4a2b-8c3d-4e5f60718293', label: 'varlog' },
  { mount: '/var/log/audit', uuid: '900dc0de-0005-4a2b-8c3d-4e5f60718293', label: 'audit' },
  { mount: '/home', uuid: '900dc0de-0006-4a2b-8c3d-4e5f60718293', label: 'home' },
];

const CIS_AUDIT_RULES = [
  '## CIS 6.2.3.x (Debian) / 6.3.3.x (RHEL 9)',
  '-w /etc/sudoers -p wa -k scope',
  '-w /etc/sudoers.d -p wa -k scope',
  '-a always,exit -F arch=b64 -S adjtimex,settimeofday,clock_settime -k time-change',
  '-a always,exit -F arch=b32 -S adjtimex,settimeofday,clock_settime -k time-change',
  '-w /etc/localtime -p wa -k time-change',
  '-w /etc/group -p wa -k identity',
  '-w /etc/passwd -p wa -k identity',
  '-w /etc/gshadow -p wa -k identity',
  '-w /etc/shadow -p wa -k identity',
  '-w /etc/security/opasswd -p wa -k identity',
  '-a always,exit -F arch=b64 -S chmod,fchmod,fchmodat -F auid>=1000 -F auid!=unset -k perm_mod',
  '-a always,exit -F arch=b64 -S chown,fchown,lchown,fchownat -F auid>=1000 -F auid!=unset -k perm_mod',
  '-a always,exit -F arch=b64 -S setxattr,lsetxattr,fsetxattr,removexattr,lremovexattr,fremovexattr -F auid>=1000 -F auid!=unset -k perm_mod',
  '-a always,exit -F arch=b64 -S mount -F auid>=1000 -F auid!=unset -k mounts',
  '-w /var/run/utmp -p wa -k session',
  '-w /var/log/wtmp -p wa -k session',
  '-w /var/log/btmp -p wa -k session',
  '-w /var/log/lastlog -p wa -k logins',
  '-w /var/run/faillock -p wa -k logins',
  '-a always,exit -F arch=b64 -S unlink,unlinkat,rename,renameat -F auid>=1000 -F auid!=unset -k delete',
  '-a always,exit -F arch=b64 -S init_module,finit_module,delete_module,create_module,query_module -F auid>=1000 -F auid!=unset -k kernel_modules',
  '-w /usr/bin/kmod -p x -k kernel_modules',
  '',
].join('\n');
export const CIS_MAC_RULES_DEBIAN = '-w /etc/apparmor/ -p wa -k MAC-policy\n-w /etc/apparmor.d/ -p wa -k MAC-policy\n';
export const CIS_SYSCTL = [
  '# CIS 1.5 and 3.3, plus kernel hardening',
  'kernel.randomize_va_space = 2',
  'kernel.yama.ptrace_scope = 1',
  'kernel.kptr_restrict = 2',
  'kernel.dmesg_restrict = 1',
  'fs.suid_dumpable = 0',
  'fs.protected_hardlinks = 1',
  'fs.protected_symlinks = 1',
  'fs.protected_fifos = 1',
  'fs.protected_regular = 2',
  'net.ipv4.ip_forward = 0',
  'net.ipv6.conf.all.forwarding = 0',
  'net.ipv4.conf.all.send_redirects = 0',
  'net.ipv4.conf.default.send_redirects = 0',
  'net.ipv4.icmp_ignore_bogus_error_responses = 1',
  'net.ipv4.icmp_echo_ignore_broadcasts = 1',
  'net.ipv4.conf.all.accept_redirects = 0',
  'net.ipv4.conf.default.accept_redirects = 0',
  'net.ipv6.conf.all.accept_redirects = 0',
  'net.ipv6.conf.default.accept_redirects = 0',
  'net.ipv4.conf.all.secure_redirects = 0',
  'net.ipv4.conf.default.secure_redirects = 0',
  'net.ipv4.conf.all.rp_filter = 1',
  'net.ipv4.conf.default.rp_filter = 1',
  'net.ipv4.conf.all.accept_source_route = 0',
  'net.ipv4.conf.default.accept_source_route = 0',
  'net.ipv6.conf.all.accept_source_route = 0',
  'net.ipv6.conf.default.accept_source_route = 0',
  'net.ipv4.conf.all.log_martians = 1',
  'net.ipv4.conf.default.log_martians = 1',
  'net.ipv4.tcp_syncookies = 1',
  'net.ipv6.conf.all.accept_ra = 0',
  'net.ipv6.conf.default.accept_ra = 0',
  '',
].join('\n');
export const CIS_MODPROBE = ['cramfs', 'freevxfs', 'hfs', 'hfsplus', 'jffs2', 'squashfs', 'udf', 'usb-storage', 'dccp', 'tipc', 'rds', 'sctp'].map((m) => `install ${m} /bin/false\nblacklist ${m}\n`).join('');
export const CIS_SSHD = [
  '# CIS 5.1',
  'PermitRootLogin no',
  'PasswordAuthentication no',
  'PermitEmptyPasswords no',
  'X11Forwarding no',
  'DisableForwarding yes',
  'Ciphers aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr,chacha20-poly1305@openssh.com',
  'MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512,hmac-sha2-256',
  'KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256',
  'AllowGroups sshusers',
  'Banner /etc/issue.net',
  'ClientAliveInterval 15',
  'ClientAliveCountMax 3',
  'HostbasedAuthentication no',
  'IgnoreRhosts yes',
  'LoginGraceTime 60',
  'LogLevel VERBOSE',
  'MaxAuthTries 4',
  'MaxSessions 10',
  'MaxStartups 10:30:60',
  'PermitUserEnvironment no',
  'UsePAM yes',
  '',
].join('\n');
export const CIS_AUDITD_EDITS: [RegExp, string][] = [
  [/^max_log_file_action = .*$/m, 'max_log_file_action = keep_logs'],
  [/^space_left_action = .*$/m, 'space_left_action = email'],
  [/^admin_space_left_action = .*$/m, 'admin_space_left_action = single'],
  [/^disk_full_action = .*$/m, 'disk_full_action = single'],
  [/^disk_error_action = .*$/m, 'disk_error_action = single'],
];
export const CIS_NFTABLES = [
  '#!/usr/sbin/nft -f',
  '',
  'flush ruleset',
  '',
  'table inet filter {',
  '\tchain input {',
  '\t\ttype filter hook input priority filter; policy drop;',
  '\t\tiif "lo" accept',
  '\t\tip saddr 127.0.0.0/8 counter drop',
  '\t\tct state established,related accept',
  '\t\ttcp dport 22 accept',
  '\t}',
  '\tchain forward {',
  '\t\ttype filter hook forward priority filter; policy drop;',
  '\t}',
  '\tchain output {',
  '\t\ttype filter hook output priority filter; policy accept;',
  '\t}',
  '}',
  '',
].join('\n');

/** pam-auth-update profiles as the CIS Debian 12 remediation for 5.3.2.2 and 5.3.2.4 writes them. */
const PAM_CONFIGS: Record<string, string> = {
  faillock: 'Name: Enable pam_faillock to deny access\nDefault: yes\nPriority: 0\nAuth-Type: Primary\nAuth:\n\t[default=die]\tpam_faillock.so authfail\n',
  faillock_notify:
    'Name: Notify of failed login attempts and reset count upon success\nDefault: yes\nPriority: 1024\nAuth-Type: Primary\nAuth:\n\trequisite\tpam_faillock.so preauth\nAccount-Type: Primary\nAccount:\n\trequired\tpam_faillock.so\n',
  pwhistory: 'Name: pwhistory password history checking\nDefault: yes\nPriority: 1024\nPassword-Type: Primary\nPassword:\n\trequisite\tpam_pwhistory.so remember=24 enforce_for_root try_first_pass use_authtok\n',
};

/** The hardened Debian guest (see the file comment). */
export function debianGoodGuest(): AuditGuest {
  const dir = fixtureDir('audit-debian-good-v2', (d) => {
    const t = debianTree(d, DEBIAN_GOOD_PACKAGES);
    put(t, 'etc/hostname', 'ggaudit-good\n');
    systemctl(t, 'enable', ['nftables.service']);
    systemctl(t, 'disable', ['rsync.service']);

    // SSH through a drop-in (read before the main file's own values, so it wins).
    put(t, 'etc/ssh/sshd_config.d/50-cis.conf', CIS_SSHD, 0o600);
    chmod(t, 'etc/ssh/sshd_config', 0o600);
    append(t, 'etc/group', 'sshusers:x:1100:alice\nsugroup:x:1101:\nalice:x:1000:\n');
    append(t, 'etc/gshadow', 'sshusers:!::alice\nsugroup:!::\nalice:!::\n');
    append(t, 'etc/passwd', 'alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n');
    append(t, 'etc/shadow', 'alice:$y$j9T$Q2VzdGd1YXJkYXVkaXQ$0rO4HcNpWkMz2sYx0Q9w1eB7cA5dF3gH6jK8lM9nP1:19800:1:365:7:45::\n');
    mkdirSync(join(t, 'home/alice'), { recursive: true, mode: 0o750 });
    chown(t, 'home/alice', 1000, 1000);

    // Password policy and PAM, the way the CIS remediation does it on Debian.
    edit(t, 'etc/login.defs', /^PASS_MAX_DAYS\s+99999$/m, 'PASS_MAX_DAYS\t365');
    edit(t, 'etc/login.defs', /^PASS_MIN_DAYS\s+0$/m, 'PASS_MIN_DAYS\t1');
    edit(t, 'etc/login.defs', /^ENCRYPT_METHOD SHA512$/m, 'ENCRYPT_METHOD YESCRYPT');
    edit(t, 'etc/login.defs', /^UMASK\s+022$/m, 'UMASK\t\t027');
    edit(t, 'etc/default/useradd', /^# INACTIVE=-1$/m, 'INACTIVE=45');
    put(t, 'etc/security/pwquality.conf.d/50-cis.conf', 'minlen = 14\nminclass = 4\ndifok = 2\nmaxrepeat = 3\nmaxsequence = 3\ndictcheck = 1\nenforce_for_root\n');
    edit(t, 'etc/security/faillock.conf', /^# deny = 3$/m, 'deny = 5');
    edit(t, 'etc/security/faillock.conf', /^# unlock_time = 600$/m, 'unlock_time = 900');
    put(t, 'etc/security/pwhistory.conf', 'remember = 24\nenforce_for_root\n');
    for (const [n, c] of Object.entries(PAM_CONFIGS)) put(t, `usr/share/pam-configs/${n}`, c);
    edit(t, 'usr/share/pam-configs/unix', /pam_unix\.so nullok/g, 'pam_unix.so');
    run('chroot', [t, 'pam-auth-update', '--package', '--enable', 'faillock', 'faillock_notify', 'pwhistory']);
    append(t, 'etc/pam.d/su', 'auth       required   pam_wheel.so use_uid group=sugroup\n');
    put(t, 'etc/sudoers.d/50-cis', 'Defaults logfile="/var/log/sudo.log"\n', 0o440);
    put(t, 'etc/profile.d/50-tmout.sh', 'readonly TMOUT=900 ; export TMOUT\n');
    put(t, 'etc/profile.d/50-umask.sh', 'umask 027\n');
    put(t, 'etc/security/limits.d/50-nocore.conf', '* hard core 0\n');

    // Kernel, modules, firewall, logging, auditing.
    put(t, 'etc/sysctl.d/60-cis.conf', CIS_SYSCTL);
    put(t, 'etc/modprobe.d/cis.conf', CIS_MODPROBE);
    put(t, 'etc/nftables.conf', CIS_NFTABLES, 0o755);
    put(t, 'etc/systemd/journald.conf.d/60-cis.conf', '[Journal]\nStorage=persistent\nCompress=yes\n');
    put(t, 'etc/audit/rules.d/50-cis.rules', CIS_AUDIT_RULES + CIS_MAC_RULES_DEBIAN, 0o640);
    put(t, 'etc/audit/rules.d/99-finalize.rules', '-e 2\n', 0o640);
    for (const [re, by] of CIS_AUDITD_EDITS) edit(t, 'etc/audit/auditd.conf', re, by);
    chmod(t, 'var/log/audit', 0o750);

    // Scheduling, banners, boot.
    chmod(t, 'etc/crontab', 0o600);
    for (const c of ['cron.hourly', 'cron.daily', 'cron.weekly', 'cron.monthly', 'cron.d']) chmod(t, `etc/${c}`, 0o700);
    put(t, 'etc/cron.allow', 'root\n', 0o640);
    put(t, 'etc/at.allow', 'root\n', 0o640);
    rmSync(join(t, 'etc/at.deny'), { force: true });
    for (const f of ['etc/motd', 'etc/issue', 'etc/issue.net']) put(t, f, BANNER, 0o644);
    const root = DEBIAN_GOOD_PARTS[0]!.uuid;
    put(t, 'etc/default/grub', 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR=Debian\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX="apparmor=1 security=apparmor audit=1 audit_backlog_limit=8192"\n');
    put(t, 'boot/grub/grub.cfg', grubCfg(root, 'apparmor=1 security=apparmor audit=1 audit_backlog_limit=8192 quiet', true), 0o600);

    const opts: Record<string, string> = { '/': 'errors=remount-ro', '/var': 'defaults,nodev,nosuid', '/home': 'defaults,nodev,nosuid' };
    for (const m of ['/var/tmp', '/var/log', '/var/log/audit']) opts[m] = 'defaults,nodev,nosuid,noexec';
    put(
      t,
      'etc/fstab',
      [
        '# /etc/fstab: static file system information.',
        ...fstabFor(DEBIAN_GOOD_PARTS, opts),
        'tmpfs /tmp     tmpfs defaults,rw,nosuid,nodev,noexec,relatime,size=512M 0 0',
        'tmpfs /dev/shm tmpfs defaults,rw,nosuid,nodev,noexec,relatime 0 0',
        '',
      ].join('\n'),
    );
    partitionedDisk(t, join(d, 'disk.raw'), DEBIAN_GOOD_PARTS, join(d, 'parts'));
  });
  return { name: 'debian-good', dir, raw: join(dir, 'disk.raw'), tree: join(dir, 'tree') };
}

export function treeExists(g: AuditGuest): boolean {
  return existsSync(join(g.tree, 'etc/os-release'));
}
