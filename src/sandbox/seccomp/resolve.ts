/** Turns a seccomp setting (level name, policy object, YAML file) into a compiled filter. */
import { archInfo, hostArch, type SeccompArch } from './arch.js';
import { compilePolicy, type CompiledFilter } from './compiler.js';
import { builtinPolicy, isSeccompLevel } from './levels.js';
import { loadPolicyFile } from './policy-file.js';
import type { NetworkMode, SeccompPolicy } from './policy.js';
import { SandboxError } from '../errors.js';

export type SeccompSource = string | SeccompPolicy | { file: string };

/** A level name ("basic"), a path to a YAML policy, `{file}`, or a policy object. */
export function resolveSeccompPolicy(source: SeccompSource): SeccompPolicy {
  if (typeof source === 'string') return isSeccompLevel(source) ? builtinPolicy(source) : loadPolicyFile(source);
  if ('file' in source) return loadPolicyFile(source.file);
  return source;
}

/** Built-in levels compile to the same program every time; pools spawn often, so keep them. */
const levelCache = new Map<string, CompiledFilter>();

/** Compiles for this machine's architecture (or the one given). */
export function compileSeccomp(source: SeccompSource, network: NetworkMode, arch?: SeccompArch): CompiledFilter {
  const target = arch ?? hostArch();
  if (!target) throw new SandboxError('unavailable', `seccomp filters are compiled for x86_64 and aarch64 only, not ${process.arch}`);
  archInfo(target);
  const key = typeof source === 'string' && isSeccompLevel(source) ? `${source}|${network}|${target}` : undefined;
  const hit = key === undefined ? undefined : levelCache.get(key);
  if (hit) return hit;
  const filter = compilePolicy(resolveSeccompPolicy(source), { arch: target, network });
  if (key !== undefined) levelCache.set(key, filter);
  return filter;
}
