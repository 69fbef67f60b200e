/**
 * Small real guest images for the inspect/profile job tests, made by the real tools and cached
 * under .fixtures/: ext4 filesystems built from minimal release-file trees with `mkfs.ext4 -d`,
 * in three containers (raw, qcow2 by qemu-img, a GPT disk by sgdisk converted to VMDK), plus a
 * FAT disk holding no operating system (mkfs.vfat + mcopy).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeExt4, put } from '../../../src/guest/linux/test-trees.js';
import { cli } from '../../helpers/cli.js';
import { FIXTURES_ROOT, fixtureDir, hasTool, run } from '../../helpers/fixtures.js';

export const canBuildInspectImages = ['mkfs.ext4', 'qemu-img', 'sgdisk', 'mkfs.vfat', 'mcopy'].every(hasTool);

export interface InspectImage {
  name: string;
  path: string;
  /** Product name the inspection must find, null for no OS (a sanity check; the CLI comparison is the real test). */
  product: string | RegExp | null;
}

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nops:x:1000:1000:Ops:/home/ops:/bin/sh\n';
const GROUP = 'root:x:0:\ndaemon:x:1:\nops:x:1000:\n';

function elf(root: string, path: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  // Any real x86-64 ELF tells the architecture; busybox is small.
  copyFileSync(existsSync('/usr/bin/busybox') ? '/usr/bin/busybox' : '/bin/bash', join(root, path));
}

function dpkgEntry(name: string, version: string): string {
  return `Package: ${name}\nStatus: install ok installed\nPriority: optional\nSection: admin\nInstalled-Size: 100\nMaintainer: Test <t@example.org>\nArchitecture: amd64\nVersion: ${version}\nDescription: ${name} for the job tests\n\n`;
}

