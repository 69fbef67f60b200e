/**
 * When is a warm sandbox really ready? bwrap reports its child's pid (what Sandbox.ready()
 * waits for) right after clone(), *before* it sets up mounts, the seccomp filter and the
 * command; a bind that cannot be made still fails after that. A pool must not hand out such a
 * sandbox, so it waits until the supervisor shell is running inside: a descendant of bwrap
 * whose command line is the supervisor's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { SUPERVISOR_SCRIPT } from '../bwrap/launch.js';
import { SandboxError } from '../errors.js';
import type { Sandbox } from '../types.js';

const SUPERVISOR_CMDLINE = `/bin/sh\0-c\0${SUPERVISOR_SCRIPT}\0`;
const MAX_DEPTH = 4;

function childrenOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.split(' ').filter(Boolean).map(Number);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return [];
    // Kernels without CONFIG_PROC_CHILDREN: scan every process for its parent.
    const out: number[] = [];
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(e));
      } catch {
        // gone
      }
    }
    return out;
  }
}

/** True when a descendant of `pid` (within a few levels) is the warm supervisor. */
export function supervisorRunning(pid: number): boolean {
  let level = [pid];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: number[] = [];
    for (const p of level) {
      for (const c of childrenOf(p)) {
        try {
          if (readFileSync(`/proc/${c}/cmdline`, 'latin1') === SUPERVISOR_CMDLINE) return true;
        } catch {
          continue;
        }
        next.push(c);
      }
    }
    level = next;
  }
  return false;
}

/** Waits until the warm sandbox's supervisor runs; rejects when the sandbox exits first or `timeoutMs` passes. */
export async function waitUntilWarm(sb: Sandbox, timeoutMs: number): Promise<void> {
  await sb.ready();
  const pid = sb.pid;
  if (pid === undefined) throw new SandboxError('setup-failed', `sandbox ${sb.id} has no process`);
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    if (sb.state === 'exited') {
      const r = await sb.wait();
      throw new SandboxError('setup-failed', r.setupError ?? `sandbox ${sb.id} exited while starting (status ${r.exitCode ?? r.signal})`);
    }
    if (sb.state !== 'warm') throw new SandboxError('state', `sandbox ${sb.id} is ${sb.state}, not warm`);
    if (supervisorRunning(pid)) return;
    if (Date.now() > deadline) throw new SandboxError('setup-failed', `sandbox ${sb.id} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 10);
  }
}
