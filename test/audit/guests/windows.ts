/**
 * Windows guests for the "windows" profile: the Windows Server 2022, Windows 10 and Windows 7
 * trees of the inspection tests (hives written by hivexregedit), plus "server2022-open", the
 * Server 2022 tree with its public firewall profile off, SMBv1 server and client on, and the
 * Remote Desktop NLA policy set to 0. Each is a FAT32 image of the tree (mkfs.vfat + mcopy;
 * inspection looks for Windows roots on FAT, NTFS and exFAT).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES_ROOT, hasTool } from '../../helpers/fixtures.js';
import { buildWindowsTree, fatImage, server2022, win10x86, win7, type WindowsGuest } from '../../../src/guest/windows/windows-testing.js';
import type { RegKeySpec, RegValueSpec } from '../../../src/guest/windows/regf/hive-testing.js';

export const canBuildWindowsGuests = ['hivexregedit', 'mkfs.vfat', 'mcopy'].every(hasTool);

/** Sets (or adds) one value of a key in a hive spec. */
function setValue(keys: RegKeySpec[], path: string, value: RegValueSpec): void {
  const key = keys.find((k) => k.path.toLowerCase() === path.toLowerCase());
  if (!key) {
    keys.push({ path, values: [value] });
    return;
  }
  key.values = [...(key.values ?? []).filter((v) => v.name !== value.name), value];
}

function server2022Open(): WindowsGuest {
  const g = server2022();
  g.name = 'server2022-open';
  setValue(g.system, 'ControlSet001\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\PublicProfile', { name: 'EnableFirewall', dword: 0 });
  setValue(g.system, 'ControlSet001\\Services\\LanmanServer\\Parameters', { name: 'SMB1', dword: 1 });
  setValue(g.system, 'ControlSet001\\Services\\mrxsmb10', { name: 'Start', dword: 2 });
  setValue(g.system, 'ControlSet001\\Services\\mrxsmb10', { name: 'Type', dword: 2 });
  setValue(g.software, 'Policies\\Microsoft\\Windows NT\\Terminal Services', { name: 'UserAuthentication', dword: 0 });
  return g;
}

/** name → ext4 image, cached under .fixtures/ (the hive writer is async, so fixtureDir's synchronous builder cannot run it). */
export async function windowsImages(): Promise<Map<string, string>> {
  const dir = join(FIXTURES_ROOT, 'audit-windows-v2');
  if (!existsSync(join(dir, '.done'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const g of [server2022(), win10x86(), win7(), server2022Open()]) {
      const tree = join(dir, `${g.name}.tree`);
      await buildWindowsTree(tree, g);
      fatImage(tree, join(dir, `${g.name}.img`));
      rmSync(tree, { recursive: true, force: true });
    }
    writeFileSync(join(dir, '.done'), '');
  }
  const out = new Map<string, string>();
  for (const n of readdirSync(dir)) if (n.endsWith('.img')) out.set(n.slice(0, -4), join(dir, n));
  return out;
}
