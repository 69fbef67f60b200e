import { describe, expect, it } from 'vitest';
import {
  JobBuilder,
  JobStateMachine,
  JobValidationError,
  IllegalTransitionError,
  assertTransition,
  buildJob,
  canTransition,
  compareSemver,
  isUlid,
  parseJobDocument,
  parseSemver,
  satisfiesMinimum,
  ulid,
  ulidTime,
  validateJobDocument,
  JOB_STATES,
  JobResultSchema,
  ProgressEventSchema,
  type JobState,
} from '../../src/jobs/index.js';

function minimal(): Record<string, unknown> {
  return {
    version: '1.0',
    job_id: 'job-12345678',
    created_at: '2026-01-30T10:00:00Z',
    kind: 'VMOperation',
    operation: 'guestkit.inspect',
    payload: { type: 'guestkit.inspect.v1', data: { image: { path: '/vms/a.qcow2' } } },
  };
}

function full(): Record<string, unknown> {
  return {
    $schema: 'https://guestkit.dev/schemas/job-v1.json',
    version: '1.0',
    job_id: 'job-550e8400-e29b-41d4-a716-446655440000',
    created_at: '2026-01-30T10:00:00Z',
    kind: 'VMOperation',
    operation: 'guestkit.inspect',
    metadata: { name: 'weekly-scan', namespace: 'prod', labels: { env: 'prod' }, annotations: { ticket: 'INC-1' } },
    execution: { idempotency_key: 'scan-w04', attempt: 1, max_attempts: 3, timeout_seconds: 7200, deadline: '2026-01-30T14:00:00Z', priority: 7, cancellable: true },
    constraints: {
      required_capabilities: ['guestkit.inspect', 'disk.qcow2'],
      required_features: ['lvm'],
      minimum_worker_version: '0.1.0',
      maximum_disk_size_gb: 1000,
      require_privileged: false,
      allowed_worker_pools: ['pool-prod', 'pool-secure'],
    },
    routing: { worker_id: null, worker_pool: 'pool-prod', affinity: { disk_locality: '/mnt/vms' }, anti_affinity: { concurrent_jobs: ['job-abc123'] } },
    payload: {
      type: 'guestkit.inspect.v1',
      data: {
        image: { path: '/mnt/vms/web.qcow2', format: 'qcow2', checksum: `sha256:${'e3b0c442'.repeat(8)}`, size_bytes: 42949672960 },
        options: { deep_scan: true },
      },
    },
    observability: { trace_id: 't-1', span_id: 's-1', parent_span_id: null, correlation_id: 'batch-4' },
    audit: { submitted_by: 'svc', submitted_from: '10.0.1.50', authorization: { method: 'bearer_token', subject: 'sa-scanner' } },
  };
}

/** Applies `mutate` to a copy of the full document and returns the first field at fault. */
function faultOf(mutate: (d: Record<string, any>) => void, base = full): string | undefined {
  const d = structuredClone(base()) as Record<string, any>;
  mutate(d);
  const r = validateJobDocument(d);
  return r.ok ? undefined : r.issues[0]!.field;
}

