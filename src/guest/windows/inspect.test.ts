/**
 * inspectWindows end to end on real filesystem images holding realistic Windows trees (hives
 * written by hivexregedit, PE kernels file(1) recognises): Windows Server 2022 on FAT32,
 * a 32-bit Windows 10 on ext4 with upper/lower-case directory names (case-insensitive lookup
 * on a case-sensitive filesystem), Windows 7 (pre-10 version values, dirty SYSTEM hive) and a
 * Windows 7 whose SOFTWARE hive is destroyed. The NTFS variant is in inspect-ntfs.test.ts.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_ROOT, hasTool, run } from '../../../test/helpers/fixtures.js';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { GuestguardError } from '../../errors.js';
import { openExt4 } from '../../fs/ext4/index.js';
import { openFat } from '../../fs/fat/index.js';
import type { FileSystemDriver } from '../../fs/types.js';
import { GuestFileSystem } from '../../fs/vfs.js';
import { Hive, findSystemRoot, inspectWindows } from './index.js';
import { HiveEditor } from './regf/hive-testing.js';
import {
  FILLER_DRIVERS,
  WIN10_PASSWORD,
  brokenWin7,
  buildWindowsTree,
  expectServer2022,
  ext4Image,
  fatImage,
  server2022,
  win10x86,
  win7,
} from './windows-testing.js';

const HAVE_TOOLS = ['hivexregedit', 'mkfs.vfat', 'mcopy', 'mkfs.ext4', 'file'].every(hasTool);
const FIXTURE = join(FIXTURES_ROOT, 'windows-guests-v2');
const IMAGES: Record<string, { img: string; fs: 'fat' | 'ext4' }> = {
  server2022: { img: 'server2022-fat32.img', fs: 'fat' },
  win10x86: { img: 'win10x86-ext4.img', fs: 'ext4' },
  win7: { img: 'win7-ext4.img', fs: 'ext4' },
  'win7-broken': { img: 'win7-broken-ext4.img', fs: 'ext4' },
};

const opened: HostFile[] = [];

async function guestView(name: string): Promise<GuestFileSystem> {
  const { img, fs } = IMAGES[name]!;
  const file = await HostFile.open(join(FIXTURE, img));
  opened.push(file);
  const dev = new RawImage(file);
  const driver: FileSystemDriver = fs === 'fat' ? await openFat(dev) : await openExt4(dev);
  return new GuestFileSystem([{ path: '/', fs: driver, device: '/dev/sda1' }]);
}

beforeAll(async () => {
  if (!HAVE_TOOLS || existsSync(join(FIXTURE, '.done'))) return;
  rmSync(FIXTURE, { recursive: true, force: true });
  mkdirSync(FIXTURE, { recursive: true });
  for (const g of [server2022(), win10x86(), win7(), brokenWin7()]) {
    const tree = join(FIXTURE, 'trees', g.name);
    await buildWindowsTree(tree, g);
    const { img, fs } = IMAGES[g.name]!;
    if (fs === 'fat') fatImage(tree, join(FIXTURE, img));
    else ext4Image(tree, join(FIXTURE, img));
  }
  writeFileSync(join(FIXTURE, '.done'), '');
});

afterAll(async () => {
  await Promise.all(opened.map((f) => f.close()));
});

describe.skipIf(!HAVE_TOOLS)('inspectWindows on real images', () => {
  it('the fixture kernels are PE images file(1) recognises', () => {
    expect(run('file', ['-b', join(FIXTURE, 'trees/server2022/Windows/System32/ntoskrnl.exe')])).toMatch(/PE32\+ executable.*x86-64/);
    expect(run('file', ['-b', join(FIXTURE, 'trees/win10x86/WINDOWS/system32/kernel32.dll')])).toMatch(/PE32 executable \(DLL\).*Intel 80386/);
  });

  it('Windows Server 2022 on FAT32', async () => {
    const view = await guestView('server2022');
    const full = await inspectWindows(view);
    expectServer2022(full);
    // Sections left out are not read; everything else is the same.
    const lean = await inspectWindows(view, undefined, { applications: false, services: false, security: false });
    expect(lean.applications).toEqual([]);
    expect(lean.services).toEqual([]);
    expect(lean.security).toEqual({ firewall: { domain: {}, private: {}, public: {} }, rdp: {}, smb1: { client_driver_present: false }, winlogon: { default_password_present: false } });
    const { applications, services, security, ...rest } = full;
    expect(applications.length * services.length).toBeGreaterThan(0);
    expect(security.rdp).not.toEqual({});
    expect(lean).toMatchObject(rest);
  });

  it('32-bit Windows 10 on ext4: case-insensitive paths, Select\\Current = 2, MBR drives, Winlogon', async () => {
    const view = await guestView('win10x86');
    expect(await findSystemRoot(view)).toBe('/WINDOWS');
    const info = await inspectWindows(view);
    expect(info).toMatchObject({
      system_root_path: '/WINDOWS',
      system_root: 'C:\\WINDOWS',
      product_name: 'Windows 10 Pro',
      edition: 'Professional',
      major_version: 10,
      minor_version: 0,
      build: 19045,
      update_build_revision: 3803,
      display_version: '22H2',
      installation_type: 'Client',
      product_variant: 'client',
      osinfo: 'win10',
      arch: 'i386',
      // Tcpip\Parameters\Hostname (the DNS name, as libguestfs reports it), not ComputerName.
      hostname: 'desktop-7q2',
      timezone: 'W. Europe Standard Time',
      current_control_set: 'ControlSet002',
      hives: { software: '/WINDOWS/system32/CONFIG/software', system: '/WINDOWS/system32/CONFIG/system' },
    });
    expect(info.domain).toBeUndefined();
    expect(info.drive_mappings).toEqual([
      { drive: 'C:', kind: 'mbr', raw: 'cdab341200001000' + '00000000', mbr_signature: '1234abcd', partition_offset: 1048576 },
      { drive: 'E:', kind: 'mbr', raw: 'cdab3412' + '000000f401000000', mbr_signature: '1234abcd', partition_offset: 0x1f4000000 },
    ]);
    expect(info.applications.map((a) => [a.display_name, a.bits])).toEqual([
      ['Mozilla Firefox (x86 en-US)', 32],
      ['VLC media player', 32],
    ]);
    expect(info.security).toEqual({
      firewall: { domain: { enable_firewall: 1 }, private: { enable_firewall: 0 }, public: { enable_firewall: 1 } },
      rdp: { deny_ts_connections: 1, user_authentication: 0, port_number: 3390 },
      smb1: { client_driver_present: true, client_driver_start: 'disabled' },
      winlogon: { auto_admin_logon: '1', default_user_name: 'alice', default_domain_name: 'DESKTOP-7Q2', default_password_present: true },
    });
    expect(info.services.map((s) => s.name).sort()).toEqual(['LanmanServer', 'SharedAccess', 'Tcpip', 'mrxsmb10']);
    // The autologon password is reported as present, never copied into the result.
    expect(JSON.stringify(info)).not.toContain(WIN10_PASSWORD);
    expect(info.warnings).toEqual([]);
  });

  it('Windows 7: version from CurrentVersion, variant from ProductType, dirty SYSTEM hive warned about', async () => {
    const view = await guestView('win7');
    const info = await inspectWindows(view, '/windows');
    expect(info).toMatchObject({
      product_name: 'Windows 7 Professional',
      major_version: 6,
      minor_version: 1,
      build: 7601,
      product_variant: 'client',
      osinfo: 'win7',
      arch: 'x86_64',
      hostname: 'WIN7-PC',
      timezone: 'Eastern Standard Time',
    });
    expect(info.installation_type).toBeUndefined();
    expect(info.display_version).toBeUndefined();
    expect(info.warnings).toHaveLength(1);
    expect(info.warnings[0]).toMatch(/^SYSTEM hive: hive was not saved cleanly/);
  });

  it('a destroyed SOFTWARE hive leaves SYSTEM facts and a warning', async () => {
    const view = await guestView('win7-broken');
    const info = await inspectWindows(view);
    expect(info.product_name).toBeUndefined();
    expect(info.osinfo).toBeUndefined();
    expect(info.hostname).toBe('WIN7-PC');
    expect(info.product_variant).toBe('client');
    expect(info.hives.software).toBeUndefined();
    expect(info.warnings).toEqual([expect.stringMatching(/^SOFTWARE hive: .*checksum/)]);
  });

  it('refuses a guest without a Windows directory, and an explicit root that is not one', async () => {
    const view = await guestView('win10x86');
    await expect(inspectWindows(view, '/Program Files')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(inspectWindows(view, '/nonexistent')).rejects.toBeInstanceOf(GuestguardError);
  });

  it('reads a hive file whole when small and lazily in chunks when large, with the same results', async () => {
    const view = await guestView('server2022');
    const whole = await Hive.openFile(view, '/Windows/System32/config/SYSTEM');
    const lazy = await Hive.openFile(view, '/Windows/System32/config/SYSTEM', { wholeFileMax: 0 });
    const dump = async (hive: Hive) => {
      const out: unknown[] = [];
      for await (const k of hive.walk()) out.push([k.path, (await k.values()).map((v) => [v.name, v.type, Buffer.from(v.raw).toString('hex')])]);
      return out;
    };
    const all = await dump(whole);
    expect(all.length).toBeGreaterThan(13 + FILLER_DRIVERS);
    expect(await dump(lazy)).toEqual(all);
    // In memory, a key's subkeys and values come without waiting.
    const services = (await whole.get('ControlSet001\\Services'))!;
    expect(services.subkeysNow()).toHaveLength(services.subkeyCount);
  });

  it('opens hives straight from the guest filesystem', async () => {
    const view = await guestView('server2022');
    const hive = await Hive.openFile(view, '/windows/system32/config/system');
    const services = await hive.get('ControlSet001\\Services');
    expect(services?.subkeyCount).toBe(13 + 1 + FILLER_DRIVERS);
    // Services is an ri index over lh leaves, as on real Windows.
    const ed = HiveEditor.load(join(FIXTURE, 'trees/server2022/Windows/System32/config/SYSTEM'));
    expect(ed.cellData(ed.nkSubkeyList(services!.offset)).toString('latin1', 0, 2)).toBe('ri');
    expect(await (await hive.get('ControlSet001\\Services\\tcpip\\parameters'))!.getString('Domain')).toBe('contoso.local');
    await expect(Hive.openFile(view, '/Windows/System32/drivers/etc/hosts')).rejects.toMatchObject({ code: 'CORRUPT_FILESYSTEM' });
    await expect(Hive.openFile(view, '/Windows/System32/config/SYSTEM.LOG1')).rejects.toMatchObject({ code: 'CORRUPT_FILESYSTEM' });
  });
});
