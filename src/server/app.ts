/** The HTTP API (fastify) over a JobService. */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { JobError } from '../jobs/errors.js';
import { JOB_STATES } from '../jobs/protocol/schema.js';
import type { JobService, ListQuery } from '../jobs/service-types.js';
import type { JobState } from '../jobs/state.js';
import type { PoolStats } from '../sandbox/pool/pool.js';
import { VERSION } from '../version.js';
import { errorBody, httpStatusOf, simpleError } from './errors.js';
import { openApiDocument } from './openapi.js';
import { streamJobEvents } from './sse.js';

export interface AppOptions {
  service: JobService;
  /** When set, /api/* and /metrics need "Authorization: Bearer <token>". */
  token?: string;
  /** Largest accepted request body (bytes); default 1 MiB. */
  bodyLimit?: number;
  logger?: Logger;
  /** SSE keep-alive comment interval (ms). */
  sseHeartbeatMs?: number;
  /** The sandbox pool this server's in-process workers run image jobs in, for GET /api/v1/pool/stats. */
  sandboxPool?: PoolStatsSource;
}

/** What the pool stats endpoint reads (a SandboxPool; read only). */
export interface PoolStatsSource {
  stats(): PoolStats;
}

/** Paths anyone may read even when a token is configured. */
const PUBLIC_PATHS = new Set(['/healthz', '/openapi.json']);

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  // Compare digests: constant time and independent of the lengths involved.
  const a = createHash('sha256').update(m[1]!.trim()).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

function sendJobError(reply: FastifyReply, err: JobError): FastifyReply {
  return reply.code(httpStatusOf(err)).send(errorBody(err));
}

function parseListQuery(q: Record<string, string | undefined>): ListQuery {
  const out: ListQuery = {};
  if (q['status'] !== undefined && q['status'] !== '') {
    if (!(JOB_STATES as readonly string[]).includes(q['status'])) {
      throw new JobError('VALIDATION_ERROR', `status must be one of ${JOB_STATES.join(', ')}`, { details: { field: 'status' } });
    }
    out.status = q['status'] as JobState;
  }
  if (q['operation']) out.operation = q['operation'];
  if (q['limit'] !== undefined && q['limit'] !== '') {
    if (!/^\d{1,4}$/.test(q['limit'])) throw new JobError('VALIDATION_ERROR', 'limit must be an integer between 1 and 500', { details: { field: 'limit' } });
    out.limit = Number(q['limit']);
  }
  if (q['cursor']) out.cursor = q['cursor'];
  return out;
}

function httpLogger(logger: Logger): Logger {
  const verbose = logger.level === 'debug' || logger.level === 'trace';
  return logger.child({ component: 'http' }, { level: verbose ? logger.level : 'warn' });
}

