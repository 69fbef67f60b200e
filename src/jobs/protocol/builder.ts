/**
 * Fluent builder for v1 job documents. `build()` fills job_id (`job-<ULID>`), created_at and
 * the payload type (`<operation>.v1` unless set) and validates, so a built job is always valid.
 */
import { ulid } from '../ulid.js';
import { JOB_KIND, PROTOCOL_VERSION, type JobDocument } from './schema.js';
import { parseJobDocument } from './validate.js';

type Obj = Record<string, unknown>;

export function newJobId(): string {
  return `job-${ulid()}`;
}

export class JobBuilder {
  private readonly doc: Obj & {
    metadata: Obj & { labels: Record<string, string>; annotations: Record<string, string> };
    execution: Obj;
    constraints: Obj & { required_capabilities: string[]; required_features: string[] };
    routing: Obj;
    observability: Obj;
    audit: Obj;
  };
  private payloadType: string | undefined;
  private payloadData: Obj = {};

  constructor(operation: string) {
    this.doc = {
      version: PROTOCOL_VERSION,
      kind: JOB_KIND,
      operation,
      metadata: { labels: {}, annotations: {} },
      execution: {},
      constraints: { required_capabilities: [], required_features: [] },
      routing: {},
      observability: {},
      audit: {},
    };
  }

  jobId(id: string): this {
    this.doc['job_id'] = id;
    return this;
  }
  createdAt(when: Date | string): this {
    this.doc['created_at'] = typeof when === 'string' ? when : when.toISOString();
    return this;
  }
  /** Payload data; `type` defaults to `<operation>.v1`. */
  payload(data: Obj, type?: string): this {
    this.payloadData = data;
    if (type !== undefined) this.payloadType = type;
    return this;
  }
  payloadVersion(version: number): this {
    this.payloadType = `${String(this.doc['operation'])}.v${version}`;
    return this;
  }
  /** Convenience for image operations: sets payload.data.image. */
  image(path: string, extra: { checksum?: string; format?: string; size_bytes?: number } = {}): this {
    this.payloadData = { ...this.payloadData, image: { path, ...extra } };
    return this;
  }
  name(name: string): this {
    this.doc.metadata['name'] = name;
    return this;
  }
  namespace(ns: string): this {
    this.doc.metadata['namespace'] = ns;
    return this;
  }
  label(key: string, value: string): this {
    this.doc.metadata.labels[key] = value;
    return this;
  }
  annotation(key: string, value: string): this {
    this.doc.metadata.annotations[key] = value;
    return this;
  }
  idempotencyKey(key: string): this {
    this.doc.execution['idempotency_key'] = key;
    return this;
  }
  maxAttempts(n: number): this {
    this.doc.execution['max_attempts'] = n;
    return this;
  }
  timeoutSeconds(s: number): this {
    this.doc.execution['timeout_seconds'] = s;
    return this;
  }
  deadline(when: Date | string): this {
    this.doc.execution['deadline'] = typeof when === 'string' ? when : when.toISOString();
    return this;
  }
  priority(p: number): this {
    this.doc.execution['priority'] = p;
    return this;
  }
  cancellable(c: boolean): this {
    this.doc.execution['cancellable'] = c;
    return this;
  }
  requireCapability(...caps: string[]): this {
    this.doc.constraints.required_capabilities.push(...caps);
    return this;
  }
  requireFeature(...features: string[]): this {
    this.doc.constraints.required_features.push(...features);
    return this;
  }
  minimumWorkerVersion(v: string): this {
    this.doc.constraints['minimum_worker_version'] = v;
    return this;
  }
  maximumDiskSizeGb(gb: number): this {
    this.doc.constraints['maximum_disk_size_gb'] = gb;
    return this;
  }
  allowPools(...pools: string[]): this {
    this.doc.constraints['allowed_worker_pools'] = pools;
    return this;
  }
  workerPool(pool: string): this {
    this.doc.routing['worker_pool'] = pool;
    return this;
  }
  workerId(id: string): this {
    this.doc.routing['worker_id'] = id;
    return this;
  }
  trace(traceId: string, spanId?: string, parentSpanId?: string): this {
    Object.assign(this.doc.observability, { trace_id: traceId, span_id: spanId, parent_span_id: parentSpanId });
    return this;
  }
  correlationId(id: string): this {
    this.doc.observability['correlation_id'] = id;
    return this;
  }
  submittedBy(who: string, from?: string): this {
    this.doc.audit['submitted_by'] = who;
    if (from !== undefined) this.doc.audit['submitted_from'] = from;
    return this;
  }
  /** Sets any other (possibly future) top-level field; kept as-is. */
  extra(key: string, value: unknown): this {
    this.doc[key] = value;
    return this;
  }

  /** The raw document (not yet validated), e.g. to write a job file. */
  toJSON(): Obj {
    const d: Obj = { ...this.doc };
    d['job_id'] ??= newJobId();
    d['created_at'] ??= new Date().toISOString();
    d['payload'] = { type: this.payloadType ?? `${String(this.doc['operation'])}.v1`, data: this.payloadData };
    // Drop empty optional sections so documents stay readable.
    const c = this.doc.constraints;
    const constraints: Obj = { ...c };
    if (c.required_capabilities.length === 0) delete constraints['required_capabilities'];
    if (c.required_features.length === 0) delete constraints['required_features'];
    const m = this.doc.metadata;
    const metadata: Obj = { ...m };
    if (Object.keys(m.labels).length === 0) delete metadata['labels'];
    if (Object.keys(m.annotations).length === 0) delete metadata['annotations'];
    for (const [k, v] of [['constraints', constraints], ['metadata', metadata]] as const) {
      if (Object.keys(v).length === 0) delete d[k];
      else d[k] = v;
    }
    for (const k of ['routing', 'observability', 'audit'] as const) {
      const v = Object.fromEntries(Object.entries(this.doc[k]).filter(([, x]) => x !== undefined));
      if (Object.keys(v).length === 0) delete d[k];
      else d[k] = v;
    }
    return d;
  }

  build(): JobDocument {
    // Validate a copy: a builder can be reused to stamp out several jobs.
    return parseJobDocument(structuredClone(this.toJSON()));
  }
}

/** Shorthand: a valid job for `operation` with `data` as payload. */
export function buildJob(operation: string, data: Obj = {}, configure?: (b: JobBuilder) => void): JobDocument {
  const b = new JobBuilder(operation).payload(data);
  configure?.(b);
  return b.build();
}
