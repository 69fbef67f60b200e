/** Windows guest inspection and the registry hive reader it is built on. */
export { inspectWindows, findSystemRoot, type InspectWindowsOptions } from './inspect.js';
export { windowsOsinfo, type OsinfoInput } from './osinfo.js';
export { decodeMountedDevice } from './mounted-devices.js';
export { peMachine, machineArch, peArch } from './pe.js';
export { findPath } from './guest-paths.js';
export { serviceStart, serviceType } from './system.js';
export type {
  WindowsInfo,
  WindowsArch,
  WindowsDriveMapping,
  WindowsApplication,
  WindowsService,
  ServiceStart,
  ServiceType,
  WindowsSecurityFacts,
  FirewallProfileFacts,
} from './types.js';
export * from './regf/index.js';
