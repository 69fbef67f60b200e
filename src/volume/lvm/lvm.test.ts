/**
 * LVM against volume groups made by the real LVM tools on loop devices over sparse images:
 * linear, striped (2 PVs), non-contiguous and cross-disk LVs, a whole-disk PV, a PV without
 * metadata areas, a wrapped circular metadata buffer, a PV with stale metadata, and thin /
 * raid1 / snapshot LVs (written with vgcfgrestore). Device-mapper is not available here, so
 * LV contents are checked against patterns written straight into the PV extents at offsets
 * computed from `lvs -o seg_pe_ranges` and `pvs -o pe_start` (dm-stripe chunk order for
 * striped segments), and an ext4 image written the same way for the probe.
 */
import { closeSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, hasTool, run, sha256 } from '../../../test/helpers/fixtures.js';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import type { BlockDevice } from '../../disk/block-device.js';
import { SliceDevice } from '../../disk/cached-device.js';
import { GuestguardError } from '../../errors.js';
import { flattenVolumes, scanDisks } from '../scan.js';
import type { DiskLayout, Volume } from '../types.js';
import { readPvLabel } from './label.js';
import { readMetadataArea } from './mda.js';

const TOOLS = ['losetup', 'pvcreate', 'vgcreate', 'lvcreate', 'lvextend', 'lvchange', 'vgcfgbackup', 'vgcfgrestore', 'lvs', 'pvs', 'sgdisk', 'sfdisk', 'mkfs.ext4', 'blkid'];
const haveTools = TOOLS.every(hasTool) && process.getuid?.() === 0;

const DISKS = ['a.img', 'b.img', 'c.img', 'd.img'];
const attached = new Set<string>();

function losetup(file: string, offset = 0, size?: number): string {
  const args = ['-f', '--show', '-o', String(offset)];
  if (size !== undefined) args.push('--sizelimit', String(size));
  const dev = run('losetup', [...args, file]).trim();
  attached.add(dev);
  return dev;
}

function detachAll(): void {
  for (const dev of attached) {
    try {
      run('losetup', ['-d', dev]);
    } catch {
      // already gone
    }
    attached.delete(dev);
  }
}

/** Runs an LVM tool that sees only our loop devices, never activates, and keeps no backups in /etc. */
function lvm(devs: string[], cmd: string, args: string[]): string {
  const filter = [...devs.map((d) => `"a|^${d}$|"`), '"r|.*|"'].join(',');
  const config = `devices{filter=[${filter}] obtain_device_list_from_udev=0 use_devicesfile=0} global{activation=0} backup{backup=0 archive=0}`;
  return run(cmd, ['--config', config, ...args], { env: { ...process.env, LVM_SUPPRESS_FD_WARNINGS: '1' } });
}

/** Deterministic bytes for LV content checks: a 32-bit hash per 4-byte word, seeded per LV. */
function pattern(seed: number, offset: number, length: number): Buffer {
  const start = offset - (offset % 4);
  const words = Math.ceil((offset + length - start) / 4);
  const b = Buffer.alloc(words * 4);
  for (let k = 0; k < words; k++) {
    let x = (start / 4 + k + Math.imul(seed, 0x9e3779b1)) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
    x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
    b.writeUInt32LE((x ^ (x >>> 16)) >>> 0, k * 4);
  }
  return b.subarray(offset - start, offset - start + length);
}

const SEEDS: Record<string, number> = { 'ggvol/striped': 2, 'ggvol/spread': 3, 'ggvol/gap': 4, 'ggvol/far': 5, 'ggvol/late': 6, 'ggsolo/solo': 7 };

interface LvsRow {
  vg_name: string;
  lv_name: string;
  lv_uuid: string;
  lv_size: string;
  seg_start: string;
  seg_size: string;
  segtype: string;
  stripes: string;
  stripe_size: string;
  seg_pe_ranges: string;
}
interface PvsRow {
  pv_name: string;
  pv_uuid: string;
  vg_name: string;
  pe_start: string;
}
interface LoopInfo {
  file: string;
  offset: number;
  volume: string;
}
interface Fixture {
  lvs: LvsRow[];
  pvs: PvsRow[];
  extent: Record<string, number>;
  loops: Record<string, LoopInfo>;
  rootSha: string;
  rootBlkid: Record<string, string>;
}

const bytes = (s: string): number => Number(s.replace(/B$/u, ''));