export function buildApp(opts: AppOptions): FastifyInstance {
  const { service } = opts;
  const app = Fastify({
    bodyLimit: opts.bodyLimit ?? 1 << 20,
    routerOptions: { maxParamLength: 256 },
    // Per-request logs only when debugging: at info they would drown everything else.
    ...(opts.logger ? { loggerInstance: httpLogger(opts.logger) } : { logger: false }),
  }) as unknown as FastifyInstance;

  // Jobs are JSON documents only (fastify would otherwise accept text/plain too).
  app.removeContentTypeParser('text/plain');

  // Event streams never end on their own: close them when the server shuts down.
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const r of streams) r.end();
  });

  app.addHook('onRequest', async (req, reply) => {
    if (!opts.token) return;
    const path = req.url.split('?')[0]!;
    if (PUBLIC_PATHS.has(path)) return;
    if (!tokenMatches(req.headers.authorization, opts.token)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="guestguard"').send(simpleError('UNAUTHORIZED', 'missing or invalid bearer token'));
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err instanceof JobError) return sendJobError(reply, err);
    const status = err.statusCode ?? 500;
    if (status === 413) return reply.code(413).send(simpleError('PAYLOAD_TOO_LARGE', `request body exceeds ${opts.bodyLimit ?? 1 << 20} bytes`));
    if (status === 415) return reply.code(415).send(simpleError('UNSUPPORTED_MEDIA_TYPE', 'send the job document as application/json'));
    if (status >= 400 && status < 500) return reply.code(status).send(simpleError(status === 400 ? 'VALIDATION_ERROR' : 'BAD_REQUEST', err.message, status === 400 ? '' : undefined));
    opts.logger?.error({ err }, 'request failed');
    return reply.code(500).send(simpleError('INTERNAL_ERROR', err.message));
  });

  app.setNotFoundHandler((req, reply) => reply.code(404).send(simpleError('NOT_FOUND', `no route for ${req.method} ${req.url.split('?')[0]}`)));

  app.post('/api/v1/jobs', async (req, reply) => {
    const out = await service.submit(req.body, {
      submittedFrom: req.ip,
      ...(opts.token ? { authMethod: 'bearer_token', authSubject: 'api-token' } : {}),
    });
    if (out.status === 'created') reply.code(201).header('location', `/api/v1/jobs/${encodeURIComponent(out.job.job_id)}`);
    return out;
  });

  app.get('/api/v1/jobs', async (req) => service.list(parseListQuery(req.query as Record<string, string | undefined>)));

  app.get('/api/v1/jobs/:id', async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const job = await service.get(req.params.id);
    if (!job) return reply.code(404).send(simpleError('NOT_FOUND', `no such job: ${req.params.id}`));
    return job;
  });

  app.get('/api/v1/jobs/:id/result', async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const result = await service.result(req.params.id);
    if (result) return result;
    const job = await service.get(req.params.id);
    return reply.code(202).send({ job_id: req.params.id, status: job?.status ?? 'unknown' });
  });

  app.get('/api/v1/jobs/:id/events', async (req: FastifyRequest<{ Params: { id: string }; Querystring: { after?: string } }>, reply) => {
    const id = req.params.id;
    if (!(await service.get(id))) return reply.code(404).send(simpleError('NOT_FOUND', `no such job: ${id}`));
    const from = req.query.after ?? (req.headers['last-event-id'] as string | undefined) ?? '0';
    if (!/^\d{1,12}$/.test(from)) return reply.code(400).send(simpleError('VALIDATION_ERROR', 'after / Last-Event-ID must be a sequence number', 'after'));
    const accept = req.headers.accept ?? '';
    if (accept.includes('application/json') && !accept.includes('text/event-stream')) return { events: await service.events(id, Number(from)) };
    reply.hijack();
    streams.add(reply.raw);
    reply.raw.on('close', () => streams.delete(reply.raw));
    await streamJobEvents(service, id, Number(from), reply.raw, (fn) => req.raw.on('close', fn), { heartbeatMs: opts.sseHeartbeatMs });
  });

  app.delete('/api/v1/jobs/:id', async (req: FastifyRequest<{ Params: { id: string } }>) => service.cancel(req.params.id));

  app.get('/api/v1/workers', async () => ({ workers: await service.workers() }));
  app.get('/api/v1/capabilities', async () => service.capabilities());

  // The same numbers `guestguard pool stats` prints, for the pool serving this process's jobs.
  app.get('/api/v1/pool/stats', async (_req, reply) => {
    if (!opts.sandboxPool) {
      return reply
        .code(404)
        .send(simpleError('NO_SANDBOX_POOL', 'this server runs no sandbox pool: its handlers run unsandboxed (--sandbox none, bwrap unusable on this host) or it has no in-process workers (--workers 0)'));
    }
    return opts.sandboxPool.stats();
  });

  app.get('/healthz', async (_req, reply) => {
    const h = await service.health();
    return reply.code(h.ok ? 200 : 503).send({ status: h.ok ? 'ok' : 'unhealthy', version: VERSION, backend: h.backend, ...h.details });
  });

  app.get('/metrics', async (_req, reply) => {
    const text = await service.metrics.registry.metrics();
    return reply.header('content-type', service.metrics.registry.contentType).send(text);
  });

  const spec = openApiDocument({ auth: Boolean(opts.token) });
  app.get('/openapi.json', async () => spec);

  return app;
}
