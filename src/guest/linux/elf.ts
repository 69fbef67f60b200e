/**
 * CPU architecture of an ELF binary, named the way libguestfs names it (daemon/filearch.ml
 * canonicalises the output of file(1): "x86-64" → x86_64, "ARM aarch64" → aarch64, 64-bit
 * PowerPC → ppc64/ppc64le by byte order, S/390 → s390/s390x by class, RISC-V → riscv<bits>).
 */

export interface ElfInfo {
  bits: 32 | 64;
  endian: 'little' | 'big';
  machine: number;
  /** libguestfs-style architecture name, or undefined for a machine it has no name for. */
  arch: string | undefined;
}

/** Bytes needed to read e_machine. */
export const ELF_HEADER_PREFIX = 20;

/** Parses the start of an ELF file; undefined when it is not ELF (a script, say). */
export function parseElfHeader(head: Uint8Array): ElfInfo | undefined {
  if (head.length < ELF_HEADER_PREFIX) return undefined;
  if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return undefined;
  const cls = head[4];
  const data = head[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) return undefined;
  const bits = cls === 1 ? 32 : 64;
  const endian = data === 1 ? 'little' : 'big';
  const machine = endian === 'little' ? head[18]! | (head[19]! << 8) : (head[18]! << 8) | head[19]!;
  return { bits, endian, machine, arch: archName(machine, bits, endian) };
}

function archName(machine: number, bits: 32 | 64, endian: 'little' | 'big'): string | undefined {
  switch (machine) {
    case 3: // EM_386
    case 6: // EM_486
      return 'i386';
    case 62: // EM_X86_64
      return 'x86_64';
    case 2: // EM_SPARC
    case 18: // EM_SPARC32PLUS
      return 'sparc';
    case 43: // EM_SPARCV9
      return 'sparc64';
    case 50: // EM_IA_64
      return 'ia64';
    case 20: // EM_PPC
      return 'ppc';
    case 21: // EM_PPC64
      return endian === 'big' ? 'ppc64' : 'ppc64le';
    case 183: // EM_AARCH64
      return 'aarch64';
    case 40: // EM_ARM: libguestfs says "arm" for every 32-bit ARM flavour
      return 'arm';
    case 243: // EM_RISCV
      return `riscv${bits}`;
    case 22: // EM_S390
      return bits === 64 ? 's390x' : 's390';
    case 258: // EM_LOONGARCH
      return `loongarch${bits}`;
    // Below: machines libguestfs passes through as file(1)'s raw text; we use the usual names.
    case 8: // EM_MIPS
      return bits === 64 ? (endian === 'little' ? 'mips64el' : 'mips64') : endian === 'little' ? 'mipsel' : 'mips';
    case 0x9026: // EM_ALPHA
      return 'alpha';
    case 15: // EM_PARISC
      return 'hppa';
    case 42: // EM_SH
      return 'sh';
    case 4: // EM_68K
      return 'm68k';
    default:
      return undefined;
  }
}
