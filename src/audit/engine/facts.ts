/**
 * What rules are evaluated against: the guest's files (one cached read per file per run) and
 * the inspected OS. Parsed facts come from the inspection when it has them (users, sshd,
 * sysctl, services, packages) and are computed on first use otherwise, through the same
 * readers inspection uses, so nothing is parsed twice and no rule re-reads /etc/passwd.
 */
import { GuestguardError, GuestPathError, isMissingPath } from '../../errors.js';
import type { Stat } from '../../fs/types.js';
import type { GuestFileSystem } from '../../fs/vfs.js';
import { parseFstab, type FstabEntry } from '../../guest/fstab.js';
import type { OperatingSystem } from '../../guest/inspect/types.js';
import {
  GuestReader,
  inspectLinuxServices,
  inspectLinuxUsers,
  readSshdConfig,
  readSysctl,
  type LinuxServices,
  type LinuxUsers,
  type SshdConfig,
  type SysctlInfo,
} from '../../guest/linux/index.js';
import { MAX_CONFIG_BYTES, lines as splitLines } from '../../guest/linux/reader.js';
import { expandGlob, hasGlobChars } from '../../guest/linux/text.js';
import { listPackages, type PackageInfo } from '../../guest/packages/index.js';
import type { Hive } from '../../guest/windows/regf/index.js';
import { readModprobe, type ModprobeLine } from './modprobe.js';
import { familyOf } from './family.js';
import type { Family } from './schema.js';
import { isWithin, subtree, walkPermissions, type WalkResult } from './walk.js';

export type FileText = { kind: 'missing' } | { kind: 'file'; lines: string[]; stat: Stat };

export interface PackageDb {
  /** deb, rpm, apk, pacman. */
  format: string;
  byName: Map<string, PackageInfo[]>;
}

export class AuditFacts {
  readonly reader: GuestReader;
  readonly family: Family | undefined;
  private readonly memo = new Map<string, Promise<unknown>>();
  private readonly walkRoots = new Set<string>();
  private readonly startedWalks: Promise<WalkResult>[] = [];

  private constructor(
    readonly view: GuestFileSystem,
    readonly os: OperatingSystem,
  ) {
    this.reader = new GuestReader(view);
    this.family = familyOf(os);
  }

  /** Facts of one assembled guest and its inspection entry. */
  static fromGuest(view: GuestFileSystem, os: OperatingSystem): AuditFacts {
    return new AuditFacts(view, os);
  }

  /** Problems met while reading guest files for facts (oversized, corrupt); the run goes on. */
  get warnings(): string[] {
    return this.reader.warnings;
  }

