/**
 * Test support for Windows inspection (not shipped): realistic Windows Server 2022, Windows 10
 * (32-bit) and Windows 7 system trees — SOFTWARE and SYSTEM hives written by hivexregedit into
 * minimal empty hives, SYSTEM's Services list re-laid out as the ri index Windows uses for big
 * keys, and small but valid PE kernels — plus builders for FAT32, ext4 and NTFS images of them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { run } from '../../../test/helpers/fixtures.js';
import { Hive } from './regf/index.js';
import type { WindowsInfo } from './types.js';
import { HiveEditor, emptyHive, fixChecksum, hivexMerge, regFile, toIndexRoot, type RegKeySpec } from './regf/hive-testing.js';

/** A PE image with a correct DOS/COFF/optional header and one section (enough for file(1) and objdump). */
export function fakePe(machine: number, dll: boolean): Buffer {
  const pe64 = machine === 0x8664 || machine === 0xaa64;
  const b = Buffer.alloc(1024);
  b.write('MZ', 0, 'latin1');
  b.writeUInt16LE(0x90, 2);
  b.writeUInt16LE(3, 4);
  b.writeUInt16LE(4, 8);
  b.writeUInt16LE(0xffff, 12);
  b.writeUInt16LE(0xb8, 16);
  b.writeUInt16LE(0x40, 24);
  b.writeUInt32LE(0x80, 0x3c); // e_lfanew
  b.write('This program cannot be run in DOS mode.\r\r\n$', 0x4e, 'latin1');
  const pe = 0x80;
  b.write('PE\0\0', pe, 'latin1');
  const optSize = pe64 ? 0xf0 : 0xe0;
  b.writeUInt16LE(machine, pe + 4);
  b.writeUInt16LE(1, pe + 6); // one section
  b.writeUInt32LE(0x5f000000, pe + 8);
  b.writeUInt16LE(optSize, pe + 20);
  b.writeUInt16LE(dll ? 0x2022 : 0x0022 | (pe64 ? 0 : 0x100), pe + 22);
  const opt = pe + 24;
  b.writeUInt16LE(pe64 ? 0x20b : 0x10b, opt);
  b.writeUInt32LE(0x200, opt + 4);
  b.writeUInt32LE(0x1000, opt + 16);
  b.writeUInt32LE(0x1000, opt + 20);
  if (pe64) b.writeBigUInt64LE(0x140000000n, opt + 24);
  else {
    b.writeUInt32LE(0x1000, opt + 24);
    b.writeUInt32LE(0x400000, opt + 28);
  }
  b.writeUInt32LE(0x1000, opt + 32);
  b.writeUInt32LE(0x200, opt + 36);
  b.writeUInt16LE(10, opt + 40);
  b.writeUInt16LE(10, opt + 48);
  b.writeUInt32LE(0x2000, opt + 56);
  b.writeUInt32LE(0x200, opt + 60);
  b.writeUInt16LE(dll ? 3 : 1, opt + 68); // console DLL / native kernel
  b.writeUInt32LE(16, opt + (pe64 ? 108 : 92));
  const sec = opt + optSize;
  b.write('.text', sec, 'latin1');
  b.writeUInt32LE(0x10, sec + 8);
  b.writeUInt32LE(0x1000, sec + 12);
  b.writeUInt32LE(0x200, sec + 16);
  b.writeUInt32LE(0x200, sec + 20);
  b.writeUInt32LE(0x60000020, sec + 36);
  b[0x200] = 0xc3;
  return b;
}

function guidBytes(guid: string): Buffer {
  const h = guid.replace(/[{}-]/g, '');
  const b = Buffer.from(h, 'hex');
  // Microsoft GUID byte order: first three groups little-endian.
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
}

export function mbrMount(signature: number, offset: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(signature, 0);
  b.writeBigUInt64LE(BigInt(offset), 4);
  return b;
}

export function gptMount(partitionGuid: string): Buffer {
  return Buffer.concat([Buffer.from('DMIO:ID:', 'latin1'), guidBytes(partitionGuid)]);
}

const utf16 = (s: string) => Buffer.from(s, 'utf16le');

function service(name: string, values: RegKeySpec['values'], extra: RegKeySpec[] = []): RegKeySpec[] {
  return [{ path: `Services\\${name}`, values }, ...extra.map((e) => ({ ...e, path: `Services\\${name}\\${e.path}` }))];
}

