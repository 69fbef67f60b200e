/**
 * RHEL-family test guests (Rocky Linux 9.4): trees made of the configuration files Rocky ships
 * (os-release, sshd_config with the crypto-policy Include, authselect PAM stacks,
 * login.defs, sysctl.d, grub2 with BLS entries, SELinux config) and an SQLite rpm database
 * written by rpm from stub packages built with rpmbuild (stubs.ts), with units enabled by
 * systemctl --root. Both are GPT disks with separate /var, /var/tmp, /var/log, /var/log/audit
 * and /home: the "bad" one mounts them with defaults only, the "good" one as CIS asks.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureDir, hasTool, run } from '../../helpers/fixtures.js';
import type { AuditGuest } from './debian.js';
import { CIS_AUDITD_EDITS, CIS_MODPROBE, CIS_NFTABLES, CIS_SSHD, CIS_SYSCTL } from './debian.js';
import { fstabFor, partitionedDisk, type Partition } from './disk.js';
import { installRpmStubs, unit, type StubPackage } from './stubs.js';
import { chmod, link, put } from './tree.js';

export const canBuildRhelGuests = ['rpmbuild', 'rpm', 'sgdisk', 'mkfs.ext4', 'systemctl'].every(hasTool) && process.getuid?.() === 0;

const OS_RELEASE = `NAME="Rocky Linux"
VERSION="9.4 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.4 (Blue Onyx)"
ANSI_COLOR="0;32"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:rocky:rocky:9::baseos"
HOME_URL="https://rockylinux.org/"
BUG_REPORT_URL="https://bugs.rockylinux.org/"
SUPPORT_END="2032-05-31"
ROCKY_SUPPORT_PRODUCT="Rocky-Linux-9"
ROCKY_SUPPORT_PRODUCT_VERSION="9.4"
REDHAT_SUPPORT_PRODUCT="Rocky Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.4"
`;

const PASSWD = `root:x:0:0:root:/root:/bin/bash
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
adm:x:3:4:adm:/var/adm:/sbin/nologin
lp:x:4:7:lp:/var/spool/lpd:/sbin/nologin
sync:x:5:0:sync:/sbin:/bin/sync
shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown
halt:x:7:0:halt:/sbin:/sbin/halt
mail:x:8:12:mail:/var/spool/mail:/sbin/nologin
operator:x:11:0:operator:/root:/sbin/nologin
games:x:12:100:games:/usr/games:/sbin/nologin
ftp:x:14:50:FTP User:/var/ftp:/sbin/nologin
nobody:x:65534:65534:Kernel Overflow User:/:/sbin/nologin
systemd-coredump:x:999:997:systemd Core Dumper:/:/sbin/nologin
dbus:x:81:81:System message bus:/:/sbin/nologin
tss:x:59:59:Account used for TPM access:/dev/null:/sbin/nologin
sshd:x:74:74:Privilege-separated SSH:/usr/share/empty.sshd:/sbin/nologin
chrony:x:998:996:chrony system user:/var/lib/chrony:/sbin/nologin
rocky:x:1000:1000:Rocky admin:/home/rocky:/bin/bash
`;
const GROUP = `root:x:0:
bin:x:1:
daemon:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mem:x:8:
kmem:x:9:
wheel:x:10:rocky
cdrom:x:11:
mail:x:12:
man:x:15:
dialout:x:18:
floppy:x:19:
games:x:20:
tape:x:33:
video:x:39:
ftp:x:50:
lock:x:54:
audio:x:63:
users:x:100:
nobody:x:65534:
utmp:x:22:
utempter:x:35:
input:x:999:
kvm:x:36:
render:x:998:
systemd-journal:x:190:
systemd-coredump:x:997:
dbus:x:81:
ssh_keys:x:101:
tss:x:59:
sshd:x:74:
chrony:x:996:
rocky:x:1000:
`;
const HASH = '$6$ggaudit$Yz0ZqV8mKcQ0rT7kM9uC2w0eJ4hN1pX6sD3fG5aB8nL2vE7cR9tY1uI3oP5aS6dF8gH0jK2lZ4xC6vB8nM0qW.';

const SSHD_CONFIG = `#	$OpenBSD: sshd_config,v 1.104 2021/07/02 05:11:21 dtucker Exp $

# To modify the system-wide sshd configuration, create a  *.conf  file under
#  /etc/ssh/sshd_config.d/  which will be automatically included below
Include /etc/ssh/sshd_config.d/*.conf

#Port 22
#AddressFamily any
#ListenAddress 0.0.0.0

#PermitRootLogin prohibit-password
#StrictModes yes
#MaxAuthTries 6
#MaxSessions 10

AuthorizedKeysFile	.ssh/authorized_keys

# override default of no subsystems
Subsystem	sftp	/usr/libexec/openssh/sftp-server
`;
const SSHD_REDHAT = `# This system is following system-wide crypto policy. The changes to
# crypto properties (Ciphers, MACs, ...) will not have any effect in
# this or following included files. To override some configuration option,
# write it before this block or in a file in /etc/ssh/sshd_config.d/ with
# a lower number than 50-redhat.conf.
Include /etc/crypto-policies/back-ends/opensshserver.config

SyslogFacility AUTHPRIV

ChallengeResponseAuthentication no

GSSAPIAuthentication yes
GSSAPICleanupCredentials no

UsePAM yes

X11Forwarding yes

PrintMotd no
`;
const CRYPTO_SSHD: Record<'DEFAULT' | 'LEGACY', string> = {
  DEFAULT: `Ciphers aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes256-ctr,aes128-gcm@openssh.com,aes128-ctr
MACs hmac-sha2-256-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha1,umac-128@openssh.com,hmac-sha2-512
GSSAPIKexAlgorithms gss-curve25519-sha256-,gss-nistp256-sha256-,gss-group14-sha256-,gss-group16-sha512-
KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group14-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512
RequiredRSASize 2048
`,
  LEGACY: `Ciphers aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes256-ctr,aes256-cbc,aes128-gcm@openssh.com,aes128-ctr,aes128-cbc,3des-cbc
MACs hmac-sha2-256-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha1,umac-128@openssh.com,hmac-sha2-512
GSSAPIKexAlgorithms gss-curve25519-sha256-,gss-nistp256-sha256-,gss-group14-sha256-,gss-group16-sha512-,gss-gex-sha1-,gss-group14-sha1-
KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group14-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha1
RequiredRSASize 1024
`,
};

const LOGIN_DEFS = (maxDays: number, minDays: number, warn: number, umask: string, method: string) => `#
# Please note that the parameters in this configuration file control the
# behavior of the tools from the shadow-utils component.
#
MAIL_DIR	/var/spool/mail
UMASK		${umask}
HOME_MODE	0700
PASS_MAX_DAYS	${maxDays}
PASS_MIN_DAYS	${minDays}
PASS_WARN_AGE	${warn}
UID_MIN                  1000
UID_MAX                 60000
SYS_UID_MIN               201
SYS_UID_MAX               999
GID_MIN                  1000
GID_MAX                 60000
CREATE_HOME	yes
USERGROUPS_ENAB yes
ENCRYPT_METHOD ${method}
`;

/** system-auth as authselect writes it for the sssd profile with-faillock and with-pwhistory. */
const AUTHSELECT_HARDENED = `# Generated by authselect
# Do not modify this file manually, use authselect instead. Any user changes will be overwritten.
# You can stop authselect from managing your configuration by calling 'authselect opt-out'.
# See authselect(8) for more details.

auth        required                                     pam_env.so
auth        required                                     pam_faildelay.so delay=2000000
auth        required                                     pam_faillock.so preauth silent
auth        [default=1 ignore=ignore success=ok]         pam_usertype.so isregular
auth        [default=1 ignore=ignore success=ok]         pam_localuser.so
auth        sufficient                                   pam_unix.so
auth        [default=1 ignore=ignore success=ok]         pam_usertype.so isregular
auth        sufficient                                   pam_sss.so forward_pass
auth        required                                     pam_faillock.so authfail
auth        required                                     pam_deny.so

account     required                                     pam_faillock.so
account     required                                     pam_unix.so
account     sufficient                                   pam_localuser.so
account     sufficient                                   pam_usertype.so issystem
account     [default=bad success=ok user_unknown=ignore] pam_sss.so
account     required                                     pam_permit.so

password    requisite                                    pam_pwquality.so local_users_only
password    requisite                                    pam_pwhistory.so use_authtok
password    sufficient                                   pam_unix.so sha512 shadow use_authtok
password    [success=1 default=ignore]                   pam_localuser.so
password    sufficient                                   pam_sss.so use_authtok
password    required                                     pam_deny.so

session     optional                                     pam_keyinit.so revoke
session     required                                     pam_limits.so
-session    optional                                     pam_systemd.so
session     [success=1 default=ignore]                   pam_succeed_if.so service in crond quiet use_uid
session     required                                     pam_unix.so
session     optional                                     pam_sss.so
`;
/** A hand-kept PAM stack from an old RHEL, copied forward: MD5, nullok, pam_unix history, no lockout. */
const PAM_LEGACY = `#%PAM-1.0
# This file was copied from the old server; authselect opt-out.
auth        required      pam_env.so
auth        sufficient    pam_unix.so nullok try_first_pass
auth        required      pam_deny.so

account     required      pam_unix.so

password    sufficient    pam_unix.so md5 shadow nullok try_first_pass remember=5
password    required      pam_deny.so

session     optional      pam_keyinit.so revoke
session     required      pam_limits.so
session     required      pam_unix.so
`;

