/** VDI format module: probe + open. */
import type { FormatModule } from '../formats.js';
import { probeVdi } from './header.js';
import { VdiImage } from './vdi-image.js';

export { VdiImage } from './vdi-image.js';

export const vdiFormat: FormatModule = {
  name: 'vdi',
  probe: (head) => probeVdi(head),
  open: (file) => VdiImage.open(file),
};
