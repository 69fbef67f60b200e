/**
 * Job commands: `serve` (HTTP API + workers), `worker` (Redis or jobs directory), and the
 * client commands `submit`, `status`, `result`, `list`, `cancel` that talk to a server.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { Logger } from 'pino';
import { JobClient } from '../../jobs/client.js';
import { JobError } from '../../jobs/errors.js';
import type { RunningWorker } from '../../jobs/factory.js';
import { JobBuilder } from '../../jobs/protocol/builder.js';
import { parseLabel } from '../../jobs/protocol/selectors.js';
import type { JobResult } from '../../jobs/protocol/schema.js';
import type { JobStreamEvent, JobView } from '../../jobs/service-types.js';
import { action, EXIT_NOT_FOUND_OR_FAILED } from '../errors.js';
import { writeJson } from '../format.js';

const DEFAULT_SERVER = 'http://127.0.0.1:8080';

function intOption(name: string, min: number, max: number): (v: string) => number {
  return (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return Number(v);
  };
}

function numberOption(name: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

/** `serve --fsync`: when the embedded store forces changes to disk. */
function fsyncOption(v: string): 'always' | 'batched' {
  if (v === 'always') return 'always';
  if (v === 'batch') return 'batched';
  throw new InvalidArgumentError('--fsync must be always or batch');
}

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** Repeatable `--label key=value` of worker/serve: the labels routing.affinity selects on. */
function labelOption(v: string, prev: Record<string, string> = {}): Record<string, string> {
  const l = parseLabel(v);
  if (!Array.isArray(l)) throw new InvalidArgumentError(l.error);
  return { ...prev, [l[0]]: l[1] };
}

function defaultStorePath(): string {
  const state = process.env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state');
  return join(state, 'guestguard', 'jobs.sqlite');
}

