/**
 * The one read-only interface every layer above the image formats consumes: a flat byte
 * device of a known virtual size. Image formats, partitions, LVM volumes and RAID stripes
 * all present themselves as a BlockDevice.
 */
export interface BlockDevice {
  /** Virtual size in bytes. */
  readonly size: number;
  /** Human name for errors and output (file path, "/dev/sda1", ...). */
  readonly name: string;
  /**
   * Reads exactly `length` bytes at `offset`. Reading past `size` throws OUT_OF_RANGE.
   * Unallocated ranges read as zeros (or from a backing image).
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Releases file handles. Idempotent. */
  close(): Promise<void>;
}

/** Statistics some devices keep (bytes actually read from the host files). */
export interface ReadStats {
  hostBytesRead: number;
  hostReads: number;
}
