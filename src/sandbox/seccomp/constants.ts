/**
 * Kernel ABI constants the seccomp compiler needs: classic BPF opcodes, seccomp return values,
 * audit architecture tokens, and the symbolic names policies may use for argument values.
 * Values are from the Linux UAPI headers (linux/filter.h, linux/seccomp.h, linux/audit.h,
 * asm-generic/errno*.h, linux/sched.h, linux/socket.h, asm-generic/ioctls.h).
 */

// --- classic BPF (linux/bpf_common.h) ---
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;

export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;

export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;

export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;

export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;

export const BPF_K = 0x00;
export const BPF_X = 0x08;
export const BPF_A = 0x10;

export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;

/** The kernel refuses longer filters (BPF_MAXINSNS). */
export const BPF_MAXINSNS = 4096;
/** Scratch memory slots (BPF_MEMWORDS). */
export const BPF_MEMWORDS = 16;

// --- struct seccomp_data layout ---
export const SECCOMP_DATA_NR = 0;
export const SECCOMP_DATA_ARCH = 4;
export const SECCOMP_DATA_IP = 8;
export const SECCOMP_DATA_ARGS = 16;
export const SECCOMP_DATA_SIZE = 64;

// --- seccomp return values (linux/seccomp.h) ---
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_TRACE = 0x7ff00000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;

// --- audit architectures (linux/audit.h) ---
export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;
export const AUDIT_ARCH_I386 = 0x40000003;
export const AUDIT_ARCH_ARM = 0x40000028;

/** x86_64 marks x32-ABI system calls with this bit in the syscall number. */
export const X32_SYSCALL_BIT = 0x40000000;

/** Linux errno numbers; identical on x86_64 and aarch64 (asm-generic). */
export const ERRNO: Readonly<Record<string, number>> = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENODATA: 61,
  ETIME: 62,
  EPROTO: 71,
  EOVERFLOW: 75,
  EILSEQ: 84,
  ENOTSOCK: 88,
  EPROTOTYPE: 91,
  ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
  ECANCELED: 125,
  EOWNERDEAD: 130,
  ENOTRECOVERABLE: 131,
  ERFKILL: 132,
  EHWPOISON: 133,
};

/** Symbolic constants a policy may use for argument values. */
export const ARG_CONSTANTS: Readonly<Record<string, bigint>> = {
  // socket address families (linux/socket.h)
  AF_UNSPEC: 0n,
  AF_UNIX: 1n,
  AF_LOCAL: 1n,
  AF_INET: 2n,
  AF_INET6: 10n,
  AF_NETLINK: 16n,
  AF_PACKET: 17n,
  AF_VSOCK: 40n,
  // clone flags (linux/sched.h)
  CLONE_VM: 0x00000100n,
  CLONE_FS: 0x00000200n,
  CLONE_FILES: 0x00000400n,
  CLONE_SIGHAND: 0x00000800n,
  CLONE_PIDFD: 0x00001000n,
  CLONE_PTRACE: 0x00002000n,
  CLONE_VFORK: 0x00004000n,
  CLONE_PARENT: 0x00008000n,
  CLONE_THREAD: 0x00010000n,
  CLONE_NEWNS: 0x00020000n,
  CLONE_SYSVSEM: 0x00040000n,
  CLONE_SETTLS: 0x00080000n,
  CLONE_PARENT_SETTID: 0x00100000n,
  CLONE_CHILD_CLEARTID: 0x00200000n,
  CLONE_DETACHED: 0x00400000n,
  CLONE_UNTRACED: 0x00800000n,
  CLONE_CHILD_SETTID: 0x01000000n,
  CLONE_NEWCGROUP: 0x02000000n,
  CLONE_NEWUTS: 0x04000000n,
  CLONE_NEWIPC: 0x08000000n,
  CLONE_NEWUSER: 0x10000000n,
  CLONE_NEWPID: 0x20000000n,
  CLONE_NEWNET: 0x40000000n,
  CLONE_IO: 0x80000000n,
  // Every namespace-creating clone flag (CLONE_NEWTIME is clone3/unshare only).
  CLONE_NAMESPACE_FLAGS: 0x7e020000n,
  // tty ioctls (asm-generic/ioctls.h)
  TIOCSTI: 0x5412n,
  TIOCLINUX: 0x541cn,
  TIOCSCTTY: 0x540en,
  // personality (linux/personality.h)
  PER_LINUX: 0x0n,
  PER_LINUX32: 0x8n,
  UNAME26: 0x20000n,
  PER_QUERY: 0xffffffffn,
};