describe('job document validation', () => {
  it('accepts a minimal document and fills the execution defaults', () => {
    const job = parseJobDocument(minimal());
    expect(job.execution).toEqual({ attempt: 1, max_attempts: 1, timeout_seconds: 3600, priority: 5, cancellable: true });
  });

  it('accepts a full document and keeps unknown fields everywhere (forward compatible)', () => {
    const d = full() as Record<string, any>;
    d['future_top'] = { x: 1 };
    d['execution'].future_policy = 'strict';
    d['payload'].data.image.read_only = true;
    d['routing'].future_hint = [1, 2];
    const job = parseJobDocument(d) as Record<string, any>;
    expect(job['future_top']).toEqual({ x: 1 });
    expect(job['execution'].future_policy).toBe('strict');
    expect(job['payload'].data.image.read_only).toBe(true);
    expect(job['routing'].future_hint).toEqual([1, 2]);
    expect(job['constraints'].require_privileged).toBe(false);
    expect(job['$schema']).toBe('https://guestkit.dev/schemas/job-v1.json');
  });

  const rules: [string, string, (d: Record<string, any>) => void][] = [
    ['unsupported version', 'version', (d) => (d.version = '2.0')],
    ['job_id shorter than 8', 'job_id', (d) => (d.job_id = 'job-1')],
    ['job_id with a path separator', 'job_id', (d) => (d.job_id = 'job-../../etc')],
    ['created_at not ISO 8601', 'created_at', (d) => (d.created_at = 'yesterday')],
    ['kind', 'kind', (d) => (d.kind = 'Pod')],
    ['operation not namespaced', 'operation', (d) => (d.operation = 'inspect')],
    ['payload missing', 'payload', (d) => delete d.payload],
    ['payload.type for another operation', 'payload.type', (d) => (d.payload.type = 'guestkit.profile.v1')],
    ['payload.type without version', 'payload.type', (d) => (d.payload.type = 'guestkit.inspect')],
    ['payload.type with a bad version', 'payload.type', (d) => (d.payload.type = 'guestkit.inspect.1')],
    ['priority above 10', 'execution.priority', (d) => (d.execution.priority = 11)],
    ['priority below 1', 'execution.priority', (d) => (d.execution.priority = 0)],
    ['priority not an integer', 'execution.priority', (d) => (d.execution.priority = 2.5)],
    ['max_attempts 0', 'execution.max_attempts', (d) => (d.execution.max_attempts = 0)],
    ['attempt above max_attempts', 'execution.attempt', (d) => (d.execution.attempt = 4)],
    ['negative timeout', 'execution.timeout_seconds', (d) => (d.execution.timeout_seconds = -1)],
    ['deadline before created_at', 'execution.deadline', (d) => (d.execution.deadline = '2026-01-30T09:00:00Z')],
    ['cancellable not boolean', 'execution.cancellable', (d) => (d.execution.cancellable = 'yes')],
    ['minimum_worker_version not semver', 'constraints.minimum_worker_version', (d) => (d.constraints.minimum_worker_version = '1.x')],
    ['negative maximum_disk_size_gb', 'constraints.maximum_disk_size_gb', (d) => (d.constraints.maximum_disk_size_gb = -5)],
    ['required_capabilities not a list', 'constraints.required_capabilities', (d) => (d.constraints.required_capabilities = 'lvm')],
    ['worker_pool outside allowed_worker_pools', 'routing.worker_pool', (d) => (d.routing.worker_pool = 'pool-dev')],
    ['affinity selector with a bad key', 'routing.affinity.1', (d) => (d.routing.affinity = ['zone=eu-1', 'bad key=x'])],
    ['affinity selector not a string', 'routing.affinity.0', (d) => (d.routing.affinity = [42])],
    ['affinity value an object', 'routing.affinity.disk_locality', (d) => (d.routing.affinity = { disk_locality: { path: '/mnt' } })],
    ['anti_affinity with an empty list of values', 'routing.anti_affinity.zone', (d) => (d.routing.anti_affinity = { zone: [] })],
    ['anti_affinity a string', 'routing.anti_affinity', (d) => (d.routing.anti_affinity = 'zone=eu-1')],
    ['checksum not sha256', 'payload.data.image.checksum', (d) => (d.payload.data.image.checksum = 'md5:abc')],
    ['image without path', 'payload.data.image.path', (d) => delete d.payload.data.image.path],
    ['label value not a string', 'metadata.labels.env', (d) => (d.metadata.labels.env = 1)],
    ['authorization not an object', 'audit.authorization', (d) => (d.audit.authorization = 'token')],
  ];
  for (const [what, field, mutate] of rules) {
    it(`rejects ${what} naming ${field}`, () => {
      expect(faultOf(() => {})).toBeUndefined();
      expect(faultOf(mutate)).toBe(field);
    });
  }

  it('rejects non-objects naming the document', () => {
    for (const bad of [null, [], 'job', 42]) {
      const r = validateJobDocument(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.issues[0]!.field).toBe('');
    }
  });

  it('throws a typed JobValidationError carrying the field and every issue', () => {
    const d = full() as Record<string, any>;
    d.execution.priority = 99;
    d.kind = 'Pod';
    try {
      parseJobDocument(d);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(JobValidationError);
      const e = err as JobValidationError;
      expect(e.code).toBe('VALIDATION_ERROR');
      expect(e.issues.map((i) => i.field).sort()).toEqual(['execution.priority', 'kind']);
      expect(e.message).toContain(e.field);
    }
  });

  it('says "is required" for missing fields', () => {
    const d = minimal();
    delete d['created_at'];
    const r = validateJobDocument(d);
    expect(r.ok ? undefined : r.issues[0]).toEqual({ field: 'created_at', message: 'is required' });
  });
});

