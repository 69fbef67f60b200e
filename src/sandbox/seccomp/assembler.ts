/**
 * A tiny label-based assembler for seccomp BPF. Conditional jumps carry 8-bit offsets (at most
 * 255 instructions forward); when a target is farther, the jump is pointed at a trampoline
 * `BPF_JMP|BPF_JA` (32-bit offset) placed right after it. Inserting trampolines moves other
 * targets, so layout repeats until nothing changes; offsets only grow, so this terminates.
 */
import { GuestguardError } from '../../errors.js';
import { jump, stmt, type SockFilter } from './bpf.js';
import * as C from './constants.js';

/** Jump target meaning "the next instruction" (falls through, never needs a trampoline). */
export const NEXT = Symbol('next');
export type Target = string | typeof NEXT;

type Item =
  | { kind: 'stmt'; ins: SockFilter }
  | { kind: 'cond'; code: number; k: number; jt: Target; jf: Target; farT: boolean; farF: boolean }
  | { kind: 'ja'; target: string }
  | { kind: 'label'; name: string };

export class Assembler {
  private readonly items: Item[] = [];
  private readonly defined = new Set<string>();
  private counter = 0;

  /** A fresh label name (place it with label()). */
  newLabel(hint = 'L'): string {
    return `${hint}#${this.counter++}`;
  }

  label(name: string): this {
    if (this.defined.has(name)) throw internal(`label ${name} placed twice`);
    this.defined.add(name);
    this.items.push({ kind: 'label', name });
    return this;
  }

  /** A = 32-bit word of struct seccomp_data at `offset`. */
  load(offset: number): this {
    return this.emit(stmt(C.BPF_LD | C.BPF_W | C.BPF_ABS, offset));
  }

  and(k: number): this {
    return this.emit(stmt(C.BPF_ALU | C.BPF_AND | C.BPF_K, k));
  }

  ret(k: number): this {
    return this.emit(stmt(C.BPF_RET | C.BPF_K, k));
  }

  jeq(k: number, jt: Target, jf: Target): this {
    return this.cond(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, k, jt, jf);
  }

  jgt(k: number, jt: Target, jf: Target): this {
    return this.cond(C.BPF_JMP | C.BPF_JGT | C.BPF_K, k, jt, jf);
  }

  jge(k: number, jt: Target, jf: Target): this {
    return this.cond(C.BPF_JMP | C.BPF_JGE | C.BPF_K, k, jt, jf);
  }

  jset(k: number, jt: Target, jf: Target): this {
    return this.cond(C.BPF_JMP | C.BPF_JSET | C.BPF_K, k, jt, jf);
  }

  ja(target: string): this {
    this.items.push({ kind: 'ja', target });
    return this;
  }

  emit(ins: SockFilter): this {
    this.items.push({ kind: 'stmt', ins });
    return this;
  }

  private cond(code: number, k: number, jt: Target, jf: Target): this {
    this.items.push({ kind: 'cond', code, k: k >>> 0, jt, jf, farT: false, farF: false });
    return this;
  }

  /** Resolves labels into offsets, adding trampolines where a conditional target is too far. */
  assemble(): SockFilter[] {
    for (const item of this.items) {
      const targets: Target[] = item.kind === 'cond' ? [item.jt, item.jf] : item.kind === 'ja' ? [item.target] : [];
      for (const t of targets) {
        if (typeof t === 'string' && !this.defined.has(t)) throw internal(`label ${t} used but never placed`);
      }
    }
    for (let round = 0; ; round++) {
      if (round > this.items.length + 1) throw internal('jump layout did not converge');
      const { positions, labels } = this.layout();
      let changed = false;
      this.items.forEach((item, idx) => {
        if (item.kind !== 'cond') return;
        const base = positions[idx]! + 1;
        for (const which of ['T', 'F'] as const) {
          const target = which === 'T' ? item.jt : item.jf;
          const far = which === 'T' ? item.farT : item.farF;
          if (far || target === NEXT) continue;
          const dist = labels.get(target)! - base;
          if (dist < 0) throw internal(`backward jump to ${target}`);
          if (dist > 255) {
            if (which === 'T') item.farT = true;
            else item.farF = true;
            changed = true;
          }
        }
      });
      if (!changed) return this.emitResolved(positions, labels);
    }
  }

  private layout(): { positions: number[]; labels: Map<string, number> } {
    const positions: number[] = [];
    const labels = new Map<string, number>();
    let pc = 0;
    for (const item of this.items) {
      positions.push(pc);
      if (item.kind === 'label') labels.set(item.name, pc);
      else pc += item.kind === 'cond' ? 1 + trampolines(item) : 1;
    }
    return { positions, labels };
  }

  private emitResolved(positions: number[], labels: Map<string, number>): SockFilter[] {
    const out: SockFilter[] = [];
    this.items.forEach((item, idx) => {
      const pc = positions[idx]!;
      if (item.kind === 'label') return;
      if (item.kind === 'stmt') {
        out.push(item.ins);
        return;
      }
      if (item.kind === 'ja') {
        const dist = labels.get(item.target)! - (pc + 1);
        if (dist < 0) throw internal(`backward jump to ${item.target}`);
        out.push(stmt(C.BPF_JMP | C.BPF_JA, dist));
        return;
      }
      const n = trampolines(item);
      const after = pc + 1 + n;
      // Trampolines sit right after the jump: the jt one first, then the jf one.
      const tSlot = 0;
      const fSlot = item.farT ? 1 : 0;
      const off = (target: Target, far: boolean, slot: number): number =>
        far ? slot : target === NEXT ? n : labels.get(target)! - after + n;
      out.push(jump(item.code, item.k, off(item.jt, item.farT, tSlot), off(item.jf, item.farF, fSlot)));
      const far: string[] = [];
      if (item.farT) far.push(item.jt as string);
      if (item.farF) far.push(item.jf as string);
      far.forEach((target, i) => out.push(stmt(C.BPF_JMP | C.BPF_JA, labels.get(target)! - (pc + 1 + i + 1))));
    });
    return out;
  }
}

function trampolines(item: { farT: boolean; farF: boolean }): number {
  return (item.farT ? 1 : 0) + (item.farF ? 1 : 0);
}

function internal(message: string): GuestguardError {
  return new GuestguardError('INVALID_ARGUMENT', `seccomp assembler: ${message}`, { structure: 'seccomp filter' });
}
