/**
 * Who the guest is: the fields virt-inspector prints for a Linux root (distro, product name,
 * version, osinfo, arch, hostname, package format and manager, computed as libguestfs computes
 * them), plus facts libguestfs does not report (os-release fields, machine id, timezone,
 * locale, init system, cloud-init, hypervisor guest tools).
 */
import type { GuestFileSystem } from '../../fs/vfs.js';
import { detectDistro, readOsRelease, type OsRelease } from './distro.js';
import { ELF_HEADER_PREFIX, parseElfHeader } from './elf.js';
import { detectInitSystem, type InitSystem } from './init-system.js';
import { linuxOsinfo } from './osinfo.js';
import { GuestReader, lines } from './reader.js';
import { readCloudInit, type CloudInitInfo } from './cloud-init.js';
import { readGuestTools, type GuestTools } from './guest-tools.js';
import { parseShellVars } from './text.js';

export interface LocaleInfo {
  /** LANG, when set. */
  lang: string | null;
  /** Every variable the file sets (LANG, LC_*, LANGUAGE). */
  variables: Record<string, string>;
  /** Guest file it came from. */
  source: string;
}

export interface LinuxIdentity {
  /** virt-inspector's <name>: always "linux" here. */
  name: 'linux';
  /** libguestfs distro name (debian, ubuntu, rhel, centos, rocky, fedora, oraclelinux, opensuse, sles, alpinelinux, archlinux, redhat-based, ...); null where virt-inspector prints none. */
  distro: string | null;
  /** libguestfs product name (os-release PRETTY_NAME, or the release file's first line: "12.11" on Debian). */
  product_name: string | null;
  major_version: number;
  minor_version: number;
  /** libosinfo short id as libguestfs derives it (debian12, ubuntu22.04, rhel9.4, sle15sp5). */
  osinfo: string | null;
  /** Architecture of the first ELF among /bin/bash, /bin/ls, /bin/echo, /bin/rm, /bin/sh (libguestfs's order), then other shells. */
  arch: string | null;
  hostname: string | null;
  /** os-release BUILD_ID. */
  build_id: string | null;
  /** deb, rpm, pacman, apk, ebuild, pisi, xbps. libguestfs's mapping from distro; when that gives none, detected from the package databases present. */
  package_format: string | null;
  /** apt, dnf, yum, up2date, zypper, pacman, apk, urpmi, portage, pisi, xbps. Same rule as package_format. */
  package_management: string | null;

  /** Release file that settled distro detection (/etc/os-release, /etc/debian_version, ...). */
  release_file: string | null;
  os_release: OsRelease | null;
  arch_binary: string | null;
  hostname_source: string | null;
  /** /etc/machine-id (32 hex digits); null when absent, empty or "uninitialized". */
  machine_id: string | null;
  timezone: string | null;
  timezone_source: string | null;
  locale: LocaleInfo | null;
  init_system: InitSystem;
  init_path: string | null;
  cloud_init: CloudInitInfo;
  guest_tools: GuestTools;
}

/** libguestfs's arch_binaries, then binaries of guests that lack them (busybox-only, merged /usr). */
const ARCH_BINARIES = ['/bin/bash', '/bin/ls', '/bin/echo', '/bin/rm', '/bin/sh', '/usr/bin/bash', '/usr/bin/ls', '/bin/busybox', '/usr/bin/env'];

export async function inspectLinuxIdentity(src: GuestFileSystem | GuestReader): Promise<LinuxIdentity> {
  const reader = GuestReader.of(src);
  const d = await detectDistro(reader);
  const distro = d.distro ?? null;
  const [major, minor] = d.version ?? [0, 0];
  const arch = await detectArch(reader);
  const host = await detectHostname(reader);
  const pkg = await packaging(reader, distro, major);
  const tz = await detectTimezone(reader);
  const init = await detectInitSystem(reader);
  return {
    name: 'linux',
    distro,
    product_name: d.product_name ?? null,
    major_version: major,
    minor_version: minor,
    osinfo: linuxOsinfo(distro, major, minor),
    arch: arch?.arch ?? null,
    hostname: host?.hostname ?? null,
    build_id: d.build_id ?? null,
    package_format: pkg.format,
    package_management: pkg.management,
    release_file: d.release_file ?? null,
    os_release: await readOsRelease(reader),
    arch_binary: arch?.binary ?? null,
    hostname_source: host?.source ?? null,
    machine_id: await machineId(reader),
    timezone: tz?.timezone ?? null,
    timezone_source: tz?.source ?? null,
    locale: await detectLocale(reader),
    init_system: init.init_system,
    init_path: init.init_path,
    cloud_init: await readCloudInit(reader),
    guest_tools: await readGuestTools(reader),
  };
}

