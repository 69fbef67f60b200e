/*
 * gg-probe: attempts system calls inside a sandbox and prints what the kernel answered, so tests
 * can prove what the seccomp filter denies. Built by the tests with gcc (static when possible).
 *
 *   gg-probe "NAME ARG..." ...   one line per call: "NAME ret=R errno=E ENAME"
 *
 * Arguments are numbers (strtoull, so 0x.. works) or: self (getpid()), buf (a scratch buffer).
 * Special NAMEs: fork (fork + wait), clone FLAGS (raw clone, child exits at once),
 * x32 NAME (the x86_64 number with the x32 bit set), i386 (getpid through int 0x80).
 * Syscall numbers come from the C library's SYS_* macros, independent of guestguard's tables.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct entry {
  const char *name;
  long nr;
};

#define E(n) {#n, SYS_##n},
static const struct entry table[] = {
#ifdef SYS_mount
    E(mount)
#endif
    E(umount2) E(pivot_root) E(chroot) E(unshare) E(setns) E(ptrace) E(process_vm_readv) E(process_vm_writev)
    E(kcmp) E(kexec_load) E(init_module) E(finit_module) E(delete_module) E(bpf) E(perf_event_open)
    E(keyctl) E(add_key) E(request_key) E(userfaultfd) E(reboot) E(swapon) E(swapoff) E(open_by_handle_at)
    E(name_to_handle_at) E(acct) E(settimeofday) E(clock_settime) E(quotactl) E(syslog) E(socket)
    E(ioctl) E(personality) E(clone3) E(socketpair) E(getpid) E(getuid) E(openat) E(close) E(io_uring_setup) E(adjtimex)
#ifdef SYS_kexec_file_load
    E(kexec_file_load)
#endif
#ifdef SYS_iopl
    E(iopl) E(ioperm)
#endif
#ifdef SYS_fsopen
    E(fsopen) E(fsmount) E(fspick) E(move_mount) E(open_tree)
#endif
#ifdef SYS_mount_setattr
    E(mount_setattr)
#endif
#ifdef SYS_pidfd_getfd
    E(pidfd_getfd)
#endif
#ifdef SYS_quotactl_fd
    E(quotactl_fd)
#endif
#ifdef SYS_clock_adjtime
    E(clock_adjtime)
#endif
};

static char scratch[4096];

static long lookup(const char *name) {
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i].name, name) == 0) return table[i].nr;
  return -1;
}

static unsigned long arg(const char *s) {
  if (strcmp(s, "self") == 0) return (unsigned long)getpid();
  if (strcmp(s, "buf") == 0) return (unsigned long)scratch;
  return strtoull(s, NULL, 0);
}

static void report(const char *name, long ret, int err) {
  printf("%s ret=%ld errno=%d %s\n", name, ret, ret == -1 ? err : 0, ret == -1 ? strerrorname_np(err) : "OK");
  fflush(stdout);
}

static void one(char *spec) {
  char *words[8] = {0};
  int n = 0;
  for (char *t = strtok(spec, " "); t && n < 8; t = strtok(NULL, " ")) words[n++] = t;
  if (n == 0) return;
  unsigned long a[6] = {0};
  if (strcmp(words[0], "fork") == 0) {
    pid_t p = fork();
    if (p == 0) _exit(0);
    int st = 0;
    if (p > 0) waitpid(p, &st, 0);
    report("fork", p > 0 ? 0 : -1, errno);
    return;
  }
  if (strcmp(words[0], "clone") == 0) {
    long r = syscall(SYS_clone, n > 1 ? arg(words[1]) : 17UL, 0UL, 0UL, 0UL, 0UL);
    if (r == 0) _exit(0);
    int err = errno;
    if (r > 0) waitpid((pid_t)r, NULL, __WALL);
    report("clone", r > 0 ? 0 : r, err);
    return;
  }
  if (strcmp(words[0], "x32") == 0) {
    long nr = n > 1 ? lookup(words[1]) : -1;
    long r = syscall(nr | 0x40000000L);
    report("x32", r, errno);
    return;
  }
  if (strcmp(words[0], "i386") == 0) {
#if defined(__x86_64__)
    long r;
    /* i386 getpid is 20; a filter that checks the architecture kills this. */
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
    report("i386", r < 0 ? -1 : r, r < 0 ? (int)-r : 0);
#else
    report("i386", -1, ENOSYS);
#endif
    return;
  }
  long nr = lookup(words[0]);
  if (nr < 0) {
    printf("%s unknown\n", words[0]);
    fflush(stdout);
    return;
  }
  for (int i = 1; i < n && i <= 6; i++) a[i - 1] = arg(words[i]);
  errno = 0;
  long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
  report(words[0], r, errno);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) one(argv[i]);
  return 0;
}
