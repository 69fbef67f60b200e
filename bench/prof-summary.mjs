// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by source file, and
// inclusive time of the functions named on the command line. Usage:
//   node bench/prof-summary.mjs FILE.cpuprofile [top=25] [inclusive-name ...]
import { readFileSync } from 'node:fs';

const [file, topArg, ...names] = process.argv.slice(2);
const top = Number(topArg ?? 25);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
// Sample i lasts timeDeltas[i + 1] (V8's convention; the last one is dropped).
const self = new Map();
for (let i = 0; i < p.samples.length - 1; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + p.timeDeltas[i + 1]);
const total = [...self.values()].reduce((a, b) => a + b, 0);
const short = (url) => url.replace(/^file:\/\/\/work\/main\//, '').replace(/^node:/, 'node:') || '(native)';
const label = (n) => `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
const fnSelf = new Map();
const fileSelf = new Map();
for (const [id, us] of self) {
  const n = byId.get(id);
  add(fnSelf, label(n), us);
  add(fileSelf, short(n.callFrame.url), us);
}
const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms`;
const print = (title, m) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
};
console.log(`total sampled: ${(total / 1000).toFixed(0)} ms`);
print('self time by function', fnSelf);
print('self time by file', fileSelf);
for (const name of names) {
  // Inclusive: samples with a frame of this function name on their stack (counted once).
  let us = 0;
  for (const [id, t] of self) {
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      if (byId.get(cur).callFrame.functionName === name) {
        us += t;
        break;
      }
    }
  }
  console.log(`inclusive ${name}: ${pct(us)}`);
}
