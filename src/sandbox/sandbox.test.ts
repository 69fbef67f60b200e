/**
 * Real bubblewrap sandboxes: isolation, binds, limits (and which one fired), live stats, warm
 * sandboxes, teardown, and clear failures. Each test runs real programs inside.
 */
import { describe, expect, it, afterEach } from 'vitest';
import { spawn as spawnChild } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectCgroups, leftoverCgroups, pruneLeftoverCgroups } from './cgroups.js';
import { procTree } from './bwrap/sandbox.js';
import { parseCount, parseDuration, parseSize } from './units.js';
import { doctor, spawn, SandboxError } from './index.js';
import { canSandbox, runSandbox } from './test-support.js';

const isRoot = process.geteuid?.() === 0;
const sh = (script: string): string[] => ['/bin/sh', '-c', script];
const temps: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'guestguard-sbtest-'));
  chmodSync(d, 0o777); // writable by the unprivileged host user the sandbox runs as
  temps.push(d);
  return d;
}
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!canSandbox)('bubblewrap sandbox', () => {
  it('isolates: user, pid, net, uts, ipc, mount and cgroup namespaces; no caps; no_new_privs; seccomp', async () => {
    const { result, stdout, stderr } = await runSandbox({
      command: sh(
        'id -u; id -g; echo $$; hostname; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "; ' +
          'grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\\t" " "; ' +
          'for n in user pid net uts ipc mnt cgroup; do readlink /proc/self/ns/$n; done',
      ),
    });
    expect(result.exitCode, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.slice(0, 5)).toEqual(['1000', '1000', '2', 'guestguard', 'lo']);
    expect(lines.slice(5, 9)).toEqual(['CapEff: 0000000000000000', 'CapBnd: 0000000000000000', 'NoNewPrivs: 1', 'Seccomp: 2']);
    const inside = lines.slice(9);
    const host = ['user', 'pid', 'net', 'uts', 'ipc', 'mnt', 'cgroup'].map((n) => readlinkSync(`/proc/self/ns/${n}`));
    expect(inside).toHaveLength(7);
    inside.forEach((ns, i) => expect(ns).not.toBe(host[i]));
  });

  it('shows the system folders read-only and nothing private', async () => {
    const { result, stdout } = await runSandbox({
      command: sh(
        'ls / | tr "\\n" " "; echo; for p in /root /home /etc/shadow /etc/ssh /work; do [ -e $p ] && echo "present $p"; done; ' +
          'touch /usr/x 2>/dev/null || echo usr-ro; touch /x 2>/dev/null || echo root-ro; touch /tmp/x && echo tmp-rw; ' +
          'grep -c . /etc/passwd; id -un',
      ),
    });
    expect(result.exitCode).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]!.trim().split(' ')).toEqual(expect.arrayContaining(['bin', 'dev', 'etc', 'lib', 'proc', 'tmp', 'usr']));
    expect(stdout).not.toContain('present');
    expect(lines.slice(1)).toEqual(['usr-ro', 'root-ro', 'tmp-rw', '3', 'sandbox']);
  });

  it('binds extra paths read-only and read-write; files it creates belong to an unprivileged host user', async () => {
    const ro = tempDir();
    const rw = tempDir();
    writeFileSync(join(ro, 'in.txt'), 'input');
    const { result, stdout, stderr } = await runSandbox({
      command: sh('cat /data/in.txt; echo; echo x > /data/new 2>/dev/null || echo ro-denied; echo out > /out/result; echo done'),
      ro: [{ host: ro, sandbox: '/data' }],
      rw: [{ host: rw, sandbox: '/out' }],
    });
    expect(result.exitCode, stderr).toBe(0);
    expect(stdout).toBe('input\nro-denied\ndone\n');
    expect(readFileSync(join(rw, 'result'), 'utf8')).toBe('out\n');
    expect(existsSync(join(ro, 'new'))).toBe(false);
    if (isRoot) expect(statSync(join(rw, 'result')).uid).toBe(65534);
  });

  it('refuses to expose credentials or home folders, and missing paths', async () => {
    await expect(spawn({ command: ['true'], ro: ['/etc/shadow'] })).rejects.toThrow(/refusing to expose \/etc\/shadow/);
    await expect(spawn({ command: ['true'], ro: ['/root/.ssh'] })).rejects.toThrow(/refusing to expose/);
    await expect(spawn({ command: ['true'], rw: ['/home'] })).rejects.toThrow(/refusing to expose/);
    await expect(spawn({ command: ['true'], ro: ['/nonexistent/thing'] })).rejects.toThrow(/does not exist/);
    await expect(spawn({ command: ['true'], ro: ['relative/path'] })).rejects.toThrow(/absolute/);
    await expect(spawn({ command: ['true'], ro: [{ host: '/usr', sandbox: '/proc' }] })).rejects.toThrow(/cannot mount over \/proc/);
    await expect(spawn({ command: [] })).rejects.toBeInstanceOf(SandboxError);
  });

  it('passes exit status, stdin and stdout through', async () => {
    const { result, stdout } = await runSandbox({ command: sh('tr a-z A-Z; exit 7') }, 'hello sandbox');
    expect(stdout).toBe('HELLO SANDBOX');
    expect(result.exitCode).toBe(7);
    expect(result.signal).toBeNull();
    expect(result.limit).toBeNull();
  });

  it('stops at the time limit and says so', async () => {
    const t0 = Date.now();
    const { result } = await runSandbox({ command: ['sleep', '30'], timeoutMs: 400 });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(result.limit).toBe('timeout');
    expect(result.limitsHit).toContain('timeout');
  });

  it('stops at the memory limit and says so', async () => {
    const script = 'const a = []; for (;;) a.push(Buffer.alloc(8 << 20, 1));';
    const { result } = await runSandbox({
      command: [process.execPath, '-e', script],
      ro: [process.execPath],
      limits: { memoryBytes: 96 * 1024 * 1024 },
      timeoutMs: 60_000,
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.limit).toBe('memory');
    expect(result.stats.memoryPeakBytes ?? 0).toBeLessThanOrEqual(96 * 1024 * 1024);
  });

  it('caps the number of processes and reports the pids limit', async () => {
    const { result, stderr } = await runSandbox({
      command: sh('for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 2 & done; wait; exit 3'),
      limits: { pids: 6 },
      timeoutMs: 30_000,
    });
    expect(stderr).toMatch(/fork|Resource temporarily unavailable|Cannot/i);
    expect(result.limitsHit).toContain('pids');
    expect(result.limit).toBe('pids');
  });

  it('stops at the CPU-time limit and says so', async () => {
    const t0 = Date.now();
    const { result } = await runSandbox({ command: sh('while :; do :; done'), limits: { cpuSeconds: 1 }, timeoutMs: 30_000 });
    expect(result.limit).toBe('cpu');
    expect(Date.now() - t0).toBeLessThan(15_000);
    // RLIMIT_CPU (tick-sampled) may fire a little before the cgroup's precise accounting reaches 1 s.
    expect(result.stats.cpuMs).toBeGreaterThanOrEqual(700);
  });

  it('reports live stats while running', async () => {
    const sb = await spawn({ command: sh('sleep 0.6 & sleep 0.6 & x=0; while [ $x -lt 20000 ]; do x=$((x+1)); done; wait'), stdin: 'ignore' });
    await sb.ready();
    await new Promise((r) => setTimeout(r, 300));
    const live = await sb.stats();
    expect(live.pids).toBeGreaterThanOrEqual(3);
    expect(live.memoryBytes).toBeGreaterThan(0);
    expect(live.wallMs).toBeGreaterThanOrEqual(250);
    const done = await sb.wait();
    expect(done.exitCode).toBe(0);
    expect(done.stats.cpuMs).toBeGreaterThan(0);
    expect(await sb.stats()).toEqual(done.stats);
  });

  it('warm sandboxes wait for one command, then run it with its environment', async () => {
    const sb = await spawn({ stdin: 'ignore', env: { BASE: 'b' } });
    await sb.ready();
    expect(sb.state).toBe('warm');
    let out = '';
    sb.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    await sb.exec(['/bin/sh', '-c', 'echo "$BASE $FOO"; pwd; printf "%s|" "$@"', 'sh', "it's", 'two words', '$HOME', 'new\nline'], {
      env: { FOO: "x'y" },
      cwd: '/usr',
    });
    expect(sb.state).toBe('running');
    await expect(sb.exec(['true'])).rejects.toThrow(/runs once/);
    const r = await sb.wait();
    expect(r.exitCode).toBe(0);
    expect(out).toBe("b x'y\n/usr\nit's|two words|$HOME|new\nline|");
    const direct = await spawn({ command: ['true'], stdin: 'ignore' });
    await expect(direct.exec(['true'])).rejects.toThrow(/warm sandboxes/);
    await direct.wait();
  });

  it('destroy() kills everything and removes its cgroups', async () => {
    const sb = await spawn({ command: sh('sleep 60 & sleep 60 & wait'), stdin: 'ignore' });
    await sb.ready();
    const t0 = Date.now();
    const r = await sb.destroy();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.signal).toBe('SIGKILL');
    const mine = leftoverCgroups(detectCgroups(), `guestguard-${process.pid}-`);
    expect(mine).toEqual([]);
  });

  // Needs the built JavaScript (npm run build) for the helper process.
  const builtEntry = join(import.meta.dirname, '..', '..', 'dist', 'sandbox', 'index.js');
  it.skipIf(!existsSync(builtEntry))('the sandbox dies when guestguard is killed (parent-death signal)', async () => {
    const entry = builtEntry;
    // A child Node process starts a sandbox and is then SIGKILLed; the sandbox must not outlive it.
    const script = `
      const { spawn } = await import(${JSON.stringify(entry)});
      const sb = await spawn({ command: ['sleep', '60'], stdin: 'ignore' });
      await sb.ready();
      console.log(sb.pid);
      setInterval(() => {}, 1000);
    `;
    const child = spawnChild(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.stdout!.once('data', (c: Buffer) => resolve(Number(c.toString().trim())));
      child.once('exit', (code) => reject(new Error(`helper exited ${code}`)));
    });
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    // Let bwrap finish setting up: a parent that dies mid-setup can escape the signal (pruning below covers that).
    await new Promise((r) => setTimeout(r, 500));
    const inner = sandboxPids(pid);
    expect(inner.length).toBeGreaterThan(0);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const anyAlive = (): boolean => [pid, ...inner].some((p) => existsSync(`/proc/${p}`));
    for (let i = 0; i < 50 && anyAlive(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(anyAlive()).toBe(false);
    // The killed guestguard could not remove its cgroups; the next one (or a concurrent one) prunes them.
    const support = detectCgroups();
    const prefix = `guestguard-${child.pid}-`;
    // The kernel empties the cgroups asynchronously after the kill.
    for (let i = 0; i < 50 && leftoverCgroups(support, prefix).length > 0; i++) {
      pruneLeftoverCgroups(support);
      await new Promise((r) => setTimeout(r, 100));
    }
    const left = leftoverCgroups(support, prefix).map((d) => `${d}: ${readFileSync(join(d, "cgroup.procs"), "utf8").trim() || "empty"}`);
    expect(left).toEqual([]);
  });

  it('reports a backend that fails before starting the command, with its message', async () => {
    const dir = tempDir();
    const fake = join(dir, 'bwrap');
    writeFileSync(fake, '#!/bin/sh\n[ "$1" = --version ] && { echo "bubblewrap 0.8.0"; exit 0; }\necho "bwrap: Creating new namespace failed: simulated" >&2\nexit 1\n', { mode: 0o755 });
    process.env['GUESTGUARD_BWRAP'] = fake;
    try {
      const sb = await spawn({ command: ['true'], stdin: 'ignore' });
      await expect(sb.ready()).rejects.toThrow(/Creating new namespace failed: simulated/);
      const r = await sb.wait();
      expect(r.setupError).toMatch(/simulated/);
    } finally {
      delete process.env['GUESTGUARD_BWRAP'];
    }
  });

  it('reports a missing backend clearly', async () => {
    process.env['GUESTGUARD_BWRAP'] = '/nonexistent/bwrap';
    try {
      await expect(spawn({ command: ['true'] })).rejects.toThrow(/nonexistent\/bwrap --version failed/);
      const report = await doctor();
      expect(report.sandboxUsable).toBe(false);
      expect(report.checks.find((c) => c.name === 'bwrap')).toMatchObject({ ok: false, detail: expect.stringMatching(/--version failed/) });
    } finally {
      delete process.env['GUESTGUARD_BWRAP'];
    }
  });
});

