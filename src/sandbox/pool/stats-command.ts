/**
 * `guestguard pool stats`: warms a pool of the sandboxes job handlers run in, runs a number of
 * single-use acquisitions through it (each exec'ing a command and waiting for it), and reports
 * the pool's stats: a health check of the host's sandboxing and a measure of what pooling buys.
 */
import { performance } from 'node:perf_hooks';
import { jobSandboxBinds } from './job-launcher.js';
import { SandboxPool, type PoolStats, type PoolTemplate } from './pool.js';
import { SampleWindow, type Percentiles } from './samples.js';

export interface PoolStatsOptions {
  /** `job`: the template `worker`/`serve` use (Node + this package read-only); `plain`: system folders only. */
  template: 'job' | 'plain';
  /** Pool target size. */
  size: number;
  /** Acquisitions to run (0: only warm the pool). */
  runs: number;
  /** Command each acquired sandbox runs. */
  command: readonly string[];
  /** Wait for an idle sandbox before each acquisition (every one warm), else acquire back to back. */
  warmEach: boolean;
  onProgress?(done: number, total: number): void;
}

export interface PoolStatsReport {
  template: 'job' | 'plain';
  command: readonly string[];
  runs: number;
  /** Exit statuses other than 0 among the runs. */
  failed_runs: number;
  warm_ms: number;
  /** acquire() + exec + the command's exit, per run. */
  run_ms: Percentiles;
  pool: PoolStats;
}

export function statsTemplate(kind: 'job' | 'plain'): PoolTemplate {
  return kind === 'job' ? { ro: jobSandboxBinds(), network: 'none', seccomp: 'basic', limits: { pids: 256 }, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' } : { network: 'none', seccomp: 'basic', stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' };
}

export async function runPoolStats(o: PoolStatsOptions): Promise<PoolStatsReport> {
  const pool = new SandboxPool({ name: `stats-${o.template}`, template: statsTemplate(o.template), size: o.size, sampleWindow: Math.max(1024, o.runs) });
  const runs = new SampleWindow(Math.max(1, o.runs));
  let failed = 0;
  try {
    const t0 = performance.now();
    await pool.warmup(o.size);
    const warmMs = performance.now() - t0;
    for (let i = 0; i < o.runs; i++) {
      if (o.warmEach) await pool.warmup(1);
      const start = performance.now();
      const sb = await pool.acquire({ timeoutMs: 60_000 });
      await sb.exec(o.command);
      const r = await sb.wait();
      runs.add(performance.now() - start);
      if (r.exitCode !== 0) failed++;
      o.onProgress?.(i + 1, o.runs);
    }
    return { template: o.template, command: o.command, runs: o.runs, failed_runs: failed, warm_ms: round(warmMs), run_ms: runs.percentiles(), pool: pool.stats() };
  } finally {
    await pool.close();
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n >= 1 ? n.toFixed(2) : n.toFixed(3));

/** A small aligned table for terminals. */
export function formatPoolStats(r: PoolStatsReport): string {
  const s = r.pool;
  const lines = [
    `pool ${s.name}: template ${r.template}, warmed in ${fmt(r.warm_ms)} ms; ${r.runs} run(s) of: ${r.command.join(' ')}`,
    '',
    `  idle ${s.idle}   active ${s.active}   queued ${s.queued}   spawning ${s.spawning}`,
    `  spawned_total ${s.spawned_total}   destroyed_total ${s.destroyed_total}   failures ${s.failures}   evicted_total ${s.evicted_total}   failed runs ${r.failed_runs}`,
    '',
    '  latency (ms)        p50        p95        p99    samples',
  ];
  const row = (name: string, p: Percentiles): string =>
    `  ${name.padEnd(16)}${fmt(p.p50).padStart(7)}${fmt(p.p95).padStart(11)}${fmt(p.p99).padStart(11)}${String(p.count).padStart(11)}`;
  lines.push(row('spawn (to ready)', s.spawn_ms), row('acquire', s.acquire_ms), row('run (acq+exit)', r.run_ms));
  if (s.last_error) lines.push('', `  last error: ${s.last_error}`);
  return lines.join('\n') + '\n';
}
