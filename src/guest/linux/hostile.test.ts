/**
 * A hostile guest: include loops, symlink loops, alias bombs, garbage and oversized files,
 * truncated binaries. Inspection must finish, report what it could, and turn each bad file into
 * a warning — never hang or crash. Plus seeded random input for every text parser.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir } from '../../../test/helpers/fixtures.js';
import { compareBls, parseBlsEntry } from './boot/bls.js';
import { grubWords, parseGrubCfg } from './boot/grub-cfg.js';
import { bzImageBanner } from './boot/kernels.js';
import { parseGrubLegacy, parseSyslinux } from './boot/legacy.js';
import { parseElfHeader } from './elf.js';
import { inspectLinux } from './index.js';
import { parseShellVars, shellUnquote } from './text.js';
import { parseIni } from './unit-file.js';
import { canBuildImages, closeGuests, link, makeExt4, openGuest, put } from './test-trees.js';

/** Deterministic bytes (xorshift32) so failures reproduce. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function garbage(rand: () => number, n: number, alphabet?: string): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet ? alphabet[Math.floor(rand() * alphabet.length)] : String.fromCharCode(Math.floor(rand() * 256));
  return s;
}

function hostileImage(): string {
  const dir = fixtureDir('linux-inspect-hostile-v1', (d) => {
    const t = join(d, 'tree');
    const rand = prng(7);
    mkdirSync(join(t, 'bin'), { recursive: true });
    put(t, 'bin/bash', new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]));
    put(t, 'etc/os-release', garbage(rand, 4096));
    put(t, 'etc/debian_version', garbage(rand, 200));
    mkdirSync(join(t, 'etc/hostname'), { recursive: true });
    link(t, 'localtime', 'etc/localtime');
    put(t, 'etc/passwd', 'root:x:0:0:root:/root:/bin/bash\nbad:x:notanumber:0::/:/bin/sh\nhuge:x:99999999999999999999:0::/:/bin/sh\nshort:x:5\n' + garbage(rand, 2000, 'abc:\n0123456789x') + '\n');
    put(t, 'etc/shadow', garbage(rand, 3000, 'ab:!*$6\n0123'));
    put(t, 'etc/group', 'root:x:0:\n' + garbage(rand, 2000, 'ab:,\n012'));
    put(t, 'etc/sudoers', '#includedir /etc/sudoers.d\n@include sudoers\nroot ALL=(ALL) ALL\n' + garbage(rand, 2000, 'ab%#=(), \n!:\\'));
    put(t, 'etc/sudoers.d/loop', '#include /etc/sudoers\n@include loop\n');
    put(t, 'etc/ssh/sshd_config', 'Include /etc/ssh/sshd_config\nInclude *\nPermitRootLogin no\nMatch\nInclude sshd_config\n' + garbage(rand, 1000, 'ab =\n"#'));
    put(t, 'etc/netplan/00-bomb.yaml', 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\nnetwork: {ethernets: *f}\n');
    put(t, 'etc/netplan/01-types.yaml', 'network:\n  ethernets:\n    eth0:\n      addresses: {not: a-list}\n      routes: [1, null, {to: 5}]\n      nameservers: [x]\n      match: 7\n  bonds: [1, 2]\n');
    put(t, 'etc/network/interfaces', 'source /etc/network/interfaces\nsource-directory /etc/network\nauto eth0\niface eth0 inet static\n address 10.0.0.1\n netmask 300.1.1.1\n');
    put(t, 'etc/NetworkManager/system-connections/x.nmconnection', '[connection]\n' + garbage(rand, 1000, 'a=;,[]\n'));
    put(t, 'boot/grub/grub.cfg', 'set default="${saved_entry}"\n' + "submenu 'x' {\n".repeat(100) + "menuentry 'y' {\nlinux /vmlinuz x\n" + garbage(rand, 2000, "{}'\" \n\\;ab"));
    put(t, 'boot/grub/grubenv', '# GRUB Environment Block\nsaved_entry=nowhere>at>all\n'.padEnd(1024, '#'));
    const kernel = new Uint8Array(0x1000);
    kernel.set([0x48, 0x64, 0x72, 0x53, 0x0c, 0x02], 0x202);
    kernel.set([0xff, 0xff], 0x20e);
    put(t, 'boot/vmlinuz-6.0.0', kernel);
    link(t, 'b.service', 'etc/systemd/system/a.service');
    link(t, 'a.service', 'etc/systemd/system/b.service');
    link(t, '/usr/lib/systemd/system/missing.service', 'etc/systemd/system/multi-user.target.wants/missing.service');
    put(t, 'etc/systemd/system/broken.service', '[Unit\nDescription=\\\n' + garbage(rand, 500));
    put(t, 'etc/sysctl.conf', 'kernel.x = 1\n'.repeat(400_000));
    put(t, 'etc/selinux/config', garbage(rand, 300));
    makeExt4(t, join(d, 'root.img'));
  });
  return join(dir, 'root.img');
}

describe.skipIf(!canBuildImages)('hostile guest', () => {
  afterAll(closeGuests);

  it('finishes with warnings instead of failures', async () => {
    const started = Date.now();
    const info = await inspectLinux(await openGuest(hostileImage()));
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(info.errors).toEqual([]);
    const warn = (re: RegExp) => info.warnings.some((w) => re.test(w));
    expect(warn(/^\/etc\/sysctl\.conf: \d+ bytes is larger than/)).toBe(true);
    expect(warn(/00-bomb\.yaml: not valid YAML/)).toBe(true);
    expect(warn(/sudoers include loop/)).toBe(true);
    expect(warn(/sshd Include depth or file limit/)).toBe(true);
    expect(info.identity!.arch).toBeNull();
    expect(info.identity!.hostname).toBeNull();
    expect(info.identity!.timezone).toBeNull();
    expect(info.users!.users.map((u) => u.name)).toContain('root');
    expect(info.users!.users.some((u) => u.name === 'bad' || u.name === 'huge' || u.name === 'short')).toBe(false);
    expect(info.services!.services.find((s) => s.name === 'missing.service')?.state).toBe('not-found');
    expect(info.security!.sshd.effective['permitrootlogin']).toBe('no');
    expect(info.boot!.kernels[0]).toMatchObject({ version: '6.0.0', banner: null });
    // GRUB falls back to the first entry when saved_entry names nothing.
    expect(info.boot!.default_entry?.index).toBe('0');
  });
});

describe('random input to the text parsers', () => {
  it('never throws', () => {
    const rand = prng(12345);
    for (let i = 0; i < 300; i++) {
      const text = garbage(rand, Math.floor(rand() * 800), i % 2 ? undefined : "abc=[]{}#;'\"\\$ \n\t:.,-/0123456789");
      parseGrubCfg(text);
      grubWords(text);
      parseGrubLegacy(text);
      parseSyslinux(text);
      parseIni(text);
      parseShellVars(text, { expand: true });
      shellUnquote(text, () => 'v');
      const e = parseBlsEntry('/boot/loader/entries/x.conf', text);
      compareBls(e, parseBlsEntry('/boot/loader/entries/y.conf', text.slice(1)));
      const bytes = new TextEncoder().encode(text);
      parseElfHeader(bytes);
      bzImageBanner(bytes);
    }
  });
});

