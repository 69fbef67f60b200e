/** VMDK format module. */
export { VmdkImage, type VmdkExtentInfo } from './vmdk-image.js';
export { parseDescriptor, type VmdkDescriptor, type ExtentLine } from './descriptor.js';
export { openVmdk } from './open.js';
export { probeVmdk } from './probe.js';
export { vmdkFormat } from '../formats.js';
