/** VHD format module: probe + open. */
export { VhdImage, type VhdKind } from './vhd-image.js';

export { vhdFormat } from '../formats.js';
export { probeVhd } from './footer.js';
