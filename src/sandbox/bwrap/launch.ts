/**
 * The host-side launch chain and the in-sandbox supervisor for warm sandboxes.
 *
 *   sh (joins the sandbox cgroups, then exec) → [nsenter --net (a prepared network namespace)]
 *   → setpriv (unprivileged host uid, parent-death signal) → prlimit (rlimits) → bwrap
 *   (namespaces, mounts, seccomp) → command
 *
 * Each step exec()s the next, so the pid we spawned is the bwrap pid, already in its cgroups
 * before any sandboxed process exists.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SandboxError } from '../errors.js';

export interface Rlimits {
  core?: number;
  cpuSeconds?: number;
  dataBytes?: number;
  nproc?: number;
  nofile?: number;
  fsizeBytes?: number;
}

export interface LaunchPlan {
  bwrap: string;
  bwrapArgs: readonly string[];
  cgroupProcs: readonly string[];
  rlimits: Rlimits;
  /** Switch to this host uid/gid before bwrap (requires root). */
  hostIds?: { uid: number; gid: number };
  /** Descriptors above 2 to keep open (bwrap's seccomp and status fds, the supervisor's). */
  keepFds: readonly number[];
  /** Enter this network namespace first (as root, before privileges are dropped); needs tools.nsenter. */
  netnsPath?: string;
  /** Paths of the helpers; a missing one drops that step (doctor reports it). */
  tools: { bash?: string; sh?: string; setpriv?: string; prlimit?: string; nsenter?: string };
}

/** Finds an executable on PATH (plus the sbin folders), or undefined. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/**
 * Closes every inherited descriptor above 2 but the ones named (guestguard's parent may have
 * leaked some without close-on-exec, and a leaked directory fd reaches outside the mount
 * namespace), joins the cgroups listed before "--", then execs the rest. The fd loop needs bash:
 * dash cannot redirect descriptors above 9.
 */
function launcherScript(keep: readonly number[], closeFds: boolean): string {
  const close =
    `for f in /proc/$$/fd/*; do n=\${f##*/}; case " ${keep.join(' ')} " in *" $n "*) ;; ` +
    `*) if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi;; esac; done; `;
  return `${closeFds ? close : ''}while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"`;
}

export function buildLaunch(plan: LaunchPlan): { file: string; args: string[] } {
  const chain: string[] = [];
  if (plan.netnsPath !== undefined) {
    if (!plan.tools.nsenter) throw new SandboxError('unavailable', 'nsenter (util-linux) is needed to start a sandbox in its network namespace');
    chain.push(plan.tools.nsenter, `--net=${plan.netnsPath}`, '--');
  }
  if (plan.tools.setpriv) {
    chain.push(plan.tools.setpriv);
    if (plan.hostIds) chain.push('--reuid', String(plan.hostIds.uid), '--regid', String(plan.hostIds.gid), '--clear-groups');
    // The sandbox dies with guestguard even if guestguard is SIGKILLed.
    chain.push('--pdeathsig', 'KILL', '--');
  } else if (plan.hostIds) {
    throw new SandboxError('unavailable', 'setpriv (util-linux) is needed to run the sandbox as an unprivileged host user');
  }
  const r = plan.rlimits;
  const limits: string[] = [];
  const add = (flag: string, v: number | undefined, hardExtra = 0): void => {
    if (v !== undefined) limits.push(`--${flag}=${v}:${v + hardExtra}`);
  };
  add('core', r.core);
  // RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL one second later.
  add('cpu', r.cpuSeconds, 1);
  add('data', r.dataBytes);
  add('nproc', r.nproc);
  add('nofile', r.nofile);
  add('fsize', r.fsizeBytes);
  if (limits.length > 0) {
    if (!plan.tools.prlimit) throw new SandboxError('unavailable', 'prlimit (util-linux) is needed to apply resource limits without cgroups');
    chain.push(plan.tools.prlimit, ...limits, '--');
  }
  chain.push(plan.bwrap, ...plan.bwrapArgs);
  const shell = plan.tools.bash ?? (plan.cgroupProcs.length > 0 ? plan.tools.sh : undefined);
  if (!shell) return { file: chain[0]!, args: chain.slice(1) };
  const script = launcherScript(plan.keepFds, plan.tools.bash !== undefined);
  // --norc: bash reads ~/.bashrc when its stdin is a socket, as Node's stdio pipes are.
  const flags = plan.tools.bash ? ['--norc', '--noprofile'] : [];
  return { file: shell, args: [...flags, '-c', script, 'guestguard-launch', ...plan.cgroupProcs, '--', ...chain] };
}

