/**
 * What this host supports for sandboxing, and why not when it does not. Every check that can be
 * made for real is made for real (a sandbox is started, a namespace created), not inferred.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { release } from 'node:os';
import { detectCgroups, leftoverCgroups } from './cgroups.js';
import { detectBwrap } from './bwrap/detect.js';
import { findExecutable } from './bwrap/launch.js';
import { hostArch } from './seccomp/arch.js';
import { spawnBwrap } from './bwrap/sandbox.js';
import { networkChecks } from './net/doctor.js';

export type CheckName = 'bwrap' | 'user-namespaces' | 'cgroups' | 'seccomp' | 'rlimits' | 'nft' | 'kvm' | 'net-tools' | 'netns' | 'veth' | 'firewall';

export interface DoctorCheck {
  name: CheckName;
  ok: boolean;
  /** What works, or why it does not. */
  detail: string;
}

export interface DoctorReport {
  platform: string;
  arch: string;
  kernel: string;
  euid: number;
  /** The default backend (bwrap) can run sandboxes with seccomp here. */
  sandboxUsable: boolean;
  checks: DoctorCheck[];
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function run(file: string, args: string[], timeoutMs = 15_000): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ ok: !err, out: `${stdout}${stderr}`.trim() || (err ? err.message : '') });
    });
  });
}

async function userNamespaces(): Promise<DoctorCheck> {
  const max = read('/proc/sys/user/max_user_namespaces');
  const debian = read('/proc/sys/kernel/unprivileged_userns_clone');
  const ubuntu = read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns');
  const notes: string[] = [];
  if (max !== undefined) notes.push(`max_user_namespaces=${max}`);
  if (debian !== undefined) notes.push(`unprivileged_userns_clone=${debian}`);
  if (ubuntu !== undefined) notes.push(`apparmor_restrict_unprivileged_userns=${ubuntu}`);
  if (max === '0') return { name: 'user-namespaces', ok: false, detail: `disabled (${notes.join(', ')})` };
  const unshare = findExecutable('unshare');
  if (!unshare) return { name: 'user-namespaces', ok: max !== undefined, detail: `${notes.join(', ')}; unshare not installed, not tried` };
  const self = await run(unshare, ['--user', '--map-root-user', 'true']);
  notes.push(self.ok ? 'creating one works' : `creating one failed: ${self.out.split('\n')[0]}`);
  const setpriv = findExecutable('setpriv');
  if (process.geteuid?.() === 0 && setpriv) {
    const nobody = await run(setpriv, ['--reuid', '65534', '--regid', '65534', '--clear-groups', unshare, '--user', '--map-root-user', 'true']);
    notes.push(nobody.ok ? 'also as the unprivileged user nobody' : `not as nobody: ${nobody.out.split('\n')[0]}`);
  }
  return { name: 'user-namespaces', ok: self.ok, detail: notes.join('; ') };
}

