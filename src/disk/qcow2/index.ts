/** qcow2 (QEMU copy-on-write v2/v3) image format module. */
import type { FormatModule } from '../formats.js';
import { Qcow2Image } from './image.js';

export { Qcow2Image } from './image.js';
export { readQcow2Header, type Qcow2Header, type CompressionType } from './header.js';

export const qcow2Format: FormatModule = {
  name: 'qcow2',
  // "QFI\xfb"; qcow v1 shares the magic and is refused with a clear error by the opener.
  probe: (head) => head.length >= 4 && head[0] === 0x51 && head[1] === 0x46 && head[2] === 0x49 && head[3] === 0xfb,
  open: (file, ctx) => Qcow2Image.open(file, ctx),
};
