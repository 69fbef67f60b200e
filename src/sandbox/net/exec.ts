/** Runs the host's network tools (ip, nft, nsenter) and keeps what a typed error needs. */
import { spawn } from 'node:child_process';
import { findExecutable } from '../bwrap/launch.js';

export interface CmdResult {
  argv: string[];
  /** Exit status; null when the command was killed (timeout) or could not start. */
  code: number | null;
  stdout: string;
  stderr: string;
  input?: string;
}

const DEFAULT_TIMEOUT_MS = 20_000;
const MAX_OUTPUT = 4 << 20;

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
}

/** Runs a command to completion; never throws (a failure to start shows as code null + stderr). */
export function runCmd(file: string, args: readonly string[], o: RunOptions = {}): Promise<CmdResult> {
  const argv = [file, ...args];
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const done = (code: number | null, extra = ''): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ argv, code, stdout, stderr: stderr + extra, ...(o.input !== undefined ? { input: o.input } : {}) });
    };
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(null, `\n(killed after ${o.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms)`);
    }, o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout.on('data', (c: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += c.toString('utf8');
    });
    child.once('error', (err) => done(null, err.message));
    child.once('close', (code) => done(code));
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.input ?? '');
  });
}

export interface NetTools {
  ip?: string;
  nft?: string;
  nsenter?: string;
}

let cached: NetTools | undefined;

/** ip (iproute2), nft (nftables) and nsenter (util-linux), where present. */
export function netTools(): NetTools {
  if (!cached) {
    cached = {};
    for (const name of ['ip', 'nft', 'nsenter'] as const) {
      const p = findExecutable(name);
      if (p) cached[name] = p;
    }
  }
  return cached;
}

/** EPERM/EACCES wording from ip and nft. */
export function looksLikePermission(stderr: string): boolean {
  return /operation not permitted|permission denied/i.test(stderr);
}
