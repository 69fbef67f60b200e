/**
 * How a Linux guest boots: installed kernels, the boot loader and its configured entries, the
 * entry that boots by default with its kernel command line, and BIOS vs UEFI evidence.
 */
import type { GuestFileSystem } from '../../../fs/vfs.js';
import { GuestReader, joinPath, lines } from '../reader.js';
import { globToRegExp, parseShellVars } from '../text.js';
import { expandGrubVars, readBlsEntries, type BlsEntry } from './bls.js';
import { parseGrubCfg, type GrubMenuEntry } from './grub-cfg.js';
import { readKernels, type KernelInfo, type KernelsInfo } from './kernels.js';
import { parseGrubLegacy, parseSyslinux, type SimpleMenu } from './legacy.js';

export type { BlsEntry } from './bls.js';
export type { KernelInfo, KernelsInfo } from './kernels.js';
export { vercmp } from './vercmp.js';
export { bzImageBanner } from './kernels.js';
export { parseGrubCfg } from './grub-cfg.js';
export { parseBlsEntry } from './bls.js';

export type Bootloader = 'grub2' | 'grub-legacy' | 'systemd-boot' | 'extlinux' | 'syslinux' | 'unknown';

export interface BootEntry {
  source: 'grub' | 'bls' | 'systemd-boot' | 'grub-legacy' | 'syslinux';
  /** Position in the top-level menu (submenu entries: "2>0"). */
  index: string;
  title: string | null;
  id: string | null;
  /** Kernel path as the boot loader names it (relative to the partition it reads, often /boot). */
  kernel: string | null;
  /** That kernel as a guest path, when it exists (/vmlinuz-x on a separate /boot is /boot/vmlinuz-x). */
  kernel_path: string | null;
  initrd: string[];
  /** Kernel command line with GRUB variables expanded. */
  cmdline: string | null;
  /** File defining the entry (grub.cfg, a BLS entry file, ...). */
  file: string;
}

export interface GrubInfo {
  config: string;
  env_file: string | null;
  /** grubenv variables (saved_entry, next_entry, kernelopts, ...). */
  env: Record<string, string>;
  /** The effective `set default=` value before expansion ("0", "${saved_entry}", an id). */
  default_setting: string | null;
  /** The default after expanding saved_entry. */
  default_resolved_from: string | null;
  uses_bls: boolean;
  timeout: string | null;
}

export interface EspInfo {
  mount_point: string;
  device: string;
  fs_type: string;
}

export interface LinuxBoot {
  kernels: KernelInfo[];
  module_trees: KernelsInfo['module_trees'];
  bootloader: Bootloader;
  grub: GrubInfo | null;
  /** Top-level boot menu, in menu order (submenu children follow their submenu). */
  entries: BootEntry[];
  default_entry: BootEntry | null;
  /** The default entry's kernel command line. */
  kernel_cmdline: string | null;
  /** /etc/default/grub (plus /etc/default/grub.d/*.cfg): what the next grub-mkconfig will write. */
  grub_defaults: { files: string[]; values: Record<string, string> } | null;
  /** /etc/kernel/cmdline (kernel-install, UKIs). */
  kernel_cmdline_file: string | null;
  firmware: 'uefi' | 'bios' | 'hybrid' | 'unknown';
  firmware_evidence: string[];
  esp: EspInfo | null;
  /** EFI executables under EFI/ on the ESP (grubx64.efi, shimx64.efi, BOOTX64.EFI, ...). */
  efi_binaries: string[];
}

const GRUB_CFGS = ['/boot/grub/grub.cfg', '/boot/grub2/grub.cfg'];
const ESP_DIRS = ['/boot/efi', '/efi', '/boot'];

async function readGrubenv(reader: GuestReader, path: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const text = await reader.text(path, 64 * 1024);
  for (const l of lines(text ?? '')) {
    if (l.startsWith('#') || l === '') continue;
    const eq = l.indexOf('=');
    if (eq > 0) out[l.slice(0, eq)] = l.slice(eq + 1);
  }
  return out;
}

