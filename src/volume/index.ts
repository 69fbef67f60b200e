/** Public API of the volume layer: partition tables, LVM, content probes, disk scan. */
export type { ContentProbe, Volume, DiskLayout } from './types.js';
export { scanDisks, flattenVolumes, diskName, type ScanOptions } from './scan.js';
export { probeContent, PROBES } from './probe.js';
export { readGpt, gptTypeName, type GptTable, type GptPartition } from './gpt.js';
export { readMbr, looksLikeMbr, isEmptyMbr, mbrTypeName, isExtendedType, type MbrTable, type MbrPartition, type MbrLimits } from './mbr.js';
export { crc32, lvmCrc } from './crc32.js';
export { UnsupportedDevice } from './unsupported-device.js';
export * from './lvm/index.js';
