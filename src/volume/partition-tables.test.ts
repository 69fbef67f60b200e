/**
 * GPT and MBR against images made by sgdisk and sfdisk; expectations come from the tools'
 * own JSON/listing output, not from constants typed into the test.
 */
import { openSync, readFileSync, writeFileSync, writeSync, closeSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, hasTool, run } from '../../test/helpers/fixtures.js';
import { HostFile } from '../disk/host-file.js';
import { RawImage } from '../disk/raw.js';
import type { BlockDevice } from '../disk/block-device.js';
import { GuestguardError, VolumeError } from '../errors.js';
import { readGpt } from './gpt.js';
import { readMbr } from './mbr.js';
import { flattenVolumes, scanDisks } from './scan.js';

const TOOLS = ['sgdisk', 'sfdisk', 'mkfs.ext4', 'mkfs.vfat', 'blkid', 'losetup'];
const haveTools = TOOLS.every(hasTool);

interface SfdiskPart {
  node: string;
  start: number;
  size: number;
  type: string;
  uuid?: string;
  name?: string;
  attrs?: string;
  bootable?: boolean;
}
interface SfdiskTable {
  partitiontable: { label: string; id: string; sectorsize: number; partitions: SfdiskPart[] };
}

/** cp keeps the holes that fs.copyFileSync would fill in. */
function copySparse(from: string, to: string): void {
  run('cp', ['--sparse=always', from, to]);
}

