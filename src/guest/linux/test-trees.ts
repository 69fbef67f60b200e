/**
 * Test fixtures for Linux inspection: real guest trees put into real ext4 images with
 * `mkfs.ext4 -d`, opened through the project's own ext4 driver. The Debian guest is the
 * debootstrap tree with configuration variations layered on top; the distro-identity trees carry
 * the release files of each distribution as they ship them.
 */
import { chmodSync, closeSync, constants, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { debootstrapRoot } from '../../../test/helpers/debian-guest.js';
import { FIXTURES_ROOT, fixtureDir, hasTool, run } from '../../../test/helpers/fixtures.js';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { openExt4 } from '../../fs/ext4/index.js';
import { openFat } from '../../fs/fat/index.js';
import type { Mount } from '../../fs/vfs.js';
import { GuestFileSystem } from '../../fs/vfs.js';
import { bzImageBanner } from './boot/kernels.js';

/** A real x86 kernel image of the host (/boot/vmlinuz-*), for tests that want a genuine bzImage. */
export const HOST_KERNEL: { version: string; image: string; config: string | null } | undefined = findHostKernel();
/** A kernel version older than any host's, so "newest first" orderings are fixed. */
export const OLD_KERNEL = '3.16.0-4-amd64';

function findHostKernel(): typeof HOST_KERNEL {
  let names: string[] = [];
  try {
    names = readdirSync('/boot').filter((n) => n.startsWith('vmlinuz-')).sort().reverse();
  } catch {
    return undefined;
  }
  for (const n of names) {
    const image = join('/boot', n);
    const version = n.slice('vmlinuz-'.length);
    try {
      const fd = openSync(image, constants.O_RDONLY);
      const head = new Uint8Array(65536);
      try {
        readSync(fd, head, 0, head.length, 0);
      } finally {
        closeSync(fd);
      }
      // Only an image whose banner agrees with its name gives predictable expectations.
      if (bzImageBanner(head)?.split(' ')[0] !== version) continue;
    } catch {
      continue;
    }
    const config = join('/boot', `config-${version}`);
    return { version, image, config: existsSync(config) ? config : null };
  }
  return undefined;
}

const DEBIAN_FIXTURE = `linux-inspect-debian-v3-${HOST_KERNEL?.version ?? 'none'}`;
/** Where virt-inspector's XML for the Debian image is kept (see runVirtInspector). */
export const DEBIAN_VIRT_INSPECTOR_XML = join(FIXTURES_ROOT, DEBIAN_FIXTURE, 'virt-inspector.xml');
export const canBuildImages = hasTool('mkfs.ext4') && hasTool('openssl');
/** The Debian fixture needs the debootstrap tree (cached, or buildable as root) and the host kernel image it copies. */
export const canBuildDebian =
  canBuildImages &&
  HOST_KERNEL !== undefined &&
  (existsSync(join(FIXTURES_ROOT, DEBIAN_FIXTURE, '.done')) || existsSync(join(FIXTURES_ROOT, 'debootstrap-bookworm', '.done')) || (process.getuid?.() === 0 && hasTool('debootstrap')));
export const canBuildEsp = hasTool('mkfs.vfat') && hasTool('mmd') && hasTool('mcopy');

/** Writes a file under `root`, creating parent directories. */
export function put(root: string, path: string, content: string | Uint8Array, mode?: number): void {
  const p = join(root, path);
  mkdirSync(dirname(p), { recursive: true });
  rmSync(p, { force: true });
  writeFileSync(p, content);
  if (mode !== undefined) chmodSync(p, mode);
}

/** Creates a symlink under `root` (replacing whatever is there). */
export function link(root: string, target: string, path: string): void {
  const p = join(root, path);
  mkdirSync(dirname(p), { recursive: true });
  rmSync(p, { force: true, recursive: true });
  symlinkSync(target, p);
}

/** Builds an ext4 image from a tree, sized to the content. */
export function makeExt4(tree: string, img: string, label = 'root'): void {
  const kib = Number(run('du', ['-sk', '--apparent-size', tree]).split(/\s+/)[0]);
  const size = Math.max(8 * 1024, Math.ceil(kib * 1.4) + 16 * 1024);
  rmSync(img, { force: true });
  run('mkfs.ext4', ['-q', '-F', '-L', label, '-N', '32768', '-d', tree, img, `${size}k`]);
}

const opened: { close(): Promise<void> }[] = [];

/** Opens ext4 images as a guest; extra mounts (path → vfat image) are stacked on top. */
export async function openGuest(img: string, extra: { path: string; vfat: string }[] = []): Promise<GuestFileSystem> {
  const file = await HostFile.open(img);
  const dev = new RawImage(file);
  opened.push(dev);
  const mounts: Mount[] = [{ path: '/', fs: await openExt4(dev), device: '/dev/sda' }];
  for (const [i, e] of extra.entries()) {
    const d = new RawImage(await HostFile.open(e.vfat));
    opened.push(d);
    mounts.push({ path: e.path, fs: await openFat(d), device: `/dev/sdb${i + 1}` });
  }
  return new GuestFileSystem(mounts);
}

export async function closeGuests(): Promise<void> {
  while (opened.length > 0) await opened.pop()!.close();
}

const SHA512 = (pw: string, salt: string) => run('openssl', ['passwd', '-6', '-salt', salt, pw]).trim();

/** The Debian guest: debootstrap bookworm, trimmed of documentation and caches, plus configuration variations. */
export function debianFixture(): { img: string; dir: string; fstab: string } {
  const dir = fixtureDir(DEBIAN_FIXTURE, (d) => {
    const tree = join(d, 'tree');
    // cp -a keeps device nodes, owners and hard links (fs.cpSync cannot copy /dev nodes).
    run('cp', ['-a', debootstrapRoot(), tree]);
    // Bulk that no inspection reads; dropping it keeps the image small.
    for (const p of ['usr/share/locale', 'usr/share/doc', 'usr/share/man', 'usr/share/info', 'var/lib/apt/lists', 'var/cache/apt', 'usr/lib/x86_64-linux-gnu', 'usr/share/perl5', 'usr/share/zoneinfo/right']) {
      rmSync(join(tree, p), { recursive: true, force: true });
    }
    decorateDebian(tree);
    makeExt4(tree, join(d, 'root.img'));
    rmSync(tree, { recursive: true, force: true });
    runVirtInspector(d, join(d, 'root.img'));
  });
  return { img: join(dir, 'root.img'), dir, fstab: DEBIAN_FSTAB };
}

/**
 * virt-inspector's view of the image, saved next to it for the comparison test. It boots the
 * libguestfs appliance under TCG (minutes on a shared machine), so it runs only when
 * GUESTGUARD_VIRT_INSPECTOR=1 is set while the fixture is built.
 */
function runVirtInspector(dir: string, img: string): void {
  if (process.env['GUESTGUARD_VIRT_INSPECTOR'] !== '1' || !hasTool('virt-inspector')) return;
  try {
    const xml = run('virt-inspector', ['--no-applications', '--no-icon', '--format=raw', '-a', img], {
      timeout: 600_000,
      env: { ...process.env, LIBGUESTFS_BACKEND: 'direct', LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg' },
    });
    writeFileSync(join(dir, 'virt-inspector.xml'), xml);
  } catch (err) {
    writeFileSync(join(dir, 'virt-inspector.error'), String((err as Error).message));
  }
}

export const DEBIAN_UUID = '5c1f5a2e-7d3b-4e8e-9b0a-1f2e3d4c5b60';

const DEBIAN_FSTAB = [
  '# /etc/fstab: static file system information.',
  `UUID=${DEBIAN_UUID} /         ext4  errors=remount-ro            0 1`,
  'tmpfs                 /tmp      tmpfs defaults,nodev,nosuid,noexec  0 0',
  'LABEL=home            /home     ext4  defaults,nodev                0 2',
  '/dev/vdb1             /srv/usb  vfat  user,exec                     0 0',
  '/dev/vdb2             /var/tmp  ext4  rw,nosuid,nodev,noexec        0 2',
  '/swapfile             none      swap  sw                            0 0',
  '',
].join('\n');

function grubEntry(indent: string, title: string, id: string, kernel: string, args: string): string {
  return [
    `${indent}menuentry '${title}' --class debian --class gnu-linux --class gnu --class os $menuentry_id_option '${id}' {`,
    `${indent}\tload_video`,
    `${indent}\tinsmod gzio`,
    `${indent}\tif [ x$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi`,
    `${indent}\tinsmod part_gpt`,
    `${indent}\tinsmod ext2`,
    `${indent}\tsearch --no-floppy --fs-uuid --set=root ${DEBIAN_UUID}`,
    `${indent}\techo\t'Loading Linux ${kernel} ...'`,
    `${indent}\tlinux\t/boot/vmlinuz-${kernel} root=UUID=${DEBIAN_UUID} ro ${args}`,
    `${indent}\techo\t'Loading initial ramdisk ...'`,
    `${indent}\tinitrd\t/boot/initrd.img-${kernel}`,
    `${indent}}`,
  ].join('\n');
}

/** grub.cfg as grub-mkconfig writes it on Debian with GRUB_DEFAULT=saved. */
function debianGrubCfg(): string {
  const k1 = HOST_KERNEL!.version;
  const k2 = OLD_KERNEL;
  return [
    '#',
    '# DO NOT EDIT THIS FILE',
    '#',
    '# It is automatically generated by grub-mkconfig using templates',
    '# from /etc/grub.d and settings from /etc/default/grub',
    '#',
    '',
    '### BEGIN /etc/grub.d/00_header ###',
    'if [ -s $prefix/grubenv ]; then',
    '  set have_grubenv=true',
    '  load_env',
    'fi',
    'if [ "${next_entry}" ] ; then',
    '   set default="${next_entry}"',
    '   set next_entry=',
    '   save_env next_entry',
    '   set boot_once=true',
    'else',
    '   set default="${saved_entry}"',
    'fi',
    '',
    'if [ x"${feature_menuentry_id}" = xy ]; then',
    '  menuentry_id_option="--id"',
    'else',
    '  menuentry_id_option=""',
    'fi',
    '',
    'export menuentry_id_option',
    '',
    'if [ "${prev_saved_entry}" ]; then',
    '  set saved_entry="${prev_saved_entry}"',
    '  save_env saved_entry',
    '  set prev_saved_entry=',
    '  save_env prev_saved_entry',
    '  set boot_once=true',
    'fi',
    '',
    'function savedefault {',
    '  if [ -z "${boot_once}" ]; then',
    '    saved_entry="${chosen}"',
    '    save_env saved_entry',
    '  fi',
    '}',
    'function load_video {',
    '  if [ x$feature_all_video_module = xy ]; then',
    '    insmod all_video',
    '  else',
    '    insmod efi_gop',
    '    insmod vbe',
    '    insmod vga',
    '  fi',
    '}',
    '',
    'terminal_output gfxterm',
    'if [ "${recordfail}" = 1 ] ; then',
    '  set timeout=30',
    'else',
    '  if [ x$feature_timeout_style = xy ] ; then',
    '    set timeout_style=menu',
    '    set timeout=5',
    '  # Fallback normal timeout code in case the timeout_style feature is',
    '  # unavailable.',
    '  else',
    '    set timeout=5',
    '  fi',
    'fi',
    '### END /etc/grub.d/00_header ###',
    '',
    '### BEGIN /etc/grub.d/10_linux ###',
    'function gfxmode {',
    '\tset gfxpayload="${1}"',
    '}',
    'set linux_gfx_mode=',
    'export linux_gfx_mode',
    grubEntry('', 'Debian GNU/Linux', `gnulinux-simple-${DEBIAN_UUID}`, k1, ' quiet'),
    `submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option 'gnulinux-advanced-${DEBIAN_UUID}' {`,
    grubEntry('\t', `Debian GNU/Linux, with Linux ${k1}`, `gnulinux-${k1}-advanced-${DEBIAN_UUID}`, k1, ' quiet'),
    grubEntry('\t', `Debian GNU/Linux, with Linux ${k1} (recovery mode)`, `gnulinux-${k1}-recovery-${DEBIAN_UUID}`, k1, 'single '),
    grubEntry('\t', `Debian GNU/Linux, with Linux ${k2}`, `gnulinux-${k2}-advanced-${DEBIAN_UUID}`, k2, 'apparmor=0 quiet'),
    grubEntry('\t', `Debian GNU/Linux, with Linux ${k2} (recovery mode)`, `gnulinux-${k2}-recovery-${DEBIAN_UUID}`, k2, 'single '),
    '}',
    '',
    '### END /etc/grub.d/10_linux ###',
    '',
    '### BEGIN /etc/grub.d/30_uefi-firmware ###',
    'if [ "$grub_platform" = "efi" ]; then',
    "\tmenuentry 'UEFI Firmware Settings' $menuentry_id_option 'uefi-firmware' {",
    '\t\tfwsetup',
    '\t}',
    'fi',
    '### END /etc/grub.d/30_uefi-firmware ###',
    '',
  ].join('\n');
}

function grubenv(path: string, vars: Record<string, string>): void {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
  if (hasTool('grub-editenv')) {
    run('grub-editenv', [path, 'create']);
    run('grub-editenv', [path, 'set', ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)]);
  } else {
    let s = '# GRUB Environment Block\n# WARNING: Do not edit this file by tools other than grub-editenv!!!\n';
    for (const [k, v] of Object.entries(vars)) s += `${k}=${v}\n`;
    writeFileSync(path, s.padEnd(1024, '#'));
  }
}

const UNIT = (desc: string, exec: string, install: string) => `[Unit]\nDescription=${desc}\n\n[Service]\nExecStart=${exec}\n\n${install}`;

function decorateDebian(t: string): void {
  put(t, 'etc/hosts', '127.0.0.1\tlocalhost\n127.0.1.1\tggtest-debian.example.org ggtest-debian\n\n# The following lines are desirable for IPv6 capable hosts\n::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\n');
  put(t, 'etc/fstab', DEBIAN_FSTAB);
  put(t, 'etc/default/locale', 'LANG=en_US.UTF-8\nLC_TIME="en_GB.UTF-8"\n');
  link(t, '/usr/share/zoneinfo/Europe/Berlin', 'etc/localtime');
  put(t, 'etc/timezone', 'Etc/UTC\n');

  // Users: a second uid-0 account, an empty password, a locked one, sudoers rules and groups.
  const hash = SHA512('correct horse', 'ggsalt01');
  put(t, 'etc/passwd', readTree(t, 'etc/passwd') + ['alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash', 'deploy:x:1001:1001::/home/deploy:/bin/sh', 'toor:x:0:0:backdoor:/root:/bin/bash', 'eve:x:1002:1002::/home/eve:/bin/bash', 'bob:x:1003:1003::/home/bob:/usr/sbin/nologin', ''].join('\n'));
  put(
    t,
    'etc/shadow',
    readTree(t, 'etc/shadow').replace(/^root:[^:]*:/m, `root:${hash}:`) +
      [`alice:${hash}:19800:0:99999:7:::`, 'deploy:!:19800:0:99999:7:::', `toor:${hash}:0:0:99999:7:::`, 'eve::19800:0:99999:7:::', `bob:!${hash}:19800:1:90:14:30:20000:`, ''].join('\n'),
    0o640,
  );
  put(
    t,
    'etc/group',
    readTree(t, 'etc/group').replace(/^sudo:x:27:.*$/m, 'sudo:x:27:alice') + ['alice:x:1000:', 'deploy:x:1001:', 'eve:x:1002:', 'bob:x:1003:', 'ops:x:1100:bob', ''].join('\n'),
  );
  put(t, 'etc/gshadow', readTree(t, 'etc/gshadow').replace(/^sudo:\*::.*$/m, 'sudo:*::alice') + ['alice:!::', 'deploy:!::', 'eve:!::', 'bob:!::', 'ops:!:bob:bob', ''].join('\n'), 0o640);
  put(t, 'etc/sudoers.d/90-deploy', '# managed by config management\ndeploy ALL=(ALL) NOPASSWD: ALL\nUser_Alias OPS = %ops, alice\nOPS ALL = (root) /usr/bin/systemctl restart *\n', 0o440);
  // sudo skips names with a dot: this rule must not count.
  put(t, 'etc/sudoers.d/disabled.conf', 'eve ALL=(ALL) ALL\n', 0o440);
  put(t, 'etc/sudoers.d/extra', '#include /etc/sudoers.local\n', 0o440);
  put(t, 'etc/sudoers.local', 'Defaults:eve !authenticate\neve ALL=(ALL) /usr/bin/less\n', 0o440);

  // sshd: drop-ins read first (Debian's Include is at the top), a relative Include, Match blocks.
  put(t, 'etc/ssh/sshd_config.d/10-hardening.conf', 'PasswordAuthentication no\nPermitRootLogin no\nPort 2222\n');
  put(t, 'etc/ssh/sshd_config.d/50-late.conf', 'PasswordAuthentication yes\nMaxAuthTries 3\n\nMatch User backup\n\tPasswordAuthentication yes\n\tAllowTcpForwarding no\n');
  put(t, 'etc/ssh/local/extra.conf', 'Banner /etc/issue.net\n');
  put(t, 'etc/ssh/sshd_config', readTree(t, 'etc/ssh/sshd_config') + '\nInclude local/*.conf\nPermitRootLogin yes\nPort 22\n\nMatch Group sftponly\n\tChrootDirectory /srv/%u\n\tForceCommand internal-sftp\n\tPasswordAuthentication yes\n');

  // Network: every configuration system, including shadowed and ignored files.
  put(t, 'etc/network/interfaces', '# interfaces(5) file used by ifup(8) and ifdown(8)\nsource /etc/network/interfaces.d/*\nsource-directory extra.d\n\nauto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet static\n    address 10.0.0.5\n    netmask 255.255.255.0\n    gateway 10.0.0.1\n    dns-nameservers 1.1.1.1 8.8.8.8\n    dns-search example.org\n    up ip route add 172.16.0.0/12 via 10.0.0.254\n\niface eth0 inet6 static\n    address 2001:db8::5/64\n    gateway 2001:db8::1\n');
  put(t, 'etc/network/interfaces.d/bond0', 'auto bond0\niface bond0 inet dhcp\n    bond-slaves eth2 eth3\n    bond-mode 802.3ad\n');
  put(t, 'etc/network/extra.d/vlan10', 'allow-hotplug eth0.10\niface eth0.10 inet static\n    address 192.168.10.2/24\n    vlan-raw-device eth0\n');
  put(t, 'etc/network/extra.d/skipped.conf', 'auto eth9\niface eth9 inet dhcp\n');
  put(t, 'lib/netplan/50-cloud-init.yaml', 'network:\n  version: 2\n  ethernets:\n    shadowed0:\n      dhcp4: true\n');
  put(t, 'etc/netplan/50-cloud-init.yaml', 'network:\n  version: 2\n  ethernets:\n    eth0:\n      match:\n        macaddress: "52:54:00:AB:CD:EF"\n      set-name: eth0\n      dhcp4: true\n');
  put(t, 'etc/netplan/60-static.yaml', 'network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    ens4:\n      addresses:\n        - 192.0.2.10/24\n        - "2001:db8:1::10/64"\n      routes:\n        - to: default\n          via: 192.0.2.1\n        - to: 198.51.100.0/24\n          via: 192.0.2.254\n      nameservers:\n        addresses: [192.0.2.53, 2001:db8:1::53]\n        search: [corp.example]\n      mtu: 9000\n    eth0:\n      addresses: [198.51.100.7/24]\n  wifis:\n    wlan0:\n      dhcp4: yes\n      access-points:\n        "HomeNet":\n          password: "hunter22"\n');
  put(t, 'etc/NetworkManager/system-connections/Wired.nmconnection', '[connection]\nid=Wired connection 1\nuuid=8a0b4a2c-5c6d-4e7f-8a9b-0c1d2e3f4a5b\ntype=ethernet\ninterface-name=enp1s0\nautoconnect=false\n\n[ethernet]\nmac-address=52:54:00:12:34:56\n\n[ipv4]\nmethod=manual\naddress1=192.168.50.5/24,192.168.50.1\naddress2=192.168.51.5/24\ndns=9.9.9.9;149.112.112.112;\ndns-search=lab.example;\nroute1=10.20.0.0/16,192.168.50.254\n\n[ipv6]\naddr-gen-mode=stable-privacy\nmethod=auto\n', 0o600);
  put(t, 'etc/NetworkManager/system-connections/Office.nmconnection', '[connection]\nid=Office\ntype=wifi\n\n[wifi]\nmode=infrastructure\nssid=OfficeWLAN\n\n[wifi-security]\nkey-mgmt=wpa-psk\npsk=supersecret\n\n[ipv4]\nmethod=auto\n\n[ipv6]\nmethod=ignore\n', 0o600);
  put(t, 'etc/NetworkManager/system-connections/Wired.nmconnection~', '[connection]\nid=stale backup\ntype=ethernet\n', 0o600);
  put(t, 'etc/sysconfig/network-scripts/ifcfg-eth1', 'TYPE=Ethernet\nBOOTPROTO=none\nNAME=eth1\nDEVICE=eth1\nONBOOT=yes\nIPADDR=172.20.0.10\nPREFIX=16\nGATEWAY=172.20.0.1\nDNS1=172.20.0.2\nDNS2="172.20.0.3"\nDOMAIN="corp.example lab.example"\nIPV6INIT=yes\nIPV6ADDR=2001:db8:20::10/64\nIPV6_DEFAULTGW=2001:db8:20::1\nHWADDR=52:54:00:AA:BB:CC\n');
  put(t, 'etc/sysconfig/network-scripts/ifcfg-eth1.bak', 'DEVICE=eth1\nBOOTPROTO=dhcp\n');
  put(t, 'etc/systemd/network/20-wired.network', '[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\nAddress=10.30.0.4/24\nDNS=10.30.0.53\nDomains=~corp.example\n\n[Route]\nDestination=10.40.0.0/16\nGateway=10.30.0.1\n\n[Route]\nGateway=10.30.0.254\n');
  link(t, '/dev/null', 'etc/systemd/network/80-container-host0.network');

  // sysctl precedence: /etc shadows a same-named vendor file, a /dev/null link masks, later names win, sysctl.conf via 99-sysctl.conf.
  put(t, 'usr/lib/sysctl.d/10-forward.conf', 'net.ipv4.ip_forward = 0\nkernel.vendor_only = 1\n');
  put(t, 'etc/sysctl.d/10-forward.conf', '# admin override of the vendor file\nnet.ipv4.ip_forward = 1\n');
  put(t, 'usr/lib/sysctl.d/50-vendor.conf', 'kernel.kptr_restrict = 1\nnet/ipv4/conf/all/rp_filter = 2\n-net.ipv6.conf.all.disable_ipv6 = 1\n');
  put(t, 'usr/lib/sysctl.d/55-masked.conf', 'vm.swappiness = 1\n');
  link(t, '/dev/null', 'etc/sysctl.d/55-masked.conf');
  put(t, 'etc/sysctl.d/60-admin.conf', 'kernel.kptr_restrict = 2\n; semicolon comment\nnet.ipv4.conf.all.rp_filter=1\n');
  // Hostile entries: a symlink loop and broken YAML must become warnings, not failures.
  link(t, '70-loop.conf', 'etc/sysctl.d/70-loop.conf');
  put(t, 'etc/netplan/99-broken.yaml', 'network:\n  ethernets: [unclosed\n');
  put(t, 'etc/sysctl.conf', readTree(t, 'etc/sysctl.conf') + '\nkernel.sysrq = 0\nkernel.kptr_restrict = 0\n');

  // systemd: a masked unit that is also wanted, an empty (masked) unit, a custom unit with drop-in, presets, default target.
  link(t, '/dev/null', 'etc/systemd/system/apt-daily.timer');
  put(t, 'etc/systemd/system/fstrim.service', '');
  put(t, 'etc/systemd/system/myapp.service', UNIT('My application', '/usr/local/bin/myapp', '[Install]\nWantedBy=multi-user.target\nAlias=webapp.service\n'));
  put(t, 'etc/systemd/system/myapp.service.d/override.conf', '[Service]\nExecStart=\nExecStart=/usr/local/bin/myapp --prod\nUser=app\n');
  link(t, '/etc/systemd/system/myapp.service', 'etc/systemd/system/multi-user.target.wants/myapp.service');
  link(t, '/etc/systemd/system/myapp.service', 'etc/systemd/system/webapp.service');
  put(t, 'usr/lib/systemd/system/legacy-helper.service', UNIT('Helper pulled in by others', '/bin/true', '[Install]\nAlso=myapp.service\n'));
  put(t, 'etc/systemd/system-preset/80-local.preset', 'disable myapp.service\nenable cron.service\n');
  link(t, '/lib/systemd/system/multi-user.target', 'etc/systemd/system/default.target');
  // Enabled serial console instance of a template.
  link(t, '/lib/systemd/system/serial-getty@.service', 'etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service');

  // SysV script with LSB header and rc links.
  put(t, 'etc/init.d/legacyd', '#!/bin/sh\n### BEGIN INIT INFO\n# Provides:          legacyd\n# Required-Start:    $remote_fs\n# Required-Stop:     $remote_fs\n# Default-Start:     2 3 4 5\n# Default-Stop:      0 1 6\n# Short-Description: Legacy daemon\n### END INIT INFO\nexit 0\n', 0o755);
  for (const l of ['2', '3', '4', '5']) link(t, '../init.d/legacyd', `etc/rc${l}.d/S20legacyd`);
  for (const l of ['0', '1', '6']) link(t, '../init.d/legacyd', `etc/rc${l}.d/K01legacyd`);

  // Guest agent and cloud-init (as their packages install them), cloud-init switched off.
  copyFileSync('/bin/true', join(t, 'usr/sbin/qemu-ga'));
  put(t, 'lib/systemd/system/qemu-guest-agent.service', '[Unit]\nDescription=QEMU Guest Agent\nBindsTo=dev-virtio\\x2dports-org.qemu.guest_agent.0.device\nAfter=dev-virtio\\x2dports-org.qemu.guest_agent.0.device\n\n[Service]\nExecStart=/usr/sbin/qemu-ga\nRestart=always\n');
  put(t, 'usr/bin/cloud-init', '#!/usr/bin/python3\n# EASY-INSTALL-ENTRY-SCRIPT\n', 0o755);
  put(t, 'etc/cloud/cloud.cfg', 'users:\n  - default\ndisable_root: true\ndatasource_list: [ NoCloud, ConfigDrive, OpenStack, Ec2 ]\n');
  put(t, 'etc/cloud/cloud.cfg.d/90_dpkg.cfg', '# to update this file, run dpkg-reconfigure cloud-init\ndatasource_list: [ NoCloud, None ]\n');
  put(t, 'etc/cloud/cloud-init.disabled', '');
  put(t, 'lib/systemd/system/cloud-init.service', UNIT('Cloud-init: Network Stage', '/usr/bin/cloud-init init', '[Install]\nWantedBy=cloud-init.target\n'));
  link(t, '/lib/systemd/system/cloud-init.service', 'etc/systemd/system/cloud-init.target.wants/cloud-init.service');

  // Firewalls: nftables enabled, iptables rules saved but not loaded, ufw installed but off.
  put(t, 'etc/nftables.conf', '#!/usr/sbin/nft -f\n\nflush ruleset\n\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tct state established,related accept\n\t\tiif "lo" accept\n\t\ttcp dport 22 accept\n\t}\n\tchain forward {\n\t\ttype filter hook forward priority filter;\n\t}\n\tchain output {\n\t\ttype filter hook output priority filter;\n\t}\n}\n');
  put(t, 'lib/systemd/system/nftables.service', UNIT('nftables', '/usr/sbin/nft -f /etc/nftables.conf', '[Install]\nWantedBy=sysinit.target\n'));
  link(t, '/lib/systemd/system/nftables.service', 'etc/systemd/system/sysinit.target.wants/nftables.service');
  put(t, 'etc/iptables/rules.v4', '# Generated by iptables-save\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -j DROP\nCOMMIT\n');
  put(t, 'etc/ufw/ufw.conf', '# /etc/ufw/ufw.conf\n#\n\n# Set to yes to start on boot.\nENABLED=no\n\nLOGLEVEL=low\n');

  // AppArmor: parser, profiles, one disabled; boot entry turns it off with apparmor=0.
  copyFileSync('/bin/true', join(t, 'usr/sbin/apparmor_parser'));
  put(t, 'etc/apparmor.d/usr.sbin.sshd', 'profile sshd /usr/sbin/sshd {}\n');
  put(t, 'etc/apparmor.d/usr.bin.man', 'profile man /usr/bin/man {}\n');
  put(t, 'etc/apparmor.d/tunables/global', '');
  link(t, '/etc/apparmor.d/usr.bin.man', 'etc/apparmor.d/disable/usr.bin.man');
  put(t, 'lib/systemd/system/apparmor.service', UNIT('Load AppArmor profiles', '/lib/apparmor/apparmor.systemd reload', '[Install]\nWantedBy=sysinit.target\n'));
  link(t, '/lib/systemd/system/apparmor.service', 'etc/systemd/system/sysinit.target.wants/apparmor.service');

  // Password policy.
  put(t, 'etc/security/pwquality.conf', '# Configuration for systemwide password quality limits\nminlen = 12\n# dcredit = 0\n');
  put(t, 'etc/security/pwquality.conf.d/50-local.conf', 'minlen = 14\ndcredit=-1\n');
  put(t, 'etc/pam.d/common-password', 'password\trequisite\t\t\tpam_pwquality.so retry=3\n' + readTree(t, 'etc/pam.d/common-password'));

  // Boot: the host's real kernel image, an older kernel, a leftover module tree, grub.cfg + grubenv.
  const hk = HOST_KERNEL!;
  copyFileSync(hk.image, join(t, `boot/vmlinuz-${hk.version}`));
  if (hk.config) copyFileSync(hk.config, join(t, `boot/config-${hk.version}`));
  put(t, `boot/initrd.img-${hk.version}`, 'initramfs placeholder\n');
  put(t, `boot/vmlinuz-${OLD_KERNEL}`, new Uint8Array(4096));
  put(t, `boot/initrd.img-${OLD_KERNEL}`, 'initramfs placeholder\n');
  for (const v of [hk.version, OLD_KERNEL, '3.2.0-4-amd64']) put(t, `lib/modules/${v}/modules.dep`, '');
  put(t, 'boot/grub/grub.cfg', debianGrubCfg(), 0o444);
  put(t, 'boot/grub/i386-pc/normal.mod', new Uint8Array(512));
  grubenv(join(t, 'boot/grub/grubenv'), { saved_entry: `gnulinux-advanced-${DEBIAN_UUID}>gnulinux-${OLD_KERNEL}-advanced-${DEBIAN_UUID}` });
  put(t, 'etc/default/grub', 'GRUB_DEFAULT=saved\nGRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n');
  put(t, 'etc/default/grub.d/50-console.cfg', 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX console=ttyS0,115200"\n');
}

function readTree(root: string, path: string): string {
  const p = join(root, path);
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
}

/** One release-file tree per distribution, as the distribution ships the files. */
export interface DistroTree {
  name: string;
  files: Record<string, string>;
  links?: Record<string, string>;
  /** Guest path → host file to copy (real binaries such as the host's kernel image). */
  copies?: Record<string, string>;
  /** Where the guest keeps a real ELF binary (a copy of the host's bash or busybox); default bin/bash. */
  elf?: string;
  /** What libguestfs computes for this tree (see distro.ts for the logic followed). */
  expect: {
    distro: string | null;
    product_name: string | null;
    major: number;
    minor: number;
    osinfo: string | null;
    package_format: string | null;
    package_management: string | null;
  };
}

/** Builds one small ext4 image per tree (cached); returns name → image path. */
export function distroImages(trees: DistroTree[], version: string): Map<string, string> {
  const dir = fixtureDir(`linux-inspect-distros-${version}`, (d) => {
    for (const tr of trees) {
      const root = join(d, `${tr.name}.tree`);
      mkdirSync(join(root, 'etc'), { recursive: true });
      for (const [p, c] of Object.entries(tr.files)) put(root, p, c);
      for (const [p, target] of Object.entries(tr.links ?? {})) link(root, target, p);
      for (const [p, host] of Object.entries(tr.copies ?? {})) {
        mkdirSync(dirname(join(root, p)), { recursive: true });
        copyFileSync(host, join(root, p));
      }
      const elf = tr.elf ?? 'bin/bash';
      mkdirSync(dirname(join(root, elf)), { recursive: true });
      // Any real x86-64 ELF serves; busybox when the host has it.
      copyFileSync(elf.endsWith('busybox') && existsSync('/usr/bin/busybox') ? '/usr/bin/busybox' : '/bin/bash', join(root, elf));
      makeExt4(root, join(d, `${tr.name}.img`), tr.name.slice(0, 15));
      rmSync(root, { recursive: true, force: true });
    }
  });
  const out = new Map<string, string>();
  for (const n of readdirSync(dir)) if (n.endsWith('.img')) out.set(n.slice(0, -4), join(dir, n));
  return out;
}

/**
 * A Fedora-style UEFI guest: GRUB with blscfg, BLS entries (one using $kernelopts from
 * grubenv), SELinux config, and a real vfat ESP image mounted at /boot/efi.
 */
export function fedoraFixture(): { root: string; esp: string } {
  const dir = fixtureDir('linux-inspect-fedora-v1', (d) => {
    const t = join(d, 'tree');
    const mid = 'f3a5c1e2d4b6478899aabbccddeeff00';
    put(t, 'etc/os-release', FEDORA_OS_RELEASE);
    put(t, 'etc/fedora-release', 'Fedora release 39 (Thirty Nine)\n');
    link(t, 'fedora-release', 'etc/redhat-release');
    link(t, 'usr/bin', 'bin');
    link(t, 'usr/sbin', 'sbin');
    link(t, 'usr/lib', 'lib');
    copyFileSync('/bin/bash', join(mkdirp(join(t, 'usr/bin')), 'bash'));
    put(t, 'usr/bin/dnf', '#!/usr/bin/python3\n', 0o755);
    put(t, 'etc/machine-id', `${mid}\n`);
    put(t, 'etc/hostname', 'fedora-vm\n');
    put(t, 'etc/locale.conf', 'LANG="C.UTF-8"\n');
    put(t, 'etc/fstab', 'UUID=0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0 / xfs defaults 0 0\nUUID=ABCD-1234 /boot/efi vfat umask=0077,shortname=winnt 0 2\n');
    put(t, 'etc/selinux/config', '# This file controls the state of SELinux on the system.\nSELINUX=enforcing\nSELINUXTYPE=targeted\n');
    mkdirp(join(t, 'etc/selinux/targeted/policy'));
    mkdirp(join(t, 'boot/efi'));
    put(t, 'usr/lib/systemd/systemd', new Uint8Array(64), 0o755);
    link(t, '../lib/systemd/systemd', 'usr/sbin/init');
    put(t, 'usr/lib/systemd/system/firewalld.service', UNIT('firewalld - dynamic firewall daemon', '/usr/sbin/firewalld --nofork --nopid', '[Install]\nWantedBy=multi-user.target\nAlias=dbus-org.fedoraproject.FirewallD1.service\n'));
    link(t, '/usr/lib/systemd/system/firewalld.service', 'etc/systemd/system/multi-user.target.wants/firewalld.service');
    link(t, '/usr/lib/systemd/system/firewalld.service', 'etc/systemd/system/dbus-org.fedoraproject.FirewallD1.service');
    put(t, 'etc/firewalld/firewalld.conf', '# firewalld config file\nDefaultZone=FedoraServer\nCleanupOnExit=yes\n');
    put(t, 'etc/firewalld/zones/FedoraServer.xml', '<?xml version="1.0" encoding="utf-8"?>\n<zone><short>Fedora Server</short><service name="ssh"/></zone>\n');
    put(t, 'usr/lib/systemd/system-preset/90-default.preset', 'enable sshd.service\nenable firewalld.service\ndisable *\n');
    put(t, 'usr/lib/systemd/system/sshd.service', UNIT('OpenSSH server daemon', '/usr/sbin/sshd -D $OPTIONS', '[Install]\nWantedBy=multi-user.target\n'));
    put(t, 'usr/lib/systemd/system/chronyd.service', UNIT('NTP client/server', '/usr/sbin/chronyd $OPTIONS', '[Install]\nWantedBy=multi-user.target\n'));
    put(t, 'etc/sysconfig/network-scripts/ifcfg-ens3', 'TYPE=Ethernet\nBOOTPROTO=dhcp\nDEVICE=ens3\nONBOOT=yes\n');
    put(t, 'boot/grub2/grub.cfg', FEDORA_GRUB_CFG);
    grubenv(join(t, 'boot/grub2/grubenv'), {
      saved_entry: `${mid}-6.5.6-300.fc39.x86_64`,
      kernelopts: 'root=UUID=0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0 ro rhgb quiet enforcing=0',
      boot_success: '1',
    });
    const bls = (ver: string, opts: string) =>
      `title Fedora Linux (${ver}) 39 (Server Edition)\nversion ${ver}\nlinux /vmlinuz-${ver}\ninitrd /initramfs-${ver}.img\noptions ${opts}\ngrub_users $grub_users\ngrub_arg --unrestricted\ngrub_class fedora\n`;
    put(t, `boot/loader/entries/${mid}-6.5.6-300.fc39.x86_64.conf`, bls('6.5.6-300.fc39.x86_64', '$kernelopts'));
    put(t, `boot/loader/entries/${mid}-6.10.11-100.fc39.x86_64.conf`, bls('6.10.11-100.fc39.x86_64', 'root=UUID=0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0 ro rhgb quiet'));
    put(t, `boot/loader/entries/${mid}-0-rescue.conf`, bls('0-rescue-' + mid, 'root=UUID=0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0 ro'));
    for (const v of ['6.5.6-300.fc39.x86_64', '6.10.11-100.fc39.x86_64']) {
      put(t, `boot/vmlinuz-${v}`, new Uint8Array(1024));
      put(t, `boot/initramfs-${v}.img`, 'initramfs\n');
      put(t, `usr/lib/modules/${v}/vmlinuz`, new Uint8Array(1024));
    }
    makeExt4(t, join(d, 'root.img'));
    rmSync(t, { recursive: true, force: true });
    const esp = join(d, 'esp.img');
    run('mkfs.vfat', ['-C', '-n', 'EFI', '-i', 'ABCD1234', esp, '16384']);
    run('mmd', ['-i', esp, '::/EFI', '::/EFI/fedora', '::/EFI/BOOT']);
    for (const f of ['EFI/fedora/shimx64.efi', 'EFI/fedora/grubx64.efi', 'EFI/BOOT/BOOTX64.EFI']) run('mcopy', ['-i', esp, '/bin/true', `::/${f}`]);
    const stub = join(d, 'grub-stub.cfg');
    writeFileSync(stub, 'search --no-floppy --fs-uuid --set=dev 0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0\nset prefix=($dev)/boot/grub2\nexport $prefix\nconfigfile $prefix/grub.cfg\n');
    run('mcopy', ['-i', esp, stub, '::/EFI/fedora/grub.cfg']);
    rmSync(stub);
  });
  return { root: join(dir, 'root.img'), esp: join(dir, 'esp.img') };
}

function mkdirp(p: string): string {
  mkdirSync(p, { recursive: true });
  return p;
}

const FEDORA_OS_RELEASE = `NAME="Fedora Linux"
VERSION="39 (Server Edition)"
ID=fedora
VERSION_ID=39
VERSION_CODENAME=""
PLATFORM_ID="platform:f39"
PRETTY_NAME="Fedora Linux 39 (Server Edition)"
ANSI_COLOR="0;38;2;60;110;180"
LOGO=fedora-logo-icon
CPE_NAME="cpe:/o:fedoraproject:fedora:39"
HOME_URL="https://fedoraproject.org/"
DOCUMENTATION_URL="https://docs.fedoraproject.org/en-US/fedora/f39/system-administrators-guide/"
SUPPORT_URL="https://ask.fedoraproject.org/"
BUG_REPORT_URL="https://bugzilla.redhat.com/"
REDHAT_BUGZILLA_PRODUCT="Fedora"
REDHAT_BUGZILLA_PRODUCT_VERSION=39
REDHAT_SUPPORT_PRODUCT="Fedora"
REDHAT_SUPPORT_PRODUCT_VERSION=39
SUPPORT_END=2024-11-12
VARIANT="Server Edition"
VARIANT_ID=server
`;

/** grub.cfg as Fedora's grub2-mkconfig writes it (GRUB_ENABLE_BLSCFG=true). */
const FEDORA_GRUB_CFG = `#
# DO NOT EDIT THIS FILE
#
# It is automatically generated by grub2-mkconfig using templates
# from /etc/grub.d and settings from /etc/default/grub
#

### BEGIN /etc/grub.d/00_header ###
set pager=1

if [ -f \${config_directory}/grubenv ]; then
  load_env -f \${config_directory}/grubenv
elif [ -s $prefix/grubenv ]; then
  load_env
fi
if [ "\${next_entry}" ] ; then
   set default="\${next_entry}"
   set next_entry=
   save_env next_entry
   set boot_once=true
else
   set default="\${saved_entry}"
fi

if [ x"\${feature_menuentry_id}" = xy ]; then
  menuentry_id_option="--id"
else
  menuentry_id_option=""
fi

export menuentry_id_option

function load_video {
  insmod all_video
}

terminal_output console
if [ x$feature_timeout_style = xy ] ; then
  set timeout_style=menu
  set timeout=5
# Fallback normal timeout code in case the timeout_style feature is
# unavailable.
else
  set timeout=5
fi
### END /etc/grub.d/00_header ###

### BEGIN /etc/grub.d/10_linux ###
insmod part_gpt
insmod xfs
search --no-floppy --fs-uuid --set=root 0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0
insmod part_gpt
insmod fat
search --no-floppy --fs-uuid --set=boot ABCD-1234

# This section was generated by a script. Do not modify the generated file - all changes
# will be lost the next time file is regenerated. Instead edit the BootLoaderSpec files.
#
# The blscfg command parses the BootLoaderSpec files stored in /boot/loader/entries and
# populates the boot menu. Please refer to the Boot Loader Specification documentation
# for the files format: https://systemd.io/BOOT_LOADER_SPECIFICATION/.

# The kernelopts variable should be defined in the grubenv file. But to ensure that menu
# entries populated from BootLoaderSpec files that use this variable work correctly even
# without a grubenv file, define a fallback kernelopts variable if this has not been set.
#
# The kernelopts variable in the grubenv file can be modified using the grubby tool or by
# executing the grub2-mkconfig tool. For the latter, the values of the GRUB_CMDLINE_LINUX
# and GRUB_CMDLINE_LINUX_DEFAULT options from /etc/default/grub file are used to set both
# the kernelopts variable in the grubenv file and the fallback kernelopts variable.
if [ -z "\${kernelopts}" ]; then
  set kernelopts="root=UUID=0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0 ro rhgb quiet "
fi

insmod blscfg
blscfg
### END /etc/grub.d/10_linux ###

### BEGIN /etc/grub.d/30_uefi-firmware ###
if [ "$grub_platform" = "efi" ]; then
	menuentry 'UEFI Firmware Settings' $menuentry_id_option 'uefi-firmware' {
		fwsetup
	}
fi
### END /etc/grub.d/30_uefi-firmware ###
`;