/** EFI executables under <dir>/EFI/*, matched case-insensitively (FAT keeps any case). */
async function efiBinaries(reader: GuestReader): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const base of ESP_DIRS) {
    const efi = (await reader.names(base)).find((n) => n.toUpperCase() === 'EFI');
    if (!efi) continue;
    const efiDir = joinPath(base, efi);
    const real = (await reader.realpath(efiDir)) ?? efiDir;
    if (seen.has(real)) continue;
    seen.add(real);
    for (const vendor of await reader.names(efiDir)) {
      const vdir = joinPath(efiDir, vendor);
      if (!(await reader.isDir(vdir))) continue;
      for (const f of await reader.names(vdir)) if (f.toLowerCase().endsWith('.efi')) out.push(joinPath(vdir, f));
    }
  }
  return out;
}

function findEsp(reader: GuestReader): EspInfo | null {
  for (const m of reader.view.mountList) {
    if (ESP_DIRS.includes(m.path) && (m.fs.type === 'vfat' || m.fs.type === 'fat')) return { mount_point: m.path, device: m.device, fs_type: m.fs.type };
  }
  return null;
}

export async function inspectLinuxBoot(src: GuestFileSystem | GuestReader): Promise<LinuxBoot> {
  const reader = GuestReader.of(src);
  return reader.once('boot', () => loadBoot(reader));
}

async function loadBoot(reader: GuestReader): Promise<LinuxBoot> {
  const { kernels, module_trees } = await readKernels(reader);
  const out: LinuxBoot = {
    kernels,
    module_trees,
    bootloader: 'unknown',
    grub: null,
    entries: [],
    default_entry: null,
    kernel_cmdline: null,
    grub_defaults: await readGrubDefaults(reader),
    kernel_cmdline_file: ((await reader.text('/etc/kernel/cmdline', 64 * 1024)) ?? '').trim() || null,
    firmware: 'unknown',
    firmware_evidence: [],
    esp: findEsp(reader),
    efi_binaries: await efiBinaries(reader),
  };

  let defaultIdx = -1;
  const grubCfg = await firstFile(reader, [...GRUB_CFGS, ...(await efiGrubCfgs(reader, out.efi_binaries))]);
  const loaderConf = await firstFile(reader, ['/boot/efi/loader/loader.conf', '/efi/loader/loader.conf', '/boot/loader/loader.conf']);
  const sdBoot = out.efi_binaries.some((b) => /systemd-boot/i.test(b)) && !out.efi_binaries.some((b) => /grub/i.test(b));
  if (grubCfg && !(sdBoot && loaderConf)) {
    out.bootloader = 'grub2';
    defaultIdx = await grub2(reader, grubCfg, out);
  } else if (loaderConf) {
    out.bootloader = 'systemd-boot';
    defaultIdx = await systemdBoot(reader, loaderConf, out);
  } else {
    const legacy = await firstFile(reader, ['/boot/grub/menu.lst', '/boot/grub/grub.conf']);
    const sys = await firstFile(reader, ['/boot/extlinux/extlinux.conf', '/boot/extlinux.conf', '/extlinux.conf', '/boot/syslinux/syslinux.cfg', '/syslinux.cfg']);
    if (legacy) {
      out.bootloader = 'grub-legacy';
      defaultIdx = simpleMenu(out, legacy, 'grub-legacy', parseGrubLegacy((await reader.text(legacy)) ?? ''));
    } else if (sys) {
      out.bootloader = sys.includes('extlinux') ? 'extlinux' : 'syslinux';
      defaultIdx = simpleMenu(out, sys, 'syslinux', parseSyslinux((await reader.text(sys)) ?? ''));
    }
  }
  for (const e of out.entries) e.kernel_path = await guestKernelPath(reader, e.kernel);
  out.default_entry = defaultIdx >= 0 ? (out.entries[defaultIdx] ?? null) : null;
  out.kernel_cmdline = out.default_entry?.cmdline ?? null;
  await firmware(reader, out);
  return out;
}

