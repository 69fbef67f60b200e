/** One Windows root → its report entry, with drive letters resolved to partitions on the disks. */
import type { DiskLayout } from '../../volume/types.js';
import { inspectWindows, type WindowsInfo } from '../windows/index.js';
import { resolveDriveMappings, windowsMountpoints } from './drive-letters.js';
import type { OsContext } from './linux.js';
import { osFilesystems } from './os-filesystems.js';
import { pushWarnings, runSection } from './sections.js';
import type { WindowsOperatingSystem } from './types.js';

export async function inspectWindowsOs(ctx: OsContext, layouts: DiskLayout[]): Promise<WindowsOperatingSystem> {
  const { assembled, want } = ctx;
  const root = assembled.root.fs;
  const warnings: string[] = [...assembled.warnings];
  const errors: WindowsOperatingSystem['errors'] = [];
  ctx.step('windows', 'registry (SOFTWARE and SYSTEM hives)');
  // inspectWindows reads everything in one pass over the two hives, leaving out the sections not wanted.
  const info: WindowsInfo | null = await runSection('windows', errors, () =>
    inspectWindows(assembled.view, undefined, { applications: want('packages'), services: want('services'), security: want('security') }),
  );
  if (info) pushWarnings(warnings, info.warnings);

  const mappings = resolveDriveMappings(info?.drive_mappings ?? [], layouts);
  const mountpoints = windowsMountpoints(mappings, root.device, info?.system_root, (m) => pushWarnings(warnings, [m]));
  const fsEntries = Object.values(mountpoints).map((device) => ({ device, fs: ctx.catalog.byDevice(device) }));
  fsEntries.push({ device: root.device, fs: root });

  return {
    root: root.device,
    type: 'windows',
    distro: 'windows',
    product_name: info?.product_name ?? null,
    major_version: info?.major_version ?? 0,
    minor_version: info?.minor_version ?? 0,
    arch: info?.arch ?? null,
    hostname: info?.hostname ?? null,
    osinfo: info?.osinfo ?? null,
    package_format: null,
    package_management: null,
    timezone: info?.timezone ?? null,
    mountpoints,
    filesystems: osFilesystems(fsEntries),
    warnings,
    errors,
    product_variant: info?.installation_type ?? (info?.product_variant === 'server' ? 'Server' : info?.product_variant === 'client' ? 'Client' : null),
    edition: info?.edition ?? null,
    build: info?.build ?? null,
    update_build_revision: info?.update_build_revision ?? null,
    display_version: info?.display_version ?? null,
    installation_type: info?.installation_type ?? null,
    system_root: info?.system_root ?? null,
    system_root_path: info?.system_root_path ?? null,
    current_control_set: info?.current_control_set ?? null,
    domain: info?.domain ?? null,
    install_time: info?.install_time ?? null,
    drive_mappings: mappings,
    applications: want('packages') ? (info?.applications ?? null) : null,
    services: want('services') ? (info?.services ?? null) : null,
    security: want('security') ? (info?.security ?? null) : null,
    hives: { software: info?.hives.software ?? null, system: info?.hives.system ?? null },
  };
}
