export { findPvLabel, readPvLabel, type PvLabel, type DiskArea } from './label.js';
export { readMetadataArea, MDA_MAGIC, MAX_METADATA_BYTES, type MetadataText } from './mda.js';
export { parseLvmConfig, ConfigSection, type ConfigLimits, type ConfigValue, type ConfigScalar } from './config.js';
export { readVolumeGroup, type VolumeGroupMetadata, type VgLv, type VgPv, type Segment, type Stripe } from './vg.js';
export { LvDevice, type MappedSegment, type SegmentArea } from './lv-device.js';
export { assembleLvm, type PhysicalVolume, type AssembledLv, type AssembledVg, type LvmAssembly } from './assemble.js';
export { formatLvmUuid, normalizeLvmUuid, isLvmId } from './uuid.js';
