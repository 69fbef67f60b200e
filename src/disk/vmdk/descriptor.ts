import { ImageFormatError } from '../../errors.js';
import { latin1 } from '../../util/binary.js';

/** Text descriptors are a few hundred bytes; anything much larger is not a descriptor. */
export const MAX_DESCRIPTOR_BYTES = 64 * 1024;
/** A 2 TiB twoGbMaxExtent disk has 1024 extents; allow a generous multiple, not millions. */
export const MAX_EXTENTS = 8192;
/** CID value meaning "no parent". */
export const NO_PARENT_CID = 0xffffffff;

export type ExtentAccess = 'RW' | 'RDONLY' | 'NOACCESS';

/** One extent line, e.g. `RW 4192256 SPARSE "disk-s001.vmdk"` or `RW 2048 FLAT "disk-flat.vmdk" 0`. */
export interface ExtentLine {
  access: ExtentAccess;
  /** Size in 512-byte sectors. */
  sectors: number;
  /** SPARSE, FLAT, ZERO, VMFS, VMFSSPARSE, VMFSRDM, VMFSRAW, SESPARSE (upper case as written). */
  type: string;
  fileName: string | undefined;
  /** Start offset in sectors inside the extent file (FLAT only). */
  offset: number;
  /** 1-based line number in the descriptor, for error messages. */
  line: number;
}

export interface VmdkDescriptor {
  version: number | undefined;
  cid: number | undefined;
  parentCid: number | undefined;
  createType: string | undefined;
  parentFileNameHint: string | undefined;
  extents: ExtentLine[];
  /** `ddb.*` entries (adapterType, geometry, virtualHWVersion, ...). A Map: keys are untrusted. */
  ddb: Map<string, string>;
}

const EXTENT_RE = /^(RW|RDONLY|NOACCESS)\s+(\d+)\s+([A-Za-z]+)(?:\s+"([^"]*)"(?:\s+(\d+))?)?(?:\s+.*)?$/;
const KEY_RE = /^([A-Za-z][A-Za-z0-9_.]*)\s*=\s*(.*)$/;
const SAFE_SECTORS = Math.floor(Number.MAX_SAFE_INTEGER / 512);

/**
 * Decodes descriptor bytes: text up to the first NUL (descriptors are NUL-padded to a sector),
 * in the charset its `encoding=` line names (VMware writes e.g. "windows-1252" or "UTF-8").
 */
export function descriptorText(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  const raw = nul < 0 ? bytes : bytes.subarray(0, nul);
  const label = /^[ \t]*encoding[ \t]*=[ \t]*"([^"\r\n]{1,40})"/m.exec(latin1(raw))?.[1];
  try {
    return new TextDecoder(label ?? 'utf-8').decode(raw);
  } catch {
    return new TextDecoder('utf-8').decode(raw); // unknown charset label: names may show replacement characters
  }
}

/**
 * Parses a VMDK text descriptor. `where` names the file for errors; `baseOffset` is where the
 * descriptor starts in that file (embedded descriptors live inside the sparse extent).
 */
export function parseDescriptor(text: string, where: string, baseOffset = 0): VmdkDescriptor {
  const fail = (msg: string): never => {
    throw new ImageFormatError('CORRUPT_IMAGE', msg, { structure: 'VMDK descriptor', offset: baseOffset, path: where });
  };
  if (text.length > MAX_DESCRIPTOR_BYTES * 16) fail(`descriptor is too large (${text.length} characters)`);
  const desc: VmdkDescriptor = {
    version: undefined,
    cid: undefined,
    parentCid: undefined,
    createType: undefined,
    parentFileNameHint: undefined,
    extents: [],
    ddb: new Map(),
  };
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const ext = EXTENT_RE.exec(line);
    if (ext) {
      if (desc.extents.length >= MAX_EXTENTS) fail(`descriptor lists more than ${MAX_EXTENTS} extents`);
      desc.extents.push(parseExtent(ext, i + 1, fail));
      continue;
    }
    if (/^(RW|RDONLY|NOACCESS)\s/.test(line)) fail(`invalid extent line ${i + 1}: ${line.slice(0, 120)}`);
    const kv = KEY_RE.exec(line);
    if (!kv) continue; // unknown free text: VMware ignores it too
    const key = kv[1]!;
    const value = unquote(kv[2]!.trim());
    if (key.startsWith('ddb.')) {
      desc.ddb.set(key.slice(4), value);
      continue;
    }
    switch (key.toLowerCase()) {
      case 'version':
        desc.version = parseInt10(value) ?? fail(`invalid version "${value.slice(0, 40)}"`);
        break;
      case 'cid':
        desc.cid = parseCid(value) ?? fail(`invalid CID "${value.slice(0, 40)}"`);
        break;
      case 'parentcid':
        desc.parentCid = parseCid(value) ?? fail(`invalid parentCID "${value.slice(0, 40)}"`);
        break;
      case 'createtype':
        desc.createType = value;
        break;
      case 'parentfilenamehint':
        desc.parentFileNameHint = value === '' ? undefined : value;
        break;
    }
  }
  return desc;
}

function parseExtent(m: RegExpExecArray, line: number, fail: (msg: string) => never): ExtentLine {
  const sectors = parseInt10(m[2]!);
  if (sectors === undefined || sectors > SAFE_SECTORS) fail(`extent on line ${line} has an invalid size "${m[2]!.slice(0, 30)}"`);
  const type = m[3]!.toUpperCase();
  const fileName = m[4];
  let offset = 0;
  if (m[5] !== undefined) {
    const o = parseInt10(m[5]);
    if (o === undefined || o > SAFE_SECTORS) fail(`extent on line ${line} has an invalid offset "${m[5].slice(0, 30)}"`);
    offset = o!;
  }
  if (type !== 'ZERO' && (fileName === undefined || fileName === '')) fail(`${type} extent on line ${line} names no file`);
  if (type === 'FLAT' && m[5] === undefined) fail(`FLAT extent on line ${line} has no start offset`);
  return { access: m[1] as ExtentAccess, sectors: sectors!, type, fileName, offset, line };
}

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1);
  return v;
}

function parseInt10(v: string): number | undefined {
  if (!/^\d{1,16}$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

function parseCid(v: string): number | undefined {
  return /^[0-9a-fA-F]{1,8}$/.test(v) ? parseInt(v, 16) : undefined;
}
