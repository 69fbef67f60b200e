// Writes BENCHMARKS.md: bench/header.md (intro and headline table), then each part's section
// from bench/results/, in the order below. Run after updating a section: node bench/collect.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const parts = ['disk', 'inspect', 'fs', 'profile', 'sandbox', 'jobs'];
const text = [readFileSync(join(here, 'header.md'), 'utf8').trimEnd()];
for (const p of parts) text.push(readFileSync(join(here, 'results', `${p}.md`), 'utf8').trimEnd());
writeFileSync(join(here, '..', 'BENCHMARKS.md'), text.join('\n\n\n') + '\n');
