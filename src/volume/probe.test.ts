/**
 * Content probes against images made by the real mkfs tools, compared field by field with
 * `blkid -p`. MD RAID superblocks cannot be created here (no md driver for mdadm --create),
 * so they are written by hand and checked by `mdadm --examine` (checksum "correct") as well
 * as blkid before our probe sees them; BitLocker has no Linux tool at all.
 */
import { closeSync, ftruncateSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, hasTool, run } from '../../test/helpers/fixtures.js';
import { HostFile } from '../disk/host-file.js';
import { RawImage } from '../disk/raw.js';
import type { BlockDevice } from '../disk/block-device.js';
import { probeContent } from './probe.js';
import { md1Checksum } from './probes/md.js';

/** `blkid -p -o udev`: values with \xNN escapes, decoded to UTF-8 (export format mangles non-ASCII). */
function blkid(path: string): Record<string, string> {
  let out: string;
  try {
    out = run('blkid', ['-p', '-o', 'udev', path]);
  } catch {
    return {};
  }
  const rec: Record<string, string> = {};
  for (const line of out.trim().split('\n')) {
    const eq = line.indexOf('=');
    const raw = line.slice(eq + 1);
    const bytes: number[] = [];
    for (let i = 0; i < raw.length; ) {
      if (raw[i] === '\\' && raw[i + 1] === 'x') {
        bytes.push(parseInt(raw.slice(i + 2, i + 4), 16));
        i += 4;
      } else {
        bytes.push(...Buffer.from(raw[i]!, 'utf8'));
        i++;
      }
    }
    rec[line.slice(0, eq)] = Buffer.from(bytes).toString('utf8');
  }
  return rec;
}

function sparse(path: string, size: string): void {
  run('truncate', ['-s', size, path]);
}

function writeAt(path: string, size: number, chunks: [number, Buffer][]): void {
  writeFileSync(path, '');
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, size);
    for (const [off, b] of chunks) writeSync(fd, b, 0, b.length, off);
  } finally {
    closeSync(fd);
  }
}

const ARRAY_UUID = '0123456789abcdeffedcba9876543210';
const DEVICE_UUID = 'aabbccddeeff00112233445566778899';

/** An md superblock 1.x as mdadm writes it for a 2-disk RAID1 member. */
function writeMd1(path: string, devSize: number, version: '1.0' | '1.1' | '1.2'): void {
  const sbOff = version === '1.0' ? Math.floor(devSize / 4096) * 4096 - 8192 : version === '1.1' ? 0 : 4096;
  const maxDev = 2;
  const sb = Buffer.alloc(256 + maxDev * 2);
  sb.writeUInt32LE(0xa92b4efc, 0);
  sb.writeUInt32LE(1, 4);
  Buffer.from(ARRAY_UUID, 'hex').copy(sb, 16);
  sb.write(`gghost:md${version}`, 32, 'latin1');
  sb.writeBigUInt64LE(1700000000n, 64);
  sb.writeUInt32LE(1, 72); // level
  const dataOffset = version === '1.0' ? 0 : 2048;
  const dataSize = version === '1.0' ? sbOff / 512 - 16 : devSize / 512 - dataOffset;
  sb.writeBigUInt64LE(BigInt(dataSize), 80);
  sb.writeUInt32LE(2, 92); // raid_disks
  sb.writeBigUInt64LE(BigInt(dataOffset), 128);
  sb.writeBigUInt64LE(BigInt(dataSize), 136);
  sb.writeBigUInt64LE(BigInt(sbOff / 512), 144);
  sb.writeBigUInt64LE(0xffffffffffffffffn, 152);
  Buffer.from(DEVICE_UUID, 'hex').copy(sb, 168);
  sb.writeBigUInt64LE(1700000001n, 192);
  sb.writeBigUInt64LE(5n, 200);
  sb.writeBigUInt64LE(0xffffffffffffffffn, 208);
  sb.writeUInt32LE(maxDev, 220);
  sb.writeUInt16LE(0, 256);
  sb.writeUInt16LE(1, 258);
  sb.writeUInt32LE(md1Checksum(sb), 216);
  writeAt(path, devSize, [[sbOff, sb]]);
}

