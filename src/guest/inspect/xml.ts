/**
 * The report as virt-inspector's XML (guestfs-tools inspector/inspector.c, validated by
 * virt-inspector.rng): same element names, order, sorting and omissions, so tools that read
 * virt-inspector output read this too. guestguard-only facts (services, users, ...) are not
 * part of that format; use JSON or YAML for them.
 *
 * Deliberate differences: Debian version/release are split at the last "-" as dpkg does
 * (libguestfs splits at the first), and Windows filesystems include the volumes of mapped
 * drive letters, not only the root.
 */
import type { PackageInfo } from '../packages/index.js';
import type { WindowsApplication } from '../windows/index.js';
import { cmp } from './os-filesystems.js';
import type { InspectionReport, OperatingSystem } from './types.js';

/** Characters XML 1.0 allows; anything else (NUL, most C0 controls, lone surrogates) is replaced. */
const INVALID_XML = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

export function escapeXmlText(s: string): string {
  return s.replace(INVALID_XML, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeXmlAttr(s: string): string {
  return escapeXmlText(s).replace(/"/g, '&quot;').replace(/\r/g, '&#13;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

class XmlWriter {
  private readonly out: string[] = ['<?xml version="1.0"?>'];
  private depth = 0;

  private pad(): string {
    return '  '.repeat(this.depth);
  }

  open(name: string, attrs: Record<string, string> = {}): void {
    this.out.push(`${this.pad()}<${name}${attrText(attrs)}>`);
    this.depth++;
  }

  close(name: string): void {
    this.depth--;
    this.out.push(`${this.pad()}</${name}>`);
  }

  /** <name>text</name>; an empty list's container is written <name/> as libxml2 does. */
  leaf(name: string, text: string, attrs: Record<string, string> = {}): void {
    this.out.push(`${this.pad()}<${name}${attrText(attrs)}>${escapeXmlText(text)}</${name}>`);
  }

  empty(name: string): void {
    this.out.push(`${this.pad()}<${name}/>`);
  }

  /** Writes a container with its children, or <name/> when there are none. */
  list<T>(name: string, items: T[], each: (item: T) => void): void {
    if (items.length === 0) return this.empty(name);
    this.open(name);
    for (const i of items) each(i);
    this.close(name);
  }

  toString(): string {
    return this.out.join('\n') + '\n';
  }
}

function attrText(attrs: Record<string, string>): string {
  return Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeXmlAttr(v)}"`)
    .join('');
}

export function reportToXml(report: InspectionReport): string {
  const w = new XmlWriter();
  w.list('operatingsystems', report.operating_systems, (os) => writeOs(w, os));
  return w.toString();
}

function writeOs(w: XmlWriter, os: OperatingSystem): void {
  const opt = (name: string, v: string | number | null | undefined) => {
    if (v !== null && v !== undefined && v !== '' && v !== 'unknown') w.leaf(name, String(v));
  };
  w.open('operatingsystem');
  w.leaf('root', os.root);
  opt('name', os.type);
  opt('arch', os.arch);
  opt('distro', os.distro);
  opt('product_name', os.product_name);
  if (os.type === 'windows') opt('product_variant', os.product_variant);
  w.leaf('major_version', String(os.major_version));
  w.leaf('minor_version', String(os.minor_version));
  opt('package_format', os.package_format);
  opt('package_management', os.package_management);
  if (os.type === 'windows') {
    opt('windows_systemroot', os.system_root_path);
    opt('windows_current_control_set', os.current_control_set);
  }
  opt('hostname', os.hostname);
  opt('osinfo', os.osinfo);

  // Windows has no fstab: libguestfs reports the root at "/" and the letters as drive_mappings.
  const mountpoints: [string, string][] = os.type === 'windows' ? [['/', os.root]] : Object.entries(os.mountpoints);
  w.list('mountpoints', mountpoints, ([mp, dev]) => w.leaf('mountpoint', mp, { dev }));
  w.list('filesystems', os.filesystems, (fs) => {
    w.open('filesystem', { dev: fs.device });
    opt('type', fs.type);
    opt('label', fs.label);
    opt('uuid', fs.uuid);
    w.close('filesystem');
  });
  if (os.type === 'windows') {
    const drives = Object.entries(os.mountpoints)
      .map(([letter, dev]) => [letter.replace(/:$/, ''), dev] as [string, string])
      .sort((a, b) => cmp(a[0].toLowerCase(), b[0].toLowerCase()));
    if (drives.length > 0) w.list('drive_mappings', drives, ([name, dev]) => w.leaf('drive_mapping', dev, { name }));
    if (os.applications !== null) w.list('applications', windowsApps(os.applications), (a) => writeApp(w, a));
  } else if (os.type === 'linux' && os.packages !== null) {
    w.list('applications', os.packages.map(packageApp).sort((a, b) => cmp(a.name, b.name)), (a) => writeApp(w, a));
  }
  w.close('operatingsystem');
}

/** guestfs_application2 fields virt-inspector prints, in its order. */
interface XmlApp {
  name: string;
  display_name?: string | undefined;
  epoch?: number | undefined;
  version?: string | undefined;
  release?: string | undefined;
  arch?: string | undefined;
  install_path?: string | undefined;
  publisher?: string | undefined;
  url?: string | undefined;
  source_package?: string | undefined;
  summary?: string | undefined;
  description?: string | undefined;
}

function packageApp(p: PackageInfo): XmlApp {
  return { name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch, url: p.url, source_package: p.source, summary: p.summary };
}

/** libguestfs lists only Uninstall keys with a DisplayName. */
function windowsApps(apps: WindowsApplication[]): XmlApp[] {
  return apps
    .filter((a) => a.display_name !== undefined && a.display_name !== '')
    .map((a) => ({ name: a.name, display_name: a.display_name, version: a.version, install_path: a.install_location, publisher: a.publisher, url: a.url }))
    .sort((a, b) => cmp(a.name, b.name));
}

function writeApp(w: XmlWriter, a: XmlApp): void {
  w.open('application');
  w.leaf('name', a.name);
  for (const k of ['display_name', 'epoch', 'version', 'release', 'arch', 'install_path', 'publisher', 'url', 'source_package', 'summary', 'description'] as const) {
    const v = a[k];
    if (v === undefined || v === '' || (k === 'epoch' && v === 0)) continue;
    w.leaf(k, String(v));
  }
  w.close('application');
}
