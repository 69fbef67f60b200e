/**
 * The sandbox layer: run untrusted work in a bubblewrap sandbox with our own seccomp filter,
 * resource limits and no network.
 *
 *   const sb = await spawn({ command: ['node', '-e', '...'], limits: { memoryBytes: 512 << 20 }, timeoutMs: 30_000 });
 *   sb.stdout?.pipe(process.stdout);
 *   const result = await sb.wait();   // { exitCode, signal, limit, limitsHit, stats, ... }
 */
import { SandboxError } from './errors.js';
import { spawnBwrap } from './bwrap/sandbox.js';
import type { Sandbox, SandboxSpec } from './types.js';

export type {
  BindMount,
  EgressPolicy,
  ExecOptions,
  FirewallMode,
  HostUser,
  LimitName,
  NetworkPolicy,
  ResourceLimits,
  Sandbox,
  SandboxResult,
  SandboxSpec,
  SandboxState,
  SandboxNetworkInfo,
  SandboxStats,
  SeccompSetting,
  StdioSetting,
} from './types.js';
export { SandboxError, SandboxSetupError, type SandboxFailure, type SetupStage } from './errors.js';
export { doctor, type DoctorCheck, type DoctorReport, type CheckName } from './doctor.js';
export { detectCgroups, type CgroupSupport } from './cgroups.js';
export { detectBwrap, type BwrapInfo } from './bwrap/detect.js';
export { parseSize, parseDuration, parseCount } from './units.js';
export * from './net/index.js';

// seccomp
export { compilePolicy, actionValue, type CompiledFilter, type CompileOptions } from './seccomp/compiler.js';
export { compileSeccomp, resolveSeccompPolicy, type SeccompSource } from './seccomp/resolve.js';
export { disassemble, formatReturn, type DisassembleOptions } from './seccomp/disasm.js';
export { runFilter, describeReturn, type SeccompData, type ActionKind } from './seccomp/emulator.js';
export { encodeProgram, decodeProgram, validateProgram, type SockFilter } from './seccomp/bpf.js';
export { builtinPolicy, isSeccompLevel, SECCOMP_LEVELS, type SeccompLevel } from './seccomp/levels.js';
export { parsePolicyYaml, loadPolicyFile } from './seccomp/policy-file.js';
export {
  parseAction,
  formatAction,
  remapErrno,
  rulesForNetwork,
  type ArgCondition,
  type ArgOp,
  type NetworkMode,
  type SeccompAction,
  type SeccompPolicy,
  type SeccompRule,
} from './seccomp/policy.js';
export { archInfo, hostArch, isSeccompArch, syscallNumber, SECCOMP_ARCHES, type SeccompArch } from './seccomp/arch.js';

/** Starts a sandbox with the default backend for this host (bubblewrap on Linux). */
export async function spawn(spec: SandboxSpec): Promise<Sandbox> {
  if (process.platform !== 'linux') throw new SandboxError('unavailable', `no sandbox backend for ${process.platform} (bubblewrap needs Linux)`);
  return spawnBwrap(spec);
}
