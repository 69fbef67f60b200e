/**
 * guestguard HTTP server: the job API (see openapi.ts) over an embedded or Redis job service.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createJobService, type JobServiceOptions } from '../jobs/factory.js';
import type { JobService } from '../jobs/service-types.js';
import { buildApp, type PoolStatsSource } from './app.js';

export { buildApp, type AppOptions, type PoolStatsSource } from './app.js';
export { openApiDocument } from './openapi.js';
export { errorBody, httpStatusOf, type ErrorBody } from './errors.js';

export interface StartServerOptions extends Omit<JobServiceOptions, 'logger'> {
  /** An existing service; otherwise one is created from the JobServiceOptions fields. */
  service?: JobService;
  /** TCP port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Listen address; default 127.0.0.1 (use 0.0.0.0 to expose). */
  host?: string;
  /** Bearer token required on /api/* and /metrics. */
  token?: string;
  bodyLimit?: number;
  logger?: Logger;
  /** The sandbox pool of the in-process workers (GET /api/v1/pool/stats; 404 there without one). */
  sandboxPool?: PoolStatsSource;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly service: JobService;
  /** Stops accepting requests, then closes the service if the server created it. */
  close(): Promise<void>;
}

export async function startServer(opts: StartServerOptions = {}): Promise<RunningServer> {
  const owned = opts.service === undefined;
  const service = opts.service ?? (await createJobService({ ...opts, logger: opts.logger }));
  const app = buildApp({ service, token: opts.token, bodyLimit: opts.bodyLimit, logger: opts.logger, sandboxPool: opts.sandboxPool });
  const host = opts.host ?? '127.0.0.1';
  try {
    await app.listen({ port: opts.port ?? 8080, host });
  } catch (err) {
    if (owned) await service.close();
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 8080);
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closed = false;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    app,
    service,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      if (owned) await service.close();
    },
  };
}
