/**
 * The compiler against a reference: a direct evaluation of the policy's semantics (first matching
 * rule for the syscall, else the default; arch check; x32 bit), compared with running the
 * compiled BPF in the emulator, over every syscall number and boundary argument values, for the
 * built-in levels and for random policies (which also exercise far jumps).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { archInfo, SECCOMP_ARCHES, type SeccompArch } from './arch.js';
import { Assembler, NEXT } from './assembler.js';
import { decodeProgram, encodeProgram, validateProgram, type SockFilter } from './bpf.js';
import { actionValue, compilePolicy } from './compiler.js';
import * as C from './constants.js';
import { describeReturn, runFilter, type SeccompData } from './emulator.js';
import { builtinPolicy, SECCOMP_LEVELS } from './levels.js';
import { ARG_OPS, rulesForNetwork, type ArgCondition, type NetworkMode, type SeccompAction, type SeccompPolicy } from './policy.js';
import { hasTool } from '../../../test/helpers/fixtures.js';

function condHolds(c: ArgCondition, raw: bigint): boolean {
  const a = c.width === 32 ? raw & 0xffffffffn : BigInt.asUintN(64, raw);
  const v = c.value;
  switch (c.op) {
    case 'eq':
      return a === v;
    case 'ne':
      return a !== v;
    case 'lt':
      return a < v;
    case 'le':
      return a <= v;
    case 'gt':
      return a > v;
    case 'ge':
      return a >= v;
    case 'masked_eq':
      return (a & c.mask!) === v;
    case 'has_any':
      return (a & v) !== 0n;
    case 'has_none':
      return (a & v) === 0n;
  }
}

/** What the policy means, evaluated directly. */
function reference(policy: SeccompPolicy, arch: SeccompArch, network: NetworkMode, d: SeccompData): number {
  const info = archInfo(arch);
  if (d.arch !== info.auditArch) return C.SECCOMP_RET_KILL_PROCESS;
  if (info.x32Bit && d.nr >>> 0 >= C.X32_SYSCALL_BIT) return C.SECCOMP_RET_KILL_PROCESS;
  for (const rule of rulesForNetwork(policy, network).rules) {
    if (!rule.syscalls.some((n) => info.syscalls[n] === d.nr >>> 0)) continue;
    if (rule.args.every((c) => condHolds(c, d.args?.[c.index] ?? 0n))) return actionValue(rule.action);
  }
  return actionValue(policy.defaultAction);
}

/** A small deterministic PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    s ^= s + Math.imul(s ^ (s >>> 7), 61);
    return ((s ^ (s >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Boundary values for one condition: the value, its neighbours, high-word and sign-bit variants. */
function condValues(c: ArgCondition): bigint[] {
  const out = new Set<bigint>([0n, 1n, 0xffffffffn, 0xffffffffffffffffn, 0x100000000n]);
  for (const base of [c.value, c.mask ?? c.value]) {
    for (const v of [base, base - 1n, base + 1n, base | (1n << 32n), base | (0xdeadn << 40n), base & 0xffffffffn, (base & 0xffffffffn) ^ 0x80000000n]) {
      out.add(BigInt.asUintN(64, v));
    }
  }
  return [...out];
}

function compareAll(policy: SeccompPolicy, arch: SeccompArch, network: NetworkMode): number {
  const compiled = compilePolicy(policy, { arch, network });
  const info = archInfo(arch);
  // Per syscall number: the argument values worth trying at each index.
  const pools = new Map<number, bigint[][]>();
  for (const r of rulesForNetwork(policy, network).rules) {
    for (const n of r.syscalls) {
      const nr = info.syscalls[n];
      if (nr === undefined || r.args.length === 0) continue;
      const pool = pools.get(nr) ?? Array.from({ length: 6 }, () => [0n]);
      for (const c of r.args) pool[c.index]!.push(...condValues(c));
      pools.set(nr, pool);
    }
  }
  let checked = 0;
  const check = (d: SeccompData): void => {
    const got = runFilter(compiled.program, d);
    const want = reference(policy, arch, network, d);
    if (got !== want) {
      throw new Error(`${policy.name}/${arch}: nr=${d.nr} arch=0x${d.arch.toString(16)} args=${d.args?.map((a) => a.toString(16))}: got 0x${got.toString(16)} want 0x${want.toString(16)}`);
    }
    checked++;
  };
  const numbers = [...Array(600).keys(), 0x3fffffff, 0x40000000, 0x40000000 + 39, 0x7fffffff, 0xffffffff];
  const rand = prng(numbers.length + policy.rules.length);
  for (const nr of numbers) {
    check({ nr, arch: info.auditArch });
    const pool = pools.get(nr);
    if (!pool) continue;
    // Each value alone at its index, then random combinations across indexes.
    pool.forEach((values, idx) => {
      for (const v of values) {
        const args = [0n, 0n, 0n, 0n, 0n, 0n];
        args[idx] = v;
        check({ nr, arch: info.auditArch, args });
      }
    });
    for (let i = 0; i < 300; i++) {
      check({ nr, arch: info.auditArch, args: pool.map((values) => values[Math.floor(rand() * values.length)]!) });
    }
  }
  for (const other of [C.AUDIT_ARCH_I386, C.AUDIT_ARCH_ARM, C.AUDIT_ARCH_X86_64, C.AUDIT_ARCH_AARCH64]) check({ nr: 0, arch: other });
  return checked;
}