/** libguestfs check_architecture: follow symlinks, the first binary whose ELF header names a machine wins. */
export async function detectArch(reader: GuestReader): Promise<{ arch: string; binary: string } | undefined> {
  for (const bin of ARCH_BINARIES) {
    if (!(await reader.isFile(bin))) continue;
    const head = await reader.head(bin, ELF_HEADER_PREFIX);
    const elf = head && parseElfHeader(head);
    if (elf && elf.arch) return { arch: elf.arch, binary: (await reader.realpath(bin)) ?? bin };
  }
  return undefined;
}

/** libguestfs check_hostname_linux (/etc/HOSTNAME, /etc/hostname, /etc/sysconfig/network), then OpenRC's /etc/conf.d/hostname. */
export async function detectHostname(reader: GuestReader): Promise<{ hostname: string; source: string } | undefined> {
  for (const f of ['/etc/HOSTNAME', '/etc/hostname']) {
    const text = await reader.text(f, 64 * 1024);
    if (text === undefined) continue;
    const line = text.split('\n').find((l) => l !== '' && !l.startsWith('#'));
    if (line !== undefined && line.trim() !== '') return { hostname: line.trim(), source: f };
  }
  for (const [f, key] of [
    ['/etc/sysconfig/network', 'HOSTNAME'],
    ['/etc/conf.d/hostname', 'hostname'],
  ] as const) {
    const text = await reader.text(f, 64 * 1024);
    const v = text === undefined ? undefined : parseShellVars(text).get(key);
    if (v) return { hostname: v, source: f };
  }
  return undefined;
}

const FORMAT: Record<string, string> = {};
for (const d of ['altlinux', 'centos', 'circle', 'fedora', 'kylin', 'mageia', 'mandriva', 'meego', 'neokylin', 'opencloudos', 'tencentos', 'openeuler', 'openmandriva', 'opensuse', 'oraclelinux', 'redhat-based', 'rhel', 'rocky', 'scientificlinux', 'sles', 'suse-based']) FORMAT[d] = 'rpm';
for (const d of ['debian', 'kalilinux', 'linuxmint', 'ubuntu']) FORMAT[d] = 'deb';
Object.assign(FORMAT, { archlinux: 'pacman', gentoo: 'ebuild', pardus: 'pisi', alpinelinux: 'apk', voidlinux: 'xbps' });

