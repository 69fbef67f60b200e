/**
 * Distribution, product name and version, computed exactly as libguestfs computes them
 * (daemon/inspect_fs_unix.ml: an ordered list of release files, each with a parser; the first
 * parser that succeeds wins, and a parser that fails may still leave fields behind for later
 * ones to keep or overwrite). Names are libguestfs's (inspect_types.ml string_of_distro).
 *
 * Deliberate extension: when /etc/os-release is absent, /usr/lib/os-release is tried at the
 * same step (libguestfs reads it only from a separately mounted /usr).
 */
import { GuestReader, lines } from './reader.js';

/** What the release-file tests fill in (libguestfs's inspection_data, Linux part). */
export interface DistroData {
  distro: string | undefined;
  product_name: string | undefined;
  version: [number, number] | undefined;
  build_id: string | undefined;
  /** The release file whose parser finished the search (evidence). */
  release_file: string | undefined;
}

/** libguestfs's is_small_file limit (2 * 1048 * 1024 bytes, sic). */
const SMALL_FILE = 2 * 1048 * 1024;

const OS_RELEASE_IDS: Record<string, string> = {
  alpine: 'alpinelinux',
  altlinux: 'altlinux',
  arch: 'archlinux',
  centos: 'centos',
  circle: 'circle',
  coreos: 'coreos',
  debian: 'debian',
  fedora: 'fedora',
  frugalware: 'frugalware',
  gentoo: 'gentoo',
  kali: 'kalilinux',
  kylin: 'kylin',
  mageia: 'mageia',
  neokylin: 'neokylin',
  openEuler: 'openeuler',
  openmandriva: 'openmandriva',
  opencloudos: 'opencloudos',
  tencentos: 'tencentos',
  opensuse: 'opensuse',
  pardus: 'pardus',
  pld: 'pldlinux',
  rhel: 'rhel',
  rocky: 'rocky',
  sles: 'sles',
  sled: 'sles',
  ubuntu: 'ubuntu',
  void: 'voidlinux',
};

const LSB_IDS: Record<string, string> = { CoreOS: 'coreos', LinuxMint: 'linuxmint', Mageia: 'mageia', Ubuntu: 'ubuntu' };

const ROLLING = ['archlinux', 'gentoo', 'voidlinux'];

/** libguestfs parse_version_from_major_minor: first "N.M" anywhere, else first "N". */
export function parseMajorMinor(s: string): [number, number] | undefined {
  let m = /(\d+)\.(\d+)/.exec(s);
  if (m) return toVersion(m[1]!, m[2]!);
  m = /(\d+)/.exec(s);
  if (m) return toVersion(m[1]!, '0');
  return undefined;
}

function toVersion(a: string, b: string): [number, number] | undefined {
  const major = Number(a);
  const minor = Number(b);
  // OCaml's int_of_string fails on overflow; a version that large is not one.
  if (!Number.isSafeInteger(major) || !Number.isSafeInteger(minor)) return undefined;
  return [major, minor];
}

/** libguestfs parse_key_value_strings: no trimming; blank and "#" lines skipped; split at the first "=". */
function keyValues(text: string, unquote: (v: string) => string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    out.push(eq < 0 ? [line, unquote('')] : [line.slice(0, eq), unquote(line.slice(eq + 1))]);
  }
  return out;
}

function simpleUnquote(s: string): string {
  const n = s.length;
  if (n >= 2 && ((s[0] === '"' && s[n - 1] === '"') || (s[0] === "'" && s[n - 1] === "'"))) return s.slice(1, n - 1);
  return s;
}