describe('syscall tables', () => {
  it('hold known numbers for both architectures', () => {
    const x = archInfo('x86_64').syscalls;
    const a = archInfo('aarch64').syscalls;
    expect([x['read'], x['openat'], x['clone'], x['clone3'], x['ioctl'], x['socket'], x['mount'], x['newfstatat']]).toEqual([0, 257, 56, 435, 16, 41, 165, 262]);
    expect([a['read'], a['openat'], a['clone'], a['clone3'], a['ioctl'], a['socket'], a['mount'], a['newfstatat']]).toEqual([63, 56, 220, 435, 29, 198, 40, 79]);
    expect(a['open']).toBeUndefined(); // aarch64 never had open(2)
    expect(x['mseal']).toBe(462);
    expect(a['mseal']).toBe(462);
  });

  it.skipIf(!hasTool('scmp_sys_resolver'))('agree with libseccomp for every name it knows', () => {
    let agreed = 0;
    for (const arch of SECCOMP_ARCHES) {
      for (const [name, nr] of Object.entries(archInfo(arch).syscalls)) {
        const got = Number(execFileSync('scmp_sys_resolver', ['-a', arch, name], { encoding: 'utf8' }).trim());
        if (got < 0) continue; // newer than this libseccomp
        expect(`${arch} ${name} ${got}`).toBe(`${arch} ${name} ${nr}`);
        agreed++;
      }
    }
    expect(agreed).toBeGreaterThan(600);
  }, 120_000);
});

describe('compiled built-in levels', () => {
  for (const level of SECCOMP_LEVELS) {
    for (const arch of SECCOMP_ARCHES) {
      for (const network of ['none', 'allowed'] as const) {
        it(`${level} on ${arch} (network ${network}) matches the policy's meaning everywhere`, () => {
          expect(compareAll(builtinPolicy(level), arch, network)).toBeGreaterThan(600);
        });
      }
    }
  }

  it('start with the architecture check and (x86_64) the x32 check', () => {
    const p = compilePolicy(builtinPolicy('basic'), { arch: 'x86_64' }).program;
    expect(p[0]).toEqual({ code: C.BPF_LD | C.BPF_W | C.BPF_ABS, jt: 0, jf: 0, k: C.SECCOMP_DATA_ARCH });
    expect(p[1]!.k).toBe(C.AUDIT_ARCH_X86_64);
    expect(p[3]).toMatchObject({ code: C.BPF_JMP | C.BPF_JGE | C.BPF_K, k: C.X32_SYSCALL_BIT });
    expect(p[4]).toMatchObject({ code: C.BPF_RET | C.BPF_K, k: C.SECCOMP_RET_KILL_PROCESS });
    const a = compilePolicy(builtinPolicy('basic'), { arch: 'aarch64' }).program;
    expect(a[1]!.k).toBe(C.AUDIT_ARCH_AARCH64);
    expect(a.some((i) => i.k === C.X32_SYSCALL_BIT)).toBe(false);
  });

  it('deny what the issue lists under basic, with EPERM', () => {
    const listed = ['mount', 'umount2', 'pivot_root', 'chroot', 'unshare', 'setns', 'ptrace', 'process_vm_readv', 'process_vm_writev', 'kexec_load', 'kexec_file_load', 'init_module', 'finit_module', 'delete_module', 'bpf', 'perf_event_open', 'keyctl', 'add_key', 'request_key', 'userfaultfd', 'reboot', 'swapon', 'swapoff', 'open_by_handle_at', 'acct', 'settimeofday', 'clock_settime', 'iopl', 'ioperm', 'quotactl', 'syslog'];
    for (const arch of SECCOMP_ARCHES) {
      const info = archInfo(arch);
      const prog = compilePolicy(builtinPolicy('basic'), { arch }).program;
      for (const name of listed) {
        const nr = info.syscalls[name];
        if (nr === undefined) continue; // iopl/ioperm are x86-only
        expect(`${arch} ${name} ${describeReturn(runFilter(prog, { nr, arch: info.auditArch })).action}`).toBe(`${arch} ${name} errno`);
      }
    }
  });

  it('every built-in rule has a rationale and names only real syscalls', () => {
    for (const level of SECCOMP_LEVELS) {
      for (const r of builtinPolicy(level).rules) {
        expect(r.rationale.length).toBeGreaterThan(10);
        for (const n of r.syscalls) expect(SECCOMP_ARCHES.some((a) => archInfo(a).syscalls[n] !== undefined), n).toBe(true);
      }
    }
  });
});