function underControlSet(cs: string, keys: RegKeySpec[]): RegKeySpec[] {
  return keys.map((k) => ({ ...k, path: `${cs}\\${k.path}` }));
}

export interface WindowsGuest {
  name: string;
  /** Directory names as stored on the filesystem (case varies on purpose). */
  windowsDir: string;
  system32Dir: string;
  configDir: string;
  softwareFile: string;
  systemFile: string;
  software: RegKeySpec[];
  system: RegKeySpec[];
  kernels: Array<{ file: string; machine: number; dll: boolean }>;
  /** Re-lay the SYSTEM Services list out as an ri index of this many lh leaves per cell. */
  servicesPerLeaf?: number;
  /** Leave the SYSTEM hive with unequal sequence numbers, as after a crash. */
  dirtySystem?: boolean;
  /** Replace SOFTWARE with garbage. */
  brokenSoftware?: boolean;
}

export const SERVER_PARTITION_GUID = '3B8C2A4E-6F1D-4C2B-9A7E-1D2C3B4A5F60';
export const SERVER_CDROM = '\\??\\SCSI#CdRom&Ven_QEMU&Prod_QEMU_DVD-ROM#5&2b2d3b1&0&010000#{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}';
export const FILLER_DRIVERS = 400;
export const WIN10_PASSWORD = 'Secr3t!Passw0rd-do-not-leak';

const CV = 'Microsoft\\Windows NT\\CurrentVersion';
const UNINSTALL = 'Microsoft\\Windows\\CurrentVersion\\Uninstall';
const WOW_UNINSTALL = 'WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall';

