/**
 * The seccomp filters, proven by real attempts: a static C probe makes each system call inside a
 * real bwrap sandbox and prints the errno the kernel returned.
 *
 * EPERM alone would not prove much, since an unprivileged process gets EPERM for most of these
 * from the kernel anyway. So each deny test runs twice: with the real `basic` filter (expect
 * EPERM) and with the same policy compiled with EPERM remapped to EHWPOISON (133), an errno the
 * kernel never returns for these calls: seeing 133 proves the filter made the decision.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { join } from 'node:path';
import { builtinPolicy } from './seccomp/levels.js';
import { remapErrno } from './seccomp/policy.js';
import { ERRNO } from './seccomp/constants.js';
import { canBuildC, canSandbox, parseProbe, probeDir, runSandbox, type ProbeLine } from './test-support.js';
import type { SandboxSpec } from './types.js';

const MARK = ERRNO['EHWPOISON']!;

/** One harmless attempt per denied syscall (bad pointers, -1 fds, no-op flags). */
const DENIED: Record<string, string> = {
  mount: 'mount 0 0 0 0 0',
  umount2: 'umount2 0 0',
  pivot_root: 'pivot_root 0 0',
  chroot: 'chroot 0',
  unshare: 'unshare 0',
  setns: 'setns -1 0',
  ptrace: 'ptrace 99999 0 0 0',
  process_vm_readv: 'process_vm_readv self 0 0 0 0 0',
  process_vm_writev: 'process_vm_writev self 0 0 0 0 0',
  kexec_load: 'kexec_load 0 0 0 0',
  kexec_file_load: 'kexec_file_load -1 -1 0 0 0',
  init_module: 'init_module 0 0 0',
  finit_module: 'finit_module -1 0 0',
  delete_module: 'delete_module 0 0',
  bpf: 'bpf 0xffff 0 0',
  perf_event_open: 'perf_event_open 0 0 -1 -1 0',
  keyctl: 'keyctl 0 0 0 0 0',
  add_key: 'add_key 0 0 0 0 0',
  request_key: 'request_key 0 0 0 0',
  userfaultfd: 'userfaultfd 0',
  reboot: 'reboot 0 0 0 0',
  swapon: 'swapon 0 0',
  swapoff: 'swapoff 0',
  open_by_handle_at: 'open_by_handle_at -1 0 0',
  acct: 'acct 0',
  settimeofday: 'settimeofday 0 0',
  clock_settime: 'clock_settime 0 0',
  iopl: 'iopl 0',
  ioperm: 'ioperm 0 0 0',
  quotactl: 'quotactl 0 0 0 0',
  syslog: 'syslog 10 0 0',
  kcmp: 'kcmp self self 0 0 0',
  io_uring_setup: 'io_uring_setup 0 0',
};
const ARCH_SPECIFIC = new Set(process.arch === 'x64' ? [] : ['iopl', 'ioperm']);

const CHECKS = {
  // The x32 TIOCSTI trick: high bits set in the command; the kernel reads an unsigned int.
  tiocsti: 'ioctl 0 0x5412 buf',
  tiocstiHigh: 'ioctl 0 0x100005412 buf',
  tcgets: 'ioctl 0 0x5401 buf',
  afInet: 'socket 2 1 0',
  afInet6: 'socket 10 1 0',
  afUnix: 'socket 1 1 0',
  pairInet: 'socketpair 2 1 0 buf',
  pairUnix: 'socketpair 1 1 0 buf',
  cloneNewuser: 'clone 0x10000011',
  cloneNewnet: 'clone 0x40000011',
  fork: 'fork',
  clone3: 'clone3 0 0',
  personalityQuery: 'personality 0xffffffff',
  personalityExec: 'personality 0x400000',
};

