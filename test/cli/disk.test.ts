/**
 * `guestguard disk --json` against the real tools that made the images: sgdisk/sfdisk for the
 * partition tables, lvs for logical volumes, blkid for filesystems; every container format
 * qemu-img writes must give the same answer as the raw image.
 */
import { writeFileSync, copyFileSync, openSync, writeSync, closeSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, hasTool, run } from '../helpers/fixtures.js';
import { cli, expectCleanFailure } from '../helpers/cli.js';

const isRoot = process.getuid?.() === 0;
const canLvm = isRoot && ['losetup', 'pvcreate', 'vgcreate', 'lvcreate', 'lvs'].every(hasTool);

interface VolumeJson {
  device: string;
  start: number;
  size: number;
  type?: string;
  fs?: string;
  label?: string;
  uuid?: string;
  children: VolumeJson[];
}
interface DiskJson {
  format: string;
  virtual_size: number;
  backing: { path: string; format: string }[];
  volumes: VolumeJson[];
}

function diskJson(image: string, extra: string[] = []): DiskJson {
  const r = cli(['disk', image, '--json', ...extra]);
  if (r.status !== 0) throw new Error(`disk failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as DiskJson;
}

const loops: string[] = [];
function lvm(dev: string, cmd: string, args: string[]): string {
  const config = `devices{filter=["a|^${dev}$|","r|.*|"] obtain_device_list_from_udev=0 use_devicesfile=0} global{activation=0} backup{backup=0 archive=0}`;
  return run(cmd, ['--config', config, ...args], { env: { ...process.env, LVM_SUPPRESS_FD_WARNINGS: '1' } });
}

let gptDir = '';
let lvsRows: { lv_name: string; vg_name: string; lv_size: string; seg_pe_ranges: string }[] = [];
const VG = 'ggclivg';

beforeAll(() => {
  gptDir = fixtureDir('cli-disk-gpt', (dir) => {
    const raw = join(dir, 'disk.raw');
    run('truncate', ['-s', '160M', raw]);
    run('sgdisk', ['--clear', '-n', '1:2048:+16M', '-t', '1:ef00', '-c', '1:ESP', '-n', '2:0:+40M', '-t', '2:8300', '-c', '2:boot', '-n', '3:0:0', '-t', '3:8e00', '-c', '3:lvm', raw]);
    const first = (n: number) => Number(/First sector: (\d+)/.exec(run('sgdisk', ['-i', String(n), raw]))![1]);
    const last = (n: number) => Number(/Last sector: (\d+)/.exec(run('sgdisk', ['-i', String(n), raw]))![1]);
    run('mkfs.vfat', ['-n', 'ESP', '-i', '1234ABCD', '--offset', String(first(1)), raw, String(16 * 1024)]);
    run('mkfs.ext4', ['-q', '-F', '-L', 'boot', '-U', '0d1f7c3e-6a55-4f0e-9d7e-2b4cb0a7e001', '-E', `offset=${first(2) * 512}`, raw, `${((last(2) - first(2) + 1) / 2) | 0}k`]);
    if (canLvm) {
      const start = first(3) * 512;
      const size = (last(3) - first(3) + 1) * 512;
      const dev = run('losetup', ['-f', '--show', '-o', String(start), '--sizelimit', String(size), raw]).trim();
      loops.push(dev);
      try {
        lvm(dev, 'pvcreate', ['-ff', '-y', dev]);
        lvm(dev, 'vgcreate', [VG, dev]);
        lvm(dev, 'lvcreate', ['-n', 'root', '-L', '48M', VG]);
        lvm(dev, 'lvcreate', ['-n', 'swap', '-L', '16M', VG]);
        const report = JSON.parse(lvm(dev, 'lvs', ['--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', 'lv_name,vg_name,lv_size,seg_pe_ranges', VG]));
        writeFileSync(join(dir, 'lvs.json'), JSON.stringify(report.report[0].lv));
        const peStart = Number(lvm(dev, 'pvs', ['--noheadings', '--units', 'b', '--nosuffix', '-o', 'pe_start', dev]).trim());
        const extent = Number(lvm(dev, 'vgs', ['--noheadings', '--units', 'b', '--nosuffix', '-o', 'vg_extent_size', VG]).trim());
        // No device-mapper here: write the root LV's ext4 straight into its (contiguous) extents.
        const rootRow = report.report[0].lv.find((l: { lv_name: string }) => l.lv_name === 'root');
        const firstPe = Number(/:(\d+)-/.exec(rootRow.seg_pe_ranges)![1]);
        const lvOffset = start + peStart + firstPe * extent;
        run('mkfs.ext4', ['-q', '-F', '-L', 'lvroot', '-E', `offset=${lvOffset}`, raw, `${Number(rootRow.lv_size) / 1024}k`]);
      } finally {
        run('losetup', ['-d', dev]);
        loops.pop();
      }
    }
    for (const [fmt, opts] of [['qcow2', []], ['vmdk', ['-o', 'subformat=streamOptimized']], ['vhdx', []], ['vpc', []], ['vdi', []]] as const) {
      run('qemu-img', ['convert', '-f', 'raw', '-O', fmt, ...opts, raw, join(dir, `disk.${fmt}`)]);
    }
    run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', 'disk.qcow2', '-F', 'qcow2', join(dir, 'overlay.qcow2')]);
  });
  try {
    lvsRows = JSON.parse(readFileSync(join(gptDir, 'lvs.json'), 'utf8'));
  } catch {
    lvsRows = [];
  }
}, 600_000);

afterAll(() => {
  for (const l of loops) run('losetup', ['-d', l]);
});

describe('disk --json on a GPT disk', () => {
  it('matches sgdisk for every partition', () => {
    const raw = join(gptDir, 'disk.raw');
    const j = diskJson(raw);
    expect(j.format).toBe('raw');
    expect(j.virtual_size).toBe(160 * 1024 * 1024);
    expect(j.backing).toEqual([]);
    expect(j.volumes.map((v) => v.device)).toEqual(['/dev/sda1', '/dev/sda2', '/dev/sda3']);
    for (const [i, v] of j.volumes.entries()) {
      const info = run('sgdisk', ['-i', String(i + 1), raw]);
      const first = Number(/First sector: (\d+)/.exec(info)![1]);
      const last = Number(/Last sector: (\d+)/.exec(info)![1]);
      expect(v.start).toBe(first * 512);
      expect(v.size).toBe((last - first + 1) * 512);
    }
    expect(j.volumes[0]!.type).toBe('EFI System');
    expect(j.volumes[0]).toMatchObject({ fs: 'vfat', label: 'ESP', uuid: '1234-ABCD' });
    expect(j.volumes[1]).toMatchObject({ fs: 'ext4', label: 'boot', uuid: '0d1f7c3e-6a55-4f0e-9d7e-2b4cb0a7e001' });
    expect(j.volumes[2]!.type).toBe('Linux LVM');
  });

  it.runIf(canLvm)('shows logical volumes as children of their PV partition, matching lvs', () => {
    const j = diskJson(join(gptDir, 'disk.raw'));
    const pv = j.volumes[2]!;
    expect(pv.fs).toBe('LVM2_member');
    const lvs = pv.children;
    expect(lvs.map((l) => l.device).sort()).toEqual([`/dev/${VG}/root`, `/dev/${VG}/swap`]);
    for (const row of lvsRows) {
      const lv = lvs.find((l) => l.device === `/dev/${row.vg_name}/${row.lv_name}`)!;
      expect(lv.size).toBe(Number(row.lv_size));
      expect(lv.start).toBeGreaterThanOrEqual(pv.start);
      expect(lv.start + lv.size).toBeLessThanOrEqual(pv.start + pv.size);
    }
    expect(lvs.find((l) => l.device.endsWith('/root'))).toMatchObject({ fs: 'ext4', label: 'lvroot' });
  });

  it('gives the same answer for every container format', () => {
    const reference = diskJson(join(gptDir, 'disk.raw'));
    for (const [file, format] of [['disk.qcow2', 'qcow2'], ['disk.vmdk', 'vmdk'], ['disk.vhdx', 'vhdx'], ['disk.vpc', 'vhd'], ['disk.vdi', 'vdi']]) {
      const j = diskJson(join(gptDir, file!));
      expect(j.format, file).toBe(format);
      // VHD rounds its size to a CHS geometry; partition tables are unaffected.
      if (format !== 'vhd') expect(j.virtual_size, file).toBe(reference.virtual_size);
      expect(j.volumes, file).toEqual(reference.volumes);
    }
  });

  it('reports the backing chain of an overlay', () => {
    const j = diskJson(join(gptDir, 'overlay.qcow2'));
    expect(j.format).toBe('qcow2');
    expect(j.backing).toEqual([{ path: join(gptDir, 'disk.qcow2'), format: 'qcow2' }]);
    expect(j.volumes.map((v) => v.device)).toEqual(['/dev/sda1', '/dev/sda2', '/dev/sda3']);
  });

  it('prints a readable tree without --json', () => {
    const r = cli(['disk', join(gptDir, 'disk.qcow2')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('format:       qcow2');
    expect(r.stdout).toMatch(/\/dev\/sda1 .*EFI System .*vfat/);
    if (canLvm) expect(r.stdout).toMatch(new RegExp(`└─ /dev/${VG}/swap`));
  });
});

describe('disk --json on an MBR disk', () => {
  let mbr = '';
  beforeAll(() => {
    mbr = join(
      fixtureDir('cli-disk-mbr', (dir) => {
        const raw = join(dir, 'mbr.raw');
        run('truncate', ['-s', '64M', raw]);
        run('sfdisk', ['-q', raw], { input: 'label: dos\nlabel-id: 0x1234abcd\n,8M,83,*\n,8M,82\n,,5\n,6M,83\n,6M,7\n,,83\n' });
        run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, join(dir, 'mbr.qcow2')]);
      }),
      'mbr.qcow2',
    );
  });

  it('matches sfdisk --json, logical partitions numbered from 5', () => {
    const raw = mbr.replace(/\.qcow2$/, '.raw');
    const table = JSON.parse(run('sfdisk', ['--json', raw])).partitiontable as { partitions: { node: string; start: number; size: number; type: string }[] };
    // Extended containers (types 5, f, 85) are not volumes: their logical partitions are.
    const sf = { partitions: table.partitions.filter((p) => !['5', 'f', '85'].includes(p.type)) };
    expect(sf.partitions.length).toBe(table.partitions.length - 1);
    const j = diskJson(mbr);
    const flat = j.volumes.flatMap((v) => [v, ...v.children]);
    for (const p of sf.partitions) {
      const n = Number(/(\d+)$/.exec(p.node)![1]);
      const v = flat.find((x) => x.device === `/dev/sda${n}`);
      expect(v, p.node).toBeDefined();
      expect(v!.start).toBe(p.start * 512);
      expect(v!.size).toBe(p.size * 512);
    }
    expect(flat.map((v) => v.device).sort()).toEqual(sf.partitions.map((p) => p.node.replace(/^.*?(\d+)$/, '/dev/sda$1')).sort());
  });
});

describe('bad input ends in one clear line and exit 2', () => {
  let dir = '';
  beforeAll(() => {
    dir = fixtureDir('cli-disk-bad', (d) => {
      run('qemu-img', ['create', '-q', '-f', 'qcow2', join(d, 'good.qcow2'), '64M']);
      copyFileSync(join(d, 'good.qcow2'), join(d, 'truncated.qcow2'));
      run('truncate', ['-s', '100', join(d, 'truncated.qcow2')]);
      copyFileSync(join(d, 'good.qcow2'), join(d, 'badheader.qcow2'));
      const fd = openSync(join(d, 'badheader.qcow2'), 'r+');
      writeSync(fd, Buffer.from([0, 0, 0, 40]), 0, 4, 20); // cluster_bits = 40
      closeSync(fd);
      writeFileSync(join(d, 'empty.img'), '');
      mkdirSync(join(d, 'a-directory'));
      run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', join(d, 'gone.qcow2'), '-F', 'qcow2', '-u', join(d, 'orphan.qcow2'), '64M']);
    });
  });

  it.each([
    ['missing.qcow2', /IMAGE_NOT_FOUND/],
    ['truncated.qcow2', /TRUNCATED_IMAGE|CORRUPT_IMAGE/],
    ['badheader.qcow2', /cluster/i],
    ['empty.img', /empty|UNSUPPORTED_IMAGE/],
    ['a-directory', /directory/],
    ['orphan.qcow2', /BACKING_FILE_MISSING.*--backing-dir/],
  ])('%s', (name, pattern) => {
    const line = expectCleanFailure(cli(['disk', join(dir, name), '--json']));
    expect(line).toMatch(pattern);
  });

  it('finds a moved backing file with --backing-dir', () => {
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    run('qemu-img', ['create', '-q', '-f', 'qcow2', join(elsewhere, 'gone.qcow2'), '64M']);
    const j = diskJson(join(dir, 'orphan.qcow2'), ['--backing-dir', elsewhere]);
    expect(j.backing).toEqual([{ path: join(elsewhere, 'gone.qcow2'), format: 'qcow2' }]);
  });
});
