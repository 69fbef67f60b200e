/** Distribution families of `applies_to.family`, from libguestfs distro ids and os-release ID_LIKE. */
import type { OperatingSystem } from '../../guest/inspect/types.js';
import type { Family } from './schema.js';

const BY_DISTRO: Record<string, Family> = {
  debian: 'debian',
  ubuntu: 'debian',
  linuxmint: 'debian',
  kalilinux: 'debian',
  pardus: 'debian',
  rhel: 'rhel',
  centos: 'rhel',
  fedora: 'rhel',
  rocky: 'rhel',
  almalinux: 'rhel',
  oraclelinux: 'rhel',
  'redhat-based': 'rhel',
  scientificlinux: 'rhel',
  circle: 'rhel',
  openeuler: 'rhel',
  opencloudos: 'rhel',
  tencentos: 'rhel',
  sles: 'suse',
  opensuse: 'suse',
  'suse-based': 'suse',
  archlinux: 'arch',
  manjaro: 'arch',
  alpinelinux: 'alpine',
};

/** os-release ID / ID_LIKE words → family. */
const BY_OS_RELEASE: Record<string, Family> = { debian: 'debian', ubuntu: 'debian', rhel: 'rhel', fedora: 'rhel', centos: 'rhel', suse: 'suse', opensuse: 'suse', arch: 'arch', alpine: 'alpine' };

export function familyOf(os: OperatingSystem): Family | undefined {
  if (os.type !== 'linux') return undefined;
  const d = os.distro ? BY_DISTRO[os.distro] : undefined;
  if (d) return d;
  const rel = os.os_release;
  for (const w of [rel?.id ?? '', ...(rel?.id_like ?? [])]) if (BY_OS_RELEASE[w]) return BY_OS_RELEASE[w];
  return undefined;
}