describe.skipIf(!canSandbox || !canBuildC)('seccomp filters against real system calls', () => {
  let probe: string;
  beforeAll(() => {
    probe = probeDir();
  });

  const probeSpec = (calls: string[], seccomp: SandboxSpec['seccomp']): SandboxSpec => ({
    command: ['/probe/gg-probe', ...calls],
    ro: [{ host: probe, sandbox: '/probe' }],
    systemBinds: false,
    seccomp,
    timeoutMs: 30_000,
  });

  async function attempt(calls: string[], seccomp: SandboxSpec['seccomp']): Promise<Map<string, ProbeLine>> {
    const { result, stdout, stderr } = await runSandbox(probeSpec(calls, seccomp));
    expect(result.setupError, stderr).toBeUndefined();
    expect(result.exitCode, stderr).toBe(0);
    const lines = parseProbe(stdout);
    expect(lines).toHaveLength(calls.length);
    return new Map(lines.map((l, i) => [Object.keys(DENIED)[i] ?? l.name, l]));
  }

  const names = Object.keys(DENIED).filter((n) => !ARCH_SPECIFIC.has(n));
  const calls = names.map((n) => DENIED[n]!);

  it('basic denies every syscall on the deny list with EPERM', async () => {
    const { stdout, result } = await runSandbox(probeSpec(calls, 'basic'));
    expect(result.exitCode).toBe(0);
    const lines = parseProbe(stdout);
    expect(lines.map((l) => l.name)).toEqual(names);
    for (const l of lines) expect(`${l.name}: ${l.errnoName}`).toBe(`${l.name}: EPERM`);
  });

  it('the EPERMs come from the filter, not the kernel (remapped errno shows through)', async () => {
    const marked = remapErrno(builtinPolicy('basic'), ERRNO['EPERM']!, MARK);
    const { stdout } = await runSandbox(probeSpec(calls, marked));
    for (const l of parseProbe(stdout)) expect(`${l.name}: ${l.errno}`).toBe(`${l.name}: ${MARK}`);
  });

  it('without a filter the same calls are not all EPERM (the test can tell the difference)', async () => {
    const { stdout } = await runSandbox(probeSpec(calls, false));
    const lines = parseProbe(stdout);
    // unshare(0) is a no-op and setns(-1) a bad fd: both succeed or fail differently unfiltered.
    expect(lines.find((l) => l.name === 'unshare')!.ret).toBe(0);
    expect(lines.find((l) => l.name === 'setns')!.errnoName).toBe('EBADF');
    expect(lines.filter((l) => l.errno !== ERRNO['EPERM']).length).toBeGreaterThan(5);
  });

  it('permissive denies the same list', async () => {
    const marked = remapErrno(builtinPolicy('permissive'), ERRNO['EPERM']!, MARK);
    const { stdout } = await runSandbox(probeSpec(calls, marked));
    for (const l of parseProbe(stdout)) expect(`${l.name}: ${l.errno}`).toBe(`${l.name}: ${MARK}`);
  });

  for (const level of ['basic', 'permissive'] as const) {
    it(`${level}: argument filters (TIOCSTI, socket families, clone flags, clone3, personality)`, async () => {
      const marked = remapErrno(builtinPolicy(level), ERRNO['EPERM']!, MARK);
      const checks = Object.values(CHECKS);
      const { stdout, result } = await runSandbox(probeSpec(checks, marked));
      expect(result.exitCode).toBe(0);
      const got = Object.fromEntries(Object.keys(CHECKS).map((k, i) => [k, parseProbe(stdout)[i]!]));
      expect(got['tiocsti']!.errno).toBe(MARK);
      expect(got['tiocstiHigh']!.errno).toBe(MARK);
      expect(got['tcgets']!.errnoName).toBe('ENOTTY'); // other ioctls reach the kernel
      expect(got['afInet']!.errno).toBe(MARK);
      expect(got['afInet6']!.errno).toBe(MARK);
      expect(got['afUnix']!.ret).toBeGreaterThanOrEqual(0);
      expect(got['pairInet']!.errno).toBe(MARK); // unfiltered, the kernel says EOPNOTSUPP
      expect(got['pairUnix']!.ret).toBe(0);
      expect(got['cloneNewuser']!.errno).toBe(MARK);
      expect(got['cloneNewnet']!.errno).toBe(MARK);
      expect(got['fork']!.ret).toBe(0);
      expect(got['clone3']!.errnoName).toBe('ENOSYS');
      expect(got['personalityQuery']!.ret).toBeGreaterThanOrEqual(0);
      expect(got['personalityExec']!.errno).toBe(MARK);
    });
  }

  it('x32-ABI syscall numbers kill the process (x86_64)', async () => {
    if (process.arch !== 'x64') return;
    const { result, stdout } = await runSandbox(probeSpec(['getpid', 'x32 getpid', 'getpid'], 'basic'));
    expect(parseProbe(stdout)).toHaveLength(1);
    expect(result.exitCode).toBe(128 + 31);
    expect(result.signal).toBe('SIGSYS');
  });

  it('a foreign architecture (i386 int 0x80) kills the process', async () => {
    if (process.arch !== 'x64') return;
    const { result, stdout } = await runSandbox(probeSpec(['getpid', 'i386', 'getpid'], 'permissive'));
    expect(parseProbe(stdout)).toHaveLength(1);
    expect(result.signal).toBe('SIGSYS');
  });

  it('without a filter, the i386 and x32 attempts do not kill (so the kills above are the filter)', async () => {
    if (process.arch !== 'x64') return;
    const { result, stdout } = await runSandbox(probeSpec(['x32 getpid', 'i386'], false));
    expect(result.exitCode).toBe(0);
    expect(parseProbe(stdout)).toHaveLength(2);
  });

  it('minimal kills on a syscall outside its allowlist', async () => {
    for (const call of ['acct 0', 'socket 1 1 0', 'mount 0 0 0 0 0']) {
      const { result, stdout } = await runSandbox(probeSpec(['getpid', call, 'getpid'], 'minimal'));
      expect(parseProbe(stdout).map((l) => l.name), call).toEqual(['getpid']);
      expect(result.signal, call).toBe('SIGSYS');
    }
  });

  it('minimal still answers probes with errnos, not kills (clone3, io_uring)', async () => {
    const r = await attempt(['clone3 0 0', 'io_uring_setup 0 0', 'fork'], 'minimal');
    const lines = [...r.values()];
    expect(lines.map((l) => l.errnoName)).toEqual(['ENOSYS', 'ENOSYS', 'OK']);
  });

  it('a long custom policy (far jumps through trampolines) loads and behaves', async () => {
    // 40 argument-checked rules on personality push the getpid/ioctl leaves far apart.
    const base = builtinPolicy('basic');
    const padding = Array.from({ length: 120 }, (_, i) => ({
      syscalls: ['personality'],
      action: { type: 'errno' as const, errno: 100 + (i % 20) },
      args: [{ index: 0, op: 'eq' as const, value: BigInt(0x1000 + i), width: 32 as const }],
      rationale: 'padding to force long jumps',
    }));
    const policy = { ...base, name: 'long', rules: [...padding, ...base.rules] };
    const { compilePolicy } = await import('./seccomp/compiler.js');
    const compiled = compilePolicy(policy, { arch: process.arch === 'x64' ? 'x86_64' : 'aarch64' });
    expect(compiled.program.length).toBeGreaterThan(300);
    expect(compiled.program.some((ins) => ins.code === 0x05)).toBe(true); // BPF_JMP|BPF_JA trampolines
    const r = await attempt(['personality 0x1005', 'personality 0x1019', 'acct 0', 'getuid', 'personality 0xffffffff'], policy);
    const [p1, p2, acct, uid, query] = [...r.values()];
    expect(p1!.errno).toBe(105);
    expect(p2!.errno).toBe(105); // 0x1019 = 0x1000 + 25 → 100 + 5
    expect(acct!.errnoName).toBe('EPERM');
    expect(uid!.ret).toBe(1000);
    expect(query!.ret).toBeGreaterThanOrEqual(0);
  });
});

