/**
 * `serve --fsync always|batch`: durability of the embedded store's acknowledgements.
 *
 * A SIGKILL cannot tell the two modes apart (in both the change is written to the operation log
 * before the 201, and the kernel keeps written data when a process dies; only a power loss drops
 * what was not fdatasync'ed). So the first test checks what survives a SIGKILL right after the
 * 201, and the second watches the system calls: with `always` the log's fdatasync comes before
 * the 201 is written to the socket, with `batch` after it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobClient } from '../../src/jobs/client.js';
import { buildJob } from '../../src/jobs/protocol/builder.js';
import { hasTool } from '../helpers/fixtures.js';
import { tempDir } from './helpers/jobs.js';
import { spawnGuestguard, startServe } from './helpers/processes.js';
import { waitFor } from './helpers/wait.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function post(url: string, doc: unknown): Promise<number> {
  const res = await fetch(`${url}/api/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
  await res.arrayBuffer();
  return res.status;
}

it('--fsync always: jobs acknowledged with 201 just before a SIGKILL are all there after a restart, and run', async () => {
  const store = join(tmp.dir, 'kill.sqlite');
  const first = await startServe(['--store', store, '--workers', '0', '--fsync', 'always']);
  let second: Awaited<ReturnType<typeof startServe>> | undefined;
  try {
    expect(first.stderr()).toMatch(/fsync always/);
    const health = (await fetch(`${first.url}/healthz`).then((r) => r.json())) as { fsync?: string };
    expect(health.fsync).toBe('always');
    const jobs = Array.from({ length: 20 }, (_, i) => buildJob('system.echo', { message: `m${i}` }));
    for (const j of jobs) expect(await post(first.url, j)).toBe(201);
    // The moment the last 201 is in: no clean shutdown, no time for a batched sync.
    first.proc.kill('SIGKILL');
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });

    second = await startServe(['--store', store, '--workers', '2', '--fsync', 'always']);
    const c = new JobClient({ server: second.url });
    for (const j of jobs) {
      const r = await waitFor(async () => c.result(j.job_id), `result of ${j.job_id}`, 30_000, 50);
      expect([r.status, r.outputs]).toEqual(['completed', { echo: (j.payload.data as { message: string }).message }]);
    }
  } finally {
    await first.kill('SIGKILL');
    await second?.kill('SIGTERM');
  }
});

it('serve refuses a bad --fsync, and --fsync with --redis', async () => {
  for (const args of [['--fsync', 'sometimes'], ['--fsync', 'always', '--redis', 'redis://127.0.0.1:1']]) {
    const s = spawnGuestguard(['serve', '--port', '0', '--store', join(tmp.dir, 'bad.sqlite'), ...args]);
    const { code } = await s.exited;
    expect(code, s.stderr()).toBe(2);
    expect(s.stderr()).toMatch(/--fsync/);
  }
});

describe.skipIf(!hasTool('strace'))('when the log is synced, seen with strace', () => {
  /** System calls of `serve --fsync MODE` while one job is submitted: indexes of the log write, its fdatasync and the 201. */
  async function traceSubmit(mode: 'always' | 'batch'): Promise<{ write: number; sync: number; created: number; lines: string[] }> {
    const store = join(tmp.dir, `trace-${mode}.sqlite`);
    const trace = join(tmp.dir, `trace-${mode}.txt`);
    const wrap = ['strace', '-f', '-qq', '-y', '-s', '40', '--seccomp-bpf', '-e', 'trace=write,writev,pwrite64,sendmsg,sendto,fdatasync,fsync', '-o', trace];
    const s = await startServe(['--store', store, '--workers', '0', '--fsync', mode], 120_000, wrap);
    let nodePid: number | undefined;
    try {
      const lines = () => readFileSync(trace, 'utf8').split('\n');
      nodePid = Number(readFileSync(`/proc/${s.proc.pid}/task/${s.proc.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
      expect(nodePid).toBeGreaterThan(0);
      expect(await post(s.url, buildJob('system.echo', { message: mode }))).toBe(201);
      const find = (ls: string[], re: RegExp, from = 0) => ls.findIndex((l, i) => i >= from && re.test(l));
      const isLog = /\bwrite\(\d+<[^>]*trace-\w+\.sqlite\.oplog>, "\[\[/;
      const isSync = /\b(fdatasync|fsync)\(\d+<[^>]*trace-\w+\.sqlite\.oplog>/;
      // The batched sync follows within ~50 ms (give a slow, traced process time).
      const got = await waitFor(
        () => {
          const ls = lines();
          const write = find(ls, isLog);
          const sync = write < 0 ? -1 : find(ls, isSync, write);
          const created = find(ls, /HTTP\/1\.1 201/);
          return write >= 0 && sync >= 0 && created >= 0 ? { write, sync, created, lines: ls } : undefined;
        },
        'the log write, its fdatasync and the 201 in the trace',
        20_000,
        50,
      );
      return got;
    } finally {
      // strace passes SIGTERM on to nobody: stop the traced server itself, then strace exits with it.
      if (nodePid) process.kill(nodePid, 'SIGTERM');
      await Promise.race([s.exited, new Promise((r) => setTimeout(r, 10_000))]);
      await s.kill('SIGKILL');
    }
  }

  it('always: fdatasync of the operation log before the 201; batch: the 201 first, the fdatasync after', async () => {
    const always = await traceSubmit('always');
    expect(always.write, always.lines.slice(always.write, always.created + 1).join('\n')).toBeLessThan(always.sync);
    expect(always.sync, always.lines.slice(always.write, always.created + 1).join('\n')).toBeLessThan(always.created);
    const batch = await traceSubmit('batch');
    expect(batch.write).toBeLessThan(batch.created);
    expect(batch.created, batch.lines.slice(batch.write, batch.sync + 1).join('\n')).toBeLessThan(batch.sync);
  }, 300_000);
});
