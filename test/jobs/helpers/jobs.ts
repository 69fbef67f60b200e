/** Shared bits for the job tests: temp dirs, images made by real tools, registries, metrics. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultHandlerRegistry, type HandlerRegistry } from '../../../src/jobs/handlers/registry.js';
import { run } from '../../helpers/fixtures.js';

/** A fresh folder directly under the system temp dir (tick files must live in one). */
export function tempDir(prefix = 'gg-jobs-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A small qcow2 image written by qemu-img plus its sha256 as computed by sha256sum. */
export function makeImage(dir: string, name = 'disk.qcow2', sizeMiB = 4): { path: string; checksum: string } {
  const path = join(dir, name);
  run('qemu-img', ['create', '-q', '-f', 'qcow2', path, `${sizeMiB}M`]);
  // Some data so the file is more than a header.
  run('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 0 1M', path]);
  const hex = run('sha256sum', [path]).split(/\s+/)[0]!;
  return { path, checksum: `sha256:${hex}` };
}

/** The default registry plus system.echo variants that run in a child process. */
export function testRegistry(): HandlerRegistry {
  const r = defaultHandlerRegistry();
  const echo = r.get('system.echo')!;
  r.register({ ...echo, operation: 'test.echo-process', isolation: 'process' });
  return r;
}

/** Size of a tick file (0 if missing). */
export function ticks(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Value of one sample from Prometheus text output (undefined if absent). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const kv of (m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have[kv[1]!] = kv[2]!;
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return undefined;
}
