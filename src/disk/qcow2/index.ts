/** qcow2 (QEMU copy-on-write v2/v3) image format module. */
export { Qcow2Image } from './image.js';
export { readQcow2Header, type Qcow2Header, type CompressionType } from './header.js';

export { qcow2Format } from '../formats.js';
