// Parsers that turn each tool's recursive listing into one shape, so the benchmark can check the
// tools agree: Map(path → {type, size, checksum?, target?}) with type one of - d l c b p s.
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';

const GG_TYPE = { file: '-', dir: 'd', symlink: 'l', chardev: 'c', blockdev: 'b', fifo: 'p', socket: 's' };

/** `guestguard ls -lR --checksum sha256 --json` output. */
export function parseGuestguardJson(text) {
  const m = new Map();
  for (const e of JSON.parse(text)) m.set(e.path, { type: GG_TYPE[e.type], size: e.size, checksum: e.checksum, target: e.target, mode: e.mode, mtime: e.mtime });
  return m;
}

/**
 * A tree copied out to the host (guestguard copy-out, virt-copy-out), read back with lstat:
 * paths relative to `dir` as guest paths, modes, mtimes, symlink targets, SHA-256 of files.
 * The top folder itself is the user's (its mode and times are not the guest's) so it carries
 * only its type.
 */
export function parseHostTree(dir) {
  const m = new Map([['/', { type: 'd' }]]);
  const walk = (host, guest) => {
    for (const name of readdirSync(host).sort()) {
      const h = join(host, name);
      const g = guest === '/' ? `/${name}` : `${guest}/${name}`;
      const st = lstatSync(h);
      const type = st.isFile() ? '-' : st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : st.isFIFO() ? 'p' : 's';
      const e = { type, mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) };
      if (type === '-') Object.assign(e, { size: st.size, checksum: createHash('sha256').update(readFileSync(h)).digest('hex') });
      if (type === 'l') Object.assign(e, { size: st.size, target: readlinkSync(h) });
      m.set(g, e);
      if (type === 'd') walk(h, g);
    }
  };
  walk(dir, '/');
  return m;
}

/** The folder a copy of the guest root landed in: DEST itself, or its one subfolder. */
export function copiedRoot(dest) {
  const names = readdirSync(dest);
  return names.length === 1 && lstatSync(join(dest, names[0])).isDirectory() && names[0] !== 'etc' ? join(dest, names[0]) : dest;
}

/** The listing without special files (devices, fifos, sockets), which copy-out skips by design. */
export function withoutSpecial(listing) {
  return new Map([...listing].filter(([, e]) => !'cbps'.includes(e.type)));
}

/**
 * `virt-ls -lR --checksum=sha256` output: "T MODE SIZE [SHA256] PATH[ -> TARGET]" (the checksum
 * only for regular files).
 */
export function parseVirtLs(text) {
  const m = new Map();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const r = /^(\S) ([0-7]+) +(\d+) (.*)$/.exec(line);
    if (!r) throw new Error(`unexpected virt-ls line: ${line}`);
    const [, type, , size, rest] = r;
    let path = rest;
    let checksum;
    let target;
    if (type === '-') {
      checksum = rest.slice(0, 64);
      path = rest.slice(65);
    } else if (type === 'l') {
      const i = rest.indexOf(' -> ');
      target = rest.slice(i + 4);
      path = rest.slice(0, i);
    }
    m.set(path, { type, size: Number(size), checksum, target });
  }
  return m;
}

const TAR_TYPE = { '0': '-', '\0': '-', '7': '-', '5': 'd', '2': 'l', '3': 'c', '4': 'b', '6': 'p' };

/**
 * A tar archive (as virt-tar-out writes: GNU tar of "." with ./-relative names) streamed from a
 * file; SHA-256 of every regular file's data. Handles GNU long names/links and pax path/linkpath/size.
 * Hard links (type 1) take the checksum of the entry they link to. Directory sizes are not in tar.
 */
