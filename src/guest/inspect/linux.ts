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
  // Sections run concurrently: each spends most of its time waiting on small guest reads, and
  // files several of them need are read once through the shared reader. Each records its errors
  // in its own list, merged below in section order, so the report does not depend on timing.
  const sectionErrors: LinuxOperatingSystem['errors'][] = [];
  const run = <T>(section: InspectSection | 'identity', message: string, fn: () => Promise<T>): Promise<T | null> => {
    step(section, message);
    const errs: LinuxOperatingSystem['errors'] = [];
    sectionErrors.push(errs);
    return runSection(section, errs, fn);
  };
  const skipped = Promise.resolve(undefined);
  const [id, list, services, users, network, boot, security] = await Promise.all([
    run('identity', 'identity', () => inspectLinuxIdentity(reader)),
    want('packages') ? run('packages', 'installed packages', () => listPackages(assembled.view)) : skipped,
    want('services') ? run('services', 'services', () => inspectLinuxServices(reader)) : skipped,
    want('users') ? run('users', 'users and groups', () => inspectLinuxUsers(reader)) : skipped,
    want('network') ? run('network', 'network configuration', () => inspectLinuxNetwork(reader)) : skipped,
    want('kernels') ? run('kernels', 'kernels and boot configuration', () => inspectLinuxBoot(reader)) : skipped,
    want('security') ? run('security', 'security configuration', () => inspectLinuxSecurity(reader, { fstab: assembled.fstab })) : skipped,
  ]);
  errors.push(...sectionErrors.flat());

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
    // No package database at all is an answer (an empty list); null means "not inspected".
    if (list === undefined) os.packages = [];
    else if (list) {
      os.package_database = { format: list.format, manager: list.manager, count: list.packages.length };
      os.packages = list.packages;
      pushWarnings(warnings, list.warnings, `${list.manager} database: `);
    }
  }
  if (services !== undefined) os.services = services;
  if (users !== undefined) os.users = users;
  if (network !== undefined) os.network = network;
  if (boot) {
    const { kernels, ...rest } = boot;
    os.kernels = kernels;
    os.boot = rest;
  }
  if (security !== undefined) os.security = security;
  // Reader warnings accumulate across sections (unreadable or oversized guest files); sorted,
  // since concurrent sections meet them in no fixed order.
  pushWarnings(warnings, [...reader.warnings].sort());
  return os;
}
