/**
 * Human-readable listing of a seccomp BPF program, in the spirit of libseccomp's scmp_bpf_disasm
 * and seccomp-tools: line, code, jt, jf, k, then a symbolic reading such as
 *   0001: 0x15 0x00 0x01 0xc000003e  if (A == AUDIT_ARCH_X86_64) goto 0002 else goto 0003
 * A small forward data-flow pass tracks what A holds (arch, syscall number, an argument word) so
 * constants are shown as syscall names, and returns show their action and errno name.
 */
import { archByAuditValue, archInfo, type SeccompArch } from './arch.js';
import { cls, mode, op, src, validateProgram, type SockFilter } from './bpf.js';
import * as C from './constants.js';
import { describeReturn } from './emulator.js';

type Source = 'arch' | 'nr' | `arg${number}.lo` | `arg${number}.hi` | 'ip' | 'computed' | 'unknown';

export interface DisassembleOptions {
  /** Architecture for syscall names; default: the one the program's arch check names. */
  arch?: SeccompArch;
}

export function disassemble(program: readonly SockFilter[], options: DisassembleOptions = {}): string {
  validateProgram(program);
  const arch = options.arch ?? inferArch(program);
  const names = arch ? archInfo(arch).names : undefined;
  const sources = flow(program);
  const width = String(program.length - 1).length < 4 ? 4 : String(program.length - 1).length;
  const line = (n: number): string => String(n).padStart(width, '0');
  const out = [` ${'line'.padEnd(width)}  CODE JT   JF   K`, ` ${'='.repeat(width + 31)}`];
  program.forEach((ins, i) => {
    const raw = `0x${hex(ins.code, 2)} 0x${hex(ins.jt, 2)} 0x${hex(ins.jf, 2)} 0x${hex(ins.k, 8)}`;
    out.push(` ${line(i)}: ${raw}  ${describe(ins, i, sources[i] ?? 'unknown', names, line)}`);
  });
  return out.join('\n') + '\n';
}

function hex(n: number, digits: number): string {
  return (n >>> 0).toString(16).padStart(digits, '0');
}

function inferArch(program: readonly SockFilter[]): SeccompArch | undefined {
  for (const ins of program) {
    if (cls(ins.code) === C.BPF_JMP && op(ins.code) === C.BPF_JEQ) {
      const a = archByAuditValue(ins.k);
      if (a) return a.name;
    }
  }
  return undefined;
}

function loadSource(k: number): Source {
  if (k === C.SECCOMP_DATA_NR) return 'nr';
  if (k === C.SECCOMP_DATA_ARCH) return 'arch';
  if (k < C.SECCOMP_DATA_ARGS) return 'ip';
  const idx = (k - C.SECCOMP_DATA_ARGS) >> 3;
  return `arg${idx}.${k % 8 === 0 ? 'lo' : 'hi'}`;
}

/** What A holds on entry to each instruction (forward-only programs make one pass enough). */
function flow(program: readonly SockFilter[]): Source[] {
  const into: (Set<Source> | undefined)[] = program.map(() => undefined);
  into[0] = new Set<Source>(['unknown']);
  const result: Source[] = [];
  const merge = (to: number, s: Source): void => {
    if (to < program.length) (into[to] ??= new Set()).add(s);
  };
  program.forEach((ins, i) => {
    const incoming = into[i];
    const here: Source = !incoming ? 'unknown' : incoming.size === 1 ? [...incoming][0]! : 'computed';
    result.push(here);
    const c = ins.code;
    let after: Source = here;
    if (cls(c) === C.BPF_LD) after = mode(c) === C.BPF_ABS ? loadSource(ins.k) : 'computed';
    else if (cls(c) === C.BPF_ALU || c === (C.BPF_MISC | C.BPF_TXA)) after = 'computed';
    if (cls(c) === C.BPF_RET) return;
    if (cls(c) === C.BPF_JMP) {
      if (op(c) === C.BPF_JA) merge(i + 1 + ins.k, after);
      else {
        merge(i + 1 + ins.jt, after);
        merge(i + 1 + ins.jf, after);
      }
      return;
    }
    merge(i + 1, after);
  });
  return result;
}

