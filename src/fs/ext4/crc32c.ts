/** ext4 and jbd2 checksums use the raw CRC-32C register update (seed passed by the caller). */
export { crc32cUpdate as crc32c } from '../../util/crc32c.js';
