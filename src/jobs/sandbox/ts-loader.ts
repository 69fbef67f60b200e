/**
 * When guestguard runs from its TypeScript sources (tests, development), handler modules and
 * the sandbox entry points are .ts files that plain Node 20 cannot load in a fresh thread or
 * process. These module hooks transpile them with the project's `typescript` (type stripping
 * only, cached on disk by content hash) and resolve "./x.js" imports to "./x.ts" siblings.
 * Compiled builds (dist/) never need this.
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOOKS_SOURCE = `
import { existsSync, readFileSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
let requireFrom, cacheDir, ts;
export function initialize(data) { requireFrom = data.requireFrom; cacheDir = data.cacheDir; }
export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent && parent.startsWith('file:') && parent.endsWith('.ts') && /^\\.{1,2}\\//.test(specifier) && specifier.endsWith('.js')) {
    const js = new URL(specifier, parent);
    if (!existsSync(fileURLToPath(js))) {
      const tsUrl = new URL(specifier.slice(0, -3) + '.ts', parent);
      if (existsSync(fileURLToPath(tsUrl))) return { url: tsUrl.href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const path = fileURLToPath(url);
  const src = readFileSync(path, 'utf8');
  const key = createHash('sha256').update(path).update('\\0').update(src).digest('hex');
  const cached = join(cacheDir, key + '.js');
  if (existsSync(cached)) return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true };
  ts ??= createRequire(requireFrom)('typescript');
  const out = ts.transpileModule(src, {
    fileName: path,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, inlineSourceMap: true, inlineSources: true },
  }).outputText;
  try {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = cached + '.' + process.pid + '.' + Math.random().toString(36).slice(2) + '.tmp';
    writeFileSync(tmp, out);
    renameSync(tmp, cached);
  } catch {
    // A read-only cache (bound into a sandbox) still serves hits; misses are transpiled each time.
  }
  return { format: 'module', source: out, shortCircuit: true };
}
`;

function dataUrl(source: string): string {
  return 'data:text/javascript,' + encodeURIComponent(source);
}

/** True when any of the module URLs is TypeScript source. */
export function needsTsLoader(...urls: string[]): boolean {
  return urls.some((u) => u.endsWith('.ts'));
}

/** Where transpiled modules are cached (a sandbox gets it bound read-only at the same path). */
export function tsCacheDir(): string {
  return join(tmpdir(), 'guestguard-ts-cache');
}

/** Node CLI arguments (`--import <data-url>`) that install the hooks in a new thread or process. */
export function tsLoaderExecArgv(): string[] {
  const requireFrom = new URL('../../../package.json', import.meta.url).href;
  const cacheDir = tsCacheDir();
  const register = `import { register } from 'node:module';
register(${JSON.stringify(dataUrl(HOOKS_SOURCE))}, { data: ${JSON.stringify({ requireFrom, cacheDir })} });`;
  return ['--import', dataUrl(register)];
}

const warmed = new Map<string, Promise<void>>();

/**
 * Transpiles the modules reachable from `urls` into the cache, in a short-lived host process
 * (importing them without running anything: entry points start only as the main module). A
 * sandbox whose cache is read-only then finds every module there instead of loading the
 * TypeScript compiler itself. Once per set of URLs per process.
 */
export function warmTsCache(urls: readonly string[]): Promise<void> {
  const key = [...urls].sort().join('\n');
  let p = warmed.get(key);
  if (!p) {
    p = new Promise<void>((resolve) => {
      const code = `for (const u of ${JSON.stringify(urls)}) await import(u);`;
      const child = spawn(process.execPath, [...tsLoaderExecArgv(), '--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')).length > 4096 && (err = err.slice(-4096)));
      child.on('error', () => resolve());
      // Best effort: a failure here only means the sandbox transpiles for itself.
      child.on('close', (code) => {
        if (code !== 0) process.stderr.write(`guestguard: warming the TypeScript cache failed (${code}): ${err.trim().split('\n').slice(-3).join(' ')}\n`);
        resolve();
      });
    });
    warmed.set(key, p);
  }
  return p;
}
