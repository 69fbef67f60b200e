/** OS inspection of disk images: the report behind `guestguard inspect`. */
export { inspectDisks, inspectSession, type InspectOptions, type InspectSessionOptions } from './inspect.js';
export { reportToXml, escapeXmlText, escapeXmlAttr } from './xml.js';
export { reportToTable } from './table.js';
export { resolveDriveMappings, windowsMountpoints } from './drive-letters.js';
export { fstabMountables, mountpointMap, osFilesystems, sortMountpoints, type FstabMountable } from './os-filesystems.js';
export type { InspectProgress, InspectStep, ProgressListener } from './progress.js';
export { INSPECT_SECTIONS } from './types.js';
export type {
  InspectionReport,
  InspectedDisk,
  InspectSection,
  OperatingSystem,
  OperatingSystemBase,
  LinuxOperatingSystem,
  WindowsOperatingSystem,
  OtherOperatingSystem,
  OsFilesystem,
  SectionError,
  LinuxEvidence,
  LinuxBootConfig,
  PackageDatabase,
  DriveMapping,
} from './types.js';