const SYSTEMD_50_DEFAULT = `#  This file is part of systemd.
# See sysctl.d(5) and core(5) for documentation.
kernel.sysrq = 16
kernel.core_uses_pid = 1
net.ipv4.conf.default.rp_filter = 2
net.ipv4.conf.*.rp_filter = 2
-net.ipv4.conf.all.rp_filter
net.ipv4.conf.default.accept_source_route = 0
net.ipv4.conf.*.accept_source_route = 0
-net.ipv4.conf.all.accept_source_route
net.ipv4.conf.default.promote_secondaries = 1
net.ipv4.conf.*.promote_secondaries = 1
-net.ipv4.conf.all.promote_secondaries
net.ipv4.ping_group_range = 0 2147483647
net.core.default_qdisc = fq_codel
fs.protected_hardlinks = 1
fs.protected_symlinks = 1
fs.protected_regular = 1
fs.protected_fifos = 1
`;

const KERNEL = '5.14.0-427.13.1.el9_4.x86_64';
const MACHINE_ID = '4f1c2a9e8b7d4c3e9a1b2c3d4e5f6a7b';

function grub2Cfg(rootUuid: string): string {
  return `#
# DO NOT EDIT THIS FILE
#
# It is automatically generated by grub2-mkconfig using templates
# from /etc/grub.d and settings from /etc/default/grub
#

### BEGIN /etc/grub.d/00_header ###
set pager=1

if [ -f \${config_directory}/grubenv ]; then
  load_env -f \${config_directory}/grubenv
elif [ -s $prefix/grubenv ]; then
  load_env
fi
if [ "\${next_entry}" ] ; then
   set default="\${next_entry}"
   set next_entry=
   save_env next_entry
   set boot_once=true
else
   set default="\${saved_entry}"
fi
terminal_output console
set timeout=5
### END /etc/grub.d/00_header ###

### BEGIN /etc/grub.d/01_users ###
if [ -f \${prefix}/user.cfg ]; then
  source \${prefix}/user.cfg
  if [ -n "\${GRUB2_PASSWORD}" ]; then
    set superusers="root"
    export superusers
    password_pbkdf2 root \${GRUB2_PASSWORD}
  fi
fi
### END /etc/grub.d/01_users ###

### BEGIN /etc/grub.d/10_linux ###
insmod part_gpt
insmod ext2
search --no-floppy --fs-uuid --set=root ${rootUuid}
insmod blscfg
blscfg
### END /etc/grub.d/10_linux ###
`;
}

