/** Test helpers for the sandbox layer: the syscall probe binary and running sandboxes to completion. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureDir, hasTool, run } from '../../test/helpers/fixtures.js';
import { detectBwrap } from './bwrap/detect.js';
import { spawn } from './index.js';
import type { SandboxResult, SandboxSpec } from './types.js';

export const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), 'testdata');

/** True when real sandboxes can run here (bwrap present); tests needing them are skipped otherwise. */
export const canSandbox = process.platform === 'linux' && typeof detectBwrap() !== 'string';
export const canBuildC = hasTool('gcc');

/**
 * Builds testdata/probe.c, statically when libc.a exists so it runs with no libraries bound.
 * Cached under .fixtures/ by source hash. Returns the folder holding `gg-probe`.
 */
export function probeDir(): string {
  const src = join(TESTDATA, 'probe.c');
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  return fixtureDir(`sandbox-probe-${hash}`, (dir) => {
    try {
      run('gcc', ['-static', '-O2', '-Wall', '-o', join(dir, 'gg-probe'), src]);
    } catch {
      run('gcc', ['-O2', '-Wall', '-o', join(dir, 'gg-probe'), src]);
    }
    if (!existsSync(join(dir, 'gg-probe'))) throw new Error('probe build produced nothing');
  });
}

export interface Finished {
  result: SandboxResult;
  stdout: string;
  stderr: string;
}

/** Runs a sandbox to completion, collecting its output. */
export async function runSandbox(spec: SandboxSpec, input?: string): Promise<Finished> {
  const sb = await spawn({ stdin: input === undefined ? 'ignore' : 'pipe', ...spec });
  let stdout = '';
  let stderr = '';
  sb.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  sb.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  if (input !== undefined) sb.stdin?.end(input);
  const result = await sb.wait();
  return { result, stdout, stderr };
}

export interface ProbeLine {
  name: string;
  ret: number;
  errno: number;
  errnoName: string;
}

/** Parses gg-probe output: "NAME ret=R errno=E ENAME" per call. */
export function parseProbe(stdout: string): ProbeLine[] {
  const out: ProbeLine[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) ret=(-?\d+) errno=(\d+) (\S+)$/.exec(line.trim());
    if (m) out.push({ name: m[1]!, ret: Number(m[2]), errno: Number(m[3]), errnoName: m[4]! });
    else if (/ unknown$/.test(line)) throw new Error(`probe does not know: ${line}`);
  }
  return out;
}
