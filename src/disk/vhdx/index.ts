/** VHDX format module: probe + open. */
import type { FormatModule } from '../formats.js';
import { probeVhdx } from './headers.js';
import { VhdxImage } from './vhdx-image.js';

export { VhdxImage, type VhdxKind } from './vhdx-image.js';
export { crc32c } from '../../util/crc32c.js';

export const vhdxFormat: FormatModule = {
  name: 'vhdx',
  probe: (head) => probeVhdx(head),
  open: (file, ctx) => VhdxImage.open(file, ctx),
};
