/** GRUB legacy (menu.lst / grub.conf) and SYSLINUX/EXTLINUX configuration: menu entries and the default. */
import { lines } from '../reader.js';

export interface SimpleMenu {
  entries: { title: string; kernel: string | null; args: string | null; initrd: string[]; line: number }[];
  /** Index of the default entry, or -1 when the default names no entry. */
  default_index: number;
}

/** GRUB 0.9x: "default N", "title ...", "kernel PATH ARGS", "initrd PATH". */
export function parseGrubLegacy(text: string): SimpleMenu {
  const menu: SimpleMenu = { entries: [], default_index: 0 };
  let def = '0';
  const ls = lines(text);
  for (let i = 0; i < ls.length && menu.entries.length < 10_000; i++) {
    const t = ls[i]!.replace(/#.*$/, '').trim();
    const m = /^([A-Za-z_]+)[\s=]*(.*)$/.exec(t);
    if (!m) continue;
    const kw = m[1]!.toLowerCase();
    const rest = m[2]!.trim();
    const cur = menu.entries[menu.entries.length - 1];
    if (kw === 'default') def = rest;
    else if (kw === 'title') menu.entries.push({ title: rest, kernel: null, args: null, initrd: [], line: i + 1 });
    else if (kw === 'kernel' && cur) {
      const [k, ...args] = rest.split(/\s+/);
      // "(hd0,0)/vmlinuz-..." names the file relative to a GRUB device.
      cur.kernel = (k ?? '').replace(/^\([^)]*\)/, '');
      cur.args = args.join(' ');
    } else if (kw === 'initrd' && cur) cur.initrd.push(rest.replace(/^\([^)]*\)/, ''));
  }
  const n = /^\d+$/.test(def) ? Number(def) : 0;
  menu.default_index = n < menu.entries.length ? n : -1;
  return menu;
}

/**
 * SYSLINUX/EXTLINUX: "DEFAULT label", "LABEL x", "KERNEL|LINUX path", "APPEND args",
 * "INITRD path". With a menu module as DEFAULT (menu.c32, as Alpine writes it) the label
 * marked "MENU DEFAULT" boots, else the first one.
 */
export function parseSyslinux(text: string): SimpleMenu & { labels: string[] } {
  const menu = { entries: [] as SimpleMenu['entries'], default_index: 0, labels: [] as string[] };
  let def: string | undefined;
  let menuDefault = -1;
  const ls = lines(text);
  for (let i = 0; i < ls.length && menu.entries.length < 10_000; i++) {
    const t = ls[i]!.replace(/^\s*#.*$/, '').trim();
    const m = /^(\S+)\s*(.*)$/.exec(t);
    if (!m) continue;
    const kw = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    const cur = menu.entries[menu.entries.length - 1];
    if (kw === 'DEFAULT') def = rest.split(/\s+/)[0];
    else if (kw === 'LABEL') {
      menu.entries.push({ title: rest, kernel: null, args: null, initrd: [], line: i + 1 });
      menu.labels.push(rest);
    } else if (cur && kw === 'MENU' && /^LABEL\s/i.test(rest)) cur.title = rest.slice(6).trim();
    else if (cur && kw === 'MENU' && /^DEFAULT$/i.test(rest)) menuDefault = menu.entries.length - 1;
    else if (cur && (kw === 'KERNEL' || kw === 'LINUX')) cur.kernel = rest;
    else if (cur && kw === 'APPEND') {
      const initrd = /(?:^|\s)initrd=(\S+)/.exec(rest);
      if (initrd) cur.initrd.push(...initrd[1]!.split(','));
      cur.args = rest.replace(/(?:^|\s)initrd=\S+/, '').trim();
    } else if (cur && kw === 'INITRD') cur.initrd.push(...rest.split(','));
  }
  const named = def === undefined ? -1 : menu.labels.indexOf(def);
  menu.default_index = named >= 0 ? named : menuDefault >= 0 ? menuDefault : menu.entries.length > 0 && (def === undefined || /\.c32$/i.test(def)) ? 0 : -1;
  return menu;
}
