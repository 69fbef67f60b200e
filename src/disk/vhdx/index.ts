/** VHDX format module: probe + open. */
export { VhdxImage, type VhdxKind } from './vhdx-image.js';
export { crc32c } from '../../util/crc32c.js';

export { vhdxFormat } from '../formats.js';