/** Structured logs on stderr (stdout stays for command output). Loaded only by serve/worker. */
async function makeLogger(level: string): Promise<Logger> {
  const { pino } = await import('pino');
  return pino({ level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}

/** Resolves on the first SIGINT/SIGTERM; a second one exits at once. */
function untilSignal(onSecond: () => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let seen = false;
    const handler = (sig: NodeJS.Signals) => {
      if (seen) {
        onSecond();
        process.exit(130);
      }
      seen = true;
      resolve(sig);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

const SANDBOX_HELP = 'where handlers of jobs that name an image (inspect, profile, ...) run: bwrap (pooled sandboxes: only that image readable, no network, seccomp basic) or none; default bwrap when it works here';

/** --sandbox for serve/worker: installs the pooled bwrap launcher (or none, with a notice when bwrap is unusable). */
async function startSandbox(choice: string | undefined) {
  if (choice !== undefined && choice !== 'bwrap' && choice !== 'none') throw new InvalidArgumentError('--sandbox must be bwrap or none');
  const { installJobSandbox, registerPoolMetrics } = await import('../../sandbox/pool/index.js');
  const launcher = await installJobSandbox(choice, (line) => process.stderr.write(`${line}\n`));
  if (!launcher) return null;
  return {
    line: '; image jobs in bwrap sandboxes',
    pool: launcher.pool,
    metrics: async (registry: import('prom-client').Registry) => void registerPoolMetrics(registry, launcher.pool),
    close: () => launcher.close(),
  };
}

interface ClientOpts {
  server: string;
  token?: string;
  json?: boolean;
}

function addClientOptions(cmd: Command): Command {
  return cmd
    .option('--server <url>', 'job server URL (env GUESTGUARD_SERVER)', process.env['GUESTGUARD_SERVER'] || DEFAULT_SERVER)
    .option('--token <token>', 'bearer token (env GUESTGUARD_TOKEN)', process.env['GUESTGUARD_TOKEN'])
    .option('--json', 'print JSON');
}

function client(o: ClientOpts): JobClient {
  return new JobClient({ server: o.server, token: o.token || undefined });
}

/** Unknown job ids are a normal "not found" (exit 1), not bad input. */
async function orNotFound<T>(p: Promise<T>): Promise<T | number> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof JobError && err.code === 'NOT_FOUND') {
      process.stderr.write(`guestguard: ${err.message}\n`);
      return EXIT_NOT_FOUND_OR_FAILED;
    }
    throw err;
  }
}

export function registerJobCommands(program: Command): void {
  registerServe(program);
  registerWorker(program);
  registerSubmit(program);
  registerStatus(program);
  registerResult(program);
  registerList(program);
  registerCancel(program);
}

function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the job HTTP API (embedded SQLite store, or Redis) with in-process workers')
    .option('--port <port>', 'TCP port (0 = any free port)', intOption('--port', 0, 65535), 8080)
    .option('--host <addr>', 'listen address', '127.0.0.1')
    .option('--redis <url>', 'use Redis (BullMQ) instead of the embedded store, e.g. redis://127.0.0.1:6379')
    .option('--workers <n>', 'jobs run at once by in-process workers (0 = API only)', intOption('--workers', 0, 1024), 1)
    .option('--store <file>', 'embedded job store (SQLite file)', defaultStorePath())
    .option(
      '--fsync <mode>',
      'embedded store: always = fdatasync every change before acknowledging it (the 201 of a submission, a result); batch = write before acknowledging, fdatasync within 50 ms (default)',
      fsyncOption,
    )
    .option('--token <token>', 'require this bearer token on /api and /metrics (env GUESTGUARD_TOKEN)', process.env['GUESTGUARD_TOKEN'])
    .option('--pool <name>', 'worker pool of the in-process workers', 'default')
    .option('--label <key=value>', 'label of the in-process workers, for routing.affinity / anti_affinity (repeatable)', labelOption)
    .option('--image-root <dir>', 'only accept images inside this directory (repeatable)', collect)
    .option('--prefix <prefix>', 'Redis key prefix', 'guestguard')
    .option('--log-level <level>', 'log level (fatal, error, warn, info, debug)', 'info')
    .option('--sandbox <backend>', SANDBOX_HELP)
    .action(
      action(async (o: { port: number; host: string; redis?: string; workers: number; store: string; fsync?: 'always' | 'batched'; token?: string; pool: string; label?: Record<string, string>; imageRoot?: string[]; prefix: string; logLevel: string; sandbox?: string }) => {
        if (o.redis && o.fsync !== undefined) throw new JobError('VALIDATION_ERROR', '--fsync is for the embedded store; with --redis, Redis persistence (appendfsync) decides');
        const logger = await makeLogger(o.logLevel);
        const sandbox = o.workers > 0 ? await startSandbox(o.sandbox) : null;
        const { startServer } = await import('../../server/index.js');
        const server = await startServer({
          port: o.port,
          host: o.host,
          token: o.token || undefined,
          redis: o.redis,
          prefix: o.prefix,
          store: o.redis ? undefined : o.store,
          ...(o.redis ? {} : { fsync: o.fsync ?? 'batched' }),
          workers: o.redis ? o.workers : [{ concurrency: o.workers, pool: o.pool, labels: o.label }].filter((w) => w.concurrency > 0),
          pool: o.pool,
          labels: o.label,
          imageRoots: o.imageRoot,
          logger,
          ...(sandbox ? { sandboxPool: sandbox.pool } : {}),
        });
        await sandbox?.metrics(server.service.metrics.registry);
        const backend = o.redis ? `redis ${o.redis}` : `store ${o.store}, fsync ${o.fsync === 'always' ? 'always' : 'batch'}`;
        process.stderr.write(`guestguard: job API listening on ${server.url} (${backend}; ${o.workers === 0 ? 'API only' : `${o.workers} worker slot(s)`}${sandbox ? sandbox.line : ''})\n`);
        await untilSignal(() => process.stderr.write('guestguard: forced exit\n'));
        process.stderr.write('guestguard: shutting down\n');
        await server.close();
        await sandbox?.close();
        process.exit(0);
      }),
    );
}