/** An md 0.90 superblock (4 KiB, in the last 64 KiB-aligned 64 KiB of the device). */
function writeMd090(path: string, devSize: number): void {
  const off = Math.floor(devSize / 65536) * 65536 - 65536;
  const sb = Buffer.alloc(4096);
  const w = (i: number, v: number): void => {
    sb.writeUInt32LE(v >>> 0, i * 4);
  };
  const words = Buffer.from(ARRAY_UUID, 'hex');
  w(0, 0xa92b4efc);
  w(2, 90);
  w(5, words.readUInt32BE(0));
  w(6, 1700000000);
  w(7, 1);
  w(8, off / 1024);
  w(9, 2);
  w(10, 2);
  w(13, words.readUInt32BE(4));
  w(14, words.readUInt32BE(8));
  w(15, words.readUInt32BE(12));
  w(32, 1700000001);
  w(33, 1);
  w(34, 2);
  w(35, 2);
  w(39, 5);
  for (const d of [0, 1]) {
    w(128 + d * 32, d);
    w(128 + d * 32 + 3, d);
    w(128 + d * 32 + 4, 6);
  }
  w(992 + 4, 6);
  let sum = 0;
  for (let i = 0; i < 1024; i++) if (i !== 38) sum += sb.readUInt32LE(i * 4);
  w(38, ((sum % 2 ** 32) + Math.floor(sum / 2 ** 32)) >>> 0);
  writeAt(path, devSize, [[off, sb]]);
}

const BITLOCKER_LABEL = 'DESKTOP-GG C: 5/6/2024';
const BITLOCKER_ID = '00112233445566778899aabbccddeeff';

/** A Windows 7+ BitLocker boot sector and FVE metadata block (layout from libbde's documentation). */
function writeBitLocker(path: string): void {
  const bs = Buffer.alloc(512);
  Buffer.from([0xeb, 0x58, 0x90]).copy(bs, 0);
  bs.write('-FVE-FS-', 3, 'latin1');
  bs.writeUInt16LE(512, 11);
  bs[13] = 8;
  bs.writeBigUInt64LE(0x10000n, 176);
  bs[510] = 0x55;
  bs[511] = 0xaa;
  const label = Buffer.from(BITLOCKER_LABEL, 'utf16le');
  const entry = Buffer.alloc(8 + label.length);
  entry.writeUInt16LE(entry.length, 0);
  entry.writeUInt16LE(7, 2); // description
  entry.writeUInt16LE(2, 4); // UTF-16 string
  entry.writeUInt16LE(1, 6);
  label.copy(entry, 8);
  const fve = Buffer.alloc(64 + 48 + entry.length);
  fve.write('-FVE-FS-', 0, 'latin1');
  fve.writeUInt16LE(2, 10);
  fve.writeUInt32LE(48 + entry.length, 64);
  fve.writeUInt32LE(1, 68);
  fve.writeUInt32LE(48, 72);
  fve.writeUInt32LE(48 + entry.length, 76);
  Buffer.from(BITLOCKER_ID, 'hex').copy(fve, 80);
  entry.copy(fve, 112);
  writeAt(path, 1 << 20, [[0, bs], [0x10000, fve]]);
}

interface Case {
  file: string;
  tools: string[];
  make: (path: string) => void;
}

