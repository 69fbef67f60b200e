/**
 * bin/guestguard runs the bundled CLI (dist/bundle/, made by the build for start-up time). The
 * bundle must answer exactly as the unbundled CLI (dist/cli/) does, find its data files, and
 * still reach the job and sandbox commands, which stay in dist/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { debianLvmDisk, canBuildDebian } from '../helpers/debian-guest.js';
import { REPO_ROOT } from '../helpers/fixtures.js';

const BUNDLE = join(REPO_ROOT, 'dist', 'bundle', 'main.js');
const UNBUNDLED = join(REPO_ROOT, 'dist', 'cli', 'main.js');

function run(main: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...args], { cwd: REPO_ROOT, timeout: 120_000, maxBuffer: 1 << 28, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Report fields that legitimately differ between two runs. */
const stable = (json: string) => json.replace(/"generated_at": "[^"]*"/g, '"generated_at": "-"');

describe('bundled CLI', () => {
  it('is built and is what bin/guestguard runs', () => {
    expect(existsSync(BUNDLE)).toBe(true);
    expect(existsSync(join(REPO_ROOT, 'dist', 'bundle', 'builtin-profiles.json'))).toBe(true);
  });

  it.skipIf(!canBuildDebian)('inspects and profiles exactly as the unbundled CLI', () => {
    const img = debianLvmDisk().raw;
    for (const args of [
      ['inspect', '--format', 'json', img],
      ['profile', '--format', 'json', img],
      ['ls', '-l', img, '/etc/ssh'],
    ]) {
      const a = run(BUNDLE, args);
      const b = run(UNBUNDLED, args);
      expect(a.stderr).toBe(b.stderr);
      expect(a.status).toBe(b.status);
      expect(stable(a.stdout)).toBe(stable(b.stdout));
      expect(a.stdout.length).toBeGreaterThan(100);
    }
  });

  it('reaches the job and sandbox commands, which stay in dist/', () => {
    const serve = run(BUNDLE, ['serve', '--help']);
    expect(serve.status).toBe(0);
    expect(serve.stdout).toContain('--workers');
    const seccomp = run(BUNDLE, ['seccomp', 'dump', '--level', 'basic']);
    expect(seccomp.status).toBe(0);
    expect(seccomp.stdout).toMatch(/ld\s+\[4\]|arch/i);
  });
});