function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run jobs from Redis (--redis) or from a jobs directory (--jobs-dir)')
    .option('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379')
    .option('--jobs-dir <dir>', 'directory transport: run DIR/*.json, write DIR/results/<job_id>.json')
    .option('--concurrency <n>', 'jobs run at once', intOption('--concurrency', 1, 1024), 1)
    .option('--pool <name>', 'worker pool', 'default')
    .option('--label <key=value>', 'worker label, for routing.affinity / anti_affinity (repeatable)', labelOption)
    .option('--worker-id <id>', 'worker id (default: host-pid-random)')
    .option('--feature <name>', 'advertise a system feature (repeatable)', collect)
    .option('--max-disk-size-gb <n>', 'largest image this worker accepts', numberOption('--max-disk-size-gb'))
    .option('--image-root <dir>', 'only accept images inside this directory (repeatable)', collect)
    .option('--prefix <prefix>', 'Redis key prefix', 'guestguard')
    .option('--lock-duration <ms>', 'Redis: a job of a silent worker is re-run after this long', intOption('--lock-duration', 1000, 3_600_000), 30_000)
    .option('--poll <ms>', 'jobs directory scan interval', intOption('--poll', 50, 600_000), 1000)
    .option('--log-level <level>', 'log level (fatal, error, warn, info, debug)', 'info')
    .option('--sandbox <backend>', SANDBOX_HELP)
    .action(
      action(
        async (o: {
          redis?: string;
          jobsDir?: string;
          concurrency: number;
          pool: string;
          label?: Record<string, string>;
          workerId?: string;
          feature?: string[];
          maxDiskSizeGb?: number;
          imageRoot?: string[];
          prefix: string;
          lockDuration: number;
          poll: number;
          logLevel: string;
          sandbox?: string;
        }) => {
          if (Boolean(o.redis) === Boolean(o.jobsDir)) throw new JobError('VALIDATION_ERROR', 'give exactly one of --redis URL or --jobs-dir DIR');
          const logger = await makeLogger(o.logLevel);
          const sandbox = await startSandbox(o.sandbox);
          const { runWorker } = await import('../../jobs/factory.js');
          const common = { concurrency: o.concurrency, pool: o.pool, labels: o.label, workerId: o.workerId, features: o.feature, maxDiskSizeGb: o.maxDiskSizeGb ?? null, imageRoots: o.imageRoot, logger };
          const worker: RunningWorker = o.redis
            ? await runWorker({ ...common, redis: o.redis, prefix: o.prefix, lockDurationMs: o.lockDuration })
            : await runWorker({ ...common, jobsDir: o.jobsDir!, pollMs: o.poll });
          await sandbox?.metrics(worker.metrics.registry);
          process.stderr.write(`guestguard: worker ${worker.workerId} (pool ${o.pool}, concurrency ${o.concurrency}${sandbox ? sandbox.line : ''}) on ${o.redis ?? o.jobsDir}\n`);
          await untilSignal(() => void worker.close({ force: true }));
          process.stderr.write('guestguard: worker draining (signal again to stop now)\n');
          await worker.close();
          await sandbox?.close();
          process.exit(0);
        },
      ),
    );
}

interface SubmitOpts extends ClientOpts {
  operation?: string;
  data?: string;
  image?: string;
  checksum?: string;
  priority?: number;
  timeout?: number;
  deadline?: string;
  maxAttempts?: number;
  idempotencyKey?: string;
  pool?: string;
  workerId?: string;
  name?: string;
  label?: string[];
  cache: boolean;
  wait?: boolean;
}

function readJsonSource(src: string): unknown {
  const text = src === '-' ? readFileSync(0, 'utf8') : readFileSync(src, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new JobError('VALIDATION_ERROR', `${src === '-' ? 'stdin' : src} is not valid JSON: ${(err as Error).message}`);
  }
}

/** The job document from a file and/or flags (flags win). */
export function jobFromOptions(file: string | undefined, o: SubmitOpts): Record<string, unknown> {
  let doc: Record<string, unknown>;
  if (file !== undefined) {
    const raw = readJsonSource(file);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new JobError('VALIDATION_ERROR', 'the job file must hold a JSON object');
    doc = raw as Record<string, unknown>;
  } else {
    if (!o.operation) throw new JobError('VALIDATION_ERROR', 'give a job file, or --operation (e.g. --operation system.echo --data \'{"message":"hi"}\')');
    let data: unknown = {};
    if (o.data !== undefined) data = o.data.startsWith('@') ? readJsonSource(o.data.slice(1)) : parseJsonFlag('--data', o.data);
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new JobError('VALIDATION_ERROR', '--data must be a JSON object');
    doc = new JobBuilder(o.operation).payload(data as Record<string, unknown>).toJSON();
  }
  const section = (k: string) => {
    const v = doc[k];
    const obj = typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...(v as Record<string, unknown>) } : {};
    doc[k] = obj;
    return obj;
  };
  if (o.image !== undefined || o.checksum !== undefined || !o.cache) {
    const payload = section('payload');
    const data = { ...((payload['data'] as Record<string, unknown>) ?? {}) };
    if (o.image !== undefined || o.checksum !== undefined) {
      const image = { ...((data['image'] as Record<string, unknown>) ?? {}) };
      if (o.image !== undefined) image['path'] = o.image;
      if (o.checksum !== undefined) image['checksum'] = o.checksum;
      data['image'] = image;
    }
    if (!o.cache) data['no_cache'] = true;
    payload['data'] = data;
  }
  const ex = (k: string, v: unknown) => v !== undefined && (section('execution')[k] = v);
  ex('priority', o.priority);
  ex('timeout_seconds', o.timeout);
  ex('deadline', o.deadline);
  ex('max_attempts', o.maxAttempts);
  ex('idempotency_key', o.idempotencyKey);
  if (o.pool !== undefined) section('routing')['worker_pool'] = o.pool;
  if (o.workerId !== undefined) section('routing')['worker_id'] = o.workerId;
  if (o.name !== undefined) section('metadata')['name'] = o.name;
  if (o.label && o.label.length > 0) {
    const md = section('metadata');
    const labels = { ...((md['labels'] as Record<string, string>) ?? {}) };
    for (const l of o.label) {
      const i = l.indexOf('=');
      if (i <= 0) throw new JobError('VALIDATION_ERROR', `--label must be key=value, got "${l}"`);
      labels[l.slice(0, i)] = l.slice(i + 1);
    }
    md['labels'] = labels;
  }
  return doc;
}