/** Boot loaders name kernels relative to the filesystem they read; /boot is often its own. */
async function guestKernelPath(reader: GuestReader, kernel: string | null): Promise<string | null> {
  if (!kernel) return null;
  const p = kernel.replace(/^\([^)]*\)/, '');
  if (!p.startsWith('/')) return null;
  for (const cand of p.startsWith('/boot/') ? [p] : [`/boot${p}`, p]) if (await reader.isFile(cand)) return cand;
  return null;
}

async function firstFile(reader: GuestReader, paths: string[]): Promise<string | undefined> {
  for (const p of paths) if (await reader.isFile(p)) return p;
  return undefined;
}

/** grub.cfg files next to GRUB EFI binaries (used when /boot/grub*\/grub.cfg does not exist). */
async function efiGrubCfgs(reader: GuestReader, binaries: string[]): Promise<string[]> {
  const dirs = [...new Set(binaries.filter((b) => /grub|shim/i.test(b)).map((b) => b.slice(0, b.lastIndexOf('/'))))];
  const out: string[] = [];
  for (const d of dirs) for (const n of await reader.names(d)) if (n.toLowerCase() === 'grub.cfg') out.push(joinPath(d, n));
  return out;
}

async function readGrubDefaults(reader: GuestReader): Promise<LinuxBoot['grub_defaults']> {
  const files: string[] = [];
  // The files are sourced in order by grub-mkconfig, so later ones can extend earlier values.
  let vars = new Map<string, string>();
  const add = async (p: string) => {
    const t = await reader.text(p);
    if (t === undefined) return;
    files.push(p);
    vars = parseShellVars(t, { expand: true, initial: vars });
  };
  await add('/etc/default/grub');
  for (const n of await reader.names('/etc/default/grub.d')) if (n.endsWith('.cfg')) await add(joinPath('/etc/default/grub.d', n));
  return files.length > 0 ? { files, values: Object.fromEntries(vars) } : null;
}

async function grub2(reader: GuestReader, cfgPath: string, out: LinuxBoot): Promise<number> {
  const cfg = parseGrubCfg((await reader.text(cfgPath)) ?? '');
  const dir = cfgPath.slice(0, cfgPath.lastIndexOf('/'));
  const envFile = (await firstFile(reader, [joinPath(dir, 'grubenv'), '/boot/grub/grubenv', '/boot/grub2/grubenv'])) ?? null;
  const env = envFile ? await readGrubenv(reader, envFile) : {};
  const vars = { ...cfg.vars, ...env };
  const usesBls = cfg.menu.some((m) => m.kind === 'blscfg');
  // Items of the top-level menu: BLS entries take the place of the blscfg command.
  type Item = { entry: BootEntry; children: BootEntry[]; grub?: GrubMenuEntry };
  const items: Item[] = [];
  for (const m of cfg.menu) {
    if (m.kind === 'blscfg') {
      for (const b of await readBlsEntries(reader, '/boot/loader/entries')) items.push({ entry: blsToEntry(b, 'bls', vars), children: [] });
    } else items.push({ entry: grubToEntry(m, cfgPath), children: m.children.map((c) => grubToEntry(c, cfgPath)), grub: m });
  }
  items.forEach((it, i) => {
    it.entry.index = String(i);
    it.children.forEach((c, j) => (c.index = `${i}>${j}`));
  });
  out.entries = items.flatMap((it) => [it.entry, ...it.children]);

  // The boot-once branch (next_entry) is not the default; the other assignment is.
  const setting = [...cfg.defaults].reverse().find((d) => !/next_entry/.test(d.value))?.value ?? null;
  let value = setting ?? '0';
  if (/\$\{?saved_entry\}?/.test(value)) value = value.replace(/\$\{?saved_entry\}?/, env['saved_entry'] ?? '');
  if (value === '') value = '0';
  out.grub = { config: cfgPath, env_file: envFile, env, default_setting: setting, default_resolved_from: value, uses_bls: usesBls, timeout: cfg.timeout };

  // "N", "id", "title", or a submenu path "a>b"; GRUB falls back to entry 0 when nothing matches.
  const parts = value.split('>');
  const find = (list: BootEntry[], key: string) => (/^\d+$/.test(key) ? Number(key) : list.findIndex((e) => e.id === key || e.title === key));
  const top = find(
    items.map((it) => it.entry),
    parts[0]!,
  );
  let chosen: BootEntry | undefined;
  if (top >= 0 && top < items.length) {
    const it = items[top]!;
    if (parts.length > 1 && it.children.length > 0) {
      const c = find(it.children, parts[1]!);
      chosen = c >= 0 ? it.children[c] : undefined;
    } else chosen = it.children.length > 0 && it.grub?.kind === 'submenu' ? it.children[0] : it.entry;
  }
  chosen ??= items[0]?.entry;
  return chosen ? out.entries.indexOf(chosen) : -1;
}

