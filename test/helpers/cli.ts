import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './fixtures.js';

export const GUESTGUARD = join(REPO_ROOT, 'bin', 'guestguard');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

/** Runs ./bin/guestguard exactly as a user would. */
export function cli(args: string[], opts: { timeoutMs?: number; cwd?: string } = {}): CliResult {
  const r = spawnSync(GUESTGUARD, args, { cwd: opts.cwd ?? REPO_ROOT, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 1 << 30 });
  return {
    status: r.status ?? -1,
    stdout: r.stdout?.toString('utf8') ?? '',
    stderr: r.stderr?.toString('utf8') ?? '',
    stdoutBytes: r.stdout ?? Buffer.alloc(0),
  };
}

/** Asserts the CLI failed the way bad input must: exit 2, exactly one stderr line, no stack trace. */
export function expectCleanFailure(r: CliResult): string {
  if (r.status !== 2) throw new Error(`expected exit 2, got ${r.status}; stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  if (lines.length !== 1) throw new Error(`expected one stderr line, got ${lines.length}:\n${r.stderr}`);
  if (/\n\s+at |TypeError|RangeError|ReferenceError/.test(r.stderr)) throw new Error(`stack trace or JS error leaked:\n${r.stderr}`);
  return lines[0]!;
}
