/**
 * Test support for the hive reader (not shipped): a minimal empty hive written from the
 * documented regf layout, hivexregedit to fill it (so real hivex code writes every key, value,
 * list and data cell), hivexregedit --export as the oracle, and re-layout helpers that turn
 * hivex's structures into the ones hivex never writes but Windows does (ri index roots, li/lf
 * lists, db big-data records). hivex reads all of those, so the oracle still applies after.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseBlockChecksum } from './base-block.js';

const PAGE = 4096;

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** Root key name Windows gives freshly created hives. */
export const DEFAULT_ROOT_NAME = 'CMI-CreateHive{2A7FB991-7BBE-4F9D-B91E-7CB51D4737F5}';

/**
 * A valid hive with just a root key (which has a security cell, as hivex requires of a parent)
 * and one 4 KiB hive bin.
 */
export function emptyHive(opts: { rootName?: string; minor?: number; fileName?: string } = {}): Buffer {
  const rootName = opts.rootName ?? DEFAULT_ROOT_NAME;
  const buf = Buffer.alloc(2 * PAGE);
  const hb = PAGE;
  buf.write('hbin', hb, 'latin1');
  buf.writeUInt32LE(0, hb + 4);
  buf.writeUInt32LE(PAGE, hb + 8);
  const filetime = 133000000000000000n; // 2022-06-15
  buf.writeBigUInt64LE(filetime, hb + 20);

  const nkRel = 0x20;
  const nkSize = align8(4 + 76 + rootName.length);
  const skRel = nkRel + nkSize;
  const sd = Buffer.from([1, 0, 0x04, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // self-relative, NULL DACL
  const skSize = align8(4 + 20 + sd.length);
  const freeRel = skRel + skSize;

  let c = PAGE + nkRel;
  buf.writeInt32LE(-nkSize, c);
  buf.write('nk', c + 4, 'latin1');
  buf.writeUInt16LE(0x2c, c + 6); // HIVE_ENTRY | NO_DELETE | COMP_NAME
  buf.writeBigUInt64LE(filetime, c + 8);
  buf.writeUInt32LE(0xffffffff, c + 20); // parent
  buf.writeUInt32LE(0xffffffff, c + 32); // subkey list
  buf.writeUInt32LE(0xffffffff, c + 36); // volatile subkey list
  buf.writeUInt32LE(0xffffffff, c + 44); // value list
  buf.writeUInt32LE(skRel, c + 48);
  buf.writeUInt32LE(0xffffffff, c + 52); // class name
  buf.writeUInt16LE(rootName.length, c + 76);
  buf.write(rootName, c + 80, 'latin1');

  c = PAGE + skRel;
  buf.writeInt32LE(-skSize, c);
  buf.write('sk', c + 4, 'latin1');
  buf.writeUInt32LE(skRel, c + 8); // flink: the only entry of its list
  buf.writeUInt32LE(skRel, c + 12); // blink
  buf.writeUInt32LE(1, c + 16); // reference count
  buf.writeUInt32LE(sd.length, c + 20);
  sd.copy(buf, c + 24);

  buf.writeInt32LE(PAGE - freeRel, PAGE + freeRel);

  buf.write('regf', 0, 'latin1');
  buf.writeUInt32LE(1, 4);
  buf.writeUInt32LE(1, 8);
  buf.writeBigUInt64LE(filetime, 12);
  buf.writeUInt32LE(1, 20);
  buf.writeUInt32LE(opts.minor ?? 5, 24);
  buf.writeUInt32LE(0, 28); // primary file
  buf.writeUInt32LE(1, 32); // direct memory load
  buf.writeUInt32LE(nkRel, 36);
  buf.writeUInt32LE(PAGE, 40);
  buf.writeUInt32LE(1, 44); // clustering factor
  buf.write((opts.fileName ?? 'emptyhive').slice(0, 31), 48, 'utf16le');
  fixChecksum(buf);
  return buf;
}

export function fixChecksum(buf: Buffer): void {
  buf.writeUInt32LE(baseBlockChecksum(buf.subarray(0, 512)).plain, 508);
}

// ---- .reg text -------------------------------------------------------------------------

export type RegValueSpec =
  | { name: string; sz: string }
  | { name: string; expand: string }
  | { name: string; multi: string[] }
  | { name: string; dword: number }
  | { name: string; dwordBE: number }
  | { name: string; qword: bigint }
  | { name: string; binary: Uint8Array }
  | { name: string; none: Uint8Array }
  | { name: string; type: number; bytes: Uint8Array };

export interface RegKeySpec {
  /** Path below the hive root, "\\"-separated. */
  path: string;
  values?: RegValueSpec[];
}

function utf16z(s: string): Uint8Array {
  return Buffer.from(s + '\0', 'utf16le');
}

/** The type and bytes a value spec stands for (the same bytes the oracle must return). */
export function specBytes(v: RegValueSpec): { type: number; bytes: Uint8Array } {
  if ('sz' in v) return { type: 1, bytes: utf16z(v.sz) };
  if ('expand' in v) return { type: 2, bytes: utf16z(v.expand) };
  if ('multi' in v) return { type: 7, bytes: Buffer.from(v.multi.map((s) => s + '\0').join('') + '\0', 'utf16le') };
  if ('dword' in v) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v.dword >>> 0);
    return { type: 4, bytes: b };
  }
  if ('dwordBE' in v) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v.dwordBE >>> 0);
    return { type: 5, bytes: b };
  }
  if ('qword' in v) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v.qword);
    return { type: 11, bytes: b };
  }
  if ('binary' in v) return { type: 3, bytes: v.binary };
  if ('none' in v) return { type: 0, bytes: v.none };
  return { type: v.type, bytes: v.bytes };
}

