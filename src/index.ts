/**
 * guestguard library API. The CLI, workers and server are thin layers over these exports.
 */
export * from './errors.js';
export type { BlockDevice, ReadStats } from './disk/block-device.js';
export type { DiskImage, ImageFormat, OpenImageOptions } from './disk/disk-image.js';
export { backingChain } from './disk/disk-image.js';
export { openImage, detectFormat } from './disk/open-image.js';
export { CachedDevice, SliceDevice } from './disk/cached-device.js';
export type { Volume, DiskLayout, ContentProbe } from './volume/types.js';
export { scanDisks } from './volume/scan.js';
export { describeDisk, diskReport, type DiskReport, type VolumeReport } from './volume/report.js';
export type { FileSystemDriver, Stat, DirEntry, FileType, StatFs, NodeRef } from './fs/types.js';
export { openFileSystem, READABLE_FILESYSTEMS } from './fs/open-fs.js';
export { GuestFileSystem, type Mount } from './fs/vfs.js';
export { DiskSession, openGuestView, type GuestViewOptions } from './guest/session.js';
export { FilesystemCatalog, type GuestFilesystemInfo } from './guest/filesystems.js';
export { findRoots, assembleGuest, mountExplicit, type AssembledGuest, type RootCandidate } from './guest/assemble.js';
export { parseFstab, type FstabEntry } from './guest/fstab.js';
export { canonicalDeviceName } from './guest/device-names.js';
export { listGuestPath, type ListingEntry } from './guest/listing.js';
export { copyOut, type CopyOutResult } from './guest/copy-out.js';
export { listFilesystems, type FilesystemRow } from './guest/filesystem-list.js';
export { VERSION } from './version.js';
export { streamDevice, type StreamOptions } from './disk/stream.js';
export * as audit from './audit/index.js';
// The job layer (BullMQ, fastify, SQLite) takes seconds to load: it is its own entry point,
// `guestguard/jobs`, so the disk/guest/audit API stays quick to import. Sandboxes: `guestguard/sandbox`.
