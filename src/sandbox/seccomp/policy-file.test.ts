import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePolicy } from './compiler.js';
import { describeReturn, runFilter } from './emulator.js';
import { loadPolicyFile, parsePolicyYaml } from './policy-file.js';
import { formatAction, parseAction, parseArgValue } from './policy.js';
import { AUDIT_ARCH_X86_64 } from './constants.js';
import { archInfo } from './arch.js';
import { GuestguardError } from '../../errors.js';

const nr = (name: string): number => archInfo('x86_64').syscalls[name]!;

function errorOf(fn: () => unknown): GuestguardError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GuestguardError);
    return err as GuestguardError;
  }
  throw new Error('expected an error');
}

describe('YAML seccomp policies', () => {
  it('extends a level: custom rules come first and win', () => {
    const policy = parsePolicyYaml(
      `
name: builds
extends: basic
rules:
  - syscalls: [socket]
    action: allow
    args: [{ index: 0, op: eq, value: AF_INET, width: 32 }]
    network: allowed
    rationale: builds download dependencies
  - syscalls: acct
    action: errno:ENOSYS
    rationale: pretend process accounting does not exist
`,
      'builds.yaml',
    );
    expect(policy.name).toBe('builds');
    const none = compilePolicy(policy, { arch: 'x86_64', network: 'none' }).program;
    const net = compilePolicy(policy, { arch: 'x86_64', network: 'allowed' }).program;
    const inet = { nr: nr('socket'), arch: AUDIT_ARCH_X86_64, args: [2n] };
    expect(describeReturn(runFilter(none, inet))).toEqual({ action: 'errno', data: 1 });
    expect(describeReturn(runFilter(net, inet)).action).toBe('allow');
    expect(describeReturn(runFilter(none, { nr: nr('acct'), arch: AUDIT_ARCH_X86_64 }))).toEqual({ action: 'errno', data: 38 });
    // Inherited from basic.
    expect(describeReturn(runFilter(none, { nr: nr('ptrace'), arch: AUDIT_ARCH_X86_64 })).action).toBe('errno');
  });

  it('a standalone policy needs a default action', () => {
    const e = errorOf(() => parsePolicyYaml('rules: []\n', 'p.yaml'));
    expect(e.message).toBe('p.yaml: defaultAction: required unless the policy extends a level');
    const ok = parsePolicyYaml('defaultAction: kill\nrules:\n  - { syscalls: [read, write, exit_group], action: allow, rationale: just echo }\n', 'echo.yml');
    expect(ok.name).toBe('echo');
    expect(ok.defaultAction).toEqual({ type: 'kill_process' });
  });

  it.each([
    ['rules: [{ syscalls: [read], action: allow }]\ndefaultAction: kill', /^x\.yaml: rules\[0\]\.rationale: /],
    ['rules: [{ syscalls: [read], action: allow, rationale: "" }]\ndefaultAction: kill', /^x\.yaml: rules\[0\]\.rationale: every rule needs a rationale/],
    ['rules: [{ syscalls: [read, nosuchcall], action: allow, rationale: why not }]\ndefaultAction: kill', /^x\.yaml: rules\[0\]\.syscalls\[1\]: unknown syscall "nosuchcall"/],
    ['rules: [{ syscalls: [read], action: permit, rationale: why not }]\ndefaultAction: kill', /^x\.yaml: rules\[0\]\.action: unknown action "permit"/],
    ['rules: [{ syscalls: [read], action: errno:EWHAT, rationale: why not }]\ndefaultAction: kill', /^x\.yaml: rules\[0\]\.action: unknown errno "ewhat"/],
    ['rules: [{ syscalls: [read], action: allow, rationale: why not, args: [{ index: 7, op: eq, value: 1 }] }]\ndefaultAction: kill', /^x\.yaml: rules\[0\]\.args\[0\]\.index: /],
    ['rules: [{ syscalls: [read], action: allow, rationale: why not, args: [{ index: 0, op: equals, value: 1 }] }]\ndefaultAction: kill', /^x\.yaml: rules\[0\]\.args\[0\]\.op: /],
    ['rules: [{ syscalls: [read], action: allow, rationale: why not, args: [{ index: 0, op: eq, value: AF_MARS }] }]\ndefaultAction: kill', /^x\.yaml: rules\[0\]\.args\[0\]: unknown constant "AF_MARS"/],
    ['rules: [{ syscalls: [read], action: allow, rationale: why not, args: [{ index: 0, op: eq, value: 0x100000000, width: 32 }] }]\ndefaultAction: kill', /^x\.yaml: rules\[0\]\.args\[0\]: value 0x100000000 does not fit 32 bits/],
    ['rules: [{ syscalls: [read], action: allow, rationale: why not, args: [{ index: 0, op: masked_eq, value: 1 }] }]\ndefaultAction: kill', /^x\.yaml: rules\[0\]\.args\[0\]: masked_eq needs a mask/],
    ['rules: [{ syscalls: [read], action: allow, rationale: why not, colour: red }]\ndefaultAction: kill', /^x\.yaml: rules\[0\]: /],
    ['extends: paranoid', /^x\.yaml: extends: /],
    ['defaultAction: kill\nrules: [{ syscalls: [read], action: allow, rationale: x\n', /^x\.yaml: invalid YAML at line \d+/],
    ['defaultAction: kill\ndefaultAction: allow\n', /^x\.yaml: invalid YAML/],
  ])('names the file and field: %s', (text, message) => {
    const e = errorOf(() => parsePolicyYaml(text, 'x.yaml'));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(message);
  });

  it('loads from a file, naming it in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'guestguard-policy-'));
    try {
      const good = join(dir, 'good.yaml');
      writeFileSync(good, 'extends: minimal\nrules:\n  - { syscalls: [uname], action: "errno(EPERM)", rationale: hide the kernel version }\n');
      expect(loadPolicyFile(good).rules[0]!.action).toEqual({ type: 'errno', errno: 1 });
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'extends: minimal\nrules:\n  - { syscalls: [uname], action: nope, rationale: hide the kernel version }\n');
      expect(errorOf(() => loadPolicyFile(bad)).message).toBe(`${bad}: rules[0].action: unknown action "nope" (allow, log, trap, kill, kill_process, kill_thread, errno, errno:NAME)`);
      expect(errorOf(() => loadPolicyFile(join(dir, 'missing.yaml'))).message).toMatch(/missing\.yaml: cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('actions and values', () => {
  it('parse and format actions', () => {
    expect(parseAction('errno')).toEqual({ type: 'errno', errno: 1 });
    expect(parseAction('errno:38')).toEqual({ type: 'errno', errno: 38 });
    expect(parseAction('ERRNO(ENOSYS)')).toEqual({ type: 'errno', errno: 38 });
    expect(parseAction('kill')).toEqual({ type: 'kill_process' });
    expect(() => parseAction('errno:0')).toThrow(/outside 1\.\.4095/);
    expect(() => parseAction('errno:4096')).toThrow(/outside 1\.\.4095/);
    expect(formatAction({ type: 'errno', errno: 13 })).toBe('errno:EACCES');
    expect(formatAction({ type: 'errno', errno: 999 })).toBe('errno:999');
  });

  it('parse numeric and symbolic argument values', () => {
    expect(parseArgValue('0x5412')).toBe(0x5412n);
    expect(parseArgValue('CLONE_NEWUSER|CLONE_NEWNS')).toBe(0x10020000n);
    expect(parseArgValue(42)).toBe(42n);
    expect(() => parseArgValue(-1)).toThrow();
    expect(() => parseArgValue('1.5')).toThrow(/unknown constant/);
  });
});
