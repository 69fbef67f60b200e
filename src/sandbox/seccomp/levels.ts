/**
 * The built-in seccomp levels. Every rule says why it exists.
 *
 * - minimal: allowlist of what a single program needs to compute, read and write files and run
 *   threads; anything else kills the process (SIGSYS), so surprises are loud.
 * - basic (default): broad allowlist of ordinary userland (files, memory, processes, signals,
 *   time, polling, local IPC) with argument checks; everything else fails with EPERM.
 * - permissive: allows everything except the explicit deny list and the argument checks.
 */
import type { ArgCondition, SeccompPolicy, SeccompRule } from './policy.js';
import { ALLOW, ENOSYS, EPERM, KILL } from './policy.js';
import { ARG_CONSTANTS } from './constants.js';

export type SeccompLevel = 'minimal' | 'basic' | 'permissive';
export const SECCOMP_LEVELS: readonly SeccompLevel[] = ['minimal', 'basic', 'permissive'];

export function isSeccompLevel(v: string): v is SeccompLevel {
  return (SECCOMP_LEVELS as readonly string[]).includes(v);
}

const k = (name: string): bigint => ARG_CONSTANTS[name]!;
const arg32 = (index: number, op: ArgCondition['op'], value: bigint): ArgCondition => ({ index, op, value, width: 32 });

function rule(syscalls: string[], action: SeccompRule['action'], rationale: string, extra: Partial<SeccompRule> = {}): SeccompRule {
  return { syscalls, action, args: [], rationale, ...extra };
}
const allow = (syscalls: string[], rationale: string, extra: Partial<SeccompRule> = {}): SeccompRule =>
  rule(syscalls, ALLOW, rationale, extra);
const deny = (syscalls: string[], rationale: string, extra: Partial<SeccompRule> = {}): SeccompRule =>
  rule(syscalls, EPERM, rationale, extra);

