/**
 * Pre-warmed sandbox pools, and the job launcher that runs job handlers in pooled sandboxes.
 *
 *   const pool = new SandboxPool({ template: { ro: ['/srv/tool'] }, size: 4 });
 *   const sb = await pool.acquire();           // warm: already set up, waiting for its command
 *   await sb.exec(['/srv/tool/run', '--json']);
 *   const result = await sb.wait();            // single-use: the pool starts a replacement
 *   await pool.close();
 */
export {
  SandboxPool,
  type AcquireOptions,
  type PoolEvents,
  type PoolOptions,
  type PoolState,
  type PoolStats,
  type PoolTemplate,
  type PooledSandbox,
} from './pool.js';
export { SampleWindow, type Percentiles } from './samples.js';
export { registerPoolMetrics, type PoolMetrics } from './metrics.js';
export {
  JobSandboxLauncher,
  jobSandboxBinds,
  packageLayout,
  startJobSandbox,
  installJobSandbox,
  type JobSandboxOptions,
  type SandboxChoice,
} from './job-launcher.js';
export { waitUntilWarm } from './readiness.js';
export { runPoolStats, formatPoolStats, statsTemplate, type PoolStatsOptions, type PoolStatsReport } from './stats-command.js';
