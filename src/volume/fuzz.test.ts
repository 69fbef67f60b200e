/**
 * Mutation fuzzing of real on-disk metadata: GPT headers and entry arrays (sgdisk), MBR and
 * EBR sectors (sfdisk), and LVM2 labels, metadata-area headers and metadata text (lvm2 tools).
 * Half of the mutants get their checksums recomputed so the damage reaches the parsers behind
 * the CRC checks. Every scan must complete (problems become warnings), volume reads may only
 * fail with GuestguardErrors, and each scan must stay fast.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, hasTool, run } from '../../test/helpers/fixtures.js';
import type { BlockDevice } from '../disk/block-device.js';
import { checkRange } from '../disk/range.js';
import { GuestguardError } from '../errors.js';
import { crc32, crc32Update, LVM_CRC_SEED } from './crc32.js';
import { flattenVolumes, scanDisks } from './scan.js';
import type { DiskLayout } from './types.js';

const ITERATIONS = Number(process.env['GG_FUZZ_ITERATIONS'] ?? 1500);
/** Per-scan ceiling: a mutant that makes a parser loop or allocate wildly shows up here. */
const MAX_SCAN_MS = 2000;

/** An in-memory disk: the real image bytes plus a sparse overlay of mutated bytes. */
class MutantDisk implements BlockDevice {
  readonly size: number;
  readonly overlay = new Map<number, number>();
  constructor(
    readonly base: Uint8Array,
    readonly name = 'mutant',
  ) {
    this.size = base.length;
  }
  get(off: number, len: number): Uint8Array {
    // Uint8Array's slice copies (Buffer's would alias the shared base and leak mutations).
    const out = Uint8Array.prototype.slice.call(this.base, off, off + len);
    for (const [o, v] of this.overlay) if (o >= off && o < off + len) out[o - off] = v;
    return out;
  }
  set(off: number, bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) if (off + i >= 0 && off + i < this.size) this.overlay.set(off + i, bytes[i]!);
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    return this.get(offset, length);
  }
  async close(): Promise<void> {}
}

/** Small deterministic PRNG so a failing mutant can be replayed from its iteration number. */
class Rng {
  private s: number;
  constructor(seed: number) {
    // xorshift needs a well-mixed, non-zero state: small consecutive seeds would start out alike.
    let x = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) >>> 0;
    x = Math.imul(x ^ (x >>> 15), 0x85ebca6b) >>> 0;
    this.s = (x ^ (x >>> 13)) >>> 0 || 1;
    for (let i = 0; i < 4; i++) this.next();
  }
  next(): number {
    this.s ^= this.s << 13;
    this.s ^= this.s >>> 17;
    this.s ^= this.s << 5;
    return (this.s >>> 0) / 2 ** 32;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
}

const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

/** Damages `len` bytes at `off`: bit flips, interesting bytes, interesting 32/64-bit words. */
function mutate(d: MutantDisk, rng: Rng, off: number, len: number): void {
  const n = 1 + rng.int(6);
  for (let i = 0; i < n; i++) {
    const at = off + (rng.next() < 0.6 ? rng.int(Math.min(len, 128)) : rng.int(len));
    const kind = rng.int(4);
    if (kind === 0) d.set(at, [d.get(at, 1)[0]! ^ (1 << rng.int(8))]);
    else if (kind === 1) d.set(at, [rng.pick(INTERESTING) & 0xff]);
    else if (kind === 2) {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(rng.pick(INTERESTING) >>> 0);
      d.set(at - (at % 4), b);
    } else {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(rng.next() < 0.5 ? 0xffffffffffffffffn : BigInt(rng.int(2 ** 31)) * BigInt(1 + rng.int(2 ** 20)));
      d.set(at - (at % 8), b);
    }
  }
}

function sfdiskJson(path: string): { start: number; size: number; type: string }[] {
  return (JSON.parse(run('sfdisk', ['--json', path])) as { partitiontable: { partitions: { start: number; size: number; type: string }[] } }).partitiontable.partitions;
}

/**
 * The device itself is healthy, so damaged metadata must never abort the scan: it degrades to
 * warnings. Reads of the resulting volumes may fail, but only with typed errors.
 */
