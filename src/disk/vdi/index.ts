/** VDI format module: probe + open. */
export { VdiImage } from './vdi-image.js';

export { vdiFormat } from '../formats.js';
