/**
 * Read-only FAT12/16/32 driver with VFAT long names. Nodes are the device byte offsets of
 * their 32-byte short directory entries (the root is 0), so a node can always be re-read
 * without any per-node state; parsed directories and cluster maps sit in bounded LRUs.
 *
 * Stat values follow Linux's vfat driver with its default mount options (uid=0, gid=0,
 * umask 022, no showexec, tz=UTC): files 0755 (0555 with the read-only attribute),
 * directories 0755, directory nlink = subdirectories + 2, directory size = its cluster chain.
 */
import type { BlockDevice } from '../../disk/block-device.js';
import { CachedDevice } from '../../disk/cached-device.js';
import { GuestguardError } from '../../errors.js';
import { LruCache } from '../../util/lru.js';
import type { DirEntry, FileSystemDriver, NodeRef, Stat, StatFs } from '../types.js';
import { formatSerial, parseBootSector, parseFsInfo, type FatGeometry } from './bpb.js';
import { readMapped, walkChain, type ClusterMap } from './chain.js';
import {
  ATTR_ARCHIVE,
  ATTR_DIR,
  ATTR_HIDDEN,
  ATTR_READ_ONLY,
  ATTR_SYSTEM,
  DIR_ENTRY_SIZE,
  FatDirParser,
  isLiveShortEntry,
  parseShortEntry,
  type ShortEntry,
} from './dir.js';
import { corrupt, fsError } from './errors.js';
import { foldName, isUsableName } from './names.js';
import { FatTable } from './table.js';
import { fatTimeToUnix } from './time.js';

const ROOT = 0;
const ROOT_INO = 1;
/** FAT allows 65536 entries (2 MiB) per directory; we accept up to 32 MiB before giving up. */
const MAX_DIR_BYTES = 32 * 1024 * 1024;
/** Above this FAT size statfs trusts the FSInfo free count instead of scanning the table. */
const MAX_FAT_SCAN_BYTES = 32 * 1024 * 1024;
const MAX_WARNINGS = 100;
const DEFAULT_MODE = 0o755;
const READ_ONLY_MODE = 0o555;

interface Listing {
  entries: DirEntry[];
  /** Folded long and short names → node. */
  byName: Map<string, number>;
  subdirs: number;
  /** Bytes the directory occupies (its stat size). */
  bytes: number;
  label: string | undefined;
}

interface Node {
  offset: number;
  entry: ShortEntry;
  isDir: boolean;
  firstCluster: number;
}

export class FatFileSystem implements FileSystemDriver {
  readonly type = 'vfat';
  readonly caseInsensitive = true;
  label: string | undefined;
  readonly uuid: string | undefined;
  readonly warnings: string[];
  private readonly table: FatTable;
  private readonly listings = new LruCache<number, Listing>(256);
  private readonly maps = new LruCache<string, ClusterMap>(1024);
  private freeClusters: number | undefined;

  private constructor(
    private readonly dev: BlockDevice,
    readonly geometry: FatGeometry,
  ) {
    const g = geometry;
    this.warnings = [...g.warnings];
    this.uuid = g.serial === undefined ? undefined : formatSerial(g.serial);
    this.label = g.bootLabel;
    this.table = new FatTable(dev, `fat${g.bits}` as 'fat12' | 'fat16' | 'fat32', g.fatOffset, g.fatBytes, g.clusterCount + 1);
  }

  static async open(dev: BlockDevice): Promise<FatFileSystem> {
    if (dev.size < 512) throw fsError('UNSUPPORTED_FILESYSTEM', `${dev.name} is too small for a FAT filesystem`, 'FAT boot sector', 0);
    const cached = dev instanceof CachedDevice ? dev : new CachedDevice(dev);
    const geometry = parseBootSector(await cached.read(0, 512), dev.size);
    const fs = new FatFileSystem(cached, geometry);
    // blkid prefers the label entry in the root directory over the boot sector copy.
    try {
      const root = await fs.listing(ROOT);
      if (root.label !== undefined && root.label.length > 0) fs.label = root.label;
    } catch (err) {
      if (!(err instanceof GuestguardError)) throw err;
      fs.warn(`root directory unreadable: ${err.message}`);
    }
    return fs;
  }

