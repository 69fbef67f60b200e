// Sandbox benchmark: cold spawn vs warm (pooled) acquire for the bwrap backend, against the same
// command started unsandboxed and through a plain `bwrap` call, all in this one run; then job
// throughput (system.echo through the embedded executor) with and without sandboxing.
// Prints markdown on stdout (progress on stderr). Needs a build (dist/) and bwrap.
// BENCH_SANDBOX_RUNS (default 1000): runs per latency series; BENCH_SANDBOX_JOBS (default 200):
// jobs per throughput series; BENCH_SANDBOX_CONCURRENCY (default 2): jobs in flight.
import { spawn as spawnChild } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { ROOT, log } from './lib.mjs';

const RUNS = Number(process.env.BENCH_SANDBOX_RUNS ?? 1000);
const JOBS = Number(process.env.BENCH_SANDBOX_JOBS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_SANDBOX_CONCURRENCY ?? 2);
const dist = (p) => join(ROOT, 'dist', p);

const { spawn, detectBwrap } = await import(dist('sandbox/index.js'));
const { SandboxPool, JobSandboxLauncher } = await import(dist('sandbox/pool/index.js'));
const { JobExecutor } = await import(dist('jobs/exec/executor.js'));
const { createJobMetrics } = await import(dist('jobs/exec/metrics.js'));
const { defaultHandlerRegistry } = await import(dist('jobs/handlers/registry.js'));
const { buildJob } = await import(dist('jobs/protocol/builder.js'));
const { setProcessLauncher } = await import(dist('jobs/sandbox/launcher.js'));

const bwrap = detectBwrap();
if (typeof bwrap === 'string') {
  console.log(`## Sandboxes\n\nskipped: ${bwrap}\n`);
  process.exit(0);
}

function pct(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p) => s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
  return { p50: at(50), p95: at(95), p99: at(99), n: s.length };
}
const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));