/** Physical pieces of one LV segment as [loop device, byte offset on it, length, offset in segment]. */
function segmentPieces(row: LvsRow, fx: Pick<Fixture, 'pvs' | 'extent'>): [string, number, number, number][] {
  const ext = fx.extent[row.vg_name]!;
  const ranges = row.seg_pe_ranges.split(' ').map((r) => {
    const m = /^(.+):(\d+)-(\d+)$/u.exec(r)!;
    const pv = fx.pvs.find((p) => p.pv_name === m[1])!;
    return { dev: m[1]!, base: bytes(pv.pe_start) + Number(m[2]) * ext };
  });
  const size = bytes(row.seg_size);
  if (ranges.length === 1) return [[ranges[0]!.dev, ranges[0]!.base, size, 0]];
  const chunk = bytes(row.stripe_size);
  const out: [string, number, number, number][] = [];
  for (let p = 0; p < size; p += chunk) {
    const c = p / chunk;
    const r = ranges[c % ranges.length]!;
    out.push([r.dev, r.base + Math.floor(c / ranges.length) * chunk, chunk, p]);
  }
  return out;
}

function build(dir: string): void {
  const p = (f: string): string => join(dir, f);
  // Disk A: GPT, ext4 boot partition + two LVM partitions. Disk B: MBR, one LVM partition.
  run('truncate', ['-s', '128M', p('a.img')]);
  run('sgdisk', ['-n1:2048:+8M', '-t1:8300', '-c1:boot', '-n2:0:+40M', '-t2:8e00', '-n3:0:+40M', '-t3:8e00', p('a.img')]);
  run('mkfs.ext4', ['-q', '-F', '-L', 'boot', '-E', `offset=${2048 * 512}`, p('a.img'), '8M']);
  run('truncate', ['-s', '64M', p('b.img')]);
  run('sfdisk', ['-q', p('b.img')], { stdio: ['pipe', 'pipe', 'pipe'], input: 'label: dos\n2048,48M,8e\n' });
  run('truncate', ['-s', '32M', p('c.img')]); // whole-disk PV
  run('truncate', ['-s', '48M', p('d.img')]); // whole-disk PV for the unsupported LV types
  const parts = (f: string): { start: number; size: number }[] =>
    (JSON.parse(run('sfdisk', ['--json', p(f)])) as { partitiontable: { partitions: { start: number; size: number }[] } }).partitiontable.partitions.map(
      (x) => ({ start: x.start * 512, size: x.size * 512 }),
    );
  const [, a2, a3] = parts('a.img');
  const [b1] = parts('b.img');

  try {
    const la2 = losetup(p('a.img'), a2!.start, a2!.size);
    const la3 = losetup(p('a.img'), a3!.start, a3!.size);
    const lb1 = losetup(p('b.img'), b1!.start, b1!.size);
    const lc = losetup(p('c.img'));
    const ld = losetup(p('d.img'));
    const devs = [la2, la3, lb1, lc, ld];
    const loops: Record<string, LoopInfo> = {
      [la2]: { file: 'a.img', offset: a2!.start, volume: '/dev/sda2' },
      [la3]: { file: 'a.img', offset: a3!.start, volume: '/dev/sda3' },
      [lb1]: { file: 'b.img', offset: b1!.start, volume: '/dev/sdb1' },
      [lc]: { file: 'c.img', offset: 0, volume: '/dev/sdc' },
      [ld]: { file: 'd.img', offset: 0, volume: '/dev/sdd' },
    };
    const L = (cmd: string, ...args: string[]): string => lvm(devs, cmd, args);

    L('pvcreate', '-y', la2);
    L('pvcreate', '-y', '--metadatasize', '16k', '--dataalignment', '64k', la3); // small circular buffer (60 KiB): wraps soon
    L('pvcreate', '-y', '--metadatacopies', '0', lb1); // known only through the other PVs' metadata
    L('pvcreate', '-y', lc);
    L('pvcreate', '-y', ld);
    L('vgcreate', '-s', '1m', 'ggvol', la2, la3, lb1);
    L('vgcreate', '-s', '4m', 'ggsolo', lc);
    L('vgcreate', '-s', '1m', 'ggunsup', ld);
    L('lvcreate', '-Zn', '-Wn', '-n', 'root', '-L', '12m', 'ggvol', la2);
    L('lvcreate', '-Zn', '-Wn', '-n', 'striped', '-i', '2', '-I', '64k', '-L', '8m', 'ggvol', la2, la3);
    L('lvcreate', '-Zn', '-Wn', '-n', 'spread', '-L', '2m', 'ggvol', la3);
    L('lvcreate', '-Zn', '-Wn', '-n', 'gap', '-L', '1m', 'ggvol', la3);
    L('lvextend', '-L', '+3m', 'ggvol/spread', la3); // second segment after "gap": non-contiguous
    L('lvextend', '-L', '+2m', 'ggvol/spread', lb1); // third segment on another disk
    L('lvcreate', '-Zn', '-Wn', '-n', 'far', '-L', '4m', 'ggvol', lb1);
    L('lvcreate', '-Zn', '-Wn', '-n', 'solo', '-L', '8m', 'ggsolo');

    // Keep la2's metadata from before the last change, to put it back afterwards (stale copy).
    const staleMda = readAt(p('a.img'), a2!.start, 1 << 20);
    L('lvcreate', '-Zn', '-Wn', '-n', 'late', '-L', '1m', 'ggvol', la3);
    // Commit until the newest copy in la3's small metadata area wraps around the buffer's end.
    for (let i = 0; !mdaWraps(p('a.img'), a3!.start); i++) {
      if (i > 100) throw new Error('fixture: metadata area of la3 never wrapped');
      L('lvchange', '--addtag', `t${i}`, 'ggvol/gap');
    }

    // Thin pool + thin LV, raid1 and an old-style snapshot, restored from hand-extended metadata.
    L('lvcreate', '-Zn', '-Wn', '-n', 'plain', '-L', '2m', 'ggunsup');
    L('vgcfgbackup', '-f', p('ggunsup.vg'), 'ggunsup');
    writeFileSync(p('ggunsup.vg'), addUnsupportedLvs(readFileSync(p('ggunsup.vg'), 'utf8')));
    L('vgcfgrestore', '--force', '-f', p('ggunsup.vg'), 'ggunsup');
    rmSync(p('ggunsup.vg'));

    const lvs = (JSON.parse(L('lvs', '--reportformat', 'json', '--units', 'b', '-o', 'vg_name,lv_name,lv_uuid,lv_size,seg_start,seg_size,segtype,stripes,stripe_size,seg_pe_ranges')) as {
      report: { lv: LvsRow[] }[];
    }).report[0]!.lv;
    const pvs = (JSON.parse(L('pvs', '--reportformat', 'json', '--units', 'b', '-o', 'pv_name,pv_uuid,vg_name,pe_start')) as { report: { pv: PvsRow[] }[] }).report[0]!.pv;
    const vgs = (JSON.parse(L('vgs', '--reportformat', 'json', '--units', 'b', '-o', 'vg_name,vg_extent_size')) as { report: { vg: { vg_name: string; vg_extent_size: string }[] }[] })
      .report[0]!.vg;
    const extent = Object.fromEntries(vgs.map((v) => [v.vg_name, bytes(v.vg_extent_size)]));

    writeAt(p('a.img'), a2!.start, staleMda);

    // LV contents: an ext4 image for root, patterns for the rest, written to their extents.
    const rootImg = p('root.ext4');
    run('truncate', ['-s', '12M', rootImg]);
    run('mkfs.ext4', ['-q', '-F', '-L', 'lvroot', rootImg]);
    const rootBlkid = Object.fromEntries(
      run('blkid', ['-p', '-o', 'export', rootImg]).trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const rootBytes = readFileSync(rootImg);
    rmSync(rootImg);
    for (const row of lvs) {
      const key = `${row.vg_name}/${row.lv_name}`;
      const seed = SEEDS[key];
      if (key !== 'ggvol/root' && seed === undefined) continue;
      for (const [dev, off, len, inSeg] of segmentPieces(row, { pvs, extent })) {
        const lvOff = bytes(row.seg_start) + inSeg;
        const data = key === 'ggvol/root' ? rootBytes.subarray(lvOff, lvOff + len) : pattern(seed!, lvOff, len);
        writeAt(p(loops[dev]!.file), loops[dev]!.offset + off, data);
      }
    }
    const fx: Fixture = { lvs, pvs, extent, loops, rootSha: sha256(rootBytes), rootBlkid };
    writeFileSync(p('fixture.json'), JSON.stringify(fx, null, 1));
  } finally {
    detachAll();
  }
}

function readAt(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return b;
  } finally {
    closeSync(fd);
  }
}