/** Descendants of a host pid (the sandbox's inner bwrap and command). */
function sandboxPids(root: number): number[] {
  const out: number[] = [];
  const parents = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      parents.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const walk = (p: number): void => {
    for (const [child, parent] of parents) if (parent === p) (out.push(child), walk(child));
  };
  walk(root);
  return out;
}

describe('units and procfs stats', () => {
  it('parse sizes, durations and counts', () => {
    expect(parseSize('512M')).toBe(512 * 1024 * 1024);
    expect(parseSize('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('4096')).toBe(4096);
    expect(() => parseSize('0')).toThrow();
    expect(() => parseSize('12 parsecs')).toThrow(/invalid size/);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('10')).toBe(10_000);
    expect(() => parseDuration('-1s')).toThrow();
    expect(parseCount('128', 'pids')).toBe(128);
    expect(() => parseCount('1.5', 'pids')).toThrow(/positive integer/);
  });

  it('sums a process tree from /proc when there are no cgroups', () => {
    const t = procTree(process.pid);
    expect(t.count).toBeGreaterThanOrEqual(1);
    expect(t.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(t.cpuMs).toBeGreaterThan(0);
    expect(procTree(undefined)).toEqual({ count: 0, rssBytes: 0, cpuMs: 0 });
  });
});
