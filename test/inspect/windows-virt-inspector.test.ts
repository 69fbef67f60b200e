/**
 * `guestguard inspect --format xml` against virt-inspector on the Windows guests (NTFS volumes
 * with hivexregedit-written hives, GPT and MBR): every element virt-inspector writes for an OS
 * must be in guestguard's report, in the same order, with the same content (attributes, text
 * and children). Elements only guestguard writes are allowed: virt-inspector's schema lets
 * consumers ignore what they do not know.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { HAVE_LIBGUESTFS, inspect, virtInspectorXml } from './helpers.js';
import { canBuildWindowsDisks, windowsDisks, type WindowsDisks } from './windows-disks.js';
import { parseXml, type XmlElement } from './xml-parse.js';

interface Plain {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: Plain[];
}

/** An element as plain data, whitespace between elements dropped, for toEqual. */
function plain(el: XmlElement): Plain {
  return { name: el.name, attrs: el.attrs, text: el.text.trim(), children: el.children.map(plain) };
}

function operatingSystems(xml: string): XmlElement[] {
  const root = parseXml(xml);
  expect(root.name).toBe('operatingsystems');
  return root.children;
}

/**
 * virt-inspector lists only the root filesystem of a Windows guest (libguestfs's
 * inspect_get_filesystems: "If no fstab information (Windows) return just the root"); guestguard
 * also lists the volumes SYSTEM\MountedDevices gives drive letters. So: theirs, in order, then
 * exactly the other drive-mapped devices.
 */
function expectFilesystems(ours: XmlElement, theirs: XmlElement, ourOs: XmlElement): void {
  const theirDevs = theirs.children.map((f) => f.attrs['dev']);
  const common = ours.children.filter((f) => theirDevs.includes(f.attrs['dev']));
  expect(common.map(plain), 'filesystems').toEqual(theirs.children.map(plain));
  const mapped = (ourOs.children.find((e) => e.name === 'drive_mappings')?.children ?? []).map((m) => m.text.trim());
  const extra = ours.children.map((f) => f.attrs['dev']).filter((d) => !theirDevs.includes(d));
  expect(extra.sort(), 'filesystems only guestguard lists').toEqual(mapped.filter((d) => !theirDevs.includes(d)).sort());
}

describe.runIf(canBuildWindowsDisks && HAVE_LIBGUESTFS)('inspect: Windows guests agree with virt-inspector', () => {
  let disks: WindowsDisks;
  beforeAll(async () => {
    disks = await windowsDisks();
  }, 600_000);

  const cases: { key: string; image: () => string; format: string; root: string }[] = [
    { key: 'windows-server', image: () => disks.server, format: 'qcow2', root: '/dev/sda2' },
    { key: 'windows-10', image: () => disks.win10, format: 'raw', root: '/dev/sda1' },
  ];
  for (const c of cases) {
    it(`${c.key}: every element virt-inspector writes, with the same content`, () => {
      const theirs = operatingSystems(virtInspectorXml(c.key, c.image(), c.format));
      const r = inspect(['--format', 'xml', c.image()]);
      expect(r.status, r.stderr).toBe(0);
      const ours = operatingSystems(r.stdout);
      // An empty answer from virt-inspector would make the comparison vacuous.
      expect(theirs.map((os) => os.children.find((e) => e.name === 'root')?.text)).toEqual([c.root]);
      expect(ours).toHaveLength(theirs.length);
      const theirOs = theirs[0]!;
      const ourOs = ours[0]!;
      const ourNames = ourOs.children.map((e) => e.name);
      const theirNames = theirOs.children.map((e) => e.name);
      // Same order: their elements are a subsequence of ours.
      expect(ourNames.filter((n) => theirNames.includes(n))).toEqual(theirNames);
      for (const el of theirOs.children) {
        const mine = ourOs.children.find((e) => e.name === el.name);
        expect(mine, el.name).toBeDefined();
        if (el.name === 'filesystems') expectFilesystems(mine!, el, ourOs);
        else expect(plain(mine!), el.name).toEqual(plain(el));
      }
    }, 1_800_000);
  }
});