interface RhelSpec {
  name: string;
  bad: boolean;
  parts: Partition[];
}

const BAD_PARTS: Partition[] = [
  { mount: '/', uuid: 'bad4e100-0001-4c5d-8e9f-a0b1c2d3e4f5', label: 'root' },
  { mount: '/var', uuid: 'bad4e100-0002-4c5d-8e9f-a0b1c2d3e4f5', label: 'var' },
  { mount: '/var/tmp', uuid: 'bad4e100-0003-4c5d-8e9f-a0b1c2d3e4f5', label: 'vartmp' },
  { mount: '/var/log', uuid: 'bad4e100-0004-4c5d-8e9f-a0b1c2d3e4f5', label: 'varlog' },
  { mount: '/var/log/audit', uuid: 'bad4e100-0005-4c5d-8e9f-a0b1c2d3e4f5', label: 'audit' },
  { mount: '/home', uuid: 'bad4e100-0006-4c5d-8e9f-a0b1c2d3e4f5', label: 'home' },
];
const GOOD_PARTS: Partition[] = BAD_PARTS.map((p) => ({ ...p, uuid: p.uuid.replace('bad4e100', '9004e100') }));

const svc = (d: string, exec: string) => unit(d, exec);
/** name → [version, units]. */
const RPMS: Record<string, [string, Record<string, string>]> = {
  'openssh-server': ['8.7p1-38.el9', { 'sshd.service': svc('OpenSSH server daemon', '/usr/sbin/sshd -D $OPTIONS') }],
  sudo: ['1.9.5p2-10.el9_3', {}],
  cronie: ['1.5.7-11.el9', { 'crond.service': svc('Command Scheduler', '/usr/sbin/crond -n $CRONDARGS') }],
  chrony: ['4.5-1.el9', { 'chronyd.service': svc('NTP client/server', '/usr/sbin/chronyd -n $OPTIONS') }],
  audit: ['3.1.2-2.el9', { 'auditd.service': svc('Security Auditing Service', '/sbin/auditd') }],
  'audit-libs': ['3.1.2-2.el9', {}],
  aide: ['0.16-100.el9', {}],
  libselinux: ['3.6-1.el9', {}],
  'selinux-policy-targeted': ['38.1.35-2.el9_4', {}],
  libpwquality: ['1.4.4-8.el9', {}],
  nftables: ['1.0.9-1.el9', { 'nftables.service': svc('Netfilter Tables', '/sbin/nft -f /etc/sysconfig/nftables.conf') }],
  firewalld: ['1.3.4-1.el9', { 'firewalld.service': svc('firewalld - dynamic firewall daemon', '/usr/sbin/firewalld --nofork --nopid') }],
  rsyslog: ['8.2310.0-4.el9', { 'rsyslog.service': svc('System Logging Service', '/usr/sbin/rsyslogd -n $SYSLOGD_OPTIONS') }],
  'nfs-utils': ['2.5.4-25.el9', { 'nfs-server.service': svc('NFS server and services', '/usr/sbin/rpc.nfsd') }],
  'telnet-server': ['0.17-85.el9', { 'telnet.socket': unit('Telnet Server Activation Socket', '23', '', 'socket') }],
  'tftp-server': ['5.2-38.el9', { 'tftp.socket': unit('Tftp Server Activation Socket', '69', '', 'socket') }],
  tftp: ['5.2-38.el9', {}],
  telnet: ['0.17-85.el9', {}],
  ftp: ['0.17-89.el9', {}],
  'openldap-clients': ['2.6.6-3.el9', {}],
  ypbind: ['2.7.2-8.el9', { 'ypbind.service': svc('NIS/YP (Network Information Service) Clients to NIS Domain Binder', '/usr/sbin/ypbind -n $OTHER_YPBIND_OPTS') }],
  ypserv: ['4.1-4.el9', { 'ypserv.service': svc('NIS/YP (Network Information Service) Server', '/usr/sbin/ypserv -f $YPSERV_ARGS') }],
  vsftpd: ['3.0.5-5.el9', { 'vsftpd.service': svc('Vsftpd ftp daemon', '/usr/sbin/vsftpd /etc/vsftpd/vsftpd.conf') }],
  httpd: ['2.4.57-8.el9', { 'httpd.service': svc('The Apache HTTP Server', '/usr/sbin/httpd $OPTIONS -DFOREGROUND') }],
  'dhcp-server': ['4.4.2-19.b1.el9', { 'dhcpd.service': svc('DHCPv4 Server Daemon', '/usr/sbin/dhcpd -f -cf /etc/dhcp/dhcpd.conf -user dhcpd -group dhcpd --no-pid $DHCPDARGS') }],
  bind: ['9.16.23-18.el9_4', { 'named.service': svc('Berkeley Internet Name Domain (DNS)', '/usr/sbin/named -u named -c ${NAMEDCONF} $OPTIONS') }],
  dnsmasq: ['2.85-16.el9_4', { 'dnsmasq.service': svc('DNS caching server.', '/usr/sbin/dnsmasq') }],
  avahi: ['0.8-20.el9', { 'avahi-daemon.service': svc('Avahi mDNS/DNS-SD Stack', '/usr/sbin/avahi-daemon -s') }],
  samba: ['4.19.4-105.el9_4', { 'smb.service': svc('Samba SMB Daemon', '/usr/sbin/smbd --foreground --no-process-group $SMBDOPTIONS') }],
  'net-snmp': ['5.9.1-13.el9', { 'snmpd.service': svc('Simple Network Management Protocol (SNMP) Daemon.', '/usr/sbin/snmpd $OPTIONS -f') }],
  squid: ['5.5-13.el9_4', { 'squid.service': svc('Squid caching proxy', '/usr/sbin/squid --foreground $SQUID_OPTS -f ${SQUID_CONF}') }],
  dovecot: ['2.3.16-11.el9', { 'dovecot.service': svc('Dovecot IMAP/POP3 email server', '/usr/sbin/dovecot -F') }],
  'rsync-daemon': ['3.2.3-19.el9', { 'rsyncd.service': svc('fast remote file copy program daemon', '/usr/bin/rsync --daemon --no-detach "$OPTIONS"') }],
  'xorg-x11-server-common': ['1.20.11-24.el9', {}],
  mcstrans: ['3.6-1.el9', { 'mcstransd.service': svc('Translates SELinux MCS/MLS labels to human readable form', '/usr/sbin/mcstransd -f') }],
  setroubleshoot: ['3.3.32-1.el9', {}],
  cups: ['2.3.3op2-24.el9', { 'cups.service': svc('CUPS Scheduler', '/usr/sbin/cupsd -l') }],
  rpcbind: ['1.2.6-7.el9', { 'rpcbind.service': svc('RPC Bind', '/usr/bin/rpcbind $RPCBIND_ARGS -w -f') }],
  autofs: ['5.1.7-58.el9', { 'autofs.service': svc('Automounts filesystems on demand', '/usr/sbin/automount $OPTIONS --systemd-service --dont-check-daemon') }],
  bluez: ['5.64-2.el9', { 'bluetooth.service': unit('Bluetooth service', '/usr/libexec/bluetooth/bluetoothd', 'bluetooth.target') }],
  postfix: ['3.5.25-1.el9', { 'postfix.service': svc('Postfix Mail Transport Agent', '/usr/sbin/postfix start') }],
  systemd: ['252-32.el9_4', { 'systemd-journal-remote.socket': unit('Journal Remote Sink Socket', '19532', '', 'socket') }],
};

