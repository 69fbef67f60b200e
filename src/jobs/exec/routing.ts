/** Does a job fit a worker? Pools, pinned worker ids, labels, capabilities, features, version, disk size. */
import type { JobDocument } from '../protocol/schema.js';
import { checkedLabels, describeSelector, matches, selectorsOf } from '../protocol/selectors.js';
import type { HandlerRegistry } from '../handlers/registry.js';
import { VERSION } from '../../version.js';
import { satisfiesMinimum } from '../protocol/semver.js';

export interface WorkerProfile {
  worker_id: string;
  pool: string;
  version: string;
  /** Operations plus extra capabilities (e.g. "disk.qcow2"). */
  capabilities: readonly string[];
  features: readonly string[];
  /** Largest image this worker accepts; null = no limit. */
  max_disk_size_gb: number | null;
  /** Labels for routing.affinity / anti_affinity. */
  labels?: Readonly<Record<string, string>>;
}

/** What a worker of any transport advertises: the registry's operations plus its own extras. */
export function workerProfile(
  registry: HandlerRegistry,
  w: { workerId: string; pool?: string | undefined; capabilities?: readonly string[] | undefined; features?: readonly string[] | undefined; maxDiskSizeGb?: number | null | undefined; labels?: Record<string, string> | undefined },
  labelsField?: string,
): WorkerProfile {
  return {
    worker_id: w.workerId,
    pool: w.pool ?? 'default',
    version: VERSION,
    capabilities: [...new Set([...registry.capabilities(), ...(w.capabilities ?? [])])],
    features: [...new Set([...registry.features(), ...(w.features ?? [])])],
    max_disk_size_gb: w.maxDiskSizeGb ?? null,
    labels: checkedLabels(w.labels, labelsField),
  };
}

/** Why `worker` must not take `job`, or undefined when it may. */
export function routingMismatch(job: JobDocument, worker: WorkerProfile): string | undefined {
  const r = job.routing;
  const c = job.constraints;
  if (r?.worker_id != null && r.worker_id !== worker.worker_id) return `pinned to worker ${r.worker_id}`;
  if (r?.worker_pool != null && r.worker_pool !== worker.pool) return `wants pool ${r.worker_pool}`;
  if (c?.allowed_worker_pools && c.allowed_worker_pools.length > 0 && !c.allowed_worker_pools.includes(worker.pool)) {
    return `pool ${worker.pool} not in allowed_worker_pools`;
  }
  const labels = worker.labels ?? {};
  for (const sel of selectorsOf(r?.affinity)) {
    if (!matches(labels, sel)) return `affinity ${describeSelector(sel)} not matched by the worker's labels`;
  }
  for (const sel of selectorsOf(r?.anti_affinity)) {
    if (matches(labels, sel)) return `anti_affinity ${describeSelector(sel)} matches the worker's labels`;
  }
  if (!worker.capabilities.includes(job.operation)) return `operation ${job.operation} not supported`;
  const missingCap = (c?.required_capabilities ?? []).filter((x) => !worker.capabilities.includes(x));
  if (missingCap.length > 0) return `missing capabilities: ${missingCap.join(', ')}`;
  const missingFeat = (c?.required_features ?? []).filter((x) => !worker.features.includes(x));
  if (missingFeat.length > 0) return `missing features: ${missingFeat.join(', ')}`;
  if (c?.minimum_worker_version != null && !satisfiesMinimum(worker.version, c.minimum_worker_version)) {
    return `worker version ${worker.version} < ${c.minimum_worker_version}`;
  }
  if (c?.maximum_disk_size_gb != null && worker.max_disk_size_gb !== null && c.maximum_disk_size_gb > worker.max_disk_size_gb) {
    return `disks up to ${c.maximum_disk_size_gb} GB exceed this worker's ${worker.max_disk_size_gb} GB limit`;
  }
  return undefined;
}

/** Exponential backoff before retry number `attempt` (1-based), never shorter than nominal. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, jitter = 0.1): number {
  const nominal = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(nominal * (1 + Math.random() * jitter));
}
