// CPU (user+sys, all threads) of one Windows inspection, split by phase, in a fresh process:
//   node bench/windows-inspect-cpu.mjs [DIST_DIR] IMAGE
// DIST_DIR defaults to ./dist. Prints node start-up, the import of the inspect library, then
// each progress step of inspectDisks (open, scan = images and partitions, roots = filesystems
// opened and classified, windows = mount assembly and the Windows modules loaded, done = the
// registry and file reading of the Windows section), and finally a second, separate read of all
// services from the SYSTEM hive (the part of the registry work that scales with the guest).
// Run it several times: one run is one cold process, which is what the CLI pays.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const image = args.pop();
const dist = resolve(args[0] ?? 'dist');
if (!image) {
  console.error('usage: node bench/windows-inspect-cpu.mjs [DIST_DIR] IMAGE');
  process.exit(2);
}
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const mod = (p) => import(pathToFileURL(`${dist}/${p}`).href);

const t0 = cpu();
const { inspectDisks } = await mod('guest/inspect/inspect.js');
const t1 = cpu();
const steps = [];
let last = t1;
const report = await inspectDisks([image], {
  onProgress: (e) => {
    const t = cpu();
    steps.push(`${e.step} ${(t - last).toFixed(0)}`);
    last = t;
  },
});
const t2 = cpu();
const os = report.operating_systems.find((o) => o.type === 'windows');
console.log(`node ${t0.toFixed(0)} ms | import ${(t1 - t0).toFixed(0)} ms | inspect ${(t2 - t1).toFixed(0)} ms [${steps.join(', ')}]`);
if (!os) {
  console.log('no Windows operating system found');
  process.exit(0);
}

// The services of the same guest once more, timed on their own (the hive is opened anew).
const { DiskSession } = await mod('guest/session.js');
const { findRoots, assembleGuest } = await mod('guest/assemble.js');
const { Hive } = await mod('guest/windows/regf/index.js');
const { currentControlSet, readServices } = await mod('guest/windows/system.js');
const session = await DiskSession.open([image]);
try {
  const root = (await findRoots(session.catalog)).find((r) => r.kind === 'windows');
  const guest = await assembleGuest(session.catalog, root);
  const s0 = cpu();
  const system = await Hive.openFile(guest.view, os.hives.system);
  const cs = await currentControlSet(system);
  const s1 = cpu();
  const services = await readServices(cs.key, () => {});
  const s2 = cpu();
  console.log(`SYSTEM hive open ${(s1 - s0).toFixed(1)} ms | ${services.length} services ${(s2 - s1).toFixed(1)} ms`);
} finally {
  await session.close();
}
