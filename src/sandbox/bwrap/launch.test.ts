import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBwrapArgs, isForbiddenHostPath, type BwrapPlan } from './args.js';
import { buildLaunch, COMMAND_SCRIPT, execScript, findExecutable, firstProgram, SUPERVISOR_SCRIPT } from './launch.js';

const plan: BwrapPlan = {
  mounts: [
    { kind: 'symlink', target: 'usr/bin', sandbox: '/bin' },
    { kind: 'ro-bind', host: '/usr', sandbox: '/usr' },
    { kind: 'ro-bind', host: '/etc/hosts', sandbox: '/etc/hosts', optional: true },
    { kind: 'bind', host: '/srv/out', sandbox: '/tmp/out' },
  ],
  env: { PATH: '/usr/bin', A: 'b c' },
  cwd: '/tmp',
  uid: 1000,
  gid: 1000,
  hostname: 'guestguard',
  tmpBytes: 1 << 20,
  seccompFd: 3,
  statusFd: 4,
  disableUserns: true,
  command: ['node', '-e', '1'],
};

describe('bwrap arguments', () => {
  const args = buildBwrapArgs(plan);
  const at = (flag: string): number => args.indexOf(flag);

  it('unshares every namespace, drops capabilities and dies with its parent', () => {
    for (const f of ['--unshare-user', '--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup', '--disable-userns', '--die-with-parent', '--new-session', '--clearenv']) {
      expect(args).toContain(f);
    }
    expect(args.slice(at('--cap-drop'), at('--cap-drop') + 2)).toEqual(['--cap-drop', 'ALL']);
    expect(args.slice(at('--uid'), at('--uid') + 4)).toEqual(['--uid', '1000', '--gid', '1000']);
    expect(args.slice(at('--seccomp'), at('--seccomp') + 2)).toEqual(['--seccomp', '3']);
    expect(args.slice(at('--json-status-fd'), at('--json-status-fd') + 2)).toEqual(['--json-status-fd', '4']);
    expect(args.slice(-4)).toEqual(['--', 'node', '-e', '1']);
  });

  it('mounts /tmp before binds that live under it, and makes / read-only last', () => {
    expect(at('--tmpfs')).toBeLessThan(args.indexOf('/srv/out'));
    expect(args.slice(at('--size'), at('--size') + 4)).toEqual(['--size', String(1 << 20), '--tmpfs', '/tmp']);
    expect(args.slice(at('--remount-ro'), at('--remount-ro') + 2)).toEqual(['--remount-ro', '/']);
    expect(at('--remount-ro')).toBeGreaterThan(args.indexOf('/srv/out'));
    expect(args).toContain('--ro-bind-try');
    expect(args.slice(at('--setenv'), at('--setenv') + 3)).toEqual(['--setenv', 'PATH', '/usr/bin']);
  });

  it('refuses to mount over what the sandbox controls', () => {
    expect(() => buildBwrapArgs({ ...plan, mounts: [{ kind: 'bind', host: '/srv', sandbox: '/dev' }] })).toThrow(/cannot mount over \/dev/);
    expect(() => buildBwrapArgs({ ...plan, mounts: [{ kind: 'bind', host: '/srv', sandbox: '/' }] })).toThrow(/cannot mount over \//);
  });

  it('knows the forbidden host paths', () => {
    expect(isForbiddenHostPath('/etc/shadow')).toBe(true);
    expect(isForbiddenHostPath('/root/.ssh/id_ed25519')).toBe(true);
    expect(isForbiddenHostPath('/home/')).toBe(true);
    expect(isForbiddenHostPath('/homestead')).toBe(false);
    expect(isForbiddenHostPath('/etc/../root')).toBe(true);
  });
});

describe('launch chain', () => {
  it('joins cgroups, drops to the host user with a parent-death signal, sets rlimits, then execs bwrap', () => {
    const l = buildLaunch({
      bwrap: '/usr/bin/bwrap',
      bwrapArgs: ['--x'],
      cgroupProcs: ['/cg/a/cgroup.procs', '/cg/b/cgroup.procs'],
      rlimits: { core: 0, cpuSeconds: 5, nofile: 64 },
      hostIds: { uid: 65534, gid: 65534 },
      keepFds: [3, 4],
      tools: { bash: '/bin/bash', sh: '/bin/sh', setpriv: '/usr/bin/setpriv', prlimit: '/usr/bin/prlimit' },
    });
    expect(l.file).toBe('/bin/bash');
    expect(l.args.slice(0, 3)).toEqual(['--norc', '--noprofile', '-c']);
    const rest = l.args.slice(4);
    expect(rest).toEqual([
      'guestguard-launch',
      '/cg/a/cgroup.procs',
      '/cg/b/cgroup.procs',
      '--',
      '/usr/bin/setpriv',
      '--reuid',
      '65534',
      '--regid',
      '65534',
      '--clear-groups',
      '--pdeathsig',
      'KILL',
      '--',
      '/usr/bin/prlimit',
      '--core=0:0',
      '--cpu=5:6',
      '--nofile=64:64',
      '--',
      '/usr/bin/bwrap',
      '--x',
    ]);
  });

  it.skipIf(!findExecutable('bash'))('the launcher closes inherited descriptors except the kept ones', () => {
    const l = buildLaunch({
      bwrap: '/bin/ls',
      bwrapArgs: ['/proc/self/fd'],
      cgroupProcs: [],
      rlimits: {},
      keepFds: [4],
      tools: { bash: findExecutable('bash')! },
    });
    const a = openSync('/dev/null', 'r');
    const b = openSync('/dev/null', 'r');
    try {
      // fds 3..6 handed to the child; only 4 may survive into "bwrap" (ls here).
      const r = spawnSync(l.file, l.args, { stdio: ['ignore', 'pipe', 'pipe', a, b, a, b], encoding: 'utf8' });
      const fds = r.stdout.trim().split('\n').map(Number).filter((n) => n > 2);
      // ls itself opens one descriptor for the directory it lists.
      expect(fds.filter((n) => n !== 4).length).toBeLessThanOrEqual(1);
      expect(fds).toContain(4);
      expect(fds).not.toContain(5);
      expect(fds).not.toContain(6);
    } finally {
      closeSync(a);
      closeSync(b);
    }
  });
});

describe('warm supervisor', () => {
  it('signals readiness on fd 6, then reads a script from fd 5 and runs it with exact arguments, environment and directory', () => {
    const words = ["it's", 'two words', '$HOME `id`', 'new\nline', '"quoted"', ''];
    const script = execScript(['/bin/sh', '-c', 'printf "%s|" "$PWD" "$X" "$@"; [ -e /dev/fd/6 ] && echo "fd 6 leaked"', 'sh', ...words], { X: "a'b\nc" }, '/usr');
    // Feed the script on fd 5 and collect fd 6 (here: on stderr), as the sandbox does.
    const viaFd = spawnSync('/bin/sh', ['-c', `exec 5<&0 6>&2; ${SUPERVISOR_SCRIPT}`], { input: script, encoding: 'utf8' });
    expect(viaFd.stderr).toBe('R');
    expect(viaFd.stdout).toBe(`/usr|a'b\nc|${words.join('|')}|`);
  });

  it('rejects what it cannot express safely', () => {
    expect(() => execScript([])).toThrow(/empty/);
    expect(() => execScript(['-rf'])).toThrow(/may not start with "-"/);
    expect(() => execScript(['true'], { 'BAD-NAME': '1' })).toThrow(/invalid environment variable name/);
  });
});

describe('cold first program', () => {
  const start = (argv: string[], env: Record<string, string> = {}) =>
    spawnSync('/bin/sh', ['-c', `exec 6>&3 3>&-; exec "$@"`, 'sh', ...firstProgram(argv)], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { PATH: '/usr/bin:/bin', ...env },
      encoding: 'utf8',
    });

  it('signals readiness, closes fd 6 and execs the command in the same process with its environment untouched', () => {
    const r = start(['/bin/sh', '-c', 'printf "%s|%s|%s|" "$c" "$IFS" "$1"; [ -e /dev/fd/6 ] && echo leaked; echo done', 'x', 'arg one'], { c: 'kept' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`kept| \t\n|arg one|done\n`);
    expect(r.output[3]).toBe('R');
    expect(firstProgram(['true']).slice(0, 3)).toEqual(['/bin/sh', '-c', COMMAND_SCRIPT]);
    // Found on PATH the way execvp finds it.
    expect(start(['true']).status).toBe(0);
  });

  it('a command that cannot be found exits 127 without signalling', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gg-first-'));
    const plain = join(dir, 'not-executable');
    writeFileSync(plain, 'echo hi\n', { mode: 0o644 });
    for (const argv of [['no-such-command-here'], ['/no/such/file'], [plain], [dir], ['-rf']]) {
      const r = start(argv);
      expect(r.status).toBe(127);
      expect(r.stderr).toMatch(/guestguard-sandbox: .*: command not found/);
      expect(r.output[3]).toBe('');
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
