/**
 * Compiles a SeccompPolicy into a classic BPF program for one architecture.
 *
 * Layout:
 *   1. arch check: anything but this architecture's AUDIT_ARCH value is killed (an x86_64
 *      process can still make i386 syscalls through int 0x80, with different numbers);
 *   2. on x86_64, x32-ABI numbers (bit 0x40000000) are killed: they pass the arch check;
 *   3. a binary search over the syscall number, where runs of consecutive numbers that share an
 *      unconditional action collapse into one range; leaves return, or test arguments.
 * Far jumps are handled by the assembler's trampolines.
 */
import { GuestguardError } from '../../errors.js';
import { Assembler, NEXT } from './assembler.js';
import { archInfo, isKnownSyscall, type SeccompArch } from './arch.js';
import { encodeProgram, validateProgram, type SockFilter } from './bpf.js';
import * as C from './constants.js';
import { checkCondition, rulesForNetwork, type ArgCondition, type NetworkMode, type SeccompAction, type SeccompPolicy } from './policy.js';

export interface CompileOptions {
  arch: SeccompArch;
  /** Which network-dependent rules apply (default "none"). */
  network?: NetworkMode;
}

export interface CompiledFilter {
  readonly arch: SeccompArch;
  readonly policyName: string;
  readonly program: readonly SockFilter[];
  /** The sock_filter array as bytes, ready for bwrap --seccomp. */
  readonly bytes: Buffer;
  /** Syscall names the policy mentions that do not exist on this architecture (skipped). */
  readonly notOnArch: readonly string[];
}

export function actionValue(action: SeccompAction): number {
  switch (action.type) {
    case 'allow':
      return C.SECCOMP_RET_ALLOW;
    case 'log':
      return C.SECCOMP_RET_LOG;
    case 'trap':
      return C.SECCOMP_RET_TRAP;
    case 'kill_process':
      return C.SECCOMP_RET_KILL_PROCESS;
    case 'kill_thread':
      return C.SECCOMP_RET_KILL_THREAD;
    case 'errno':
      return (C.SECCOMP_RET_ERRNO | (action.errno & C.SECCOMP_RET_DATA)) >>> 0;
  }
}

interface Branch {
  conds: readonly ArgCondition[];
  ret: number;
}

/** One syscall's decision: an unconditional return, or argument branches then a fallback. */
type Plan = { kind: 'ret'; ret: number } | { kind: 'args'; branches: Branch[]; fallback: number };

interface Segment {
  start: number;
  plan: Plan;
}

export function compilePolicy(policy: SeccompPolicy, options: CompileOptions): CompiledFilter {
  const arch = archInfo(options.arch);
  const effective = rulesForNetwork(policy, options.network ?? 'none');
  const defaultRet = actionValue(effective.defaultAction);
  const notOnArch = new Set<string>();

  // Group rule branches by syscall number, keeping rule order.
  const branches = new Map<number, Branch[]>();
  effective.rules.forEach((rule, i) => {
    for (const cond of rule.args) {
      try {
        checkCondition(cond);
      } catch (err) {
        throw new GuestguardError('INVALID_ARGUMENT', `seccomp policy ${policy.name}: rule ${i}: ${(err as Error).message}`);
      }
    }
    for (const name of rule.syscalls) {
      const nr = Object.hasOwn(arch.syscalls, name) ? arch.syscalls[name] : undefined;
      if (nr === undefined) {
        if (!isKnownSyscall(name)) {
          throw new GuestguardError('INVALID_ARGUMENT', `seccomp policy ${policy.name}: rule ${i}: unknown syscall "${name}"`);
        }
        notOnArch.add(name);
        continue;
      }
      const list = branches.get(nr) ?? [];
      list.push({ conds: rule.args, ret: actionValue(rule.action) });
      branches.set(nr, list);
    }
  });

  const plans = new Map<number, Plan>();
  for (const [nr, list] of branches) plans.set(nr, planFor(list, defaultRet));

  const asm = new Assembler();
  const badArch = asm.newLabel('bad_arch');
  asm.load(C.SECCOMP_DATA_ARCH).jeq(arch.auditArch, NEXT, badArch);
  asm.load(C.SECCOMP_DATA_NR);
  const afterArch = asm.newLabel('arch_ok');
  if (arch.x32Bit) asm.jge(C.X32_SYSCALL_BIT, badArch, afterArch);
  else asm.ja(afterArch);
  asm.label(badArch).ret(C.SECCOMP_RET_KILL_PROCESS);
  asm.label(afterArch);
  emitSearch(asm, segments(plans, defaultRet));

  const program = asm.assemble();
  validateProgram(program);
  return { arch: arch.name, policyName: policy.name, program, bytes: encodeProgram(program), notOnArch: [...notOnArch].sort() };
}

function planFor(list: readonly Branch[], defaultRet: number): Plan {
  const out: Branch[] = [];
  for (const b of list) {
    out.push(b);
    if (b.conds.length === 0) break; // later rules for this syscall can never match
  }
  // Trailing branches that return what the fallback would are redundant.
  let fallback = defaultRet;
  const last = out[out.length - 1]!;
  if (last.conds.length === 0) {
    fallback = last.ret;
    out.pop();
  }
  while (out.length > 0 && out[out.length - 1]!.ret === fallback) out.pop();
  return out.length === 0 ? { kind: 'ret', ret: fallback } : { kind: 'args', branches: out, fallback };
}

