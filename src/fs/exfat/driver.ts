/**
 * Read-only exFAT driver. A node is the device offset of its File entry, times two, plus one
 * when the parent directory is contiguous (NoFatChain): with that bit an entry set that
 * crosses a cluster boundary can be re-read from the node alone. The root is 0.
 *
 * Stat values follow Linux's exfat driver with default options (uid=0, gid=0, umask 022,
 * UTC for times without a valid offset): files 0755 (0555 read-only), directories 0755 with
 * nlink = subdirectories + 2, size = DataLength (bytes past ValidDataLength read as zeros).
 */
import type { BlockDevice } from '../../disk/block-device.js';
import { CachedDevice } from '../../disk/cached-device.js';
import { GuestguardError } from '../../errors.js';
import { LruCache } from '../../util/lru.js';
import { contiguous, readMapped, walkChain, type ClusterMap } from '../fat/chain.js';
import { corrupt, fsError } from '../fat/errors.js';
import { foldName, isUsableName } from '../fat/names.js';
import { FatTable } from '../fat/table.js';
import type { DirEntry, FileSystemDriver, NodeRef, Stat, StatFs } from '../types.js';
import { BOOT_REGION, checkBootRegion, parseExfatBootSector, type ExfatGeometry } from './boot.js';
import {
  ATTR_ARCHIVE,
  ATTR_DIR,
  ATTR_HIDDEN,
  ATTR_READ_ONLY,
  ATTR_SYSTEM,
  decodeFileSet,
  ENTRY_SIZE,
  FLAG_NO_FAT_CHAIN,
  isProblem,
  setLength,
  TYPE_FILE,
  type FileSet,
  type VolumeEntries,
} from './entries.js';
import { DirScanner } from './scanner.js';
import { exfatTimeToUnix } from './time.js';
import { decodeUpcase, fallbackUpcase, MAX_UPCASE_BYTES, tableUpcase, upcaseChecksum, type Upcase } from './upcase.js';

const ROOT = 0;
const ROOT_INO = 1;
/** The exFAT specification's directory size limit. */
const MAX_DIR_BYTES = 256 * 1024 * 1024;
/** Directory bytes read per device request while scanning. */
const SCAN_CHUNK = 64 * 1024;
const MAX_WARNINGS = 100;
const DEFAULT_MODE = 0o755;
const READ_ONLY_MODE = 0o555;

interface Listing {
  entries: DirEntry[];
  byName: Map<string, number>;
  subdirs: number;
  bytes: number;
  volume: VolumeEntries;
}

/** A file's extent after the kernel's sanity rules (bad first cluster → empty, valid ≤ size). */
interface Extent {
  size: number;
  valid: number;
  first: number;
  contiguous: boolean;
}

interface Node {
  ref: number;
  set: FileSet;
  isDir: boolean;
  extent: Extent;
}

export class ExfatFileSystem implements FileSystemDriver {
  readonly type = 'exfat';
  readonly caseInsensitive = true;
  label: string | undefined;
  readonly uuid: string;
  readonly warnings: string[];
  private readonly table: FatTable;
  private upcase: Upcase = fallbackUpcase;
  private volume: VolumeEntries = {};
  private readonly listings = new LruCache<number, Listing>(256);
  private readonly maps = new LruCache<string, ClusterMap>(1024);
  private freeClusters: number | undefined;

  private constructor(
    private readonly dev: BlockDevice,
    readonly geometry: ExfatGeometry,
  ) {
    this.warnings = [...geometry.warnings];
    if (geometry.fromBackup) this.warnings.unshift('main boot region is damaged; using the backup boot region');
    const h = geometry.serial.toString(16).toUpperCase().padStart(8, '0');
    this.uuid = `${h.slice(0, 4)}-${h.slice(4)}`;
    this.table = new FatTable(dev, 'exfat', geometry.fatOffset, geometry.fatBytes, geometry.clusterCount + 1);
  }

