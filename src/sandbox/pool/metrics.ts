/**
 * Prometheus metrics for sandbox pools, registered on a caller's prom-client Registry (the job
 * service's, so they appear on the server's /metrics). Gauges are read at scrape time; counters
 * and histograms follow the pool's events. Every series carries a `pool` label.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SandboxPool } from './pool.js';

/** Warm acquires take microseconds, cold ones (waiting for a start) up to seconds. */
const ACQUIRE_BUCKETS = [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SPAWN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface PoolMetrics {
  /** Adds a pool; returns a function that stops following it. */
  add(pool: SandboxPool): () => void;
}

const byRegistry = new WeakMap<Registry, PoolMetrics>();

/**
 * Registers the pool metrics on `registry` once and follows `pools`:
 * guestguard_sandbox_pool_{idle,active,queued,spawning} (gauges),
 * guestguard_sandbox_pool_{spawned,destroyed,failures,evicted}_total (counters),
 * guestguard_sandbox_pool_{spawn,acquire}_seconds (histograms).
 */
export function registerPoolMetrics(registry: Registry, ...pools: SandboxPool[]): PoolMetrics {
  let m = byRegistry.get(registry);
  if (!m) {
    m = create(registry);
    byRegistry.set(registry, m);
  }
  for (const p of pools) m.add(p);
  return m;
}

function create(registry: Registry): PoolMetrics {
  const pools = new Set<SandboxPool>();
  const gauge = (name: string, help: string, pick: (s: ReturnType<SandboxPool['stats']>) => number): void => {
    new Gauge({
      name: `guestguard_sandbox_pool_${name}`,
      help,
      labelNames: ['pool'],
      registers: [registry],
      collect() {
        this.reset();
        for (const p of pools) this.set({ pool: p.name }, pick(p.stats()));
      },
    });
  };
  gauge('idle', 'Warm sandboxes waiting to be acquired.', (s) => s.idle);
  gauge('active', 'Sandboxes handed out and still running.', (s) => s.active);
  gauge('queued', 'acquire() calls waiting for a sandbox.', (s) => s.queued);
  gauge('spawning', 'Sandboxes being started.', (s) => s.spawning);
  const counter = (name: string, help: string) => new Counter({ name: `guestguard_sandbox_pool_${name}_total`, help, labelNames: ['pool'], registers: [registry] });
  const spawned = counter('spawned', 'Sandboxes started and ready.');
  const destroyed = counter('destroyed', 'Pool sandboxes that exited (released, evicted or closed).');
  const failures = counter('failures', 'Sandboxes that failed to start or died while idle.');
  const evicted = counter('evicted', 'Idle sandboxes destroyed for reaching the maximum age.');
  const spawnSeconds = new Histogram({
    name: 'guestguard_sandbox_pool_spawn_seconds',
    help: 'Time from starting a sandbox to it being ready.',
    labelNames: ['pool'],
    buckets: SPAWN_BUCKETS,
    registers: [registry],
  });
  const acquireSeconds = new Histogram({
    name: 'guestguard_sandbox_pool_acquire_seconds',
    help: 'Time from acquire() to a sandbox being handed over.',
    labelNames: ['pool'],
    buckets: ACQUIRE_BUCKETS,
    registers: [registry],
  });
  return {
    add(pool) {
      if (pools.has(pool)) return () => undefined;
      pools.add(pool);
      const labels = { pool: pool.name };
      // Series exist from the start (at 0), so rate() works before the first event.
      for (const c of [spawned, destroyed, failures, evicted]) c.inc(labels, 0);
      const onSpawn = (ms: number): void => {
        spawned.inc(labels);
        spawnSeconds.observe(labels, ms / 1000);
      };
      const onAcquire = (ms: number): void => acquireSeconds.observe(labels, ms / 1000);
      const onDestroy = (): void => destroyed.inc(labels);
      const onFailure = (): void => failures.inc(labels);
      const onEvict = (): void => evicted.inc(labels);
      pool.on('spawn', onSpawn);
      pool.on('acquire', onAcquire);
      pool.on('destroy', onDestroy);
      pool.on('failure', onFailure);
      pool.on('evict', onEvict);
      return () => {
        pools.delete(pool);
        pool.off('spawn', onSpawn);
        pool.off('acquire', onAcquire);
        pool.off('destroy', onDestroy);
        pool.off('failure', onFailure);
        pool.off('evict', onEvict);
      };
    },
  };
}