const COMMON_RPMS = ['openssh-server', 'cronie', 'chrony', 'audit', 'audit-libs', 'libselinux', 'selinux-policy-targeted', 'libpwquality', 'rsyslog', 'systemd', 'nfs-utils', 'sudo'];
const BAD_RPMS = [
  ...COMMON_RPMS,
  'telnet-server', 'tftp-server', 'tftp', 'telnet', 'ftp', 'openldap-clients', 'ypbind', 'ypserv', 'vsftpd', 'httpd', 'dhcp-server', 'bind', 'dnsmasq', 'avahi', 'samba',
  'net-snmp', 'squid', 'dovecot', 'rsync-daemon', 'xorg-x11-server-common', 'mcstrans', 'setroubleshoot', 'cups', 'rpcbind', 'autofs', 'bluez',
];
const GOOD_RPMS = [...COMMON_RPMS, 'aide', 'nftables', 'firewalld', 'postfix'];

function stubs(names: string[]): StubPackage[] {
  return names.map((n) => {
    const [version, units] = RPMS[n]!;
    const files: Record<string, string> = {};
    for (const [u, c] of Object.entries(units)) files[`/usr/lib/systemd/system/${u}`] = c;
    if (n === 'systemd') {
      files['/usr/lib/systemd/systemd-coredump'] = '#!/bin/sh\n# stub\n';
      files['/usr/lib/sysctl.d/50-default.conf'] = SYSTEMD_50_DEFAULT;
      files['/usr/lib/sysctl.d/50-coredump.conf'] = 'kernel.core_pattern=|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h\nkernel.core_pipe_limit=16\nfs.suid_dumpable=2\n';
      files['/usr/lib/sysctl.d/10-default-yama-scope.conf'] = 'kernel.yama.ptrace_scope = 0\n';
    }
    return { name: n, version, files, executables: n === 'systemd' ? ['/usr/lib/systemd/systemd-coredump'] : [], arch: 'x86_64' };
  });
}