function quote(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(',');
}

/** A .reg file (every value written as hex(type) so bytes are exact) for hivexregedit --merge. */
export function regFile(keys: RegKeySpec[], prefix = 'HKEY_LOCAL_MACHINE\\TEST'): string {
  const lines = ['Windows Registry Editor Version 5.00', ''];
  // hivexregedit creates one level at a time: every ancestor must come before its children.
  const seen = new Set<string>();
  const ordered: RegKeySpec[] = [];
  for (const k of keys) {
    const parts = k.path.split('\\').filter((p) => p.length > 0);
    for (let i = 1; i < parts.length; i++) {
      const anc = parts.slice(0, i).join('\\');
      if (!seen.has(anc.toUpperCase())) {
        seen.add(anc.toUpperCase());
        ordered.push({ path: anc });
      }
    }
    seen.add(k.path.toUpperCase());
    ordered.push(k);
  }
  for (const k of ordered) {
    lines.push(`[${prefix}${k.path ? '\\' + k.path : ''}]`);
    for (const v of k.values ?? []) {
      const { type, bytes } = specBytes(v);
      lines.push(`${v.name === '' ? '@' : quote(v.name)}=hex(${type.toString(16)}):${hexBytes(bytes)}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

export function hivexMerge(hivePath: string, reg: string, prefix = 'HKEY_LOCAL_MACHINE\\TEST'): void {
  // The .reg file goes elsewhere: the hive may sit inside a tree that becomes a guest image.
  const tmp = mkdtempSync(join(tmpdir(), 'gg-reg-'));
  try {
    const regPath = join(tmp, 'merge.reg');
    writeFileSync(regPath, reg, 'utf8');
    execFileSync('hivexregedit', ['--merge', '--prefix', prefix, hivePath, regPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ---- oracle --------------------------------------------------------------------------

export interface OracleValue {
  type: number;
  bytes: Uint8Array;
}

/** hivexregedit --export parsed back: key path (below the root) → value name → type and bytes. */
export function hivexExport(hivePath: string): Map<string, Map<string, OracleValue>> {
  const raw = execFileSync('hivexregedit', ['--export', '--prefix', 'P', hivePath, '\\'], {
    maxBuffer: 512 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
  });
  // Perl prints a line with only Latin-1 characters as Latin-1 bytes, any other line as UTF-8.
  const strict = new TextDecoder('utf-8', { fatal: true });
  const out = raw
    .toString('latin1')
    .split('\n')
    .map((l) => {
      const bytes = Buffer.from(l, 'latin1');
      try {
        return strict.decode(bytes);
      } catch {
        return l;
      }
    })
    .join('\n');
  const keys = new Map<string, Map<string, OracleValue>>();
  let current: Map<string, OracleValue> | undefined;
  const lines = out.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.trimStart();
    if (line === '' || line.startsWith('Windows Registry Editor')) continue;
    if (line.startsWith('[')) {
      const path = line.slice(1, -1).replace(/^P\\?/, '');
      current = new Map();
      keys.set(path, current);
      continue;
    }
    if (!current) throw new Error(`hivexregedit export: value before any key: ${line}`);
    const { name, rest } = parseValueName(line);
    current.set(name, parseExportData(rest));
  }
  return keys;
}

function parseValueName(line: string): { name: string; rest: string } {
  if (line.startsWith('@=')) return { name: '', rest: line.slice(2) };
  let name = '';
  let i = 1;
  for (; i < line.length && line[i] !== '"'; i++) {
    if (line[i] === '\\') i++;
    name += line[i];
  }
  if (line[i + 1] !== '=') throw new Error(`hivexregedit export: cannot parse ${line}`);
  return { name, rest: line.slice(i + 2) };
}

function parseExportData(rest: string): OracleValue {
  const dw = /^dword:([0-9a-f]{8})$/.exec(rest);
  if (dw) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(parseInt(dw[1]!, 16));
    return { type: 4, bytes: b };
  }
  const hx = /^hex\(([0-9a-f]+)\):(.*)$/.exec(rest);
  if (!hx) throw new Error(`hivexregedit export: unexpected data ${rest.slice(0, 80)}`);
  const digits = hx[2]!.replace(/[,\s]/g, '');
  return { type: parseInt(hx[1]!, 16), bytes: Buffer.from(digits, 'hex') };
}

/** hivexget KEY VALUE output for one value (a second, independent hivex read path). */
export function hivexGet(hivePath: string, keyPath: string, value: string): string {
  return execFileSync('hivexget', [hivePath, '\\' + keyPath, value], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } }).replace(/\n$/, '');
}

// ---- re-layout of hivex-written structures --------------------------------------------

/** Appends hive bins to a hive buffer and re-points structures at them. */
export class HiveEditor {
  buf: Buffer;

  constructor(buf: Buffer) {
    this.buf = Buffer.from(buf);
  }

  static load(path: string): HiveEditor {
    return new HiveEditor(readFileSync(path));
  }

  get dataSize(): number {
    return this.buf.readUInt32LE(40);
  }

  /** Cell data (after the size field) of the cell at relative offset `rel`. */
  cellData(rel: number): Buffer {
    const size = -this.buf.readInt32LE(PAGE + rel);
    if (size <= 0) throw new Error(`cell ${rel.toString(16)} is not allocated`);
    return this.buf.subarray(PAGE + rel + 4, PAGE + rel + size);
  }

  free(rel: number): void {
    const v = this.buf.readInt32LE(PAGE + rel);
    if (v < 0) this.buf.writeInt32LE(-v, PAGE + rel);
  }

  /**
   * Appends one hive bin holding the given cell payloads (size fields are added), returning
   * their relative offsets. The bin is sized up to whole pages; the slack is a free cell.
   */
  appendBin(payloads: Uint8Array[]): number[] {
    const sizes = payloads.map((p) => align8(4 + p.length));
    const used = 32 + sizes.reduce((a, b) => a + b, 0);
    const binSize = Math.ceil(used / PAGE) * PAGE;
    const start = this.dataSize;
    // Bins live right after the hive bins data the header declares; anything past it is slack.
    const bin = Buffer.alloc(binSize);
    bin.write('hbin', 0, 'latin1');
    bin.writeUInt32LE(start, 4);
    bin.writeUInt32LE(binSize, 8);
    const offsets: number[] = [];
    let at = 32;
    payloads.forEach((p, i) => {
      bin.writeInt32LE(-sizes[i]!, at);
      Buffer.from(p).copy(bin, at + 4);
      offsets.push(start + at);
      at += sizes[i]!;
    });
    if (at < binSize) bin.writeInt32LE(binSize - at, at);
    this.buf = Buffer.concat([this.buf.subarray(0, PAGE + start), bin]);
    this.buf.writeUInt32LE(start + binSize, 40);
    fixChecksum(this.buf);
    return offsets;
  }

  save(path: string): void {
    fixChecksum(this.buf);
    writeFileSync(path, this.buf);
  }

  /** The subkey list offset field of the nk at `nkRel`. */
  nkSubkeyList(nkRel: number): number {
    return this.cellData(nkRel).readUInt32LE(28);
  }

  setNkSubkeyList(nkRel: number, listRel: number): void {
    this.cellData(nkRel).writeUInt32LE(listRel, 28);
  }

  /** Entries (nk offset, hash) of an lh/lf list. */
  leafEntries(listRel: number): Array<{ nk: number; hash: number }> {
    const d = this.cellData(listRel);
    const sig = d.toString('latin1', 0, 2);
    if (sig !== 'lh' && sig !== 'lf') throw new Error(`expected lh/lf list, got ${sig}`);
    const n = d.readUInt16LE(2);
    const out: Array<{ nk: number; hash: number }> = [];
    for (let i = 0; i < n; i++) out.push({ nk: d.readUInt32LE(4 + i * 8), hash: d.readUInt32LE(8 + i * 8) });
    return out;
  }

  /** The compressed (Latin-1) name of an nk, for lf hints. */
  nkNameBytes(nkRel: number): Buffer {
    const d = this.cellData(nkRel);
    return d.subarray(76, 76 + d.readUInt16LE(72));
  }
}

function leaf(sig: 'lh' | 'lf' | 'li', entries: Array<{ nk: number; hash: number }>, ed: HiveEditor): Uint8Array {
  const width = sig === 'li' ? 4 : 8;
  const b = Buffer.alloc(4 + entries.length * width);
  b.write(sig, 0, 'latin1');
  b.writeUInt16LE(entries.length, 2);
  entries.forEach((e, i) => {
    b.writeUInt32LE(e.nk, 4 + i * width);
    if (sig === 'lh') b.writeUInt32LE(e.hash, 8 + i * 8);
    if (sig === 'lf') {
      const hint = Buffer.alloc(4);
      ed.nkNameBytes(e.nk).copy(hint, 0, 0, 4);
      hint.copy(b, 8 + i * 8);
    }
  });
  return b;
}

/** Splits a key's lh list into leaves of `perLeaf` entries under an ri index root. */
export function toIndexRoot(ed: HiveEditor, nkRel: number, perLeaf: number, leafSig: 'lh' | 'lf' | 'li' = 'lh'): void {
  const old = ed.nkSubkeyList(nkRel);
  const entries = ed.leafEntries(old);
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < entries.length; i += perLeaf) leaves.push(leaf(leafSig, entries.slice(i, i + perLeaf), ed));
  const leafOffsets = ed.appendBin(leaves);
  const ri = Buffer.alloc(4 + leafOffsets.length * 4);
  ri.write('ri', 0, 'latin1');
  ri.writeUInt16LE(leafOffsets.length, 2);
  leafOffsets.forEach((o, i) => ri.writeUInt32LE(o, 4 + i * 4));
  const [riRel] = ed.appendBin([ri]);
  ed.setNkSubkeyList(nkRel, riRel!);
  ed.free(old);
}

/** Rewrites a key's lh list as an li (offsets only) or lf (4-character hints) list. */
export function toLeafKind(ed: HiveEditor, nkRel: number, sig: 'lf' | 'li'): void {
  const old = ed.nkSubkeyList(nkRel);
  const [rel] = ed.appendBin([leaf(sig, ed.leafEntries(old), ed)]);
  ed.setNkSubkeyList(nkRel, rel!);
  ed.free(old);
}

/** Moves a value's data (> 16344 bytes, in one cell as hivex writes it) into db big-data segments. */
export function toBigData(ed: HiveEditor, vkRel: number): void {
  const vk = ed.cellData(vkRel);
  const size = vk.readUInt32LE(4);
  if (size & 0x80000000 || size <= 16344) throw new Error('value is too small for big data');
  const dataRel = vk.readUInt32LE(8);
  const data = Buffer.from(ed.cellData(dataRel).subarray(0, size));
  const segRels: number[] = [];
  for (let off = 0; off < size; off += 16344) {
    // Each full segment is exactly one 16 KiB bin, as Windows lays them out. Segment cells
    // carry 4 bytes of slack after the data (hivex expects them when reading the last one).
    const chunk = data.subarray(off, Math.min(size, off + 16344));
    const [rel] = ed.appendBin([chunk.length === 16344 ? chunk : Buffer.concat([chunk, Buffer.alloc(4)])]);
    segRels.push(rel!);
  }
  const list = Buffer.alloc(segRels.length * 4);
  segRels.forEach((r, i) => list.writeUInt32LE(r, i * 4));
  const [listRel] = ed.appendBin([list]);
  const db = Buffer.alloc(8);
  db.write('db', 0, 'latin1');
  db.writeUInt16LE(segRels.length, 2);
  db.writeUInt32LE(listRel!, 4);
  const [dbRel] = ed.appendBin([db]);
  ed.cellData(vkRel).writeUInt32LE(dbRel!, 8);
  ed.free(dataRel);
}

/** Seeded bytes (mulberry32) so fixtures are reproducible. */
export function seededBytes(n: number, seed: number): Uint8Array {
  let a = seed >>> 0;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}