/** Inside a warm sandbox: read a shell script from fd 5 until EOF, close it, run it. */
export const SUPERVISOR_FD = 5;

/**
 * Readiness. bwrap reports the sandbox's pid (--json-status-fd) right after clone(), before it
 * makes the mounts and loads the seccomp filter, and says nothing more until the command exits
 * (bubblewrap 0.8 to 0.11). What it does guarantee is the order: mounts, capability drop,
 * seccomp, then execve() of the command, with descriptors like this one passed through (the
 * outer bwrap and the sandbox's init close theirs). So the first program bwrap starts writes one
 * byte on fd 6 and closes it: the byte means it runs inside the finished sandbox, filter applied.
 */
export const READY_FD = 6;
const SIGNAL_READY = `printf R >&${READY_FD}; exec ${READY_FD}>&-`;

/** The warm supervisor: signals readiness, then waits for its script on fd 5. */
export const SUPERVISOR_SCRIPT = `${SIGNAL_READY}; s=''; while IFS= read -r l <&${SUPERVISOR_FD}; do s="$s$l
"; done; exec ${SUPERVISOR_FD}<&-; eval "$s"`;

/**
 * A cold sandbox's first program: finds the command as execvp() will (a path with a slash, else
 * the first executable file of that name on PATH; in a function with local variables so the
 * command's environment is untouched), signals readiness, closes fd 6 and execs the command in
 * the same process. A command that cannot be found exits 127 without signalling.
 */
export const COMMAND_SCRIPT =
  'gg_found() { local c d IFS; c=$1; case $c in */*) [ -f "$c" ] && [ -x "$c" ]; return;; esac; ' +
  'IFS=:; for d in $PATH; do [ -f "$d/$c" ] && [ -x "$d/$c" ] && return 0; done; return 1; }; ' +
  `gg_found "$1" || { printf '%s\n' "guestguard-sandbox: $1: command not found" >&2; exit 127; }; ${SIGNAL_READY}; exec "$@"`;

/** argv bwrap starts in a sandbox with a shell: the supervisor (warm) or the command behind COMMAND_SCRIPT. */
export function firstProgram(command: readonly string[] | undefined): string[] {
  return command === undefined ? ['/bin/sh', '-c', SUPERVISOR_SCRIPT] : ['/bin/sh', '-c', COMMAND_SCRIPT, 'guestguard-exec', ...command];
}

/** Single-quotes a word for POSIX sh. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The script a warm sandbox's supervisor runs: environment, working directory, then exec. */
export function execScript(command: readonly string[], env: Readonly<Record<string, string>> = {}, cwd?: string): string {
  if (command.length === 0) throw new SandboxError('bad-spec', 'empty command');
  if (command[0]!.startsWith('-')) throw new SandboxError('bad-spec', `command may not start with "-": ${command[0]}`);
  const lines: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new SandboxError('bad-spec', `invalid environment variable name: ${k}`);
    lines.push(`export ${shellQuote(`${k}=${v}`)}`);
  }
  if (cwd !== undefined) lines.push(`cd ${shellQuote(cwd)} || exit 126`);
  lines.push(`exec ${command.map(shellQuote).join(' ')}`);
  return lines.join('\n') + '\n';
}
