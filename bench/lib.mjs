// Shared helpers for the benchmarks: run commands, time them (median wall time and peak RSS),
// and format markdown. Progress goes to stderr; only results go to stdout.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');
export const WORK = join(import.meta.dirname, '.work');
/** The guestguard under test: bench/run.sh points BENCH_GG at a snapshot of the build it made. */
export const GG = process.env.BENCH_GG ?? join(ROOT, 'bin', 'guestguard');
mkdirSync(WORK, { recursive: true });

/** libguestfs without KVM: the same backend on every machine, so runs are comparable. */
export const LIBGUESTFS_ENV = { ...process.env, LIBGUESTFS_BACKEND: 'direct', LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg' };
/** Runs of a libguestfs command (each boots an appliance under TCG: 20 s to minutes). */
export const LIBGUESTFS_RUNS = Number(process.env.BENCH_LIBGUESTFS_RUNS ?? 1);

export function log(msg) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

export function sh(cmd, opts = {}) {
  return execFileSync('bash', ['-c', `set -o pipefail; ${cmd}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 30, ...opts });
}

export function have(cmd) {
  return spawnSync('bash', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Reads a file once so every timed run starts from the same (warm) page cache. */
export function warm(path) {
  sh(`cat ${q(path)} > /dev/null`);
}

/** Shell-quotes one argument. */
export function q(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs a shell command `runs` times under /usr/bin/time -v; returns the median wall time in
 * seconds, every wall time, and the largest peak RSS (KiB) of the process tree. stdout is
 * discarded unless `stdoutTo` names a file (written by the last run).
 */
export function timeCmd(cmd, { runs = 3, env = process.env, stdoutTo } = {}) {
  const times = [];
  const cpus = [];
  let rssKiB = 0;
  const timeFile = join(WORK, `time-${process.pid}.txt`);
  for (let i = 0; i < runs; i++) {
    const redirect = stdoutTo ? `> ${q(stdoutTo)}` : '> /dev/null';
    const full = `/usr/bin/time -v -o ${q(timeFile)} bash -c ${q(`set -o pipefail; ${cmd}`)} ${redirect}`;
    const t0 = process.hrtime.bigint();
    const r = spawnSync('bash', ['-c', full], { stdio: ['ignore', 'ignore', 'pipe'], env, maxBuffer: 1 << 26 });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`benchmark command failed (${r.status}): ${cmd}\n${r.stderr}`);
    times.push(seconds);
    const report = readFileSync(timeFile, 'utf8');
    const field = (name) => Number(new RegExp(`${name}: ([\\d.]+)`).exec(report)?.[1] ?? NaN);
    rssKiB = Math.max(rssKiB, field('Maximum resident set size \\(kbytes\\)'));
    cpus.push(field('User time \\(seconds\\)') + field('System time \\(seconds\\)'));
  }
  rmSync(timeFile, { force: true });
  return { seconds: median(times), cpu: median(cpus), times, cpus, rssKiB };
}

/** Pools the runs of several timeCmd-style results (e.g. runs before and after a long command). */
export function merge(...results) {
  const times = results.flatMap((r) => r.times);
  const cpus = results.flatMap((r) => r.cpus);
  return { seconds: median(times), cpu: median(cpus), times, cpus, rssKiB: Math.max(...results.map((r) => r.rssKiB)) };
}

/**
 * Times `runs` runs of a command that needs fresh state each time: `prepare(i)` (untimed) returns
 * the command for run i, `cleanup(i)` (untimed) runs after it. Same result shape as timeCmd.
 */
export function timeFresh(runs, prepare, cleanup, opts = {}) {
  const all = [];
  for (let i = 0; i < runs; i++) {
    const cmd = prepare(i);
    all.push(timeCmd(cmd, { ...opts, runs: 1 }));
    cleanup?.(i);
  }
  return merge(...all);
}

/** The machine's load average now (1, 5, 15 minutes). */
export function loadavg() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** "**12.3x**": how many times faster `fast` is than `slow` (median wall times). */
export function ratio(fast, slow) {
  return `**${(slow.seconds / fast.seconds).toFixed(1)}x**`;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Times several commands `runs` times each, interleaved (a b a b ...) so slow drifts in machine
 * load hit every command alike. Returns one timeCmd-style result per command.
 */
export function timeInterleaved(cmds, { runs = 3 } = {}) {
  const all = cmds.map(() => ({ times: [], cpus: [], rssKiB: 0 }));
  for (let i = 0; i < runs; i++) {
    cmds.forEach((c, k) => {
      const r = timeCmd(c.cmd, { runs: 1, env: c.env });
      all[k].times.push(r.seconds);
      all[k].cpus.push(r.cpu);
      all[k].rssKiB = Math.max(all[k].rssKiB, r.rssKiB);
    });
  }
  return all.map((a) => ({ seconds: median(a.times), cpu: median(a.cpus), times: a.times, rssKiB: a.rssKiB }));
}

export function table(headers, rows) {
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

export function secs(s) {
  return s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(s < 10 ? 2 : 1)} s`;
}

/** Every run's time, for runs > 1 (shows the spread on a noisy machine). */
export function spread(t) {
  return t.times.length > 1 ? ` (${t.times.map((x) => x.toFixed(x < 10 ? 2 : 1)).join(', ')})` : '';
}

export function mib(kib) {
  return `${(kib / 1024).toFixed(0)} MiB`;
}
