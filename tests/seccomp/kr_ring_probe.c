/*
 * kr_ring_probe: calls io_uring_setup, io_uring_enter and io_uring_register directly and
 * prints one line, "setup=R enter=R register=R", each R being "ok" or the errno's name
 * (EPERM, EBADF, ...). For tests/seccomp/check.sh: without a filter setup is ok and the
 * other two, given a descriptor that is not open, fail with EBADF (or another error that
 * is not EPERM); under kr_noring all three fail with EPERM.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 426
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 427
#endif

static const char *name(long rc, int e)
{
    if (rc >= 0)
        return "ok";
    switch (e) {
    case EPERM:
        return "EPERM";
    case EBADF:
        return "EBADF";
    case ENOSYS:
        return "ENOSYS";
    case EINVAL:
        return "EINVAL";
    case ENOMEM:
        return "ENOMEM";
    default:
        return strerror(e);
    }
}

int main(void)
{
    /* struct io_uring_params is 120 bytes; zeroed means no flags */
    unsigned char params[120];
    memset(params, 0, sizeof(params));
    long fd = syscall(__NR_io_uring_setup, 4, params);
    int e_setup = errno;
    if (fd >= 0)
        close((int)fd);
    /* not -1: newer kernels take fd -1 for "blind" registrations */
    const int no_fd = 1000;
    long rc_enter = syscall(__NR_io_uring_enter, no_fd, 0, 0, 0, NULL, 0);
    int e_enter = errno;
    long rc_reg = syscall(__NR_io_uring_register, no_fd, 0, NULL, 0);
    int e_reg = errno;
    printf("setup=%s enter=%s register=%s\n", name(fd, e_setup), name(rc_enter, e_enter),
           name(rc_reg, e_reg));
    return 0;
}
