/**
 * The pure parts of inspect on small inputs: XML escaping and round trips, libguestfs's fstab
 * rules, and drive-letter resolution (the end-to-end tests cover them on real disks).
 */
import { describe, expect, it } from 'vitest';
import type { FilesystemCatalog, GuestFilesystemInfo } from '../../src/guest/filesystems.js';
import { parseFstab } from '../../src/guest/fstab.js';
import {
  escapeXmlAttr,
  escapeXmlText,
  fstabMountables,
  mountpointMap,
  reportToXml,
  resolveDriveMappings,
  windowsMountpoints,
  type InspectionReport,
  type LinuxOperatingSystem,
} from '../../src/guest/inspect/index.js';
import type { DiskLayout, Volume } from '../../src/volume/types.js';
import { CAN_CHECK_RNG, expectRngValid } from './helpers.js';
import { child, childText, parseXml } from './xml-parse.js';

describe('XML escaping', () => {
  it('escapes markup characters and replaces characters XML cannot carry', () => {
    expect(escapeXmlText('a<b>&c "d" \'e\'')).toBe('a&lt;b&gt;&amp;c "d" \'e\'');
    expect(escapeXmlAttr('a"b\nc\td<')).toBe('a&quot;b&#10;c&#9;d&lt;');
    expect(escapeXmlText('nul\u0000 bell\u0007 lone\ud800 ok\u{1f600}')).toBe('nul\ufffd bell\ufffd lone\ufffd ok\u{1f600}');
  });

  it('a report with hostile strings round-trips through the XML and stays valid', () => {
    const nasty = 'x</name><injected a="1"/>&amp;\u0001"\'';
    const os = {
      root: '/dev/sda1',
      type: 'linux',
      distro: 'debian',
      product_name: nasty,
      major_version: 12,
      minor_version: 0,
      arch: 'x86_64',
      hostname: 'h"ost<',
      osinfo: 'debian12',
      package_format: 'deb',
      package_management: 'apt',
      timezone: null,
      mountpoints: { '/': '/dev/sda1', '/srv/a"b': '/dev/sda2' },
      filesystems: [
        { device: '/dev/sda1', type: 'ext4', label: '<lbl>', uuid: null },
        { device: '/dev/sda2', type: 'unknown', label: null, uuid: null },
      ],
      packages: [
        { name: 'zz', epoch: 0, version: '1', release: '', arch: 'all' },
        { name: 'aa&b', epoch: 2, version: '1.0', release: '3', arch: 'amd64', summary: nasty, source: 'src' },
      ],
    } as unknown as LinuxOperatingSystem;
    const report = { operating_systems: [os] } as unknown as InspectionReport;
    const xml = reportToXml(report);
    const el = parseXml(xml).children[0]!;
    expect(childText(el, 'product_name')).toBe(nasty.replace('\u0001', '\ufffd'));
    expect(childText(el, 'hostname')).toBe('h"ost<');
    expect(child(el, 'mountpoints')!.children.map((m) => [m.attrs['dev'], m.text])).toEqual([
      ['/dev/sda1', '/'],
      ['/dev/sda2', '/srv/a"b'],
    ]);
    // "unknown" and empty values are left out, as virt-inspector leaves them out.
    expect(child(el, 'filesystems')!.children.map((f) => f.children.map((c) => c.name))).toEqual([['type', 'label'], []]);
    const apps = child(el, 'applications')!.children;
    expect(apps.map((a) => childText(a, 'name'))).toEqual(['aa&b', 'zz']);
    expect(apps[0]!.children.map((c) => c.name)).toEqual(['name', 'epoch', 'version', 'release', 'arch', 'source_package', 'summary']);
    expect(apps[1]!.children.map((c) => c.name)).toEqual(['name', 'version', 'arch']);
    if (CAN_CHECK_RNG) expectRngValid(xml);
  });
});

/** A catalog over plain filesystem records (what FilesystemCatalog lists; nothing is opened). */
function catalog(fss: Partial<GuestFilesystemInfo>[]): FilesystemCatalog {
  const filesystems = fss.map((f) => ({ size: 1, volume: { name: f.device } as Volume, ...f }) as GuestFilesystemInfo);
  // A subvolume shares its volume with the plain filesystem of the same device.
  for (const f of filesystems) {
    const base = filesystems.find((b) => b.subvolume === undefined && f.device.startsWith(`btrfsvol:${b.device}/`));
    if (base) f.volume = base.volume;
  }
  return { filesystems } as unknown as FilesystemCatalog;
}

