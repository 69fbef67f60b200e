/**
 * libosinfo short ids for Windows, as libguestfs/virt-v2v derive them: the NT version, client
 * or server, and for NT 10.0 the build number (Windows 11 and Servers 2016-2025 all say 10.0).
 */
export interface OsinfoInput {
  major?: number | undefined;
  minor?: number | undefined;
  build?: number | undefined;
  variant?: 'client' | 'server' | undefined;
  productName?: string | undefined;
}

export function windowsOsinfo(v: OsinfoInput): string | undefined {
  const { major, minor } = v;
  if (major === undefined || minor === undefined) return undefined;
  const server = v.variant === 'server';
  const product = v.productName ?? '';
  switch (`${major}.${minor}`) {
    case '4.0':
      return 'winnt4.0';
    case '5.0':
      return 'win2k';
    case '5.1':
      return 'winxp';
    case '5.2':
      // NT 5.2 is Server 2003 (R2) and XP Professional x64.
      if (!server && /xp/i.test(product)) return 'winxp';
      return /\bR2\b/.test(product) ? 'win2k3r2' : 'win2k3';
    case '6.0':
      return server ? 'win2k8' : 'winvista';
    case '6.1':
      return server ? 'win2k8r2' : 'win7';
    case '6.2':
      return server ? 'win2k12' : 'win8';
    case '6.3':
      return server ? 'win2k12r2' : 'win8.1';
    case '10.0': {
      const build = v.build;
      if (!server) return build !== undefined && build >= 22000 ? 'win11' : 'win10';
      if (build === undefined) return undefined;
      if (build >= 26100) return 'win2k25';
      if (build >= 20348) return 'win2k22';
      if (build >= 17763) return 'win2k19';
      return 'win2k16';
    }
    default:
      return undefined;
  }
}
