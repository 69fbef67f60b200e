/** Spawning `guestguard serve` / `guestguard worker` processes for tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from '../../helpers/fixtures.js';
import { guestguardJobsCommand } from './js-build.js';

export interface Spawned {
  proc: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code/signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `wrap`: a command to run guestguard under (e.g. strace and its options). */
export function spawnGuestguard(args: string[], env: Record<string, string> = {}, wrap: string[] = []): Spawned {
  const { command, args: full } = guestguardJobsCommand(args);
  const [exe, ...rest] = [...wrap, command, ...full];
  const proc = spawn(exe!, rest, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  proc.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    proc,
    stderr: () => err,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

/** Starts `guestguard serve --port 0 ...` and returns its URL once it listens. */
export async function startServe(args: string[], timeoutMs = 60_000, wrap: string[] = []): Promise<Spawned & { url: string }> {
  const s = spawnGuestguard(['serve', '--port', '0', '--log-level', 'warn', ...args], {}, wrap);
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = /listening on (http:\/\/\S+)/.exec(s.stderr());
    if (m) return { ...s, url: m[1]! };
    if (s.proc.exitCode !== null || Date.now() > end) {
      await s.kill('SIGKILL');
      throw new Error(`serve did not start: ${s.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
