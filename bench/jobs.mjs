// Issue 6 benchmark: the job system. Prints a markdown section on stdout (progress on stderr).
//   1. Queue overhead, system.echo, in-process on the compiled library (dist/):
//      - serial: one job at a time, submit -> result; overhead = latency - time inside the handler
//        sandbox (thread start + run + exit, from guestguard_handler_duration_seconds), i.e. what
//        the queue itself adds per job: validation, store writes, scheduling, events, result;
//      - burst: N jobs submitted at once, jobs per second at 1 and 4 concurrent handler slots;
//      - the embedded store alone: one job's whole life (submit, claim, running, 2 events, finish).
//      Embedded store (SQLite file + operation log) and Redis (BullMQ, in-process worker).
//   2. guestkit.inspect jobs through the real commands, over HTTP: `guestguard serve --workers N`
//      (embedded) and `guestguard serve --redis` + N `guestguard worker --redis` processes, N = 1, 3.
// BENCH_JOBS_ECHO (default 300) and BENCH_JOBS_INSPECT (default 60) size the runs.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { GG, have, loadavg, log, table, WORK } from './lib.mjs';

const dist = (p) => import(join(import.meta.dirname, '..', 'dist', p));
const { EmbeddedJobService, RedisJobService, JobClient, SqliteJobStore, buildJob } = await dist('jobs/index.js');

const ECHO = Number(process.env.BENCH_JOBS_ECHO ?? 300);
const INSPECT = Number(process.env.BENCH_JOBS_INSPECT ?? 60);
const SERIAL = Math.min(ECHO, 150);
const dir = join(WORK, 'jobs');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const loads = [`start: ${loadavg()}`];
const ms = (x) => `${x.toFixed(2)} ms`;
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

// ------------------------------------------------------------------------------------------------
// Redis

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const rdir = mkdtempSync(join(dir, 'redis-'));
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', rdir, '--loglevel', 'warning'], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG') break;
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => proc.kill('SIGTERM') };
}

const sleep = (t) => new Promise((r) => setTimeout(r, t));

// ------------------------------------------------------------------------------------------------
// 1. Queue overhead (system.echo, in-process)

function handlerSeconds(metrics) {
  const h = metrics.registry.getSingleMetric('guestguard_handler_duration_seconds');
  return h.get().then((m) => m.values.filter((v) => v.metricName.endsWith('_sum')).reduce((a, v) => a + v.value, 0));
}

/** Resolves with the job's result event (subscribed before submitting: no polling, no missed event). */
function resultOf(svc, jobId) {
  return new Promise((resolve) => {
    const off = svc.subscribe(jobId, (e) => {
      if (e.type === 'result') {
        off();
        resolve(e.result);
      }
    });
  });
}

/** One job at a time: latency minus the handler sandbox time. */
async function serialOverhead(svc, n) {
  const over = [];
  const inside = [];
  for (let i = 0; i < n + 5; i++) {
    const h0 = await handlerSeconds(svc.metrics);
    const job = buildJob('system.echo', { i });
    const t0 = performance.now();
    const done = resultOf(svc, job.job_id);
    await svc.submit(job);
    const r = await done;
    const wall = performance.now() - t0;
    if (r.status !== 'completed') throw new Error(`echo job failed: ${JSON.stringify(r.error)}`);
    const handler = ((await handlerSeconds(svc.metrics)) - h0) * 1000;
    if (i >= 5) {
      // the first few warm up the module caches
      over.push(wall - handler);
      inside.push(handler);
    }
  }
  return { over, inside };
}

async function burst(svc, n) {
  const jobs = Array.from({ length: n }, (_, i) => buildJob('system.echo', { i }));
  const done = jobs.map((j) => resultOf(svc, j.job_id));
  const t0 = performance.now();
  for (const j of jobs) await svc.submit(j);
  await Promise.all(done);
  return (n * 1000) / (performance.now() - t0);
}

function storeLifecycle(store, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const job = buildJob('system.echo', { i });
    store.submit(job);
    store.claimNext('w', () => true);
    store.transition(job.job_id, 'running', { started_at: Date.now() });
    store.appendEvent(job.job_id, { timestamp: new Date().toISOString(), phase: 'execution', progress_percent: 0 });
    store.appendEvent(job.job_id, { timestamp: new Date().toISOString(), phase: 'execution', progress_percent: 100 });
    store.finish(job.job_id, { job_id: job.job_id, status: 'completed', completed_at: new Date().toISOString(), execution_summary: { started_at: null, duration_seconds: 0, attempt: 1 }, data: { i } });
  }
  return (performance.now() - t0) / n;
}

const overheadRows = [];
const burstRows = [];

log(`embedded store: store-only lifecycle`);
{
  const store = await SqliteJobStore.open({ path: join(dir, 'store-only.sqlite') });
  storeLifecycle(store, 200);
  const perJob = storeLifecycle(store, Math.max(1000, ECHO * 3));
  overheadRows.push(['embedded store alone: submit, claim, running, 2 events, finish', ms(perJob), '', '', '']);
  store.close();
}

