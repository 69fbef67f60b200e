/** The HTTP API on a real socket (127.0.0.1), and the CLI client commands against it. */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSse, type SseMessage } from '../../src/jobs/client.js';
import { EmbeddedJobService } from '../../src/jobs/embedded-service.js';
import { buildJob } from '../../src/jobs/protocol/builder.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { REPO_ROOT } from '../helpers/fixtures.js';
import { guestguardJobsCommand } from './helpers/js-build.js';
import { makeImage, tempDir, testRegistry } from './helpers/jobs.js';
import { waitFor } from './helpers/wait.js';

const TOKEN = 's3cret-token';
const tmp = tempDir();
let server: RunningServer;
let base: string;
const auth = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  const service = await EmbeddedJobService.create({ registry: testRegistry(), workers: 2 });
  server = await startServer({ service, port: 0, token: TOKEN, bodyLimit: 64 * 1024 });
  base = server.url;
});
afterAll(async () => {
  await server?.close();
  await server?.service.close();
  tmp.cleanup();
});

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = auth) {
  const res = await fetch(base + path, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

async function finished(id: string): Promise<any> {
  return waitFor(async () => {
    const r = await api('GET', `/api/v1/jobs/${id}/result`);
    return r.status === 200 ? r.json : undefined;
  }, `result of ${id}`);
}

describe('auth and limits', () => {
  it('requires the bearer token on /api and /metrics, not on /healthz and /openapi.json', async () => {
    const none = await api('GET', '/api/v1/jobs', undefined, {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(none.json.error.code).toBe('UNAUTHORIZED');
    expect((await api('GET', '/api/v1/jobs', undefined, { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await api('POST', '/api/v1/jobs', buildJob('system.echo', {}), {})).status).toBe(401);
    expect((await api('GET', '/metrics', undefined, {})).status).toBe(401);
    expect((await api('GET', '/api/v1/jobs')).status).toBe(200);
    const h = await api('GET', '/healthz', undefined, {});
    expect(h.status).toBe(200);
    expect(h.json).toMatchObject({ status: 'ok', backend: 'embedded' });
    expect((await api('GET', '/openapi.json', undefined, {})).status).toBe(200);
  });

  it('answers invalid documents with 400 naming the field at fault', async () => {
    const doc = buildJob('system.echo', {}) as any;
    doc.execution.priority = 42;
    const r = await api('POST', '/api/v1/jobs', doc);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'VALIDATION_ERROR', field: 'execution.priority' });
    const noOp = await api('POST', '/api/v1/jobs', { ...buildJob('system.echo', {}), operation: 'echo' });
    expect(noOp.json.error.field).toBe('operation');
    const unknown = await api('POST', '/api/v1/jobs', buildJob('guestkit.fix', {}));
    expect([unknown.status, unknown.json.error.code]).toEqual([400, 'UNSUPPORTED_OPERATION']);
    const badJson = await api('POST', '/api/v1/jobs', '{"version": ');
    expect(badJson.status).toBe(400);
    const notObject = await api('POST', '/api/v1/jobs', '[1,2]');
    expect([notObject.status, notObject.json.error.field]).toEqual([400, '']);
    const list = await api('GET', '/api/v1/jobs?status=bogus');
    expect([list.status, list.json.error.field]).toEqual([400, 'status']);
    expect((await api('GET', '/api/v1/jobs?limit=9999')).json.error.field).toBe('limit');
  });

  it('limits request size (413) and content type (415)', async () => {
    const big = buildJob('system.echo', { blob: 'x'.repeat(100 * 1024) });
    expect((await api('POST', '/api/v1/jobs', big)).status).toBe(413);
    const res = await fetch(`${base}/api/v1/jobs`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'hi' });
    expect(res.status).toBe(415);
  });
});

describe('jobs', () => {
  it('submits (201 + Location), reports status, then the result (202 before, 200 after)', async () => {
    const job = buildJob('system.echo', { message: 'hello', delay_ms: 700 });
    const r = await api('POST', '/api/v1/jobs', job);
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`/api/v1/jobs/${job.job_id}`);
    expect(r.json.status).toBe('created');
    expect(r.json.job).toMatchObject({ job_id: job.job_id, status: 'queued', operation: 'system.echo', priority: 5 });
    expect(r.json.job.document.audit.submitted_from).toBe('127.0.0.1');
    expect(r.json.job.document.audit.authorization).toEqual({ method: 'bearer_token', subject: 'api-token' });
    const early = await api('GET', `/api/v1/jobs/${job.job_id}/result`);
    expect(early.status).toBe(202);
    const result = await finished(job.job_id);
    expect(result).toMatchObject({ job_id: job.job_id, status: 'completed', outputs: { echo: 'hello' } });
    const status = await api('GET', `/api/v1/jobs/${job.job_id}`);
    expect(status.json).toMatchObject({ status: 'completed', attempt: 1, max_attempts: 1 });
    expect((await api('GET', '/api/v1/jobs/job-doesnotexist')).status).toBe(404);
    expect((await api('GET', '/api/v1/jobs/job-doesnotexist/result')).status).toBe(404);
    expect((await api('POST', '/api/v1/jobs', job)).status).toBe(409); // same job id again
  });

  it('lists with filters and cursor paging', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const j = buildJob('test.echo-process', { i }, (b) => b.cancellable(true));
      ids.push(j.job_id);
      await api('POST', '/api/v1/jobs', j);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: any = await api('GET', `/api/v1/jobs?operation=test.echo-process&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.json.items.map((v: { job_id: string }) => v.job_id));
      cursor = r.json.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse()); // newest first, each once
    for (const id of ids) await finished(id);
    const done = await api('GET', '/api/v1/jobs?status=completed&operation=test.echo-process&limit=500');
    expect(done.json.items.map((v: { job_id: string }) => v.job_id).sort()).toEqual([...ids].sort());
  });

  it('cancels with DELETE (200), then 409 once final', async () => {
    const job = buildJob('system.echo', { delay_ms: 30_000 });
    await api('POST', '/api/v1/jobs', job);
    const r = await api('DELETE', `/api/v1/jobs/${job.job_id}`);
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('cancelled');
    const again = await api('DELETE', `/api/v1/jobs/${job.job_id}`);
    expect([again.status, again.json.error.code]).toEqual([409, 'ILLEGAL_TRANSITION']);
    expect((await api('DELETE', '/api/v1/jobs/job-doesnotexist')).status).toBe(404);
  });

  it('streams progress as server-sent events and resumes after Last-Event-ID', async () => {
    const job = buildJob('system.echo', { delay_ms: 900, progress_steps: 3 });
    await api('POST', '/api/v1/jobs', job);
    const res = await fetch(`${base}/api/v1/jobs/${job.job_id}/events`, { headers: { ...auth, accept: 'text/event-stream' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const msgs: SseMessage[] = [];
    for await (const m of parseSse(res.body!)) msgs.push(m);
    const kinds = msgs.map((m) => m.event);
    expect(kinds[0]).toBe('status');
    expect(kinds.at(-2)).toBe('result');
    expect(kinds.at(-1)).toBe('end');
    const progress = msgs.filter((m) => m.event === 'progress').map((m) => JSON.parse(m.data));
    expect(progress.filter((p) => p.phase === 'echo').map((p) => Math.round(p.progress_percent))).toEqual([33, 67, 100]);
    const seqs = progress.map((p) => p.sequence);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(msgs.filter((m) => m.event === 'progress').every((m) => m.id === String(JSON.parse(m.data).sequence))).toBe(true);
    const statuses = msgs.filter((m) => m.event === 'status').map((m) => JSON.parse(m.data).status);
    expect(statuses.at(-1)).toBe('completed');
    expect(JSON.parse(msgs.at(-2)!.data)).toMatchObject({ job_id: job.job_id, status: 'completed' });

    // Reconnect after event 2: only later events, then the result.
    const again = await fetch(`${base}/api/v1/jobs/${job.job_id}/events`, { headers: { ...auth, 'last-event-id': '2' } });
    const later: SseMessage[] = [];
    for await (const m of parseSse(again.body!)) later.push(m);
    const laterSeqs = later.filter((m) => m.event === 'progress').map((m) => Number(m.id));
    expect(laterSeqs).toEqual(seqs.filter((s) => s > 2));
    expect(later.at(-1)!.event).toBe('end');
  });
});

describe('service endpoints', () => {
  it('exposes Prometheus metrics (dedicated registry, sub-second buckets, process metrics)', async () => {
    const image = makeImage(tmp.dir);
    const job = buildJob('system.echo', { image: { path: image.path, checksum: image.checksum } });
    await api('POST', '/api/v1/jobs', job);
    await finished(job.job_id);
    const r = await api('GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    for (const name of [
      'guestguard_jobs_total{operation="system.echo",status="completed"}',
      'guestguard_job_duration_seconds_bucket{le="0.005"',
      'guestguard_job_duration_seconds_bucket{le="0.1"',
      'guestguard_active_jobs',
      'guestguard_queue_depth',
      'guestguard_handler_duration_seconds_bucket{le="0.25",handler="system.echo"}',
      'guestguard_checksum_verifications_total{status="ok"}',
      'guestguard_cache_requests_total{result="miss"}',
      'guestguard_image_read_bytes_total',
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(r.text).toContain(name);
    }
  });

  it('describes itself (OpenAPI), its workers and capabilities', async () => {
    const o = (await api('GET', '/openapi.json', undefined, {})).json;
    expect(o.openapi).toBe('3.1.0');
    expect(Object.keys(o.paths)).toEqual(
      expect.arrayContaining(['/api/v1/jobs', '/api/v1/jobs/{id}', '/api/v1/jobs/{id}/result', '/api/v1/jobs/{id}/events', '/api/v1/workers', '/api/v1/capabilities', '/healthz', '/metrics']),
    );
    expect(o.components.schemas.JobDocument.properties.execution).toBeDefined();
    expect(o.components.securitySchemes.bearerAuth.scheme).toBe('bearer');
    const w = (await api('GET', '/api/v1/workers')).json.workers;
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ pool: 'default', transport: 'embedded', resources: { max_concurrent_jobs: 2 } });
    const caps = (await api('GET', '/api/v1/capabilities')).json;
    expect(caps.operations).toEqual(['guestkit.inspect', 'guestkit.profile', 'system.echo', 'test.echo-process']);
    expect(caps.payload_types).toEqual(expect.arrayContaining(['system.echo.v1', 'guestkit.inspect.v1', 'guestkit.profile.v1']));
    expect(caps.capabilities).toEqual(expect.arrayContaining(['guestkit.inspect', 'disk.qcow2', 'disk.vmdk', 'disk.raw']));
    // The routing fields document what they select on.
    const props = o.components.schemas.JobDocument.properties;
    expect(props.routing.properties.affinity.description).toMatch(/must ALL match.*--label key=value/);
    expect(props.routing.properties.anti_affinity.description).toMatch(/must match NONE/);
    expect(props.constraints.properties.maximum_disk_size_gb.description).toMatch(/virtual size \(not its file size\)/);
    expect(caps.protocol_version).toBe('1.0');
  });
});

describe('CLI client commands', () => {
  // Asynchronous on purpose: the server lives in this process and must keep answering.
  const cli = (args: string[], env: Record<string, string> = { GUESTGUARD_TOKEN: TOKEN, GUESTGUARD_SERVER: base }) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const { command, args: full } = guestguardJobsCommand(args);
      execFile(command, full, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
    });

  it('submit --wait shows progress on stderr and prints the result; status, list, cancel, result', async () => {
    const sub = await cli(['submit', '--operation', 'system.echo', '--data', '{"message":"from-cli","delay_ms":600,"progress_steps":2}', '--priority', '8', '--label', 'team=qa', '--wait']);
    expect(sub.stderr).toMatch(/running/);
    expect(sub.stderr).toMatch(/50% echo: step 1\/2/);
    expect(sub.stderr).toMatch(/completed in/);
    expect(sub.status).toBe(0);
    const result = JSON.parse(sub.stdout);
    expect(result).toMatchObject({ status: 'completed', outputs: { echo: 'from-cli' } });

    const st = await cli(['status', result.job_id, '--json']);
    expect(st.status).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({ job_id: result.job_id, priority: 8, document: { metadata: { labels: { team: 'qa' } } } });

    const ls = await cli(['list', '--status', 'completed', '--limit', '3']);
    expect(ls.status).toBe(0);
    expect(ls.stdout.split('\n')[0]).toMatch(/^JOB\s+STATUS\s+OPERATION/);
    expect(ls.stdout).toContain(result.job_id);

    const id = (await cli(['submit', '--operation', 'system.echo', '--data', '{"delay_ms":30000}'])).stdout.trim();
    expect(id).toMatch(/^job-/);
    const c = await cli(['cancel', id]);
    expect([c.status, c.stdout.trim()]).toEqual([0, `${id} cancelled`]);
    const r = await cli(['result', id]);
    expect(r.status).toBe(1); // a cancelled job's result exists but is not a success
    expect(JSON.parse(r.stdout).error.code).toBe('CANCELLED');

    const missing = await cli(['status', 'job-doesnotexist']);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toBe('guestguard: no such job: job-doesnotexist');
    // Passes the CLI's own checks, rejected by the server: one line naming the field.
    const badDoc = await cli(['submit', '--operation', 'system.echo', '--deadline', 'tomorrow']);
    expect(badDoc.status).toBe(2);
    expect(badDoc.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^guestguard: VALIDATION_ERROR: execution\.deadline: /)]);
    const noAuth = await cli(['list', '--server', base], { GUESTGUARD_TOKEN: '' });
    expect(noAuth.status).toBe(2);
    expect(noAuth.stderr).toMatch(/^guestguard: UNAUTHORIZED: /);
  });
});