function rhelTree(d: string, spec: RhelSpec): string {
  const t = join(d, 'tree');
  const bad = spec.bad;
  mkdirSync(t, { recursive: true });
  for (const dir of ['usr/bin', 'usr/sbin', 'usr/lib', 'usr/lib64', 'etc', 'var/log/audit', 'var/tmp', 'tmp', 'home/rocky', 'root', 'boot/loader/entries', 'dev', 'proc', 'sys', 'run']) {
    mkdirSync(join(t, dir), { recursive: true });
  }
  chmod(t, 'tmp', 0o1777);
  chmod(t, 'var/tmp', 0o1777);
  chmod(t, 'var/log/audit', 0o700);
  for (const [l, target] of [['bin', 'usr/bin'], ['sbin', 'usr/sbin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64']] as const) link(t, target, l);
  copyFileSync('/bin/bash', join(t, 'usr/bin/bash'));
  chmod(t, 'usr/bin/bash', 0o755);
  installRpmStubs(t, join(d, 'rpmbuild'), stubs(bad ? BAD_RPMS : GOOD_RPMS));

  put(t, 'etc/os-release', OS_RELEASE);
  put(t, 'etc/rocky-release', 'Rocky Linux release 9.4 (Blue Onyx)\n');
  link(t, 'rocky-release', 'etc/redhat-release');
  put(t, 'etc/hostname', bad ? 'rocky-bad\n' : 'rocky-good\n');
  put(t, 'etc/machine-id', `${MACHINE_ID}\n`, 0o444);
  put(t, 'etc/shells', '/bin/sh\n/bin/bash\n/usr/bin/sh\n/usr/bin/bash\n');

  // Accounts. The bad guest has root with an empty password and a non-root primary group.
  put(t, 'etc/passwd', bad ? PASSWD.replace('root:x:0:0:', 'root:x:0:10:') : PASSWD, bad ? 0o664 : 0o644);
  put(t, 'etc/passwd-', PASSWD, 0o644);
  put(t, 'etc/group', GROUP + (bad ? '' : 'sugroup:x:1101:\n'), bad ? 0o664 : 0o644);
  put(t, 'etc/group-', GROUP, 0o644);
  const shadow = PASSWD.split('\n')
    .filter(Boolean)
    .map((l) => l.split(':')[0]!)
    .map((u) => (u === 'root' ? (bad ? 'root::19800:0:99999:7:::' : `root:${HASH}:19800:1:365:7:45::`) : u === 'rocky' ? `rocky:${HASH}:19800:${bad ? '0:99999' : '1:365'}:7:::` : `${u}:*:19800:0:99999:7:::`))
    .join('\n');
  put(t, 'etc/shadow', `${shadow}\n`, bad ? 0o644 : 0o000);
  put(t, 'etc/shadow-', `${shadow}\n`, bad ? 0o644 : 0o000);
  const gshadow = GROUP.split('\n')
    .filter(Boolean)
    .map((l) => `${l.split(':')[0]}:!::${l.split(':')[3] ?? ''}`)
    .join('\n');
  put(t, 'etc/gshadow', `${gshadow}\n`, bad ? 0o640 : 0o000);
  put(t, 'etc/gshadow-', `${gshadow}\n`, bad ? 0o640 : 0o000);
  put(t, 'etc/security/opasswd', '', 0o600);

  // SSH: Anaconda's root-login drop-in on the bad guest; the CIS drop-in first on the good one.
  put(t, 'etc/ssh/sshd_config', SSHD_CONFIG, 0o600);
  put(t, 'etc/ssh/sshd_config.d/50-redhat.conf', SSHD_REDHAT, 0o600);
  if (bad) put(t, 'etc/ssh/sshd_config.d/01-permitrootlogin.conf', '# This file has been generated by the Anaconda Installer.\n# Allow root to log in using ssh. Remove this file to opt-out.\nPermitRootLogin yes\n', 0o600);
  else put(t, 'etc/ssh/sshd_config.d/00-cis.conf', CIS_SSHD.replace('AllowGroups sshusers', 'AllowGroups wheel'), 0o600);
  put(t, 'etc/crypto-policies/config', bad ? 'LEGACY\n' : 'DEFAULT\n');
  put(t, 'etc/crypto-policies/back-ends/opensshserver.config', CRYPTO_SSHD[bad ? 'LEGACY' : 'DEFAULT']);
  for (const k of ['ssh_host_ecdsa_key', 'ssh_host_ed25519_key', 'ssh_host_rsa_key']) {
    // The bad guest's ed25519 key is readable by everyone.
    put(t, `etc/ssh/${k}`, `-----BEGIN OPENSSH PRIVATE KEY-----\nstub ${k}\n-----END OPENSSH PRIVATE KEY-----\n`, bad && k === 'ssh_host_ed25519_key' ? 0o644 : 0o640, [0, 101]);
    put(t, `etc/ssh/${k}.pub`, `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGdndWFyZHRlc3RzdHViIGtleSBmb3IgdGVzdHM= root@rocky\n`, 0o644);
  }

  // Password policy and PAM.
  put(t, 'etc/login.defs', bad ? LOGIN_DEFS(99999, 0, 7, '022', 'SHA512') : LOGIN_DEFS(365, 1, 7, '027', 'SHA512'));
  put(t, 'etc/default/useradd', `# useradd defaults file\nGROUP=100\nHOME=/home\nINACTIVE=${bad ? -1 : 45}\nEXPIRE=\nSHELL=/bin/bash\nSKEL=/etc/skel\nCREATE_MAIL_SPOOL=yes\n`);
  for (const f of ['system-auth', 'password-auth']) put(t, `etc/pam.d/${f}`, bad ? PAM_LEGACY : AUTHSELECT_HARDENED);
  put(
    t,
    'etc/pam.d/su',
    `#%PAM-1.0\nauth\t\trequired\tpam_env.so\nauth\t\tsufficient\tpam_rootok.so\n${bad ? '#auth\t\trequired\tpam_wheel.so use_uid\n' : 'auth\t\trequired\tpam_wheel.so use_uid group=sugroup\n'}auth\t\tsubstack\tsystem-auth\naccount\t\tsufficient\tpam_succeed_if.so uid = 0 use_uid quiet\naccount\t\tinclude\t\tsystem-auth\npassword\tinclude\t\tsystem-auth\nsession\t\tinclude\t\tsystem-auth\n`,
  );
  put(t, 'etc/security/pwquality.conf', '# Configuration for systemwide password quality limits\n# difok = 1\n# minlen = 8\n# dcredit = 0\n# minclass = 0\n# maxrepeat = 0\n# dictcheck = 1\n# enforcing = 1\n');
  put(t, 'etc/security/faillock.conf', bad ? '# deny = 3\n# unlock_time = 600\n' : 'deny = 5\nunlock_time = 900\n');
  put(t, 'etc/security/pwhistory.conf', bad ? '# remember = 10\n' : 'remember = 24\nenforce_for_root\n');
  if (!bad) put(t, 'etc/security/pwquality.conf.d/50-cis.conf', 'minlen = 14\nminclass = 4\ndifok = 2\nmaxrepeat = 3\nmaxsequence = 3\nenforce_for_root\n');
  put(t, 'etc/sudoers', `Defaults   !visiblepw\nDefaults    always_set_home\nDefaults    match_group_by_gid\nDefaults    always_query_group_plugin\nDefaults    env_reset\n${bad ? '' : 'Defaults    use_pty\nDefaults    logfile="/var/log/sudo.log"\n'}root\tALL=(ALL) \tALL\n%wheel\tALL=(ALL)\tALL\n#includedir /etc/sudoers.d\n`, 0o440);
  put(t, 'etc/profile', `# /etc/profile\npathmunge () {\n    case ":\${PATH}:" in *:"$1":*) ;; *) PATH=$PATH:$1 ;; esac\n}\nif [ $UID -gt 199 ] && [ "\`/usr/bin/id -gn\`" = "\`/usr/bin/id -un\`" ]; then\n    umask 002\nelse\n    umask 022\nfi\nfor i in /etc/profile.d/*.sh /etc/profile.d/sh.local ; do\n    if [ -r "$i" ]; then . "$i" >/dev/null; fi\ndone\n`);
  if (!bad) {
    put(t, 'etc/profile.d/50-tmout.sh', 'readonly TMOUT=900 ; export TMOUT\n');
    put(t, 'etc/profile.d/50-umask.sh', 'umask 027\n');
    put(t, 'etc/security/limits.d/50-nocore.conf', '* hard core 0\n');
  }

  // MAC, packages, crypto, kernel.
  put(t, 'etc/selinux/config', `# This file controls the state of SELinux on the system.\nSELINUX=${bad ? 'disabled' : 'enforcing'}\nSELINUXTYPE=${bad ? 'minimum' : 'targeted'}\n`);
  mkdirSync(join(t, 'etc/selinux/targeted/policy'), { recursive: true });
  put(t, 'etc/dnf/dnf.conf', `[main]\ngpgcheck=${bad ? 0 : 1}\ninstallonly_limit=3\nclean_requirements_on_remove=True\nbest=True\nskip_if_unavailable=False\n`);
  put(t, 'etc/systemd/coredump.conf', bad ? '[Coredump]\n#Storage=external\n#ProcessSizeMax=2G\n' : '[Coredump]\nStorage=none\nProcessSizeMax=0\n');
  put(t, 'etc/sysconfig/chronyd', `# Command-line options for chronyd\nOPTIONS="-F 2${bad ? ' -u root' : ''}"\n`);
  if (bad) put(t, 'etc/sysctl.d/99-router.conf', '# Route between the lab networks\nnet.ipv4.ip_forward = 1\n');
  else put(t, 'etc/sysctl.d/60-cis.conf', CIS_SYSCTL);
  if (!bad) put(t, 'etc/modprobe.d/cis.conf', CIS_MODPROBE);
  if (!bad) put(t, 'etc/sysconfig/nftables.conf', CIS_NFTABLES);
  put(t, 'etc/firewalld/firewalld.conf', 'DefaultZone=public\nCleanupOnExit=yes\n');

  // Logging and auditing.
  put(t, 'etc/rsyslog.conf', `module(load="imuxsock" SysSock.Use="off")\nmodule(load="imjournal" StateFile="imjournal.state")\n${bad ? 'module(load="imudp")\ninput(type="imudp" port="514")\n' : '#module(load="imudp")\n#input(type="imudp" port="514")\n'}include(file="/etc/rsyslog.d/*.conf" mode="optional")\n*.info;mail.none;authpriv.none;cron.none                /var/log/messages\nauthpriv.*                                              /var/log/secure\n`);
  if (!bad) put(t, 'etc/rsyslog.d/50-cis.conf', '$FileCreateMode 0640\n');
  if (!bad) put(t, 'etc/postfix/main.cf', 'compatibility_level = 2\nqueue_directory = /var/spool/postfix\ninet_interfaces = loopback-only\ninet_protocols = all\nmydestination = $myhostname, localhost.$mydomain, localhost\n');
  put(t, 'etc/systemd/journald.conf', '[Journal]\n#Storage=auto\n#Compress=yes\n');
  if (!bad) put(t, 'etc/systemd/journald.conf.d/60-cis.conf', '[Journal]\nStorage=persistent\n');
  let auditd = 'local_events = yes\nwrite_logs = yes\nlog_file = /var/log/audit/audit.log\nlog_group = root\nlog_format = ENRICHED\nflush = INCREMENTAL_ASYNC\nfreq = 50\nmax_log_file = 8\nnum_logs = 5\npriority_boost = 4\nname_format = NONE\nmax_log_file_action = ROTATE\nspace_left = 75\nspace_left_action = SYSLOG\nverify_email = yes\naction_mail_acct = root\nadmin_space_left = 50\nadmin_space_left_action = SUSPEND\ndisk_full_action = SUSPEND\ndisk_error_action = SUSPEND\n';
  if (!bad) for (const [re, by] of CIS_AUDITD_EDITS) auditd = auditd.replace(re, by);
  put(t, 'etc/audit/auditd.conf', auditd, 0o640);
  put(t, 'etc/audit/rules.d/audit.rules', '## First rule - delete all\n-D\n## Increase the buffers to survive stress events.\n-b 8192\n## This determine how long to wait in burst of events\n--backlog_wait_time 60000\n## Set failure mode to syslog\n-f 1\n', 0o600);
  if (!bad) {
    put(t, 'etc/audit/rules.d/50-cis.rules', CIS_RULES_RHEL, 0o600);
    put(t, 'etc/audit/rules.d/99-finalize.rules', '-e 2\n', 0o600);
  }

  // Scheduling and banners.
  put(t, 'etc/crontab', 'SHELL=/bin/bash\nPATH=/sbin:/bin:/usr/sbin:/usr/bin\nMAILTO=root\n', bad ? 0o644 : 0o600);
  for (const c of ['cron.hourly', 'cron.daily', 'cron.weekly', 'cron.monthly', 'cron.d']) {
    mkdirSync(join(t, 'etc', c), { recursive: true });
    chmod(t, `etc/${c}`, bad ? 0o755 : 0o700);
  }
  if (bad) put(t, 'etc/cron.deny', '', 0o600);
  else put(t, 'etc/cron.allow', 'root\n', 0o600);
  put(t, 'etc/issue', bad ? '\\S\nKernel \\r on an \\m\n\n' : 'Authorized uses only. All activity may be monitored and reported.\n');
  put(t, 'etc/issue.net', bad ? '\\S\nKernel \\r on an \\m\n' : 'Authorized uses only. All activity may be monitored and reported.\n');
  put(t, 'etc/motd', '');

  // Boot: GRUB 2 with BLS entries; the kernel command line is in the entry options.
  const rootUuid = spec.parts[0]!.uuid;
  put(t, 'etc/default/grub', `GRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR="$(sed 's, release .*$,,g' /etc/system-release)"\nGRUB_DEFAULT=saved\nGRUB_DISABLE_SUBMENU=true\nGRUB_TERMINAL_OUTPUT="console"\nGRUB_CMDLINE_LINUX="crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M rhgb quiet${bad ? ' selinux=0' : ' audit=1 audit_backlog_limit=8192'}"\nGRUB_DISABLE_RECOVERY="true"\nGRUB_ENABLE_BLSCFG=true\n`);
  put(t, 'boot/grub2/grub.cfg', grub2Cfg(rootUuid), bad ? 0o644 : 0o600);
  put(t, 'boot/grub2/grubenv', `# GRUB Environment Block\nsaved_entry=${MACHINE_ID}-${KERNEL}\nboot_success=1\n`.padEnd(1024, '#'), bad ? 0o644 : 0o600);
  if (!bad) put(t, 'boot/grub2/user.cfg', 'GRUB2_PASSWORD=grub.pbkdf2.sha512.10000.5E2F0C1A9B8D7E6F5A4B3C2D1E0F9A8B.7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F1A0B9C8D7E6F5A4B3C2D1E0F9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F1A0B9C8D7E6F5A4B3C2D1E0F9A8B7C\n', 0o600);
  put(
    t,
    `boot/loader/entries/${MACHINE_ID}-${KERNEL}.conf`,
    `title Rocky Linux (${KERNEL}) 9.4 (Blue Onyx)\nversion ${KERNEL}\nlinux /vmlinuz-${KERNEL}\ninitrd /initramfs-${KERNEL}.img $tuned_initrd\noptions root=UUID=${rootUuid} ro crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M rhgb quiet${bad ? ' selinux=0' : ' audit=1 audit_backlog_limit=8192'}\ngrub_users $grub_users\ngrub_arg --unrestricted\ngrub_class rocky\n`,
  );

  // Units: what the bad guest runs, what the good one runs.
  const enable = bad
    ? ['sshd.service', 'rsyslog.service', 'nfs-server.service', 'telnet.socket', 'tftp.socket', 'ypbind.service', 'ypserv.service', 'vsftpd.service', 'httpd.service', 'dhcpd.service', 'named.service', 'dnsmasq.service', 'avahi-daemon.service', 'smb.service', 'snmpd.service', 'squid.service', 'dovecot.service', 'rsyncd.service', 'cups.service', 'rpcbind.service', 'autofs.service', 'bluetooth.service', 'systemd-journal-remote.socket']
    : ['sshd.service', 'crond.service', 'chronyd.service', 'auditd.service', 'firewalld.service', 'rsyslog.service', 'postfix.service'];
  run('systemctl', [`--root=${t}`, '--quiet', 'enable', ...enable]);

  // Mounts: separate filesystems; the bad guest leaves /tmp on / and sets no options.
  const opts: Record<string, string> = {};
  if (!bad) {
    opts['/var'] = 'defaults,nodev,nosuid';
    opts['/home'] = 'defaults,nodev,nosuid';
    for (const m of ['/var/tmp', '/var/log', '/var/log/audit']) opts[m] = 'defaults,nodev,nosuid,noexec';
  }
  put(
    t,
    'etc/fstab',
    [
      '#',
      '# /etc/fstab',
      '# Created by anaconda',
      '#',
      ...fstabFor(spec.parts, opts),
      ...(bad ? [] : ['tmpfs /tmp tmpfs defaults,rw,nosuid,nodev,noexec,relatime,size=512M 0 0', 'tmpfs /dev/shm tmpfs defaults,rw,nosuid,nodev,noexec,relatime 0 0']),
      '',
    ].join('\n'),
  );
  return t;
}

const CIS_RULES_RHEL = [
  '-w /etc/sudoers -p wa -k scope',
  '-w /etc/sudoers.d -p wa -k scope',
  '-a always,exit -F arch=b64 -S adjtimex,settimeofday,clock_settime -k time-change',
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
  '-w /etc/selinux -p wa -k MAC-policy',
  '-w /usr/share/selinux -p wa -k MAC-policy',
  '-a always,exit -F arch=b64 -S init_module,finit_module,delete_module,create_module,query_module -F auid>=1000 -F auid!=unset -k kernel_modules',
  '',
].join('\n');

function rhelGuest(name: string, bad: boolean, parts: Partition[]): AuditGuest {
  const dir = fixtureDir(`audit-${name}-v2`, (d) => {
    const t = rhelTree(d, { name, bad, parts });
    partitionedDisk(t, join(d, 'disk.raw'), parts, join(d, 'parts'));
  });
  return { name, dir, raw: join(dir, 'disk.raw'), tree: join(dir, 'tree') };
}

export function rhelBadGuest(): AuditGuest {
  return rhelGuest('rocky-bad', true, BAD_PARTS);
}

export function rhelGoodGuest(): AuditGuest {
  return rhelGuest('rocky-good', false, GOOD_PARTS);
}
