/**
 * Alpine's installed database, /lib/apk/db/installed: one "X:value" line per field, packages
 * separated by blank lines. Package fields: P name, V version ("1.2.3-r4"), A arch, T
 * description, U url, L license, o origin (source package), m maintainer, t build time,
 * I installed size, S package size; F/R/a/M/Z lines describe the files and are skipped.
 * apk records no install time.
 */
import type { GuestFileSystem } from '../../fs/vfs.js';
import { isFile } from './guest-fs.js';
import { dbError, LIMITS, warn, type PackageInfo } from './types.js';

export const APK_INSTALLED = '/lib/apk/db/installed';

export function splitApkVersion(v: string): { version: string; release: string } {
  const m = /^(.*)-(r\d+)$/.exec(v);
  return m ? { version: m[1]!, release: m[2]! } : { version: v, release: '' };
}

export function parseApkInstalled(text: string, name = APK_INSTALLED): { packages: PackageInfo[]; warnings: string[] } {
  const packages: PackageInfo[] = [];
  const warnings: string[] = [];
  let fields = new Map<string, string>();
  let startLine = 1;
  const flush = (f: Map<string, string>) => {
    if (f.size === 0) return;
    const p = f.get('P');
    const v = f.get('V');
    if (!p || !v) {
      warn(warnings, `${name}:${startLine}: package entry without P: or V: skipped`);
      return;
    }
    const { version, release } = splitApkVersion(v);
    const pkg: PackageInfo = { name: p, epoch: 0, version, release, arch: f.get('A') ?? '' };
    const set = (key: 'summary' | 'url' | 'license' | 'source', value: string | undefined) => {
      if (value) pkg[key] = value;
    };
    set('summary', f.get('T'));
    set('url', f.get('U'));
    set('license', f.get('L'));
    set('source', f.get('o'));
    const built = f.get('t');
    if (built && /^\d+$/.test(built)) pkg.build_time = Number(built);
    const size = f.get('I');
    if (size && /^\d+$/.test(size)) pkg.size = Number(size);
    packages.push(pkg);
    if (packages.length > LIMITS.packages) throw dbError('LIMIT_EXCEEDED', `${name} lists more than ${LIMITS.packages} packages`);
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (line === '') {
      flush(fields);
      fields = new Map();
      startLine = i + 2;
      continue;
    }
    if (line.length < 2 || line[1] !== ':') {
      warn(warnings, `${name}:${i + 1}: not a "X:value" line`);
      continue;
    }
    // The first occurrence wins: file lines (which reuse letters like a:) follow the package fields.
    if (!fields.has(line[0]!)) fields.set(line[0]!, line.slice(2));
  }
  flush(fields);
  return { packages, warnings };
}

export async function readApkPackages(view: GuestFileSystem): Promise<{ packages: PackageInfo[]; warnings: string[] } | undefined> {
  if (!(await isFile(view, APK_INSTALLED))) return undefined;
  return parseApkInstalled((await view.readText(APK_INSTALLED, LIMITS.textDbBytes)) ?? '');
}
