/**
 * guestkit.inspect jobs through the embedded service: the result is exactly the report of
 * `./bin/guestguard inspect IMAGE --format json`, options map to the CLI's --no-<section>
 * flags, progress and bytes read are reported, and library errors keep their meaning.
 */
import { openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedJobService } from '../../src/jobs/embedded-service.js';
import { buildJob } from '../../src/jobs/protocol/builder.js';
import type { JobDocument } from '../../src/jobs/protocol/schema.js';
import { run } from '../helpers/fixtures.js';
import { canBuildInspectImages, cachedDebianImage, cliInspectReport, inspectImages, type InspectImage } from './helpers/images.js';
import { metricValue, tempDir } from './helpers/jobs.js';
import { waitForStatus } from './helpers/wait.js';

const tmp = tempDir();
let svc: EmbeddedJobService;
let images: InspectImage[] = [];
beforeAll(async () => {
  if (!canBuildInspectImages) return;
  images = inspectImages();
  const debian = cachedDebianImage();
  if (debian) images.push(debian);
  svc = await EmbeddedJobService.create({ workers: 2, tickMs: 100 });
});
afterAll(async () => {
  await svc?.close();
  tmp.cleanup();
});

const cliReport = cliInspectReport;

function withoutGenerator(report: unknown): Record<string, unknown> {
  const { generator, ...rest } = report as Record<string, unknown>;
  expect(generator).toMatch(/^guestguard /);
  return rest;
}

async function runJob(job: JobDocument) {
  await svc.submit(job);
  const view = await waitForStatus(svc, job.job_id, 'terminal', 120_000);
  return { view, result: (await svc.result(job.job_id))!, events: await svc.events(job.job_id) };
}

