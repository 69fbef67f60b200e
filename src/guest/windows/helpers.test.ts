/** The small pure decoders behind inspection: osinfo ids, service fields, MountedDevices, PE headers. */
import { describe, expect, it } from 'vitest';
import { decodeMountedDevice, machineArch, peMachine, serviceStart, serviceType, windowsOsinfo } from './index.js';
import { filetimeToDate } from './regf/index.js';
import { lhHash, namesEqual, upcase } from './regf/names.js';
import { fakePe, gptMount, mbrMount } from './windows-testing.js';

describe('windowsOsinfo', () => {
  const cases: Array<[number, number, number | undefined, 'client' | 'server', string | undefined, string?]> = [
    [5, 0, 2195, 'client', 'win2k'],
    [5, 1, 2600, 'client', 'winxp'],
    [5, 2, 3790, 'server', 'win2k3', 'Microsoft Windows Server 2003'],
    [5, 2, 3790, 'server', 'win2k3r2', 'Microsoft Windows Server 2003 R2'],
    [5, 2, 3790, 'client', 'winxp', 'Microsoft Windows XP'],
    [6, 0, 6002, 'client', 'winvista'],
    [6, 0, 6002, 'server', 'win2k8'],
    [6, 1, 7601, 'client', 'win7'],
    [6, 1, 7601, 'server', 'win2k8r2'],
    [6, 2, 9200, 'client', 'win8'],
    [6, 2, 9200, 'server', 'win2k12'],
    [6, 3, 9600, 'client', 'win8.1'],
    [6, 3, 9600, 'server', 'win2k12r2'],
    [10, 0, 19045, 'client', 'win10'],
    [10, 0, 21999, 'client', 'win10'],
    [10, 0, 22000, 'client', 'win11'],
    [10, 0, 26100, 'client', 'win11'],
    [10, 0, 14393, 'server', 'win2k16'],
    [10, 0, 17763, 'server', 'win2k19'],
    [10, 0, 20348, 'server', 'win2k22'],
    [10, 0, 26100, 'server', 'win2k25'],
    [10, 0, undefined, 'server', undefined],
    [3, 51, 1057, 'client', undefined],
  ];
  for (const [major, minor, build, variant, want, productName] of cases) {
    it(`${major}.${minor} build ${build} ${variant} → ${want}`, () => {
      expect(windowsOsinfo({ major, minor, build, variant, productName })).toBe(want);
    });
  }
  it('needs both version numbers', () => {
    expect(windowsOsinfo({ major: 10 })).toBeUndefined();
  });
});

describe('service fields', () => {
  it('maps Start values', () => {
    expect([0, 1, 2, 3, 4, 5, undefined].map(serviceStart)).toEqual(['boot', 'system', 'automatic', 'manual', 'disabled', 'unknown', 'unknown']);
  });
  it('maps Type bits, ignoring the interactive flag', () => {
    expect([0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x50, 0x60, 0x110, 0x120, 0x0].map(serviceType)).toEqual([
      'kernel_driver',
      'filesystem_driver',
      'adapter',
      'recognizer_driver',
      'own_process',
      'share_process',
      'user_own_process',
      'user_share_process',
      'own_process',
      'share_process',
      'unknown',
    ]);
  });
});

describe('decodeMountedDevice', () => {
  it('decodes MBR, GPT and device-path values of drive letters only', () => {
    expect(decodeMountedDevice('\\DosDevices\\c:', mbrMount(0xdeadbeef, 0x7e00))).toMatchObject({ drive: 'C:', kind: 'mbr', mbr_signature: 'deadbeef', partition_offset: 0x7e00 });
    expect(decodeMountedDevice('\\DosDevices\\F:', gptMount('01234567-89AB-CDEF-0123-456789ABCDEF'))).toMatchObject({ kind: 'gpt', gpt_partition_guid: '01234567-89AB-CDEF-0123-456789ABCDEF' });
    expect(decodeMountedDevice('\\DosDevices\\G:', Buffer.from('\\??\\USBSTOR#Disk&Ven_X\0', 'utf16le'))).toMatchObject({ kind: 'device', device_path: '\\??\\USBSTOR#Disk&Ven_X' });
    expect(decodeMountedDevice('\\DosDevices\\H:', new Uint8Array([1, 2, 3]))).toEqual({ drive: 'H:', kind: 'unknown', raw: '010203' });
    expect(decodeMountedDevice('\\??\\Volume{a1b2c3d4-0000-0000-0000-100000000000}', mbrMount(1, 2))).toBeUndefined();
    expect(decodeMountedDevice('\\DosDevices\\CC:', mbrMount(1, 2))).toBeUndefined();
  });
});

describe('PE machine', () => {
  it('reads the machine of valid headers and refuses damaged ones', () => {
    expect(machineArch(peMachine(fakePe(0x8664, false))!)).toBe('x86_64');
    expect(machineArch(peMachine(fakePe(0x14c, true))!)).toBe('i386');
    expect(machineArch(peMachine(fakePe(0xaa64, false))!)).toBe('aarch64');
    expect(machineArch(0x1234)).toBeUndefined();
    const noPe = fakePe(0x8664, false);
    noPe.write('XX', 0x80, 'latin1');
    expect(peMachine(noPe)).toBeUndefined();
    const farLfanew = fakePe(0x8664, false);
    farLfanew.writeUInt32LE(0xfffffff0, 0x3c);
    expect(peMachine(farLfanew)).toBeUndefined();
    expect(peMachine(new Uint8Array(10))).toBeUndefined();
    expect(peMachine(Buffer.from('MZ'))).toBeUndefined();
  });
});

describe('registry names and times', () => {
  it('compares names like Windows: per-unit upcase, no length-changing folds', () => {
    expect(upcase('Größe ñ')).toBe('GRÖßE Ñ');
    expect(namesEqual('currentversion', 'CurrentVersion')).toBe(true);
    expect(namesEqual('straße', 'STRASSE')).toBe(false);
    // h = 37 * h + c over "ABC": ((65 * 37) + 66) * 37 + 67
    expect(lhHash('abc')).toBe((65 * 37 + 66) * 37 + 67);
  });
  it('converts FILETIME', () => {
    expect(filetimeToDate(0n)).toBeUndefined();
    expect(filetimeToDate(116444736000000000n)?.toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(filetimeToDate(133000000000000000n)?.toISOString()).toBe('2022-06-18T04:26:40.000Z');
    expect(filetimeToDate(0xffffffffffffffffn)?.toISOString()).toBe('+060056-05-28T05:36:10.955Z');
  });
});