function cgroupCheck(): DoctorCheck {
  const s = detectCgroups();
  const have = (['memory', 'pids', 'cpu'] as const).filter((c) => s[c]).map((c) => `${c} via cgroup ${s[c]}`);
  const missing = (['memory', 'pids', 'cpu'] as const).filter((c) => !s[c]);
  const leftovers = leftoverCgroups(s, 'guestguard-', true);
  const detail = [
    have.length ? `enforced: ${have.join(', ')}` : 'no usable controllers',
    missing.length ? `rlimit fallback for: ${missing.join(', ')}` : '',
    ...s.notes,
    leftovers.length ? `${leftovers.length} sandbox cgroup(s) left by crashed runs, e.g. ${leftovers[0]}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return { name: 'cgroups', ok: missing.length === 0, detail };
}

function seccompCheck(): DoctorCheck {
  const status = read('/proc/self/status') ?? '';
  const mode = /^Seccomp:\s*(\d+)/m.exec(status)?.[1];
  const actions = read('/proc/sys/kernel/seccomp/actions_avail');
  const arch = hostArch();
  if (mode === undefined) return { name: 'seccomp', ok: false, detail: 'kernel built without CONFIG_SECCOMP' };
  if (!arch) return { name: 'seccomp', ok: false, detail: `no filter compiler for ${process.arch}` };
  const needed = ['kill_process', 'errno', 'allow'];
  const missing = actions ? needed.filter((a) => !actions.split(/\s+/).includes(a)) : [];
  if (missing.length) return { name: 'seccomp', ok: false, detail: `kernel lacks actions: ${missing.join(', ')}` };
  return {
    name: 'seccomp',
    ok: true,
    detail: `filters for ${arch}; actions: ${actions ?? 'unknown'}${mode !== '0' ? `; guestguard itself is already filtered (mode ${mode})` : ''}`,
  };
}

async function nftCheck(): Promise<DoctorCheck> {
  const nft = findExecutable('nft');
  if (!nft) return { name: 'nft', ok: false, detail: 'nft not installed (Debian package "nftables")' };
  const version = (await run(nft, ['--version'])).out.split('\n')[0] ?? '';
  const unshare = findExecutable('unshare');
  if (!unshare) return { name: 'nft', ok: false, detail: `${version}; unshare missing, cannot try a private network namespace` };
  const args = process.geteuid?.() === 0 ? ['--net', nft, 'list', 'ruleset'] : ['--user', '--map-root-user', '--net', nft, 'list', 'ruleset'];
  const r = await run(unshare, args);
  return { name: 'nft', ok: r.ok, detail: r.ok ? `${version}; rules can be loaded in a private network namespace` : `${version}; ${r.out.split('\n')[0]}` };
}

function kvmCheck(): DoctorCheck {
  try {
    const st = statSync('/dev/kvm');
    if (!st.isCharacterDevice()) return { name: 'kvm', ok: false, detail: '/dev/kvm is not a character device' };
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return { name: 'kvm', ok: true, detail: '/dev/kvm present and read/write accessible' };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { name: 'kvm', ok: false, detail: code === 'ENOENT' ? 'no /dev/kvm (no hardware virtualisation exposed)' : `/dev/kvm not accessible (${code})` };
  }
}

async function bwrapCheck(): Promise<DoctorCheck> {
  const info = detectBwrap(true);
  if (typeof info === 'string') return { name: 'bwrap', ok: false, detail: info };
  const who = process.geteuid?.() === 0 ? 'as root, dropping to host user nobody,' : 'unprivileged,';
  try {
    const sb = await spawnBwrap({ command: ['/bin/true'], seccomp: 'basic', stdin: 'ignore', stdout: 'ignore', timeoutMs: 20_000 });
    const r = await sb.wait();
    if (r.setupError) return { name: 'bwrap', ok: false, detail: `${info.path} ${info.version} present but unusable: ${r.setupError}` };
    if (r.exitCode !== 0) return { name: 'bwrap', ok: false, detail: `${info.path} ${info.version}: test sandbox exited with ${r.exitCode ?? r.signal}` };
    return {
      name: 'bwrap',
      ok: true,
      detail: `${info.path} ${info.version}; a test sandbox ran ${who} with user/pid/ipc/uts/net/mount/cgroup namespaces and the basic seccomp filter${info.disableUserns ? '; --disable-userns supported' : ''}`,
    };
  } catch (err) {
    return { name: 'bwrap', ok: false, detail: `${info.path} ${info.version} present but unusable: ${(err as Error).message}` };
  }
}

export async function doctor(): Promise<DoctorReport> {
  const [bwrap, userns, nft, net] = await Promise.all([bwrapCheck(), userNamespaces(), nftCheck(), networkChecks()]);
  const seccomp = seccompCheck();
  const prlimit = findExecutable('prlimit');
  const setpriv = findExecutable('setpriv');
  const rlimits: DoctorCheck = {
    name: 'rlimits',
    ok: prlimit !== undefined && setpriv !== undefined,
    detail: [
      prlimit ? 'prlimit present' : 'prlimit missing (util-linux): no rlimits',
      setpriv ? 'setpriv present (unprivileged host user, parent-death signal)' : 'setpriv missing (util-linux): sandboxes outlive a killed guestguard',
    ].join('; '),
  };
  const checks = [bwrap, userns, cgroupCheck(), seccomp, rlimits, nft, ...net, kvmCheck()];
  return {
    platform: process.platform,
    arch: process.arch,
    kernel: release(),
    euid: process.geteuid?.() ?? -1,
    sandboxUsable: bwrap.ok && seccomp.ok,
    checks,
  };
}