/** libguestfs's shell_unquote: strip one level of quotes; inside "…" undo \\ \" \$ \` escapes. */
function shellUnquote(s: string): string {
  const n = s.length;
  if (n >= 2 && s[0] === "'" && s[n - 1] === "'") return s.slice(1, n - 1);
  if (n >= 2 && s[0] === '"' && s[n - 1] === '"') return s.slice(1, n - 1).replace(/\\([\\"$`])/g, '$1');
  return s;
}

type Parser = (reader: GuestReader, file: string, data: DistroData) => Promise<boolean>;

async function readSmall(reader: GuestReader, file: string): Promise<string | undefined> {
  const st = await reader.stat(file);
  if (st?.type !== 'file' || st.size > SMALL_FILE) return undefined;
  return reader.text(file, SMALL_FILE);
}

const parseOsRelease: Parser = async (reader, file, data) => {
  const text = await readSmall(reader, file);
  if (text === undefined) return false;
  for (const [key, value] of keyValues(text, shellUnquote)) {
    if (key === 'ID') {
      const d = OS_RELEASE_IDS[value] ?? (value.startsWith('opensuse-') ? 'opensuse' : undefined);
      if (d !== undefined) data.distro = d;
    } else if (key === 'PRETTY_NAME') data.product_name = value;
    else if (key === 'VERSION_ID') {
      // NeoKylin writes "V7Update6" (RHBZ#1476081).
      const m = /^V(\d+)Update(\d+)$/.exec(value);
      const v = m ? toVersion(m[1]!, m[2]!) : parseMajorMinor(value);
      if (v) data.version = v;
    } else if (key === 'BUILD_ID') data.build_id = value;
  }
  if (data.distro === undefined || data.product_name === undefined) return false;
  // Debian and CentOS-likes put only the major number in VERSION_ID: use their release files.
  if (['debian', 'centos', 'circle', 'rocky'].includes(data.distro) && data.version?.[1] === 0) return false;
  if (data.version === undefined && ROLLING.includes(data.distro)) {
    data.version = [0, 0];
    return true;
  }
  return data.version !== undefined;
};

const parseLsbRelease: Parser = async (reader, file, data) => {
  const text = await readSmall(reader, file);
  if (text === undefined) return false;
  let ok = false;
  for (const [key, value] of keyValues(text, simpleUnquote)) {
    if (key === 'DISTRIB_ID') {
      const d = LSB_IDS[value];
      if (d !== undefined) {
        ok = true;
        data.distro = d;
      }
    } else if (key === 'DISTRIB_RELEASE') {
      const v = parseMajorMinor(value);
      if (v) data.version = v;
    } else if (key === 'DISTRIB_DESCRIPTION') {
      ok = true;
      data.product_name = value;
    }
  }
  return ok;
};

const parseSuseRelease: Parser = async (reader, file, data) => {
  const text = await readSmall(reader, file);
  if (text === undefined) return false;
  const ls = text.split('\n');
  const product = ls[0]!;
  data.product_name = product;
  if (/^SUSE (Linux|LINUX) Enterprise /.test(product) || /^Novell Linux Desktop /.test(product)) {
    const vm = ls.length >= 2 ? /^VERSION = (\d+)/.exec(ls[1]!) : null;
    const pm = ls.length >= 3 ? /^PATCHLEVEL = (\d+)/.exec(ls[2]!) : null;
    data.distro = 'sles';
    data.version = vm ? toVersion(vm[1]!, pm ? pm[1]! : '0') : undefined;
  } else if (/^(openSUSE|SuSE Linux|SUSE LINUX) /.test(product)) {
    if (ls.length >= 2) {
      const v = parseMajorMinor(ls[1]!);
      if (v) data.version = v;
    }
    data.distro = 'opensuse';
  }
  return true;
};

/** libguestfs parse_generic: the first line is the product name; `rex` (if given) must match it. */
function generic(distro: string, rex?: RegExp): Parser {
  return async (reader, file, data) => {
    const text = await readSmall(reader, file);
    const product = text === undefined ? '' : text.split('\n')[0]!;
    if (product === '') return false;
    data.product_name = product;
    data.distro = distro;
    if (!rex) {
      const v = parseMajorMinor(product);
      if (v) data.version = v;
      return true;
    }
    const m = rex.exec(product);
    if (!m) return false;
    if (m[1] !== undefined && /^\d+$/.test(m[1])) {
      const v = toVersion(m[1], m[2] !== undefined && /^\d+$/.test(m[2]) ? m[2] : '0');
      if (v) data.version = v;
    }
    return true;
  };
}

function setDistro(distro: string): Parser {
  return async (_r, _f, data) => {
    data.distro = distro;
    return true;
  };
}

const RE = {
  fedora: /Fedora release (\d+)/,
  rhelOld: /Red Hat.*release (\d+).*Update (\d+)/,
  rhel: /Red Hat.*release (\d+)\.(\d+)/,
  rhelNoMinor: /Red Hat.*release (\d+)/,
  centosOld: /CentOS.*release (\d+).*Update (\d+)/,
  centos: /CentOS.*release (\d+)\.(\d+)/,
  centosNoMinor: /CentOS.*release (\d+)/,
  circle: /Circle Linux.*release (\d+)\.(\d+)/,
  circleNoMinor: /Circle Linux.*release (\d+)/,
  rocky: /Rocky Linux.*release (\d+)\.(\d+)/,
  rockyNoMinor: /Rocky Linux.*release (\d+)/,
  sciOld: /Scientific Linux.*release (\d+).*Update (\d+)/,
  sci: /Scientific Linux.*release (\d+)\.(\d+)/,
  sciNoMinor: /Scientific Linux.*release (\d+)/,
  oracleOld: /Oracle Linux.*release (\d+).*Update (\d+)/,
  oracle: /Oracle Linux.*release (\d+)\.(\d+)/,
  oracleNoMinor: /Oracle Linux.*release (\d+)/,
  openmandriva: /OpenMandriva.*release (\d+)\.(\d+)\.?(\d+)? .*/,
  opencloudos: /OpenCloudOS.*release (\d+)/,
  tencentos: /TencentOS.* (\d+)\.(\d+)/,
  frugalware: /Frugalware (\d+)\.(\d+)/,
  pld: /(\d+)\.(\d+) PLD Linux/,
};

/** The ordered tests of libguestfs's linux_root_tests. */
const LINUX_ROOT_TESTS: [string, Parser][] = [
  ['/etc/os-release', parseOsRelease],
  ['/etc/lsb-release', parseLsbRelease],
  ['/etc/openmandriva-release', generic('openmandriva', RE.openmandriva)],
  ['/etc/opencloudos-release', generic('opencloudos', RE.opencloudos)],
  ['/etc/tencentos-release', generic('tencentos', RE.tencentos)],
  ['/etc/oracle-release', generic('oraclelinux', RE.oracleOld)],
  ['/etc/oracle-release', generic('oraclelinux', RE.oracle)],
  ['/etc/oracle-release', generic('oraclelinux', RE.oracleNoMinor)],
  ['/etc/centos-release', generic('centos', RE.centosOld)],
  ['/etc/centos-release', generic('centos', RE.centos)],
  ['/etc/centos-release', generic('centos', RE.centosNoMinor)],
  ['/etc/circle-release', generic('circle', RE.circle)],
  ['/etc/circle-release', generic('circle', RE.circleNoMinor)],
  ['/etc/rocky-release', generic('rocky', RE.rocky)],
  ['/etc/rocky-release', generic('rocky', RE.rockyNoMinor)],
  ['/etc/altlinux-release', generic('altlinux')],
  ['/etc/redhat-release', generic('fedora', RE.fedora)],
  ['/etc/redhat-release', generic('rhel', RE.rhelOld)],
  ['/etc/redhat-release', generic('rhel', RE.rhel)],
  ['/etc/redhat-release', generic('rhel', RE.rhelNoMinor)],
  ['/etc/redhat-release', generic('centos', RE.centosOld)],
  ['/etc/redhat-release', generic('centos', RE.centos)],
  ['/etc/redhat-release', generic('centos', RE.centosNoMinor)],
  ['/etc/redhat-release', generic('circle', RE.circle)],
  ['/etc/redhat-release', generic('circle', RE.circleNoMinor)],
  ['/etc/redhat-release', generic('rocky', RE.rocky)],
  ['/etc/redhat-release', generic('rocky', RE.rockyNoMinor)],
  ['/etc/redhat-release', generic('scientificlinux', RE.sciOld)],
  ['/etc/redhat-release', generic('scientificlinux', RE.sci)],
  ['/etc/redhat-release', generic('scientificlinux', RE.sciNoMinor)],
  ['/etc/redhat-release', generic('redhat-based')],
  ['/etc/redhat-release', setDistro('redhat-based')],
  ['/etc/debian_version', generic('debian')],
  ['/etc/pardus-release', generic('pardus')],
  // /etc/arch-release is empty: it names the distro and nothing else.
  ['/etc/arch-release', setDistro('archlinux')],
  ['/etc/gentoo-release', generic('gentoo')],
  ['/etc/meego-release', generic('meego')],
  ['/etc/slackware-version', generic('slackware')],
  ['/etc/ttylinux-target', generic('ttylinux')],
  ['/etc/SuSE-release', parseSuseRelease],
  ['/etc/SuSE-release', setDistro('suse-based')],
  ['/etc/cirros/version', generic('cirros')],
  [
    '/etc/br-version',
    async (reader, file, data) => generic((await reader.isFile('/usr/share/cirros/logo')) ? 'cirros' : 'buildroot')(reader, file, data),
  ],
  ['/etc/alpine-release', generic('alpinelinux')],
  ['/etc/frugalware-release', generic('frugalware', RE.frugalware)],
  ['/etc/pld-release', generic('pldlinux', RE.pld)],
];

/** Runs libguestfs's release-file tests against the guest. */
export async function detectDistro(reader: GuestReader): Promise<DistroData> {
  const data: DistroData = { distro: undefined, product_name: undefined, version: undefined, build_id: undefined, release_file: undefined };
  for (const [file, parse] of LINUX_ROOT_TESTS) {
    let path = file;
    if (!(await reader.isFile(path))) {
      if (file !== '/etc/os-release' || !(await reader.isFile('/usr/lib/os-release'))) continue;
      path = '/usr/lib/os-release';
    }
    if (await parse(reader, path, data)) {
      data.release_file = path;
      break;
    }
  }
  return data;
}

/** The raw os-release fields (os-release(5)), for callers who want more than libguestfs reports. */
export interface OsRelease {
  /** Guest path the fields were read from. */
  path: string;
  id: string | null;
  id_like: string[];
  name: string | null;
  pretty_name: string | null;
  version: string | null;
  version_id: string | null;
  version_codename: string | null;
  variant_id: string | null;
  build_id: string | null;
  image_id: string | null;
  cpe_name: string | null;
}

export async function readOsRelease(reader: GuestReader): Promise<OsRelease | null> {
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    const text = await reader.text(path, SMALL_FILE);
    if (text === undefined) continue;
    const vars = new Map<string, string>();
    for (const raw of lines(text)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      vars.set(line.slice(0, eq).trim(), shellUnquote(line.slice(eq + 1).trim()));
    }
    const get = (k: string) => vars.get(k) ?? null;
    return {
      path,
      id: get('ID'),
      id_like: (vars.get('ID_LIKE') ?? '').split(/\s+/).filter((s) => s !== ''),
      name: get('NAME'),
      pretty_name: get('PRETTY_NAME'),
      version: get('VERSION'),
      version_id: get('VERSION_ID'),
      version_codename: get('VERSION_CODENAME'),
      variant_id: get('VARIANT_ID'),
      build_id: get('BUILD_ID'),
      image_id: get('IMAGE_ID'),
      cpe_name: get('CPE_NAME'),
    };
  }
  return null;
}