function constant(k: number, source: Source, names: ReadonlyMap<number, string> | undefined): string {
  if (source === 'arch') {
    const a = archByAuditValue(k);
    if (a) return `AUDIT_ARCH_${a.name.toUpperCase()}`;
    if (k === C.AUDIT_ARCH_I386) return 'AUDIT_ARCH_I386';
  }
  if (source === 'nr') {
    if (k === C.X32_SYSCALL_BIT) return '0x40000000 /* x32 ABI bit */';
    const n = names?.get(k);
    if (n) return `${k} /* ${n} */`;
  }
  return `0x${(k >>> 0).toString(16)}`;
}

function describe(
  ins: SockFilter,
  i: number,
  source: Source,
  names: ReadonlyMap<number, string> | undefined,
  line: (n: number) => string,
): string {
  const c = ins.code;
  const k = ins.k >>> 0;
  switch (cls(c)) {
    case C.BPF_LD:
      if (mode(c) === C.BPF_ABS) return `A = ${fieldName(k)}`;
      if (mode(c) === C.BPF_LEN) return `A = sizeof(seccomp_data)`;
      if (mode(c) === C.BPF_MEM) return `A = mem[${k}]`;
      return `A = 0x${k.toString(16)}`;
    case C.BPF_LDX:
      if (mode(c) === C.BPF_LEN) return `X = sizeof(seccomp_data)`;
      if (mode(c) === C.BPF_MEM) return `X = mem[${k}]`;
      return `X = 0x${k.toString(16)}`;
    case C.BPF_ST:
      return `mem[${k}] = A`;
    case C.BPF_STX:
      return `mem[${k}] = X`;
    case C.BPF_ALU: {
      const sym: Record<number, string> = {
        [C.BPF_ADD]: '+=',
        [C.BPF_SUB]: '-=',
        [C.BPF_MUL]: '*=',
        [C.BPF_DIV]: '/=',
        [C.BPF_MOD]: '%=',
        [C.BPF_OR]: '|=',
        [C.BPF_AND]: '&=',
        [C.BPF_XOR]: '^=',
        [C.BPF_LSH]: '<<=',
        [C.BPF_RSH]: '>>=',
      };
      if (op(c) === C.BPF_NEG) return 'A = -A';
      return `A ${sym[op(c)] ?? '?='} ${src(c) === C.BPF_X ? 'X' : `0x${k.toString(16)}`}`;
    }
    case C.BPF_JMP: {
      if (op(c) === C.BPF_JA) return `goto ${line(i + 1 + k)}`;
      const rhs = src(c) === C.BPF_X ? 'X' : constant(k, source, names);
      const test =
        op(c) === C.BPF_JEQ ? `A == ${rhs}` : op(c) === C.BPF_JGT ? `A > ${rhs}` : op(c) === C.BPF_JGE ? `A >= ${rhs}` : `A & ${rhs}`;
      const lhs = source === 'computed' || source === 'unknown' ? '' : ` /* A = ${source} */`;
      return `if (${test})${lhs} goto ${line(i + 1 + ins.jt)} else goto ${line(i + 1 + ins.jf)}`;
    }
    case C.BPF_RET:
      return src(c) === C.BPF_A ? 'return A' : `return ${formatReturn(k)}`;
    case C.BPF_MISC:
      return c === (C.BPF_MISC | C.BPF_TAX) ? 'X = A' : 'A = X';
  }
  return '?';
}

function fieldName(k: number): string {
  if (k === C.SECCOMP_DATA_NR) return 'sys_number';
  if (k === C.SECCOMP_DATA_ARCH) return 'arch';
  if (k === C.SECCOMP_DATA_IP) return 'instruction_pointer.lo';
  if (k === C.SECCOMP_DATA_IP + 4) return 'instruction_pointer.hi';
  const idx = (k - C.SECCOMP_DATA_ARGS) >> 3;
  return `args[${idx}].${k % 8 === 0 ? 'lo' : 'hi'}`;
}

/** "ALLOW", "KILL_PROCESS", "ERRNO(1) /* EPERM *\/", ... */
export function formatReturn(value: number): string {
  const { action, data } = describeReturn(value);
  if (action === 'errno') {
    const name = Object.entries(C.ERRNO).find(([, v]) => v === data)?.[0];
    return `ERRNO(${data})${name ? ` /* ${name} */` : ''}`;
  }
  const base = action.toUpperCase();
  return data !== 0 && action !== 'allow' && action !== 'kill_process' && action !== 'kill_thread' && action !== 'log' ? `${base}(${data})` : base;
}