function parseJsonFlag(name: string, v: string): unknown {
  try {
    return JSON.parse(v);
  } catch (err) {
    throw new JobError('VALIDATION_ERROR', `${name} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Live progress on stderr: one rewritten line on a terminal, one line per event otherwise. */
class ProgressDisplay {
  private readonly tty = Boolean(process.stderr.isTTY);
  private status = 'queued';
  private lastLine = '';
  constructor(private readonly jobId: string) {}

  update(e: JobStreamEvent): void {
    if (e.type === 'status') {
      this.status = e.status;
      this.show(`${this.status}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`, true);
    } else if (e.type === 'progress') {
      const p = e.event.progress_percent;
      const pct = p === null || p === undefined ? '     ' : `${p.toFixed(0).padStart(3)}% `;
      this.show(`${pct}${e.event.phase}${e.event.message ? `: ${e.event.message}` : ''}`, false);
    }
  }

  private show(text: string, isStatus: boolean): void {
    const line = `${this.jobId} ${text}`;
    if (line === this.lastLine) return;
    this.lastLine = line;
    // A terminal gets one line rewritten in place; logs and pipes get every change.
    if (this.tty) process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 100) - 1)}`);
    else if (isStatus || text.trim() !== '') process.stderr.write(line + '\n');
  }

  done(r: JobResult): void {
    const summary = `${r.status} in ${r.execution_summary.duration_seconds.toFixed(2)} s${r.error ? ` — ${r.error.code}: ${r.error.message}` : ''}`;
    if (this.tty) process.stderr.write(`\r\x1b[2K${this.jobId} ${summary}\n`);
    else process.stderr.write(`${this.jobId} ${summary}\n`);
  }
}

function registerSubmit(program: Command): void {
  const cmd = program
    .command('submit')
    .description('submit a job (a JSON job document file, "-" for stdin, or flags)')
    .argument('[file]', 'job document (JSON)')
    .option('--operation <op>', 'operation, e.g. system.echo or guestkit.inspect')
    .option('--data <json>', 'payload data as JSON (or @file)')
    .option('--image <path>', 'payload.data.image.path')
    .option('--checksum <sha256:hex>', 'payload.data.image.checksum (verified before work starts)')
    .option('--priority <1-10>', 'priority (10 = most urgent)', intOption('--priority', 1, 10))
    .option('--timeout <seconds>', 'timeout_seconds', numberOption('--timeout'))
    .option('--deadline <iso-time>', 'hard deadline (ISO 8601)')
    .option('--max-attempts <n>', 'attempts for recoverable failures', intOption('--max-attempts', 1, 100))
    .option('--idempotency-key <key>', 'idempotency key')
    .option('--pool <name>', 'routing.worker_pool')
    .option('--worker-id <id>', 'routing.worker_id')
    .option('--name <name>', 'metadata.name')
    .option('--label <key=value>', 'metadata label (repeatable)', collect)
    .option('--no-cache', 'do not serve the result from the cache')
    .option('--wait', 'follow progress on stderr and print the result when done');
  addClientOptions(cmd).action(
    action(async (file: string | undefined, o: SubmitOpts) => {
      const c = client(o);
      const out = await c.submit(jobFromOptions(file, o));
      const id = out.job.job_id;
      if (out.status === 'existing') {
        process.stderr.write(`guestguard: idempotency key already completed by ${id}: returning its result\n`);
        writeJson(out.result ?? null);
        return out.result?.status === 'completed' ? 0 : EXIT_NOT_FOUND_OR_FAILED;
      }
      if (!o.wait) {
        if (o.json) writeJson(out);
        else process.stdout.write(`${id}\n`);
        return;
      }
      const display = new ProgressDisplay(id);
      const stop = new AbortController();
      // Ctrl-C while waiting stops watching; the job keeps running on the server.
      const onInt = () => stop.abort();
      process.once('SIGINT', onInt);
      try {
        for await (const e of c.follow(id, { signal: stop.signal })) {
          if (e.type === 'result') {
            display.done(e.result);
            writeJson(e.result);
            return e.result.status === 'completed' ? 0 : EXIT_NOT_FOUND_OR_FAILED;
          }
          display.update(e);
        }
      } finally {
        process.off('SIGINT', onInt);
      }
      throw new JobError('UNAVAILABLE', `stopped following ${id} before it finished`);
    }),
  );
}