function writeAt(path: string, offset: number, data: Uint8Array): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, data, 0, data.length, offset);
  } finally {
    closeSync(fd);
  }
}

/** Reads raw_locn[0] of the PV's first metadata area (at 4 KiB) and says whether it wraps. */
function mdaWraps(file: string, pvOffset: number): boolean {
  const h = readAt(file, pvOffset + 4096, 512);
  const size = Number(h.readBigUInt64LE(32));
  const off = Number(h.readBigUInt64LE(40));
  const len = Number(h.readBigUInt64LE(48));
  return off > 0 && off + len > size;
}

/** Appends thin-pool, thin, raid1 and snapshot LVs (with their hidden sub-LVs) to vgcfgbackup text. */
function addUnsupportedLvs(text: string): string {
  const lv = (name: string, id: string, status: string[], segs: string[]): string =>
    `\n${name} {\nid = "${id.repeat(6)}-${id.repeat(4)}-${id.repeat(4)}-${id.repeat(4)}-${id.repeat(4)}-${id.repeat(4)}-${id.repeat(6)}"\n` +
    `status = [${status.map((s) => `"${s}"`).join(', ')}]\nflags = []\nsegment_count = ${segs.length}\n` +
    segs.map((s, i) => `segment${i + 1} {\n${s}\n}\n`).join('') +
    '}\n';
  const linear = (count: number, pe: number): string => `start_extent = 0\nextent_count = ${count}\ntype = "striped"\nstripe_count = 1\nstripes = ["pv0", ${pe}]`;
  const V = ['READ', 'WRITE', 'VISIBLE'];
  const H = ['READ', 'WRITE'];
  const add = [
    lv('pool', 'P', V, ['start_extent = 0\nextent_count = 4\ntype = "thin-pool"\nmetadata = "pool_tmeta"\npool = "pool_tdata"\ntransaction_id = 1\nchunk_size = 128\ndiscards = "passdown"\nzero_new_blocks = 1']),
    lv('thin1', 'T', V, ['start_extent = 0\nextent_count = 8\ntype = "thin"\nthin_pool = "pool"\ntransaction_id = 0\ndevice_id = 1']),
    lv('pool_tmeta', 'M', H, [linear(1, 10)]),
    lv('pool_tdata', 'D', H, [linear(4, 11)]),
    lv('lvol0_pmspare', 'S', H, [linear(1, 15)]),
    lv('mirror1', 'R', V, ['start_extent = 0\nextent_count = 2\ntype = "raid1"\ndevice_count = 2\nregion_size = 1024\nraids = ["mirror1_rmeta_0", "mirror1_rimage_0", "mirror1_rmeta_1", "mirror1_rimage_1"]']),
    lv('mirror1_rmeta_0', 'a', H, [linear(1, 16)]),
    lv('mirror1_rimage_0', 'b', H, [linear(2, 17)]),
    lv('mirror1_rmeta_1', 'c', H, [linear(1, 19)]),
    lv('mirror1_rimage_1', 'd', H, [linear(2, 20)]),
    lv('snap', 'N', V, [linear(2, 22)]),
    lv('snapshot0', 'O', ['READ'], ['start_extent = 0\nextent_count = 2\ntype = "snapshot"\nchunk_size = 8\norigin = "plain"\ncow_store = "snap"']),
  ].join('');
  const end = text.lastIndexOf('}', text.lastIndexOf('}') - 1); // end of logical_volumes
  return text.slice(0, end) + add + text.slice(end);
}