  get fatBits(): 12 | 16 | 32 {
    return this.geometry.bits;
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
    const e = node.entry;
    const mtime = fatTimeToUnix(e.writeTime, e.writeDate);
    const atime = fatTimeToUnix(0, e.accessDate);
    const btime = fatTimeToUnix(e.createTime, e.createDate, e.createCentis);
    const flags: string[] = [];
    if (e.attr & ATTR_READ_ONLY) flags.push('readonly');
    if (e.attr & ATTR_HIDDEN) flags.push('hidden');
    if (e.attr & ATTR_SYSTEM) flags.push('system');
    if (e.attr & ATTR_ARCHIVE) flags.push('archive');
    const common = { uid: 0, gid: 0, mtime: mtime.sec, mtimeNs: mtime.nsec, atime: atime.sec, ctime: mtime.sec, btime: btime.sec, ino: node.offset, flags };
    if (node.isDir) {
      const listing = await this.listing(node.offset);
      return { type: 'dir', mode: DEFAULT_MODE, size: listing.bytes, nlink: listing.subdirs + 2, ...common };
    }
    return { type: 'file', mode: e.attr & ATTR_READ_ONLY ? READ_ONLY_MODE : DEFAULT_MODE, size: e.size, nlink: 1, ...common };
  }

  async readdir(dir: NodeRef): Promise<DirEntry[]> {
    const node = await this.dirNode(dir);
    return (await this.listing(node)).entries.slice();
  }

  async lookup(dir: NodeRef, name: string): Promise<NodeRef | undefined> {
    const node = await this.dirNode(dir);
    // Like vfat, trailing dots do not count ("readme.txt." names "readme.txt").
    const trimmed = name.replace(/\.+$/, '');
    return (await this.listing(node)).byName.get(foldName(trimmed.length > 0 ? trimmed : name));
  }

