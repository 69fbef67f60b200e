/**
 * What every built-in rule must report on every test guest. The four main guests have a
 * default (the bad ones fail, the hardened ones pass every rule of their family) and list
 * their exceptions with the reason; the small variant guests and the Windows guests list only
 * the rules they exist for. Rules that do not apply to a guest's OS or family must report
 * not_applicable everywhere.
 */
import type { FindingStatus } from '../../src/audit/engine/index.js';
import type { BuiltinRule } from './harness.js';

export type GuestKind = 'debian' | 'rhel' | 'windows';

export interface GuestExpectation {
  name: string;
  kind: GuestKind;
  /** Status of every applicable rule not listed in `except`; omitted: only `except` is asserted. */
  default?: 'pass' | 'fail';
  except: Record<string, FindingStatus>;
}

/** One status for many rules, with the reason kept next to them in the source. */
const all = (status: FindingStatus, ids: string[]): Record<string, FindingStatus> => Object.fromEntries(ids.map((id) => [id, status]));

const SEPARATE_ONLY_OPTIONS = ['home-nodev', 'home-nosuid', 'var-nodev', 'var-nosuid', 'var-tmp-nodev', 'var-tmp-nosuid', 'var-tmp-noexec', 'var-log-nodev', 'var-log-nosuid', 'var-log-noexec', 'var-log-audit-nodev', 'var-log-audit-nosuid', 'var-log-audit-noexec'].map((s) => `cis.mount.${s}`);
const UFW_RULES = ['cis.firewall.ufw-no-iptables-persistent', 'cis.firewall.ufw-enabled', 'cis.firewall.ufw-default-deny'];

