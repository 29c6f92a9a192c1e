/* Every implemented system call with hostile arguments: bad pointers (NULL, kernel, non-
 * canonical, unmapped, read-only, straddling into a hole), huge lengths, negative and closed
 * descriptors, unaligned buffers, strings that run into unmapped memory or past PATH_MAX.
 * Each call must give Linux's errno (the same program checks that on Linux: `--host` leaves out
 * what only an unprivileged Linux run would answer differently). Raw syscall() throughout, so
 * that the C library's own checks stay out of the way. Prints one line per failed check and a
 * summary (tests/qemu/linux_abi.conf); the kernel side checks memory afterwards. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int checks, failures, host;

#define KERNEL_PTR ((long)0xffffffff80100000UL)
#define NONCANON ((long)0x0000800000000000UL)
#define TOP_PAGE ((long)0x00007ffffffff000UL)

static void expect_err(long result, int err, int expected, const char *what, int line)
{
    checks++;
    if (result != -1 || err != expected) {
        failures++;
        printf("c-robust: FAIL line %d %s: got %ld errno %d (%s), want errno %d (%s)\n", line,
               what, result, result == -1 ? err : 0, result == -1 ? strerror(err) : "-",
               expected, strerror(expected));
    }
}

static void expect_ok(long result, int err, const char *what, int line)
{
    checks++;
    if (result < 0) {
        failures++;
        printf("c-robust: FAIL line %d %s: got errno %d (%s), want success\n", line, what, err,
               strerror(err));
    }
}

#define ERR(e, call)                                                                       \
    do {                                                                                   \
        errno = 0;                                                                         \
        long r_ = (call);                                                                  \
        expect_err(r_, errno, e, #call, __LINE__);                                         \
    } while (0)
#define OK(call)                                                                           \
    do {                                                                                   \
        errno = 0;                                                                         \
        long r_ = (call);                                                                  \
        expect_ok(r_, errno, #call, __LINE__);                                             \
    } while (0)

static const char rodata[64] = "read-only data";
static char buf[8192] __attribute__((aligned(16)));

/* syslog(2)'s checks (`hole` is unmapped, `runs_into_hole` 100 bytes before it). */
static void check_syslog(char *hole, char *runs_into_hole)
{
    ERR(EINVAL, syscall(SYS_syslog, 11, buf, 10));
    ERR(EINVAL, syscall(SYS_syslog, -1L, buf, 10));
    for (int type = 2; type <= 4; type++) {
        ERR(EINVAL, syscall(SYS_syslog, type, 0, 10));
        ERR(EINVAL, syscall(SYS_syslog, type, buf, -1L));
        OK(syscall(SYS_syslog, type, buf, 0));
        ERR(EFAULT, syscall(SYS_syslog, type, KERNEL_PTR, 10));
        ERR(EFAULT, syscall(SYS_syslog, type, NONCANON, 10));
        ERR(EFAULT, syscall(SYS_syslog, type, -1L, 10));
        ERR(EFAULT, syscall(SYS_syslog, type, TOP_PAGE, 8192));
    }
    ERR(EINVAL, syscall(SYS_syslog, 8, 0, 0));
    ERR(EINVAL, syscall(SYS_syslog, 8, 0, 9));
    OK(syscall(SYS_syslog, 0, 0, 0));
    OK(syscall(SYS_syslog, 1, 0, 0));
    OK(syscall(SYS_syslog, 9, KERNEL_PTR, -1L));
    {
        long size = syscall(SYS_syslog, 10, 0, 0);
        long got = syscall(SYS_syslog, 3, buf, sizeof buf);
        long none = syscall(SYS_syslog, 3, buf + 1, 1L << 32); /* len is an int: 0 */
        checks++;
        /* Kestrel's log holds the boot messages; a Linux host's may have been cleared. */
        if (size < 4096 || got < (host ? 0 : 100) || got > (long)sizeof buf ||
            (got > 0 && (buf[0] != '<' || buf[got - 1] != '\n')) || none != 0) {
            failures++;
            printf("c-robust: FAIL syslog: size %ld, read %ld starting %.20s, len 2^32 %ld\n",
                   size, got, got > 0 ? buf : "-", none);
        }
        /* READ_ALL into memory that cannot take the text (when there are 100 bytes of it). */
        if (got >= 100) {
            ERR(EFAULT, syscall(SYS_syslog, 3, hole, 4096));
            ERR(EFAULT, syscall(SYS_syslog, 3, runs_into_hole, 4096));
            ERR(EFAULT, syscall(SYS_syslog, 3, (void *)check_syslog, 4096));
        }
    }
    if (!host) { /* they change the host's console */
        OK(syscall(SYS_syslog, 6, 0, 0));
        OK(syscall(SYS_syslog, 7, 0, 0));
        OK(syscall(SYS_syslog, 8, 0, 8));
    }
}

