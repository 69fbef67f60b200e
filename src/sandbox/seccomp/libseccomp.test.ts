/**
 * Cross-check with libseccomp, an independent implementation: the built-in levels are translated
 * into seccomp_rule_add() calls, libseccomp exports its BPF, and both programs are run in the
 * emulator for every syscall number and the argument values the rules care about.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasTool } from '../../../test/helpers/fixtures.js';
import { archInfo, SECCOMP_ARCHES, type SeccompArch } from './arch.js';
import { decodeProgram } from './bpf.js';
import { compilePolicy } from './compiler.js';
import * as C from './constants.js';
import { runFilter } from './emulator.js';
import { builtinPolicy } from './levels.js';
import { rulesForNetwork, type ArgCondition, type SeccompAction, type SeccompPolicy } from './policy.js';

const haveLibseccomp = hasTool('gcc') && existsSync('/usr/include/seccomp.h');

function scmpAction(a: SeccompAction): string {
  switch (a.type) {
    case 'allow':
      return 'SCMP_ACT_ALLOW';
    case 'log':
      return 'SCMP_ACT_LOG';
    case 'trap':
      return 'SCMP_ACT_TRAP';
    case 'kill_process':
      return 'SCMP_ACT_KILL_PROCESS';
    case 'kill_thread':
      return 'SCMP_ACT_KILL_THREAD';
    case 'errno':
      return `SCMP_ACT_ERRNO(${a.errno})`;
  }
}

const OPS: Record<string, string> = { eq: 'SCMP_CMP_EQ', ne: 'SCMP_CMP_NE', lt: 'SCMP_CMP_LT', le: 'SCMP_CMP_LE', gt: 'SCMP_CMP_GT', ge: 'SCMP_CMP_GE' };
const NEGATE: Record<string, ArgCondition['op']> = { eq: 'ne', ne: 'eq', lt: 'ge', ge: 'lt', le: 'gt', gt: 'le' };

function scmpCmp(c: ArgCondition): string {
  const macro = c.width === 32 ? 'SCMP_CMP32' : 'SCMP_CMP64';
  if (c.op === 'masked_eq') return `${macro}(${c.index}, SCMP_CMP_MASKED_EQ, 0x${c.mask!.toString(16)}ULL, 0x${c.value.toString(16)}ULL)`;
  if (c.op === 'has_any' || c.op === 'has_none') throw new Error('not expressible');
  return `${macro}(${c.index}, ${OPS[c.op]}, 0x${c.value.toString(16)}ULL)`;
}

function negate(c: ArgCondition): ArgCondition {
  if (c.op === 'has_any') return { index: c.index, op: 'masked_eq', mask: c.value, value: 0n, width: c.width };
  const op = NEGATE[c.op];
  if (!op) throw new Error(`cannot negate ${c.op}`);
  return { ...c, op };
}

/**
 * The policy as libseccomp rules; each syscall's ordered rules become equivalent unordered ones.
 * libseccomp allows one comparison per argument in a rule and lets an unconditional rule swallow
 * conditional ones, so "allow ioctl except TIOCSTI and TIOCLINUX" under a deny default has no
 * libseccomp form: such syscalls are returned in `skipped` (compiler.test.ts covers them).
 */
function toLibseccompRules(policy: SeccompPolicy): { lines: string[]; skipped: string[] } {
  const skipped: string[] = [];
  const byName = new Map<string, { action: SeccompAction; args: readonly ArgCondition[] }[]>();
  for (const r of rulesForNetwork(policy, 'none').rules) {
    for (const n of r.syscalls) {
      const list = byName.get(n) ?? [];
      if (list.some((x) => x.args.length === 0)) continue; // after an unconditional rule nothing matches
      list.push({ action: r.action, args: r.args });
      byName.set(n, list);
    }
  }
  const same = (a: SeccompAction, b: SeccompAction): boolean => scmpAction(a) === scmpAction(b);
  const lines: string[] = [];
  const add = (name: string, action: SeccompAction, conds: readonly ArgCondition[]): void => {
    if (same(action, policy.defaultAction) && conds.length === 0) return;
    // has_any(mask) is an OR over the mask's bits: one masked_eq rule per bit.
    const anyIdx = conds.findIndex((c) => c.op === 'has_any');
    if (anyIdx >= 0) {
      const c = conds[anyIdx]!;
      for (let bit = 0n; bit < BigInt(c.width); bit++) {
        const m = 1n << bit;
        if ((c.value & m) === 0n) continue;
        add(name, action, conds.map((x, i) => (i === anyIdx ? { index: c.index, op: 'masked_eq', mask: m, value: m, width: c.width } : x)));
      }
      return;
    }
    lines.push(`  { "${name}", ${scmpAction(action)}, ${conds.length}, { ${conds.map(scmpCmp).join(', ')} } },`);
  };
  for (const [name, list] of byName) {
    const last = list[list.length - 1]!;
    const fallback = last.args.length === 0 ? last.action : policy.defaultAction;
    const conditional = list.filter((x) => x.args.length > 0);
    if (same(fallback, policy.defaultAction)) {
      for (const c of conditional) if (!same(c.action, policy.defaultAction)) add(name, c.action, c.args);
      continue;
    }
    // fallback unless any conditional rule matches: AND of the negated single conditions.
    if (conditional.some((c) => c.args.length !== 1)) throw new Error(`${name}: not translatable`);
    const indexes = conditional.map((c) => c.args[0]!.index);
    if (new Set(indexes).size !== indexes.length) {
      skipped.push(name);
      continue;
    }
    for (const c of conditional) if (!same(c.action, policy.defaultAction)) add(name, c.action, c.args);
    add(name, fallback, conditional.map((c) => negate(c.args[0]!)));
  }
  return { lines, skipped };
}

