// Build step after tsc: bundles the CLI's image commands (disk, filesystems, ls, cat, copy-out,
// inspect, profile) into dist/bundle/, which bin/guestguard runs. Node spends ~0.1 s of CPU per
// call resolving, reading and linking ~150 separate ES modules; a handful of chunks start up
// ~20% faster, which is a large share of a sub-second inspection. dist/ stays the library.
//
// The job and sandbox commands are left out (imported from dist/ at run time): they start
// handlers, worker threads and sandboxed processes by module path, so they must stay files.
import { copyFileSync, rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild-wasm';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const outdir = resolve(dist, 'bundle');
rmSync(outdir, { recursive: true, force: true });

await build({
  entryPoints: [resolve(dist, 'cli/main.js')],
  bundle: true,
  splitting: true, // command modules stay lazily loaded chunks
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir,
  chunkNames: 'chunk-[hash]',
  packages: 'external', // node_modules are resolved at run time, as from dist/
  logLevel: 'warning',
  plugins: [
    {
      name: 'jobs-and-sandbox-stay-in-dist',
      setup(b) {
        b.onResolve({ filter: /commands\/(jobs|sandbox)\.js$/ }, (args) => ({
          path: `./${relative(outdir, resolve(args.resolveDir, args.path))}`,
          external: true,
        }));
      },
    },
  ],
});

// The pre-parsed built-in profiles are read next to the module that loads them.
copyFileSync(resolve(dist, 'audit/profiles/builtin-profiles.json'), resolve(outdir, 'builtin-profiles.json'));
