/*
 * kr_noring CMD [ARGS...]: runs CMD where io_uring is refused, as Docker 25+'s and
 * containerd's default seccomp profiles and Kubernetes' RuntimeDefault refuse it.
 *
 * Installs a seccomp BPF filter that makes io_uring_setup, io_uring_enter and
 * io_uring_register fail with EPERM and allows every other system call, then execs CMD
 * (found on PATH). The filter is inherited across exec and fork and cannot be removed.
 * A system call made with another architecture's convention (a 32-bit call on a 64-bit
 * kernel, x32 on x86-64) kills the process: its numbers would not be the ones checked.
 *
 * Exit status: CMD's; 125 when the filter cannot be installed, 126/127 when CMD cannot be
 * executed / found (as env(1)), 2 for no CMD.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The io_uring calls have the same numbers on every architecture (the unified table). */
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 426
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 427
#endif

#if defined(__x86_64__)
#define KR_AUDIT_ARCH AUDIT_ARCH_X86_64
#define KR_X32_BIT 0x40000000u
#elif defined(__aarch64__)
#define KR_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define KR_AUDIT_ARCH AUDIT_ARCH_RISCV64
#else
#error "kr_noring: add this architecture's AUDIT_ARCH_ value"
#endif

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
/* if A == nr: go to the EPERM return (at index `deny`), else go on */
#define DENY_IF(nr, here, deny) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), (deny) - (here)-1, 0)

static int install_filter(void)
{
    struct sock_filter prog[] = {
        /* 0 */ LOAD(arch),
        /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, KR_AUDIT_ARCH, 1, 0),
        /* 2 */ RET(SECCOMP_RET_KILL_PROCESS),
        /* 3 */ LOAD(nr),
#ifdef KR_X32_BIT
        /* 4 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, KR_X32_BIT, 0, 1),
        /* 5 */ RET(SECCOMP_RET_KILL_PROCESS),
#define B 6
#else
#define B 4
#endif
        DENY_IF(__NR_io_uring_setup, B, B + 4),
        DENY_IF(__NR_io_uring_enter, B + 1, B + 4),
        DENY_IF(__NR_io_uring_register, B + 2, B + 4),
        RET(SECCOMP_RET_ALLOW),
        RET(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
#undef B
    };
    struct sock_fprog fprog = {.len = sizeof(prog) / sizeof(prog[0]), .filter = prog};
    /* Without privileges a filter needs no_new_privs: no setuid gain across exec. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -errno;
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0)
        return -errno;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fputs("usage: kr_noring CMD [ARGS...]   run CMD with io_uring refused (EPERM)\n",
              argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    int rc = install_filter();
    if (rc != 0) {
        fprintf(stderr, "kr_noring: cannot install the seccomp filter: %s\n", strerror(-rc));
        return 125;
    }
    execvp(argv[1], argv + 1);
    int e = errno;
    fprintf(stderr, "kr_noring: %s: %s\n", argv[1], strerror(e));
    return e == ENOENT ? 127 : 126;
}
