/** Finds bubblewrap and what its version supports. */
import { execFileSync } from 'node:child_process';
import { findExecutable } from './launch.js';

export interface BwrapInfo {
  path: string;
  version: string;
  /** --disable-userns appeared in 0.8.0. */
  disableUserns: boolean;
}

let cached: { key: string; value: BwrapInfo | string } | undefined;

/** The bwrap on this host, or a sentence saying why there is none. */
export function detectBwrap(refresh = false): BwrapInfo | string {
  const key = process.env['GUESTGUARD_BWRAP'] ?? '';
  if (cached !== undefined && cached.key === key && !refresh) return cached.value;
  const value = probe(key || undefined);
  cached = { key, value };
  return value;
}

function probe(explicit: string | undefined): BwrapInfo | string {
  const path = explicit ?? findExecutable('bwrap');
  if (!path) return 'bwrap not found on PATH (install the Debian package "bubblewrap")';
  try {
    const out = execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    const version = /(\d+\.\d+(?:\.\d+)?)/.exec(out)?.[1] ?? '0';
    return { path, version, disableUserns: versionAtLeast(version, [0, 8, 0]) };
  } catch (err) {
    return `${path} --version failed: ${(err as Error).message.split('\n')[0]}`;
  }
}

export function versionAtLeast(version: string, want: readonly number[]): boolean {
  const got = version.split('.').map(Number);
  for (let i = 0; i < want.length; i++) {
    const g = got[i] ?? 0;
    if (g !== want[i]) return g > want[i]!;
  }
  return true;
}
