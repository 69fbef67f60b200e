/**
 * GET /api/v1/pool/stats: the stats of the real bwrap sandbox pool an image job just ran in
 * (as `guestguard pool stats` reports them), valid against the OpenAPI document's PoolStats
 * schema; 404 NO_SANDBOX_POOL on a server without a pool.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedJobService } from '../../src/jobs/embedded-service.js';
import { buildJob } from '../../src/jobs/protocol/builder.js';
import { setProcessLauncher } from '../../src/jobs/sandbox/launcher.js';
import { startJobSandbox } from '../../src/sandbox/pool/job-launcher.js';
import { canSandbox } from '../../src/sandbox/test-support.js';
import { openApiDocument } from '../../src/server/openapi.js';
import { startServer } from '../../src/server/index.js';
import { tempDir, testRegistry } from './helpers/jobs.js';
import { waitFor, waitForStatus } from './helpers/wait.js';

const TOKEN = 'pool-token';
const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function get(url: string, token: string | null = TOKEN): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, json: await res.json() };
}

/** Validates against components.schemas.PoolStats of the served OpenAPI document. */
function poolStatsSchemaErrors(doc: Record<string, any>, value: unknown): string[] {
  const { Percentiles, PoolStats } = doc['components'].schemas;
  const schema = JSON.parse(JSON.stringify({ $defs: { Percentiles, PoolStats }, $ref: '#/$defs/PoolStats' }).replaceAll('#/components/schemas/', '#/$defs/'));
  const validate = new Ajv2020({ allErrors: true, strict: true }).compile({ ...schema, $defs: { ...schema.$defs, PoolStats: { ...schema.$defs.PoolStats, additionalProperties: false } } });
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe('GET /api/v1/pool/stats', () => {
  it('404 NO_SANDBOX_POOL (a JSON error) when the server runs without a sandbox pool; needs the token; in the OpenAPI document', async () => {
    const service = await EmbeddedJobService.create({ registry: testRegistry(), workers: 1 });
    const server = await startServer({ service, port: 0, token: TOKEN });
    try {
      expect((await get(`${server.url}/api/v1/pool/stats`, null)).status).toBe(401);
      const r = await get(`${server.url}/api/v1/pool/stats`);
      expect(r.status).toBe(404);
      expect(r.json.error.code).toBe('NO_SANDBOX_POOL');
      expect(r.json.error.message).toMatch(/no sandbox pool/);
      const doc = (await get(`${server.url}/openapi.json`, null)).json;
      const op = doc.paths['/api/v1/pool/stats'].get;
      expect(op.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/PoolStats' });
      expect(op.responses['404'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
      expect(op.responses['401']).toBeDefined();
    } finally {
      await server.close();
      await service.close();
    }
  });

  describe.skipIf(!canSandbox)('with the bwrap job pool', () => {
    it("reports the pool an image job ran in: what pool.stats() says, valid against the document's PoolStats", async () => {
      const launcher = await startJobSandbox('bwrap', () => {}, { name: 'jobs', size: 1 });
      expect(launcher).not.toBeNull();
      setProcessLauncher(launcher, { scope: 'images' });
      const service = await EmbeddedJobService.create({ registry: testRegistry(), workers: 1 });
      const server = await startServer({ service, port: 0, token: TOKEN, sandboxPool: launcher!.pool });
      try {
        const image = join(tmp.dir, 'disk.img');
        writeFileSync(image, Buffer.alloc(65536, 1));
        const job = buildJob('system.echo', { message: 'in a sandbox', image: { path: image } });
        await service.submit(job);
        expect((await waitForStatus(service, job.job_id, 'terminal', 60_000)).status).toBe('completed');
        // The used sandbox is destroyed and a replacement warmed: wait until the pool is at rest.
        await waitFor(() => {
          const s = launcher!.pool.stats();
          return s.active === 0 && s.spawning === 0 && s.idle === 1 && s.destroyed_total >= 1 ? s : undefined;
        }, 'the pool to settle', 30_000, 50);

        const r = await get(`${server.url}/api/v1/pool/stats`);
        expect(r.status).toBe(200);
        expect(r.json).toEqual(JSON.parse(JSON.stringify(launcher!.pool.stats())));
        expect(r.json).toMatchObject({ name: 'jobs', state: 'running', idle: 1, active: 0, queued: 0, failures: 0 });
        expect(r.json.spawned_total).toBeGreaterThanOrEqual(2); // the warm one taken + its replacement
        expect(r.json.destroyed_total).toBeGreaterThanOrEqual(1);
        expect(r.json.acquire_ms.count).toBe(1);
        expect(r.json.spawn_ms.count).toBe(r.json.spawned_total);
        for (const p of [r.json.spawn_ms, r.json.acquire_ms]) expect(p.p50 <= p.p95 && p.p95 <= p.p99).toBe(true);
        expect(r.json.spawn_ms.p50).toBeGreaterThan(0);
        const doc = (await get(`${server.url}/openapi.json`, null)).json;
        expect(poolStatsSchemaErrors(doc, r.json)).toEqual([]);
        // The schema really checks: a field of the wrong type is caught.
        expect(poolStatsSchemaErrors(doc, { ...r.json, acquire_ms: { p50: 'fast' } })).not.toEqual([]);
      } finally {
        await server.close();
        await service.close();
        setProcessLauncher(null);
        await launcher!.close();
      }
    }, 180_000);
  });
});

it('openApiDocument: PoolStats names every field the endpoint returns', () => {
  const s = openApiDocument({ auth: false }) as any;
  expect(s.components.schemas.PoolStats.required).toEqual(
    expect.arrayContaining(['idle', 'active', 'queued', 'spawned_total', 'destroyed_total', 'failures', 'spawn_ms', 'acquire_ms']),
  );
  expect(s.components.schemas.Percentiles.required).toEqual(['p50', 'p95', 'p99', 'count']);
});
