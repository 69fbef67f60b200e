/**
 * The host's system folders, bound read-only so ordinary programs run: /usr, /bin, /sbin, /lib*
 * (as symlinks on merged-/usr hosts) and the handful of /etc files the dynamic loader, time zone,
 * TLS and name lookups read. Never /etc/shadow, /root or /home; /etc/passwd and /etc/group are
 * replaced by minimal generated ones so host accounts are not listed.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import type { MountOp } from './args.js';

const TOP = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

const ETC = [
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/timezone',
  '/etc/nsswitch.conf',
  '/etc/host.conf',
  '/etc/hosts',
  '/etc/protocols',
  '/etc/services',
  '/etc/mime.types',
  '/etc/alternatives',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/pki',
  '/etc/crypto-policies',
];

export function systemMounts(): MountOp[] {
  const out: MountOp[] = [];
  for (const path of TOP) {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) out.push({ kind: 'symlink', target: readlinkSync(path), sandbox: path });
    else if (st.isDirectory()) out.push({ kind: 'ro-bind', host: path, sandbox: path });
  }
  for (const path of ETC) out.push({ kind: 'ro-bind', host: path, sandbox: path, optional: true });
  return out;
}

/** /etc/passwd and /etc/group naming only the sandbox user (so `id`, `whoami`, os.userInfo() work). */
export function identityFiles(uid: number, gid: number): { passwd: string; group: string } {
  return {
    passwd: `root:x:0:0:root:/nonexistent:/usr/sbin/nologin\nsandbox:x:${uid}:${gid}:guestguard sandbox:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `root:x:0:\nsandbox:x:${gid}:\nnogroup:x:65534:\n`,
  };
}