/** Sorted ranges covering 0..2^32-1; neighbours with the same unconditional return are merged. */
function segments(plans: Map<number, Plan>, defaultRet: number): Segment[] {
  const numbers = [...plans.keys()].sort((a, b) => a - b);
  const out: Segment[] = [];
  const push = (start: number, plan: Plan): void => {
    const prev = out[out.length - 1];
    if (prev && prev.plan.kind === 'ret' && plan.kind === 'ret' && prev.plan.ret === plan.ret) return;
    out.push({ start, plan });
  };
  let next = 0;
  for (const nr of numbers) {
    if (nr > next) push(next, { kind: 'ret', ret: defaultRet });
    push(nr, plans.get(nr)!);
    next = nr + 1;
  }
  push(next, { kind: 'ret', ret: defaultRet });
  return out;
}

/** Binary search on A (the syscall number): `if A >= start(mid) goto right`. */
function emitSearch(asm: Assembler, segs: readonly Segment[]): void {
  if (segs.length === 1) {
    emitPlan(asm, segs[0]!.plan);
    return;
  }
  const mid = segs.length >> 1;
  const right = asm.newLabel('ge');
  asm.jge(segs[mid]!.start, right, NEXT);
  emitSearch(asm, segs.slice(0, mid));
  asm.label(right);
  emitSearch(asm, segs.slice(mid));
}

function emitPlan(asm: Assembler, plan: Plan): void {
  if (plan.kind === 'ret') {
    asm.ret(plan.ret);
    return;
  }
  for (const branch of plan.branches) {
    const fail = asm.newLabel('no_match');
    for (const cond of branch.conds) emitCondition(asm, cond, fail);
    asm.ret(branch.ret);
    asm.label(fail);
  }
  asm.ret(plan.fallback);
}

const lo = (v: bigint): number => Number(v & 0xffffffffn);
const hi = (v: bigint): number => Number((v >> 32n) & 0xffffffffn);

/** Falls through when the condition holds, jumps to `fail` otherwise. Clobbers A. */
function emitCondition(asm: Assembler, c: ArgCondition, fail: string): void {
  const loOff = C.SECCOMP_DATA_ARGS + 8 * c.index;
  const hiOff = loOff + 4;
  const v = c.value;
  if (c.width === 32) {
    asm.load(loOff);
    switch (c.op) {
      case 'eq':
        asm.jeq(lo(v), NEXT, fail);
        return;
      case 'ne':
        asm.jeq(lo(v), fail, NEXT);
        return;
      case 'gt':
        asm.jgt(lo(v), NEXT, fail);
        return;
      case 'ge':
        asm.jge(lo(v), NEXT, fail);
        return;
      case 'lt':
        asm.jge(lo(v), fail, NEXT);
        return;
      case 'le':
        asm.jgt(lo(v), fail, NEXT);
        return;
      case 'masked_eq':
        asm.and(lo(c.mask!)).jeq(lo(v), NEXT, fail);
        return;
      case 'has_any':
        asm.jset(lo(v), NEXT, fail);
        return;
      case 'has_none':
        asm.jset(lo(v), fail, NEXT);
        return;
    }
  }
  const pass = asm.newLabel('pass');
  switch (c.op) {
    case 'eq':
    case 'ne': {
      // eq: both words equal. ne: either word differs.
      const hiDiff = c.op === 'eq' ? fail : pass;
      asm.load(hiOff).jeq(hi(v), NEXT, hiDiff);
      asm.load(loOff).jeq(lo(v), c.op === 'eq' ? pass : fail, c.op === 'eq' ? fail : pass);
      break;
    }
    case 'masked_eq':
      asm.load(hiOff).and(hi(c.mask!)).jeq(hi(v), NEXT, fail);
      asm.load(loOff).and(lo(c.mask!)).jeq(lo(v), pass, fail);
      break;
    case 'has_any':
      asm.load(hiOff).jset(hi(v), pass, NEXT);
      asm.load(loOff).jset(lo(v), pass, fail);
      break;
    case 'has_none':
      asm.load(hiOff).jset(hi(v), fail, NEXT);
      asm.load(loOff).jset(lo(v), fail, pass);
      break;
    case 'gt':
    case 'ge': {
      // hi > v.hi → pass; hi == v.hi → compare lo; else fail.
      asm.load(hiOff).jgt(hi(v), pass, NEXT).jeq(hi(v), NEXT, fail);
      asm.load(loOff);
      if (c.op === 'gt') asm.jgt(lo(v), pass, fail);
      else asm.jge(lo(v), pass, fail);
      break;
    }
    case 'lt':
    case 'le': {
      // hi > v.hi → fail; hi == v.hi → compare lo; else pass.
      asm.load(hiOff).jgt(hi(v), fail, NEXT).jeq(hi(v), NEXT, pass);
      asm.load(loOff);
      if (c.op === 'lt') asm.jge(lo(v), fail, pass);
      else asm.jgt(lo(v), fail, pass);
      break;
    }
  }
  asm.label(pass);
}
