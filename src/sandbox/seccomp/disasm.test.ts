import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compiler.js';
import { disassemble, formatReturn } from './disasm.js';
import { builtinPolicy } from './levels.js';
import type { SockFilter } from './bpf.js';

describe('disassemble', () => {
  const basic = disassemble(compilePolicy(builtinPolicy('basic'), { arch: 'x86_64' }).program);
  const lines = basic.trimEnd().split('\n');

  it('prints one line per instruction with code, jt, jf, k', () => {
    expect(lines[0]).toBe(' line  CODE JT   JF   K');
    expect(lines[2]).toBe(' 0000: 0x20 0x00 0x00 0x00000004  A = arch');
    expect(lines[3]).toBe(' 0001: 0x15 0x00 0x02 0xc000003e  if (A == AUDIT_ARCH_X86_64) /* A = arch */ goto 0002 else goto 0004');
    expect(lines[4]).toBe(' 0002: 0x20 0x00 0x00 0x00000000  A = sys_number');
    expect(lines[5]).toBe(' 0003: 0x35 0x00 0x01 0x40000000  if (A >= 0x40000000 /* x32 ABI bit */) /* A = nr */ goto 0004 else goto 0005');
    expect(lines[6]).toBe(' 0004: 0x06 0x00 0x00 0x80000000  return KILL_PROCESS');
    expect(lines.length - 2).toBe(compilePolicy(builtinPolicy('basic'), { arch: 'x86_64' }).program.length);
  });

  it('names syscalls, argument words and errnos', () => {
    expect(basic).toMatch(/if \(A >= 16 \/\* ioctl \*\/\)/);
    expect(basic).toMatch(/A = args\[1\]\.lo\n.*if \(A == 0x5412\) \/\* A = arg1\.lo \*\//);
    expect(basic).toMatch(/if \(A & 0x7e020000\) \/\* A = arg0\.lo \*\//);
    expect(basic).toContain('return ERRNO(1) /* EPERM */');
    expect(basic).toContain('return ERRNO(38) /* ENOSYS */');
    expect(basic).toContain('return ALLOW');
  });

  it('uses aarch64 names for an aarch64 program', () => {
    const text = disassemble(compilePolicy(builtinPolicy('basic'), { arch: 'aarch64' }).program);
    expect(text).toContain('AUDIT_ARCH_AARCH64');
    expect(text).toMatch(/\/\* ioctl \*\//);
    expect(text).not.toContain('x32');
  });

  it('shows trampolines as plain gotos and stays readable for foreign programs', () => {
    const prog: SockFilter[] = [
      { code: 0x20, jt: 0, jf: 0, k: 0 },
      { code: 0x05, jt: 0, jf: 0, k: 1 },
      { code: 0x06, jt: 0, jf: 0, k: 0 },
      { code: 0x06, jt: 0, jf: 0, k: 0x7ffc0000 },
    ];
    expect(disassemble(prog).split('\n').slice(2, 6)).toEqual([
      ' 0000: 0x20 0x00 0x00 0x00000000  A = sys_number',
      ' 0001: 0x05 0x00 0x00 0x00000001  goto 0003',
      ' 0002: 0x06 0x00 0x00 0x00000000  return KILL_THREAD',
      ' 0003: 0x06 0x00 0x00 0x7ffc0000  return LOG',
    ]);
  });

  it('formats every action', () => {
    expect(formatReturn(0x7fff0000)).toBe('ALLOW');
    expect(formatReturn(0x80000000)).toBe('KILL_PROCESS');
    expect(formatReturn(0x00030007)).toBe('TRAP(7)');
    expect(formatReturn(0x7ff00001)).toBe('TRACE(1)');
    expect(formatReturn(0x7fc00000)).toBe('USER_NOTIF');
    expect(formatReturn(0x00050016)).toBe('ERRNO(22) /* EINVAL */');
  });
});
