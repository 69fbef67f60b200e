/**
 * Installed kernels: images in /boot matched with their module trees in /lib/modules. For x86
 * bzImages the version is read from the image itself (the setup header's kernel_version
 * string), so kernels named without a version (Arch's vmlinuz-linux) are still identified.
 */
import { GuestReader, joinPath } from '../reader.js';
import { vercmp } from './vercmp.js';

export interface KernelInfo {
  /** Guest path of the image (/boot/vmlinuz-6.1.0-18-amd64). */
  path: string;
  /** Version: from the image header when readable, else from the file name suffix. */
  version: string | null;
  /** The full banner stored in an x86 bzImage ("6.1.0-18-amd64 (debian-kernel@...) #1 SMP ..."). */
  banner: string | null;
  initrd: string | null;
  config: string | null;
  /** /lib/modules/<version> when it exists. */
  modules_dir: string | null;
  size: number;
}

export interface KernelsInfo {
  kernels: KernelInfo[];
  /** Every /lib/modules/<version> directory, and whether a kernel image in /boot matches it. */
  module_trees: { version: string; path: string; has_image: boolean }[];
}

const IMAGE_RE = /^(vmlinuz|vmlinux|bzImage|zImage|Image|kernel|linux)(?:-(.+))?$/;
/** The kernel_version pointer lies in the setup code, well inside the first 64 KiB. */
const HEADER_READ = 64 * 1024;

/** Reads the version banner of an x86 bzImage (Linux boot protocol ≥ 2.00). */
export function bzImageBanner(head: Uint8Array): string | undefined {
  if (head.length < 0x210) return undefined;
  if (head[0x202] !== 0x48 || head[0x203] !== 0x64 || head[0x204] !== 0x72 || head[0x205] !== 0x53) return undefined; // "HdrS"
  const protocol = head[0x206]! | (head[0x207]! << 8);
  const ptr = head[0x20e]! | (head[0x20f]! << 8);
  if (protocol < 0x200 || ptr === 0) return undefined;
  const start = ptr + 0x200;
  if (start >= head.length) return undefined;
  let end = start;
  while (end < head.length && end - start < 512 && head[end] !== 0) end++;
  const s = new TextDecoder('latin1').decode(head.subarray(start, end)).trim();
  return /^\d+\.\d+/.test(s) ? s : undefined;
}

async function moduleDirs(reader: GuestReader): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const seen = new Set<string>();
  for (const base of ['/lib/modules', '/usr/lib/modules']) {
    const real = await reader.realpath(base);
    if (real === undefined || seen.has(real)) continue;
    seen.add(real);
    for (const d of await reader.readdir(base)) {
      const p = joinPath(base, d.name);
      if (!out.has(d.name) && (await reader.isDir(p))) out.set(d.name, p);
    }
  }
  return out;
}

export async function readKernels(reader: GuestReader): Promise<KernelsInfo> {
  const mods = await moduleDirs(reader);
  const bootNames = await reader.names('/boot');
  const bootSet = new Set(bootNames);
  const kernels: KernelInfo[] = [];
  for (const n of bootNames) {
    const m = IMAGE_RE.exec(n);
    if (!m || n.endsWith('.old') || /\.(sig|hmac|sha\d+)$/.test(n)) continue;
    const path = joinPath('/boot', n);
    const st = await reader.lstat(path);
    if (st?.type !== 'file') continue;
    const suffix = m[2] ?? null;
    const head = await reader.head(path, HEADER_READ);
    const banner = head ? (bzImageBanner(head) ?? null) : null;
    const version = banner ? banner.split(/\s+/)[0]! : suffix;
    const find = (cands: string[]) => cands.find((c) => bootSet.has(c)) ?? null;
    const initrd = suffix ? find([`initrd.img-${suffix}`, `initramfs-${suffix}.img`, `initrd-${suffix}`, `initrd-${suffix}.img`, `initramfs-${suffix}`]) : find(['initrd.img', 'initramfs.img', 'initrd']);
    const config = find([`config-${suffix ?? version}`, `config-${version}`]);
    kernels.push({
      path,
      version,
      banner,
      initrd: initrd ? joinPath('/boot', initrd) : null,
      config: config ? joinPath('/boot', config) : null,
      modules_dir: (version && mods.get(version)) || (suffix && mods.get(suffix)) || null,
      size: st.size,
    });
  }
  kernels.sort((a, b) => vercmp(b.version ?? '', a.version ?? ''));
  const imaged = new Set(kernels.map((k) => k.modules_dir).filter((x): x is string => x !== null));
  const module_trees: KernelsInfo['module_trees'] = [];
  for (const [version, path] of mods) {
    // Fedora and RHEL keep a copy of the image inside the module tree too.
    module_trees.push({ version, path, has_image: imaged.has(path) || (await reader.isFile(joinPath(path, 'vmlinuz'))) });
  }
  module_trees.sort((a, b) => vercmp(b.version, a.version));
  return { kernels, module_trees };
}