  static async open(dev: BlockDevice): Promise<ExfatFileSystem> {
    const cached = dev instanceof CachedDevice ? dev : new CachedDevice(dev);
    const fs = new ExfatFileSystem(cached, await readBootRegion(cached));
    const root = await fs.listing(ROOT);
    fs.volume = root.volume;
    fs.label = root.volume.label;
    await fs.loadUpcase();
    if (!fs.volume.bitmap) fs.warn('no allocation bitmap entry in the root directory');
    // Names were folded with the fallback rule before the table was known.
    fs.listings.clear();
    return fs;
  }

  private warn(msg: string): void {
    if (this.warnings.length < MAX_WARNINGS && !this.warnings.includes(msg)) this.warnings.push(msg);
  }

  async root(): Promise<NodeRef> {
    return ROOT;
  }

  async stat(ref: NodeRef): Promise<Stat> {
    const node = await this.node(ref);
    if (node === undefined) {
      const root = await this.listing(ROOT);
      return { type: 'dir', mode: DEFAULT_MODE, uid: 0, gid: 0, size: root.bytes, nlink: root.subdirs + 2, mtime: 0, mtimeNs: 0, atime: 0, ctime: 0, ino: ROOT_INO };
    }
    const s = node.set;
    const mtime = exfatTimeToUnix(s.modify.timestamp, s.modify.centis, s.modify.utcOffset);
    const atime = exfatTimeToUnix(s.access.timestamp, 0, s.access.utcOffset);
    const btime = exfatTimeToUnix(s.create.timestamp, s.create.centis, s.create.utcOffset);
    const flags: string[] = [];
    if (s.attr & ATTR_READ_ONLY) flags.push('readonly');
    if (s.attr & ATTR_HIDDEN) flags.push('hidden');
    if (s.attr & ATTR_SYSTEM) flags.push('system');
    if (s.attr & ATTR_ARCHIVE) flags.push('archive');
    const common = { uid: 0, gid: 0, size: node.extent.size, mtime: mtime.sec, mtimeNs: mtime.nsec, atime: atime.sec, ctime: mtime.sec, btime: btime.sec, ino: s.offset, flags };
    if (node.isDir) {
      const listing = await this.listing(node.ref);
      return { type: 'dir', mode: DEFAULT_MODE, nlink: listing.subdirs + 2, ...common };
    }
    return { type: 'file', mode: s.attr & ATTR_READ_ONLY ? READ_ONLY_MODE : DEFAULT_MODE, nlink: 1, ...common };
  }

  async readdir(dir: NodeRef): Promise<DirEntry[]> {
    return (await this.listing(await this.dirRef(dir))).entries.slice();
  }

  async lookup(dir: NodeRef, name: string): Promise<NodeRef | undefined> {
    return (await this.listing(await this.dirRef(dir))).byName.get(this.fold(name));
  }