describe.skipIf(!canSandbox)('ordinary work under the basic filter', () => {
  it('node does file and crypto work', async () => {
    const script = `
      const fs = require('fs'), crypto = require('crypto'), os = require('os');
      fs.mkdirSync('/tmp/w/x', { recursive: true });
      fs.writeFileSync('/tmp/w/x/a.txt', 'hello');
      const h = crypto.createHash('sha256').update(fs.readFileSync('/tmp/w/x/a.txt')).digest('hex');
      const key = crypto.generateKeyPairSync('ed25519');
      const sig = crypto.sign(null, Buffer.from('m'), key.privateKey);
      const ok = crypto.verify(null, Buffer.from('m'), key.publicKey, sig);
      fs.renameSync('/tmp/w/x/a.txt', '/tmp/w/b.txt');
      setTimeout(() => console.log(JSON.stringify({ h, ok, files: fs.readdirSync('/tmp/w'), cpus: os.cpus().length > 0, user: os.userInfo().username })), 5);
    `;
    const { result, stdout, stderr } = await runSandbox({ command: [process.execPath, '-e', script], ro: [process.execPath], timeoutMs: 60_000 });
    expect(result.exitCode, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      h: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
      ok: true,
      files: ['b.txt', 'x'],
      cpus: true,
      user: 'sandbox',
    });
  });

  it('node also runs under minimal', async () => {
    const script = `const fs=require('fs');fs.writeFileSync('/tmp/a','x');console.log(require('crypto').createHash('md5').update(fs.readFileSync('/tmp/a')).digest('hex'))`;
    const { result, stdout, stderr } = await runSandbox({ command: [process.execPath, '-e', script], ro: [process.execPath], seccomp: 'minimal', timeoutMs: 60_000 });
    expect(result.exitCode, stderr).toBe(0);
    expect(stdout.trim()).toBe('9dd4e461268c8034f5c8564e155c67a6');
  });

  it('node cannot open an IP socket (network none + filter) but AF_UNIX works', async () => {
    const script = `
      const net = require('net');
      const s = net.connect(80, '127.0.0.1');
      s.on('error', (e) => {
        const srv = net.createServer().listen('/tmp/sock', () => { console.log(e.code + ' unix-ok'); srv.close(); });
      });
    `;
    const { result, stdout, stderr } = await runSandbox({ command: [process.execPath, '-e', script], ro: [process.execPath], timeoutMs: 60_000 });
    expect(result.exitCode, stderr).toBe(0);
    expect(stdout.trim()).toBe('EPERM unix-ok');
  });

  it('guestguard itself inspects a disk image inside the sandbox', async () => {
    const repo = join(import.meta.dirname, '..', '..');
    const { existsSync } = await import('node:fs');
    const sample = join(repo, 'examples', 'sample.qcow2');
    if (!existsSync(join(repo, 'dist', 'cli', 'main.js')) || !existsSync(sample)) return;
    const { result, stdout, stderr } = await runSandbox({
      command: [process.execPath, join(repo, 'bin', 'guestguard'), 'disk', sample, '--json'],
      ro: [process.execPath, join(repo, 'bin'), join(repo, 'dist'), join(repo, 'node_modules'), join(repo, 'package.json'), sample],
      timeoutMs: 60_000,
      limits: { memoryBytes: 512 * 1024 * 1024, pids: 64 },
    });
    expect(result.exitCode, stderr).toBe(0);
    const report = JSON.parse(stdout) as { format?: string; image?: { format?: string } };
    expect(JSON.stringify(report)).toContain('qcow2');
  });
});