const inspectJob = (path: string, options: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  buildJob('guestkit.inspect', { image: { path, ...extra }, options: { no_cache: true, ...options } });

describe.skipIf(!canBuildInspectImages)('guestkit.inspect jobs', () => {
  it('return exactly what `guestguard inspect --format json` prints, for every image', async () => {
    const jobs = images.map((img) => [img, inspectJob(img.path)] as const);
    for (const [, j] of jobs) await svc.submit(j);
    for (const [img, j] of jobs) {
      const view = await waitForStatus(svc, j.job_id, 'terminal', 180_000);
      const result = (await svc.result(j.job_id))!;
      expect(result.error, img.name).toBeUndefined();
      expect(view.status).toBe('completed');
      const data = result.data as { operating_systems: { product_name: string }[] };
      const products = data.operating_systems.map((o) => o.product_name);
      if (img.product === null) expect(products, img.name).toEqual([]);
      else expect(products, img.name).toEqual([typeof img.product === 'string' ? img.product : expect.stringMatching(img.product)]);
      expect(withoutGenerator(data), img.name).toEqual(cliReport(img.path));
      expect(result.outputs).toEqual({ operating_systems: products.length, roots: data.operating_systems.map((o) => (o as { root?: string }).root), products });
      // Bytes read from the image: counted in the job and in the Prometheus counter.
      expect(result.metrics?.disk_read_bytes, img.name).toBeGreaterThan(4096);
      // Progress from the library's steps, in order, ending at the report.
      const steps = (await svc.events(j.job_id)).filter((e) => e.phase === 'inspect');
      expect(steps.length, img.name).toBeGreaterThanOrEqual(2);
      const pct = steps.map((e) => e.progress_percent ?? 0);
      expect([...pct].sort((a, b) => a - b)).toEqual(pct);
      expect(steps.at(-1)).toMatchObject({ progress_percent: 100, details: { step: 'done' } });
    }
    const text = await svc.metrics.registry.metrics();
    const read = jobs.map(([, j]) => j.job_id).map(async (id) => (await svc.result(id))!.metrics!.disk_read_bytes!);
    const sum = (await Promise.all(read)).reduce((a, b) => a + b, 0);
    expect(metricValue(text, 'guestguard_image_read_bytes_total')).toBeGreaterThanOrEqual(sum);
    expect(metricValue(text, 'guestguard_jobs_total', { operation: 'guestkit.inspect', status: 'completed' })).toBe(images.length);
  }, 600_000);

  it('include_* options leave sections out like the CLI --no-<section> flags; include_storage: false drops the storage layout', async () => {
    const img = images.find((i) => i.name === 'debian-qcow2')!;
    const skip = await runJob(inspectJob(img.path, { include_packages: false, include_network: false, include_users: false }));
    expect(skip.result.status).toBe('completed');
    const data = withoutGenerator(skip.result.data);
    expect(data).toEqual(cliReport(img.path, ['--no-packages', '--no-network', '--no-users']));
    const os = (data['operating_systems'] as Record<string, unknown>[])[0]!;
    expect([os['packages'], os['network'], os['users']]).toEqual([null, null, null]);
    expect(os['services']).not.toBeNull();

    const noStorage = await runJob(inspectJob(img.path, { include_storage: false }));
    const full = cliReport(img.path);
    const got = withoutGenerator(noStorage.result.data);
    expect(got['disks']).toBeNull();
    const gotOs = (got['operating_systems'] as Record<string, unknown>[])[0]!;
    expect([gotOs['mountpoints'], gotOs['filesystems']]).toEqual([null, null]);
    const fullOs = (full['operating_systems'] as Record<string, unknown>[])[0]!;
    expect(gotOs).toEqual({ ...fullOs, mountpoints: null, filesystems: null });
  }, 300_000);

  it('rejects bad payloads with VALIDATION_ERROR naming the field', async () => {
    const img = images[0]!;
    const cases: [JobDocument, string][] = [
      [buildJob('guestkit.inspect', { image: { path: img.path }, options: { include_packages: 'yes' } }), 'payload.data.options.include_packages'],
      [buildJob('guestkit.inspect', { image: { path: img.path }, options: { include_pakages: false } }), 'payload.data.options'],
      [buildJob('guestkit.inspect', { options: {} }), 'payload.data.image'],
    ];
    for (const [job, field] of cases) {
      const { result } = await runJob(job);
      expect(result.status).toBe('failed');
      expect(result.error, field).toMatchObject({ code: 'VALIDATION_ERROR', phase: 'validation', recoverable: false, details: { field } });
      expect(result.error?.message).toContain(field);
    }
  }, 120_000);

  it('maps the library errors: missing backing file -> IMAGE_NOT_FOUND, damaged or unknown image -> UNSUPPORTED_IMAGE', async () => {
    // An overlay whose backing image is gone.
    const base = join(tmp.dir, 'base.qcow2');
    const overlay = join(tmp.dir, 'overlay.qcow2');
    run('qemu-img', ['create', '-q', '-f', 'qcow2', base, '64M']);
    run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, overlay]);
    rmSync(base);
    // A qcow2 whose L1 table lies far beyond the end of the file.
    const damaged = join(tmp.dir, 'damaged.qcow2');
    run('qemu-img', ['create', '-q', '-f', 'qcow2', damaged, '64M']);
    const fd = openSync(damaged, 'r+');
    writeSync(fd, Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0]), 0, 8, 40);
    closeSync(fd);
    // A raw image opened as the VMDK it is not.
    const raw = images.find((i) => i.name === 'alpine-raw')!.path;

    const missing = await runJob(inspectJob(overlay));
    expect(missing.result.error).toMatchObject({ code: 'IMAGE_NOT_FOUND', recoverable: false, details: { cause_code: 'BACKING_FILE_MISSING' } });
    const bad = await runJob(inspectJob(damaged));
    expect(bad.result.error).toMatchObject({ code: 'UNSUPPORTED_IMAGE', recoverable: false });
    expect(bad.result.error?.details?.['cause_code']).toMatch(/CORRUPT_IMAGE|TRUNCATED_IMAGE/);
    const wrong = await runJob(inspectJob(raw, {}, { format: 'vmdk' }));
    expect(wrong.result.error).toMatchObject({ code: 'UNSUPPORTED_IMAGE' });
    const gone = await runJob(inspectJob(join(tmp.dir, 'nope.qcow2')));
    expect(gone.result.error).toMatchObject({ code: 'IMAGE_NOT_FOUND' });
  }, 120_000);

  it('serves a repeated inspection of the same image and options from the cache', async () => {
    const img = images.find((i) => i.name === 'alpine-raw')!;
    const first = await runJob(buildJob('guestkit.inspect', { image: { path: img.path }, options: { include_packages: false } }));
    const second = await runJob(buildJob('guestkit.inspect', { image: { path: img.path }, options: { include_packages: false } }));
    expect(first.result.status).toBe('completed');
    expect((second.result as { cache?: { hit: boolean } }).cache?.hit).toBe(true);
    expect(second.result.data).toEqual(first.result.data);
    // Other options are another inspection.
    const other = await runJob(buildJob('guestkit.inspect', { image: { path: img.path }, options: { include_packages: true } }));
    expect((other.result as { cache?: unknown }).cache).toBeUndefined();
  }, 120_000);
});