export function server2022(): WindowsGuest {
  const services: RegKeySpec[] = [
    ...service(
      'Tcpip',
      [
        { name: 'Type', dword: 1 },
        { name: 'Start', dword: 0 },
        { name: 'ErrorControl', dword: 3 },
        { name: 'ImagePath', expand: 'System32\\drivers\\tcpip.sys' },
        { name: 'DisplayName', sz: '@todo.dll,-100;TCP/IP Protocol Driver' },
        { name: 'Group', sz: 'PNP_TDI' },
      ],
      [{ path: 'Parameters', values: [{ name: 'Hostname', sz: 'WIN-SRV2022-01' }, { name: 'NV Hostname', sz: 'WIN-SRV2022-01' }, { name: 'Domain', sz: 'contoso.local' }] }],
    ),
    ...service('Ntfs', [
      { name: 'Type', dword: 2 },
      { name: 'Start', dword: 3 },
      { name: 'Group', sz: 'Boot File System' },
      { name: 'DisplayName', sz: 'Ntfs' },
    ]),
    ...service('disk', [
      { name: 'Type', dword: 1 },
      { name: 'Start', dword: 0 },
      { name: 'ImagePath', expand: 'System32\\drivers\\disk.sys' },
    ]),
    ...service(
      'LanmanServer',
      [
        { name: 'Type', dword: 0x20 },
        { name: 'Start', dword: 2 },
        { name: 'ImagePath', expand: '%SystemRoot%\\system32\\svchost.exe -k smbsvcs' },
        { name: 'ObjectName', sz: 'LocalSystem' },
        { name: 'DisplayName', sz: '@%systemroot%\\system32\\srvsvc.dll,-100' },
        { name: 'Description', sz: '@%systemroot%\\system32\\srvsvc.dll,-101' },
        { name: 'DependOnService', multi: ['SamSS', 'Srv2'] },
      ],
      [{ path: 'Parameters', values: [{ name: 'ServiceDll', expand: '%SystemRoot%\\system32\\srvsvc.dll' }, { name: 'SMB1', dword: 0 }] }],
    ),
    ...service(
      'SharedAccess',
      [
        { name: 'Type', dword: 0x20 },
        { name: 'Start', dword: 2 },
        { name: 'ObjectName', sz: 'LocalSystem' },
        { name: 'ImagePath', expand: '%SystemRoot%\\system32\\svchost.exe -k netsvcs -p' },
      ],
      [
        { path: 'Parameters', values: [{ name: 'ServiceDll', expand: '%SystemRoot%\\System32\\ipnathlp.dll' }] },
        { path: 'Parameters\\FirewallPolicy\\DomainProfile', values: [{ name: 'EnableFirewall', dword: 1 }] },
        { path: 'Parameters\\FirewallPolicy\\StandardProfile', values: [{ name: 'EnableFirewall', dword: 1 }] },
        { path: 'Parameters\\FirewallPolicy\\PublicProfile', values: [{ name: 'EnableFirewall', dword: 1 }] },
      ],
    ),
    ...service(
      'TermService',
      [
        { name: 'Type', dword: 0x20 },
        { name: 'Start', dword: 3 },
        { name: 'ObjectName', sz: 'NT Authority\\NetworkService' },
        { name: 'ImagePath', expand: '%SystemRoot%\\System32\\svchost.exe -k NetworkService' },
      ],
      [{ path: 'Parameters', values: [{ name: 'ServiceDll', expand: '%SystemRoot%\\System32\\termsrv.dll' }] }],
    ),
    ...service('BITS', [
      { name: 'Type', dword: 0x20 },
      { name: 'Start', dword: 2 },
      { name: 'DelayedAutostart', dword: 1 },
      { name: 'ObjectName', sz: 'LocalSystem' },
      { name: 'ServiceDll', expand: '%SystemRoot%\\System32\\qmgr.dll' },
    ]),
    ...service('WinRM', [
      { name: 'Type', dword: 0x20 },
      { name: 'Start', dword: 2 },
      { name: 'DelayedAutostart', dword: 1 },
      { name: 'ObjectName', sz: 'NT AUTHORITY\\NetworkService' },
    ]),
    ...service('Spooler', [
      { name: 'Type', dword: 0x110 },
      { name: 'Start', dword: 2 },
      { name: 'ImagePath', expand: '%SystemRoot%\\System32\\spoolsv.exe' },
      { name: 'ObjectName', sz: 'LocalSystem' },
      { name: 'DisplayName', sz: 'Print Spooler' },
    ]),
    ...service('CDPUserSvc', [
      { name: 'Type', dword: 0x60 },
      { name: 'Start', dword: 2 },
    ]),
    ...service('OneSyncSvc', [
      { name: 'Type', dword: 0x50 },
      { name: 'Start', dword: 4 },
    ]),
    ...service('W32Time', [
      { name: 'Type', dword: 0x20 },
      { name: 'Start', dword: 3 },
      { name: 'ObjectName', sz: 'NT AUTHORITY\\LocalService' },
    ]),
    ...service('OddStart', [
      { name: 'Type', dword: 0x10 },
      { name: 'Start', dword: 9 },
    ]),
    // Configuration-only subkey without a Type: not a service.
    { path: 'Services\\.NET CLR Data\\Performance', values: [{ name: 'Library', sz: 'netfxperf.dll' }] },
    ...Array.from({ length: FILLER_DRIVERS }, (_, i) =>
      service(`Drv${String(i).padStart(3, '0')}`, [
        { name: 'Type', dword: 1 },
        { name: 'Start', dword: 3 },
        { name: 'ImagePath', expand: `System32\\drivers\\drv${i}.sys` },
      ]),
    ).flat(),
  ];
  const control = (cs: string, computerName: string): RegKeySpec[] =>
    underControlSet(cs, [
      { path: 'Control\\ComputerName\\ComputerName', values: [{ name: 'ComputerName', sz: computerName }] },
      {
        path: 'Control\\TimeZoneInformation',
        values: [
          { name: 'TimeZoneKeyName', sz: 'Pacific Standard Time' },
          { name: 'StandardName', sz: '@tzres.dll,-212' },
          { name: 'Bias', dword: 480 },
        ],
      },
      { path: 'Control\\ProductOptions', values: [{ name: 'ProductType', sz: 'ServerNT' }] },
      { path: 'Control\\Terminal Server', values: [{ name: 'fDenyTSConnections', dword: 0 }] },
      {
        path: 'Control\\Terminal Server\\WinStations\\RDP-Tcp',
        values: [
          { name: 'UserAuthentication', dword: 1 },
          { name: 'SecurityLayer', dword: 2 },
          { name: 'PortNumber', dword: 3389 },
        ],
      },
    ]);
  return {
    name: 'server2022',
    windowsDir: 'Windows',
    system32Dir: 'System32',
    configDir: 'config',
    softwareFile: 'SOFTWARE',
    systemFile: 'SYSTEM',
    // cmd.exe: libguestfs calls a folder a Windows system root only when System32\cmd.exe is
    // there, and reads the architecture from it (daemon/inspect_fs_windows.ml).
    kernels: [
      { file: 'ntoskrnl.exe', machine: 0x8664, dll: false },
      { file: 'kernel32.dll', machine: 0x8664, dll: true },
      { file: 'cmd.exe', machine: 0x8664, dll: false },
    ],
    servicesPerLeaf: 128,
    software: [
      {
        path: CV,
        values: [
          { name: 'ProductName', sz: 'Windows Server 2022 Datacenter' },
          { name: 'EditionID', sz: 'ServerDatacenter' },
          { name: 'CurrentMajorVersionNumber', dword: 10 },
          { name: 'CurrentMinorVersionNumber', dword: 0 },
          { name: 'CurrentVersion', sz: '6.3' },
          { name: 'CurrentBuildNumber', sz: '20348' },
          { name: 'CurrentBuild', sz: '20348' },
          { name: 'UBR', dword: 2113 },
          { name: 'DisplayVersion', sz: '21H2' },
          { name: 'ReleaseId', sz: '2009' },
          { name: 'InstallationType', sz: 'Server' },
          { name: 'SystemRoot', sz: 'C:\\Windows' },
          { name: 'PathName', sz: 'C:\\Windows' },
          { name: 'InstallDate', dword: 1672531200 },
          { name: 'BuildLab', sz: '20348.fe_release.210507-1500' },
          { name: 'RegisteredOwner', sz: 'Windows User' },
          { name: 'DigitalProductId', binary: new Uint8Array(164).fill(7) },
        ],
      },
      {
        path: `${CV}\\Winlogon`,
        values: [
          { name: 'AutoAdminLogon', sz: '0' },
          { name: 'DefaultUserName', sz: 'Administrator' },
          { name: 'DefaultDomainName', sz: 'CONTOSO' },
          { name: 'Shell', sz: 'explorer.exe' },
        ],
      },
      {
        path: `${UNINSTALL}\\{0D1E6F1A-2B3C-4D5E-8F90-A1B2C3D4E5F6}`,
        values: [
          { name: 'DisplayName', sz: 'Microsoft Visual C++ 2022 X64 Minimum Runtime - 14.38.33130' },
          { name: 'DisplayVersion', sz: '14.38.33130' },
          { name: 'Publisher', sz: 'Microsoft Corporation' },
          { name: 'InstallDate', sz: '20231115' },
          { name: 'SystemComponent', dword: 1 },
          { name: 'UninstallString', expand: 'MsiExec.exe /X{0D1E6F1A-2B3C-4D5E-8F90-A1B2C3D4E5F6}' },
        ],
      },
      {
        path: `${UNINSTALL}\\7-Zip`,
        values: [
          { name: 'DisplayName', sz: '7-Zip 23.01 (x64)' },
          { name: 'DisplayVersion', sz: '23.01' },
          { name: 'Publisher', sz: 'Igor Pavlov' },
          { name: 'InstallLocation', sz: 'C:\\Program Files\\7-Zip\\' },
          { name: 'UninstallString', sz: '"C:\\Program Files\\7-Zip\\Uninstall.exe"' },
          { name: 'URLInfoAbout', sz: 'https://www.7-zip.org/' },
          { name: 'NoModify', dword: 1 },
        ],
      },
      { path: `${UNINSTALL}\\AddressBook` },
      {
        path: `${WOW_UNINSTALL}\\Notepad++`,
        values: [
          { name: 'DisplayName', sz: 'Notepad++ (32-bit x86)' },
          { name: 'DisplayVersion', sz: '8.6.2' },
          { name: 'Publisher', sz: 'Notepad++ Team' },
          { name: 'InstallDate', dword: 20240201 },
          { name: 'UninstallString', sz: 'C:\\Program Files (x86)\\Notepad++\\uninstall.exe' },
        ],
      },
      {
        path: `${WOW_UNINSTALL}\\Microsoft Edge`,
        values: [
          { name: 'DisplayName', sz: 'Microsoft Edge' },
          { name: 'DisplayVersion', sz: '120.0.2210.91' },
          { name: 'Publisher', sz: 'Microsoft Corporation' },
          { name: 'InstallLocation', sz: 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application' },
        ],
      },
      { path: 'Policies\\Microsoft\\WindowsFirewall\\DomainProfile', values: [{ name: 'EnableFirewall', dword: 0 }] },
      { path: 'Policies\\Microsoft\\Windows NT\\Terminal Services', values: [{ name: 'UserAuthentication', dword: 1 }] },
    ],
    system: [
      {
        path: 'Select',
        values: [
          { name: 'Current', dword: 1 },
          { name: 'Default', dword: 1 },
          { name: 'Failed', dword: 0 },
          { name: 'LastKnownGood', dword: 2 },
        ],
      },
      ...control('ControlSet001', 'WIN-SRV2022-01'),
      ...underControlSet('ControlSet001', services),
      ...control('ControlSet002', 'STALE-NAME'),
      {
        path: 'MountedDevices',
        values: [
          { name: '\\DosDevices\\C:', binary: gptMount(SERVER_PARTITION_GUID) },
          { name: '\\??\\Volume{a1b2c3d4-0000-0000-0000-100000000000}', binary: gptMount(SERVER_PARTITION_GUID) },
          { name: '\\DosDevices\\D:', binary: utf16(SERVER_CDROM) },
        ],
      },
    ],
  };
}

export function win10x86(): WindowsGuest {
  const cs = (name: string, computerName: string, deny: number): RegKeySpec[] =>
    underControlSet(name, [
      { path: 'Control\\ComputerName\\ComputerName', values: [{ name: 'ComputerName', sz: computerName }] },
      { path: 'Control\\TimeZoneInformation', values: [{ name: 'TimeZoneKeyName', sz: 'W. Europe Standard Time' }] },
      { path: 'Control\\ProductOptions', values: [{ name: 'ProductType', sz: 'WinNT' }] },
      { path: 'Control\\Terminal Server', values: [{ name: 'fDenyTSConnections', dword: deny }] },
      {
        path: 'Control\\Terminal Server\\WinStations\\RDP-Tcp',
        values: [
          { name: 'UserAuthentication', dword: 0 },
          { name: 'PortNumber', dword: 3390 },
        ],
      },
      { path: 'Services\\Tcpip', values: [{ name: 'Type', dword: 1 }, { name: 'Start', dword: 0 }] },
      { path: 'Services\\Tcpip\\Parameters', values: [{ name: 'Hostname', sz: computerName.toLowerCase() }] },
      { path: 'Services\\LanmanServer', values: [{ name: 'Type', dword: 0x20 }, { name: 'Start', dword: 2 }] },
      { path: 'Services\\LanmanServer\\Parameters', values: [{ name: 'ServiceDll', expand: '%SystemRoot%\\system32\\srvsvc.dll' }] },
      { path: 'Services\\mrxsmb10', values: [{ name: 'Type', dword: 2 }, { name: 'Start', dword: 4 }, { name: 'ImagePath', expand: 'system32\\DRIVERS\\mrxsmb10.sys' }] },
      { path: 'Services\\SharedAccess', values: [{ name: 'Type', dword: 0x20 }, { name: 'Start', dword: 2 }] },
      { path: 'Services\\SharedAccess\\Parameters\\FirewallPolicy\\DomainProfile', values: [{ name: 'EnableFirewall', dword: 1 }] },
      { path: 'Services\\SharedAccess\\Parameters\\FirewallPolicy\\StandardProfile', values: [{ name: 'EnableFirewall', dword: 0 }] },
      { path: 'Services\\SharedAccess\\Parameters\\FirewallPolicy\\PublicProfile', values: [{ name: 'EnableFirewall', dword: 1 }] },
    ]);
  return {
    name: 'win10x86',
    windowsDir: 'WINDOWS',
    system32Dir: 'system32',
    configDir: 'CONFIG',
    softwareFile: 'software',
    systemFile: 'system',
    kernels: [
      { file: 'kernel32.dll', machine: 0x14c, dll: true },
      { file: 'cmd.exe', machine: 0x14c, dll: false },
    ],
    software: [
      {
        path: CV,
        values: [
          { name: 'ProductName', sz: 'Windows 10 Pro' },
          { name: 'EditionID', sz: 'Professional' },
          { name: 'CurrentMajorVersionNumber', dword: 10 },
          { name: 'CurrentMinorVersionNumber', dword: 0 },
          { name: 'CurrentVersion', sz: '6.3' },
          { name: 'CurrentBuildNumber', sz: '19045' },
          { name: 'CurrentBuild', sz: '19045' },
          { name: 'UBR', dword: 3803 },
          { name: 'DisplayVersion', sz: '22H2' },
          { name: 'ReleaseId', sz: '2009' },
          { name: 'InstallationType', sz: 'Client' },
          { name: 'SystemRoot', sz: 'C:\\WINDOWS' },
        ],
      },
      {
        path: `${CV}\\Winlogon`,
        values: [
          { name: 'AutoAdminLogon', sz: '1' },
          { name: 'DefaultUserName', sz: 'alice' },
          { name: 'DefaultDomainName', sz: 'DESKTOP-7Q2' },
          { name: 'DefaultPassword', sz: WIN10_PASSWORD },
        ],
      },
      {
        path: `${UNINSTALL}\\Mozilla Firefox 121.0 (x86 en-US)`,
        values: [
          { name: 'DisplayName', sz: 'Mozilla Firefox (x86 en-US)' },
          { name: 'DisplayVersion', sz: '121.0' },
          { name: 'Publisher', sz: 'Mozilla' },
          { name: 'InstallLocation', sz: 'C:\\Program Files\\Mozilla Firefox' },
          { name: 'UninstallString', sz: '"C:\\Program Files\\Mozilla Firefox\\uninstall\\helper.exe"' },
        ],
      },
      {
        path: `${UNINSTALL}\\VLC media player`,
        values: [
          { name: 'DisplayName', sz: 'VLC media player' },
          { name: 'DisplayVersion', sz: '3.0.20' },
          { name: 'Publisher', sz: 'VideoLAN' },
        ],
      },
    ],
    system: [
      {
        path: 'Select',
        values: [
          { name: 'Current', dword: 2 },
          { name: 'Default', dword: 2 },
          { name: 'LastKnownGood', dword: 1 },
        ],
      },
      ...cs('ControlSet001', 'OLD-NAME', 0),
      ...cs('ControlSet002', 'DESKTOP-7Q2', 1),
      {
        path: 'MountedDevices',
        values: [
          { name: '\\DosDevices\\C:', binary: mbrMount(0x1234abcd, 1048576) },
          { name: '\\DosDevices\\E:', binary: mbrMount(0x1234abcd, 0x1f4000000) },
        ],
      },
    ],
  };
}

export function win7(): WindowsGuest {
  return {
    name: 'win7',
    windowsDir: 'Windows',
    system32Dir: 'System32',
    configDir: 'config',
    softwareFile: 'SOFTWARE',
    systemFile: 'SYSTEM',
    kernels: [{ file: 'ntoskrnl.exe', machine: 0x8664, dll: false }],
    dirtySystem: true,
    software: [
      {
        path: CV,
        values: [
          { name: 'ProductName', sz: 'Windows 7 Professional' },
          { name: 'EditionID', sz: 'Professional' },
          { name: 'CurrentVersion', sz: '6.1' },
          { name: 'CurrentBuildNumber', sz: '7601' },
          { name: 'CurrentBuild', sz: '7601' },
          { name: 'CSDVersion', sz: 'Service Pack 1' },
          { name: 'SystemRoot', sz: 'C:\\Windows' },
        ],
      },
    ],
    system: [
      { path: 'Select', values: [{ name: 'Current', dword: 1 }] },
      { path: 'ControlSet001\\Control\\ComputerName\\ComputerName', values: [{ name: 'ComputerName', sz: 'WIN7-PC' }] },
      { path: 'ControlSet001\\Control\\ProductOptions', values: [{ name: 'ProductType', sz: 'WinNT' }] },
      { path: 'ControlSet001\\Control\\TimeZoneInformation', values: [{ name: 'StandardName', sz: 'Eastern Standard Time' }] },
    ],
  };
}

/** Win7 with its SOFTWARE hive destroyed: SYSTEM facts must still come through. */
export function brokenWin7(): WindowsGuest {
  return { ...win7(), name: 'win7-broken', brokenSoftware: true, dirtySystem: false };
}

/** Writes the guest's Windows tree under `root` (a host directory that becomes the volume root). */
export async function buildWindowsTree(root: string, g: WindowsGuest): Promise<void> {
  const sys32 = join(root, g.windowsDir, g.system32Dir);
  const config = join(sys32, g.configDir);
  mkdirSync(config, { recursive: true });
  mkdirSync(join(sys32, 'drivers', 'etc'), { recursive: true });
  writeFileSync(join(sys32, 'drivers', 'etc', 'hosts'), '127.0.0.1 localhost\r\n');
  mkdirSync(join(root, 'Program Files'), { recursive: true });
  mkdirSync(join(root, 'Users', 'Public'), { recursive: true });
  for (const k of g.kernels) writeFileSync(join(sys32, k.file), fakePe(k.machine, k.dll));

  const software = join(config, g.softwareFile);
  writeFileSync(software, emptyHive({ fileName: 'SOFTWARE' }));
  hivexMerge(software, regFile(g.software, 'HKEY_LOCAL_MACHINE\\SOFTWARE'), 'HKEY_LOCAL_MACHINE\\SOFTWARE');
  if (g.brokenSoftware) writeFileSync(software, Buffer.concat([Buffer.from('regf'), Buffer.alloc(8188, 0x41)]));

  const system = join(config, g.systemFile);
  writeFileSync(system, emptyHive({ fileName: 'SYSTEM' }));
  hivexMerge(system, regFile(g.system, 'HKEY_LOCAL_MACHINE\\SYSTEM'), 'HKEY_LOCAL_MACHINE\\SYSTEM');
  if (g.servicesPerLeaf !== undefined || g.dirtySystem) {
    const ed = HiveEditor.load(system);
    if (g.servicesPerLeaf !== undefined) {
      const hive = await Hive.open(readFileSync(system));
      toIndexRoot(ed, (await hive.get('ControlSet001\\Services'))!.offset, g.servicesPerLeaf);
    }
    if (g.dirtySystem) {
      ed.buf.writeUInt32LE(ed.buf.readUInt32LE(4) + 1, 4);
      fixChecksum(ed.buf);
    }
    ed.save(system);
  }
  // Transaction logs sit next to every hive; the reader must not trip over them.
  writeFileSync(join(config, `${g.systemFile}.LOG1`), Buffer.alloc(512));
}

const MiB = 1024 * 1024;

/** FAT32 image of a host tree (mkfs.vfat + mcopy). */
export function fatImage(tree: string, img: string): void {
  rmSync(img, { force: true });
  run('truncate', ['-s', `${40 * 1024 * 1024}`, img]);
  run('mkfs.vfat', ['-F', '32', '-n', 'WINSYS', img]);
  const entries = execFileSync('ls', ['-A', tree], { encoding: 'utf8' }).split('\n').filter(Boolean);
  run('mcopy', ['-s', '-i', img, ...entries.map((e) => join(tree, e)), '::/'], { env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
}

/** ext4 image of a host tree (mkfs.ext4 -d: no mount needed). */
export function ext4Image(tree: string, img: string): void {
  rmSync(img, { force: true });
  run('truncate', ['-s', `${16 * MiB}`, img]);
  run('mkfs.ext4', ['-q', '-F', '-L', 'winsys', '-d', tree, img]);
}

/** NTFS image made by mkntfs and filled through an ntfs-3g FUSE mount. */
export function ntfsImage(tree: string, img: string, mnt: string): void {
  rmSync(img, { force: true });
  mkdirSync(dirname(img), { recursive: true });
  run('truncate', ['-s', `${32 * MiB}`, img]);
  run('mkntfs', ['-F', '-Q', '-q', '-L', 'Windows', img]);
  mkdirSync(mnt, { recursive: true });
  run('ntfs-3g', [img, mnt]);
  try {
    run('cp', ['-r', '--no-preserve=mode,ownership', `${tree}/.`, mnt]);
  } finally {
    for (let i = 0; ; i++) {
      try {
        execFileSync('umount', [mnt], { stdio: 'ignore' });
        break;
      } catch (err) {
        if (i >= 20) throw err;
        execFileSync('sleep', ['0.2']);
      }
    }
  }
}

/** What the Server 2022 tree holds, as inspection must report it (shared with the NTFS test). */
export function expectServer2022(info: WindowsInfo): void {
  expect(info).toMatchObject({
    type: 'windows',
    system_root: 'C:\\Windows',
    product_name: 'Windows Server 2022 Datacenter',
    edition: 'ServerDatacenter',
    major_version: 10,
    minor_version: 0,
    build: 20348,
    update_build_revision: 2113,
    display_version: '21H2',
    installation_type: 'Server',
    product_variant: 'server',
    osinfo: 'win2k22',
    arch: 'x86_64',
    hostname: 'WIN-SRV2022-01',
    domain: 'contoso.local',
    timezone: 'Pacific Standard Time',
    install_time: '2023-01-01T00:00:00.000Z',
    current_control_set: 'ControlSet001',
  });
  expect(info.system_root_path.toLowerCase()).toBe('/windows');
  expect(info.hives.software?.toLowerCase()).toBe('/windows/system32/config/software');
  expect(info.drive_mappings).toEqual([
    { drive: 'C:', kind: 'gpt', raw: expect.stringMatching(/^444d494f3a49443a/), gpt_partition_guid: SERVER_PARTITION_GUID },
    { drive: 'D:', kind: 'device', raw: expect.any(String), device_path: SERVER_CDROM },
  ]);

  const apps = new Map(info.applications.map((a) => [a.name, a]));
  expect(info.applications).toHaveLength(5);
  expect(apps.get('7-Zip')).toEqual({
    name: '7-Zip',
    display_name: '7-Zip 23.01 (x64)',
    version: '23.01',
    publisher: 'Igor Pavlov',
    install_location: 'C:\\Program Files\\7-Zip\\',
    uninstall_string: '"C:\\Program Files\\7-Zip\\Uninstall.exe"',
    url: 'https://www.7-zip.org/',
    system_component: false,
    bits: 64,
    registry_key: 'Microsoft\\Windows\\CurrentVersion\\Uninstall\\7-Zip',
  });
  expect(apps.get('{0D1E6F1A-2B3C-4D5E-8F90-A1B2C3D4E5F6}')).toMatchObject({ system_component: true, install_date: '20231115', bits: 64 });
  expect(apps.get('AddressBook')).toEqual({ name: 'AddressBook', system_component: false, bits: 64, registry_key: 'Microsoft\\Windows\\CurrentVersion\\Uninstall\\AddressBook' });
  expect(apps.get('Notepad++')).toMatchObject({ display_name: 'Notepad++ (32-bit x86)', version: '8.6.2', install_date: '20240201', bits: 32 });
  expect(apps.get('Microsoft Edge')).toMatchObject({ bits: 32, registry_key: 'WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Microsoft Edge' });

  const svc = new Map(info.services.map((s) => [s.name, s]));
  expect(info.services).toHaveLength(13 + FILLER_DRIVERS);
  expect(svc.has('.NET CLR Data')).toBe(false);
  expect(svc.get('Tcpip')).toEqual({
    name: 'Tcpip',
    display_name: '@todo.dll,-100;TCP/IP Protocol Driver',
    start: 'boot',
    start_value: 0,
    delayed_auto_start: false,
    type: 'kernel_driver',
    type_value: 1,
    interactive: false,
    image_path: 'System32\\drivers\\tcpip.sys',
    group: 'PNP_TDI',
  });
  expect(svc.get('Ntfs')).toMatchObject({ type: 'filesystem_driver', start: 'manual' });
  expect(svc.get('LanmanServer')).toMatchObject({
    type: 'share_process',
    start: 'automatic',
    account: 'LocalSystem',
    image_path: '%SystemRoot%\\system32\\svchost.exe -k smbsvcs',
    service_dll: '%SystemRoot%\\system32\\srvsvc.dll',
    description: '@%systemroot%\\system32\\srvsvc.dll,-101',
  });
  expect(svc.get('TermService')).toMatchObject({ start: 'manual', account: 'NT Authority\\NetworkService', service_dll: '%SystemRoot%\\System32\\termsrv.dll' });
  expect(svc.get('BITS')).toMatchObject({ start: 'automatic', delayed_auto_start: true, service_dll: '%SystemRoot%\\System32\\qmgr.dll' });
  expect(svc.get('WinRM')).toMatchObject({ delayed_auto_start: true, account: 'NT AUTHORITY\\NetworkService' });
  expect(svc.get('Spooler')).toMatchObject({ type: 'own_process', interactive: true, type_value: 0x110, display_name: 'Print Spooler' });
  expect(svc.get('CDPUserSvc')).toMatchObject({ type: 'user_share_process' });
  expect(svc.get('OneSyncSvc')).toMatchObject({ type: 'user_own_process', start: 'disabled' });
  expect(svc.get('OddStart')).toMatchObject({ start: 'unknown', start_value: 9 });
  expect(svc.get('Drv399')).toMatchObject({ type: 'kernel_driver', image_path: 'System32\\drivers\\drv399.sys' });

  expect(info.security).toEqual({
    firewall: {
      domain: { enable_firewall: 1, policy_enable_firewall: 0 },
      private: { enable_firewall: 1 },
      public: { enable_firewall: 1 },
    },
    rdp: { deny_ts_connections: 0, user_authentication: 1, policy_user_authentication: 1, security_layer: 2, port_number: 3389 },
    smb1: { server_smb1: 0, client_driver_present: false },
    winlogon: { auto_admin_logon: '0', default_user_name: 'Administrator', default_domain_name: 'CONTOSO', default_password_present: false },
  });
  expect(info.warnings).toEqual([]);
}