function waitChild(file, args) {
  return new Promise((resolve, reject) => {
    const c = spawnChild(file, args, { stdio: 'ignore' });
    c.once('error', reject);
    c.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${file} exited with ${code}`))));
  });
}

const TRUE = '/bin/true';
// The same namespaces and a similar mount set as guestguard's sandboxes, without the launch chain,
// cgroups, the generated files and the seccomp filter: what bwrap itself costs.
const PLAIN_BWRAP = ['--unshare-user', '--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup', '--die-with-parent', '--new-session', '--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', TRUE];

// Warm: each acquisition takes an idle sandbox (we make sure one is ready before timing, so every
// one is warm), runs the command and waits for it to exit. The pool refills in the background.
const pool = new SandboxPool({ name: 'bench', template: { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' }, size: 2 });
await pool.warmup();

// The series are interleaved (one run of each per round), so load from other processes on this
// machine falls on all of them alike.
const latency = { unsandboxed: [], plainBwrap: [], cold: [], warm: [], acquire: [] };
log(`latency: ${RUNS} rounds of unsandboxed / plain bwrap / cold / warm`);
for (let i = 0; i < RUNS; i++) {
  let t = performance.now();
  await waitChild(TRUE, []);
  latency.unsandboxed.push(performance.now() - t);

  t = performance.now();
  await waitChild(bwrap.path, PLAIN_BWRAP);
  latency.plainBwrap.push(performance.now() - t);

  t = performance.now();
  const cold = await spawn({ command: [TRUE], stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' });
  const rc = await cold.wait();
  if (rc.exitCode !== 0) throw new Error(`cold sandbox failed: ${rc.setupError ?? rc.exitCode}`);
  latency.cold.push(performance.now() - t);

  await pool.warmup(1);
  t = performance.now();
  const sb = await pool.acquire();
  latency.acquire.push(performance.now() - t);
  await sb.exec([TRUE]);
  const rw = await sb.wait();
  if (rw.exitCode !== 0) throw new Error(`warm sandbox failed: ${rw.exitCode}`);
  latency.warm.push(performance.now() - t);
  if ((i + 1) % 100 === 0) log(`  ${i + 1}/${RUNS}`);
}
const poolStats = pool.stats();
await pool.close();

// Job throughput: system.echo through the executor, in a worker thread (the default), a plain
// child process per job, and a pooled bwrap sandbox per job; rounds of ROUND jobs per mode in
// turn (interleaved, as above), CONCURRENCY at a time.
const ROUND = 10;
const registry = defaultHandlerRegistry();
const echoSpec = registry.get('system.echo');
const executor = new JobExecutor({ workerId: 'bench', registry, metrics: createJobMetrics({ processMetrics: false }) });
const launcher = new JobSandboxLauncher({ size: Math.max(2, CONCURRENCY) });
await launcher.pool.warmup();
const modes = [
  { label: 'worker thread (default, unsandboxed)', isolation: 'thread', sandbox: false },
  { label: 'child process (unsandboxed)', isolation: 'process', sandbox: false },
  { label: `bwrap sandbox from a warm pool (size ${Math.max(2, CONCURRENCY)})`, isolation: 'thread', sandbox: true },
];
for (const m of modes) Object.assign(m, { lat: [], failed: 0, ms: 0, done: 0 });
log(`throughput: ${JOBS} jobs per mode in rounds of ${ROUND}, ${CONCURRENCY} at a time`);
while (modes.some((m) => m.done < JOBS)) {
  for (const m of modes) {
    const n = Math.min(ROUND, JOBS - m.done);
    if (n <= 0) continue;
    echoSpec.isolation = m.isolation;
    setProcessLauncher(m.sandbox ? launcher : null);
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < n) {
          next++;
          const t = performance.now();
          const o = await executor.run({ job: buildJob('system.echo', { message: 'bench' }), attempt: 1 });
          m.lat.push(performance.now() - t);
          if (o.result.status !== 'completed' && m.failed++ === 0) log(`  ${m.label} failed: ${JSON.stringify(o.result.error)}`);
        }
      }),
    );
    m.ms += performance.now() - t0;
    m.done += n;
  }
}
setProcessLauncher(null);
const jobPool = launcher.pool.stats();
await launcher.close();
const jobs = modes.map((m) => ({ label: m.label, failed: m.failed, perSecond: m.done / (m.ms / 1000), latency: pct(m.lat) }));

// ---- markdown ----
const L = (name, samples, note = '') => {
  const p = pct(samples);
  return `| ${name} | ${fmt(p.p50)} | ${fmt(p.p95)} | ${fmt(p.p99)} | ${p.n} | ${note} |`;
};
const out = [];
out.push('## Sandboxes: spawn, warm acquire, job throughput');
out.push('');
out.push(`- command: \`BENCH_SANDBOX_RUNS=${RUNS} BENCH_SANDBOX_JOBS=${JOBS} BENCH_SANDBOX_CONCURRENCY=${CONCURRENCY} node bench/sandbox.mjs\` (after \`npm run build\`)`);
out.push(`- bwrap ${bwrap.version}, node ${process.version}, kernel ${(await import('node:os')).release()}, euid ${process.geteuid?.()}; load average at end ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
out.push('');
out.push(`Latency of running \`${TRUE}\` ${RUNS} times each way, in ms: wall time from the request until the command has exited and everything is cleaned up; the four ways take turns (one run of each per round), so load from other processes falls on all alike:`);
out.push('');
out.push('| how | p50 | p95 | p99 | runs | what it includes |');
out.push('| --- | ---: | ---: | ---: | ---: | --- |');
out.push(L('unsandboxed `spawn()`', latency.unsandboxed, 'fork + exec only'));
out.push(L('plain `bwrap` call', latency.plainBwrap, 'user/pid/ipc/net/uts/cgroup namespaces, /usr bind, /proc, /dev, /tmp'));
out.push(L('guestguard cold spawn', latency.cold, 'launch chain (setpriv, prlimit), cgroups, generated /etc files, seccomp `basic` compiled and loaded, system binds'));
out.push(L('guestguard warm: acquire + run', latency.warm, 'sandbox taken from the pool, command handed to its supervisor'));
out.push(L('guestguard warm: **acquire only**', latency.acquire, 'handing over a ready sandbox'));
out.push('');
out.push(
  `Pool after the warm series: spawned ${poolStats.spawned_total}, destroyed ${poolStats.destroyed_total}, failures ${poolStats.failures}; ` +
    `spawn-to-ready p50/p95/p99 ${fmt(poolStats.spawn_ms.p50)}/${fmt(poolStats.spawn_ms.p95)}/${fmt(poolStats.spawn_ms.p99)} ms (the work the pool does in the background).`,
);
out.push('');
out.push(`Job throughput: ${JOBS} \`system.echo\` jobs each way through the embedded executor (\`JobExecutor.run\`), ${CONCURRENCY} at a time, the three ways taking turns in rounds of ${ROUND} jobs; jobs/s counts only each way's own rounds:`);
out.push('');
out.push('| handler runs in | jobs/s | job p50 ms | job p95 ms | job p99 ms | failed |');
out.push('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const j of jobs) out.push(`| ${j.label} | ${j.perSecond.toFixed(1)} | ${fmt(j.latency.p50)} | ${fmt(j.latency.p95)} | ${fmt(j.latency.p99)} | ${j.failed} |`);
out.push('');
if (process.env.NODE_EXTRA_CA_CERTS) {
  out.push(
    `Note: this environment sets NODE_EXTRA_CA_CERTS (${process.env.NODE_EXTRA_CA_CERTS}); the child-process way inherits it, and every Node start then parses that certificate bundle (about 0.3 s here), ` +
      'while a sandbox starts Node with a clean environment. Part of the gap between those two rows is that, not the sandbox.',
  );
  out.push('');
}
if (jobPool) {
  out.push(
    `Job pool over the sandboxed rounds: acquire p50/p95/p99 ${fmt(jobPool.acquire_ms.p50)}/${fmt(jobPool.acquire_ms.p95)}/${fmt(jobPool.acquire_ms.p99)} ms ` +
      `(a job waits when it outruns the refill), spawn-to-ready p50 ${fmt(jobPool.spawn_ms.p50)} ms, failures ${jobPool.failures}.`,
  );
  out.push('');
}
out.push(
  'For context, Firecracker\'s published figures: a microVM boots to its guest init in about 125 ms, and restoring from a snapshot takes single-digit milliseconds. ' +
    'A bwrap sandbox is not a VM (it shares the host kernel; the seccomp filter and namespaces are the boundary), and the comparable numbers above are the cold spawn and the warm acquire + run.',
);
out.push('');
console.log(out.join('\n'));
