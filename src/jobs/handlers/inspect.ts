/**
 * guestkit.inspect (payload guestkit.inspect.v1): the library's OS inspection of one image —
 * the same report `guestguard inspect IMAGE --format json` prints.
 *
 * Options (all default true) choose the report sections:
 *   include_packages  packages / Windows applications      (inspect --no-packages)
 *   include_services  services                             (--no-services)
 *   include_users     users and groups                     (--no-users)
 *   include_network   network configuration                (--no-network)
 *   include_security  security configuration               (--no-security)
 *   include_kernels   kernels and boot configuration       (--no-kernels)
 *   include_storage   the storage layout: when false, `disks` and each OS's `mountpoints`,
 *                     `filesystems` (and Windows `drive_mappings`) are null. The OS is still
 *                     found and assembled from its filesystems; only the report leaves them out.
 * A skipped section is null in the report, as with the CLI flags. An image with no operating
 * system is a completed job whose report lists none (the CLI exits 1 for it).
 */
import { z } from 'zod';
import { GuestguardError } from '../../errors.js';
import { inspectSession, type InspectionReport, type InspectSection } from '../../guest/inspect/index.js';
import { imageOpenError } from '../exec/image-errors.js';
import { ImageSchema, inspectProgressUpdate, openImageSession, parsePayloadData, ReadMeter } from './image-job.js';
import type { HandlerContext, HandlerOutput, HandlerPayload } from './types.js';

const flag = z.boolean().default(true);

export const InspectOptionsSchema = z.strictObject({
  include_packages: flag,
  include_services: flag,
  include_users: flag,
  include_network: flag,
  include_security: flag,
  include_kernels: flag,
  include_storage: flag,
  /** Read by the executor's result cache (skip it); no effect on the inspection. */
  no_cache: z.boolean().optional(),
});

export const InspectPayloadSchema = z.looseObject({
  image: ImageSchema,
  options: InspectOptionsSchema.prefault({}),
});
export type InspectPayload = z.output<typeof InspectPayloadSchema>;

/** include_* options → the library's `skip` sections. */
export function skippedSections(o: InspectPayload['options']): Partial<Record<InspectSection, boolean>> {
  const skip: Partial<Record<InspectSection, boolean>> = {};
  const map: [keyof typeof o, InspectSection][] = [
    ['include_packages', 'packages'],
    ['include_services', 'services'],
    ['include_users', 'users'],
    ['include_network', 'network'],
    ['include_security', 'security'],
    ['include_kernels', 'kernels'],
  ];
  for (const [opt, section] of map) if (o[opt] === false) skip[section] = true;
  return skip;
}

/** include_storage: false → the storage layout parts of the report are null. */
export function withoutStorage(report: InspectionReport): unknown {
  return {
    ...report,
    disks: null,
    operating_systems: report.operating_systems.map((os) => ({
      ...os,
      mountpoints: null,
      filesystems: null,
      ...(os.type === 'windows' ? { drive_mappings: null } : {}),
    })),
  };
}

export async function inspectHandler(payload: HandlerPayload, ctx: HandlerContext): Promise<HandlerOutput> {
  const p = parsePayloadData(InspectPayloadSchema, payload.data);
  ctx.progress({ phase: 'inspect', progress_percent: 0, message: `opening ${p.image.path}` });
  const session = await openImageSession(p.image);
  const meter = new ReadMeter(session, ctx);
  let report: InspectionReport;
  try {
    report = await inspectSession(session, [p.image.path], {
      skip: skippedSections(p.options),
      onProgress: (e) => {
        meter.report();
        ctx.progress(inspectProgressUpdate(e, 'inspect'));
      },
    });
  } catch (err) {
    // Typed library errors mid-inspection (I/O, damaged volumes) keep their meaning.
    throw err instanceof GuestguardError ? imageOpenError(err, p.image.path, 'execution') : err;
  } finally {
    meter.report();
    await session.close();
  }
  const oses = report.operating_systems;
  return {
    outputs: {
      operating_systems: oses.length,
      roots: oses.map((o) => o.root),
      products: oses.map((o) => o.product_name),
    },
    data: p.options.include_storage ? report : withoutStorage(report),
  };
}