function patch(path: string, offset: number, bytes: number[]): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.from(bytes), 0, bytes.length, offset);
  } finally {
    closeSync(fd);
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

/** blkid's view of a byte range of an image (the oracle for partition contents). */
function blkidAt(path: string, offset: number, size: number): Record<string, string> {
  const out = run('blkid', ['-p', '-o', 'export', '-O', String(offset), '-S', String(size), path]);
  return Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

function build(dir: string): void {
  const gpt = join(dir, 'gpt.img');
  run('truncate', ['-s', '64M', gpt]);
  run('sgdisk', [
    '-n1:2048:+8M', '-t1:ef00', '-c1:EFI system',
    '-n2:0:+16M', '-t2:8300', '-c2:root fs', '-A2:set:2',
    '-n3:0:+4M', '-t3:8200', '-c3:swäp',
    '-n5:0:+4M', '-t5:8e00',
    '-n6:0:+4M', '-t6:0700', '-c6:data',
    gpt,
  ]);
  run('mkfs.vfat', ['--offset', '2048', '-n', 'ESP', gpt, String(8 * 1024)]);
  run('mkfs.ext4', ['-q', '-F', '-L', 'rootfs', '-E', `offset=${18432 * 512}`, gpt, '16M']);
  writeFileSync(join(dir, 'gpt.json'), run('sfdisk', ['--json', gpt]));

  // Primary header damaged (disk GUID byte flipped, CRC now wrong): the backup must be used.
  copySparse(gpt, join(dir, 'gpt-badheader.img'));
  patch(join(dir, 'gpt-badheader.img'), 512 + 56, [readAt(gpt, 512 + 56, 1)[0]! ^ 0xff]);
  // Primary entry array damaged (entries CRC wrong), header intact.
  copySparse(gpt, join(dir, 'gpt-badentries.img'));
  patch(join(dir, 'gpt-badentries.img'), 1024 + 128 + 56, [0x41, 0x00]);
  // Both headers damaged.
  copySparse(join(dir, 'gpt-badheader.img'), join(dir, 'gpt-bothbad.img'));
  patch(join(dir, 'gpt-bothbad.img'), 64 * 1024 * 1024 - 512 + 56, [0x00, 0x01, 0x02]);

  // 4 KiB logical sectors: only a loop device with --sector-size makes sgdisk use them.
  const g4 = join(dir, 'gpt4k.img');
  run('truncate', ['-s', '64M', g4]);
  const loop = run('losetup', ['-f', '--show', '--sector-size', '4096', g4]).trim();
  try {
    run('sgdisk', ['-n1:256:+8M', '-t1:8300', '-c1:data', '-n2:0:0', '-t2:8e00', loop]);
    writeFileSync(join(dir, 'gpt4k.json'), run('sfdisk', ['--json', loop]));
  } finally {
    run('losetup', ['-d', loop]);
  }

  // MBR: primaries 1, 2, 4, extended 3 holding three logicals (5, 6, 7).
  const mbr = join(dir, 'mbr.img');
  run('truncate', ['-s', '64M', mbr]);
  run('sfdisk', ['-q', mbr], { stdio: ['pipe', 'pipe', 'pipe'], input: 'label: dos\nlabel-id: 0x1234abcd\n2048,8M,83,*\n,16M,8e\n,30M,5\n,4M,82\n,4M,c\n,8M,83\n,,7\n' });
  writeFileSync(join(dir, 'mbr.json'), run('sfdisk', ['--json', mbr]));
  const table = JSON.parse(readFileSync(join(dir, 'mbr.json'), 'utf8')) as SfdiskTable;
  const p6 = table.partitiontable.partitions.find((p) => p.node.endsWith('6'))!;
  run('mkfs.ext4', ['-q', '-F', '-L', 'logical6', '-E', `offset=${p6.start * 512}`, mbr, `${Math.floor((p6.size * 512) / 1024)}k`]);

  // EBR chain whose second link points back at itself: must stop, not loop.
  copySparse(mbr, join(dir, 'mbr-cycle.img'));
  const ext = table.partitiontable.partitions.find((p) => p.type === '5')!;
  const p5 = table.partitiontable.partitions.find((p) => p.node.endsWith('5'))!;
  const ebr2Lba = p6.start - (p5.start - ext.start); // EBRs sit the same distance before their partition
  const ebr2 = readAt(mbr, ebr2Lba * 512, 512);
  expectLink(ebr2);
  // Entry 2 of EBR 2 links to EBR 3; point it at EBR 2 itself (offsets are relative to the extended start).
  const link = Buffer.alloc(4);
  link.writeUInt32LE(ebr2Lba - ext.start, 0);
  patch(join(dir, 'mbr-cycle.img'), ebr2Lba * 512 + 446 + 16 + 8, [...link]);

  // A whole-disk FAT filesystem (boot sector with 0x55AA) must not be taken for an MBR.
  const fat = join(dir, 'fat-whole.img');
  run('truncate', ['-s', '16M', fat]);
  run('mkfs.vfat', ['-n', 'WHOLE', fat]);
}

function expectLink(ebr: Buffer): void {
  if (ebr[510] !== 0x55 || ebr[511] !== 0xaa || ebr[446 + 16 + 4] !== 0x05) throw new Error('fixture: EBR 2 is not where expected');
}

describe.skipIf(!haveTools)('partition tables (sgdisk/sfdisk fixtures)', () => {
  let dir: string;
  const open: BlockDevice[] = [];
  const img = async (name: string): Promise<BlockDevice> => {
    const d = new RawImage(await HostFile.open(join(dir, name)));
    open.push(d);
    return d;
  };
  const json = (name: string): SfdiskTable => JSON.parse(readFileSync(join(dir, name), 'utf8')) as SfdiskTable;

  beforeAll(() => {
    dir = fixtureDir('volume-partitions', build);
  });
  afterAll(async () => {
    for (const d of open) await d.close();
  });

  it('reads a sgdisk GPT exactly as sfdisk reports it', async () => {
    const gpt = (await readGpt(await img('gpt.img')))!;
    const ref = json('gpt.json').partitiontable;
    expect(gpt.sectorSize).toBe(512);
    expect(gpt.diskGuid).toBe(ref.id);
    expect(gpt.usedBackup).toBe(false);
    expect(gpt.warnings).toEqual([]);
    expect(gpt.partitions.map((p) => p.number)).toEqual(ref.partitions.map((p) => Number(/(\d+)$/.exec(p.node)![1])));
    for (const [i, p] of gpt.partitions.entries()) {
      const r = ref.partitions[i]!;
      expect(p.firstLba).toBe(r.start);
      expect(p.lastLba - p.firstLba + 1).toBe(r.size);
      expect(p.typeGuid).toBe(r.type);
      expect(p.uniqueGuid).toBe(r.uuid);
      expect(p.name).toBe(r.name ?? '');
      expect((p.attributes & 4n) !== 0n).toBe(r.attrs === 'LegacyBIOSBootable');
    }
  });

  it('names partition types like fdisk does', async () => {
    const [layout] = await scanDisks([await img('gpt.img')]);
    const listing = run('sfdisk', ['-l', '-o', 'Device,Type', join(dir, 'gpt.img')]);
    for (const v of layout!.volumes) {
      const line = listing.split('\n').find((l) => l.startsWith(`${join(dir, 'gpt.img')}${v.partition!.number} `))!;
      expect(line.slice(line.indexOf(' ')).trim()).toBe(v.type);
    }
  });

  it('scans the GPT disk: names, byte ranges, labels and contents as blkid sees them', async () => {
    const path = join(dir, 'gpt.img');
    const [layout] = await scanDisks([await img('gpt.img')]);
    const ref = json('gpt.json').partitiontable;
    expect(layout!.name).toBe('/dev/sda');
    expect(layout!.scheme).toBe('gpt');
    expect(layout!.diskId).toBe(ref.id);
    expect(layout!.volumes.map((v) => v.name)).toEqual(['/dev/sda1', '/dev/sda2', '/dev/sda3', '/dev/sda5', '/dev/sda6']);
    for (const v of layout!.volumes) {
      const r = ref.partitions.find((p) => p.node === `${path}${v.partition!.number}`)!;
      expect(v.start).toBe(r.start * 512);
      expect(v.size).toBe(r.size * 512);
      expect(v.partition!.label).toBe(r.name);
      expect(v.device.size).toBe(v.size);
    }
    const esp = layout!.volumes[0]!;
    const root = layout!.volumes[1]!;
    for (const v of [esp, root]) {
      const b = blkidAt(path, v.start, v.size);
      expect(v.content?.fs).toBe(b['TYPE']);
      expect(v.content?.label).toBe(b['LABEL']);
      expect(v.content?.uuid).toBe(b['UUID']);
    }
    expect(root.partition!.bootable).toBe(true);
    expect(layout!.volumes[2]!.content).toBeUndefined(); // empty swap partition
  });

  it('falls back to the backup GPT when the primary header is corrupt, with a warning', async () => {
    const good = (await readGpt(await img('gpt.img')))!;
    const gpt = (await readGpt(await img('gpt-badheader.img')))!;
    expect(gpt.usedBackup).toBe(true);
    expect(gpt.warnings.join('\n')).toMatch(/primary GPT is corrupt.*header CRC32 mismatch.*backup/);
    expect(gpt.partitions).toEqual(good.partitions);
    expect(gpt.diskGuid).toBe(good.diskGuid);
    const [layout] = await scanDisks([await img('gpt-badheader.img')]);
    expect(layout!.warnings.some((w) => /backup GPT header/.test(w))).toBe(true);
    expect(layout!.volumes.length).toBe(good.partitions.length);
  });

  it('falls back to the backup entry array when only the primary entries are corrupt', async () => {
    const good = (await readGpt(await img('gpt.img')))!;
    const gpt = (await readGpt(await img('gpt-badentries.img')))!;
    expect(gpt.usedBackup).toBe(true);
    expect(gpt.warnings.join('\n')).toMatch(/entry array CRC32 mismatch/);
    expect(gpt.partitions).toEqual(good.partitions);
  });

  it('reports a GPT with both copies corrupt as a typed error, and the scan degrades to a whole-disk volume', async () => {
    const dev = await img('gpt-bothbad.img');
    await expect(readGpt(dev)).rejects.toBeInstanceOf(VolumeError);
    const [layout] = await scanDisks([dev]);
    expect(layout!.scheme).toBe('none');
    expect(layout!.volumes.map((v) => v.name)).toEqual(['/dev/sda']);
    expect(layout!.warnings.join('\n')).toMatch(/GPT unusable/);
  });

  it('reads a GPT made with 4096-byte logical sectors', async () => {
    const gpt = (await readGpt(await img('gpt4k.img')))!;
    const ref = json('gpt4k.json').partitiontable;
    expect(ref.sectorsize).toBe(4096);
    expect(gpt.sectorSize).toBe(4096);
    expect(gpt.diskGuid).toBe(ref.id);
    expect(gpt.partitions.map((p) => [p.firstLba, p.lastLba - p.firstLba + 1, p.typeGuid, p.uniqueGuid])).toEqual(
      ref.partitions.map((p) => [p.start, p.size, p.type, p.uuid]),
    );
    const [layout] = await scanDisks([await img('gpt4k.img')]);
    expect(layout!.sectorSize).toBe(4096);
    expect(layout!.volumes[0]!.start).toBe(ref.partitions[0]!.start * 4096);
  });

  it('reads an sfdisk MBR with an extended partition: primaries keep slots 1-4, logicals from 5', async () => {
    const mbr = await readMbr(await img('mbr.img'));
    const ref = json('mbr.json').partitiontable;
    expect(mbr.diskId).toBe(ref.id);
    expect(mbr.warnings).toEqual([]);
    const data = ref.partitions.filter((p) => !['5', 'f', '85'].includes(p.type));
    expect(mbr.partitions.map((p) => p.number)).toEqual(data.map((p) => Number(/(\d+)$/.exec(p.node)![1])));
    for (const [i, p] of mbr.partitions.entries()) {
      const r = data[i]!;
      expect(p.startLba).toBe(r.start);
      expect(p.sectors).toBe(r.size);
      expect(p.type).toBe(parseInt(r.type, 16));
      expect(p.bootable).toBe(r.bootable === true);
      expect(p.kind).toBe(p.number >= 5 ? 'logical' : 'primary');
    }
    expect(mbr.partitions.filter((p) => p.kind === 'logical').length).toBe(3);
  });

  it('scans the MBR disk with fdisk type names and probes a logical partition', async () => {
    const path = join(dir, 'mbr.img');
    const [, layout] = await scanDisks([await img('gpt.img'), await img('mbr.img')]);
    expect(layout!.name).toBe('/dev/sdb');
    expect(layout!.scheme).toBe('mbr');
    expect(layout!.volumes.map((v) => v.name)).toEqual(['/dev/sdb1', '/dev/sdb2', '/dev/sdb4', '/dev/sdb5', '/dev/sdb6', '/dev/sdb7']);
    const listing = run('sfdisk', ['-l', '-o', 'Device,Type', path]);
    for (const v of layout!.volumes) {
      const line = listing.split('\n').find((l) => l.startsWith(`${path}${v.partition!.number} `))!;
      expect(line.slice(line.indexOf(' ')).trim()).toBe(v.type);
    }
    const p6 = layout!.volumes.find((v) => v.name === '/dev/sdb6')!;
    const b = blkidAt(path, p6.start, p6.size);
    expect(p6.content).toMatchObject({ fs: 'ext4', label: 'logical6', uuid: b['UUID'] });
    expect(flattenVolumes([layout!]).length).toBe(6);
  });

  it('stops an EBR chain that loops back, with a warning', async () => {
    const good = await readMbr(await img('mbr.img'));
    const mbr = await readMbr(await img('mbr-cycle.img'));
    expect(mbr.warnings.join('\n')).toMatch(/backwards/);
    expect(mbr.partitions.map((p) => p.number)).toEqual(good.partitions.filter((p) => p.number <= 6).map((p) => p.number));
  });

  it('caps the number of logical partitions followed', async () => {
    const mbr = await readMbr(await img('mbr.img'), 512, { maxLogical: 2 });
    expect(mbr.partitions.filter((p) => p.kind === 'logical').length).toBe(2);
    expect(mbr.warnings.join('\n')).toMatch(/EBR chain longer than 2/);
  });

  it('treats a whole-disk FAT filesystem as an unpartitioned disk, not an MBR', async () => {
    const [layout] = await scanDisks([await img('fat-whole.img')]);
    const b = blkidAt(join(dir, 'fat-whole.img'), 0, 16 << 20);
    expect(b['PTTYPE']).toBeUndefined();
    expect(layout!.scheme).toBe('none');
    expect(layout!.volumes).toHaveLength(1);
    expect(layout!.volumes[0]).toMatchObject({ name: '/dev/sda', start: 0, size: 16 << 20 });
    expect(layout!.volumes[0]!.content).toMatchObject({ fs: 'vfat', label: b['LABEL'], uuid: b['UUID'] });
  });

  it('names disks beyond 26 like Linux', async () => {
    const { diskName } = await import('./scan.js');
    expect([0, 25, 26, 27, 51, 52, 701, 702].map(diskName)).toEqual([
      '/dev/sda', '/dev/sdz', '/dev/sdaa', '/dev/sdab', '/dev/sdaz', '/dev/sdba', '/dev/sdzz', '/dev/sdaaa',
    ]);
  });

  it('rejects reads outside a partition with a typed error', async () => {
    const [layout] = await scanDisks([await img('gpt.img')], { probe: false });
    const v = layout!.volumes[0]!;
    // (SliceDevice.read throws synchronously; the async wrapper treats both forms alike.)
    const err = await (async () => v.device.read(v.size - 10, 20))().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuestguardError);
    expect(err).toMatchObject({ code: 'OUT_OF_RANGE' });
  });
});
