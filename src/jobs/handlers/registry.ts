/** Operation -> handler module registry, and the built-in handlers. */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { JobError } from '../errors.js';
import { IMAGE_FORMAT_NAMES } from '../exec/image-errors.js';
import { OPERATION_RE } from '../protocol/schema.js';
import { payloadVersion } from '../protocol/validate.js';
import type { HandlerSpec } from './types.js';

export class HandlerRegistry {
  private readonly specs = new Map<string, HandlerSpec>();

  register(spec: HandlerSpec): this {
    if (!OPERATION_RE.test(spec.operation)) throw new JobError('VALIDATION_ERROR', `handler operation must be namespaced: "${spec.operation}"`);
    if (this.specs.has(spec.operation)) throw new JobError('VALIDATION_ERROR', `a handler for ${spec.operation} is already registered`);
    const module = spec.module.startsWith('file:') ? spec.module : isAbsolute(spec.module) ? pathToFileURL(spec.module).href : undefined;
    if (module === undefined) throw new JobError('VALIDATION_ERROR', `handler module must be a file: URL or an absolute path: "${spec.module}"`);
    if (!spec.exportName) throw new JobError('VALIDATION_ERROR', `handler for ${spec.operation} needs an export name`);
    this.specs.set(spec.operation, { ...spec, module, payloadVersions: spec.payloadVersions ?? [1], isolation: spec.isolation ?? 'thread' });
    return this;
  }

  get(operation: string): HandlerSpec | undefined {
    return this.specs.get(operation);
  }

  has(operation: string): boolean {
    return this.specs.has(operation);
  }

  /** The handler for a job, or UNSUPPORTED_OPERATION naming what is missing. */
  resolve(operation: string, payloadType: string): HandlerSpec {
    const spec = this.specs.get(operation);
    if (!spec) {
      throw new JobError('UNSUPPORTED_OPERATION', `no handler for operation ${operation}`, {
        phase: 'validation',
        details: { operation, supported: this.operations() },
      });
    }
    const v = payloadVersion(operation, payloadType);
    if (v === undefined || !(spec.payloadVersions ?? [1]).includes(v)) {
      throw new JobError('UNSUPPORTED_OPERATION', `payload type ${payloadType} is not supported by the ${operation} handler`, {
        phase: 'validation',
        details: { payload_type: payloadType, supported: this.payloadTypesOf(spec) },
      });
    }
    return spec;
  }

  list(): HandlerSpec[] {
    return [...this.specs.values()];
  }

  operations(): string[] {
    return [...this.specs.keys()].sort();
  }

  payloadTypes(): string[] {
    return this.list().flatMap((s) => this.payloadTypesOf(s)).sort();
  }

  /** Capabilities a worker with this registry offers: its operations plus handler extras. */
  capabilities(): string[] {
    const caps = new Set<string>(this.operations());
    for (const s of this.specs.values()) for (const c of s.capabilities ?? []) caps.add(c);
    return [...caps].sort();
  }

  features(): string[] {
    const f = new Set<string>();
    for (const s of this.specs.values()) for (const x of s.features ?? []) f.add(x);
    return [...f].sort();
  }

  private payloadTypesOf(spec: HandlerSpec): string[] {
    return (spec.payloadVersions ?? [1]).map((v) => `${spec.operation}.v${v}`);
  }
}

/**
 * URL of a sibling module, matching how this code is running: `.ts` when loaded from source
 * (tests, development), `.js` when compiled to dist/.
 */
export function siblingModule(baseUrl: string, name: string): string {
  const ext = baseUrl.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, baseUrl).href;
}

/** Image container formats the image operations read, advertised as "disk.<format>" capabilities. */
const DISK_CAPABILITIES = IMAGE_FORMAT_NAMES.map((f) => `disk.${f}`);

/** Built-in handlers available in every worker. */
export function builtinHandlers(): HandlerSpec[] {
  return [
    {
      operation: 'guestkit.inspect',
      module: siblingModule(import.meta.url, 'inspect'),
      exportName: 'inspectHandler',
      isolation: 'thread',
      cacheable: true,
      // A hostile or huge guest must not take the worker down with it: the thread dies instead.
      maxMemoryMb: 2048,
      capabilities: DISK_CAPABILITIES,
      description: 'OS inspection of one disk image (the report of `guestguard inspect --format json`); options include_packages, include_services, include_users, include_network, include_security, include_kernels, include_storage.',
    },
    {
      operation: 'guestkit.profile',
      module: siblingModule(import.meta.url, 'profile'),
      exportName: 'profileHandler',
      isolation: 'thread',
      // Policy files named by path may change between runs without the cache key noticing.
      cacheable: false,
      maxMemoryMb: 2048,
      capabilities: DISK_CAPABILITIES,
      description: 'Security / compliance profiling of one disk image (the report of `guestguard profile --format json`); profiles, policies (paths or inline {name, yaml}), options severity_threshold, fail_on_critical.',
    },
    {
      operation: 'system.echo',
      module: siblingModule(import.meta.url, 'echo'),
      exportName: 'echoHandler',
      isolation: 'thread',
      cacheable: true,
      description: 'Returns its payload (optional delay_ms, busy_ms, progress_steps; fail/recoverable/fail_attempts to exercise retries).',
    },
  ];
}

export function defaultHandlerRegistry(extra: HandlerSpec[] = []): HandlerRegistry {
  const r = new HandlerRegistry();
  for (const s of builtinHandlers()) r.register(s);
  for (const s of extra) r.register(s);
  return r;
}