/** libseccomp's program, plus the syscall names this libseccomp does not know (newer than it). */
function libseccompProgram(policy: SeccompPolicy, arch: SeccompArch, dir: string): { bpf: Buffer; unknown: string[] } {
  const { lines } = toLibseccompRules(policy);
  const src = `#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
struct rule { const char *name; uint32_t action; unsigned n; struct scmp_arg_cmp cmp[6]; };
static const struct rule rules[] = {
${lines.join('\n')}
};
int main(void) {
  scmp_filter_ctx ctx = seccomp_init(${scmpAction(policy.defaultAction)});
  if (!ctx) return 2;
  if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) return 3;
  if (seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE)) return 4;
  if (seccomp_arch_add(ctx, ${arch === 'x86_64' ? 'SCMP_ARCH_X86_64' : 'SCMP_ARCH_AARCH64'})) return 5;
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
    int nr = seccomp_syscall_resolve_name(rules[i].name);
    if (nr == __NR_SCMP_ERROR) { fprintf(stderr, "unknown %s\\n", rules[i].name); continue; }
    int rc = seccomp_rule_add_array(ctx, rules[i].action, nr, rules[i].n, rules[i].cmp);
    if (rc) { fprintf(stderr, "rule %s: %d\\n", rules[i].name, rc); return 6; }
  }
  return seccomp_export_bpf(ctx, 1) ? 7 : 0;
}
`;
  const c = join(dir, `${policy.name}-${arch}.c`);
  const exe = join(dir, `${policy.name}-${arch}`);
  writeFileSync(c, src);
  execFileSync('gcc', ['-O1', '-o', exe, c, '-lseccomp'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const r = spawnSync(exe, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = r.stderr.toString();
  if (r.status !== 0) throw new Error(`libseccomp refused the rules: ${stderr}`);
  return { bpf: r.stdout, unknown: [...stderr.matchAll(/^unknown (\S+)$/gm)].map((m) => m[1]!) };
}

describe.skipIf(!haveLibseccomp)('agreement with libseccomp', () => {
  for (const level of ['basic', 'minimal'] as const) {
    for (const arch of SECCOMP_ARCHES) {
      it(`${level} on ${arch}: same action for every syscall and interesting argument`, () => {
        const dir = mkdtempSync(join(tmpdir(), 'guestguard-libseccomp-'));
        try {
          const policy = builtinPolicy(level);
          const info = archInfo(arch);
          const lib = libseccompProgram(policy, arch, dir);
          const theirs = decodeProgram(lib.bpf);
          // Only syscalls newer than this libseccomp may be unknown to it.
          for (const n of lib.unknown) expect(info.syscalls[n] ?? 1000, n).toBeGreaterThanOrEqual(435);
          const ours = compilePolicy(policy, { arch }).program;
          const values = [0n, 1n, 2n, 8n, 10n, 16n, 17n, 0x11n, 0x5401n, 0x5412n, 0x541cn, 0x100005412n, 0x20000n, 0x20008n, 0x400000n, 0xffffffffn, 0x10000011n, 0x40000011n, 0x7e020000n, 0x3d0f00n];
          const { skipped } = toLibseccompRules(policy);
          expect(skipped).toEqual(['ioctl']);
          const skippedNrs = new Set([...skipped, ...lib.unknown].map((n) => info.syscalls[n]));
          // Argument values matter only where some rule looks at arguments.
          const withArgs = new Set(policy.rules.filter((r) => r.args.length > 0).flatMap((r) => r.syscalls.map((n) => info.syscalls[n])));
          let compared = 0;
          for (let nr = 0; nr < 500; nr++) {
            if (skippedNrs.has(nr)) continue;
            const argSets = !withArgs.has(nr) ? [[0n, 0n, 0n, 0n, 0n, 0n]] : [[0n, 0n, 0n, 0n, 0n, 0n], ...values.flatMap((v) => [0, 1].map((i) => { const a = [0n, 0n, 0n, 0n, 0n, 0n]; a[i] = v; return a; }))];
            for (const args of argSets) {
              const d = { nr, arch: info.auditArch, args };
              const a = runFilter(ours, d);
              const b = runFilter(theirs, d);
              compared++;
              if (a === b) continue;
              expect(`${info.names.get(nr) ?? nr}(${args.slice(0, 2).map((x) => x.toString(16))}) 0x${a.toString(16)}`).toBe(
                `${info.names.get(nr) ?? nr}(${args.slice(0, 2).map((x) => x.toString(16))}) 0x${b.toString(16)}`,
              );
            }
          }
          // A foreign architecture is refused by both.
          const foreign = { nr: 0, arch: arch === 'x86_64' ? C.AUDIT_ARCH_AARCH64 : C.AUDIT_ARCH_X86_64 };
          expect(runFilter(ours, foreign)).toBe(C.SECCOMP_RET_KILL_PROCESS);
          expect(runFilter(theirs, foreign)).toBe(C.SECCOMP_RET_KILL_PROCESS);
          expect(compared).toBeGreaterThan(500);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }, 120_000);
    }
  }
});
