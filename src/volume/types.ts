import type { BlockDevice } from '../disk/block-device.js';

/** What a superblock probe found on a device (blkid-like). */
export interface ContentProbe {
  /** blkid TYPE: ext2|ext3|ext4|xfs|btrfs|vfat|exfat|ntfs|iso9660|swap|LVM2_member|crypto_LUKS|linux_raid_member|BitLocker */
  fs: string;
  label?: string;
  uuid?: string;
  /** Extra facts, e.g. {"version":"2"} for LUKS or the md array UUID. */
  details?: Record<string, string>;
}

/**
 * A node in the volume tree: the whole disk, a partition, or a logical volume. Every node
 * is also a readable device (`device`), so the filesystem layer never cares where it sits.
 */
export interface Volume {
  /** libguestfs-style name: /dev/sda, /dev/sda1, /dev/VG/LV. */
  name: string;
  /** Byte offset within the whole disk (for LVs: of their first segment). */
  start: number;
  size: number;
  /** Partition type name ("Linux filesystem", "EFI System", "Linux LVM", "W95 FAT32 (LBA)", ...). */
  type?: string;
  /** Partition table entry facts. */
  partition?: {
    scheme: 'mbr' | 'gpt';
    number: number;
    /** GPT type GUID or MBR type byte as two hex digits. */
    typeCode: string;
    uuid?: string;
    label?: string;
    bootable?: boolean;
    /** GPT attribute bits as 16 hex digits ("0x0000000000000004" = legacy BIOS bootable). */
    attributes?: string;
    /** MBR: "primary" or "logical" (logical partitions are numbered from 5). */
    kind?: 'primary' | 'logical';
  };
  /** For LVs. */
  lvm?: {
    vg: string;
    lv: string;
    uuid: string;
    segments: number;
    striped: boolean;
    /** Segment types as LVM names them ("striped", "thin", "raid1", ...). */
    segmentTypes?: string[];
  };
  /**
   * Set when the volume is known but cannot be read (LVM thin/raid/snapshot/mirror, missing
   * PVs): the reason. Its `device` then throws on every read.
   */
  unsupported?: string;
  /** What lives on this volume (filesystem, PV, LUKS, swap...). */
  content?: ContentProbe;
  children: Volume[];
  device: BlockDevice;
}

export interface DiskLayout {
  /** /dev/sda, /dev/sdb, ... */
  name: string;
  scheme: 'mbr' | 'gpt' | 'none';
  /** GPT disk GUID or MBR disk signature. */
  diskId?: string;
  /** Logical sector size the partition table was found with (512 or 4096). */
  sectorSize?: number;
  size: number;
  device: BlockDevice;
  /** Partitions (or, with no table, a single volume for the whole disk). */
  volumes: Volume[];
  /** Problems that did not stop the scan (backup GPT used, LVM VG incomplete, ...). */
  warnings: string[];
}
