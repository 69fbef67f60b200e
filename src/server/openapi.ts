/** The OpenAPI 3.1 description served at /openapi.json; protocol schemas come from the zod definitions. */
import { z } from 'zod';
import { JOB_STATES, JobDocumentSchema, JobResultSchema, ProgressEventSchema } from '../jobs/protocol/schema.js';
import { VERSION } from '../version.js';

function schemaOf(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const js = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete js['$schema'];
  return js;
}

const errorRef = { $ref: '#/components/schemas/Error' };
const jsonError = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });
const jobIdParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

export function openApiDocument(opts: { auth: boolean }): Record<string, unknown> {
  const security = opts.auth ? [{ bearerAuth: [] }] : [];
  const authErrors = opts.auth ? { 401: jsonError('Missing or wrong bearer token') } : {};
  return {
    openapi: '3.1.0',
    info: { title: 'guestguard job API', version: VERSION, description: 'Submit VM-disk jobs (job protocol v1), follow their progress and fetch results.' },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: {
        JobDocument: schemaOf(JobDocumentSchema, 'input'),
        JobResult: schemaOf(JobResultSchema, 'output'),
        ProgressEvent: schemaOf(ProgressEventSchema, 'output'),
        JobView: {
          type: 'object',
          required: ['job_id', 'status', 'operation', 'priority', 'attempt', 'max_attempts', 'submitted_at', 'updated_at'],
          properties: {
            job_id: { type: 'string' },
            status: { type: 'string', enum: [...JOB_STATES] },
            operation: { type: 'string' },
            name: { type: ['string', 'null'] },
            priority: { type: 'integer' },
            attempt: { type: 'integer' },
            max_attempts: { type: 'integer' },
            worker_id: { type: ['string', 'null'] },
            idempotency_key: { type: ['string', 'null'] },
            submitted_at: { type: 'string', format: 'date-time' },
            updated_at: { type: 'string', format: 'date-time' },
            started_at: { type: ['string', 'null'], format: 'date-time' },
            finished_at: { type: ['string', 'null'], format: 'date-time' },
            next_attempt_at: { type: ['string', 'null'], format: 'date-time' },
            error: {},
            document: { $ref: '#/components/schemas/JobDocument' },
          },
        },
        WorkerInfo: {
          type: 'object',
          required: ['worker_id', 'version', 'pool', 'transport', 'labels', 'capabilities', 'resources', 'status'],
          properties: {
            worker_id: { type: 'string' },
            version: { type: 'string' },
            hostname: { type: 'string' },
            pid: { type: 'integer' },
            pool: { type: 'string', description: 'Pool (`--pool`): routing.worker_pool and constraints.allowed_worker_pools select on it.' },
            transport: { type: 'string', enum: ['embedded', 'redis', 'directory'] },
            labels: {
              type: 'object',
              additionalProperties: { type: 'string' },
              description: 'Labels given with `--label key=value` on `guestguard worker` / `serve`: a job runs here only when this worker matches every routing.affinity selector and no routing.anti_affinity selector.',
            },
            registered_at: { type: 'string', format: 'date-time' },
            last_heartbeat: { type: 'string', format: 'date-time' },
            capabilities: { type: 'object', properties: { operations: { type: 'array', items: { type: 'string' } }, payload_types: { type: 'array', items: { type: 'string' } }, features: { type: 'array', items: { type: 'string' } } } },
            resources: {
              type: 'object',
              properties: {
                max_concurrent_jobs: { type: 'integer' },
                max_disk_size_gb: { type: ['number', 'null'], description: "Largest virtual disk (GiB) this worker opens (`--max-disk-size-gb`); checked against the image's header before work begins." },
              },
            },
            status: { type: 'object', properties: { state: { type: 'string', enum: ['ready', 'busy', 'draining'] }, current_jobs: { type: 'integer' } } },
          },
        },
        Percentiles: {
          type: 'object',
          required: ['p50', 'p95', 'p99', 'count'],
          description: 'Nearest-rank percentiles (ms) over the most recent samples (at most 1024).',
          properties: { p50: { type: 'number' }, p95: { type: 'number' }, p99: { type: 'number' }, count: { type: 'integer', description: 'Samples the percentiles come from' } },
        },
        PoolStats: {
          type: 'object',
          description: 'The sandbox pool the in-process workers run image jobs in: the numbers `guestguard pool stats` prints.',
          required: ['name', 'state', 'idle', 'active', 'queued', 'spawning', 'spawned_total', 'destroyed_total', 'failures', 'evicted_total', 'backoff_ms', 'spawn_ms', 'acquire_ms'],
          properties: {
            name: { type: 'string' },
            state: { type: 'string', enum: ['running', 'draining', 'closed'] },
            idle: { type: 'integer', description: 'Warm sandboxes waiting to be taken' },
            active: { type: 'integer', description: 'Sandboxes running a job handler' },
            queued: { type: 'integer', description: 'Jobs waiting for a sandbox' },
            spawning: { type: 'integer', description: 'Sandboxes being started' },
            spawned_total: { type: 'integer' },
            destroyed_total: { type: 'integer' },
            failures: { type: 'integer', description: 'Sandboxes that failed to start or died while idle' },
            evicted_total: { type: 'integer', description: 'Idle sandboxes replaced for age' },
            backoff_ms: { type: 'integer', description: 'Time until the next start after failures (0: not backing off)' },
            spawn_ms: { $ref: '#/components/schemas/Percentiles', description: 'Start of a sandbox to ready' },
            acquire_ms: { $ref: '#/components/schemas/Percentiles', description: 'A job asking for a sandbox to having one (includes waiting)' },
            last_error: { type: 'string' },
          },
        },
        SubmitOutcome: {
          type: 'object',
          required: ['status', 'job'],
          properties: {
            status: { type: 'string', enum: ['created', 'existing'] },
            job: { $ref: '#/components/schemas/JobView' },
            result: { $ref: '#/components/schemas/JobResult' },
          },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                field: { type: 'string', description: 'Dotted path of the field at fault (validation errors)' },
                issues: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
                details: { type: 'object' },
              },
            },
          },
        },
      },
    },
    security,
    paths: {
      '/api/v1/jobs': {
        post: {
          summary: 'Submit a job (the body is the job document itself)',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/JobDocument' } } } },
          responses: {
            201: { description: 'Queued', headers: { Location: { schema: { type: 'string' } } }, content: { 'application/json': { schema: { $ref: '#/components/schemas/SubmitOutcome' } } } },
            200: { description: 'Idempotency key already completed: the stored result', content: { 'application/json': { schema: { $ref: '#/components/schemas/SubmitOutcome' } } } },
            400: jsonError('Invalid job document (error.field names the field at fault)'),
            409: jsonError('Duplicate job id, or idempotency key held by a job in flight'),
            413: jsonError('Body too large'),
            ...authErrors,
          },
        },
        get: {
          summary: 'List jobs, newest first',
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string', enum: [...JOB_STATES] } },
            { name: 'operation', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            200: {
              description: 'A page of jobs',
              content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/JobView' } }, next_cursor: { type: ['string', 'null'] } } } } },
            },
            400: jsonError('Bad query parameter'),
            ...authErrors,
          },
        },
      },
      '/api/v1/jobs/{id}': {
        get: { summary: 'Job status', parameters: [jobIdParam], responses: { 200: { description: 'The job', content: { 'application/json': { schema: { $ref: '#/components/schemas/JobView' } } } }, 404: jsonError('No such job'), ...authErrors } },
        delete: {
          summary: 'Cancel a queued or running job (running work is killed)',
          parameters: [jobIdParam],
          responses: { 200: { description: 'Cancelled', content: { 'application/json': { schema: { $ref: '#/components/schemas/JobView' } } } }, 404: jsonError('No such job'), 409: jsonError('Already final, or not cancellable'), ...authErrors },
        },
      },
      '/api/v1/jobs/{id}/result': {
        get: {
          summary: 'Final result',
          parameters: [jobIdParam],
          responses: {
            200: { description: 'The result', content: { 'application/json': { schema: { $ref: '#/components/schemas/JobResult' } } } },
            202: { description: 'Not finished yet: {job_id, status}' },
            404: jsonError('No such job'),
            ...authErrors,
          },
        },
      },
      '/api/v1/jobs/{id}/events': {
        get: {
          summary: 'Progress as server-sent events (status, progress, result, end); resumes after Last-Event-ID or ?after=',
          parameters: [jobIdParam, { name: 'after', in: 'query', schema: { type: 'integer', minimum: 0 } }],
          responses: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 404: jsonError('No such job'), ...authErrors },
        },
      },
      '/api/v1/workers': {
        get: {
          summary: 'Live workers: pool, labels (what routing.affinity / anti_affinity select on), operations, limits, load',
          responses: {
            200: {
              description: 'The workers',
              content: { 'application/json': { schema: { type: 'object', properties: { workers: { type: 'array', items: { $ref: '#/components/schemas/WorkerInfo' } } } } } },
            },
            ...authErrors,
          },
        },
      },
      '/api/v1/pool/stats': {
        get: {
          summary: 'Stats of the sandbox pool image jobs of this server run in (idle, active, queued, totals, failures, spawn/acquire latency percentiles)',
          responses: {
            200: { description: 'The pool stats', content: { 'application/json': { schema: { $ref: '#/components/schemas/PoolStats' } } } },
            404: jsonError('This server has no sandbox pool (error.code NO_SANDBOX_POOL): handlers run unsandboxed, or there are no in-process workers'),
            ...authErrors,
          },
        },
      },
      '/api/v1/capabilities': { get: { summary: 'Operations, payload types, features and pools available', responses: { 200: { description: 'Capabilities' }, ...authErrors } } },
      '/healthz': { get: { summary: 'Liveness and backend health', security: [], responses: { 200: { description: 'Healthy' }, 503: { description: 'Unhealthy' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text/plain exposition format' }, ...authErrors } } },
      '/openapi.json': { get: { summary: 'This document', security: [], responses: { 200: { description: 'OpenAPI 3.1 document' } } } },
    },
  };
}
