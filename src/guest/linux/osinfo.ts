/**
 * libosinfo short id of a Linux guest, derived exactly as libguestfs's
 * guestfs_inspect_get_osinfo (lib/inspect-osinfo.c) derives it from distro and version.
 * Returns null where libguestfs returns "unknown".
 */
export function linuxOsinfo(distro: string | null, major: number, minor: number): string | null {
  if (distro === null || distro === 'unknown') return null;
  switch (distro) {
    case 'centos':
      if (major >= 8) return `centos${major}`;
      if (major === 7) return `centos${major}.0`;
      if (major === 6) return `centos${major}.${minor}`;
      break;
    case 'circle':
    case 'rocky':
      if (major >= 8) return `${distro}${major}`;
      break;
    case 'debian':
      if (major >= 4) return `debian${major}`;
      break;
    case 'fedora':
    case 'mageia':
      return `${distro}${major}`;
    case 'sles': {
      const base = major >= 15 ? 'sle' : 'sles';
      return minor === 0 ? `${base}${major}` : `${base}${major}sp${minor}`;
    }
    case 'ubuntu':
      return `ubuntu${major}.${String(minor).padStart(2, '0')}`;
    case 'archlinux':
    case 'gentoo':
    case 'voidlinux':
      return distro;
    case 'altlinux':
      return major >= 8 ? `alt${major}.${minor}` : `altlinux${major}.${minor}`;
  }
  if (major > 0 || minor > 0) return `${distro}${major}.${minor}`;
  return null;
}