const XFS_SMALL = { ...process.env, TEST_DIR: '1', TEST_DEV: '1', QA_CHECK_FS: '1' }; // lets mkfs.xfs make < 300 MiB
const CASES: Case[] = [
  { file: 'ext2.img', tools: ['mkfs.ext2'], make: (p) => (sparse(p, '8M'), run('mkfs.ext2', ['-q', '-F', '-L', 'old-two', p])) },
  { file: 'ext3.img', tools: ['mkfs.ext3'], make: (p) => (sparse(p, '16M'), run('mkfs.ext3', ['-q', '-F', p])) },
  { file: 'ext4.img', tools: ['mkfs.ext4'], make: (p) => (sparse(p, '32M'), run('mkfs.ext4', ['-q', '-F', '-L', 'Données é', p])) },
  { file: 'ext4-nocsum.img', tools: ['mkfs.ext4'], make: (p) => (sparse(p, '16M'), run('mkfs.ext4', ['-q', '-F', '-O', '^metadata_csum', '-L', 'nocsum', p])) },
  { file: 'xfs.img', tools: ['mkfs.xfs'], make: (p) => (sparse(p, '64M'), run('mkfs.xfs', ['-q', '-f', '-L', 'xfs-lbl', p], { env: XFS_SMALL })) },
  { file: 'btrfs.img', tools: ['mkfs.btrfs'], make: (p) => (sparse(p, '128M'), run('mkfs.btrfs', ['-q', '-f', '-L', 'btr label', p])) },
  { file: 'fat12.img', tools: ['mkfs.vfat'], make: (p) => (sparse(p, '2M'), run('mkfs.vfat', ['-F', '12', '-n', 'FLOPPY', p])) },
  { file: 'fat16.img', tools: ['mkfs.vfat'], make: (p) => (sparse(p, '32M'), run('mkfs.vfat', ['-F', '16', p])) },
  { file: 'fat32.img', tools: ['mkfs.vfat'], make: (p) => (sparse(p, '64M'), run('mkfs.vfat', ['-F', '32', '-n', 'ESP-32', p])) },
  {
    // Label set by mlabel afterwards: root directory entry and boot sector then differ.
    file: 'fat-relabel.img',
    tools: ['mkfs.vfat', 'mlabel'],
    make: (p) => {
      sparse(p, '16M');
      run('mkfs.vfat', ['-n', 'BOOTLBL', p]);
      run('mlabel', ['-i', p, '::ROOTLBL'], { env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
    },
  },
  { file: 'exfat.img', tools: ['mkfs.exfat'], make: (p) => (sparse(p, '16M'), run('mkfs.exfat', ['-L', 'exFAT vol', p])) },
  { file: 'ntfs.img', tools: ['mkntfs'], make: (p) => (sparse(p, '16M'), run('mkntfs', ['-q', '-F', '-Q', '-L', 'Ünïcode vol', p])) },
  {
    file: 'joliet.iso',
    tools: ['xorriso'],
    make: (p) => {
      run('mkdir', ['-p', `${p}.d`]);
      writeFileSync(`${p}.d/hello.txt`, 'hello\n');
      run('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'Long Volume Label For Joliet!', '-J', '-o', p, `${p}.d`]);
    },
  },
  {
    file: 'plain.iso',
    tools: ['xorriso'],
    make: (p) => {
      run('mkdir', ['-p', `${p}.d`]);
      writeFileSync(`${p}.d/a`, 'a');
      run('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'PLAIN_ISO', '-o', p, `${p}.d`]);
    },
  },
  { file: 'swap.img', tools: ['mkswap'], make: (p) => (sparse(p, '8M'), run('mkswap', ['-L', 'swappy', p])) },
  {
    file: 'luks1.img',
    tools: ['cryptsetup'],
    make: (p) => {
      sparse(p, '8M');
      run('cryptsetup', ['luksFormat', '--type', 'luks1', '--batch-mode', '--pbkdf-force-iterations', '1000', '--key-file', '-', p], {
        stdio: ['pipe', 'pipe', 'pipe'],
        input: 'pw',
      });
    },
  },
  {
    file: 'luks2.img',
    tools: ['cryptsetup'],
    make: (p) => {
      sparse(p, '24M');
      run('cryptsetup', ['luksFormat', '--type', 'luks2', '--batch-mode', '--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000', '--label', 'secret stuff', '--subsystem', 'gg', '--key-file', '-', p], {
        stdio: ['pipe', 'pipe', 'pipe'],
        input: 'pw',
      });
    },
  },
  { file: 'md-1.2.img', tools: [], make: (p) => writeMd1(p, 4 << 20, '1.2') },
  { file: 'md-1.1.img', tools: [], make: (p) => writeMd1(p, 4 << 20, '1.1') },
  { file: 'md-1.0.img', tools: [], make: (p) => writeMd1(p, (4 << 20) + 13000, '1.0') },
  { file: 'md-0.90.img', tools: [], make: (p) => writeMd090(p, (4 << 20) + 4096) },
  { file: 'bitlocker.img', tools: [], make: writeBitLocker },
];

const available = CASES.filter((c) => c.tools.every(hasTool));
const missing = CASES.filter((c) => !c.tools.every(hasTool)).map((c) => `${c.file} (needs ${c.tools.join(', ')})`);

describe.skipIf(!hasTool('blkid'))('content probes vs blkid -p', () => {
  let dir: string;
  const devs = new Map<string, BlockDevice>();

  beforeAll(async () => {
    dir = fixtureDir('volume-probe', (d) => {
      for (const c of available) c.make(join(d, c.file));
    });
    for (const c of available) devs.set(c.file, new RawImage(await HostFile.open(join(dir, c.file))));
  });
  afterAll(async () => {
    for (const d of devs.values()) await d.close();
  });

  it('has every fixture tool', () => {
    // Skipped cases would silently shrink coverage; list them so a CI without the tool shows it.
    expect(missing).toEqual([]);
  });

  it.each(available.map((c) => c.file))('%s: type, label, uuid and version match blkid', async (file) => {
    const ref = blkid(join(dir, file));
    const got = await probeContent(devs.get(file)!);
    expect(ref['ID_FS_TYPE']).toBeTruthy();
    expect(got?.fs).toBe(ref['ID_FS_TYPE']);
    expect(got?.details?.['version']).toBe(ref['ID_FS_VERSION']);
    expect(got?.details?.['uuid_sub']).toBe(ref['ID_FS_UUID_SUB_ENC']);
    // blkid before 2.39 reports no BitLocker label/UUID; those are checked separately below.
    if (file === 'bitlocker.img' && !ref['ID_FS_UUID_ENC']) return;
    expect(got?.label).toBe(ref['ID_FS_LABEL_ENC']);
    expect(got?.uuid).toBe(ref['ID_FS_UUID_ENC']);
  });

  it('tells ext2, ext3 and ext4 apart by feature flags like blkid (SEC_TYPE too)', async () => {
    for (const f of ['ext2.img', 'ext3.img', 'ext4.img']) {
      const ref = blkid(join(dir, f));
      const got = await probeContent(devs.get(f)!);
      expect(got?.details?.['sec_type']).toBe(ref['ID_FS_SEC_TYPE']);
    }
  });

  it('prefers the FAT root-directory label and keeps the boot-sector one apart', async () => {
    const got = await probeContent(devs.get('fat-relabel.img')!);
    const ref = blkid(join(dir, 'fat-relabel.img'));
    expect(got?.label).toBe('ROOTLBL');
    expect(got?.label).toBe(ref['ID_FS_LABEL_ENC']);
    expect(got?.details?.['label_fatboot']).toBe(ref['ID_FS_LABEL_FATBOOT_ENC'] ?? undefined);
  });

  it('reports LUKS2 subsystem and labels', async () => {
    const got = await probeContent(devs.get('luks2.img')!);
    expect(got).toMatchObject({ fs: 'crypto_LUKS', label: 'secret stuff', details: { version: '2', subsystem: 'gg' } });
  });

  it('reads BitLocker label and volume GUID from the FVE metadata', async () => {
    const got = await probeContent(devs.get('bitlocker.img')!);
    expect(got?.label).toBe(BITLOCKER_LABEL);
    expect(got?.uuid).toBe('33221100-5544-7766-8899-aabbccddeeff');
  });

  it.skipIf(!hasTool('mdadm'))('hand-written md superblocks are valid for mdadm itself', () => {
    for (const f of ['md-1.2.img', 'md-1.1.img', 'md-1.0.img', 'md-0.90.img']) {
      const out = run('mdadm', ['--examine', join(dir, f)]);
      expect(out).toMatch(/Checksum : [0-9a-f]+ - correct/);
      expect(out).toContain('01234567:89abcdef:fedcba98:76543210');
    }
  });

  it('a damaged LUKS2 primary header is found through its secondary header', async () => {
    const inner = devs.get('luks2.img')!;
    const dev: BlockDevice = {
      size: inner.size,
      name: 'luks2-damaged',
      read: async (o, l) => {
        const b = Uint8Array.from(await inner.read(o, l));
        if (o < 512) b.fill(0, 0, Math.min(l, 512 - o)); // wipe the primary header
        return b;
      },
      close: async () => {},
    };
    const got = await probeContent(dev);
    const orig = await probeContent(devs.get('luks2.img')!);
    expect(got).toEqual(orig);
  });

  it('finds nothing on an empty device and on tiny devices', async () => {
    const zero: BlockDevice = { size: 1 << 20, name: 'zero', read: async (_o, l) => new Uint8Array(l), close: async () => {} };
    expect(await probeContent(zero)).toBeUndefined();
    const tiny: BlockDevice = { size: 100, name: 'tiny', read: async (_o, l) => new Uint8Array(l), close: async () => {} };
    expect(await probeContent(tiny)).toBeUndefined();
  });
});
