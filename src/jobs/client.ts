/** A typed client for the guestguard job HTTP API (used by the CLI; usable as a library). */
import { JobError } from './errors.js';
import type { JobResult, ProgressEvent, WorkerInfo } from './protocol/schema.js';
import type { CapabilitiesInfo, JobStreamEvent, JobView, ListPage, ListQuery, SubmitOutcome } from './service-types.js';

export interface JobClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  server: string;
  token?: string;
  /** Per-request timeout (ms) for non-streaming calls; default 30 s. */
  timeoutMs?: number;
}

interface ErrorBody {
  error?: { code?: string; message?: string; field?: string; issues?: unknown; details?: Record<string, unknown> };
}

export class JobClient {
  private readonly base: string;
  constructor(private readonly opts: JobClientOptions) {
    let u: URL;
    try {
      u = new URL(opts.server);
    } catch {
      throw new JobError('VALIDATION_ERROR', `invalid server URL: ${opts.server}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new JobError('VALIDATION_ERROR', `server URL must be http(s): ${opts.server}`);
    this.base = u.href.replace(/\/+$/, '');
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}), ...extra };
  }

  private async request(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<{ status: number; json: unknown }> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: this.headers(body !== undefined ? { 'content-type': 'application/json' } : {}),
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: signal ?? AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new JobError('UNAVAILABLE', `cannot reach ${this.base}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = { error: { code: 'BAD_RESPONSE', message: text.slice(0, 200) } };
    }
    if (res.status >= 400) {
      const e = (json as ErrorBody | undefined)?.error ?? {};
      const message = e.message ?? res.statusText;
      const field = e.field && !message.includes(e.field) ? ` (field: ${e.field})` : '';
      throw new JobError(e.code ?? `HTTP_${res.status}`, message + field, {
        details: { status: res.status, ...(e.field !== undefined ? { field: e.field } : {}), ...(e.details ?? {}) },
      });
    }
    return { status: res.status, json };
  }

  async submit(document: unknown): Promise<SubmitOutcome> {
    return (await this.request('POST', '/api/v1/jobs', document)).json as SubmitOutcome;
  }

  async get(jobId: string): Promise<JobView> {
    return (await this.request('GET', `/api/v1/jobs/${encodeURIComponent(jobId)}`)).json as JobView;
  }

  async list(q: ListQuery = {}): Promise<ListPage> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return (await this.request('GET', `/api/v1/jobs${qs ? `?${qs}` : ''}`)).json as ListPage;
  }

  /** The final result, or undefined while the job is still going. */
  async result(jobId: string): Promise<JobResult | undefined> {
    const r = await this.request('GET', `/api/v1/jobs/${encodeURIComponent(jobId)}/result`);
    return r.status === 202 ? undefined : (r.json as JobResult);
  }

  async cancel(jobId: string): Promise<JobView> {
    return (await this.request('DELETE', `/api/v1/jobs/${encodeURIComponent(jobId)}`)).json as JobView;
  }

  async workers(): Promise<WorkerInfo[]> {
    return ((await this.request('GET', '/api/v1/workers')).json as { workers: WorkerInfo[] }).workers;
  }

  async capabilities(): Promise<CapabilitiesInfo> {
    return (await this.request('GET', '/api/v1/capabilities')).json as CapabilitiesInfo;
  }

  /**
   * Follows a job's server-sent events until its result arrives (reconnecting with
   * Last-Event-ID if the stream drops). Yields status, progress and finally the result.
   */
  async *follow(jobId: string, opts: { signal?: AbortSignal; maxReconnects?: number } = {}): AsyncGenerator<JobStreamEvent> {
    let lastId = 0;
    let reconnects = 0;
    for (;;) {
      let res: Response;
      try {
        res = await fetch(`${this.base}/api/v1/jobs/${encodeURIComponent(jobId)}/events?after=${lastId}`, {
          headers: this.headers({ accept: 'text/event-stream' }),
          signal: opts.signal,
        });
      } catch (err) {
        if (opts.signal?.aborted || ++reconnects > (opts.maxReconnects ?? 10)) throw new JobError('UNAVAILABLE', `event stream failed: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (res.status >= 400) {
        const body = (await res.json().catch(() => ({}))) as ErrorBody;
        throw new JobError(body.error?.code ?? `HTTP_${res.status}`, body.error?.message ?? res.statusText);
      }
      let finished = false;
      for await (const msg of parseSse(res.body!)) {
        reconnects = 0;
        if (msg.event === 'end') {
          finished = true;
          break;
        }
        const data = JSON.parse(msg.data) as unknown;
        if (msg.event === 'progress') {
          lastId = Math.max(lastId, Number(msg.id ?? (data as ProgressEvent).sequence));
          yield { type: 'progress', job_id: jobId, event: data as ProgressEvent };
        } else if (msg.event === 'status') {
          yield data as JobStreamEvent;
        } else if (msg.event === 'result') {
          yield { type: 'result', job_id: jobId, result: data as JobResult };
          finished = true;
        }
      }
      if (finished) return;
      if (opts.signal?.aborted || ++reconnects > (opts.maxReconnects ?? 10)) throw new JobError('UNAVAILABLE', 'event stream ended before the job finished');
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

/** Parses a text/event-stream body into messages. */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buf = '';
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let idx: number;
      while ((idx = buf.search(/\r?\n\r?\n/)) >= 0) {
        const block = buf.slice(0, idx);
        buf = buf.slice(idx + (buf[idx] === '\r' ? 4 : 2));
        const msg: SseMessage = { event: 'message', data: '' };
        const data: string[] = [];
        for (const line of block.split(/\r?\n/)) {
          if (line.startsWith(':')) continue;
          const c = line.indexOf(':');
          const field = c < 0 ? line : line.slice(0, c);
          const value = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
          if (field === 'event') msg.event = value;
          else if (field === 'data') data.push(value);
          else if (field === 'id') msg.id = value;
        }
        if (data.length === 0) continue;
        msg.data = data.join('\n');
        yield msg;
      }
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => {});
  }
}
