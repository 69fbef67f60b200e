/**
 * The sandbox CLI commands, run as a user would: a Node process with a commander program that
 * registers them (main.ts registration is separate), from the built JavaScript.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProgram } from '../../sandbox/seccomp/bpf.js';
import { canSandbox } from '../../sandbox/test-support.js';
import { runSpec } from './sandbox.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const BUILT = join(REPO, 'dist', 'cli', 'commands', 'sandbox.js');

function gg(args: string[], input?: string): { status: number; stdout: string; stderr: string; bytes: Buffer } {
  const script = `
    import { Command } from 'commander';
    import { registerSandboxCommands } from ${JSON.stringify(BUILT)};
    const program = new Command().name('guestguard').exitOverride();
    registerSandboxCommands(program);
    try { await program.parseAsync(process.argv.slice(1), { from: 'user' }); }
    catch (e) { process.exit(e.exitCode === 0 ? 0 : 2); }
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...args], {
    cwd: REPO,
    input: input ?? '',
    timeout: 120_000,
    maxBuffer: 64 << 20,
  });
  return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString(), bytes: r.stdout };
}

describe('run options', () => {
  const base = { seccomp: 'basic', net: 'none', ro: [], rw: [], env: [], systemBinds: true };

  it('turn into a sandbox spec', () => {
    const spec = runSpec(['node', '-v'], {
      ...base,
      memory: '512M',
      pids: '128',
      cpu: '10s',
      timeout: '30s',
      ro: ['/srv/pkg', '/srv/img.qcow2:/image'],
      rw: ['/srv/out'],
      env: ['A=1', 'B=x=y'],
      hostUser: '1234:5678',
    });
    expect(spec).toMatchObject({
      command: ['node', '-v'],
      limits: { memoryBytes: 512 * 1024 * 1024, pids: 128, cpuSeconds: 10 },
      timeoutMs: 30_000,
      ro: ['/srv/pkg', { host: '/srv/img.qcow2', sandbox: '/image' }],
      rw: ['/srv/out'],
      env: { A: '1', B: 'x=y' },
      seccomp: 'basic',
      network: 'none',
      hostUser: { uid: 1234, gid: 5678 },
    });
    expect(runSpec(['x'], { ...base, seccomp: './p.yaml' }).seccomp).toEqual({ file: './p.yaml' });
    expect(runSpec(['x'], { ...base, net: 'allow=192.0.2.1:443,db.example:5432/udp', firewall: 'test' }).network).toEqual({
      allow: ['192.0.2.1:443', 'db.example:5432/udp'],
      firewall: 'test',
    });
  });

  it.each([
    [{ memory: 'lots' }, /invalid --memory "lots"/],
    [{ pids: '-3' }, /invalid --pids/],
    [{ timeout: '5 parsecs' }, /invalid --timeout/],
    [{ net: 'host' }, /unsupported --net "host"/],
    [{ net: 'allow=' }, /empty allowlist/],
    [{ net: 'allow=127.0.0.1:6379' }, /loopback destination/],
    [{ net: 'allow=192.0.2.1:443', firewall: 'off' }, /invalid --firewall "off"/],
    [{ firewall: 'test' }, /--firewall applies to --net allow=/],
    [{ env: ['NOEQUALS'] }, /invalid --env/],
    [{ hostUser: 'root' }, /invalid --host-user/],
  ])('reject bad values: %o', (over, message) => {
    expect(() => runSpec(['x'], { ...base, ...over })).toThrow(message);
  });
});

describe.skipIf(!existsSync(BUILT))('guestguard seccomp dump', () => {
  it('disassembles a level for an architecture', () => {
    const r = gg(['seccomp', 'dump', '--level', 'basic', '--arch', 'aarch64']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# seccomp policy "basic" for aarch64 \(network none\): \d+ instructions/);
    expect(r.stdout).toContain('if (A == AUDIT_ARCH_AARCH64) /* A = arch */ goto 0002 else goto');
  });

  it('writes the raw sock_filter array', () => {
    const r = gg(['seccomp', 'dump', '--level', 'minimal', '--arch', 'x86_64', '--format', 'raw']);
    expect(r.status).toBe(0);
    const prog = decodeProgram(r.bytes);
    expect(prog[1]!.k).toBe(0xc000003e);
  });

  it('compiles a YAML policy, and names the field when it is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'guestguard-cli-policy-'));
    try {
      const good = join(dir, 'p.yaml');
      writeFileSync(good, 'extends: basic\nrules:\n  - { syscalls: [uname], action: errno:ENOSYS, rationale: hide the kernel version }\n');
      const r = gg(['seccomp', 'dump', '--policy', good, '--format', 'json']);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ policy: 'p' });
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'extends: basic\nrules:\n  - { syscalls: [unamee], action: allow, rationale: typo }\n');
      const e = gg(['seccomp', 'dump', '--policy', bad]);
      expect(e.status).toBe(2);
      expect(e.stderr.trim()).toBe(`guestguard: INVALID_ARGUMENT: ${bad}: rules[0].syscalls[0]: unknown syscall "unamee" (not on x86_64 or aarch64)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects unknown levels and architectures with one line', () => {
    expect(gg(['seccomp', 'dump', '--level', 'paranoid']).stderr.trim()).toBe('guestguard: INVALID_ARGUMENT: unknown --level "paranoid" (minimal, basic or permissive)');
    expect(gg(['seccomp', 'dump', '--arch', 'mips']).status).toBe(2);
  });
});

describe.skipIf(!existsSync(BUILT) || !canSandbox)('guestguard run and doctor', () => {
  it('exits with the command status and streams stdio', () => {
    const r = gg(['run', '--memory', '256M', '--pids', '64', '--timeout', '30s', '--', '/bin/sh', '-c', 'cat; echo " err" >&2; exit 5'], 'piped in');
    expect(r.stdout).toBe('piped in');
    expect(r.stderr).toBe(' err\n');
    expect(r.status).toBe(5);
  });

  it('runs node with a read-only bind and says which limit fired', () => {
    const ok = gg(['run', '--ro', process.execPath, '--', process.execPath, '-e', 'console.log(require("crypto").randomBytes(4).length)']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout.trim()).toBe('4');
    const slow = gg(['run', '--timeout', '300ms', '--stats', '--', 'sleep', '20']);
    expect(slow.status).toBe(137);
    expect(slow.stderr).toContain('guestguard: timeout limit reached; command stopped');
    expect(JSON.parse(slow.stderr.trim().split('\n').pop()!)).toMatchObject({ limit: 'timeout', signal: 'SIGKILL' });
  });

  it('denies through the chosen seccomp level', () => {
    const r = gg(['run', '--seccomp', 'minimal', '--', '/bin/sh', '-c', 'exec 3<>/dev/null; echo started']);
    expect(r.stdout).toBe('started\n');
    const killed = gg(['run', '--seccomp', 'minimal', '--ro', process.execPath, '--', process.execPath, '-e', 'require("net").connect(1,"127.0.0.1")']);
    expect(killed.status).toBe(128 + 31);
  });

  it('doctor reports each capability', () => {
    const r = gg(['doctor', '--json']);
    const report = JSON.parse(r.stdout) as { sandboxUsable: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    expect(r.status).toBe(report.sandboxUsable ? 0 : 1);
    expect(report.checks.map((c) => c.name)).toEqual(['bwrap', 'user-namespaces', 'cgroups', 'seccomp', 'rlimits', 'nft', 'net-tools', 'netns', 'veth', 'firewall', 'kvm']);
    expect(report.checks.find((c) => c.name === 'bwrap')!.ok).toBe(true);
    const text = gg(['doctor']);
    expect(text.stdout).toMatch(/^ok {3}bwrap {12}\/usr/m);
  });
});