describe('fstab → mountpoints and filesystems (libguestfs rules)', () => {
  const cat = catalog([
    { device: '/dev/sda1', type: 'ext4', uuid: '1111', label: 'root' },
    { device: '/dev/sda2', type: 'btrfs', uuid: '2222', label: 'data' },
    { device: 'btrfsvol:/dev/sda2/@home', type: 'btrfs', uuid: '2222', subvolume: '@home', subvolumeId: 257 },
    { device: '/dev/sda3', type: 'swap', uuid: '3333' },
    { device: '/dev/sdb1', type: 'xfs', uuid: '4444', label: 'media' },
  ]);
  const fstab = parseFstab(
    [
      'UUID=1111 / ext4 defaults 0 1',
      '/dev/vda1 / ext4 defaults 0 1', // a second "/" line: libguestfs keeps one
      'UUID=2222 /home btrfs subvol=/@home 0 0',
      'UUID=2222 /snap btrfs subvol=@snapshots 0 0', // not listed: still named as libguestfs names it
      '/dev/xvda3 none swap sw 0 0',
      'LABEL=media /media/usb xfs defaults 0 0', // /media/* is ignored
      '/dev/cdrom /mnt/cdrom iso9660 ro,noauto 0 0',
      'proc /proc proc defaults 0 0',
      'tmpfs /tmp tmpfs defaults 0 0',
      'server:/export /mnt/nfs nfs defaults 0 0',
      '/srv/data /data none bind 0 0',
      'UUID=9999 /missing ext4 defaults 0 2',
      '/dev/sdb1 //var//lib// xfs defaults 0 2',
    ].join('\n'),
  );

  it('keeps what libguestfs keeps, resolves names, and warns about what is not on the disks', () => {
    const warnings: string[] = [];
    const root = cat.filesystems[0]!;
    const entries = fstabMountables(cat, root, fstab, (m) => warnings.push(m));
    expect(entries.map((e) => [e.file, e.device, e.fs?.type])).toEqual([
      ['/', '/dev/sda1', 'ext4'],
      ['/home', 'btrfsvol:/dev/sda2/@home', 'btrfs'],
      ['/snap', 'btrfsvol:/dev/sda2/@snapshots', 'btrfs'],
      ['none', '/dev/sda3', 'swap'],
      ['/var/lib', '/dev/sdb1', 'xfs'],
    ]);
    expect(warnings).toEqual(['/etc/fstab line 12: UUID=9999 (/missing) is not on the disks']);
    expect(Object.entries(mountpointMap(entries))).toEqual([
      ['/', '/dev/sda1'],
      ['/home', 'btrfsvol:/dev/sda2/@home'],
      ['/snap', 'btrfsvol:/dev/sda2/@snapshots'],
      ['/var/lib', '/dev/sdb1'],
    ]);
  });
});

function vol(name: string, start: number, partition?: Volume['partition'], children: Volume[] = []): Volume {
  return { name, start, size: 1 << 20, children, device: undefined as never, ...(partition && { partition }) };
}

describe('Windows drive letters', () => {
  const mbr: DiskLayout = {
    name: '/dev/sda',
    scheme: 'mbr',
    diskId: '0x1234abcd',
    size: 1 << 30,
    device: undefined as never,
    warnings: [],
    volumes: [
      vol('/dev/sda1', 1048576, { scheme: 'mbr', number: 1, typeCode: '07' }),
      vol('/dev/sda2', 1 << 25, { scheme: 'mbr', number: 2, typeCode: '0f' }, [vol('/dev/sda5', (1 << 25) + 32256, { scheme: 'mbr', number: 5, typeCode: '07', kind: 'logical' })]),
    ],
  };
  const gpt: DiskLayout = {
    name: '/dev/sdb',
    scheme: 'gpt',
    size: 1 << 30,
    device: undefined as never,
    warnings: [],
    volumes: [vol('/dev/sdb1', 1048576, { scheme: 'gpt', number: 1, typeCode: 'x', uuid: '3b8c2a4e-6f1d-4c2b-9a7e-1d2c3b4a5f60' })],
  };

  it('resolves MBR signature + offset (logical partitions too) and GPT GUIDs (any case); others are null', () => {
    const got = resolveDriveMappings(
      [
        { drive: 'C:', kind: 'mbr', raw: '', mbr_signature: '1234ABCD', partition_offset: 1048576 },
        { drive: 'D:', kind: 'mbr', raw: '', mbr_signature: '1234abcd', partition_offset: (1 << 25) + 32256 },
        { drive: 'E:', kind: 'gpt', raw: '', gpt_partition_guid: '3B8C2A4E-6F1D-4C2B-9A7E-1D2C3B4A5F60' },
        { drive: 'F:', kind: 'mbr', raw: '', mbr_signature: 'deadbeef', partition_offset: 1048576 },
        { drive: 'G:', kind: 'mbr', raw: '', mbr_signature: '1234abcd', partition_offset: 4096 },
        { drive: 'H:', kind: 'device', raw: '', device_path: '\\??\\IDE#CdRom' },
      ],
      [mbr, gpt],
    );
    expect(got.map((m) => [m.drive, m.device])).toEqual([
      ['C:', '/dev/sda1'],
      ['D:', '/dev/sda5'],
      ['E:', '/dev/sdb1'],
      ['F:', null],
      ['G:', null],
      ['H:', null],
    ]);
  });

  it('the system drive always names the root; a contradicting mapping is a warning', () => {
    const warnings: string[] = [];
    expect(windowsMountpoints([], '/dev/sda2', 'C:\\Windows', (m) => warnings.push(m))).toEqual({ 'C:': '/dev/sda2' });
    expect(windowsMountpoints([], '/dev/sda2', 'D:\\WINNT', (m) => warnings.push(m))).toEqual({ 'D:': '/dev/sda2' });
    expect(warnings).toEqual([]);
    const mapped = [
      { drive: 'E:', kind: 'mbr' as const, raw: '', device: '/dev/sda3' },
      { drive: 'C:', kind: 'mbr' as const, raw: '', device: '/dev/sda1' },
    ];
    expect(windowsMountpoints(mapped, '/dev/sda2', 'C:\\Windows', (m) => warnings.push(m))).toEqual({ 'C:': '/dev/sda1', 'E:': '/dev/sda3' });
    expect(warnings).toEqual(['MountedDevices maps the system drive C: to /dev/sda1, but Windows was found on /dev/sda2']);
  });
});
