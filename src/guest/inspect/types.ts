/**
 * The report `guestguard inspect` prints: one entry per operating system found on the disks.
 * Field names are snake_case because this is the documented JSON (docs/inspection.schema.json
 * is generated from these types). Top-level facts of an OS are always present (null when
 * unknown); a section skipped with --no-<section> or that failed is null, and a failure is
 * named in `errors`.
 */
import type { ImageFormat } from '../../disk/disk-image.js';
import type {
  CloudInitInfo,
  GuestTools,
  InitSystem,
  KernelInfo,
  LinuxBoot,
  LinuxNetwork,
  LinuxSecurity,
  LinuxServices,
  LinuxUsers,
  LocaleInfo,
  OsRelease,
} from '../linux/index.js';
import type { PackageInfo } from '../packages/index.js';
import type { WindowsApplication, WindowsDriveMapping, WindowsSecurityFacts, WindowsService } from '../windows/index.js';

/** Sections that --no-<section> skips. */
export type InspectSection = 'packages' | 'services' | 'users' | 'network' | 'kernels' | 'security';

export const INSPECT_SECTIONS: readonly InspectSection[] = ['packages', 'services', 'users', 'network', 'kernels', 'security'];

export interface InspectionReport {
  /** Version of this report format; raised only on incompatible changes. */
  schema_version: 1;
  /** Program and version that wrote the report, e.g. "guestguard 0.1.0". */
  generator: string;
  /** The disk images inspected, in the order given (the first is /dev/sda). */
  disks: InspectedDisk[];
  /** Every operating system found, ordered by root device. */
  operating_systems: OperatingSystem[];
  /** Problems with the disks as a whole (damaged partition table, incomplete LVM volume group...). */
  warnings: string[];
}

export interface InspectedDisk {
  /** Image path as given on the command line. */
  path: string;
  /** Guest device name of the disk (/dev/sda, /dev/sdb, ...). */
  device: string;
  /** Container format detected (raw, qcow2, vmdk, vhd, vhdx, vdi). */
  format: ImageFormat;
  /** Virtual disk size in bytes. */
  size: number;
  /** Partition table found: mbr, gpt or none. */
  partition_table: 'mbr' | 'gpt' | 'none';
}

export type OperatingSystem = LinuxOperatingSystem | WindowsOperatingSystem | OtherOperatingSystem;

/** What every operating system entry has; the names follow virt-inspector's. */
export interface OperatingSystemBase {
  /** Device of the root filesystem, as libguestfs names it (/dev/sda2, /dev/vg0/root, btrfsvol:/dev/sda2/@). */
  root: string;
  /** virt-inspector's <name>: linux, windows, freebsd, or unknown. */
  type: 'linux' | 'windows' | 'freebsd' | 'unknown';
  /** libguestfs distro id (debian, ubuntu, rhel, fedora, alpinelinux, windows, ...). */
  distro: string | null;
  product_name: string | null;
  major_version: number;
  minor_version: number;
  /** Architecture of the OS binaries (x86_64, i386, aarch64, ...). */
  arch: string | null;
  hostname: string | null;
  /** libosinfo short id (debian12, rhel9.4, win2k22, ...). */
  osinfo: string | null;
  /** deb, rpm, apk, pacman, ... (libguestfs names). */
  package_format: string | null;
  /** apt, dnf, yum, zypper, apk, pacman, ... (libguestfs names). */
  package_management: string | null;
  /** Time zone name (Europe/Paris; on Windows the registry key name, e.g. "Pacific Standard Time"). */
  timezone: string | null;
  /**
   * Linux: guest mount point → device, from the root and /etc/fstab, as virt-inspector's
   * mountpoints. Windows: drive letter ("C:") → device, from SYSTEM\MountedDevices.
   */
  mountpoints: Record<string, string>;
  /** Filesystems belonging to this OS (root, fstab entries including swap), sorted by device. */
  filesystems: OsFilesystem[];
  /** Files or records that could not be read; the rest of the report stands. */
  warnings: string[];
  /** Sections that failed as a whole. */
  errors: SectionError[];
}