int main(int argc, char **argv)
{
    host = argc > 1 && strcmp(argv[1], "--host") == 0;

    /* Two pages; the second is unmapped again: `hole` is a known-unmapped address. */
    char *page = (char *)syscall(SYS_mmap, 0, 8192, PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0);
    OK((long)page);
    OK(syscall(SYS_munmap, page + 4096, 4096));
    char *hole = page + 4096;
    memset(page, 'a', 4096); /* no NUL anywhere in the page */
    char *runs_into_hole = hole - 100;
    char *long_name = page; /* 4096 bytes without a NUL: longer than PATH_MAX */
    long bad_ptrs[] = {0, KERNEL_PTR, NONCANON, TOP_PAGE, (long)hole, -1L};
    const int nbad = sizeof bad_ptrs / sizeof bad_ptrs[0];

    int file = syscall(SYS_open, "/tmp/c-robust.data", O_RDWR | O_CREAT | O_TRUNC, 0644);
    OK(file);
    OK(syscall(SYS_write, file, "0123456789", 10));
    int dir = syscall(SYS_open, "/", O_RDONLY | O_DIRECTORY);
    OK(dir);
    int fds[2];
    OK(syscall(SYS_pipe2, fds, 0));
    OK(syscall(SYS_write, fds[1], "x", 1));
    int closed = 40, neg = -1;
    long huge = 0x7fffffffffffffffL;

    /* Paths: every bad pointer, unterminated strings, over-long names. */
    for (int i = 0; i < nbad; i++) {
        long p = bad_ptrs[i];
        ERR(EFAULT, syscall(SYS_open, p, O_RDONLY));
        ERR(EFAULT, syscall(SYS_openat, AT_FDCWD, p, O_RDONLY));
        ERR(EFAULT, syscall(SYS_stat, p, buf));
        ERR(EFAULT, syscall(SYS_lstat, p, buf));
        ERR(EFAULT, syscall(SYS_newfstatat, AT_FDCWD, p, buf, 0));
        ERR(EFAULT, syscall(SYS_access, p, F_OK));
        ERR(EFAULT, syscall(SYS_faccessat, AT_FDCWD, p, F_OK));
        ERR(EFAULT, syscall(SYS_chdir, p));
        ERR(EFAULT, syscall(SYS_mkdir, p, 0755));
        ERR(EFAULT, syscall(SYS_mkdirat, AT_FDCWD, p, 0755));
        ERR(EFAULT, syscall(SYS_unlink, p));
        ERR(EFAULT, syscall(SYS_rmdir, p));
        ERR(EFAULT, syscall(SYS_unlinkat, AT_FDCWD, p, 0));
        ERR(EFAULT, syscall(SYS_readlink, p, buf, 100));
        ERR(EFAULT, syscall(SYS_readlinkat, AT_FDCWD, p, buf, 100));
        ERR(EFAULT, syscall(SYS_execve, p, 0, 0));
    }
    ERR(EFAULT, syscall(SYS_open, runs_into_hole, O_RDONLY));
    ERR(EFAULT, syscall(SYS_stat, runs_into_hole, buf));
    ERR(EFAULT, syscall(SYS_mkdir, runs_into_hole, 0755));
    ERR(EFAULT, syscall(SYS_execve, runs_into_hole, 0, 0));
    ERR(EFAULT, syscall(SYS_chdir, runs_into_hole));
    ERR(ENAMETOOLONG, syscall(SYS_open, long_name, O_RDONLY));
    ERR(ENAMETOOLONG, syscall(SYS_stat, long_name, buf));
    ERR(ENAMETOOLONG, syscall(SYS_access, long_name, F_OK));
    ERR(ENAMETOOLONG, syscall(SYS_unlink, long_name));
    /* A 300-byte component is over NAME_MAX. */
    char name[320] = "/tmp/";
    memset(name + 5, 'n', 300);
    name[305] = 0;
    ERR(ENAMETOOLONG, syscall(SYS_open, name, O_RDONLY | O_CREAT, 0644));
    ERR(ENAMETOOLONG, syscall(SYS_mkdir, name, 0755));
    ERR(ENOENT, syscall(SYS_open, "", O_RDONLY));
    ERR(ENOENT, syscall(SYS_open, "/no/such/file", O_RDONLY));
    ERR(ENOTDIR, syscall(SYS_open, "/etc/motd/x", O_RDONLY));
    ERR(ENOTDIR, syscall(SYS_open, "/etc/motd", O_RDONLY | O_DIRECTORY));
    ERR(EISDIR, syscall(SYS_open, "/", O_WRONLY));
    ERR(EEXIST, syscall(SYS_open, "/tmp", O_RDONLY | O_CREAT | O_EXCL, 0644));
    ERR(EBADF, syscall(SYS_openat, -5L, "relative", O_RDONLY));
    ERR(EBADF, syscall(SYS_openat, closed, "relative", O_RDONLY));
    ERR(ENOTDIR, syscall(SYS_openat, file, "relative", O_RDONLY));
    OK(syscall(SYS_openat, -5L, "/", O_RDONLY | O_CLOEXEC)); /* absolute: dirfd unused */
    if (!host) {
        ERR(EROFS, syscall(SYS_open, "/bin/new-file", O_WRONLY | O_CREAT, 0644));
        ERR(EROFS, syscall(SYS_mkdir, "/bin/new-dir", 0755));
        ERR(EROFS, syscall(SYS_unlink, "/etc/motd"));
    }

    /* Descriptors: negative, closed, past the table, huge. */
    long bad_fds[] = {neg, closed, 63, 64, 1000000, 0x7fffffff, -100 /* AT_FDCWD */};
    for (unsigned i = 0; i < sizeof bad_fds / sizeof bad_fds[0]; i++) {
        long fd = bad_fds[i];
        ERR(EBADF, syscall(SYS_read, fd, buf, 1));
        ERR(EBADF, syscall(SYS_write, fd, buf, 1));
        ERR(EBADF, syscall(SYS_close, fd));
        ERR(EBADF, syscall(SYS_fstat, fd, buf));
        ERR(EBADF, syscall(SYS_lseek, fd, 0, SEEK_SET));
        ERR(EBADF, syscall(SYS_pread64, fd, buf, 1, 0));
        ERR(EBADF, syscall(SYS_readv, fd, buf, 0));
        ERR(EBADF, syscall(SYS_ioctl, fd, 0x5413, buf));
        ERR(EBADF, syscall(SYS_dup, fd));
        ERR(EBADF, syscall(SYS_dup2, fd, 20));
        ERR(EBADF, syscall(SYS_dup3, fd, 20, 0));
        ERR(EBADF, syscall(SYS_fcntl, fd, F_GETFD));
        ERR(EBADF, syscall(SYS_getdents64, fd, buf, sizeof buf));
    }
    ERR(EBADF, syscall(SYS_dup2, file, -1));
    ERR(EBADF, syscall(SYS_dup2, file, 0x7fffffff));
    ERR(EBADF, syscall(SYS_dup3, file, -1, 0));
    ERR(EINVAL, syscall(SYS_dup3, file, file, 0));
    ERR(EINVAL, syscall(SYS_dup3, file, 20, 1));
    ERR(EINVAL, syscall(SYS_fcntl, file, 9999, 0));
    ERR(EINVAL, syscall(SYS_fcntl, file, F_DUPFD, -1L));
    ERR(EINVAL, syscall(SYS_fcntl, file, F_DUPFD, 0x7fffffff));
    OK(syscall(SYS_dup2, file, file));

    /* Buffers: every bad pointer for reading into and writing from. */
    for (int i = 0; i < nbad; i++) {
        long p = bad_ptrs[i];
        syscall(SYS_lseek, file, 0, SEEK_SET);
        ERR(EFAULT, syscall(SYS_read, file, p, 10));
        ERR(EFAULT, syscall(SYS_read, fds[0], p, 1));
        ERR(EFAULT, syscall(SYS_pread64, file, p, 10, 0));
        ERR(EFAULT, syscall(SYS_write, file, p, 10));
        ERR(EFAULT, syscall(SYS_write, fds[1], p, 1));
        ERR(EFAULT, syscall(SYS_fstat, file, p));
        ERR(EFAULT, syscall(SYS_stat, "/", p));
        ERR(EFAULT, syscall(SYS_getdents64, dir, p, 4096));
        ERR(EFAULT, syscall(SYS_readv, file, p, 1));
        ERR(EFAULT, syscall(SYS_writev, file, p, 1));
        ERR(EFAULT, syscall(SYS_pipe2, p, 0));
        ERR(EFAULT, syscall(SYS_getcwd, p, 4096));
        ERR(EFAULT, syscall(SYS_uname, p));
        ERR(EFAULT, syscall(SYS_sysinfo, p));
        ERR(EFAULT, syscall(SYS_getrandom, p, 16, 0));
        ERR(EFAULT, syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p));
        ERR(EFAULT, syscall(SYS_nanosleep, p, 0));
        ERR(EFAULT, syscall(SYS_getitimer, ITIMER_REAL, p));
        ERR(EFAULT, syscall(SYS_readlink, "/proc/self", p, 16));
        ERR(EFAULT, syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, p));
        if (p != 0) { /* NULL means "none" for these */
            ERR(EFAULT, syscall(SYS_rt_sigaction, SIGUSR1, p, 0, 8));
            ERR(EFAULT, syscall(SYS_rt_sigaction, SIGUSR1, 0, p, 8));
            ERR(EFAULT, syscall(SYS_rt_sigprocmask, SIG_BLOCK, p, 0, 8));
            ERR(EFAULT, syscall(SYS_rt_sigprocmask, SIG_BLOCK, 0, p, 8));
            ERR(EFAULT, syscall(SYS_setitimer, ITIMER_REAL, p, 0));
            /* The old value is written after the change: a zero new value keeps it off. */
            ERR(EFAULT, syscall(SYS_setitimer, ITIMER_REAL, &(struct itimerval){0}, p));
        }
        if (!host)
            ERR(EFAULT, syscall(SYS_ioctl, 1, 0x5413 /* TIOCGWINSZ */, p));
    }
    /* Read-only memory cannot be read into; a structure running into the hole faults. */
    ERR(EFAULT, syscall(SYS_read, file, rodata, 10));
    ERR(EFAULT, syscall(SYS_read, file, (void *)main, 10));
    ERR(EFAULT, syscall(SYS_fstat, file, rodata));
    ERR(EFAULT, syscall(SYS_getrandom, rodata, 16, 0));
    ERR(EFAULT, syscall(SYS_fstat, file, hole - 100));
    ERR(EFAULT, syscall(SYS_uname, hole - 100));
    /* Huge lengths into a small buffer. */
    OK(syscall(SYS_lseek, file, 0, SEEK_SET));
    ERR(EFAULT, syscall(SYS_read, file, buf, huge));
    ERR(EFAULT, syscall(SYS_read, file, buf, -1L));
    ERR(EFAULT, syscall(SYS_write, file, buf, huge));
    ERR(EINVAL, syscall(SYS_readv, file, buf, 1025));
    ERR(EINVAL, syscall(SYS_writev, file, buf, -1L));
    OK(syscall(SYS_readv, file, buf, 0));
    struct iovec {
        void *base;
        size_t len;
    } iov[2] = {{buf, 4}, {(void *)KERNEL_PTR, 4}};
    ERR(EFAULT, syscall(SYS_writev, file, &iov[1], 1));
    ERR(EFAULT, syscall(SYS_readv, file, &iov[1], 1));
    /* Unaligned buffers are fine. */
    OK(syscall(SYS_fstat, file, buf + 1));
    OK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, buf + 3));
    OK(syscall(SYS_pipe2, buf + 5, 0));
    int up[2];
    memcpy(up, buf + 5, sizeof up);
    OK(syscall(SYS_close, up[0]));
    OK(syscall(SYS_close, up[1]));
    OK(syscall(SYS_pread64, file, buf + 7, 3, 1));
    OK(syscall(SYS_uname, buf + 9));
    OK(syscall(SYS_getrandom, buf + 11, 5, 0));
    /* A valid string that straddles a page boundary. */
    char *straddle = page + 4096 - 2;
    memcpy(straddle - 2, "/", 2);
    OK(syscall(SYS_stat, straddle - 2, buf));

    /* Device and /proc files take the same checks. */
    int zero = syscall(SYS_open, "/dev/zero", O_RDONLY);
    int urandom = syscall(SYS_open, "/dev/urandom", O_RDONLY);
    int null = syscall(SYS_open, "/dev/null", O_RDWR);
    int stat_file = syscall(SYS_open, "/proc/self/stat", O_RDONLY);
    int proc_dir = syscall(SYS_open, "/proc", O_RDONLY | O_DIRECTORY);
    OK(zero);
    OK(urandom);
    OK(null);
    OK(stat_file);
    OK(proc_dir);
    for (int i = 0; i < nbad; i++) {
        long p = bad_ptrs[i];
        ERR(EFAULT, syscall(SYS_read, zero, p, 10));
        ERR(EFAULT, syscall(SYS_read, urandom, p, 10));
        ERR(EFAULT, syscall(SYS_read, stat_file, p, 10));
        ERR(EFAULT, syscall(SYS_getdents64, proc_dir, p, 4096));
        ERR(EFAULT, syscall(SYS_readlink, "/proc/self/exe", p, 16));
        /* /dev/null never reads the buffer: on Linux only a range outside the user half
         * fails (Kestrel also refuses unmapped user memory: docs/syscalls.md). */
        if (p != 0 && p != (long)hole)
            ERR(EFAULT, syscall(SYS_write, null, p, 10));
    }
    OK(syscall(SYS_lseek, null, 0, SEEK_SET));
    OK(syscall(SYS_read, zero, buf + 1, 4095));
    ERR(EINVAL, syscall(SYS_getdents64, proc_dir, buf, 1));
    ERR(ENOENT, syscall(SYS_open, "/proc/999999/stat", O_RDONLY));
    ERR(ENOENT, syscall(SYS_open, "/proc/self/no-such-file", O_RDONLY));
    ERR(ENOENT, syscall(SYS_open, "/dev/no-such-device", O_RDONLY));
    ERR(ENOTDIR, syscall(SYS_open, "/dev/null/x", O_RDONLY));
    ERR(EINVAL, syscall(SYS_readlink, "/proc/self/stat", buf, 100));
    OK(syscall(SYS_close, zero));
    OK(syscall(SYS_close, urandom));
    OK(syscall(SYS_close, null));
    OK(syscall(SYS_close, stat_file));
    OK(syscall(SYS_close, proc_dir));

    /* Arguments out of range. */
    ERR(EINVAL, syscall(SYS_lseek, file, 0, 99));
    ERR(EINVAL, syscall(SYS_lseek, file, -10L, SEEK_SET));
    ERR(ESPIPE, syscall(SYS_lseek, fds[0], 0, SEEK_SET));
    ERR(ESPIPE, syscall(SYS_pread64, fds[0], buf, 1, 0));
    ERR(EINVAL, syscall(SYS_pread64, file, buf, 1, -1L));
    ERR(ENOTDIR, syscall(SYS_getdents64, file, buf, sizeof buf));
    ERR(EINVAL, syscall(SYS_getdents64, dir, buf, 1));
    ERR(ENOTTY, syscall(SYS_ioctl, file, 0x5413, buf));
    ERR(EISDIR, syscall(SYS_read, dir, buf, 10));
    int rdonly = syscall(SYS_open, "/etc/motd", O_RDONLY);
    OK(rdonly);
    ERR(EBADF, syscall(SYS_write, rdonly, "x", 1));
    ERR(EBADF, syscall(SYS_read, fds[1], buf, 1));
    ERR(EBADF, syscall(SYS_write, fds[0], "x", 1));
    ERR(EINVAL, syscall(SYS_pipe2, buf, 0x1));
    ERR(ERANGE, syscall(SYS_getcwd, buf, 1));
    ERR(ENOENT, syscall(SYS_chdir, "/no/such/dir"));
    ERR(ENOTDIR, syscall(SYS_chdir, "/etc/motd"));
    ERR(EEXIST, syscall(SYS_mkdir, "/tmp", 0755));
    ERR(ENOENT, syscall(SYS_mkdir, "/no/such/dir", 0755));
    ERR(ENOTDIR, syscall(SYS_mkdir, "/etc/motd/x", 0755));
    ERR(ENOENT, syscall(SYS_unlink, "/tmp/no-such-file"));
    ERR(EISDIR, syscall(SYS_unlink, "/tmp"));
    ERR(ENOTDIR, syscall(SYS_rmdir, "/tmp/c-robust.data"));
    ERR(EINVAL, syscall(SYS_unlinkat, AT_FDCWD, "/tmp/c-robust.data", 0x999));
    ERR(EBUSY, syscall(SYS_rmdir, "/"));
    OK(syscall(SYS_mkdir, "/tmp/c-robust-dir", 0755));
    OK(syscall(SYS_mkdir, "/tmp/c-robust-dir/sub", 0755));
    ERR(ENOTEMPTY, syscall(SYS_rmdir, "/tmp/c-robust-dir"));
    OK(syscall(SYS_rmdir, "/tmp/c-robust-dir/sub"));
    OK(syscall(SYS_rmdir, "/tmp/c-robust-dir"));
    ERR(EINVAL, syscall(SYS_access, "/", 8));
    ERR(EINVAL, syscall(SYS_faccessat2, AT_FDCWD, "/", F_OK, 0x8000));
    ERR(EINVAL, syscall(SYS_readlink, "/etc/motd", buf, 100));
    ERR(EINVAL, syscall(SYS_readlink, "/proc/self", buf, 0));
    ERR(EINVAL, syscall(SYS_readlink, "/proc/self", buf, -1L));
    ERR(ENOENT, syscall(SYS_readlink, "/no/such/link", buf, 100));
    ERR(ENOENT, syscall(SYS_execve, "/no/such/program", 0, 0));
    ERR(EACCES, syscall(SYS_execve, "/", 0, 0));
    ERR(ENOTDIR, syscall(SYS_execve, "/etc/motd/x", 0, 0));
    memset(page, 'a', 4096);
    ERR(ENAMETOOLONG, syscall(SYS_execve, long_name, 0, 0));
    memset(page, 'a', 4096); /* unterminated again (Linux's uname wrote part of the page) */
    {
        char *bad_argv[] = {"/bin/true", (char *)KERNEL_PTR, 0};
        char *unterminated_argv[] = {"/bin/true", runs_into_hole, 0};
        ERR(EFAULT, syscall(SYS_execve, "/bin/true", KERNEL_PTR, 0));
        ERR(EFAULT, syscall(SYS_execve, "/bin/true", bad_argv, 0));
        ERR(EFAULT, syscall(SYS_execve, "/bin/true", unterminated_argv, 0));
        ERR(EFAULT, syscall(SYS_execve, "/bin/true", 0, (char **)hole));
        ERR(EFAULT, syscall(SYS_execve, "/bin/true", (char **)(hole - 8), 0));
    }
    ERR(EINVAL, syscall(SYS_clock_gettime, 100, buf));
    ERR(EINVAL, syscall(SYS_clock_gettime, -1L, buf));
    ERR(EINVAL, syscall(SYS_nanosleep, &(struct timespec){0, 1000000000}, 0));
    ERR(EINVAL, syscall(SYS_nanosleep, &(struct timespec){-1, 0}, 0));
    ERR(EINVAL, syscall(SYS_nanosleep, &(struct timespec){0, -1}, 0));
    /* The remaining-time pointer is written only when a signal interrupts the sleep. */
    OK(syscall(SYS_nanosleep, &(struct timespec){0, 1000}, KERNEL_PTR));
    ERR(EINVAL, syscall(SYS_getitimer, 3, buf));
    ERR(EINVAL, syscall(SYS_getitimer, -1L, buf));
    ERR(EINVAL, syscall(SYS_setitimer, 3, &(struct itimerval){0}, 0));
    ERR(EINVAL, syscall(SYS_setitimer, ITIMER_REAL,
                        &(struct itimerval){{0, 0}, {0, 1000000}}, 0));
    ERR(EINVAL, syscall(SYS_setitimer, ITIMER_PROF, &(struct itimerval){{0, -1}, {1, 0}}, 0));
    ERR(EINVAL, syscall(SYS_setitimer, ITIMER_VIRTUAL, &(struct itimerval){{0, 0}, {-1, 0}}, 0));
    OK(syscall(SYS_alarm, 0));
    ERR(EINVAL, syscall(SYS_arch_prctl, 0x9999, 0));
    ERR(EPERM, syscall(SYS_arch_prctl, 0x1002 /* ARCH_SET_FS */, NONCANON));
    ERR(EINVAL, syscall(SYS_rt_sigaction, 0, 0, 0, 8));
    ERR(EINVAL, syscall(SYS_rt_sigaction, 65, 0, 0, 8));
    ERR(EINVAL, syscall(SYS_rt_sigaction, SIGUSR1, 0, 0, 4));
    ERR(EINVAL, syscall(SYS_rt_sigaction, SIGKILL, buf, 0, 8));
    ERR(EINVAL, syscall(SYS_rt_sigaction, SIGSTOP, buf, 0, 8));
    ERR(EINVAL, syscall(SYS_rt_sigprocmask, 99, buf, 0, 8));
    ERR(EINVAL, syscall(SYS_rt_sigprocmask, SIG_BLOCK, 0, 0, 4));
    ERR(ESRCH, syscall(SYS_kill, 999999, 0));
    ERR(ESRCH, syscall(SYS_kill, 999999, SIGTERM));
    ERR(EINVAL, syscall(SYS_kill, getpid(), 65));
    ERR(ECHILD, syscall(SYS_wait4, -1L, buf, 0, 0));
    ERR(ECHILD, syscall(SYS_wait4, 999999, 0, 0, 0));
    ERR(EINVAL, syscall(SYS_wait4, -1L, 0, 0x100, 0));
    ERR(EINVAL, syscall(SYS_getrandom, buf, 16, 8));
    ERR(EINVAL, syscall(SYS_getrandom, buf, 16, 6));
    /* syslog(2), klogctl: the type first, then a read's buffer (NULL or a negative length is
     * EINVAL, a buffer outside the user half EFAULT before anything is read or waited for).
     * Linux refuses it all (EPERM) to a process without CAP_SYSLOG under dmesg_restrict. */
    if (!host || syscall(SYS_syslog, 10, 0, 0) >= 0 || errno != EPERM)
        check_syslog(hole, runs_into_hole);
    if (!host) {
        ERR(EINVAL, syscall(SYS_reboot, 0x12345678, 672274793, 0x4321fedc, 0));
        ERR(EINVAL, syscall(SYS_reboot, 0xfee1dead, 1, 0x4321fedc, 0));
        ERR(EINVAL, syscall(SYS_reboot, 0xfee1dead, 672274793, 0x1234, 0));
    }
    ERR(EINVAL, syscall(SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0));
    ERR(EINVAL, syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_ANONYMOUS, -1L, 0));
    ERR(ENOMEM, syscall(SYS_mmap, 0, 1L << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0));
    ERR(ENOMEM, syscall(SYS_mmap, 0, -4096L, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0));
    ERR(EBADF, syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, -1L, 0));
    ERR(EINVAL, syscall(SYS_munmap, page + 1, 4096));
    ERR(EINVAL, syscall(SYS_munmap, page, 0));
    long brk_now = syscall(SYS_brk, 0);
    checks++;
    if (syscall(SYS_brk, huge) != brk_now || syscall(SYS_brk, KERNEL_PTR) != brk_now) {
        failures++;
        printf("c-robust: FAIL brk past the user half moved the break\n");
    }
    ERR(ENOSYS, syscall(500));
    ERR(ENOSYS, syscall(1L << 20));
    ERR(ENOSYS, syscall(-1L));

    /* The calls that take no pointers still answer sensibly. */
    OK(syscall(SYS_getpid));
    OK(syscall(SYS_getppid));
    OK(syscall(SYS_gettid));
    OK(syscall(SYS_getuid));
    OK(syscall(SYS_sched_yield));
    OK(syscall(SYS_set_tid_address, KERNEL_PTR));
    OK(syscall(SYS_rt_sigprocmask, 99, 0, 0, 8)); /* no set: `how` is not looked at */

    /* Robust futex lists: the length must be the head's (24); the head itself is looked at
     * only when the thread exits, so any pointer is taken (the last stays set for the exit). */
    long robust_head = 0;
    size_t robust_len = 0;
    ERR(EINVAL, syscall(SYS_set_robust_list, buf, 0));
    ERR(EINVAL, syscall(SYS_set_robust_list, buf, 23));
    ERR(EINVAL, syscall(SYS_set_robust_list, buf, 25));
    ERR(EINVAL, syscall(SYS_set_robust_list, buf, -1L));
    ERR(EINVAL, syscall(SYS_set_robust_list, buf, 24L | 1L << 32));
    for (int i = 0; i < nbad; i++) {
        long p = bad_ptrs[i];
        ERR(EFAULT, syscall(SYS_get_robust_list, 0, p, &robust_len));
        ERR(EFAULT, syscall(SYS_get_robust_list, 0, &robust_head, p));
        OK(syscall(SYS_set_robust_list, p, 24));
    }
    ERR(ESRCH, syscall(SYS_get_robust_list, -1L, &robust_head, &robust_len));
    ERR(ESRCH, syscall(SYS_get_robust_list, 0x3fffffffL, &robust_head, &robust_len));
    OK(syscall(SYS_set_robust_list, KERNEL_PTR, 24));
    /* The pid is an int: 1 << 32 is 0, the caller. */
    OK(syscall(SYS_get_robust_list, 1L << 32, &robust_head, &robust_len));
    checks++;
    if (robust_head != KERNEL_PTR || robust_len != 24) {
        failures++;
        printf("c-robust: FAIL get_robust_list gave %#lx, %zu\n", robust_head, robust_len);
    }

    /* A child does hostile things too, then exits; wait4's status pointer is checked. */
    pid_t child = syscall(SYS_fork);
    if (child == 0) {
        syscall(SYS_read, file, KERNEL_PTR, 10);
        syscall(SYS_open, runs_into_hole, O_RDONLY);
        syscall(SYS_set_robust_list, hole, 24);
        syscall(SYS_exit_group, 9);
    }
    OK(child);
    int status = 0;
    OK(syscall(SYS_wait4, child, &status, 0, 0));
    checks++;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 9) {
        failures++;
        printf("c-robust: FAIL child status %#x\n", status);
    }

    OK(syscall(SYS_close, fds[0]));
    OK(syscall(SYS_close, fds[1]));
    OK(syscall(SYS_close, dir));
    OK(syscall(SYS_close, file));
    OK(syscall(SYS_close, rdonly));
    OK(syscall(SYS_unlink, "/tmp/c-robust.data"));
    OK(syscall(SYS_munmap, page, 4096));
    printf("c-robust: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
