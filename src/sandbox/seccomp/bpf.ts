/**
 * Classic BPF programs as the kernel takes them: an array of struct sock_filter
 * {u16 code; u8 jt; u8 jf; u32 k}, 8 bytes each in native (little-endian on x86_64/aarch64) order.
 */
import { GuestguardError } from '../../errors.js';
import * as C from './constants.js';

export interface SockFilter {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

export const SOCK_FILTER_SIZE = 8;

export function stmt(code: number, k: number): SockFilter {
  return { code, jt: 0, jf: 0, k: k >>> 0 };
}

export function jump(code: number, k: number, jt: number, jf: number): SockFilter {
  return { code, jt, jf, k: k >>> 0 };
}

/** Serializes a program into the byte layout bwrap --seccomp and prctl(PR_SET_SECCOMP) expect. */
export function encodeProgram(program: readonly SockFilter[]): Buffer {
  const buf = Buffer.alloc(program.length * SOCK_FILTER_SIZE);
  program.forEach((ins, i) => {
    const o = i * SOCK_FILTER_SIZE;
    buf.writeUInt16LE(ins.code, o);
    buf.writeUInt8(ins.jt, o + 2);
    buf.writeUInt8(ins.jf, o + 3);
    buf.writeUInt32LE(ins.k >>> 0, o + 4);
  });
  return buf;
}

export function decodeProgram(bytes: Uint8Array): SockFilter[] {
  if (bytes.length % SOCK_FILTER_SIZE !== 0) {
    throw new GuestguardError('INVALID_ARGUMENT', `BPF program length ${bytes.length} is not a multiple of 8`, {
      structure: 'sock_filter array',
    });
  }
  const count = bytes.length / SOCK_FILTER_SIZE;
  if (count > C.BPF_MAXINSNS) {
    throw new GuestguardError('LIMIT_EXCEEDED', `BPF program has ${count} instructions (max ${C.BPF_MAXINSNS})`, {
      structure: 'sock_filter array',
    });
  }
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: SockFilter[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * SOCK_FILTER_SIZE;
    out.push({ code: view.readUInt16LE(o), jt: view.readUInt8(o + 2), jf: view.readUInt8(o + 3), k: view.readUInt32LE(o + 4) });
  }
  return out;
}

export const cls = (code: number): number => code & 0x07;
export const size = (code: number): number => code & 0x18;
export const mode = (code: number): number => code & 0xe0;
export const op = (code: number): number => code & 0xf0;
export const src = (code: number): number => code & 0x08;

/** The opcodes seccomp accepts (kernel/seccomp.c seccomp_check_filter + bpf_check_classic). */
const ALLOWED = new Set<number>([
  C.BPF_LD | C.BPF_W | C.BPF_ABS,
  C.BPF_LD | C.BPF_W | C.BPF_LEN,
  C.BPF_LDX | C.BPF_W | C.BPF_LEN,
  C.BPF_LD | C.BPF_IMM,
  C.BPF_LDX | C.BPF_IMM,
  C.BPF_LD | C.BPF_MEM,
  C.BPF_LDX | C.BPF_MEM,
  C.BPF_ST,
  C.BPF_STX,
  C.BPF_MISC | C.BPF_TAX,
  C.BPF_MISC | C.BPF_TXA,
  C.BPF_RET | C.BPF_K,
  C.BPF_RET | C.BPF_A,
  C.BPF_JMP | C.BPF_JA,
  ...[C.BPF_JEQ, C.BPF_JGT, C.BPF_JGE, C.BPF_JSET].flatMap((o) => [C.BPF_JMP | o | C.BPF_K, C.BPF_JMP | o | C.BPF_X]),
  ...[C.BPF_ADD, C.BPF_SUB, C.BPF_MUL, C.BPF_DIV, C.BPF_OR, C.BPF_AND, C.BPF_LSH, C.BPF_RSH, C.BPF_MOD, C.BPF_XOR].flatMap(
    (o) => [C.BPF_ALU | o | C.BPF_K, C.BPF_ALU | o | C.BPF_X],
  ),
  C.BPF_ALU | C.BPF_NEG,
]);

/**
 * Checks a program the way the kernel will before loading it, so a compiler bug shows up as a
 * clear error here rather than EINVAL from bwrap: length, opcodes, aligned in-bounds loads,
 * forward in-bounds jumps, scratch slots, constant division by zero and a final return.
 */
export function validateProgram(program: readonly SockFilter[]): void {
  const bad = (i: number, why: string): never => {
    throw new GuestguardError('INVALID_ARGUMENT', `invalid BPF instruction ${i}: ${why}`, { structure: 'seccomp filter' });
  };
  if (program.length === 0) bad(0, 'empty program');
  if (program.length > C.BPF_MAXINSNS) bad(C.BPF_MAXINSNS, `program has ${program.length} instructions (max ${C.BPF_MAXINSNS})`);
  program.forEach((ins, i) => {
    if (!ALLOWED.has(ins.code)) bad(i, `opcode 0x${ins.code.toString(16)} not allowed in seccomp filters`);
    const c = ins.code;
    if (c === (C.BPF_LD | C.BPF_W | C.BPF_ABS) && (ins.k % 4 !== 0 || ins.k >= C.SECCOMP_DATA_SIZE)) {
      bad(i, `load offset ${ins.k} outside struct seccomp_data`);
    }
    if ((c === (C.BPF_LD | C.BPF_MEM) || c === (C.BPF_LDX | C.BPF_MEM) || c === C.BPF_ST || c === C.BPF_STX) && ins.k >= C.BPF_MEMWORDS) {
      bad(i, `scratch slot ${ins.k} out of range`);
    }
    if ((c === (C.BPF_ALU | C.BPF_DIV | C.BPF_K) || c === (C.BPF_ALU | C.BPF_MOD | C.BPF_K)) && ins.k === 0) bad(i, 'division by zero');
    if (cls(c) === C.BPF_JMP) {
      if (op(c) === C.BPF_JA) {
        if (i + 1 + ins.k >= program.length) bad(i, `jump target ${i + 1 + ins.k} past the end`);
      } else if (i + 1 + Math.max(ins.jt, ins.jf) >= program.length) {
        bad(i, `jump target ${i + 1 + Math.max(ins.jt, ins.jf)} past the end`);
      }
    }
  });
  if (cls(program[program.length - 1]!.code) !== C.BPF_RET) bad(program.length - 1, 'program does not end with a return');
}