function describeView(v: JobView): string {
  const lines = [
    `job:        ${v.job_id}${v.name ? ` (${v.name})` : ''}`,
    `status:     ${v.status}`,
    `operation:  ${v.operation}`,
    `priority:   ${v.priority}`,
    `attempt:    ${v.attempt}/${v.max_attempts}`,
    `worker:     ${v.worker_id ?? '-'}`,
    `submitted:  ${v.submitted_at}`,
  ];
  if (v.started_at) lines.push(`started:    ${v.started_at}`);
  if (v.finished_at) lines.push(`finished:   ${v.finished_at}`);
  if (v.next_attempt_at) lines.push(`next try:   ${v.next_attempt_at}`);
  if (v.error) lines.push(`error:      ${v.error.code}: ${v.error.message}`);
  return lines.join('\n') + '\n';
}

function registerStatus(program: Command): void {
  addClientOptions(program.command('status').description("show a job's status").argument('<job-id>')).action(
    action(async (id: string, o: ClientOpts) => {
      const v = await orNotFound(client(o).get(id));
      if (typeof v === 'number') return v;
      if (o.json) writeJson(v);
      else process.stdout.write(describeView(v));
    }),
  );
}

function registerResult(program: Command): void {
  addClientOptions(program.command('result').description("print a finished job's result (JSON)").argument('<job-id>')).action(
    action(async (id: string, o: ClientOpts) => {
      const c = client(o);
      const r = await orNotFound(c.result(id));
      if (typeof r === 'number') return r;
      if (r === undefined) {
        const v = await c.get(id);
        process.stderr.write(`guestguard: job ${id} has no result yet (${v.status})\n`);
        return EXIT_NOT_FOUND_OR_FAILED;
      }
      writeJson(r);
      return r.status === 'completed' ? 0 : EXIT_NOT_FOUND_OR_FAILED;
    }),
  );
}

function registerList(program: Command): void {
  const cmd = program
    .command('list')
    .description('list jobs, newest first')
    .option('--status <status>', 'only jobs in this state')
    .option('--operation <op>', 'only this operation')
    .option('--limit <n>', 'page size', intOption('--limit', 1, 500), 50)
    .option('--cursor <cursor>', 'continue from a previous page');
  addClientOptions(cmd).action(
    action(async (o: ClientOpts & { status?: string; operation?: string; limit: number; cursor?: string }) => {
      const page = await client(o).list({ status: o.status as JobView['status'] | undefined, operation: o.operation, limit: o.limit, cursor: o.cursor });
      if (o.json) return void writeJson(page);
      const rows = page.items.map((v) => [v.job_id, v.status, v.operation, String(v.priority), `${v.attempt}/${v.max_attempts}`, v.submitted_at]);
      const head = ['JOB', 'STATUS', 'OPERATION', 'PRI', 'ATTEMPT', 'SUBMITTED'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
      process.stdout.write([fmt(head), ...rows.map(fmt)].join('\n') + '\n');
      if (page.next_cursor) process.stderr.write(`more: --cursor ${page.next_cursor}\n`);
    }),
  );
}

function registerCancel(program: Command): void {
  addClientOptions(program.command('cancel').description('cancel a queued or running job').argument('<job-id>')).action(
    action(async (id: string, o: ClientOpts) => {
      const v = await orNotFound(client(o).cancel(id));
      if (typeof v === 'number') return v;
      if (o.json) writeJson(v);
      else process.stdout.write(`${v.job_id} ${v.status}\n`);
    }),
  );
}
