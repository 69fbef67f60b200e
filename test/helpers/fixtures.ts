/**
 * Fixture building for tests: real images made by real tools (qemu-img, mkfs.*, sgdisk, lvm2).
 * Fixtures go under .fixtures/<name>/ in the repo (git-ignored) and are rebuilt when missing.
 */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, createReadStream, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES_ROOT = join(REPO_ROOT, '.fixtures');

/** Runs a real tool; throws with its stderr on failure. */
export function run(cmd: string, args: string[], opts: ExecFileSyncOptions = {}): string {
  try {
    const stdin = opts.input !== undefined ? 'pipe' : 'ignore';
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: [stdin, 'pipe', 'pipe'], maxBuffer: 256 << 20, ...opts }) as string;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

/** True when a command is on PATH (tests needing it are skipped otherwise, never silently passed). */
export function hasTool(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A fresh fixture folder for one test file. `build` runs only when the folder's ".done" marker
 * is missing, so repeated runs reuse what earlier runs made.
 */
export function fixtureDir(name: string, build: (dir: string) => void): string {
  const dir = join(FIXTURES_ROOT, name);
  if (existsSync(join(dir, '.done'))) return dir;
  // vitest runs test files in parallel processes: one builds, the others wait for it.
  return withLock(join(FIXTURES_ROOT, `${name}.lock`), () => {
    if (existsSync(join(dir, '.done'))) return dir;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    build(dir);
    execFileSync('touch', [join(dir, '.done')]);
    return dir;
  });
}

/** A cross-process lock: mkdir is atomic; a lock older than 30 minutes is from a dead run. */
function withLock<T>(lock: string, fn: () => T): T {
  mkdirSync(FIXTURES_ROOT, { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 30 * 60_000) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() - started > 40 * 60_000) throw new Error(`timed out waiting for fixture lock ${lock}`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** SHA-256 of a host file, streamed. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Writes a raw file of `size` bytes with random data at the given offsets (for byte-exact format tests). */
export function makePatternedRaw(path: string, sizeMiB: number, seed = 1): void {
  run('truncate', ['-s', `${sizeMiB}M`, path]);
  // Scatter 1 MiB random chunks over the file, leaving holes, so sparse handling is exercised.
  for (let i = 0; i < sizeMiB; i += 3) {
    const chunk = join(dirname(path), `.chunk${seed}`);
    execFileSync('sh', ['-c', `head -c 1048576 /dev/urandom > ${chunk}`]);
    run('dd', [`if=${chunk}`, `of=${path}`, 'bs=1M', `seek=${i}`, 'conv=notrunc', 'status=none']);
    rmSync(chunk);
  }
  void randomBytes;
}