  private once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      this.memo.set(key, p);
    }
    return p;
  }

  /**
   * A text file split into lines, or missing. Unlike inspection's lenient reads, a file that
   * exists but cannot be judged (a directory, a device, larger than 4 MiB, corrupt) throws, so
   * the rule reports an error instead of treating the file as absent.
   */
  file(path: string): Promise<FileText> {
    return this.once(`file\0${path}`, async () => {
      let st: Stat;
      try {
        st = await this.view.stat(path);
      } catch (err) {
        if (isMissingPath(err)) return { kind: 'missing' };
        throw err;
      }
      if (st.type !== 'file') throw new GuestPathError(st.type === 'dir' ? 'IS_A_DIRECTORY' : 'INVALID_ARGUMENT', `${path} is not a regular file (${st.type})`, { path });
      if (st.size > MAX_CONFIG_BYTES) throw new GuestPathError('LIMIT_EXCEEDED', `${path} is ${st.size} bytes, more than the ${MAX_CONFIG_BYTES}-byte limit for files rules read`, { path });
      // Shared with the readers' cache (sysctl, users... read through the same GuestReader).
      const text = await this.reader.text(path, MAX_CONFIG_BYTES);
      if (text === undefined) throw new GuestguardError('IO_ERROR', `${path} could not be read: ${this.reader.warnings.filter((w) => w.startsWith(path)).join('; ') || 'unknown reason'}`, { path });
      const ls = splitLines(text);
      if (ls.length > 0 && ls[ls.length - 1] === '') ls.pop();
      return { kind: 'file', lines: ls, stat: st };
    });
  }

  /** Line `n` (1-based) of a file read before, for evidence. */
  async lineText(path: string, n: number): Promise<string | undefined> {
    try {
      const f = await this.file(path);
      return f.kind === 'file' ? f.lines[n - 1] : undefined;
    } catch {
      return undefined;
    }
  }

  /** lstat, or undefined when the path does not exist. */
  lstat(path: string): Promise<Stat | undefined> {
    return this.once(`lstat\0${path}`, async () => {
      try {
        return await this.view.lstat(path);
      } catch (err) {
        if (isMissingPath(err)) return undefined;
        throw err;
      }
    });
  }

  /** stat (symlinks followed), or undefined when the path or its target does not exist. */
  stat(path: string): Promise<Stat | undefined> {
    return this.once(`stat\0${path}`, async () => {
      try {
        return await this.view.stat(path);
      } catch (err) {
        if (isMissingPath(err)) return undefined;
        throw err;
      }
    });
  }

  /** Paths a pattern names: itself when it has no wildcard, else its existing matches sorted. */
  glob(pattern: string): Promise<string[]> {
    if (!hasGlobChars(pattern)) return Promise.resolve([pattern]);
    return this.once(`glob\0${pattern}`, () => expandGlob(this.reader, pattern));
  }

  users(): Promise<LinuxUsers> {
    const os = this.os;
    return this.once('users', async () => (os.type === 'linux' && os.users ? os.users : inspectLinuxUsers(this.reader)));
  }

  sshd(): Promise<SshdConfig> {
    const os = this.os;
    return this.once('sshd', async () => (os.type === 'linux' && os.security ? os.security.sshd : readSshdConfig(this.reader)));
  }

  sysctl(): Promise<SysctlInfo> {
    const os = this.os;
    return this.once('sysctl', async () => (os.type === 'linux' && os.security ? os.security.sysctl : readSysctl(this.reader)));
  }

  services(): Promise<LinuxServices> {
    const os = this.os;
    return this.once('services', async () => (os.type === 'linux' && os.services ? os.services : inspectLinuxServices(this.reader)));
  }

  /** Installed packages by name, or undefined when the guest has no package database. */
  packages(): Promise<PackageDb | undefined> {
    const os = this.os;
    return this.once('packages', async () => {
      let format: string | null = null;
      let list: PackageInfo[] | undefined;
      if (os.type === 'linux' && os.packages) {
        if (os.package_database === null) return undefined;
        format = os.package_database.format;
        list = os.packages;
      } else {
        const got = await listPackages(this.view);
        if (!got) return undefined;
        for (const w of got.warnings) this.reader.warn(`${got.manager} database: ${w}`);
        format = got.format;
        list = got.packages;
      }
      const byName = new Map<string, PackageInfo[]>();
      for (const p of list) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
      return { format, byName };
    });
  }

  fstab(): Promise<FstabEntry[]> {
    return this.once('fstab', async () => {
      const f = await this.file('/etc/fstab');
      return f.kind === 'file' ? parseFstab(f.lines.join('\n')) : [];
    });
  }

  modprobe(): Promise<ModprobeLine[]> {
    return this.once('modprobe', () => readModprobe(this));
  }

  /** Announces subtrees rules will walk, so one walk of the topmost serves them all. */
  planWalks(roots: string[]): void {
    for (const r of roots) this.walkRoots.add(r);
  }

  /**
   * Walks already under way on this guest's view (started while inspection ran); a rule whose
   * subtree one of them covers uses it instead of walking again.
   */
  adoptWalks(walks: Promise<WalkResult>[]): void {
    this.startedWalks.push(...walks);
  }

  /** The bounded permission walk of a subtree, shared with every other rule that walks it or an ancestor. */
  async walk(path: string): Promise<WalkResult> {
    const real = await this.realpath(path);
    if (real === undefined) return { root: undefined, entries: [], visited: 0 };
    for (const started of this.startedWalks) {
      const w = await started;
      if (w.root !== undefined && isWithin(real, w.root)) return subtree(w, real);
    }
    const planned = [...this.walkRoots, path];
    const reals = await Promise.all(planned.map((p) => this.realpath(p)));
    let top = real;
    for (const r of reals) if (r !== undefined && isWithin(real, r) && r.length < top.length) top = r;
    const w = await this.once(`walk\0${top}`, () => walkPermissions(this.view, top));
    return subtree(w, real);
  }

  realpath(path: string): Promise<string | undefined> {
    return this.once(`realpath\0${path}`, async () => {
      try {
        return (await this.view.resolve(path, true)).path;
      } catch (err) {
        if (isMissingPath(err)) return undefined;
        throw err;
      }
    });
  }

  /** A Windows registry hive of this guest, opened once (read lazily). */
  hive(name: 'SYSTEM' | 'SOFTWARE'): Promise<{ hive: Hive; path: string }> {
    const os = this.os;
    return this.once(`hive\0${name}`, async () => {
      // The Windows modules load only for rules that read a hive.
      const [{ findPath }, { findSystemRoot }, { Hive }] = await Promise.all([
        import('../../guest/windows/guest-paths.js'),
        import('../../guest/windows/inspect.js'),
        import('../../guest/windows/regf/index.js'),
      ]);
      let path = os.type === 'windows' ? (name === 'SYSTEM' ? os.hives.system : os.hives.software) : null;
      if (!path) {
        const root = await findSystemRoot(this.view);
        path = (await findPath(this.view, root, `System32/config/${name}`)) ?? null;
        if (!path) throw new GuestPathError('NOT_FOUND', `the ${name} hive is not in ${root}/System32/config`, { path: root });
      }
      return { hive: await Hive.openFile(this.view, path), path };
    });
  }
}
