/** Security-relevant configuration facts of a Linux guest (facts, not judgements). */
import type { GuestFileSystem } from '../../../fs/vfs.js';
import type { FstabEntry } from '../../fstab.js';
import { inspectLinuxBoot } from '../boot/index.js';
import { GuestReader } from '../reader.js';
import { readAuthPolicy, type AuthPolicy } from './auth-policy.js';
import { readFirewalls, type FirewallInfo } from './firewall.js';
import { readApparmor, readSelinux, type ApparmorInfo, type SelinuxInfo } from './mac.js';
import { mountFacts, type MountSummary } from './mounts.js';
import { readSshdConfig, type SshdConfig } from './sshd.js';
import { readSysctl, type SysctlInfo } from './sysctl.js';

export type { AuthPolicy, PamLine } from './auth-policy.js';
export type { FirewallInfo } from './firewall.js';
export type { ApparmorInfo, SelinuxInfo } from './mac.js';
export type { MountFacts, MountSummary } from './mounts.js';
export type { SshdConfig, SshdMatchBlock, SshdSetting } from './sshd.js';
export type { SysctlInfo, SysctlValue } from './sysctl.js';
export { mountFacts } from './mounts.js';
export { readSshdConfig, SSHD_DEFAULTS, SSHD_KEYWORD_ALIASES } from './sshd.js';
export { readSysctl, normalizeSysctlKey } from './sysctl.js';
export { cmdlineValue } from './mac.js';

export interface LinuxSecurity {
  selinux: SelinuxInfo;
  apparmor: ApparmorInfo;
  sshd: SshdConfig;
  firewalls: FirewallInfo[];
  sysctl: SysctlInfo;
  auth: AuthPolicy;
  /** Present when the caller passed fstab entries. */
  mounts: MountSummary | null;
}

export async function inspectLinuxSecurity(src: GuestFileSystem | GuestReader, opts: { fstab?: FstabEntry[] } = {}): Promise<LinuxSecurity> {
  const reader = GuestReader.of(src);
  // The kernel command line can switch SELinux/AppArmor off; it comes from the default boot entry.
  let cmdline: string | null = null;
  try {
    cmdline = (await inspectLinuxBoot(reader)).kernel_cmdline;
  } catch (err) {
    reader.warn(`boot configuration unreadable for the kernel command line: ${(err as Error).message}`);
  }
  return {
    selinux: await readSelinux(reader, cmdline),
    apparmor: await readApparmor(reader, cmdline),
    sshd: await readSshdConfig(reader),
    firewalls: await readFirewalls(reader),
    sysctl: await readSysctl(reader),
    auth: await readAuthPolicy(reader),
    mounts: opts.fstab ? mountFacts(opts.fstab) : null,
  };
}
