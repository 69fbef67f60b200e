/**
 * Child processes in these tests (job servers and workers) run compiled JavaScript: either the
 * real build (dist/, via bin/guestguard) when it is current and has the job commands wired in,
 * or a private transpile of just the job layer's source closure (TypeScript -> JS, no type
 * check) under .fixtures/jobs-js/<hash>/. Running plain JS matters: handler threads then start
 * without TypeScript loader hooks, as they do in production.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from '../../helpers/fixtures.js';

// Handler modules and sandbox entries are loaded by URL at run time, so they are roots too.
const ENTRY_POINTS = [
  'src/cli/commands/jobs.ts',
  'src/jobs/handlers/echo.ts',
  'src/jobs/handlers/inspect.ts',
  'src/jobs/handlers/profile.ts',
  'src/jobs/sandbox/thread-entry.ts',
  'src/jobs/sandbox/process-entry.ts',
  'src/jobs/sandbox/stream-entry.ts',
].filter((p) => existsSync(join(REPO_ROOT, p)));

/** Source files reachable from the entry points through relative imports. */
function closure(): string[] {
  const seen = new Set<string>();
  const todo = ENTRY_POINTS.map((p) => join(REPO_ROOT, p));
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g)) {
      const dep = join(dirname(f), `${m[1]}.ts`);
      if (existsSync(dep)) todo.push(dep);
    }
  }
  return [...seen].sort();
}

const CLI_ENTRY = `import { Command, CommanderError } from 'commander';
import { registerJobCommands } from './src/cli/commands/jobs.js';
const program = new Command().name('guestguard').exitOverride();
registerJobCommands(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  throw err;
}
`;

let cached: string | undefined;

/** Directory holding cli-entry.mjs and src/**.js for the job layer. */
export function jobsJsBuild(): string {
  if (cached) return cached;
  const files = closure();
  const h = createHash('sha256');
  for (const f of files) h.update(f).update('\0').update(readFileSync(f)).update('\0');
  h.update(CLI_ENTRY);
  const out = join(REPO_ROOT, '.fixtures', 'jobs-js', h.digest('hex').slice(0, 16));
  if (!existsSync(join(out, 'cli-entry.mjs'))) {
    const ts = createRequire(join(REPO_ROOT, 'package.json'))('typescript') as typeof import('typescript');
    const tmp = `${out}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    for (const f of files) {
      const js = ts.transpileModule(readFileSync(f, 'utf8'), {
        fileName: f,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
      }).outputText;
      const dest = join(tmp, relative(REPO_ROOT, f)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, js);
    }
    writeFileSync(join(tmp, 'cli-entry.mjs'), CLI_ENTRY);
    try {
      renameSync(tmp, out);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // a parallel test file built it first
    }
  }
  cached = out;
  return out;
}

/** True when dist/ has the job commands wired into the CLI and is newer than their sources. */
function distIsCurrent(): boolean {
  const main = join(REPO_ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(main) || !readFileSync(main, 'utf8').includes('registerJobCommands')) return false;
  return closure().every((f) => {
    const d = join(REPO_ROOT, 'dist', relative(join(REPO_ROOT, 'src'), f)).replace(/\.ts$/, '.js');
    return existsSync(d) && statSync(d).mtimeMs >= statSync(f).mtimeMs;
  });
}

/** How to run `guestguard <args>` for the job commands: [executable, ...args]. */
export function guestguardJobsCommand(args: string[]): { command: string; args: string[]; via: 'bin' | 'transpiled' } {
  if (distIsCurrent()) return { command: process.execPath, args: [join(REPO_ROOT, 'bin', 'guestguard'), ...args], via: 'bin' };
  return { command: process.execPath, args: [join(jobsJsBuild(), 'cli-entry.mjs'), ...args], via: 'transpiled' };
}
