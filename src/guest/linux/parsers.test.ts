/**
 * The Linux inspection parsers on their own: ELF machine names, libguestfs's osinfo table,
 * version ordering, GRUB script words, sudoers matching, sysctl keys, shell quoting, netmasks,
 * the x86 kernel banner (read from the host's real kernel image).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bzImageBanner } from './boot/kernels.js';
import { grubWords, parseGrubCfg } from './boot/grub-cfg.js';
import { parseGrubLegacy, parseSyslinux } from './boot/legacy.js';
import { compareBls, expandGrubVars, parseBlsEntry } from './boot/bls.js';
import { vercmp } from './boot/vercmp.js';
import { parseMajorMinor } from './distro.js';
import { parseElfHeader } from './elf.js';
import { prefixLength } from './network/types.js';
import { linuxOsinfo } from './osinfo.js';
import { normalizeSysctlKey } from './security/sysctl.js';
import { ruleMatchesUser, type SudoRule } from './sudoers.js';
import { parseShellVars, shellUnquote, globToRegExp } from './text.js';
import { hashAlgorithm } from './users.js';
import { parseIni, iniList } from './unit-file.js';

/** An ELF identification + e_machine prefix (20 bytes), the only part the decoder reads. */
function elfHead(cls: 1 | 2, data: 1 | 2, machine: number): Uint8Array {
  const b = new Uint8Array(20);
  b.set([0x7f, 0x45, 0x4c, 0x46, cls, data, 1]);
  if (data === 1) b.set([machine & 0xff, machine >> 8], 18);
  else b.set([machine >> 8, machine & 0xff], 18);
  return b;
}

describe('ELF architecture (libguestfs filearch.ml names)', () => {
  it('reads the host’s real binaries', () => {
    const bash = parseElfHeader(new Uint8Array(readFileSync('/bin/bash').subarray(0, 64)));
    expect(bash).toMatchObject({ bits: 64, endian: 'little', machine: 62, arch: 'x86_64' });
  });

  it.each([
    [1, 1, 3, 'i386'],
    [2, 1, 62, 'x86_64'],
    [2, 1, 183, 'aarch64'],
    [1, 1, 40, 'arm'],
    [2, 1, 21, 'ppc64le'],
    [2, 2, 21, 'ppc64'],
    [1, 2, 20, 'ppc'],
    [2, 2, 22, 's390x'],
    [1, 2, 22, 's390'],
    [2, 1, 243, 'riscv64'],
    [1, 1, 243, 'riscv32'],
    [2, 1, 258, 'loongarch64'],
    [2, 2, 43, 'sparc64'],
    [2, 1, 50, 'ia64'],
  ] as const)('class %i data %i machine %i → %s', (cls, data, machine, arch) => {
    expect(parseElfHeader(elfHead(cls, data, machine))?.arch).toBe(arch);
  });

  it('rejects scripts and truncated headers', () => {
    expect(parseElfHeader(new TextEncoder().encode('#!/bin/sh\necho hello world\n'))).toBeUndefined();
    expect(parseElfHeader(elfHead(2, 1, 62).subarray(0, 10))).toBeUndefined();
    expect(parseElfHeader(elfHead(2, 1, 0x1234))).toMatchObject({ arch: undefined });
  });
});

describe('osinfo ids (lib/inspect-osinfo.c)', () => {
  it.each([
    ['debian', 12, 5, 'debian12'],
    ['debian', 3, 1, 'debian3.1'],
    ['ubuntu', 22, 4, 'ubuntu22.04'],
    ['ubuntu', 24, 10, 'ubuntu24.10'],
    ['centos', 7, 9, 'centos7.0'],
    ['centos', 6, 10, 'centos6.10'],
    ['centos', 9, 0, 'centos9'],
    ['rocky', 9, 3, 'rocky9'],
    ['rhel', 9, 4, 'rhel9.4'],
    ['fedora', 39, 0, 'fedora39'],
    ['sles', 15, 5, 'sle15sp5'],
    ['sles', 15, 0, 'sle15'],
    ['sles', 12, 3, 'sles12sp3'],
    ['opensuse', 15, 5, 'opensuse15.5'],
    ['archlinux', 0, 0, 'archlinux'],
    ['altlinux', 10, 1, 'alt10.1'],
    ['altlinux', 7, 0, 'altlinux7.0'],
    ['alpinelinux', 3, 19, 'alpinelinux3.19'],
    ['oraclelinux', 9, 4, 'oraclelinux9.4'],
    ['redhat-based', 9, 4, 'redhat-based9.4'],
    ['buildroot', 0, 0, null],
    [null, 5, 0, null],
  ] as const)('%s %i.%i → %s', (distro, major, minor, id) => {
    expect(linuxOsinfo(distro, major, minor)).toBe(id);
  });

  it('parses versions as parse_version_from_major_minor does', () => {
    expect(parseMajorMinor('AlmaLinux release 9.4 (Seafoam Ocelot)')).toEqual([9, 4]);
    expect(parseMajorMinor('3.19.1')).toEqual([3, 19]);
    expect(parseMajorMinor('2023')).toEqual([2023, 0]);
    expect(parseMajorMinor('trixie/sid')).toBeUndefined();
    expect(parseMajorMinor('99999999999999999999.1')).toBeUndefined();
  });
});