describe.skipIf(!haveTools)('LVM (volume groups made by lvm2 tools)', () => {
  let dir: string;
  let fx: Fixture;
  const devs: BlockDevice[] = [];
  let layouts: DiskLayout[];
  let all: Volume[];

  beforeAll(async () => {
    dir = fixtureDir('volume-lvm', build);
    fx = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as Fixture;
    for (const f of DISKS) devs.push(new RawImage(await HostFile.open(join(dir, f))));
    layouts = await scanDisks(devs);
    all = flattenVolumes(layouts);
  });
  afterAll(async () => {
    for (const d of devs) await d.close();
    detachAll(); // only non-empty if a build was interrupted; activation is never enabled, so no vgchange -an is needed
  });

  const lvRows = (key: string): LvsRow[] => fx.lvs.filter((r) => `${r.vg_name}/${r.lv_name}` === key);
  const lvKeys = (): string[] => [...new Set(fx.lvs.map((r) => `${r.vg_name}/${r.lv_name}`))];
  const vol = (name: string): Volume => {
    const v = all.find((x) => x.name === name);
    if (!v) throw new Error(`no volume ${name}; have ${all.map((x) => x.name).join(' ')}`);
    return v;
  };

  it('lists exactly the LVs lvs lists, with their UUIDs, sizes and segment counts', () => {
    const got = all.filter((v) => v.lvm).map((v) => `${v.lvm!.vg}/${v.lvm!.lv}`).sort();
    expect(got).toEqual(lvKeys().sort());
    for (const key of lvKeys()) {
      const rows = lvRows(key);
      const v = vol(`/dev/${key}`);
      expect(v.lvm!.uuid).toBe(rows[0]!.lv_uuid);
      expect(v.size).toBe(bytes(rows[0]!.lv_size));
      expect(v.lvm!.segments).toBe(rows.length);
      expect(v.lvm!.segmentTypes).toEqual([...new Set(rows.map((r) => (r.segtype === 'linear' ? 'striped' : r.segtype)))]);
      expect(v.lvm!.striped).toBe(rows.some((r) => r.segtype === 'striped' && Number(r.stripes) > 1));
    }
  });

  it('hangs each LV under the partition of its first segment, starting where that segment starts', () => {
    for (const key of lvKeys()) {
      const first = lvRows(key).find((r) => bytes(r.seg_start) === 0)!;
      if (!first.seg_pe_ranges.startsWith('/dev/')) continue; // thin, thin-pool, raid1: built on other LVs
      const m = /^(\S+):(\d+)-/u.exec(first.seg_pe_ranges)!;
      const loop = fx.loops[m[1]!]!;
      const pv = fx.pvs.find((x) => x.pv_name === m[1])!;
      const parent = vol(loop.volume);
      expect(parent.children.map((c) => c.name)).toContain(`/dev/${key}`);
      expect(vol(`/dev/${key}`).start).toBe(loop.offset + bytes(pv.pe_start) + Number(m[2]) * fx.extent[first.vg_name]!);
    }
    expect(vol('/dev/sdc').children.map((c) => c.name)).toEqual(['/dev/ggsolo/solo']);
  });

  it('reads every linear, striped, non-contiguous and cross-disk LV byte for byte', async () => {
    for (const [key, seed] of Object.entries(SEEDS)) {
      const v = vol(`/dev/${key}`);
      expect(v.unsupported).toBeUndefined();
      const got = await v.device.read(0, v.size);
      expect(Buffer.from(got).equals(pattern(seed, 0, v.size)), key).toBe(true);
    }
    const spread = vol('/dev/ggvol/spread');
    expect(spread.lvm!.segments).toBe(3);
    expect(new Set(lvRows('ggvol/spread').map((r) => r.seg_pe_ranges.split(':')[0])).size).toBe(2);
  });

  it('reads unaligned ranges that cross segment and stripe-chunk boundaries', async () => {
    let rnd = 12345;
    const next = (n: number): number => {
      rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0;
      return rnd % n;
    };
    for (const key of ['ggvol/striped', 'ggvol/spread']) {
      const v = vol(`/dev/${key}`);
      for (let i = 0; i < 200; i++) {
        const off = next(v.size);
        const len = 1 + next(Math.min(300_000, v.size - off));
        expect(Buffer.from(await v.device.read(off, len)).equals(pattern(SEEDS[key]!, off, len))).toBe(true);
      }
    }
  });

  it('finds the ext4 filesystem on the root LV with blkid\'s label and UUID', async () => {
    const root = vol('/dev/ggvol/root');
    expect(root.content).toMatchObject({ fs: 'ext4', label: fx.rootBlkid['LABEL'], uuid: fx.rootBlkid['UUID'] });
    expect(sha256(await root.device.read(0, root.size))).toBe(fx.rootSha);
  });

  it('probes PVs as LVM2_member with the UUID pvs reports', () => {
    for (const pv of fx.pvs) {
      const v = vol(fx.loops[pv.pv_name]!.volume);
      expect(v.content).toMatchObject({ fs: 'LVM2_member', uuid: pv.pv_uuid });
    }
    expect(vol('/dev/sda1').content).toMatchObject({ fs: 'ext4', label: 'boot' });
  });

  it('uses the newest metadata when a PV carries a stale copy, and says so', () => {
    expect(vol('/dev/ggvol/late').size).toBe(1 << 20);
    expect(layouts[0]!.warnings.join('\n')).toMatch(/VG ggvol: \/dev\/sda2 has stale metadata \(seqno \d+, newest \d+\)/);
  });

  it('reads metadata that wraps around the end of the circular buffer', async () => {
    const a3 = vol('/dev/sda3');
    const label = (await readPvLabel(a3.device))!;
    expect(label.metadataAreas).toHaveLength(1);
    const text = (await readMetadataArea(a3.device, label.metadataAreas[0]!))!;
    expect(text.wrapped).toBe(true);
    expect(text.text).toContain('ggvol {');
  });

  it('names thin, thin-pool, raid1 and snapshot LVs as unsupported with warnings, and refuses to read them', async () => {
    for (const name of ['pool', 'thin1', 'mirror1', 'snap']) {
      const v = vol(`/dev/ggunsup/${name}`);
      expect(v.unsupported, name).toBeTruthy();
      expect(v.content).toBeUndefined();
      await expect(v.device.read(0, 512)).rejects.toBeInstanceOf(GuestguardError);
      expect(layouts.flatMap((l) => l.warnings).some((w) => w.startsWith(`ggunsup/${name}:`))).toBe(true);
    }
    expect(vol('/dev/ggunsup/snap').unsupported).toMatch(/snapshot/);
    expect(vol('/dev/ggunsup/thin1').lvm!.segmentTypes).toEqual(['thin']);
    // Hidden sub-LVs are not listed; the snapshot origin stays readable.
    expect(all.some((v) => /_t(meta|data)|_r(meta|image)|pmspare|snapshot0/.test(v.name))).toBe(false);
    expect(vol('/dev/ggunsup/plain').unsupported).toBeUndefined();
    expect(vol('/dev/sdd').children.map((c) => c.name).sort()).toEqual(
      ['mirror1', 'plain', 'pool', 'snap', 'thin1'].map((n) => `/dev/ggunsup/${n}`),
    );
  });

  it('reports a VG with a missing disk as incomplete and opens only the LVs it can', async () => {
    const [a] = await scanDisks([devs[0]!]);
    const names = flattenVolumes([a!]).map((v) => v.name);
    expect(names).toContain('/dev/ggvol/root');
    expect(a!.warnings.join('\n')).toMatch(/VG ggvol is incomplete: 1 PV\(s\) not found/);
    const spread = flattenVolumes([a!]).find((v) => v.name === '/dev/ggvol/spread')!;
    expect(spread.unsupported).toMatch(/missing/);
    const root = flattenVolumes([a!]).find((v) => v.name === '/dev/ggvol/root')!;
    expect(sha256(await root.device.read(0, root.size))).toBe(fx.rootSha);
  });

  it('reports a cloned disk (the same PV UUIDs twice) instead of assembling it twice', async () => {
    const clone = new RawImage(await HostFile.open(join(dir, 'c.img')));
    try {
      const ls = await scanDisks([devs[2]!, clone]);
      expect(ls[0]!.warnings.join('\n')).toMatch(/PV UUID \S+ appears on both \/dev\/sda and \/dev\/sdb \(cloned disk\?\)/);
      expect(flattenVolumes(ls).filter((v) => v.lvm).map((v) => v.name)).toEqual(['/dev/ggsolo/solo']);
    } finally {
      await clone.close();
    }
  });

  it('rejects LV reads outside the volume with a typed error', async () => {
    const v = vol('/dev/ggvol/striped');
    await expect(v.device.read(v.size - 1, 2)).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
  });

  it('reads PV labels from a partition slice exactly like from the raw loop view', async () => {
    const a2 = vol('/dev/sda2');
    const slice = new SliceDevice(devs[0]!, a2.start, a2.size, 'a2');
    const label = (await readPvLabel(slice))!;
    const pv = fx.pvs.find((x) => fx.loops[x.pv_name]!.volume === '/dev/sda2')!;
    expect(label.pvUuid).toBe(pv.pv_uuid);
    expect(label.dataAreas[0]!.offset).toBe(bytes(pv.pe_start));
  });
});