  async read(ref: NodeRef, offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw fsError('INVALID_ARGUMENT', `bad read range ${offset}+${length}`);
    }
    const node = await this.node(ref);
    if (node === undefined || node.isDir) throw fsError('IS_A_DIRECTORY', `node ${String(ref)} is a directory`);
    const { size, valid } = node.extent;
    if (offset >= size || length === 0) return new Uint8Array(0);
    // Nothing before ValidDataLength is requested: zeros, no cluster walk needed.
    const map = offset >= valid ? { runs: [], clusters: 0 } : await this.extentMap(node.extent, `file at ${node.set.offset}`);
    return readMapped(this.layout, map, size, offset, length, valid);
  }

  async readlink(ref: NodeRef): Promise<string> {
    throw fsError('NOT_A_SYMLINK', `exFAT has no symbolic links (node ${String(ref)})`);
  }

  async xattrs(_node: NodeRef): Promise<Map<string, Uint8Array>> {
    return new Map();
  }

  async statfs(): Promise<StatFs> {
    const g = this.geometry;
    if (this.freeClusters === undefined) this.freeClusters = g.clusterCount - (await this.usedClusters());
    return { blockSize: g.clusterSize, totalBlocks: g.clusterCount, freeBlocks: this.freeClusters };
  }

  /** The clusters holding a file or directory (diagnostics and tests: fragmentation, NoFatChain). */
  async clusterMap(ref: NodeRef): Promise<ClusterMap & { contiguous: boolean }> {
    const node = await this.node(ref);
    if (node === undefined) return { ...(await this.rootMap()), contiguous: false };
    return { ...(await this.extentMap(node.extent, `node ${ref}`)), contiguous: node.extent.contiguous };
  }

  /** Whether names are compared with the volume's own up-case table (false: fallback rule). */
  upcaseFromVolume = false;

  /** A name as this volume compares it: up-cased unit by unit with its up-case table. */
  fold(name: string): string {
    return foldName(name, this.upcase);
  }

  // --- boot-time structures ------------------------------------------------------------------

  private async loadUpcase(): Promise<void> {
    const e = this.volume.upcase;
    if (!e) {
      this.warn('no up-case table entry; comparing names with Unicode upper-casing');
      return;
    }
    try {
      if (e.dataLength === 0 || e.dataLength > MAX_UPCASE_BYTES) throw corrupt(`up-case table length ${e.dataLength} is invalid`, 'exFAT up-case table entry', e.offset);
      const clusters = Math.ceil(e.dataLength / this.geometry.clusterSize);
      // Like Linux, the table (and the bitmap) are read as contiguous clusters.
      const map = contiguous(e.firstCluster, clusters, this.table.maxCluster, 'up-case table', 'exFAT up-case table entry');
      const data = await readMapped(this.layout, map, e.dataLength, 0, e.dataLength);
      const sum = upcaseChecksum(data);
      if (sum !== e.checksum) throw corrupt(`up-case table checksum 0x${sum.toString(16)} does not match 0x${e.checksum.toString(16)}`, 'exFAT up-case table', this.layout.clusterOffset(e.firstCluster));
      this.upcase = tableUpcase(decodeUpcase(data));
      this.upcaseFromVolume = true;
    } catch (err) {
      if (!(err instanceof GuestguardError)) throw err;
      this.warn(`${err.message}; comparing names with Unicode upper-casing`);
    }
  }

  private async usedClusters(): Promise<number> {
    const g = this.geometry;
    const e = this.volume.bitmap;
    if (!e) throw corrupt('no allocation bitmap entry in the root directory', 'exFAT root directory', this.layout.clusterOffset(g.rootCluster));
    const bytes = Math.ceil(g.clusterCount / 8);
    if (e.dataLength < bytes) throw corrupt(`allocation bitmap has ${e.dataLength} bytes for ${g.clusterCount} clusters`, 'exFAT bitmap entry', e.offset);
    const map = contiguous(e.firstCluster, Math.ceil(bytes / g.clusterSize), this.table.maxCluster, 'allocation bitmap', 'exFAT bitmap entry');
    this.checkInDevice(map, e.offset);
    let used = 0;
    for (let off = 0; off < bytes; off += 1 << 20) {
      const chunk = await readMapped(this.layout, map, bytes, off, 1 << 20);
      for (let i = 0; i < chunk.length; i++) {
        let b = chunk[i]!;
        // The last byte may cover bits past the last cluster.
        if (off + i === bytes - 1 && g.clusterCount % 8 !== 0) b &= (1 << g.clusterCount % 8) - 1;
        while (b) {
          b &= b - 1;
          used++;
        }
      }
    }
    return used;
  }

  // --- nodes -----------------------------------------------------------------------------------

  private get layout() {
    const g = this.geometry;
    return { dev: this.dev, clusterSize: g.clusterSize, clusterOffset: (c: number) => g.heapOffset + (c - 2) * g.clusterSize };
  }

  /** Resolves a node reference to its entry set; undefined for the root. */
  private async node(ref: NodeRef): Promise<Node | undefined> {
    if (ref === ROOT) return undefined;
    const g = this.geometry;
    const r = typeof ref === 'number' ? ref : NaN;
    const offset = Math.floor(r / 2);
    const parentContiguous = r % 2 === 1;
    const rel = offset - g.heapOffset;
    if (!Number.isSafeInteger(r) || rel < 0 || rel % ENTRY_SIZE !== 0 || rel / g.clusterSize >= g.clusterCount || offset + ENTRY_SIZE > this.dev.size) {
      throw fsError('INVALID_ARGUMENT', `${String(ref)} is not an exFAT node reference`);
    }
    const set = await this.readSet(offset, parentContiguous);
    const isDir = (set.attr & ATTR_DIR) !== 0;
    return { ref: r, set, isDir, extent: this.extent(set) };
  }

  /** Re-reads the entry set whose File entry is at `offset`, following the parent's clusters. */
  private async readSet(offset: number, parentContiguous: boolean): Promise<FileSet> {
    const g = this.geometry;
    const S = 'exFAT file entry set';
    const first = await this.dev.read(offset, ENTRY_SIZE);
    if (first[0] !== TYPE_FILE) throw fsError('NOT_FOUND', 'no file entry at this position', S, offset);
    const len = setLength(first) * ENTRY_SIZE;
    if (len === 0) throw corrupt(`file entry announces ${first[1]} secondary entries`, S, offset);
    const set = new Uint8Array(len);
    let filled = 0;
    let pos = offset;
    while (filled < len) {
      const rel = pos - g.heapOffset;
      const clusterEnd = pos - (rel % g.clusterSize) + g.clusterSize;
      const n = Math.min(len - filled, clusterEnd - pos);
      set.set(await this.dev.read(pos, n), filled);
      filled += n;
      if (filled < len) {
        const cluster = Math.floor(rel / g.clusterSize) + 2;
        const next = parentContiguous ? cluster + 1 : await this.table.next(cluster);
        if (next < 2 || next > this.table.maxCluster) throw corrupt('entry set continues past the end of its directory', S, offset);
        pos = this.layout.clusterOffset(next);
        if (pos + g.clusterSize > this.dev.size) throw corrupt(`cluster ${next} lies beyond the end of the device`, S, offset);
      }
    }
    const decoded = decodeFileSet(set, offset);
    if (isProblem(decoded)) throw corrupt(decoded.reason, S, offset);
    return decoded;
  }

  private extent(set: FileSet): Extent {
    const S = 'exFAT stream extension entry';
    if (!Number.isFinite(set.dataLength)) throw corrupt('data length is beyond 2^53 bytes', S, set.offset);
    let size = set.dataLength;
    let valid = Math.min(set.validDataLength, size);
    const first = set.firstCluster;
    if (size > 0 && !(first >= 2 && first <= this.table.maxCluster)) {
      // Linux warns and treats the file as empty.
      this.warn(`file at ${set.offset} starts at invalid cluster ${first}; treated as empty`);
      size = 0;
      valid = 0;
    }
    return { size, valid, first, contiguous: (set.flags & FLAG_NO_FAT_CHAIN) !== 0 };
  }

  private async dirRef(ref: NodeRef): Promise<number> {
    const node = await this.node(ref);
    if (node === undefined) return ROOT;
    if (!node.isDir) throw fsError('NOT_A_DIRECTORY', `node ${String(ref)} is not a directory`, 'exFAT file entry set', node.set.offset);
    return node.ref;
  }

  // --- cluster maps ----------------------------------------------------------------------------

  private async extentMap(x: Extent, what: string): Promise<ClusterMap> {
    const need = Math.ceil(x.size / this.geometry.clusterSize);
    const key = `${x.first}:${need}:${x.contiguous ? 'c' : 'f'}`;
    let map = this.maps.get(key);
    if (!map) {
      map = x.contiguous
        ? contiguous(x.first, need, this.table.maxCluster, what, 'exFAT stream extension entry')
        : await walkChain(this.table, x.first, { need, what });
      this.checkInDevice(map, 0);
      this.maps.set(key, map);
    }
    return map;
  }

  private async rootMap(): Promise<ClusterMap> {
    let map = this.maps.get('root');
    if (!map) {
      const limit = Math.floor(MAX_DIR_BYTES / this.geometry.clusterSize);
      map = await walkChain(this.table, this.geometry.rootCluster, { limit, what: 'root directory' });
      this.checkInDevice(map, 0);
      this.maps.set('root', map);
    }
    return map;
  }

  private checkInDevice(map: ClusterMap, where: number): void {
    const g = this.geometry;
    for (const run of map.runs) {
      const end = g.heapOffset + (run.cluster - 2 + run.count) * g.clusterSize;
      if (end > this.dev.size) throw corrupt(`clusters ${run.cluster}..${run.cluster + run.count - 1} lie beyond the end of the device`, 'exFAT cluster heap', where);
    }
  }

  // --- directories -----------------------------------------------------------------------------

  private async listing(dir: number): Promise<Listing> {
    const hit = this.listings.get(dir);
    if (hit) return hit;
    let map: ClusterMap;
    let contiguousDir = false;
    let bytes: number;
    if (dir === ROOT) {
      map = await this.rootMap();
      bytes = map.clusters * this.geometry.clusterSize;
    } else {
      const node = (await this.node(dir))!;
      if (node.extent.size > MAX_DIR_BYTES) throw corrupt(`directory of ${node.extent.size} bytes exceeds exFAT's 256 MiB limit`, 'exFAT stream extension entry', node.set.offset);
      map = await this.extentMap(node.extent, `directory at ${node.set.offset}`);
      contiguousDir = node.extent.contiguous;
      bytes = node.extent.size;
    }
    const scanner = new DirScanner();
    const cs = this.geometry.clusterSize;
    const end = Math.min(bytes, map.clusters * cs);
    scan: for (const run of map.runs) {
      const runStart = run.fileIndex * cs;
      for (let off = 0; off < run.count * cs && runStart + off < end; off += SCAN_CHUNK) {
        const n = Math.min(SCAN_CHUNK, run.count * cs - off, end - runStart - off);
        const at = this.layout.clusterOffset(run.cluster) + off;
        if (!scanner.push(await this.dev.read(at, n), at)) break scan;
      }
    }
    scanner.finish();
    for (const p of scanner.problems) this.warn(`skipped exFAT entry set at ${p.offset}: ${p.reason}`);
    const entries: DirEntry[] = [];
    const byName = new Map<string, number>();
    let subdirs = 0;
    for (const s of scanner.sets) {
      if (!isUsableName(s.name)) {
        this.warn(`skipped directory entry with unusable name ${JSON.stringify(s.name)} at offset ${s.offset}`);
        continue;
      }
      const isDir = (s.attr & ATTR_DIR) !== 0;
      if (isDir) subdirs++;
      const ref = s.offset * 2 + (contiguousDir ? 1 : 0);
      entries.push({ name: s.name, node: ref, type: isDir ? 'dir' : 'file' });
      const key = this.fold(s.name);
      if (!byName.has(key)) byName.set(key, ref);
    }
    const listing: Listing = { entries, byName, subdirs, bytes, volume: scanner.volume };
    this.listings.set(dir, listing);
    return listing;
  }
}

