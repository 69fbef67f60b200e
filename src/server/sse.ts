/**
 * Server-sent events for one job: the current status, the stored progress events after the
 * client's Last-Event-ID (or ?after=), then live events until the job is final.
 */
import type { ServerResponse } from 'node:http';
import type { JobService, JobStreamEvent } from '../jobs/service-types.js';
import { isTerminal } from '../jobs/state.js';

export interface SseOptions {
  heartbeatMs?: number;
}

function frame(event: string, data: unknown, id?: number): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Streams until the job ends or the client goes away. The response must already be hijacked. */
export async function streamJobEvents(service: JobService, jobId: string, after: number, res: ServerResponse, onClose: (fn: () => void) => void, opts: SseOptions = {}): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');

  let lastSeq = after;
  let open = true;
  let ended = false;
  const pending: JobStreamEvent[] = [];
  let replaying = true;

  const end = () => {
    if (ended) return;
    ended = true;
    open = false;
    unsubscribe();
    clearInterval(ping);
    res.write(frame('end', { job_id: jobId }));
    res.end();
  };
  const send = (e: JobStreamEvent) => {
    if (!open) return;
    if (e.type === 'progress') {
      if (e.event.sequence <= lastSeq) return; // already sent during replay
      lastSeq = e.event.sequence;
      res.write(frame('progress', e.event, e.event.sequence));
    } else if (e.type === 'status') {
      res.write(frame('status', e));
    } else {
      res.write(frame('result', e.result));
      end();
    }
  };
  const unsubscribe = service.subscribe(jobId, (e) => (replaying ? pending.push(e) : send(e)));
  const ping = setInterval(() => open && res.write(': ping\n\n'), opts.heartbeatMs ?? 15_000);
  onClose(() => {
    open = false;
    unsubscribe();
    clearInterval(ping);
  });

  try {
    const view = await service.get(jobId);
    if (!view) return end();
    res.write(frame('status', { type: 'status', job_id: jobId, status: view.status, attempt: view.attempt, timestamp: view.updated_at, error: view.error }));
    for (const ev of await service.events(jobId, after)) send({ type: 'progress', job_id: jobId, event: ev });
    replaying = false;
    for (const e of pending.splice(0)) send(e);
    if (isTerminal(view.status) && !ended) {
      const result = await service.result(jobId);
      if (result) send({ type: 'result', job_id: jobId, result });
      else end();
    }
  } catch {
    end();
  }
}
