/**
 * Enough of GRUB 2's script language to read generated grub.cfg files: menuentry/submenu
 * blocks (title, --id / $menuentry_id_option, linux and initrd lines), `set default=` and other
 * top-level `set` assignments, and the `blscfg` command that makes GRUB read Boot Loader
 * Specification entries (Fedora, RHEL 8+).
 */
import { lines } from '../reader.js';

export interface GrubMenuEntry {
  kind: 'menuentry' | 'submenu';
  title: string;
  id: string | null;
  /** Kernel path and arguments of the `linux`/`linuxefi`/`linux16` line. */
  linux: string | null;
  args: string | null;
  initrd: string[];
  line: number;
  children: GrubMenuEntry[];
}

export interface GrubConfig {
  /** Top-level menu, in order; a `blscfg` command appears as a placeholder entry of kind "blscfg". */
  menu: (GrubMenuEntry | { kind: 'blscfg'; line: number })[];
  /** Every `set default=VALUE` outside menu entries, in file order. */
  defaults: { value: string; line: number }[];
  /** Top-level `set NAME=VALUE` assignments (last wins), for $var expansion in BLS options. */
  vars: Record<string, string>;
  timeout: string | null;
}

const MAX_DEPTH = 32;
const MAX_ENTRIES = 10_000;

/** Splits a GRUB command line into words, honouring quotes and backslashes. */
export function grubWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      cur += end < 0 ? s.slice(i + 1) : s.slice(i + 1, end);
      i = end < 0 ? s.length : end;
      inWord = true;
    } else if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length && '$"\\\n'.includes(s[i + 1]!)) i++;
        cur += s[i];
        i++;
      }
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else if (c === '#' && !inWord) {
      break;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

export function parseGrubCfg(text: string): GrubConfig {
  const cfg: GrubConfig = { menu: [], defaults: [], vars: {}, timeout: null };
  // Stack of open blocks: menu entries collect commands; "other" covers function bodies.
  const stack: (GrubMenuEntry | 'other')[] = [];
  let count = 0;
  const ls = lines(text);
  for (let i = 0; i < ls.length; i++) {
    const lineNo = i + 1;
    const raw = ls[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    // Statements may be separated by ";" ("if ...; then"), which matters only for set/blscfg here.
    const words = grubWords(raw);
    if (words.length === 0) continue;
    const cmd = words[0]!;
    const top = stack[stack.length - 1];
    if ((cmd === 'menuentry' || cmd === 'submenu') && raw.endsWith('{')) {
      const args = words.slice(1, words[words.length - 1] === '{' ? -1 : undefined);
      const entry: GrubMenuEntry = { kind: cmd, title: args[0] ?? '', id: idOf(args), linux: null, args: null, initrd: [], line: lineNo, children: [] };
      if (++count > MAX_ENTRIES || stack.length >= MAX_DEPTH) break;
      const parent = stack.filter((s): s is GrubMenuEntry => s !== 'other').pop();
      if (parent && parent.kind === 'submenu') parent.children.push(entry);
      else if (!parent) cfg.menu.push(entry);
      stack.push(entry);
      continue;
    }
    if (raw.endsWith('{') && /^(function\s+\S+|\S+\s*\(\))/.test(raw)) {
      if (stack.length >= MAX_DEPTH) break;
      stack.push('other');
      continue;
    }
    if (raw === '}' || raw.startsWith('}')) {
      stack.pop();
      continue;
    }
    const inMenu = stack.some((s) => s !== 'other');
    if (top && top !== 'other' && top.kind === 'menuentry') {
      if (/^linux(16|efi)?$/.test(cmd) && words[1]) {
        top.linux = words[1];
        top.args = words.slice(2).join(' ');
      } else if (/^initrd(16|efi)?$/.test(cmd)) top.initrd.push(...words.slice(1));
      continue;
    }
    if (inMenu || stack.includes('other')) continue;
    for (const stmt of splitStatements(words)) {
      if (stmt[0] === 'set' && stmt[1]) {
        const eq = stmt[1].indexOf('=');
        if (eq <= 0) continue;
        const name = stmt[1].slice(0, eq);
        const value = stmt[1].slice(eq + 1);
        if (name === 'default') cfg.defaults.push({ value, line: lineNo });
        else if (name === 'timeout') cfg.timeout = value;
        else cfg.vars[name] = value;
      } else if (stmt[0] === 'blscfg') cfg.menu.push({ kind: 'blscfg', line: lineNo });
    }
  }
  return cfg;
}

/** Words of one line split at ";" and shell keywords, so "else set default=0" yields the set. */
function splitStatements(words: string[]): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const w of words) {
    const parts = w.split(';');
    parts.forEach((p, k) => {
      if (p !== '') cur.push(p);
      if (k < parts.length - 1) {
        out.push(cur);
        cur = [];
      }
    });
  }
  out.push(cur);
  return out.map((s) => {
    while (s.length > 0 && ['if', 'then', 'else', 'elif', 'fi', 'do', 'done', '!'].includes(s[0]!)) s.shift();
    return s;
  });
}

function idOf(args: string[]): string | null {
  for (let i = 0; i < args.length - 1; i++) {
    if (args[i] === '--id' || args[i] === '$menuentry_id_option' || args[i] === '${menuentry_id_option}') return args[i + 1]!;
  }
  return null;
}
