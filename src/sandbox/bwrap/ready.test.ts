/**
 * Sandbox.ready() with real bwrap: when it resolves, the sandbox's first program is already
 * running inside the finished sandbox (seccomp filter on, own mount namespace), as seen from the
 * host at that very moment; when the sandbox exits first it rejects with SandboxSetupError.
 */
import { chmodSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SandboxSetupError } from '../errors.js';
import { spawn } from '../index.js';
import { canSandbox } from '../test-support.js';
import type { Sandbox } from '../types.js';
import { firstProgram, SUPERVISOR_SCRIPT } from './launch.js';

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

interface Seen {
  cmdline: string;
  seccomp: string | undefined;
  noNewPrivs: string | undefined;
  sameMountNs: boolean;
}

/**
 * The sandbox's first program as it is right now: bwrap (the pid we started) → the sandbox's
 * init (bwrap's clone) → the first program (bwrap's fork, exec'd once set up).
 */
function observeFirst(sb: Sandbox): Seen | string {
  const init = children(sb.pid!);
  if (init.length !== 1) return `bwrap has ${init.length} children`;
  const first = children(init[0]!);
  if (first.length !== 1) return `the sandbox init has ${first.length} children`;
  const pid = first[0]!;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(status)?.[1];
  return {
    cmdline: readFileSync(`/proc/${pid}/cmdline`, 'latin1'),
    seccomp: field('Seccomp'),
    noNewPrivs: field('NoNewPrivs'),
    sameMountNs: readlinkSync(`/proc/${pid}/ns/mnt`) === readlinkSync('/proc/self/ns/mnt'),
  };
}

/** Waits for ready() and looks at the sandbox in the same tick. */
async function atReady(sb: Sandbox): Promise<Seen | string> {
  return sb.ready().then(() => observeFirst(sb));
}

describe.skipIf(!canSandbox)('Sandbox.ready() (real bwrap)', () => {
  it('resolves only once the first program runs in the finished sandbox: filtered, in its own mount namespace', async () => {
    // Several at once, so set-up is slow and a readiness that came too early would be caught.
    const warm = await Promise.all(Array.from({ length: 4 }, () => spawn({ stdin: 'pipe', stdout: 'ignore', stderr: 'ignore' })));
    const cold = await Promise.all(Array.from({ length: 4 }, () => spawn({ command: ['/bin/sleep', '30'], stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' })));
    try {
      const seen = await Promise.all([...warm, ...cold].map(atReady));
      const argv = (a: string[]): string => a.map((w) => `${w}\0`).join('');
      for (const [i, s] of seen.entries()) {
        expect(s).toEqual({
          // The supervisor; for a command, the few lines of sh that signal and exec it in place (or already the command).
          cmdline: i < warm.length ? argv(['/bin/sh', '-c', SUPERVISOR_SCRIPT]) : expect.toBeOneOf([argv(firstProgram(['/bin/sleep', '30'])), argv(['/bin/sleep', '30'])]),
          seccomp: '2',
          noNewPrivs: '1',
          sameMountNs: false,
        });
      }
      for (const sb of warm) expect(sb.state).toBe('warm');
    } finally {
      await Promise.all([...warm, ...cold].map((sb) => sb.destroy()));
    }
  });

  it('a warm sandbox that became ready runs its command', async () => {
    const sb = await spawn({ stdin: 'ignore', stderr: 'ignore' });
    await sb.ready();
    let out = '';
    sb.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    await sb.exec(['/bin/sh', '-c', 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status | tr -s "\\t" " "']);
    const r = await sb.wait();
    expect(r.exitCode).toBe(0);
    expect(out).toBe('NoNewPrivs: 1\nSeccomp: 2\n');
  });

  it('rejects with SandboxSetupError (stage "command", status 127) for a command that does not exist', async () => {
    let stderr = '';
    const sb = await spawn({ command: ['/no/such/program', '--flag'], stdin: 'ignore' });
    sb.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const err = await sb.ready().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SandboxSetupError);
    expect(err).toMatchObject({ stage: 'command', failure: 'setup-failed', exitCode: 127, message: expect.stringMatching(/\/no\/such\/program: command not found/) });
    const r = await sb.wait();
    expect(r.exitCode).toBe(127);
    expect(r.setupError).toBeUndefined();
    expect(stderr).toMatch(/command not found/);
    // Looked up on PATH as execvp would: a bare name that is nowhere on it fails the same way.
    const bare = await spawn({ command: ['no-such-program-anywhere'], stdin: 'ignore', stderr: 'ignore' });
    await expect(bare.ready()).rejects.toMatchObject({ stage: 'command', exitCode: 127 });
    await bare.wait();
  });

  it('rejects with SandboxSetupError (stage "bwrap") when bwrap fails after reporting the sandbox pid', async () => {
    // A bind bwrap itself cannot make (a root-only folder, bwrap running as nobody), else a
    // mount target it cannot create: bwrap has cloned and reported the child pid by then.
    const dir = mkdtempSync(join(tmpdir(), 'gg-ready-'));
    writeFileSync(join(dir, 'secret'), 'x');
    chmodSync(dir, 0o700);
    try {
      const ro = process.geteuid?.() === 0 ? [join(dir, 'secret')] : [{ host: '/usr', sandbox: '/proc/sys/not-here' }];
      for (const spec of [{ ro }, { ro, command: ['/bin/true'] }]) {
        const sb = await spawn({ ...spec, stdin: 'ignore' });
        const err = await sb.ready().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(SandboxSetupError);
        expect(err).toMatchObject({ stage: 'bwrap', failure: 'setup-failed', stderr: expect.stringMatching(/bwrap/) });
        const r = await sb.wait();
        expect(r.setupError).toMatch(/bwrap/);
        expect((err as Error).message).toContain(r.setupError);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects with SandboxSetupError (stage "destroyed") when destroyed before it was ready', async () => {
    const sb = await spawn({ stdin: 'ignore' });
    const ready = sb.ready().then(
      () => 'ready',
      (e: unknown) => e,
    );
    const r = await sb.destroy();
    const outcome = await ready;
    // Destroying right after spawn() normally wins; if the sandbox was quicker it was ready first.
    if (outcome !== 'ready') {
      expect(outcome).toBeInstanceOf(SandboxSetupError);
      expect(outcome).toMatchObject({ stage: 'destroyed' });
      expect(r.setupError).toBeUndefined();
    }
    expect(r.signal).toBe('SIGKILL');
  });
});