/** Reads and verifies the main boot region, falling back to the backup region at sector 12. */
async function readBootRegion(dev: BlockDevice): Promise<ExfatGeometry> {
  if (dev.size < 512) throw fsError('UNSUPPORTED_FILESYSTEM', `${dev.name} is too small for exFAT`, 'exFAT boot sector', 0);
  let mainError: GuestguardError | undefined;
  try {
    return { ...(await readRegion(dev, 0)), fromBackup: false };
  } catch (err) {
    if (!(err instanceof GuestguardError)) throw err;
    mainError = err;
  }
  for (const bps of [512, 1024, 2048, 4096]) {
    const base = BOOT_REGION * bps;
    if (base + BOOT_REGION * bps > dev.size) break;
    try {
      const g = await readRegion(dev, base);
      if (g.bytesPerSector === bps) return { ...g, fromBackup: true };
    } catch (err) {
      if (!(err instanceof GuestguardError)) throw err;
    }
  }
  throw mainError;
}

async function readRegion(dev: BlockDevice, base: number): Promise<Omit<ExfatGeometry, 'fromBackup'>> {
  const g = parseExfatBootSector(await dev.read(base, 512), dev.size, base);
  const regionBytes = BOOT_REGION * g.bytesPerSector;
  if (base + regionBytes > dev.size) throw corrupt('boot region extends beyond the device', 'exFAT boot region', base);
  checkBootRegion(await dev.read(base, regionBytes), g.bytesPerSector, base);
  return g;
}