log(`embedded: ${SERIAL} serial echo jobs`);
{
  const svc = await EmbeddedJobService.create({ store: join(dir, 'serial.sqlite'), workers: 1 });
  const { over, inside } = await serialOverhead(svc, SERIAL);
  overheadRows.push([`embedded (SQLite file), ${SERIAL} jobs one at a time`, `**${ms(mean(over))}**`, ms(pct(over, 50)), ms(pct(over, 95)), ms(mean(inside))]);
  await svc.close();
}
let redis;
if (have('redis-server')) {
  redis = await startRedis();
  log(`redis: ${SERIAL} serial echo jobs`);
  const svc = await RedisJobService.create({ redis: redis.url, prefix: 'bench-serial', workers: 1 });
  const { over, inside } = await serialOverhead(svc, SERIAL);
  overheadRows.push([`Redis (BullMQ, in-process worker), ${SERIAL} jobs one at a time`, `**${ms(mean(over))}**`, ms(pct(over, 50)), ms(pct(over, 95)), ms(mean(inside))]);
  await svc.close();
}

// Bursts: three rounds of ECHO/3 jobs per setup, the setups interleaved round by round so that
// changes in the machine's load hit every setup alike; the median round is reported.
const setups = [];
for (const c of [1, 4]) {
  setups.push({ name: `embedded, ${c} slot${c > 1 ? 's' : ''}`, make: (r) => EmbeddedJobService.create({ store: join(dir, `burst-${c}-${r}.sqlite`), workers: c }), rates: [] });
  if (redis) setups.push({ name: `Redis, 1 in-process worker, ${c} slot${c > 1 ? 's' : ''}`, make: (r) => RedisJobService.create({ redis: redis.url, prefix: `bench-burst-${c}-${r}`, workers: c }), rates: [] });
}
const perRound = Math.max(10, Math.round(ECHO / 3));
for (let round = 0; round < 3; round++) {
  for (const s of setups) {
    log(`burst round ${round + 1}/3: ${s.name}, ${perRound} echo jobs`);
    const svc = await s.make(round);
    await burst(svc, 5);
    s.rates.push(await burst(svc, perRound));
    await svc.close();
  }
}
for (const s of setups) {
  const rate = pct(s.rates, 50);
  burstRows.push([s.name, `${rate.toFixed(1)} jobs/s`, ms(1000 / rate), s.rates.map((x) => x.toFixed(1)).join(' / ')]);
}
loads.push(`after the echo runs: ${loadavg()}`);

// ------------------------------------------------------------------------------------------------
// 2. guestkit.inspect through `guestguard serve` / `guestguard worker`

function put(root, path, text) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

/** Two small guests: an Alpine-like ext4 as raw, a Debian-like ext4 in qcow2 (mkfs.ext4 -d, qemu-img). */
function inspectImages() {
  const out = [];
  const guests = {
    alpine: { 'etc/os-release': 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n', 'etc/alpine-release': '3.19.1\n', 'etc/hostname': 'bench-alpine\n', 'lib/apk/db/installed': 'P:musl\nV:1.2.4-r4\nA:x86_64\n\nP:busybox\nV:1.36.1-r15\nA:x86_64\n\n' },
    debian: {
      'etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
      'etc/debian_version': '12.5\n',
      'etc/hostname': 'bench-debian\n',
      'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\n',
      'etc/group': 'root:x:0:\n',
      'var/lib/dpkg/status': 'Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2\n\n',
    },
  };
  for (const [name, files] of Object.entries(guests)) {
    const tree = join(dir, `${name}.tree`);
    for (const [p, t] of Object.entries(files)) put(tree, p, t);
    mkdirSync(join(tree, 'bin'), { recursive: true });
    copyFileSync(existsSync('/usr/bin/busybox') ? '/usr/bin/busybox' : '/bin/bash', join(tree, 'bin', 'sh'));
    const img = join(dir, `${name}.ext4`);
    spawnSync('mkfs.ext4', ['-q', '-F', '-L', name, '-d', tree, img, '16M'], { stdio: 'inherit' });
    rmSync(tree, { recursive: true, force: true });
    if (name === 'debian') {
      const qcow = join(dir, 'debian.qcow2');
      spawnSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', img, qcow], { stdio: 'inherit' });
      rmSync(img);
      out.push(qcow);
    } else out.push(img);
  }
  return out;
}

function startProcess(args) {
  const proc = spawn(process.execPath, [GG, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const exited = new Promise((r) => proc.on('exit', r));
  return {
    proc,
    stderr: () => err,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000).then(() => proc.kill('SIGKILL'))]);
    },
  };
}

