/**
 * One Linux root → its report entry: identity (always), then the sections the caller wants,
 * all read through one GuestReader so files several sections need are read once.
 */
import type { AssembledGuest } from '../assemble.js';
import type { FilesystemCatalog } from '../filesystems.js';
import {
  GuestReader,
  inspectLinuxBoot,
  inspectLinuxIdentity,
  inspectLinuxNetwork,
  inspectLinuxSecurity,
  inspectLinuxServices,
  inspectLinuxUsers,
  type LinuxIdentity,
} from '../linux/index.js';
import { listPackages } from '../packages/index.js';
import { fstabMountables, mountpointMap, osFilesystems } from './os-filesystems.js';
import type { InspectStep } from './progress.js';
import { pushWarnings, runSection } from './sections.js';
import type { InspectSection, LinuxOperatingSystem } from './types.js';

export interface OsContext {
  catalog: FilesystemCatalog;
  assembled: AssembledGuest;
  want: (s: InspectSection) => boolean;
  step: (s: InspectStep, message: string) => void;
}

export async function inspectLinuxOs(ctx: OsContext): Promise<LinuxOperatingSystem> {
  const { assembled, want, step } = ctx;
  const root = assembled.root.fs;
  const warnings: string[] = [...assembled.warnings];
  const errors: LinuxOperatingSystem['errors'] = [];
  const reader = new GuestReader(assembled.view);

  const entries = fstabMountables(ctx.catalog, root, assembled.fstab, () => undefined);
  step('identity', 'identity');
  const id: LinuxIdentity | null = await runSection('identity', errors, () => inspectLinuxIdentity(reader));

  const os: LinuxOperatingSystem = {
    root: root.device,
    type: 'linux',
    distro: id?.distro ?? null,
    product_name: id?.product_name ?? null,
    major_version: id?.major_version ?? 0,
    minor_version: id?.minor_version ?? 0,
    arch: id?.arch ?? null,
    hostname: id?.hostname ?? null,
    osinfo: id?.osinfo ?? null,
    package_format: id?.package_format ?? null,
    package_management: id?.package_management ?? null,
    timezone: id?.timezone ?? null,
    mountpoints: mountpointMap(entries),
    filesystems: osFilesystems(entries),
    warnings,
    errors,
    build_id: id?.build_id ?? null,
    os_release: id?.os_release ?? null,
    machine_id: id?.machine_id ?? null,
    locale: id?.locale ?? null,
    init_system: id?.init_system ?? null,
    cloud_init: id?.cloud_init ?? null,
    guest_tools: id?.guest_tools ?? null,
    evidence: {
      release_file: id?.release_file ?? null,
      arch_binary: id?.arch_binary ?? null,
      hostname_source: id?.hostname_source ?? null,
      timezone_source: id?.timezone_source ?? null,
      init_path: id?.init_path ?? null,
    },
    package_database: null,
    packages: null,
    services: null,
    users: null,
    network: null,
    kernels: null,
    boot: null,
    security: null,
  };

  if (want('packages')) {
    step('packages', 'installed packages');
    const list = await runSection('packages', errors, () => listPackages(assembled.view));
    // No package database at all is an answer (an empty list); null means "not inspected".
    if (list === undefined) os.packages = [];
    else if (list) {
      os.package_database = { format: list.format, manager: list.manager, count: list.packages.length };
      os.packages = list.packages;
      pushWarnings(warnings, list.warnings, `${list.manager} database: `);
    }
  }
  if (want('services')) {
    step('services', 'services');
    os.services = await runSection('services', errors, () => inspectLinuxServices(reader));
  }
  if (want('users')) {
    step('users', 'users and groups');
    os.users = await runSection('users', errors, () => inspectLinuxUsers(reader));
  }
  if (want('network')) {
    step('network', 'network configuration');
    os.network = await runSection('network', errors, () => inspectLinuxNetwork(reader));
  }
  if (want('kernels')) {
    step('kernels', 'kernels and boot configuration');
    const boot = await runSection('kernels', errors, () => inspectLinuxBoot(reader));
    if (boot) {
      const { kernels, ...rest } = boot;
      os.kernels = kernels;
      os.boot = rest;
    }
  }
  if (want('security')) {
    step('security', 'security configuration');
    os.security = await runSection('security', errors, () => inspectLinuxSecurity(reader, { fstab: assembled.fstab }));
  }
  // Reader warnings accumulate across sections (unreadable or oversized guest files).
  pushWarnings(warnings, reader.warnings);
  return os;
}