  async read(ref: NodeRef, offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw fsError('INVALID_ARGUMENT', `bad read range ${offset}+${length}`);
    }
    const node = await this.node(ref);
    if (node === undefined || node.isDir) throw fsError('IS_A_DIRECTORY', `node ${String(ref)} is a directory`);
    const size = node.entry.size;
    if (offset >= size || length === 0) return new Uint8Array(0);
    const map = await this.fileMap(node);
    return readMapped(this.layout, map, size, offset, length);
  }

  async readlink(ref: NodeRef): Promise<string> {
    throw fsError('NOT_A_SYMLINK', `FAT has no symbolic links (node ${String(ref)})`);
  }

  async xattrs(_node: NodeRef): Promise<Map<string, Uint8Array>> {
    return new Map();
  }

  async statfs(): Promise<StatFs> {
    const g = this.geometry;
    if (this.freeClusters === undefined) {
      let free: number | undefined;
      if (g.fatBytes > MAX_FAT_SCAN_BYTES && g.fsInfoOffset !== undefined) {
        const sector = await this.dev.read(g.fsInfoOffset, 512);
        free = parseFsInfo(sector, g.fsInfoOffset, g.clusterCount)?.freeClusters;
      }
      this.freeClusters = free ?? (await this.table.countFree());
    }
    return { blockSize: g.clusterSize, totalBlocks: g.clusterCount, freeBlocks: this.freeClusters };
  }

  /** The clusters holding a file or directory (diagnostics and tests: fragmentation, layout). */
  async clusterMap(ref: NodeRef): Promise<ClusterMap> {
    const node = await this.node(ref);
    if (node === undefined) return this.dirMap(undefined);
    return node.isDir ? this.dirMap(node) : this.fileMap(node);
  }

  // --- nodes -------------------------------------------------------------------------------

  /** Resolves a node reference to its short entry; undefined for the root. */
  private async node(ref: NodeRef): Promise<Node | undefined> {
    if (ref === ROOT) return undefined;
    const g = this.geometry;
    const off = typeof ref === 'number' ? ref : NaN;
    const inRoot = g.bits !== 32 && off >= g.rootDirOffset && off < g.rootDirOffset + g.rootDirBytes && (off - g.rootDirOffset) % DIR_ENTRY_SIZE === 0;
    const inData =
      off >= g.dataOffset &&
      (off - g.dataOffset) % DIR_ENTRY_SIZE === 0 &&
      (off - g.dataOffset) / g.clusterSize < g.clusterCount &&
      off + DIR_ENTRY_SIZE <= this.dev.size;
    if (!Number.isSafeInteger(off) || !(inRoot || inData)) {
      throw fsError('INVALID_ARGUMENT', `${String(ref)} is not a FAT directory entry position`);
    }
    const raw = await this.dev.read(off, DIR_ENTRY_SIZE);
    if (!isLiveShortEntry(raw)) throw fsError('NOT_FOUND', 'no live directory entry at this position', 'FAT directory entry', off);
    const entry = parseShortEntry(raw);
    const firstCluster = entry.clusterLow + (g.bits === 32 ? entry.clusterHigh * 0x10000 : 0);
    return { offset: off, entry, isDir: (entry.attr & ATTR_DIR) !== 0, firstCluster };
  }

  private async dirNode(ref: NodeRef): Promise<number> {
    const node = await this.node(ref);
    if (node === undefined) return ROOT;
    if (!node.isDir) throw fsError('NOT_A_DIRECTORY', `node ${String(ref)} is not a directory`, 'FAT directory entry', node.offset);
    return node.offset;
  }

  // --- cluster maps --------------------------------------------------------------------------

  private get layout() {
    const g = this.geometry;
    return { dev: this.dev, clusterSize: g.clusterSize, clusterOffset: (c: number) => g.dataOffset + (c - 2) * g.clusterSize };
  }

  private async fileMap(node: Node): Promise<ClusterMap> {
    const g = this.geometry;
    const need = Math.ceil(node.entry.size / g.clusterSize);
    const key = `${node.firstCluster}:${need}`;
    let map = this.maps.get(key);
    if (!map) {
      map = await walkChain(this.table, node.firstCluster, { need, what: `file at ${node.offset}` });
      this.checkInDevice(map, node.offset);
      this.maps.set(key, map);
    }
    return map;
  }

  /** Cluster chain of a directory (undefined: the FAT32 root). */
  private async dirMap(node: Node | undefined): Promise<ClusterMap> {
    const g = this.geometry;
    if (node === undefined && g.bits !== 32) return { runs: [], clusters: 0 };
    const start = node === undefined ? g.rootCluster : node.firstCluster;
    const where = node?.offset ?? 0;
    if (node !== undefined && (start === 0 || (g.bits === 32 && start === g.rootCluster))) {
      throw corrupt(`directory points at cluster ${start}`, 'FAT directory entry', where);
    }
    const key = `d${start}`;
    let map = this.maps.get(key);
    if (!map) {
      const limit = Math.max(1, Math.floor(MAX_DIR_BYTES / g.clusterSize));
      map = await walkChain(this.table, start, { limit, what: node === undefined ? 'root directory' : `directory at ${where}` });
      this.checkInDevice(map, where);
      this.maps.set(key, map);
    }
    return map;
  }

  private checkInDevice(map: ClusterMap, where: number): void {
    const g = this.geometry;
    for (const run of map.runs) {
      const end = g.dataOffset + (run.cluster - 2 + run.count) * g.clusterSize;
      if (end > this.dev.size) throw corrupt(`clusters ${run.cluster}..${run.cluster + run.count - 1} lie beyond the end of the device`, 'FAT cluster chain', where);
    }
  }

  // --- directories ---------------------------------------------------------------------------

  private async listing(dir: number): Promise<Listing> {
    const hit = this.listings.get(dir);
    if (hit) return hit;
    const g = this.geometry;
    const parser = new FatDirParser();
    let bytes: number;
    if (dir === ROOT && g.bits !== 32) {
      parser.push(await this.dev.read(g.rootDirOffset, g.rootDirBytes), g.rootDirOffset);
      bytes = g.rootDirBytes;
    } else {
      const map = await this.dirMap(dir === ROOT ? undefined : await this.node(dir));
      for (const run of map.runs) {
        const off = this.layout.clusterOffset(run.cluster);
        parser.push(await this.dev.read(off, run.count * g.clusterSize), off);
      }
      bytes = map.clusters * g.clusterSize;
    }
    const parsed = parser.result;
    const usable = parsed.entries.filter((e) => {
      if (isUsableName(e.name)) return true;
      this.warn(`skipped directory entry with unusable name ${JSON.stringify(e.name)} at offset ${e.offset}`);
      return false;
    });
    const entries: DirEntry[] = usable.map((e) => ({ name: e.name, node: e.offset, type: e.attr & ATTR_DIR ? 'dir' : 'file' }));
    const byName = new Map<string, number>();
    for (const e of usable) {
      const key = foldName(e.name);
      if (!byName.has(key)) byName.set(key, e.offset);
    }
    // 8.3 aliases match too (as in vfat), after every long name so they never shadow one.
    for (const e of usable) {
      const key = foldName(e.shortName);
      if (isUsableName(e.shortName) && !byName.has(key)) byName.set(key, e.offset);
    }
    const listing: Listing = { entries, byName, subdirs: parsed.subdirs, bytes, label: dir === ROOT ? parsed.label : undefined };
    this.listings.set(dir, listing);
    return listing;
  }
}
