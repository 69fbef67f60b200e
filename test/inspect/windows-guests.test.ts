/**
 * `guestguard inspect` on Windows guests: NTFS volumes (mkntfs + ntfs-3g) holding real
 * registry hives, on GPT and MBR disks laid out so SYSTEM\MountedDevices names real partitions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { InspectionReport, WindowsOperatingSystem } from '../../src/guest/inspect/index.js';
import { FILLER_DRIVERS, SERVER_CDROM, SERVER_PARTITION_GUID } from '../../src/guest/windows/windows-testing.js';
import { CAN_CHECK_RNG, expectRngValid, inspect, inspectJson } from './helpers.js';
import { canBuildWindowsDisks, windowsDisks, WIN10_E_OFFSET, type WindowsDisks } from './windows-disks.js';
import { child, childText, parseXml } from './xml-parse.js';

function windowsOses(r: InspectionReport): WindowsOperatingSystem[] {
  for (const os of r.operating_systems) expect(os.type).toBe('windows');
  return r.operating_systems as WindowsOperatingSystem[];
}

describe.runIf(canBuildWindowsDisks)('inspect: Windows guests', () => {
  let disks: WindowsDisks;
  beforeAll(async () => {
    disks = await windowsDisks();
  }, 600_000);

  it('Windows Server 2022 on GPT: identity, C: by partition GUID, applications, services', () => {
    const [os] = windowsOses(inspectJson([disks.server]));
    expect(os).toMatchObject({
      root: '/dev/sda2',
      type: 'windows',
      distro: 'windows',
      product_name: 'Windows Server 2022 Datacenter',
      product_variant: 'Server',
      edition: 'ServerDatacenter',
      major_version: 10,
      minor_version: 0,
      build: 20348,
      update_build_revision: 2113,
      display_version: '21H2',
      arch: 'x86_64',
      hostname: 'WIN-SRV2022-01',
      domain: 'contoso.local',
      osinfo: 'win2k22',
      timezone: 'Pacific Standard Time',
      system_root: 'C:\\Windows',
      system_root_path: '/Windows',
      current_control_set: 'ControlSet001',
      package_format: null,
      errors: [],
      warnings: [],
    });
    expect(os!.mountpoints).toEqual({ 'C:': '/dev/sda2' });
    expect(os!.drive_mappings).toEqual([
      expect.objectContaining({ drive: 'C:', kind: 'gpt', gpt_partition_guid: SERVER_PARTITION_GUID, device: '/dev/sda2' }),
      expect.objectContaining({ drive: 'D:', kind: 'device', device_path: SERVER_CDROM, device: null }),
    ]);
    expect(os!.filesystems).toEqual([{ device: '/dev/sda2', type: 'ntfs', label: 'Windows', uuid: expect.stringMatching(/^[0-9A-F]{16}$/) }]);
    expect(os!.applications!.map((a) => a.name).sort()).toEqual(['7-Zip', 'AddressBook', 'Microsoft Edge', 'Notepad++', '{0D1E6F1A-2B3C-4D5E-8F90-A1B2C3D4E5F6}']);
    expect(os!.services).toHaveLength(13 + FILLER_DRIVERS);
    expect(os!.security!.rdp).toMatchObject({ deny_ts_connections: 0, port_number: 3389 });
  });

  it('XML: virt-inspector element order, drive mappings, applications with a DisplayName', () => {
    const r = inspect(['--format', 'xml', disks.server]);
    expect(r.status, r.stderr).toBe(0);
    const os = parseXml(r.stdout).children[0]!;
    expect(os.children.map((c) => c.name)).toEqual([
      'root', 'name', 'arch', 'distro', 'product_name', 'product_variant', 'major_version', 'minor_version', 'windows_systemroot', 'windows_current_control_set',
      'hostname', 'osinfo', 'mountpoints', 'filesystems', 'drive_mappings', 'applications',
    ]);
    expect(childText(os, 'windows_systemroot')).toBe('/Windows');
    expect(child(os, 'mountpoints')!.children.map((m) => [m.attrs['dev'], m.text])).toEqual([['/dev/sda2', '/']]);
    expect(child(os, 'drive_mappings')!.children.map((m) => [m.attrs['name'], m.text])).toEqual([['C', '/dev/sda2']]);
    const apps = child(os, 'applications')!.children;
    // libguestfs lists only Uninstall keys with a DisplayName (AddressBook has none).
    expect(apps.map((a) => childText(a, 'name'))).toEqual(['7-Zip', 'Microsoft Edge', 'Notepad++', '{0D1E6F1A-2B3C-4D5E-8F90-A1B2C3D4E5F6}']);
    expect(apps[0]!.children.map((c) => [c.name, c.text])).toEqual([
      ['name', '7-Zip'],
      ['display_name', '7-Zip 23.01 (x64)'],
      ['version', '23.01'],
      ['install_path', 'C:\\Program Files\\7-Zip\\'],
      ['publisher', 'Igor Pavlov'],
      ['url', 'https://www.7-zip.org/'],
    ]);
    if (CAN_CHECK_RNG) expectRngValid(r.stdout);
  });

  it('Windows 10 on MBR: C: and E: by disk signature and offset (E: 8 GiB in)', () => {
    const [os] = windowsOses(inspectJson([disks.win10]));
    expect(os).toMatchObject({ root: '/dev/sda1', product_name: 'Windows 10 Pro', arch: 'i386', hostname: 'desktop-7q2', system_root: 'C:\\WINDOWS', system_root_path: '/WINDOWS', product_variant: 'Client' });
    expect(os!.mountpoints).toEqual({ 'C:': '/dev/sda1', 'E:': '/dev/sda2' });
    expect(os!.drive_mappings.map((m) => [m.drive, m.mbr_signature, m.partition_offset, m.device])).toEqual([
      ['C:', '1234abcd', 1048576, '/dev/sda1'],
      ['E:', '1234abcd', WIN10_E_OFFSET, '/dev/sda2'],
    ]);
    expect(os!.filesystems.map((f) => [f.device, f.type, f.label])).toEqual([
      ['/dev/sda1', 'ntfs', 'Windows'],
      ['/dev/sda2', 'ntfs', 'Data'],
    ]);
    // The auto-logon password is a fact (present), never a value in the report.
    expect(os!.security!.winlogon).toMatchObject({ auto_admin_logon: '1', default_password_present: true });
  });

  it('two disks, two operating systems: each drive letter resolves on the disk its signature names', () => {
    const r = inspectJson([disks.server, disks.win10]);
    const [server, win10] = windowsOses(r);
    expect(r.disks.map((d) => [d.device, d.format, d.partition_table])).toEqual([
      ['/dev/sda', 'qcow2', 'gpt'],
      ['/dev/sdb', 'raw', 'mbr'],
    ]);
    expect(server!.mountpoints).toEqual({ 'C:': '/dev/sda2' });
    expect(win10!.root).toBe('/dev/sdb1');
    expect(win10!.mountpoints).toEqual({ 'C:': '/dev/sdb1', 'E:': '/dev/sdb2' });
    const t = inspect(['--format', 'table', disks.server, disks.win10]);
    expect(t.stdout).toContain('Operating system 2 of 2: /dev/sdb1');
    expect(t.stdout).toContain('Windows 10 Pro');
  });

  it('--no-packages/--no-services/--no-security leave those sections null', () => {
    const [os] = windowsOses(inspectJson([disks.server, '--no-packages', '--no-services', '--no-security']));
    expect(os).toMatchObject({ applications: null, services: null, security: null, hostname: 'WIN-SRV2022-01' });
  });
});
