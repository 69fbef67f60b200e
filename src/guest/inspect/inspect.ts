/**
 * OS inspection of a set of disks (one guest may span several): every operating system root
 * on them, each assembled with its own fstab and inspected like virt-inspector does, plus the
 * deeper sections (packages, services, users, network, kernels, security).
 */
import type { OpenImageOptions } from '../../disk/disk-image.js';
import { VERSION } from '../../version.js';
import { assembleGuest, findRoots, type AssembledGuest, type RootCandidate } from '../assemble.js';
import { DiskSession } from '../session.js';
import type { OsContext } from './linux.js';
import { fstabMountables, mountpointMap, osFilesystems } from './os-filesystems.js';
import type { InspectProgress, InspectStep, ProgressListener } from './progress.js';
import { runSection } from './sections.js';
import type { InspectionReport, InspectSection, OperatingSystem, OtherOperatingSystem } from './types.js';

export interface InspectSessionOptions {
  /** Sections to leave out (all run when omitted); identity, mountpoints and filesystems always run. */
  skip?: Partial<Record<InspectSection, boolean>>;
  onProgress?: ProgressListener;
}

export interface InspectOptions extends OpenImageOptions, InspectSessionOptions {}

/** Opens the images, inspects them and closes them again. */
export async function inspectDisks(paths: string[], options: InspectOptions = {}): Promise<InspectionReport> {
  const { skip, onProgress, ...openOptions } = options;
  onProgress?.({ step: 'open', message: `opening ${paths.join(', ')}` });
  const session = await DiskSession.open(paths, openOptions);
  try {
    return await inspectSession(session, paths, { ...(skip && { skip }), ...(onProgress && { onProgress }) });
  } finally {
    await session.close();
  }
}

/** Inspects disks already opened as a session; `paths` are reported as given. */
export async function inspectSession(session: DiskSession, paths: string[], options: InspectSessionOptions = {}): Promise<InspectionReport> {
  const emit = (e: InspectProgress) => options.onProgress?.(e);
  emit({ step: 'scan', message: 'looking for operating systems' });
  const roots = await findRoots(session.catalog);
  emit({ step: 'roots', of: roots.length, message: `${roots.length} operating system${roots.length === 1 ? '' : 's'} found` });

  const report: InspectionReport = {
    schema_version: 1,
    generator: `guestguard ${VERSION}`,
    disks: session.images.map((img, i) => {
      const layout = session.layouts[i];
      return {
        path: paths[i] ?? img.name,
        device: layout?.name ?? `/dev/sd${String.fromCharCode(97 + i)}`,
        format: img.format,
        size: img.size,
        partition_table: layout?.scheme ?? 'none',
      };
    }),
    operating_systems: [],
    warnings: [...session.warnings],
  };

  const want = (s: InspectSection) => options.skip?.[s] !== true;
  for (const [i, root] of roots.entries()) {
    const step = (s: InspectStep, message: string) =>
      emit({ step: s, root: root.fs.device, os: i + 1, of: roots.length, message: `${root.fs.device}: ${message}` });
    report.operating_systems.push(await inspectRoot(session, root, want, step));
  }
  emit({ step: 'done', message: 'done' });
  return report;
}

async function inspectRoot(
  session: DiskSession,
  root: RootCandidate,
  want: (s: InspectSection) => boolean,
  step: (s: InspectStep, message: string) => void,
): Promise<OperatingSystem> {
  const errors: OperatingSystem['errors'] = [];
  const assembled = await runSection('mount', errors, () => assembleGuest(session.catalog, root));
  if (!assembled) return other(root, errors, undefined, session);
  const ctx: OsContext = { catalog: session.catalog, assembled, want, step };
  if (root.kind === 'linux') {
    // Each OS family's readers load only for roots of that family.
    const { inspectLinuxOs } = await import('./linux.js');
    return inspectLinuxOs(ctx);
  }
  if (root.kind === 'windows') {
    // Loaded for Windows roots only: the registry reader is ~20 modules a Linux guest never needs.
    const { inspectWindowsOs } = await import('./windows.js');
    return inspectWindowsOs(ctx, session.layouts);
  }
  return other(root, errors, assembled, session);
}

/** An OS guestguard finds but does not inspect (FreeBSD), or one whose filesystems cannot be assembled. */
function other(root: RootCandidate, errors: OperatingSystem['errors'], assembled: AssembledGuest | undefined, session: DiskSession): OtherOperatingSystem {
  const warnings = assembled ? [...assembled.warnings] : [];
  const entries = fstabMountables(session.catalog, root.fs, assembled?.fstab ?? [], () => undefined);
  return {
    root: root.fs.device,
    type: root.kind === 'freebsd' ? 'freebsd' : 'unknown',
    distro: root.kind === 'freebsd' ? 'freebsd' : null,
    product_name: null,
    major_version: 0,
    minor_version: 0,
    arch: null,
    hostname: null,
    osinfo: null,
    package_format: null,
    package_management: null,
    timezone: null,
    mountpoints: mountpointMap(entries),
    filesystems: osFilesystems(entries),
    warnings,
    errors,
  };
}