export function parseTar(file) {
  const fd = openSync(file, 'r');
  const m = new Map();
  const hdr = Buffer.alloc(512);
  let pos = 0;
  const readExact = (buf, len) => {
    let done = 0;
    while (done < len) {
      const n = readSync(fd, buf, done, len - done, pos + done);
      if (n === 0) throw new Error(`tar ends early at ${pos + done}`);
      done += n;
    }
    pos += len;
  };
  const str = (b, off, len) => {
    const s = b.subarray(off, off + len);
    const z = s.indexOf(0);
    return s.subarray(0, z < 0 ? len : z).toString('utf8');
  };
  const num = (b, off, len) => {
    if (b[off] & 0x80) {
      let v = 0;
      for (let i = off + 1; i < off + len; i++) v = v * 256 + b[i];
      return v;
    }
    return parseInt(str(b, off, len).trim() || '0', 8);
  };
  const readBody = (size, hash) => {
    const chunk = Buffer.alloc(1 << 20);
    let left = size;
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      readExact(chunk, n);
      hash?.update(chunk.subarray(0, n));
      left -= n;
    }
    pos += (512 - (size % 512)) % 512;
  };
  const readText = (size) => {
    const b = Buffer.alloc(size);
    readExact(b, size);
    pos += (512 - (size % 512)) % 512;
    return b;
  };
  let longName;
  let longLink;
  let pax = {};
  try {
    for (;;) {
      readExact(hdr, 512);
      if (hdr.every((x) => x === 0)) break;
      const type = String.fromCharCode(hdr[156]);
      let size = num(hdr, 124, 12);
      if (type === 'L') {
        longName = str(readText(size), 0, size);
        continue;
      }
      if (type === 'K') {
        longLink = str(readText(size), 0, size);
        continue;
      }
      if (type === 'x' || type === 'g') {
        const text = readText(size).toString('utf8');
        if (type === 'x') {
          pax = {};
          for (let i = 0; i < text.length; ) {
            const sp = text.indexOf(' ', i);
            const len = Number(text.slice(i, sp));
            const [k, ...v] = text.slice(sp + 1, i + len - 1).split('=');
            pax[k] = v.join('=');
            i += len;
          }
        }
        continue;
      }
      const prefix = str(hdr, 345, 155);
      let name = pax.path ?? longName ?? (prefix ? `${prefix}/${str(hdr, 0, 100)}` : str(hdr, 0, 100));
      const link = pax.linkpath ?? longLink ?? str(hdr, 157, 100);
      if (pax.size !== undefined) size = Number(pax.size);
      pax = {};
      longName = longLink = undefined;
      const path = toGuestPath(name);
      if (type === '1') {
        readBody(size);
        m.set(path, { ...m.get(toGuestPath(link)), hardlink: true });
        continue;
      }
      const t = TAR_TYPE[type];
      if (t === undefined) throw new Error(`unexpected tar entry type ${JSON.stringify(type)} for ${name}`);
      const hash = t === '-' ? createHash('sha256') : undefined;
      readBody(t === '-' ? size : 0, hash);
      m.set(path, { type: t, size: t === 'd' ? undefined : t === '-' ? size : t === 'l' ? Buffer.byteLength(link) : 0, checksum: hash?.digest('hex'), target: t === 'l' ? link : undefined });
    }
  } finally {
    closeSync(fd);
  }
  return m;
}

function toGuestPath(name) {
  const p = name.replace(/^\.\//, '').replace(/\/$/, '');
  return p === '.' || p === '' ? '/' : `/${p}`;
}

/**
 * Compares a listing against the reference (guestguard's): same paths, types, sizes (where the
 * other side has them), symlink targets, checksums, and modes and mtimes where both sides have
 * them. Returns counts and a few examples.
 */
export function compareListings(ref, other) {
  const missing = [...ref.keys()].filter((p) => !other.has(p));
  const extra = [...other.keys()].filter((p) => !ref.has(p));
  const diffs = [];
  let files = 0;
  let sumsEqual = 0;
  for (const [p, a] of ref) {
    const b = other.get(p);
    if (!b) continue;
    if (a.type === '-') files++;
    const why = [];
    if (a.type !== b.type) why.push(`type ${a.type}≠${b.type}`);
    else {
      if (b.size !== undefined && a.size !== b.size) why.push(`size ${a.size}≠${b.size}`);
      if (a.type === 'l' && a.target !== b.target) why.push(`target ${a.target}≠${b.target}`);
      // Modes and mtimes where both sides have them (host copies and guestguard's listing).
      if (a.mode !== undefined && b.mode !== undefined && a.mode !== b.mode) why.push(`mode ${a.mode.toString(8)}≠${b.mode.toString(8)}`);
      if (a.mtime !== undefined && b.mtime !== undefined && a.mtime !== b.mtime) why.push(`mtime ${a.mtime}≠${b.mtime}`);
      if (a.type === '-') {
        if (a.checksum === b.checksum) sumsEqual++;
        else why.push('checksum');
      }
    }
    if (why.length) diffs.push(`${p}: ${why.join(', ')}`);
  }
  return { entries: other.size, files, sumsEqual, missing, extra, diffs, same: missing.length + extra.length + diffs.length === 0 };
}
