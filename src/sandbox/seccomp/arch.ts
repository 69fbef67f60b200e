/** The architectures the seccomp compiler targets and their syscall tables. */
import { AUDIT_ARCH_AARCH64, AUDIT_ARCH_X86_64 } from './constants.js';
import { AARCH64_SYSCALLS } from './tables/syscalls-aarch64.js';
import { X86_64_SYSCALLS } from './tables/syscalls-x86_64.js';

export type SeccompArch = 'x86_64' | 'aarch64';
export const SECCOMP_ARCHES: readonly SeccompArch[] = ['x86_64', 'aarch64'];

export interface ArchInfo {
  readonly name: SeccompArch;
  readonly auditArch: number;
  readonly syscalls: Readonly<Record<string, number>>;
  /** Number → name, for disassembly. */
  readonly names: ReadonlyMap<number, string>;
  /** x86_64 must refuse x32-ABI numbers, which pass the AUDIT_ARCH_X86_64 check. */
  readonly x32Bit: boolean;
}

function info(name: SeccompArch, auditArch: number, syscalls: Readonly<Record<string, number>>, x32Bit: boolean): ArchInfo {
  const names = new Map<number, string>();
  for (const [n, nr] of Object.entries(syscalls)) if (!names.has(nr)) names.set(nr, n);
  return { name, auditArch, syscalls, names, x32Bit };
}

const ARCHES: Record<SeccompArch, ArchInfo> = {
  x86_64: info('x86_64', AUDIT_ARCH_X86_64, X86_64_SYSCALLS, true),
  aarch64: info('aarch64', AUDIT_ARCH_AARCH64, AARCH64_SYSCALLS, false),
};

export function archInfo(arch: SeccompArch): ArchInfo {
  return ARCHES[arch];
}

export function archByAuditValue(value: number): ArchInfo | undefined {
  return Object.values(ARCHES).find((a) => a.auditArch === value);
}

/** The seccomp architecture of this Node process, or undefined on anything else. */
export function hostArch(): SeccompArch | undefined {
  if (process.arch === 'x64') return 'x86_64';
  if (process.arch === 'arm64') return 'aarch64';
  return undefined;
}

export function isSeccompArch(value: string): value is SeccompArch {
  return value === 'x86_64' || value === 'aarch64';
}

/** True when the name is a syscall on at least one supported architecture. */
export function isKnownSyscall(name: string): boolean {
  return Object.values(ARCHES).some((a) => Object.hasOwn(a.syscalls, name));
}

export function syscallNumber(arch: SeccompArch, name: string): number | undefined {
  const table = ARCHES[arch].syscalls;
  return Object.hasOwn(table, name) ? table[name] : undefined;
}