export const EXPECTATIONS: GuestExpectation[] = [
  {
    name: 'debian-bad',
    kind: 'debian',
    default: 'fail',
    except: {
      // Everything lives on one filesystem: the options of separate mounts do not apply.
      ...all('not_applicable', [...SEPARATE_ONLY_OPTIONS, 'hardening.mount-var-tmp', 'hardening.mount-home']),
      // ufw is not installed (the ufw-off/ufw-on variants cover these).
      ...all('not_applicable', UFW_RULES),
      // nftables is installed (so the nftables rules have a failing case here) and Debian's
      // shipped /etc/nftables.conf declares a table.
      ...all('pass', ['cis.firewall.installed.debian', 'cis.firewall.nftables-table']),
      // Debian's base system gets these right and a server without them is not "misconfigured":
      // sudo is in debootstrap's set and its sudoers has use_pty; common-auth uses pam_unix;
      // debootstrap locks root ("*") with primary group 0; passwd/group are 0644 root:root;
      // systemd-coredump is a separate package that is not installed.
      ...all('pass', ['cis.sudo.installed', 'cis.sudo.use-pty', 'cis.pam.unix-enabled.debian', 'cis.accounts.root-gid', 'cis.accounts.root-password', 'cis.perms.passwd', 'cis.perms.group', 'hardening.systemd-coredump']),
    },
  },
  {
    name: 'debian-good',
    kind: 'debian',
    default: 'pass',
    except: {
      // The hardened guest uses nftables, and postfix is not installed.
      ...all('not_applicable', [...UFW_RULES, 'cis.svc.mta-local-only']),
    },
  },
  {
    name: 'rocky-bad',
    kind: 'rhel',
    default: 'fail',
    except: {
      // Partitioned as Anaconda's "custom" layout does (the options are what is missing).
      ...all('pass', ['cis.mount.home-separate', 'cis.mount.var-separate', 'cis.mount.var-tmp-separate', 'cis.mount.var-log-separate', 'cis.mount.var-log-audit-separate']),
      // Not shipped by RHEL 9 at all (the Debian bad guest has them).
      ...all('pass', ['services.rsh-server', 'services.rlogin', 'services.xinetd', 'services.inetd', 'services.talk', 'cis.svc.xinetd', 'cis.gdm.xdmcp', 'cis.svc.nfs-server']),
      // OpenSSH defaults and Red Hat's sshd_config get these right (the Debian bad guest overrides them).
      ...all('pass', [
        'ssh.permit-empty-passwords', 'ssh.protocol-1', 'ssh.weak-macs', 'cis.ssh.macs', 'cis.ssh.hostbased', 'cis.ssh.ignore-rhosts', 'cis.ssh.log-level', 'cis.ssh.max-sessions',
        'cis.ssh.permit-empty-passwords', 'cis.ssh.permit-user-environment', 'cis.ssh.use-pam', 'cis.ssh.config-perms', 'cis.ssh.public-keys',
      ]),
      // Rocky 9 defaults that are already compliant: packages installed by default, sane
      // login.defs values, systemd's protected_* links, the kernel's own safe defaults.
      ...all('pass', [
        'cis.mac.selinux-installed.rhel', 'cis.sudo.installed', 'cis.sudo.no-authenticate-disabled', 'cis.sudo.timeout', 'cis.pam.pwquality-installed', 'cis.pam.unix-enabled.rhel', 'cis.pam.dictcheck',
        'cis.login.pass-warn-age', 'cis.login.encrypt-method', 'cis.log.journald-compress', 'cis.log.rsyslog-enabled', 'cis.audit.installed', 'cis.audit.max-log-file', 'cis.audit.log-dir-perms', 'cis.audit.config-perms',
        'hardening.protected-hardlinks', 'hardening.protected-symlinks', 'hardening.protected-fifos', 'hardening.protected-regular', 'hardening.tcp-syncookies', 'hardening.source-route', 'hardening.aslr',
      ]),
      // The Debian bad guest plants these (accounts, file modes, banners); this one plants others.
      ...all('pass', [
        'accounts.uid0-besides-root', 'cis.accounts.uid0', 'cis.accounts.gid0-group', 'cis.accounts.system-shells', 'cis.accounts.shadowed', 'cis.accounts.duplicate-uid', 'cis.accounts.duplicate-gid', 'cis.accounts.duplicate-name',
        'cis.banner.motd-content', 'cis.banner.motd-perms', 'cis.banner.issue-perms', 'cis.banner.issue-net-perms', 'cis.perms.passwd-backup', 'cis.perms.group-backup', 'cis.perms.shells', 'cis.perms.opasswd',
        'cis.perms.world-writable', 'hardening.world-writable', 'hardening.suid-sgid',
      ]),
      // Neither postfix nor at is installed.
      ...all('not_applicable', ['cis.svc.mta-local-only', 'cis.cron.at-allow']),
    },
  },
  {
    name: 'rocky-good',
    kind: 'rhel',
    default: 'pass',
    except: { 'cis.cron.at-allow': 'not_applicable' },
  },
  // Variants: only the rules each one exists for.
  { name: 'debian-no-firewall', kind: 'debian', except: { 'cis.firewall.installed.debian': 'fail', ...all('not_applicable', [...UFW_RULES, 'cis.firewall.nftables-enabled']) } },
  {
    name: 'debian-ufw-off',
    kind: 'debian',
    except: { ...all('fail', UFW_RULES), 'cis.firewall.installed.debian': 'pass', 'cis.firewall.nftables-enabled': 'not_applicable' },
  },
  {
    name: 'debian-ufw-on',
    kind: 'debian',
    except: { ...all('pass', [...UFW_RULES, 'cis.firewall.installed.debian', 'cis.firewall.single-utility']), 'cis.firewall.nftables-table': 'not_applicable' },
  },
  { name: 'debian-nftables-empty', kind: 'debian', except: all('fail', ['cis.firewall.nftables-table', 'cis.firewall.nftables-default-deny', 'cis.firewall.nftables-enabled', 'firewall.ruleset']) },
  { name: 'debian-no-sudo-sssd-pam', kind: 'debian', except: { ...all('fail', ['cis.sudo.installed', 'cis.pam.unix-enabled.debian']), ...all('not_applicable', ['cis.sudo.use-pty', 'cis.sudo.logfile']) } },
  { name: 'rhel-minimal', kind: 'rhel', except: all('fail', ['cis.mac.selinux-installed.rhel', 'cis.sudo.installed', 'cis.pam.unix-enabled.rhel']) },
  // Windows: Server 2022 (domain profile off by Group Policy), Windows 10 (automatic logon with
  // a stored password, private profile off; RDP is off in its current control set), Windows 7
  // (RDP without NLA, SMBv1 server default on), and Server 2022 opened up.
  {
    name: 'server2022',
    kind: 'windows',
    except: { 'windows.firewall-domain': 'fail', ...all('pass', ['windows.firewall-private', 'windows.firewall-public', 'windows.rdp-nla', 'windows.smb1-server', 'windows.smb1-client', 'windows.autologon', 'windows.autologon-password']) },
  },
  {
    name: 'win10x86',
    kind: 'windows',
    except: { ...all('fail', ['windows.firewall-private', 'windows.autologon', 'windows.autologon-password']), ...all('pass', ['windows.firewall-domain', 'windows.firewall-public', 'windows.rdp-nla', 'windows.smb1-server', 'windows.smb1-client']) },
  },
  {
    name: 'win7',
    kind: 'windows',
    except: { ...all('fail', ['windows.rdp-nla', 'windows.smb1-server']), ...all('pass', ['windows.firewall-domain', 'windows.firewall-private', 'windows.firewall-public', 'windows.smb1-client', 'windows.autologon', 'windows.autologon-password']) },
  },
  {
    name: 'server2022-open',
    kind: 'windows',
    except: { ...all('fail', ['windows.firewall-domain', 'windows.firewall-public', 'windows.rdp-nla', 'windows.smb1-server', 'windows.smb1-client']), ...all('pass', ['windows.firewall-private', 'windows.autologon', 'windows.autologon-password']) },
  },
];

/** Whether a rule's applies_to os/family admits a guest of this kind (package conditions aside). */
export function appliesTo(rule: BuiltinRule, kind: GuestKind): boolean {
  const os = kind === 'windows' ? 'windows' : 'linux';
  if (!rule.os.includes(os)) return false;
  return rule.family === undefined || (kind !== 'windows' && rule.family.includes(kind));
}

/** The status a rule must have on a guest, or undefined when the guest does not assert it. */
export function expectedStatus(g: GuestExpectation, rule: BuiltinRule): FindingStatus | undefined {
  if (rule.id in g.except) return g.except[rule.id];
  if (!appliesTo(rule, g.kind)) return 'not_applicable';
  return g.default;
}