describe('version ordering', () => {
  it('orders kernels and package versions like rpmvercmp', () => {
    expect(vercmp('6.10.11-100.fc39.x86_64', '6.5.6-300.fc39.x86_64')).toBe(1);
    expect(vercmp('6.1.0-9-amd64', '6.1.0-10-amd64')).toBe(-1);
    expect(vercmp('1.0~rc1', '1.0')).toBe(-1);
    expect(vercmp('1.0a', '1.0')).toBe(1);
    expect(vercmp('1.0', '1.0')).toBe(0);
    expect(vercmp('2.0', '2.0.1')).toBe(-1);
    expect(vercmp('1.05', '1.5')).toBe(0);
  });

  it('sorts BLS entries newest first with sort-key precedence', () => {
    const a = parseBlsEntry('/boot/loader/entries/a.conf', 'title A\nversion 6.1.0\n');
    const b = parseBlsEntry('/boot/loader/entries/b.conf', 'title B\nversion 6.10.0\n');
    const c = parseBlsEntry('/boot/loader/entries/c.conf', 'title C\nversion 1.0\nsort-key aaa\n');
    expect([a, b, c].sort(compareBls).map((e) => e.id)).toEqual(['c', 'b', 'a']);
  });

  it('expands GRUB environment variables in BLS options', () => {
    expect(expandGrubVars('$kernelopts ${tuned_params} x', { kernelopts: 'root=/dev/vda1 ro', tuned_params: '' })).toBe('root=/dev/vda1 ro x');
    // One level of substitution, as GRUB does: values are not expanded again.
    expect(expandGrubVars('$a', { a: '$a' })).toBe('$a');
  });
});

describe('GRUB configuration', () => {
  it('splits words with quotes and escapes', () => {
    expect(grubWords(`menuentry 'Debian GNU/Linux' --class debian $menuentry_id_option 'gnulinux-simple' {`)).toEqual([
      'menuentry',
      'Debian GNU/Linux',
      '--class',
      'debian',
      '$menuentry_id_option',
      'gnulinux-simple',
      '{',
    ]);
    expect(grubWords('set default="${saved_entry}" # comment')).toEqual(['set', 'default=${saved_entry}']);
    expect(grubWords('echo "a \\"b\\"" c\\ d')).toEqual(['echo', 'a "b"', 'c d']);
  });

  it('collects menus, submenus, defaults and blscfg', () => {
    const cfg = parseGrubCfg(
      [
        'set default=2',
        'function f {',
        '  set default=9',
        '}',
        "menuentry 'A' --id a {",
        '  linux /vmlinuz-a root=/dev/sda1 ro',
        '  initrd /initrd-a',
        '}',
        "submenu 'S' {",
        "  menuentry 'S1' { linux /k1 x }",
        '}',
        'blscfg',
      ].join('\n'),
    );
    expect(cfg.defaults.map((d) => d.value)).toEqual(['2']);
    expect(cfg.menu.map((m) => m.kind)).toEqual(['menuentry', 'submenu', 'blscfg']);
    expect(cfg.menu[0]).toMatchObject({ title: 'A', id: 'a', linux: '/vmlinuz-a', args: 'root=/dev/sda1 ro', initrd: ['/initrd-a'] });
  });

  it('reads GRUB legacy and SYSLINUX menus', () => {
    const legacy = parseGrubLegacy('default=1\ntimeout=5\ntitle CentOS (2.6.32-754)\n\troot (hd0,0)\n\tkernel /vmlinuz-2.6.32-754 ro root=/dev/vda1 crashkernel=auto\n\tinitrd /initramfs-2.6.32-754.img\ntitle Old\n\tkernel (hd0,0)/vmlinuz-old ro\n');
    expect(legacy.default_index).toBe(1);
    expect(legacy.entries[0]).toMatchObject({ kernel: '/vmlinuz-2.6.32-754', args: 'ro root=/dev/vda1 crashkernel=auto', initrd: ['/initramfs-2.6.32-754.img'] });
    expect(legacy.entries[1]!.kernel).toBe('/vmlinuz-old');
    const sys = parseSyslinux('DEFAULT virt\nLABEL lts\n  LINUX vmlinuz-lts\nLABEL virt\n  MENU LABEL Linux virt\n  LINUX vmlinuz-virt\n  INITRD initramfs-virt\n  APPEND root=UUID=1234 modules=sd-mod,ext4 quiet rootfstype=ext4\n');
    expect(sys.default_index).toBe(1);
    expect(sys.entries[1]).toMatchObject({ title: 'Linux virt', kernel: 'vmlinuz-virt', initrd: ['initramfs-virt'], args: 'root=UUID=1234 modules=sd-mod,ext4 quiet rootfstype=ext4' });
  });

  it.skipIf(!existsSync('/boot'))('reads the version banner of the host’s real bzImage', () => {
    const img = readdirSync('/boot').find((n) => n.startsWith('vmlinuz-'));
    if (!img) return;
    const banner = bzImageBanner(new Uint8Array(readFileSync(`/boot/${img}`).subarray(0, 65536)));
    expect(banner?.split(' ')[0]).toBe(img.slice('vmlinuz-'.length));
    expect(bzImageBanner(new Uint8Array(0x300))).toBeUndefined();
  });
});