function randomPolicy(seed: number, rules: number, minArgs = 0): SeccompPolicy {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const names = ['read', 'write', 'openat', 'ioctl', 'socket', 'clone', 'personality', 'mmap', 'prctl', 'getpid', 'futex', 'kill'];
  const actions: SeccompAction[] = [{ type: 'allow' }, { type: 'kill_process' }, { type: 'log' }, { type: 'trap' }, { type: 'errno', errno: 1 }, { type: 'errno', errno: 38 }, { type: 'errno', errno: 2 + Math.floor(rand() * 100) }];
  const value = (width: 32 | 64): bigint => {
    const r = rand();
    const lo = BigInt(Math.floor(rand() * 2 ** 32));
    const hi = width === 64 && r < 0.5 ? BigInt(Math.floor(rand() * 2 ** 32)) : 0n;
    return r < 0.2 ? BigInt(Math.floor(rand() * 16)) : (hi << 32n) | lo;
  };
  return {
    name: `random-${seed}`,
    defaultAction: pick(actions),
    rules: Array.from({ length: rules }, () => ({
      syscalls: [pick(names), ...(rand() < 0.3 ? [pick(names)] : [])],
      action: pick(actions),
      rationale: 'random',
      ...(rand() < 0.15 ? { network: pick(['none', 'allowed'] as const) } : {}),
      args: Array.from({ length: minArgs + Math.floor(rand() * 3) }, () => {
        const width = rand() < 0.5 ? 32 : 64;
        const op = pick(ARG_OPS);
        const mask = value(width);
        return {
          index: Math.floor(rand() * 6),
          op,
          width,
          value: op === 'masked_eq' ? value(width) & mask : value(width),
          ...(op === 'masked_eq' ? { mask } : {}),
        } as ArgCondition;
      }),
    })),
  };
}

describe('random policies', () => {
  for (let seed = 1; seed <= 12; seed++) {
    it(`seed ${seed}: compiled program agrees with the policy's meaning`, () => {
      // Some seeds produce programs long enough that conditional jumps need trampolines.
      const policy = seed % 3 === 0 ? randomPolicy(seed, 150, 1) : randomPolicy(seed, 25);
      if (seed % 3 === 0) expect(compilePolicy(policy, { arch: 'x86_64' }).program.some((i) => i.code === (C.BPF_JMP | C.BPF_JA))).toBe(true);
      for (const arch of SECCOMP_ARCHES) for (const network of ['none', 'allowed'] as const) compareAll(policy, arch, network);
    });
  }

  it('long programs contain trampolines and stay valid', () => {
    const policy = randomPolicy(99, 400, 1);
    const prog = compilePolicy(policy, { arch: 'x86_64' }).program;
    expect(prog.length).toBeGreaterThan(256);
    expect(prog.filter((i) => i.code === (C.BPF_JMP | C.BPF_JA)).length).toBeGreaterThan(0);
    expect(() => validateProgram(prog)).not.toThrow();
  });
});

