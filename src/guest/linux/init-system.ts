/**
 * Which init system boots the guest, from what /sbin/init is (the kernel's default init), with
 * service-manager evidence for the cases where /sbin/init alone does not say (Alpine runs
 * OpenRC from busybox init; Gentoo runs OpenRC from sysvinit).
 */
import { GuestReader } from './reader.js';

export type InitSystem = 'systemd' | 'openrc' | 'sysvinit' | 'upstart' | 'busybox' | 'runit' | 'unknown';

export interface InitInfo {
  init_system: InitSystem;
  /** Canonical guest path /sbin/init resolves to, when it exists. */
  init_path: string | null;
}

const SYSTEMD_BINARIES = ['/usr/lib/systemd/systemd', '/lib/systemd/systemd'];

export function detectInitSystem(reader: GuestReader): Promise<InitInfo> {
  return reader.once('init-system', async () => {
    let initPath: string | null = null;
    for (const p of ['/sbin/init', '/usr/sbin/init']) {
      if (await reader.isFile(p)) {
        initPath = (await reader.realpath(p)) ?? p;
        break;
      }
    }
    const base = initPath?.split('/').pop() ?? '';
    const hasOpenrc = (await reader.isFile('/sbin/openrc')) || (await reader.isFile('/usr/sbin/openrc')) || (await reader.isFile('/sbin/openrc-run'));
    const hasSystemd = (await Promise.all(SYSTEMD_BINARIES.map((p) => reader.isFile(p)))).some(Boolean);
    let init: InitSystem = 'unknown';
    if (base === 'systemd') init = 'systemd';
    else if (base === 'openrc-init') init = 'openrc';
    else if (base === 'runit' || base === 'runit-init') init = 'runit';
    else if (base === 'busybox') init = hasOpenrc ? 'openrc' : 'busybox';
    else if (base === 'upstart') init = 'upstart';
    else if (initPath !== null) {
      if (hasOpenrc && (await reader.isDir('/etc/runlevels'))) init = 'openrc';
      else if ((await reader.isFile('/sbin/initctl')) && (await reader.isDir('/etc/init')) && !(await reader.isFile('/etc/inittab'))) init = 'upstart';
      else if (await reader.isFile('/etc/inittab')) init = 'sysvinit';
      else if (hasSystemd) init = 'systemd';
    } else if (hasSystemd) init = 'systemd';
    else if (hasOpenrc) init = 'openrc';
    return { init_system: init, init_path: initPath };
  });
}