function alpineTree(t: string): void {
  put(t, 'etc/os-release', 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\nHOME_URL="https://alpinelinux.org/"\n');
  put(t, 'etc/alpine-release', '3.19.1\n');
  put(t, 'etc/hostname', 'jobs-alpine\n');
  put(t, 'etc/passwd', PASSWD);
  put(t, 'etc/group', GROUP);
  put(t, 'etc/fstab', '/dev/sda / ext4 rw,relatime 0 1\n');
  put(t, 'lib/apk/db/installed', 'C:Q1abc=\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\nS:383152\nI:622592\nT:the musl c library\n\nC:Q1def=\nP:busybox\nV:1.36.1-r15\nA:x86_64\nS:507831\nI:962560\nT:Size optimized toolbox\n\n');
  elf(t, 'bin/busybox');
}

function debianTree(t: string): void {
  put(t, 'etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n');
  put(t, 'etc/debian_version', '12.5\n');
  put(t, 'etc/hostname', 'jobs-debian\n');
  put(t, 'etc/passwd', PASSWD);
  put(t, 'etc/group', GROUP);
  put(t, 'etc/shadow', 'root:*:19800:0:99999:7:::\ndaemon:*:19800:0:99999:7:::\nops:!:19800:0:99999:7:::\n', 0o640);
  put(t, 'etc/fstab', 'UUID=0f5a2b7e-aaaa-4bbb-8ccc-123456789abc / ext4 errors=remount-ro 0 1\n');
  put(t, 'etc/network/interfaces', 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n');
  put(t, 'etc/ssh/sshd_config', 'PermitRootLogin no\nPasswordAuthentication no\n');
  put(t, 'var/lib/dpkg/status', dpkgEntry('base-files', '12.4+deb12u5') + dpkgEntry('openssh-server', '1:9.2p1-2+deb12u2') + dpkgEntry('bash', '5.2.15-2+b2'));
  elf(t, 'bin/bash');
}

function rockyTree(t: string): void {
  put(t, 'etc/os-release', 'NAME="Rocky Linux"\nVERSION="9.3 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\n');
  put(t, 'etc/rocky-release', 'Rocky Linux release 9.3 (Blue Onyx)\n');
  put(t, 'etc/redhat-release', 'Rocky Linux release 9.3 (Blue Onyx)\n');
  put(t, 'etc/hostname', 'jobs-rocky\n');
  put(t, 'etc/passwd', PASSWD);
  put(t, 'etc/group', GROUP);
  put(t, 'etc/fstab', 'LABEL=rocky / ext4 defaults 0 1\n');
  elf(t, 'usr/bin/bash');
}

/** Builds (once) and returns the fixture images. */
export function inspectImages(): InspectImage[] {
  const dir = fixtureDir('jobs-inspect-images-v2', (d) => {
    const build = (name: string, fill: (t: string) => void, label: string): string => {
      const tree = join(d, `${name}.tree`);
      mkdirSync(tree, { recursive: true });
      fill(tree);
      const img = join(d, `${name}.ext4`);
      makeExt4(tree, img, label);
      rmSync(tree, { recursive: true, force: true });
      return img;
    };
    // 1. A bare ext4 filesystem as a raw image.
    const alpine = build('alpine', alpineTree, 'alpine');
    copyFileSync(alpine, join(d, 'alpine.raw'));
    rmSync(alpine);
    // 2. The same kind of filesystem inside a qcow2 written by qemu-img.
    const debian = build('debian', debianTree, 'debian');
    run('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', debian, join(d, 'debian.qcow2')]);
    rmSync(debian);
    // 3. A GPT disk (sgdisk) with the filesystem in partition 2, as a VMDK.
    const rocky = build('rocky', rockyTree, 'rocky');
    const disk = join(d, 'rocky-gpt.raw');
    const fsBytes = statSync(rocky).size;
    const mib = 1 << 20;
    run('truncate', ['-s', String(4 * mib + Math.ceil(fsBytes / mib) * mib + 2 * mib), disk]);
    run('sgdisk', ['-o', '-n', '1:2048:+1M', '-t', '1:ef02', '-n', `2:4096:+${Math.ceil(fsBytes / mib)}M`, '-t', '2:8300', disk]);
    if (!/First sector: 4096/.test(run('sgdisk', ['-i', '2', disk]))) throw new Error(`sgdisk made no partition 2 on ${disk}`);
    run('dd', [`if=${rocky}`, `of=${disk}`, 'bs=1M', `seek=2`, 'conv=notrunc,sparse', 'status=none']);
    run('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'vmdk', disk, join(d, 'rocky-gpt.vmdk')]);
    rmSync(disk);
    rmSync(rocky);
    // 4. A FAT disk with data but no operating system.
    const fat = join(d, 'data.fat');
    run('mkfs.vfat', ['-C', '-n', 'DATA', fat, '4096']);
    const note = join(d, 'README.TXT');
    put(d, 'README.TXT', 'no operating system here\n');
    run('mcopy', ['-i', fat, note, '::README.TXT']);
    rmSync(note);
  });
  return [
    { name: 'alpine-raw', path: join(dir, 'alpine.raw'), product: 'Alpine Linux v3.19' },
    { name: 'debian-qcow2', path: join(dir, 'debian.qcow2'), product: '12.5' },
    { name: 'rocky-gpt-vmdk', path: join(dir, 'rocky-gpt.vmdk'), product: 'Rocky Linux 9.3 (Blue Onyx)' },
    { name: 'fat-no-os', path: join(dir, 'data.fat'), product: null },
  ];
}

/**
 * The full Debian guest of the inspection tests, when another test run already built it (it
 * needs debootstrap and minutes to build; these tests never build it themselves).
 */
export function cachedDebianImage(): InspectImage | undefined {
  const names = existsSync(FIXTURES_ROOT) ? readdirSync(FIXTURES_ROOT) : [];
  for (const name of names.filter((n) => n.startsWith('linux-inspect-debian-v3-')).sort()) {
    const img = join(FIXTURES_ROOT, name, 'root.img');
    if (existsSync(join(FIXTURES_ROOT, name, '.done')) && existsSync(img)) return { name: 'debian-full', path: img, product: /^12\.\d+$/ };
  }
  return undefined;
}

/** `./bin/guestguard inspect PATH --format json [flags]` minus `generator` (the program version). */
export function cliInspectReport(path: string, flags: string[] = []): Record<string, unknown> {
  const r = cli(['inspect', path, '--format', 'json', ...flags]);
  // Exit 1 is "no operating system found": the report is still printed.
  if (r.status !== 0 && r.status !== 1) throw new Error(`guestguard inspect ${path} failed (${r.status}): ${r.stderr}`);
  const { generator: _g, ...rest } = JSON.parse(r.stdout) as Record<string, unknown>;
  return rest;
}
