/**
 * Installed Debian packages: /var/lib/dpkg/status, the not-yet-merged journal entries in
 * /var/lib/dpkg/updates/ (which dpkg-query applies too), and the one-file-per-package
 * /var/lib/dpkg/status.d/ of distroless images. The install time is the mtime of the
 * package's file list in /var/lib/dpkg/info, which dpkg rewrites on every install/upgrade.
 */
import type { GuestFileSystem } from '../../fs/vfs.js';
import { parseDeb822, type Paragraph } from './deb822.js';
import { isFile, listDir, mtimesIn } from './guest-fs.js';
import { LIMITS, warn, type PackageInfo } from './types.js';

export const DPKG_STATUS = '/var/lib/dpkg/status';
export const DPKG_STATUS_D = '/var/lib/dpkg/status.d';
const DPKG_UPDATES = '/var/lib/dpkg/updates';
const DPKG_INFO = '/var/lib/dpkg/info';

/** Package states (third word of Status) in which files of the package are on disk. */
const PRESENT_STATES = new Set(['installed', 'half-configured', 'unpacked', 'half-installed', 'triggers-awaited', 'triggers-pending']);

export interface DebVersion {
  epoch: number;
  version: string;
  release: string;
}

/**
 * Splits "[epoch:]upstream[-revision]" the way dpkg does: the epoch ends at the first colon,
 * the Debian revision starts after the last hyphen; native packages have no revision.
 * Returns undefined for an epoch that is not a number.
 */
export function splitDebianVersion(v: string): DebVersion | undefined {
  let epoch = 0;
  let rest = v.trim();
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const e = rest.slice(0, colon);
    if (!/^\d{1,9}$/.test(e)) return undefined;
    epoch = Number(e);
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash < 0) return { epoch, version: rest, release: '' };
  return { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
}

export interface DpkgResult {
  packages: PackageInfo[];
  warnings: string[];
}

/** True when the guest has a dpkg database of either layout. */
export async function hasDpkg(view: GuestFileSystem): Promise<boolean> {
  return (await isFile(view, DPKG_STATUS)) || (await listDir(view, DPKG_STATUS_D)).length > 0;
}

export async function readDpkgPackages(view: GuestFileSystem): Promise<DpkgResult> {
  const warnings: string[] = [];
  // Records keyed by package:arch; later sources (journal updates) replace earlier ones.
  const records = new Map<string, { p: Paragraph; impliedInstalled: boolean }>();
  const addAll = (text: string, name: string, impliedInstalled: boolean) => {
    const parsed = parseDeb822(text, name);
    for (const w of parsed.warnings) warn(warnings, w);
    for (const p of parsed.paragraphs) {
      const pkg = p.get('package');
      if (!pkg) {
        warn(warnings, `${name}: paragraph without a Package field skipped`);
        continue;
      }
      records.set(`${pkg}:${p.get('architecture') ?? ''}`, { p, impliedInstalled });
    }
  };

  if (await isFile(view, DPKG_STATUS)) addAll((await view.readText(DPKG_STATUS, LIMITS.textDbBytes)) ?? '', DPKG_STATUS, false);
  // dpkg names its journal files with digits only and applies them in order.
  const updates = (await listDir(view, DPKG_UPDATES)).map((e) => e.name).filter((n) => /^\d+$/.test(n)).sort();
  for (const u of updates) {
    const path = `${DPKG_UPDATES}/${u}`;
    if (await isFile(view, path)) addAll((await view.readText(path, LIMITS.smallFileBytes)) ?? '', path, false);
  }
  // Distroless images keep one control paragraph per package (plus .md5sums files) and no Status.
  for (const e of await listDir(view, DPKG_STATUS_D)) {
    if (e.name.endsWith('.md5sums') || e.name.startsWith('.')) continue;
    const path = `${DPKG_STATUS_D}/${e.name}`;
    if (await isFile(view, path)) addAll((await view.readText(path, LIMITS.smallFileBytes)) ?? '', path, true);
  }

  const listTimes = await mtimesIn(view, DPKG_INFO, (n) => n.endsWith('.list'));
  const packages: PackageInfo[] = [];
  for (const { p, impliedInstalled } of records.values()) {
    const status = p.get('status');
    if (status === undefined ? !impliedInstalled : !PRESENT_STATES.has(status.split(/\s+/)[2] ?? '')) continue;
    const name = p.get('package')!;
    const rawVersion = p.get('version');
    const v = rawVersion === undefined ? undefined : splitDebianVersion(rawVersion);
    if (!v) {
      warn(warnings, `dpkg: package ${name} has an invalid version ${JSON.stringify(rawVersion ?? '')}; skipped`);
      continue;
    }
    const arch = p.get('architecture') ?? '';
    const pkg: PackageInfo = { name, epoch: v.epoch, version: v.version, release: v.release, arch };
    const summary = p.get('description')?.split('\n')[0];
    if (summary) pkg.summary = summary;
    const source = p.get('source')?.split(/\s+/)[0];
    if (source) pkg.source = source;
    const url = p.get('homepage');
    if (url) pkg.url = url;
    const kib = p.get('installed-size');
    if (kib && /^\d+$/.test(kib)) pkg.size = Number(kib) * 1024;
    if (status !== undefined) pkg.status = status;
    const installed = listTimes.get(`${name}:${arch}.list`) ?? listTimes.get(`${name}.list`);
    if (installed !== undefined) pkg.install_time = installed;
    packages.push(pkg);
  }
  return { packages, warnings };
}