describe('assembler', () => {
  it('routes a conditional jump through a trampoline when the target is more than 255 away', () => {
    const asm = new Assembler();
    asm.load(0).jeq(7, 'far', NEXT);
    for (let i = 0; i < 300; i++) asm.load(4);
    asm.ret(C.SECCOMP_RET_ALLOW);
    asm.label('far').ret(C.SECCOMP_RET_KILL_PROCESS);
    const prog = asm.assemble();
    expect(prog[1]).toMatchObject({ code: C.BPF_JMP | C.BPF_JEQ | C.BPF_K, jt: 0, jf: 1, k: 7 });
    expect(prog[2]).toMatchObject({ code: C.BPF_JMP | C.BPF_JA, k: 301 });
    expect(runFilter(prog, { nr: 7, arch: 0 })).toBe(C.SECCOMP_RET_KILL_PROCESS);
    expect(runFilter(prog, { nr: 8, arch: 0 })).toBe(C.SECCOMP_RET_ALLOW);
  });

  it('handles both targets far, and exactly 255 without a trampoline', () => {
    const asm = new Assembler();
    asm.load(0).jeq(1, 'a', NEXT);
    asm.ret(2);
    for (let i = 0; i < 254; i++) asm.load(4);
    asm.label('a').ret(1);
    let prog = asm.assemble();
    expect(prog[1]).toMatchObject({ jt: 255, jf: 0 });
    expect(prog.some((i) => i.code === (C.BPF_JMP | C.BPF_JA))).toBe(false);
    expect(runFilter(prog, { nr: 1, arch: 0 })).toBe(1);
    expect(runFilter(prog, { nr: 0, arch: 0 })).toBe(2);

    const far = new Assembler();
    far.load(0).jeq(1, 'a', 'b');
    for (let i = 0; i < 400; i++) far.load(4);
    far.label('a').ret(1);
    for (let i = 0; i < 10; i++) far.load(4);
    far.label('b').ret(2);
    prog = far.assemble();
    expect(prog[1]).toMatchObject({ jt: 0, jf: 1 });
    expect(prog[2]!.code).toBe(C.BPF_JMP | C.BPF_JA);
    expect(prog[3]!.code).toBe(C.BPF_JMP | C.BPF_JA);
    expect(runFilter(prog, { nr: 1, arch: 0 })).toBe(1);
    expect(runFilter(prog, { nr: 0, arch: 0 })).toBe(2);
  });

  it('refuses labels that are never placed', () => {
    const asm = new Assembler();
    asm.load(0).jeq(1, 'nowhere', NEXT).ret(0);
    expect(() => asm.assemble()).toThrow(/never placed/);
  });
});

describe('sock_filter encoding and validation', () => {
  const prog: SockFilter[] = [
    { code: 0x20, jt: 0, jf: 0, k: 4 },
    { code: 0x15, jt: 1, jf: 0, k: 0xc000003e },
    { code: 0x06, jt: 0, jf: 0, k: 0x80000000 },
    { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 },
  ];

  it('encodes 8 bytes per instruction, little-endian, and decodes back', () => {
    const bytes = encodeProgram(prog);
    expect(bytes.length).toBe(32);
    expect(bytes.subarray(8, 16).toString('hex')).toBe('150001003e0000c0');
    expect(decodeProgram(bytes)).toEqual(prog);
    expect(() => decodeProgram(bytes.subarray(0, 30))).toThrow(/multiple of 8/);
  });

  it('rejects what the kernel would reject', () => {
    expect(() => validateProgram([])).toThrow(/empty/);
    expect(() => validateProgram([{ code: 0x20, jt: 0, jf: 0, k: 4 }])).toThrow(/does not end with a return/);
    expect(() => validateProgram([{ code: 0x20, jt: 0, jf: 0, k: 64 }, prog[3]!])).toThrow(/outside struct seccomp_data/);
    expect(() => validateProgram([{ code: 0x20, jt: 0, jf: 0, k: 2 }, prog[3]!])).toThrow(/outside struct seccomp_data/);
    expect(() => validateProgram([{ code: 0x15, jt: 5, jf: 0, k: 1 }, prog[3]!])).toThrow(/past the end/);
    expect(() => validateProgram([{ code: 0x28, jt: 0, jf: 0, k: 0 }, prog[3]!])).toThrow(/not allowed/); // BPF_LD|BPF_H|BPF_ABS
    expect(() => validateProgram([{ code: 0x34, jt: 0, jf: 0, k: 0 }, prog[3]!])).toThrow(/division by zero/);
    expect(() => validateProgram(Array.from({ length: 4097 }, () => prog[3]!))).toThrow(/max 4096/);
  });
});
