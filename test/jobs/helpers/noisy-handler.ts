/**
 * Test handler that writes to its stdout and stderr (what the worker forwards to its own
 * stderr), then waits `delay_ms` (or until aborted).
 */
import type { HandlerContext, HandlerOutput, HandlerPayload } from '../../../src/jobs/handlers/types.js';

export async function noisyHandler(payload: HandlerPayload, ctx: HandlerContext): Promise<HandlerOutput> {
  const d = payload.data;
  process.stdout.write(`noisy ${ctx.job.job_id}: stdout\n`);
  process.stderr.write(`noisy ${ctx.job.job_id}: stderr\n`);
  const delay = typeof d['delay_ms'] === 'number' ? d['delay_ms'] : 0;
  if (delay > 0) {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, delay);
      ctx.signal.addEventListener('abort', () => (clearTimeout(t), reject(new Error('aborted'))), { once: true });
    });
  }
  return { outputs: { noisy: true } };
}