describe('job builder', () => {
  it('makes valid documents with job-<ULID> ids, now as created_at and <operation>.v1 payloads', () => {
    const before = Date.now();
    const job = new JobBuilder('system.echo')
      .payload({ message: 'hi' })
      .name('hello')
      .label('team', 'qa')
      .priority(9)
      .timeoutSeconds(30)
      .maxAttempts(3)
      .idempotencyKey('k-1')
      .allowPools('a', 'b')
      .workerPool('b')
      .requireCapability('system.echo')
      .minimumWorkerVersion('0.1.0')
      .trace('trace-1', 'span-1')
      .build();
    expect(job.job_id).toMatch(/^job-[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(isUlid(job.job_id.slice(4))).toBe(true);
    expect(Date.parse(job.created_at)).toBeGreaterThanOrEqual(before - 1);
    expect(job.payload).toEqual({ type: 'system.echo.v1', data: { message: 'hi' } });
    expect(job.execution).toMatchObject({ priority: 9, timeout_seconds: 30, max_attempts: 3, idempotency_key: 'k-1', attempt: 1 });
    expect(job.routing).toEqual({ worker_pool: 'b' });
    expect(job.metadata).toEqual({ name: 'hello', labels: { team: 'qa' } });
    expect(job.observability).toEqual({ trace_id: 'trace-1', span_id: 'span-1' });
  });

  it('validates on build (the field at fault is named)', () => {
    expect(() => new JobBuilder('system.echo').priority(20).build()).toThrow(/execution\.priority/);
    expect(() => new JobBuilder('echo').build()).toThrow(/operation/);
    expect(() => new JobBuilder('system.echo').payloadVersion(2).build()).not.toThrow();
  });

  it('stamps a new id for every build and keeps extras', () => {
    const b = new JobBuilder('system.echo').extra('x_custom', { a: 1 }).image('/tmp/disk.raw', { checksum: `sha256:${'0'.repeat(64)}` });
    const a = b.build();
    const c = b.build();
    expect(a.job_id).not.toBe(c.job_id);
    expect((a as Record<string, unknown>)['x_custom']).toEqual({ a: 1 });
    expect(a.payload.data['image']).toEqual({ path: '/tmp/disk.raw', checksum: `sha256:${'0'.repeat(64)}` });
    expect(buildJob('system.echo', { n: 1 }).payload.data).toEqual({ n: 1 });
  });
});

describe('state machine', () => {
  it('walks the happy path and every terminal outcome', () => {
    for (const end of ['completed', 'failed', 'timeout', 'cancelled'] as const) {
      const sm = new JobStateMachine('job-abcdefgh');
      sm.transition('queued').transition('assigned').transition('running').transition(end);
      expect(sm.state).toBe(end);
      for (const to of JOB_STATES) expect(canTransition(end, to)).toBe(false);
    }
  });

  it('allows retries, recovery and early exits', () => {
    expect(canTransition('running', 'queued')).toBe(true); // retry / worker lost
    expect(canTransition('assigned', 'queued')).toBe(true);
    expect(canTransition('queued', 'cancelled')).toBe(true);
    expect(canTransition('queued', 'timeout')).toBe(true); // deadline passed while queued
    expect(canTransition('pending', 'cancelled')).toBe(true);
  });

  const illegal: [JobState, JobState][] = [
    ['pending', 'running'],
    ['queued', 'running'],
    ['queued', 'completed'],
    ['assigned', 'completed'],
    ['completed', 'running'],
    ['cancelled', 'queued'],
    ['failed', 'queued'],
    ['running', 'pending'],
  ];
  for (const [from, to] of illegal) {
    it(`rejects ${from} -> ${to} with a typed error`, () => {
      try {
        assertTransition('job-abcdefgh', from, to);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(IllegalTransitionError);
        expect((err as IllegalTransitionError).code).toBe('ILLEGAL_TRANSITION');
        expect((err as IllegalTransitionError).from).toBe(from);
        expect((err as IllegalTransitionError).to).toBe(to);
      }
    });
  }
});

describe('ULID and semver helpers', () => {
  it('ULIDs are 26 Crockford chars, time-prefixed and strictly increasing within a millisecond', () => {
    // Later than any id made so far in this process (ids never go back in time).
    const t = Date.now() + 60_000;
    const ids = Array.from({ length: 1000 }, () => ulid(t));
    expect(ids.every(isUlid)).toBe(true);
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
    expect(ulidTime(ids[0]!)).toBe(t);
    expect(ulid(t + 1) > ids[999]!).toBe(true);
    // A clock stepping back keeps the order.
    expect(ulid(t - 5000) > ids[999]!).toBe(true);
  });

  it('compares versions by SemVer precedence', () => {
    const order = ['0.4.0', '0.10.0', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
    for (let i = 1; i < order.length; i++) expect(compareSemver(parseSemver(order[i - 1]!)!, parseSemver(order[i]!)!)).toBeLessThan(0);
    expect(compareSemver(parseSemver('1.0.0+build.1')!, parseSemver('1.0.0')!)).toBe(0);
    expect(parseSemver('01.0.0')).toBeUndefined();
    expect(satisfiesMinimum('0.1.0', '0.1.0')).toBe(true);
    expect(satisfiesMinimum('0.1.0', '0.2.0')).toBe(false);
    expect(satisfiesMinimum('garbage', '0.0.1')).toBe(false);
  });
});

describe('result and progress schemas', () => {
  it('accept protocol results and events and keep extra fields', () => {
    const r = JobResultSchema.parse({
      job_id: 'job-12345678',
      status: 'failed',
      failed_at: '2026-01-30T10:15:00Z',
      worker_id: 'worker-01',
      execution_summary: { started_at: '2026-01-30T10:00:00Z', duration_seconds: 900, attempt: 2 },
      error: { code: 'IMAGE_CHECKSUM_MISMATCH', message: 'x', phase: 'validation', details: { expected: 'a' }, recoverable: false, retry_recommended: false },
      extra: true,
    });
    expect(r['extra']).toBe(true);
    expect(() => JobResultSchema.parse({ job_id: 'x', status: 'running', execution_summary: { duration_seconds: 0, attempt: 1 } })).toThrow();
    expect(ProgressEventSchema.parse({ job_id: 'j', timestamp: '2026-01-30T10:05:00Z', sequence: 42, phase: 'disk_inspection', progress_percent: 35, message: 'm' }).sequence).toBe(42);
  });
});