export interface SectionError {
  section: string;
  message: string;
}

export interface OsFilesystem {
  device: string;
  /** blkid type: ext4, xfs, btrfs, vfat, ntfs, swap, ... */
  type: string;
  label: string | null;
  uuid: string | null;
}

export interface LinuxOperatingSystem extends OperatingSystemBase {
  type: 'linux';
  /** os-release BUILD_ID. */
  build_id: string | null;
  os_release: OsRelease | null;
  /** /etc/machine-id (32 lower-case hex digits), null when absent or uninitialized. */
  machine_id: string | null;
  locale: LocaleInfo | null;
  init_system: InitSystem | null;
  cloud_init: CloudInitInfo | null;
  /** Hypervisor and cloud guest agents (qemu-guest-agent, open-vm-tools, ...). */
  guest_tools: GuestTools | null;
  /** The guest files each identity fact was read from. */
  evidence: LinuxEvidence;
  /** Package database the packages came from; null when none was found or --no-packages. */
  package_database: PackageDatabase | null;
  /** Installed packages sorted by name; [] when the guest has no package database; null when skipped (--no-packages) or unreadable. */
  packages: PackageInfo[] | null;
  services: LinuxServices | null;
  users: LinuxUsers | null;
  network: LinuxNetwork | null;
  /** Installed kernels (--no-kernels skips them with the boot configuration). */
  kernels: KernelInfo[] | null;
  /** Boot loader, boot entries, kernel command line and firmware (skipped by --no-kernels). */
  boot: LinuxBootConfig | null;
  security: LinuxSecurity | null;
}

export type LinuxBootConfig = Omit<LinuxBoot, 'kernels'>;

export interface LinuxEvidence {
  release_file: string | null;
  arch_binary: string | null;
  hostname_source: string | null;
  timezone_source: string | null;
  /** What /sbin/init resolves to. */
  init_path: string | null;
}

export interface PackageDatabase {
  /** deb, rpm, apk or pacman. */
  format: string;
  /** dpkg, rpm, apk or pacman. */
  manager: string;
  count: number;
}

export interface WindowsOperatingSystem extends OperatingSystemBase {
  type: 'windows';
  /** "Client" or "Server" (InstallationType when present), as virt-inspector's product_variant. */
  product_variant: string | null;
  /** EditionID, e.g. "ServerDatacenter", "Professional". */
  edition: string | null;
  /** CurrentBuildNumber, e.g. 20348. */
  build: number | null;
  /** UBR: cumulative update revision. */
  update_build_revision: number | null;
  /** DisplayVersion ("22H2") or ReleaseId ("1809"). */
  display_version: string | null;
  /** InstallationType: "Client", "Server", "Server Core". */
  installation_type: string | null;
  /** The Windows directory as Windows names it ("C:\\Windows"). */
  system_root: string | null;
  /** The Windows directory as a path on the root filesystem ("/Windows"), virt-inspector's windows_systemroot. */
  system_root_path: string | null;
  /** virt-inspector's windows_current_control_set ("ControlSet001"). */
  current_control_set: string | null;
  /** DNS domain suffix (Tcpip Parameters Domain). */
  domain: string | null;
  /** OS install time, ISO 8601. */
  install_time: string | null;
  /** Drive letters from SYSTEM\MountedDevices with the device each resolves to on these disks. */
  drive_mappings: DriveMapping[];
  /** Installed programs (Uninstall keys, native and WOW6432Node); null with --no-packages. */
  applications: WindowsApplication[] | null;
  services: WindowsService[] | null;
  security: WindowsSecurityFacts | null;
  /** Guest paths of the registry hives read. */
  hives: { software: string | null; system: string | null };
}

export type DriveMapping = WindowsDriveMapping & {
  /** The partition on these disks the letter names (libguestfs device name), null when not on them. */
  device: string | null;
};

/** An OS guestguard recognises by its layout but does not inspect further (FreeBSD, ...). */
export interface OtherOperatingSystem extends OperatingSystemBase {
  type: 'freebsd' | 'unknown';
}
