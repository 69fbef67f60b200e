/**
 * When guestguard runs from its TypeScript sources (tests, development), handler modules and
 * the sandbox entry points are .ts files that plain Node 20 cannot load in a fresh thread or
 * process. These module hooks transpile them with the project's `typescript` (type stripping
 * only, cached on disk by content hash) and resolve "./x.js" imports to "./x.ts" siblings.
 * Compiled builds (dist/) never need this.
 */
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
  mkdirSync(cacheDir, { recursive: true });
  const tmp = cached + '.' + process.pid + '.' + Math.random().toString(36).slice(2) + '.tmp';
  writeFileSync(tmp, out);
  renameSync(tmp, cached);
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

/** Node CLI arguments (`--import <data-url>`) that install the hooks in a new thread or process. */
export function tsLoaderExecArgv(): string[] {
  const requireFrom = new URL('../../../package.json', import.meta.url).href;
  const cacheDir = join(tmpdir(), 'guestguard-ts-cache');
  const register = `import { register } from 'node:module';
register(${JSON.stringify(dataUrl(HOOKS_SOURCE))}, { data: ${JSON.stringify({ requireFrom, cacheDir })} });`;
  return ['--import', dataUrl(register)];
}