/** libguestfs check_package_format / check_package_management, then detection from package databases when libguestfs has no answer. */
async function packaging(reader: GuestReader, distro: string | null, major: number): Promise<{ format: string | null; management: string | null }> {
  let format = distro ? (FORMAT[distro] ?? null) : null;
  let management: string | null = null;
  switch (distro) {
    case 'meego':
      management = 'yum';
      break;
    case 'fedora':
      management = major >= 22 && (await reader.isFile('/usr/bin/dnf')) ? 'dnf' : major >= 1 ? 'yum' : null;
      break;
    case 'neokylin':
    case 'openmandriva':
    case 'opencloudos':
    case 'tencentos':
    case 'openeuler':
      management = 'dnf';
      break;
    case 'centos':
    case 'circle':
    case 'kylin':
    case 'oraclelinux':
    case 'redhat-based':
    case 'rhel':
    case 'rocky':
    case 'scientificlinux':
      management = major >= 8 ? 'dnf' : major >= 5 ? 'yum' : major >= 2 ? 'up2date' : null;
      break;
    case 'altlinux':
    case 'debian':
    case 'kalilinux':
    case 'linuxmint':
    case 'ubuntu':
      management = 'apt';
      break;
    case 'archlinux':
      management = 'pacman';
      break;
    case 'gentoo':
      management = 'portage';
      break;
    case 'pardus':
      management = 'pisi';
      break;
    case 'mageia':
    case 'mandriva':
      management = 'urpmi';
      break;
    case 'opensuse':
    case 'sles':
    case 'suse-based':
      management = 'zypper';
      break;
    case 'alpinelinux':
      management = 'apk';
      break;
    case 'voidlinux':
      management = 'xbps';
      break;
  }
  if (format === null) {
    if (await reader.isFile('/var/lib/dpkg/status')) format = 'deb';
    else if ((await reader.isDir('/var/lib/rpm')) || (await reader.isDir('/usr/lib/sysimage/rpm'))) format = 'rpm';
    else if (await reader.isFile('/lib/apk/db/installed')) format = 'apk';
    else if (await reader.isDir('/var/lib/pacman/local')) format = 'pacman';
  }
  if (management === null && distro === null && format !== null) {
    const byBinary: [string, string][] =
      format === 'deb'
        ? [['/usr/bin/apt-get', 'apt']]
        : format === 'rpm'
          ? [
              ['/usr/bin/zypper', 'zypper'],
              ['/usr/bin/dnf', 'dnf'],
              ['/usr/bin/yum', 'yum'],
            ]
          : format === 'apk'
            ? [['/sbin/apk', 'apk']]
            : [['/usr/bin/pacman', 'pacman']];
    for (const [bin, name] of byBinary) {
      if (await reader.isFile(bin)) {
        management = name;
        break;
      }
    }
  }
  return { format, management };
}

async function machineId(reader: GuestReader): Promise<string | null> {
  const text = await reader.text('/etc/machine-id', 4096);
  const id = text?.trim().toLowerCase();
  return id && /^[0-9a-f]{32}$/.test(id) ? id : null;
}

/** /etc/localtime's link into zoneinfo (what timedatectl reports), then /etc/timezone, then RHEL 6 / SUSE /etc/sysconfig/clock. */
export async function detectTimezone(reader: GuestReader): Promise<{ timezone: string; source: string } | undefined> {
  const link = await reader.readlink('/etc/localtime');
  if (link !== undefined) {
    const i = link.indexOf('zoneinfo/');
    if (i >= 0 && link.length > i + 9) return { timezone: link.slice(i + 9), source: '/etc/localtime' };
  }
  const tz = await reader.text('/etc/timezone', 4096);
  const line = tz === undefined ? undefined : lines(tz).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (line) return { timezone: line.trim(), source: '/etc/timezone' };
  const clock = await reader.text('/etc/sysconfig/clock', 64 * 1024);
  if (clock !== undefined) {
    const vars = parseShellVars(clock);
    const v = vars.get('ZONE') ?? vars.get('TIMEZONE');
    if (v) return { timezone: v, source: '/etc/sysconfig/clock' };
  }
  return undefined;
}

const LOCALE_FILES: [string, string][] = [
  ['/etc/locale.conf', 'LANG'],
  ['/etc/default/locale', 'LANG'],
  ['/etc/sysconfig/i18n', 'LANG'],
  ['/etc/env.d/02locale', 'LANG'],
  ['/etc/sysconfig/language', 'RC_LANG'],
];

export async function detectLocale(reader: GuestReader): Promise<LocaleInfo | null> {
  for (const [path, langKey] of LOCALE_FILES) {
    const text = await reader.text(path, 64 * 1024);
    if (text === undefined) continue;
    const vars = parseShellVars(text);
    const variables: Record<string, string> = {};
    for (const [k, v] of vars) if (/^(LANG|LANGUAGE|LC_[A-Z]+|RC_LANG|RC_LC_[A-Z]+)$/.test(k)) variables[k] = v;
    return { lang: vars.get(langKey) || null, variables, source: path };
  }
  return null;
}