async function waitFor(fn, what, timeoutMs = 120_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function serve(args) {
  const s = startProcess(['serve', '--port', '0', '--log-level', 'warn', ...args]);
  const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(s.stderr())?.[1], `serve to start: ${s.stderr()}`);
  return { ...s, url, sandbox: /bwrap/.test(s.stderr()) ? 'bwrap' : 'none' };
}

async function inspectRun(client, images, n) {
  const t0 = performance.now();
  const ids = [];
  for (let i = 0; i < n; i++) {
    const out = await client.submit(buildJob('guestkit.inspect', { image: { path: images[i % images.length] }, options: { no_cache: true } }));
    ids.push(out.job.job_id);
  }
  let failed = 0;
  for (const id of ids) {
    const r = await waitFor(() => client.result(id), `job ${id}`, 900_000);
    if (r.status !== 'completed') failed++;
  }
  const seconds = (performance.now() - t0) / 1000;
  return { rate: n / seconds, seconds, failed };
}

const inspectRows = [];
let sandboxes = new Set();
if (INSPECT > 0 && have('mkfs.ext4') && have('qemu-img')) {
  const images = inspectImages();
  for (const n of [1, 3]) {
    log(`inspect: embedded serve --workers ${n}, ${INSPECT} jobs`);
    const s = await serve(['--store', join(dir, `inspect-${n}.sqlite`), '--workers', String(n)]);
    sandboxes.add(s.sandbox);
    try {
      const client = new JobClient({ server: s.url });
      await inspectRun(client, images, Math.min(4, INSPECT));
      const r = await inspectRun(client, images, INSPECT);
      inspectRows.push([`embedded: \`serve --workers ${n}\``, `${r.rate.toFixed(2)} jobs/s`, `${(r.seconds * 1000 / INSPECT).toFixed(0)} ms`, String(r.failed)]);
    } finally {
      await s.stop();
    }
  }
  if (redis) {
    for (const n of [1, 3]) {
      log(`inspect: redis, ${n} worker process(es), ${INSPECT} jobs`);
      const prefix = `bench-inspect-${n}`;
      const s = await serve(['--redis', redis.url, '--prefix', prefix, '--workers', '0']);
      const workers = Array.from({ length: n }, (_, i) => startProcess(['worker', '--redis', redis.url, '--prefix', prefix, '--concurrency', '1', '--worker-id', `bench-w${i + 1}`, '--log-level', 'warn']));
      try {
        const client = new JobClient({ server: s.url });
        await waitFor(async () => (await (await fetch(`${s.url}/api/v1/workers`)).json()).workers.length === n, `${n} workers to register`);
        for (const w of workers) {
          await waitFor(() => /guestguard: worker /.test(w.stderr()), 'the worker start line');
          sandboxes.add(/bwrap/.test(w.stderr()) ? 'bwrap' : 'none');
        }
        await inspectRun(client, images, Math.min(4, INSPECT));
        const r = await inspectRun(client, images, INSPECT);
        inspectRows.push([`Redis: ${n} \`worker --redis\` process${n > 1 ? 'es' : ''}`, `${r.rate.toFixed(2)} jobs/s`, `${(r.seconds * 1000 / INSPECT).toFixed(0)} ms`, String(r.failed)]);
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
        await s.stop();
      }
    }
  }
}
redis?.stop();
loads.push(`end: ${loadavg()}`);

// ------------------------------------------------------------------------------------------------

const out = [
  '### Jobs (issue 6): queue overhead and throughput',
  '',
  `Command: \`node bench/jobs.mjs\` (BENCH_JOBS_ECHO=${ECHO}, BENCH_JOBS_INSPECT=${INSPECT}), on the compiled build (\`npm run build\`). Load average ${loads.join('; ')}.`,
  '',
  '**Queue overhead per system.echo job** (what the job system adds around the handler: validation, store writes, scheduling, progress events, result). Latency of one job at a time minus the time inside the handler sandbox (worker thread start + run + exit, from `guestguard_handler_duration_seconds`).',
  '',
  table(['setup', 'overhead / job (mean)', 'p50', 'p95', 'handler sandbox / job'], overheadRows),
  '',
  `**system.echo throughput** (3 rounds of ${Math.max(10, Math.round(ECHO / 3))} jobs submitted in a burst per setup, setups interleaved; each job runs in its own worker thread, so thread start dominates):`,
  '',
  table(['setup', 'throughput (median round)', 'wall per job', 'rounds (jobs/s)'], burstRows),
  '',
];
if (inspectRows.length > 0) {
  out.push(
    `**guestkit.inspect throughput** (${INSPECT} jobs over two small guests, an ext4 raw image and an ext4 qcow2, every job a real inspection (\`no_cache\`), submitted over HTTP; handlers sandboxed: ${[...sandboxes].join(', ')}):`,
    '',
    table(['setup', 'throughput', 'wall per job', 'failed'], inspectRows),
    '',
  );
}
process.stdout.write(out.join('\n') + '\n');
