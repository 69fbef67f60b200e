/** Runs inside the sandbox (thread or child process): loads the handler and reports back. */
import { getHeapStatistics } from 'node:v8';
import { performance } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';
import { JobError, serializeError } from '../errors.js';
import type { HandlerContext, HandlerOutput, JobHandlerFunction } from '../handlers/types.js';
import type { SandboxInput, SandboxMessage, SandboxUsage } from './protocol.js';

function memoryMb(): number {
  if (isMainThread) return process.memoryUsage().rss / 1048576;
  // In a thread the process RSS is shared with the worker; the isolate heap is this job's own.
  const h = getHeapStatistics();
  return (h.used_heap_size + h.external_memory) / 1048576;
}

function checkOutput(out: unknown): HandlerOutput {
  if (out === undefined || out === null) return {};
  if (typeof out !== 'object' || Array.isArray(out)) {
    throw new JobError('EXECUTION_ERROR', 'handler must return an object {outputs?, data?, metrics?}');
  }
  return out as HandlerOutput;
}

export async function runInSandbox(input: SandboxInput, signal: AbortSignal, post: (m: SandboxMessage) => void): Promise<void> {
  let peak = memoryMb();
  const sampler = setInterval(() => {
    peak = Math.max(peak, memoryMb());
  }, 200);
  sampler.unref();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const usage = (): SandboxUsage => {
    peak = Math.max(peak, memoryMb());
    let cpu: number;
    if (isMainThread) {
      const c = process.cpuUsage(cpu0);
      cpu = (c.user + c.system) / 1e6;
    } else {
      // Node 20 has no per-thread CPU clock; event-loop active time is the closest measure.
      cpu = performance.eventLoopUtilization(elu0).active / 1000;
    }
    return { cpu_seconds: Math.round(cpu * 1000) / 1000, peak_memory_mb: Math.round(peak * 10) / 10 };
  };
  try {
    const mod = (await import(input.module)) as Record<string, unknown>;
    const fn = mod[input.exportName];
    if (typeof fn !== 'function') {
      throw new JobError('EXECUTION_ERROR', `handler module ${input.module} has no exported function "${input.exportName}"`, {
        phase: 'execution',
      });
    }
    const ctx: HandlerContext = {
      job: input.job,
      signal,
      progress: (update) => post({ t: 'progress', update }),
      addMetrics: (metrics) => post({ t: 'metrics', metrics }),
    };
    const output = checkOutput(await (fn as JobHandlerFunction)(input.payload, ctx));
    try {
      post({ t: 'done', output, usage: usage() });
    } catch (err) {
      throw new JobError('EXECUTION_ERROR', `handler output cannot be serialised: ${(err as Error).message}`);
    }
  } catch (err) {
    post({ t: 'error', error: serializeError(err), usage: usage() });
  } finally {
    clearInterval(sampler);
  }
}