function grubToEntry(m: GrubMenuEntry, file: string): BootEntry {
  return { source: 'grub', index: '', title: m.title, id: m.id, kernel: m.linux, kernel_path: null, initrd: m.initrd, cmdline: m.kind === 'submenu' ? null : (m.args ?? null), file };
}

function blsToEntry(b: BlsEntry, source: 'bls' | 'systemd-boot', env: Record<string, string>): BootEntry {
  return { source, index: '', title: b.title, id: b.id, kernel: b.linux, kernel_path: null, initrd: b.initrd, cmdline: b.options === null ? null : expandGrubVars(b.options, env), file: b.path };
}

async function systemdBoot(reader: GuestReader, loaderConf: string, out: LinuxBoot): Promise<number> {
  const conf = (await reader.text(loaderConf)) ?? '';
  const def = /^\s*default\s+(\S+)/m.exec(conf)?.[1];
  const espRoot = loaderConf.slice(0, loaderConf.indexOf('/loader/'));
  const entries = [...(await readBlsEntries(reader, joinPath(espRoot, 'loader/entries')))];
  if (espRoot !== '/boot') entries.push(...(await readBlsEntries(reader, '/boot/loader/entries')));
  out.entries = entries.map((b, i) => ({ ...blsToEntry(b, 'systemd-boot', {}), index: String(i) }));
  if (def === undefined) return out.entries.length > 0 ? 0 : -1;
  const re = globToRegExp(def);
  const i = out.entries.findIndex((e) => re.test(`${e.id}.conf`) || re.test(e.id ?? ''));
  return i >= 0 ? i : out.entries.length > 0 ? 0 : -1;
}

function simpleMenu(out: LinuxBoot, file: string, source: 'grub-legacy' | 'syslinux', menu: SimpleMenu): number {
  out.entries = menu.entries.map((e, i) => ({ source, index: String(i), title: e.title, id: null, kernel: e.kernel, kernel_path: null, initrd: e.initrd, cmdline: e.args, file }));
  return menu.default_index;
}

async function firmware(reader: GuestReader, out: LinuxBoot): Promise<void> {
  const ev = out.firmware_evidence;
  if (out.esp) ev.push(`ESP (${out.esp.fs_type}) mounted at ${out.esp.mount_point}`);
  for (const b of out.efi_binaries) ev.push(`EFI binary ${b}`);
  for (const d of ['/boot/grub/x86_64-efi', '/boot/grub/arm64-efi', '/boot/grub2/x86_64-efi', '/boot/grub2/arm64-efi']) if (await reader.isDir(d)) ev.push(`GRUB EFI modules ${d}`);
  const uefi = ev.length > 0;
  const bios: string[] = [];
  for (const d of ['/boot/grub/i386-pc', '/boot/grub2/i386-pc']) if (await reader.isDir(d)) bios.push(`GRUB BIOS modules ${d}`);
  for (const f of ['/boot/extlinux/ldlinux.sys', '/boot/syslinux/ldlinux.sys', '/boot/grub/stage2']) if (await reader.isFile(f)) bios.push(`BIOS boot file ${f}`);
  ev.push(...bios);
  out.firmware = uefi && bios.length > 0 ? 'hybrid' : uefi ? 'uefi' : bios.length > 0 ? 'bios' : 'unknown';
}