/** Denied at every level that does not kill instead: each is a known path out of a sandbox or into the kernel. */
const DENY_LIST: readonly SeccompRule[] = [
  deny(
    ['mount', 'umount2', 'pivot_root', 'chroot', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree', 'mount_setattr'],
    'the mount table is fixed by bwrap before the filter loads; changing it is how sandboxes are escaped',
  ),
  deny(['unshare', 'setns'], 'new or foreign namespaces expose kernel code meant for root (user namespaces above all) or leave the sandbox'),
  deny(
    ['ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'pidfd_getfd'],
    "reading or writing another process's memory or taking its file descriptors",
  ),
  deny(['kexec_load', 'kexec_file_load'], 'replaces the running kernel'),
  deny(['init_module', 'finit_module', 'delete_module', 'create_module', 'get_kernel_syms', 'query_module'], 'loads or unloads kernel code'),
  deny(['bpf'], 'eBPF programs run inside the kernel and its verifier has a long record of exploitable bugs'),
  deny(['perf_event_open'], 'performance counters leak kernel addresses and have repeatedly been exploitable'),
  deny(['keyctl', 'add_key', 'request_key'], 'the kernel keyrings are not namespaced: keys would be shared with the host'),
  deny(['userfaultfd'], 'stalls kernel code at a chosen page fault, the usual way to win kernel race conditions'),
  deny(['reboot'], 'restarts or halts the host'),
  deny(['swapon', 'swapoff'], 'changes host swap devices'),
  deny(['open_by_handle_at', 'name_to_handle_at'], 'opens files by inode handle, bypassing the mount namespace (the "shocker" escape)'),
  deny(['acct'], 'process accounting writes records to a host file'),
  deny(['settimeofday', 'clock_settime', 'clock_adjtime', 'adjtimex'], 'the system clock is shared with the host'),
  deny(['iopl', 'ioperm'], 'direct access to hardware I/O ports'),
  deny(['quotactl', 'quotactl_fd'], 'changes host filesystem quotas'),
  deny(['syslog'], "reads the kernel log: kernel addresses and other tenants' messages"),
  deny(['io_uring_setup', 'io_uring_enter', 'io_uring_register'], 'io_uring performs I/O without passing through this filter and has had many kernel bugs'),
  deny(['lookup_dcookie', 'nfsservctl', 'vhangup', 'uselib', 'ustat', 'sysfs', '_sysctl', 'fanotify_init'], 'obsolete or administrative interfaces no sandboxed program needs'),
];

const NS_FLAGS = k('CLONE_NAMESPACE_FLAGS');

/** Argument-checked rules shared by the allowlist levels (the deny half comes first). */
function argumentRules(level: SeccompLevel): SeccompRule[] {
  const permissive = level === 'permissive';
  const rules: SeccompRule[] = [
    deny(['clone'], 'clone with namespace flags would create namespaces, which unshare() is denied for', {
      args: [arg32(0, 'has_any', NS_FLAGS)],
    }),
    rule(['clone3'], ENOSYS, 'clone3 passes its flags in memory the filter cannot read; ENOSYS makes libc fall back to clone, whose flags are checked'),
    deny(['ioctl'], 'TIOCSTI injects keystrokes into the controlling terminal (commands typed into the user shell)', {
      args: [arg32(1, 'eq', k('TIOCSTI'))],
    }),
    deny(['ioctl'], 'TIOCLINUX reads and writes the console selection buffer', { args: [arg32(1, 'eq', k('TIOCLINUX'))] }),
  ];
  const personalities = [k('PER_LINUX'), k('PER_LINUX32'), k('UNAME26'), k('UNAME26') | k('PER_LINUX32'), k('PER_QUERY')];
  const socketpairWhy = 'other families would make the kernel load protocol modules on demand (module autoloading is attack surface)';
  const personalityWhy = 'other personality flags (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, ...) switch off exploit mitigations';
  const localFamilies = [k('AF_UNIX')];
  const netFamilies = [k('AF_UNIX'), k('AF_INET'), k('AF_INET6'), k('AF_NETLINK')];
  if (permissive) {
    rules.push(
      deny(['personality'], personalityWhy, { args: personalities.map((p) => arg32(0, 'ne', p)) }),
      deny(['socket'], 'without a network only local (AF_UNIX) sockets make sense; other families reach kernel protocol code', {
        args: localFamilies.map((f) => arg32(0, 'ne', f)),
        network: 'none',
      }),
      deny(['socket'], 'raw, packet and exotic protocol families are kernel attack surface no ordinary program needs', {
        args: netFamilies.map((f) => arg32(0, 'ne', f)),
        network: 'allowed',
      }),
      deny(['socketpair'], socketpairWhy, { args: [arg32(0, 'ne', k('AF_UNIX'))] }),
    );
    return rules;
  }
  rules.push(
    ...personalities.map((p) => allow(['personality'], `personality 0x${p.toString(16)} is harmless; ${personalityWhy}`, { args: [arg32(0, 'eq', p)] })),
    allow(['socket'], 'local IPC over AF_UNIX sockets stays inside the sandbox', { args: [arg32(0, 'eq', k('AF_UNIX'))] }),
    ...[k('AF_INET'), k('AF_INET6'), k('AF_NETLINK')].map((f) =>
      allow(['socket'], `address family ${f} is needed for IP networking when the sandbox has a network`, {
        args: [arg32(0, 'eq', f)],
        network: 'allowed',
      }),
    ),
    deny(['socket'], 'any other address family: without a network only AF_UNIX sockets make sense'),
    allow(['socketpair'], 'connected AF_UNIX pairs for local IPC', { args: [arg32(0, 'eq', k('AF_UNIX'))] }),
    deny(['socketpair'], socketpairWhy),
  );
  if (level === 'basic' || level === 'minimal') {
    rules.push(allow(['clone'], 'threads and child processes (namespace flags were refused above)'));
    rules.push(allow(['ioctl'], 'terminal and file ioctls (TIOCSTI and TIOCLINUX were refused above)'));
  }
  return rules;
}

/** What a program needs to start, compute, use threads and read/write files: the core of both allowlists. */
const CORE: readonly SeccompRule[] = [
  allow(['execve', 'execveat'], 'running the sandboxed program itself (the filter loads just before exec)'),
  allow(['exit', 'exit_group', 'restart_syscall'], 'ending threads and processes'),
  allow(
    ['read', 'write', 'readv', 'writev', 'pread64', 'pwrite64', 'preadv', 'pwritev', 'preadv2', 'pwritev2', 'lseek', 'sendfile', 'copy_file_range', 'splice', 'tee'],
    'reading and writing open files and pipes',
  ),
  allow(
    ['open', 'openat', 'openat2', 'creat', 'close', 'close_range', 'dup', 'dup2', 'dup3', 'fcntl', 'flock', 'fsync', 'fdatasync', 'ftruncate', 'fallocate', 'fadvise64'],
    'opening and managing file descriptors; the mount namespace decides what exists',
  ),
  allow(
    ['stat', 'fstat', 'lstat', 'newfstatat', 'statx', 'statfs', 'fstatfs', 'access', 'faccessat', 'faccessat2', 'readlink', 'readlinkat', 'getdents', 'getdents64', 'getcwd', 'chdir', 'fchdir', 'umask'],
    'looking at files and directories',
  ),
  allow(
    ['brk', 'mmap', 'munmap', 'mremap', 'mprotect', 'madvise', 'msync', 'mincore', 'membarrier', 'memfd_create', 'pkey_alloc', 'pkey_free', 'pkey_mprotect', 'mseal', 'map_shadow_stack', 'get_mempolicy'],
    'managing the process address space (bounded by the memory limit)',
  ),
  allow(['futex', 'futex_waitv', 'futex_wake', 'futex_wait', 'futex_requeue', 'set_robust_list', 'get_robust_list', 'set_tid_address', 'rseq'], 'thread synchronisation and libc thread setup'),
  allow(['arch_prctl', 'prctl'], 'thread-local storage and per-process settings (privileged prctl operations need capabilities the sandbox lacks)'),
  allow(['sched_yield', 'sched_getaffinity', 'sched_setaffinity', 'sched_getparam', 'sched_getscheduler', 'sched_get_priority_max', 'sched_get_priority_min', 'sched_rr_get_interval', 'getcpu'], 'scheduler queries (CPU count for thread pools)'),
  allow(
    ['rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'rt_sigpending', 'rt_sigtimedwait', 'rt_sigsuspend', 'sigaltstack', 'kill', 'tkill', 'tgkill', 'pause'],
    'signals; the PID namespace keeps them inside the sandbox',
  ),
  allow(['getpid', 'getppid', 'gettid', 'getuid', 'geteuid', 'getgid', 'getegid', 'getresuid', 'getresgid', 'getgroups', 'getpgid', 'getpgrp', 'getsid', 'capget'], 'identity queries'),
  allow(['clock_gettime', 'clock_getres', 'clock_nanosleep', 'nanosleep', 'gettimeofday', 'time', 'times'], 'reading clocks and sleeping'),
  allow(['getrandom'], 'randomness for crypto and hash seeds'),
  allow(['uname', 'sysinfo', 'getrlimit', 'prlimit64', 'getrusage'], 'system and limit queries (raising hard limits needs a capability)'),
  allow(['poll', 'ppoll', 'select', 'pselect6', 'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'eventfd', 'eventfd2', 'pipe', 'pipe2'], 'event loops and pipes'),
  allow(['fork', 'vfork', 'wait4', 'waitid'], 'child processes (limited by the pids limit)'),
  allow(['getsockname', 'getpeername', 'getsockopt'], 'runtimes ask what kind of descriptor their stdio is (it may be a socket)'),
];

/** Ordinary userland beyond the core, allowed by basic. */
const BASIC_EXTRA: readonly SeccompRule[] = [
  allow(
    ['rename', 'renameat', 'renameat2', 'mkdir', 'mkdirat', 'rmdir', 'unlink', 'unlinkat', 'link', 'linkat', 'symlink', 'symlinkat', 'truncate', 'mknod', 'mknodat', 'sync', 'syncfs', 'sync_file_range'],
    'changing files where the sandbox has writable mounts (device nodes need CAP_MKNOD, which is dropped)',
  ),
  allow(
    ['chmod', 'fchmod', 'fchmodat', 'fchmodat2', 'chown', 'fchown', 'lchown', 'fchownat', 'utime', 'utimes', 'futimesat', 'utimensat'],
    'file metadata on files the sandbox owns',
  ),
  allow(
    ['getxattr', 'lgetxattr', 'fgetxattr', 'listxattr', 'llistxattr', 'flistxattr', 'setxattr', 'lsetxattr', 'fsetxattr', 'removexattr', 'lremovexattr', 'fremovexattr', 'getxattrat', 'listxattrat', 'setxattrat', 'removexattrat'],
    'extended attributes (trusted.* and security.* need capabilities)',
  ),
  allow(['inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch'], 'file watching'),
  allow(['mlock', 'mlock2', 'munlock', 'mlockall', 'munlockall'], 'locking memory (bounded by RLIMIT_MEMLOCK)'),
  allow(
    ['setuid', 'setgid', 'setreuid', 'setregid', 'setresuid', 'setresgid', 'setgroups', 'setfsuid', 'setfsgid', 'capset', 'setpgid', 'setsid', 'getpriority', 'setpriority', 'sched_setparam', 'sched_setscheduler', 'sched_getattr', 'sched_setattr', 'setrlimit'],
    'dropping privileges and adjusting own process settings (gaining any needs capabilities)',
  ),
  allow(['rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'signalfd', 'signalfd4', 'pidfd_open', 'pidfd_send_signal'], 'more signal interfaces, confined by the PID namespace'),
  allow(['alarm', 'getitimer', 'setitimer', 'timer_create', 'timer_settime', 'timer_gettime', 'timer_getoverrun', 'timer_delete', 'timerfd_create', 'timerfd_settime', 'timerfd_gettime'], 'timers and timer file descriptors'),
  allow(
    ['connect', 'accept', 'accept4', 'bind', 'listen', 'getsockname', 'getpeername', 'sendto', 'recvfrom', 'sendmsg', 'recvmsg', 'sendmmsg', 'recvmmsg', 'shutdown', 'setsockopt', 'getsockopt'],
    'using sockets; which sockets can exist is decided by the socket() rules and the network namespace',
  ),
  allow(
    ['shmget', 'shmat', 'shmdt', 'shmctl', 'semget', 'semop', 'semctl', 'semtimedop', 'msgget', 'msgsnd', 'msgrcv', 'msgctl', 'mq_open', 'mq_unlink', 'mq_timedsend', 'mq_timedreceive', 'mq_notify', 'mq_getsetattr'],
    'System V and POSIX IPC, private to the sandbox IPC namespace',
  ),
  allow(['io_setup', 'io_destroy', 'io_submit', 'io_cancel', 'io_getevents', 'io_pgetevents'], 'Linux AIO, used by some databases and runtimes'),
  allow(['landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self', 'seccomp'], 'a program restricting itself further'),
  allow(['cachestat'], 'page-cache statistics for own files'),
];

const MINIMAL_PROBES: readonly SeccompRule[] = [
  rule(['io_uring_setup', 'io_uring_enter', 'io_uring_register'], ENOSYS, 'runtimes probe io_uring and fall back when it is missing; killing them for asking would be wrong'),
];

const POLICIES: Record<SeccompLevel, SeccompPolicy> = {
  minimal: {
    name: 'minimal',
    description: 'Small allowlist; any other syscall kills the process.',
    defaultAction: KILL,
    rules: [...MINIMAL_PROBES, ...argumentRules('minimal').filter((r) => !r.syscalls.includes('socket')), ...CORE],
  },
  basic: {
    name: 'basic',
    description: 'Broad allowlist of ordinary userland with argument checks; other syscalls fail with EPERM.',
    defaultAction: EPERM,
    rules: [...DENY_LIST, ...argumentRules('basic'), ...CORE, ...BASIC_EXTRA],
  },
  permissive: {
    name: 'permissive',
    description: 'Everything except the deny list and the argument checks.',
    defaultAction: ALLOW,
    rules: [...DENY_LIST, ...argumentRules('permissive')],
  },
};

export function builtinPolicy(level: SeccompLevel): SeccompPolicy {
  return POLICIES[level];
}