async function scanMustBehave(disk: MutantDisk, what: string): Promise<DiskLayout> {
  const t0 = Date.now();
  let layouts;
  try {
    layouts = await scanDisks([disk]);
  } catch (e) {
    throw new Error(`${what}: scan threw ${(e as Error)?.stack ?? String(e)}`);
  }
  for (const v of flattenVolumes(layouts)) {
    if (v.size < 512) continue;
    await (async () => v.device.read(0, 512))().catch((e: unknown) => {
      if (!(e instanceof GuestguardError)) throw new Error(`${what}: ${v.name} read threw ${(e as Error)?.stack ?? String(e)}`);
    });
  }
  const ms = Date.now() - t0;
  if (ms > MAX_SCAN_MS) throw new Error(`${what}: scan took ${ms} ms`);
  return layouts[0]!;
}

/** Tallies outcomes so the test can check the mutants reached past the first checks. */
function tally(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

const haveTools = ['sgdisk', 'sfdisk', 'losetup', 'pvcreate', 'vgcreate', 'lvcreate'].every(hasTool) && process.getuid?.() === 0;

describe.skipIf(!haveTools)('fuzzing partition tables and LVM metadata', () => {
  let dir: string;
  beforeAll(() => {
    dir = fixtureDir('volume-fuzz', (d) => {
      run('truncate', ['-s', '8M', join(d, 'gpt.img')]);
      run('sgdisk', ['-n1:2048:+2M', '-t1:8300', '-c1:one', '-n2:0:+2M', '-t2:8e00', '-c2:two', '-n4:0:0', '-t4:ef00', join(d, 'gpt.img')]);
      run('truncate', ['-s', '24M', join(d, 'mbr.img')]);
      run('sfdisk', ['-q', join(d, 'mbr.img')], { stdio: ['pipe', 'pipe', 'pipe'], input: 'label: dos\n2048,2M,83\n,10M,5\n,2M,82\n,2M,c\n,2M,83\n,,7\n' });
      // Two LVM partitions on one GPT disk: a VG with a linear and a striped LV.
      const lvmImg = join(d, 'lvm.img');
      run('truncate', ['-s', '24M', lvmImg]);
      run('sgdisk', ['-n1:2048:+10M', '-t1:8e00', '-n2:0:+10M', '-t2:8e00', lvmImg]);
      const parts = sfdiskJson(lvmImg);
      const loops: string[] = [];
      try {
        for (const p of parts) loops.push(run('losetup', ['-f', '--show', '-o', String(p.start * 512), '--sizelimit', String(p.size * 512), lvmImg]).trim());
        const filter = [...loops.map((l) => `"a|^${l}$|"`), '"r|.*|"'].join(',');
        const config = `devices{filter=[${filter}] obtain_device_list_from_udev=0 use_devicesfile=0} global{activation=0} backup{backup=0 archive=0}`;
        const env = { ...process.env, LVM_SUPPRESS_FD_WARNINGS: '1' };
        const L = (cmd: string, ...args: string[]): string => run(cmd, ['--config', config, ...args], { env });
        for (const l of loops) L('pvcreate', '-y', l);
        L('vgcreate', '-s', '1m', 'ggfuzz', ...loops);
        L('lvcreate', '-Zn', '-Wn', '-n', 'lin', '-L', '3m', 'ggfuzz');
        L('lvcreate', '-Zn', '-Wn', '-n', 'str', '-i', '2', '-I', '64k', '-L', '4m', 'ggfuzz');
      } finally {
        for (const l of loops) run('losetup', ['-d', l]);
      }
    });
  });

  it(`GPT: ${ITERATIONS} mutants of headers and entries`, async () => {
    const base = readFileSync(join(dir, 'gpt.img'));
    const lastLba = base.length / 512 - 1;
    const seen = new Map<string, number>();
    for (let i = 0; i < ITERATIONS; i++) {
      const rng = new Rng(0x6770 + i);
      const d = new MutantDisk(base);
      const target = rng.int(5);
      if (target === 0) mutate(d, rng, 512, 92); // primary header
      else if (target === 1) mutate(d, rng, 1024, 16384); // primary entries
      else if (target === 2) mutate(d, rng, lastLba * 512, 92); // backup header
      else if (target === 3) mutate(d, rng, 446, 66); // protective MBR
      else {
        mutate(d, rng, 512, 92);
        mutate(d, rng, lastLba * 512, 92);
      }
      if (rng.next() < 0.5) {
        // Re-seal the primary: entries CRC, then header CRC, so mutants get past the checksums.
        const hdr = Buffer.from(d.get(512, 92));
        const entriesLba = Number(hdr.readBigUInt64LE(72) & 0xffffn);
        const bytes = Math.min(hdr.readUInt32LE(80) * hdr.readUInt32LE(84), 1 << 20);
        if (entriesLba > 0 && entriesLba * 512 + bytes <= base.length) hdr.writeUInt32LE(crc32(d.get(entriesLba * 512, bytes)), 88);
        hdr.writeUInt32LE(0, 16);
        const size = Math.min(Math.max(hdr.readUInt32LE(12), 0), 92);
        hdr.writeUInt32LE(crc32(hdr.subarray(0, size)), 16);
        d.set(512, hdr);
      }
      const l = await scanMustBehave(d, `GPT mutant ${i}`);
      tally(seen, l.scheme === 'gpt' ? (l.warnings.some((w) => /using the backup GPT header/.test(w)) ? 'backup' : 'gpt') : l.scheme);
    }
    // Mutants must exercise the primary, the backup fallback and total failure alike.
    expect([...seen.keys()].sort()).toEqual(expect.arrayContaining(['backup', 'gpt', 'none']));
  });

  it(`MBR: ${ITERATIONS} mutants of the MBR and EBR chain`, async () => {
    const base = readFileSync(join(dir, 'mbr.img'));
    const ext = sfdiskJson(join(dir, 'mbr.img')).find((p) => p.type === '5')!;
    // Walk the real EBR chain to know where the EBRs are.
    const ebrs: number[] = [];
    for (let lba = ext.start; ebrs.length < 16; ) {
      ebrs.push(lba);
      const link = base.readUInt32LE(lba * 512 + 446 + 16 + 8);
      if (link === 0) break;
      lba = ext.start + link;
    }
    expect(ebrs.length).toBeGreaterThanOrEqual(2);
    const seen = new Map<string, number>();
    for (let i = 0; i < ITERATIONS; i++) {
      const rng = new Rng(0x4d42 + i);
      const d = new MutantDisk(base);
      const sector = rng.next() < 0.4 ? 0 : rng.pick(ebrs);
      mutate(d, rng, sector * 512 + 446, 66);
      if (rng.next() < 0.2) {
        // Point a link somewhere arbitrary: backwards, at itself, past the end.
        const b = Buffer.alloc(4);
        b.writeUInt32LE(rng.pick([0, 1, ext.start, rng.int(2 ** 32), ebrs[0]! - ext.start]) >>> 0);
        d.set(rng.pick(ebrs) * 512 + 446 + 16 + 8, b);
      }
      const l = await scanMustBehave(d, `MBR mutant ${i}`);
      tally(seen, l.warnings.length > 0 ? 'warned' : l.scheme);
    }
    expect([...seen.keys()]).toEqual(expect.arrayContaining(['warned', 'mbr']));
  });

  it(`LVM: ${ITERATIONS} mutants of labels, metadata-area headers and metadata text`, async () => {
    const base = readFileSync(join(dir, 'lvm.img'));
    const pvStarts = sfdiskJson(join(dir, 'lvm.img')).map((p) => p.start * 512);
    const textRegion = (d: MutantDisk, pv: number): [number, number] => {
      const h = Buffer.from(d.get(pv + 4096, 512));
      return [pv + 4096 + Number(h.readBigUInt64LE(40) & 0xffffffn), Number(h.readBigUInt64LE(48) & 0xffffffn)];
    };
    const numbers = [0, -1, 1, 7, 2 ** 31, 2 ** 32, 2 ** 53, 1e15, 123456789012];
    const seen = new Map<string, number>();
    for (let i = 0; i < ITERATIONS; i++) {
      const rng = new Rng(0x4c56 + i);
      const d = new MutantDisk(base);
      const pv = rng.pick(pvStarts);
      const [textOff, textLen] = textRegion(d, pv);
      const target = rng.int(4);
      if (target === 0) mutate(d, rng, pv + 512, 512); // label + PV header
      else if (target === 1) mutate(d, rng, pv + 4096, 64); // mda header + raw_locn
      else if (target === 2) mutate(d, rng, textOff, textLen); // metadata text bytes
      else {
        // Swap a number in the metadata text for a hostile one, keeping the text's length.
        const text = Buffer.from(d.get(textOff, textLen)).toString('latin1');
        const nums = [...text.matchAll(/= (\d+)/gu)];
        if (nums.length > 0) {
          const m = rng.pick(nums);
          // Same length as the original digits (padded with spaces, or cut), so offsets stay valid.
          const repl = String(rng.pick(numbers)).padEnd(m[1]!.length, ' ').slice(0, m[1]!.length);
          d.set(textOff + m.index! + 2, Buffer.from(repl, 'latin1'));
        }
      }
      if (rng.next() < 0.2) {
        // Also break the other PV's copy of the metadata, so nothing intact is left to fall back on.
        const other = pvStarts.find((x) => x !== pv)!;
        const [o, n] = textRegion(d, other);
        mutate(d, rng, o, n);
      }
      if (rng.next() < 0.6) {
        // Re-seal: text checksum in raw_locn, mda header checksum, label checksum.
        const h = Buffer.from(d.get(pv + 4096, 512));
        const [o, n] = textRegion(d, pv);
        if (n <= 1 << 20 && o + n <= base.length) h.writeUInt32LE(crc32Update(LVM_CRC_SEED, d.get(o, n)), 56);
        h.writeUInt32LE(crc32Update(LVM_CRC_SEED, h.subarray(4)), 0);
        d.set(pv + 4096, h);
        const label = Buffer.from(d.get(pv + 512, 512));
        label.writeUInt32LE(crc32Update(LVM_CRC_SEED, label.subarray(20)), 16);
        d.set(pv + 512, label);
      }
      const l = await scanMustBehave(d, `LVM mutant ${i}`);
      const lvs = flattenVolumes([l]).filter((v) => v.lvm);
      tally(seen, lvs.length === 0 ? 'no-lvs' : lvs.some((v) => v.unsupported) ? 'unsupported-lv' : l.warnings.length > 0 ? 'lvs+warnings' : 'lvs');
    }
    // Damage must reach the VG/LV model (rejected LVs), not only the checksums.
    expect([...seen.keys()]).toEqual(expect.arrayContaining(['no-lvs', 'lvs', 'lvs+warnings', 'unsupported-lv']));
  });

  it('the unmutated fixtures scan cleanly (so the mutants start from something real)', async () => {
    const [gpt] = await scanDisks([new MutantDisk(readFileSync(join(dir, 'gpt.img')))]);
    expect(gpt!.volumes.map((v) => v.name)).toEqual(['/dev/sda1', '/dev/sda2', '/dev/sda4']);
    const [mbr] = await scanDisks([new MutantDisk(readFileSync(join(dir, 'mbr.img')))]);
    const ref = (JSON.parse(run('sfdisk', ['--json', join(dir, 'mbr.img')])) as { partitiontable: { partitions: { node: string; type: string }[] } }).partitiontable.partitions;
    expect(mbr!.volumes.map((v) => v.partition!.number)).toEqual(ref.filter((p) => p.type !== '5').map((p) => Number(/(\d+)$/u.exec(p.node)![1])));
    const [lvm] = await scanDisks([new MutantDisk(readFileSync(join(dir, 'lvm.img')))]);
    expect(flattenVolumes([lvm!]).filter((v) => v.lvm).map((v) => v.name).sort()).toEqual(['/dev/ggfuzz/lin', '/dev/ggfuzz/str']);
    expect(lvm!.warnings).toEqual([]);
  });
});
