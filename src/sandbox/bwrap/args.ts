/**
 * Builds the bubblewrap command line for a sandbox. Pure: everything host-specific (which system
 * folders exist, which are symlinks) is decided by the caller and passed in.
 */
import { isAbsolute, normalize } from 'node:path';
import { SandboxError } from '../errors.js';

export type MountOp =
  | { kind: 'ro-bind'; host: string; sandbox: string; optional?: boolean }
  | { kind: 'bind'; host: string; sandbox: string }
  | { kind: 'symlink'; target: string; sandbox: string };

export interface BwrapPlan {
  mounts: readonly MountOp[];
  env: Readonly<Record<string, string>>;
  cwd: string;
  uid: number;
  gid: number;
  hostname: string;
  tmpBytes: number;
  /** fd bwrap reads the seccomp program from (omitted: no filter). */
  seccompFd?: number;
  /** fd bwrap reports {"child-pid"} and {"exit-code"} on. */
  statusFd: number;
  /** bwrap ≥ 0.8: forbid further user namespaces inside (belt and braces next to seccomp). */
  disableUserns: boolean;
  /** Run in the network namespace bwrap was started in (prepared by net/) instead of a new empty one. */
  inheritNetwork?: boolean;
  command: readonly string[];
}

/** Paths that must never be made visible: credentials and home directories. */
const FORBIDDEN = ['/etc/shadow', '/etc/gshadow', '/etc/shadow-', '/etc/gshadow-', '/root', '/home', '/etc/sudoers', '/etc/ssh'];

/** Places the sandbox controls itself; binding over them would undo isolation. */
const RESERVED = ['/proc', '/dev', '/tmp', '/'];

export function checkSandboxPath(path: string, what: string): string {
  if (!isAbsolute(path)) throw new SandboxError('bad-spec', `${what} must be an absolute path: ${path}`);
  const n = normalize(path);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** True when `path` is, or is inside, a forbidden host location. */
export function isForbiddenHostPath(path: string): boolean {
  const n = normalize(path);
  return FORBIDDEN.some((f) => n === f || n.startsWith(f + '/'));
}

export function buildBwrapArgs(plan: BwrapPlan): string[] {
  const a: string[] = [
    '--unshare-user',
    '--unshare-ipc',
    '--unshare-pid',
    ...(plan.inheritNetwork ? [] : ['--unshare-net']),
    '--unshare-uts',
    '--unshare-cgroup',
    '--uid',
    String(plan.uid),
    '--gid',
    String(plan.gid),
  ];
  if (plan.disableUserns) a.push('--disable-userns');
  a.push('--hostname', plan.hostname, '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--clearenv');
  for (const [k, v] of Object.entries(plan.env)) a.push('--setenv', k, v);
  // /proc, /dev and /tmp first, so binds below /tmp land on the tmpfs instead of being hidden by it.
  a.push('--proc', '/proc', '--dev', '/dev', '--size', String(plan.tmpBytes), '--tmpfs', '/tmp');
  for (const m of plan.mounts) {
    if (RESERVED.includes(m.sandbox)) throw new SandboxError('bad-spec', `cannot mount over ${m.sandbox} inside the sandbox`);
    if (m.kind === 'symlink') a.push('--symlink', m.target, m.sandbox);
    else if (m.kind === 'bind') a.push('--bind', m.host, m.sandbox);
    else a.push(m.optional ? '--ro-bind-try' : '--ro-bind', m.host, m.sandbox);
  }
  // The root itself is bwrap's tmpfs: make it read-only so the only writable places are /tmp and rw binds.
  a.push('--remount-ro', '/');
  a.push('--chdir', plan.cwd);
  if (plan.seccompFd !== undefined) a.push('--seccomp', String(plan.seccompFd));
  a.push('--json-status-fd', String(plan.statusFd));
  a.push('--', ...plan.command);
  return a;
}
