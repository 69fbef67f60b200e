/** Building blocks: sandbox failure modes, routing, backoff, cache keys, streamed checksums. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson, resultCacheKey } from '../../src/jobs/exec/cache.js';
import { sha256OfFile } from '../../src/jobs/exec/checksum.js';
import { retryDelayMs, routingMismatch, type WorkerProfile } from '../../src/jobs/exec/routing.js';
import { JobError } from '../../src/jobs/errors.js';
import type { HandlerSpec } from '../../src/jobs/handlers/types.js';
import { buildJob } from '../../src/jobs/protocol/builder.js';
import { liveSandboxes, runHandler } from '../../src/jobs/sandbox/run-handler.js';
import { REPO_ROOT } from '../helpers/fixtures.js';
import { makeImage, tempDir } from './helpers/jobs.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('sandboxed handler failures', () => {
  const errorsUrl = pathToFileURL(join(REPO_ROOT, 'src', 'errors.ts')).href;
  const mod = join(tmp.dir, 'handlers.ts');
  writeFileSync(
    mod,
    `import { ImageFormatError } from ${JSON.stringify(errorsUrl)};
export function exits() { process.exit(3); }
export function unserialisable() { return { data: () => 1 }; }
export function corrupt() { throw new ImageFormatError('CORRUPT_IMAGE', 'bad L1 table', { structure: 'qcow2 L1 table', offset: 65536 }); }
export function flaky() { const e = new Error('disk busy'); (e as any).code = 'EBUSY'; throw e; }
export function notFound() { throw new ImageFormatError('IMAGE_NOT_FOUND', 'no such image'); }
export const notAFunction = 42;
`,
  );
  const input = { module: pathToFileURL(mod).href, payload: { type: 't.t.v1', data: {} }, job: { job_id: 'job-12345678', operation: 't.t', payload_type: 't.t.v1', attempt: 1, max_attempts: 1, idempotency_key: null, worker_id: 'w' } };
  const spec = (exportName: string, isolation: 'thread' | 'process' = 'thread'): HandlerSpec => ({ operation: 't.t', module: input.module, exportName, isolation });
  const fail = async (exportName: string, isolation: 'thread' | 'process' = 'thread') => {
    try {
      await runHandler(spec(exportName, isolation), { ...input, exportName });
    } catch (err) {
      expect(err).toBeInstanceOf(JobError);
      return (err as JobError).toInfo();
    }
    throw new Error('expected a failure');
  };

  it('maps crashes, bad outputs and library errors to typed job errors', async () => {
    const [thread, proc, ser, cor, busy, nf, naf] = await Promise.all([
      fail('exits'),
      fail('exits', 'process'),
      fail('unserialisable'),
      fail('corrupt', 'process'),
      fail('flaky'),
      fail('notFound'),
      fail('notAFunction'),
    ]);
    expect(thread).toMatchObject({ code: 'HANDLER_CRASHED', details: { exit: 'thread exit code 3' } });
    expect(proc).toMatchObject({ code: 'HANDLER_CRASHED', details: { exit: 'exit code 3' } });
    expect(ser).toMatchObject({ code: 'EXECUTION_ERROR' });
    expect(ser.message).toMatch(/serialis|clone/i);
    expect(cor).toMatchObject({ code: 'EXECUTION_ERROR', recoverable: false, details: { cause_code: 'CORRUPT_IMAGE', structure: 'qcow2 L1 table', offset: 65536 } });
    expect(busy).toMatchObject({ code: 'EXECUTION_ERROR', recoverable: true, retry_recommended: true });
    expect(nf).toMatchObject({ code: 'IMAGE_NOT_FOUND', recoverable: false });
    expect(naf.message).toMatch(/no exported function "notAFunction"/);
    expect(liveSandboxes()).toEqual([]);
  });
});

describe('routing and backoff', () => {
  const worker: WorkerProfile = { worker_id: 'w1', pool: 'p1', version: '0.3.0', capabilities: ['system.echo', 'disk.qcow2'], features: ['lvm'], max_disk_size_gb: 100 };
  it('explains why a worker may not take a job', () => {
    const why = (configure: Parameters<typeof buildJob>[2]) => routingMismatch(buildJob('system.echo', {}, configure), worker);
    expect(why(() => {})).toBeUndefined();
    expect(why((b) => b.workerPool('p1').allowPools('p1', 'p2').requireCapability('disk.qcow2').requireFeature('lvm').minimumWorkerVersion('0.3.0').maximumDiskSizeGb(100))).toBeUndefined();
    expect(why((b) => b.workerId('w2'))).toMatch(/pinned to worker w2/);
    expect(why((b) => b.workerPool('p2'))).toMatch(/wants pool p2/);
    expect(why((b) => b.allowPools('p2'))).toMatch(/not in allowed_worker_pools/);
    expect(why((b) => b.requireCapability('disk.vmdk'))).toMatch(/missing capabilities: disk.vmdk/);
    expect(why((b) => b.requireFeature('selinux'))).toMatch(/missing features: selinux/);
    expect(why((b) => b.minimumWorkerVersion('0.10.0'))).toMatch(/0.3.0 < 0.10.0/);
    expect(why((b) => b.maximumDiskSizeGb(101))).toMatch(/exceed/);
    expect(routingMismatch(buildJob('guestkit.inspect', {}), worker)).toMatch(/not supported/);
    const labelled: WorkerProfile = { ...worker, labels: { zone: 'eu-1', gpu: 'a100' } };
    const routed = (routing: Record<string, unknown>) => routingMismatch(buildJob('system.echo', {}, (b) => b.extra('routing', routing)), labelled);
    expect(routed({ affinity: ['zone=eu-1', 'gpu'] })).toBeUndefined();
    expect(routed({ affinity: { zone: ['us-1', 'eu-1'], gpu: true } })).toBeUndefined();
    expect(routed({ affinity: { zone: 'us-1' } })).toBe("affinity zone=us-1 not matched by the worker's labels");
    expect(routed({ affinity: { zone: ['us-1', 'ap-1'] } })).toBe("affinity zone in (us-1, ap-1) not matched by the worker's labels");
    expect(routed({ affinity: ['ssd'] })).toBe("affinity ssd not matched by the worker's labels");
    expect(routed({ anti_affinity: ['gpu=a100'] })).toBe("anti_affinity gpu=a100 matches the worker's labels");
    expect(routed({ anti_affinity: ['gpu=h100', 'ssd'] })).toBeUndefined();
    // A worker without labels matches no selector.
    expect(routingMismatch(buildJob('system.echo', {}, (b) => b.extra('routing', { anti_affinity: ['gpu'] })), worker)).toBeUndefined();
  });

  it('doubles the retry delay per attempt, up to the cap, never below nominal', () => {
    for (let i = 0; i < 20; i++) {
      const [a, b, c, d] = [1, 2, 3, 10].map((n) => retryDelayMs(n, 100, 1000));
      expect(a).toBeGreaterThanOrEqual(100);
      expect(a).toBeLessThanOrEqual(110);
      expect(b).toBeGreaterThanOrEqual(200);
      expect(c).toBeGreaterThanOrEqual(400);
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(1100);
    }
  });
});

describe('cache keys and checksums', () => {
  it('keys ignore option order and no_cache, but not option values or the image', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
    const key = (data: Record<string, unknown>) => resultCacheKey(buildJob('system.echo', data), 'sha256:x');
    expect(key({ options: { a: 1, b: 2 } })).toBe(key({ options: { b: 2, a: 1, no_cache: true } }));
    expect(key({ options: { a: 1 } })).not.toBe(key({ options: { a: 2 } }));
    expect(resultCacheKey(buildJob('system.echo', {}), 'sha256:x')).not.toBe(resultCacheKey(buildJob('system.echo', {}), 'sha256:y'));
  });

  it('streams sha256 like sha256sum and stops when aborted', async () => {
    const img = makeImage(tmp.dir, 'sum.qcow2', 8);
    const progress: number[] = [];
    const r = await sha256OfFile(img.path, { onProgress: (p) => progress.push(p.bytes) });
    expect(`sha256:${r.hex}`).toBe(img.checksum);
    expect(progress.at(-1)).toBe(r.bytes);
    const ac = new AbortController();
    ac.abort(new JobError('CANCELLED', 'stop'));
    await expect(sha256OfFile(img.path, { signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
