/** Windows registry hive (regf) reader. */
export { Hive, MAX_KEY_DEPTH, splitPath, type HiveOptions } from './hive.js';
export { RegistryKey, KEY_COMP_NAME, KEY_HIVE_ENTRY, KEY_SYM_LINK } from './key.js';
export {
  RegistryValue,
  decodeData,
  typeName,
  DB_SEGMENT,
  REG_NONE,
  REG_SZ,
  REG_EXPAND_SZ,
  REG_BINARY,
  REG_DWORD,
  REG_DWORD_BIG_ENDIAN,
  REG_LINK,
  REG_MULTI_SZ,
  REG_RESOURCE_LIST,
  REG_FULL_RESOURCE_DESCRIPTOR,
  REG_RESOURCE_REQUIREMENTS_LIST,
  REG_QWORD,
  type RegData,
} from './value.js';
export { RegistryError } from './errors.js';
export type { BaseBlock } from './base-block.js';
export { bytesSource, guestFileSource, WHOLE_HIVE_MAX, type GuestFileSourceOptions, type HiveSource } from './source.js';
export { filetimeToDate } from './filetime.js';
