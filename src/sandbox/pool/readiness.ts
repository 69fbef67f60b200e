/**
 * A warm sandbox is ready when Sandbox.ready() says so: the bwrap backend resolves it only once
 * the supervisor runs inside the finished sandbox (mounts made, seccomp filter applied) and
 * rejects it when the sandbox exits first, so a pool never hands out a sandbox that is about to
 * fail. This adds the deadline and the check that it is still waiting for its command.
 */
import { SandboxError } from '../errors.js';
import type { Sandbox } from '../types.js';

/** Waits until the warm sandbox is ready; rejects when it exits first (SandboxSetupError) or `timeoutMs` passes. */
export async function waitUntilWarm(sb: Sandbox, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SandboxError('setup-failed', `sandbox ${sb.id} not ready after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([sb.ready(), late]);
  } finally {
    clearTimeout(timer);
  }
  if (sb.state !== 'warm') throw new SandboxError('state', `sandbox ${sb.id} is ${sb.state}, not warm`);
}