describe('sudoers matching', () => {
  const rule = (users: string[]): SudoRule => ({ file: '/etc/sudoers', line: 1, users, hosts: ['ALL'], runas: null, commands: 'ALL', nopasswd: false, all_commands: true, text: '' });
  const alice = { name: 'alice', uid: 1000, groups: ['alice', 'wheel'], gids: [1000, 10] };
  it('matches names, uids, groups, gids, aliases and negations', () => {
    expect(ruleMatchesUser(rule(['alice']), alice, {})).toBe(true);
    expect(ruleMatchesUser(rule(['#1000']), alice, {})).toBe(true);
    expect(ruleMatchesUser(rule(['%wheel']), alice, {})).toBe(true);
    expect(ruleMatchesUser(rule(['%#10']), alice, {})).toBe(true);
    expect(ruleMatchesUser(rule(['ADMINS']), alice, { ADMINS: ['bob', '%wheel'] })).toBe(true);
    expect(ruleMatchesUser(rule(['ALL', '!alice']), alice, {})).toBe(false);
    expect(ruleMatchesUser(rule(['%sudo', 'bob']), alice, {})).toBe(false);
    // Self-referencing aliases terminate.
    expect(ruleMatchesUser(rule(['LOOP']), alice, { LOOP: ['LOOP'] })).toBe(false);
  });

  it('names crypt schemes', () => {
    expect(hashAlgorithm('$y$j9T$abc$def')).toBe('yescrypt');
    expect(hashAlgorithm('$6$salt$hash')).toBe('sha512crypt');
    expect(hashAlgorithm('$2b$12$abc')).toBe('bcrypt');
    expect(hashAlgorithm('abJnggxhB/yWI')).toBe('descrypt');
    expect(hashAlgorithm('*')).toBeNull();
  });
});

describe('small formats', () => {
  it('normalises sysctl keys written with slashes', () => {
    expect(normalizeSysctlKey('net/ipv4/conf/eth0.100/rp_filter')).toBe('net.ipv4.conf.eth0/100.rp_filter');
    expect(normalizeSysctlKey('-net.ipv4.ip_forward ')).toBe('net.ipv4.ip_forward');
  });

  it('unquotes shell values and expands sourced variables', () => {
    expect(shellUnquote(`"a \\"quoted\\" \\$HOME"`)).toBe('a "quoted" $HOME');
    expect(shellUnquote(`'single $x'"double"bare`)).toBe('single $xdoublebare');
    const vars = parseShellVars('A=one\nB="$A two"\nC=\'$A\'\nexport D=${B}-x # note\n', { expand: true });
    expect([...vars]).toEqual([
      ['A', 'one'],
      ['B', 'one two'],
      ['C', '$A'],
      ['D', 'one two-x'],
    ]);
  });

  it('matches globs like fnmatch', () => {
    expect(globToRegExp('*.conf').test('10-a.conf')).toBe(true);
    expect(globToRegExp('*.conf').test('10-a.conf.bak')).toBe(false);
    expect(globToRegExp('systemd-journal-*.[st]*').test('systemd-journal-upload.service')).toBe(true);
    expect(globToRegExp('[!a]x').test('ax')).toBe(false);
  });

  it('converts netmasks', () => {
    expect(prefixLength('255.255.255.0')).toBe(24);
    expect(prefixLength('255.255.0.0')).toBe(16);
    expect(prefixLength('255.255.255.255')).toBe(32);
    expect(prefixLength('255.0.255.0')).toBeUndefined();
    expect(prefixLength('64')).toBe(64);
  });

  it('reads systemd INI with continuations, resets and sections', () => {
    const ini = parseIni('[Install]\nWantedBy=a.target \\\n  b.target\n# c\nWantedBy=\nWantedBy=c.target\n[Route]\nGateway=1\n[Route]\nGateway=2\n');
    expect(iniList(ini, 'Install', 'WantedBy')).toEqual(['c.target']);
    expect(ini.filter((e) => e.section === 'Route').map((e) => e.group)).toEqual([2, 3]);
  });
});
