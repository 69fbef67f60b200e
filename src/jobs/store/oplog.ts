/**
 * Append-only operation log beside the embedded store's SQLite snapshot.
 *
 * sql.js keeps the database in memory and can only save it whole, so writing the file after
 * every state change costs O(database) per job. Instead each change is appended here as the
 * SQL statements that made it (one JSON line per logical change, written before the change is
 * acknowledged), and the snapshot is rewritten only when the log has grown as large as the
 * database. Opening the store loads the snapshot and replays the log.
 *
 * Generations tie a log to its snapshot: the log's first line names the generation, and the
 * snapshot stores the generation its log must have. Compaction writes a snapshot of generation
 * G+1 and then replaces the log; a crash between the two leaves a log of generation G that the
 * next open ignores (its changes are already in the snapshot).
 *
 * A line is applied only when it is complete (ends in a newline and parses): a crash mid-write
 * loses that one unacknowledged change, never the log.
 */
import { closeSync, existsSync, fdatasync, fdatasyncSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqlParam = number | string | null;
export type Statement = readonly [sql: string, params: readonly SqlParam[]];

export interface LogContents {
  /** Generation named by the log's header, undefined when the file is missing or headerless. */
  generation: number | undefined;
  /** Complete entries, in order. */
  entries: Statement[][];
  /** Bytes after the last complete entry (a torn write), ignored. */
  tornBytes: number;
}

/** Reads a log file; a missing file is an empty log. */
export function readLog(path: string): LogContents {
  if (!existsSync(path)) return { generation: undefined, entries: [], tornBytes: 0 };
  const text = readFileSync(path, 'utf8');
  const entries: Statement[][] = [];
  let generation: number | undefined;
  let pos = 0;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) break;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.slice(pos, nl));
    } catch {
      break; // garbage: nothing after it can be trusted
    }
    if (generation === undefined) {
      const g = (parsed as { generation?: unknown })?.generation;
      if (typeof g !== 'number' || !Number.isSafeInteger(g)) break;
      generation = g;
    } else {
      if (!isEntry(parsed)) break;
      entries.push(parsed);
    }
    pos = nl + 1;
  }
  return { generation, entries, tornBytes: text.length - pos };
}

function isEntry(v: unknown): v is Statement[] {
  return (
    Array.isArray(v) &&
    v.every((s) => Array.isArray(s) && s.length === 2 && typeof s[0] === 'string' && Array.isArray(s[1]) && s[1].every((p: unknown) => p === null || typeof p === 'number' || typeof p === 'string'))
  );
}

export interface OplogOptions {
  /** 'always': fdatasync before append() returns. 'batched' (default): fdatasync within syncDelayMs, off the main thread. */
  fsync?: 'always' | 'batched';
  syncDelayMs?: number;
}

/**
 * An open log for appending. Appends are written with one write(2) each, so once append()
 * returns the change survives a crash of this process; it survives a power loss once synced.
 */
export class Oplog {
  private fd: number;
  private bytes: number;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private unsynced = false;
  private closed = false;

  private constructor(
    readonly path: string,
    readonly generation: number,
    fd: number,
    bytes: number,
    private readonly opts: OplogOptions,
  ) {
    this.fd = fd;
    this.bytes = bytes;
  }

  /** Atomically replaces whatever log is at `path` by an empty one of `generation`. */
  static create(path: string, generation: number, opts: OplogOptions = {}): Oplog {
    const header = JSON.stringify({ generation }) + '\n';
    const tmp = `${path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, header);
      fdatasyncSync(fd);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    renameSync(tmp, path);
    syncDirectory(path);
    return new Oplog(path, generation, fd, Buffer.byteLength(header), opts);
  }

  /** Bytes in the log, header included. */
  get size(): number {
    return this.bytes;
  }

  append(entry: readonly Statement[]): void {
    if (this.closed) throw new Error(`operation log ${this.path} is closed`);
    const line = JSON.stringify(entry) + '\n';
    const buf = Buffer.from(line);
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done);
    this.bytes += buf.length;
    this.unsynced = true;
    if (this.opts.fsync === 'always') this.syncNow();
    else this.scheduleSync();
  }

  /** Synchronous fdatasync (shutdown, explicit flush). */
  syncNow(): void {
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    if (!this.unsynced || this.closed) return;
    this.unsynced = false;
    fdatasyncSync(this.fd);
  }

  private scheduleSync(): void {
    if (this.syncTimer || this.syncing) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      if (!this.unsynced || this.closed) return;
      this.unsynced = false;
      // On the libuv pool: the main thread keeps serving jobs while the disk catches up.
      this.syncing = new Promise<void>((resolve) => fdatasync(this.fd, () => resolve())).then(() => {
        this.syncing = undefined;
        if (this.unsynced) this.scheduleSync();
      });
    }, this.opts.syncDelayMs ?? 50);
    this.syncTimer.unref();
  }

  /** Closes the file once any background sync has finished. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.syncTimer);
    await this.syncing;
    this.closeSync();
  }

  /** Closes now; a background sync still running is left to finish on its own descriptor copy. */
  closeSync(): void {
    if (this.closed) return;
    clearTimeout(this.syncTimer);
    this.closed = true;
    const fd = this.fd;
    // fdatasync on the pool may still hold this descriptor: close after it, never under it.
    if (this.syncing) void this.syncing.then(() => closeSync(fd));
    else closeSync(fd);
  }
}

/** Makes a rename in `path`'s directory durable. */
export function syncDirectory(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dirname(path), 'r');
    fsyncSync(fd);
  } catch {
    // some filesystems refuse fsync on directories; the rename itself is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
