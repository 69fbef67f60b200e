/**
 * Runs a seccomp BPF program against one struct seccomp_data, with the kernel's semantics for the
 * instructions seccomp allows. Used to test compiled filters (and libseccomp's, for comparison)
 * without loading them, and by `seccomp dump --check`.
 */
import { GuestguardError } from '../../errors.js';
import { cls, mode, op, src, validateProgram, type SockFilter } from './bpf.js';
import * as C from './constants.js';

export interface SeccompData {
  nr: number;
  arch: number;
  instructionPointer?: bigint;
  /** Up to six 64-bit arguments; missing ones are 0. */
  args?: readonly bigint[];
}

const U64 = (1n << 64n) - 1n;

const validated = new WeakSet<readonly SockFilter[]>();

/** Returns the 32-bit seccomp action value the program produces for `data`. */
export function runFilter(program: readonly SockFilter[], data: SeccompData): number {
  if (!validated.has(program)) {
    validateProgram(program);
    validated.add(program);
  }
  const word = (offset: number): number => {
    if (offset === C.SECCOMP_DATA_NR) return data.nr >>> 0;
    if (offset === C.SECCOMP_DATA_ARCH) return data.arch >>> 0;
    const field = offset < C.SECCOMP_DATA_ARGS ? (data.instructionPointer ?? 0n) : (data.args?.[(offset - C.SECCOMP_DATA_ARGS) >> 3] ?? 0n);
    const v = BigInt.asUintN(64, field) & U64;
    // Little-endian: the low word of each u64 comes first.
    return Number(offset % 8 === 0 ? v & 0xffffffffn : v >> 32n) >>> 0;
  };
  let A = 0;
  let X = 0;
  const mem = new Uint32Array(C.BPF_MEMWORDS);
  let pc = 0;
  for (let steps = 0; steps <= program.length; steps++) {
    const ins = program[pc]!;
    const c = ins.code;
    const k = ins.k >>> 0;
    switch (cls(c)) {
      case C.BPF_LD:
        A = mode(c) === C.BPF_ABS ? word(k) : mode(c) === C.BPF_LEN ? C.SECCOMP_DATA_SIZE : mode(c) === C.BPF_MEM ? mem[k]! : k;
        pc++;
        break;
      case C.BPF_LDX:
        X = mode(c) === C.BPF_LEN ? C.SECCOMP_DATA_SIZE : mode(c) === C.BPF_MEM ? mem[k]! : k;
        pc++;
        break;
      case C.BPF_ST:
        mem[k] = A;
        pc++;
        break;
      case C.BPF_STX:
        mem[k] = X;
        pc++;
        break;
      case C.BPF_ALU:
        // Classic BPF ends the program with 0 on division by a zero X register.
        if (src(c) === C.BPF_X && X === 0 && (op(c) === C.BPF_DIV || op(c) === C.BPF_MOD)) return 0;
        A = alu(op(c), A, src(c) === C.BPF_X ? X : k);
        pc++;
        break;
      case C.BPF_JMP: {
        if (op(c) === C.BPF_JA) {
          pc += 1 + k;
          break;
        }
        const operand = src(c) === C.BPF_X ? X : k;
        const taken =
          op(c) === C.BPF_JEQ ? A === operand : op(c) === C.BPF_JGT ? A > operand : op(c) === C.BPF_JGE ? A >= operand : (A & operand) >>> 0 !== 0;
        pc += 1 + (taken ? ins.jt : ins.jf);
        break;
      }
      case C.BPF_RET:
        return (src(c) === C.BPF_A ? A : k) >>> 0;
      case C.BPF_MISC:
        if (c === (C.BPF_MISC | C.BPF_TAX)) X = A;
        else A = X;
        pc++;
        break;
    }
  }
  // Unreachable for a validated program: every path moves forward and ends in a return.
  throw new GuestguardError('INVALID_ARGUMENT', 'BPF program did not return', { structure: 'seccomp filter' });
}

function alu(o: number, a: number, b: number): number {
  switch (o) {
    case C.BPF_ADD:
      return (a + b) >>> 0;
    case C.BPF_SUB:
      return (a - b) >>> 0;
    case C.BPF_MUL:
      return Math.imul(a, b) >>> 0;
    case C.BPF_DIV:
      return b === 0 ? 0 : Math.floor(a / b) >>> 0;
    case C.BPF_MOD:
      return b === 0 ? a : a % b >>> 0;
    case C.BPF_OR:
      return (a | b) >>> 0;
    case C.BPF_AND:
      return (a & b) >>> 0;
    case C.BPF_XOR:
      return (a ^ b) >>> 0;
    case C.BPF_LSH:
      return b >= 32 ? 0 : (a << b) >>> 0;
    case C.BPF_RSH:
      return b >= 32 ? 0 : a >>> b;
    case C.BPF_NEG:
      return -a >>> 0;
    default:
      return a;
  }
}

export type ActionKind = 'kill_process' | 'kill_thread' | 'trap' | 'errno' | 'user_notif' | 'trace' | 'log' | 'allow';

/** Splits a seccomp return value into its action and 16-bit data (the errno for ERRNO). */
export function describeReturn(value: number): { action: ActionKind; data: number } {
  const v = value >>> 0;
  const data = v & C.SECCOMP_RET_DATA;
  const full = (v & C.SECCOMP_RET_ACTION_FULL) >>> 0;
  // The kernel treats unknown actions as KILL_PROCESS.
  const action: ActionKind =
    full === C.SECCOMP_RET_KILL_PROCESS
      ? 'kill_process'
      : full === C.SECCOMP_RET_KILL_THREAD
        ? 'kill_thread'
        : full === C.SECCOMP_RET_TRAP
          ? 'trap'
          : full === C.SECCOMP_RET_ERRNO
            ? 'errno'
            : full === C.SECCOMP_RET_USER_NOTIF
              ? 'user_notif'
              : full === C.SECCOMP_RET_TRACE
                ? 'trace'
                : full === C.SECCOMP_RET_LOG
                  ? 'log'
                  : full === C.SECCOMP_RET_ALLOW
                    ? 'allow'
                    : 'kill_process';
  return { action, data };
}
