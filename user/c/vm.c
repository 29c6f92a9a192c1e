/* Linux memory and thread semantics that Rust std and musl rely on, checked one by one with
 * the errno Linux gives: mmap (hints, MAP_FIXED, MAP_FIXED_NOREPLACE, PROT_NONE, MAP_SHARED
 * across fork, a file mapping), munmap of part of a mapping, mprotect, madvise, mremap,
 * futex (EAGAIN, EFAULT, EINVAL, ETIMEDOUT), threads (gettid, exit of one thread against
 * exit_group, fork from a threaded process, wait4 while threads run), sigaltstack,
 * sched_getaffinity, poll, clocks and rlimits. Passes on Linux as on Kestrel; prints one line
 * per group and exits with the number of failed checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* linux/futex.h (musl-gcc has no kernel headers). */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#define FUTEX_WAIT_BITSET_PRIVATE 137

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static int failures;
static int group_failures;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            printf("c-vm: FAILED line %d: %s (errno %d)\n", __LINE__, #cond, errno);      \
            failures++;                                                                    \
            group_failures++;                                                              \
        }                                                                                  \
    } while (0)

static void group(const char *name)
{
    printf("c-vm: %s %s\n", name, group_failures ? "FAILED" : "ok");
    group_failures = 0;
}

#define PAGE 4096L

static long sys_futex(void *addr, int op, int val, const struct timespec *timeout)
{
    return syscall(SYS_futex, addr, op, val, timeout, NULL, 0);
}

static long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Runs `touch` in a forked child; returns the signal that ended it (0: it exited). */
static int fault_in_child(void (*touch)(volatile char *), volatile char *addr)
{
    pid_t pid = fork();
    if (pid == 0) {
        touch(addr);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void read_byte(volatile char *p) { (void)*p; }
static void write_byte(volatile char *p) { *p = 1; }

static void mmap_checks(void)
{
    /* Private anonymous memory reads zero and keeps what is written. */
    char *a = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED);
    CHECK(a[0] == 0 && a[4 * PAGE - 1] == 0);
    memset(a, 'a', 4 * PAGE);

    /* A hint over a free range is taken; over a used one it is not, and nothing moves. */
    char *hint = (char *)0x300000000000;
    char *h = mmap(hint, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(h == hint);
    char *h2 = mmap(a, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(h2 != MAP_FAILED && h2 != a && a[0] == 'a');

    /* MAP_FIXED replaces the second page alone: zeros there, the neighbours keep 'a'. */
    char *f = mmap(a + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                   -1, 0);
    CHECK(f == a + PAGE);
    CHECK(a[PAGE] == 0 && a[0] == 'a' && a[2 * PAGE] == 'a');
    /* MAP_FIXED_NOREPLACE refuses a used range with EEXIST, takes a free one. */
    errno = 0;
    CHECK(mmap(a, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) ==
              MAP_FAILED &&
          errno == EEXIST);
    CHECK(mmap(hint + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
               -1, 0) == hint + PAGE);
    /* MAP_FIXED at an unaligned address, a zero length, no type: EINVAL. */
    errno = 0;
    CHECK(mmap(a + 1, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
              MAP_FAILED && errno == EINVAL);
    errno = 0;
    CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
          errno == EINVAL);
    errno = 0;
    CHECK(mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL);
    /* A file mapping without a valid descriptor: EBADF. */
    errno = 0;
    CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 99, 0) == MAP_FAILED && errno == EBADF);
    group("mmap anonymous, hints, MAP_FIXED, MAP_FIXED_NOREPLACE");

    /* munmap of the third page: it faults, the fourth keeps its bytes. */
    CHECK(munmap(a + 2 * PAGE, PAGE) == 0);
    CHECK(fault_in_child(read_byte, a + 2 * PAGE) == SIGSEGV);
    CHECK(a[3 * PAGE] == 'a' && a[0] == 'a');
    /* Unmapping what is not mapped is fine; an unaligned address or no length is EINVAL. */
    CHECK(munmap(a + 2 * PAGE, PAGE) == 0);
    errno = 0;
    CHECK(munmap(a + 1, PAGE) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(munmap(a, 0) == -1 && errno == EINVAL);
    group("munmap of part of a mapping");

    /* mprotect: read-only faults on write but reads; PROT_NONE faults on read; both come
     * back with the bytes intact. A range with a hole is ENOMEM. */
    CHECK(mprotect(a, PAGE, PROT_READ) == 0);
    CHECK(fault_in_child(write_byte, a) == SIGSEGV);
    CHECK(fault_in_child(read_byte, a) == 0);
    CHECK(mprotect(a + 3 * PAGE, PAGE, PROT_NONE) == 0);
    CHECK(fault_in_child(read_byte, a + 3 * PAGE) == SIGSEGV);
    CHECK(mprotect(a, PAGE, PROT_READ | PROT_WRITE) == 0 && (a[0] = 'b') == 'b');
    CHECK(mprotect(a + 3 * PAGE, PAGE, PROT_READ | PROT_WRITE) == 0 && a[3 * PAGE] == 'a');
    errno = 0;
    CHECK(mprotect(a, 4 * PAGE, PROT_READ) == -1 && errno == ENOMEM);
    errno = 0;
    CHECK(syscall(SYS_mprotect, a + 1, PAGE, PROT_READ) == -1 && errno == EINVAL);
    /* A PROT_NONE reservation (a thread stack with its guard page): never touched. */
    char *stack = mmap(NULL, 16 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(stack != MAP_FAILED);
    CHECK(mprotect(stack + PAGE, 15 * PAGE, PROT_READ | PROT_WRITE) == 0);
    stack[16 * PAGE - 1] = 1;
    CHECK(fault_in_child(write_byte, stack) == SIGSEGV);
    CHECK(munmap(stack, 16 * PAGE) == 0);
    group("mprotect and PROT_NONE guard pages");

    /* A 64 GiB PROT_NONE reservation (as allocators and runtimes make): mprotect of a page of
     * it, a fork, munmap of the whole; costs its tables, not its 16 million pages. */
    long t0 = now_ns();
    char *huge = mmap(NULL, 1L << 36, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                      -1, 0);
    CHECK(huge != MAP_FAILED);
    CHECK(mprotect(huge + (1L << 35), PAGE, PROT_READ | PROT_WRITE) == 0);
    huge[(1L << 35) + 1] = 'h';
    pid_t child = fork();
    if (child == 0)
        _exit(huge[(1L << 35) + 1] == 'h' ? 0 : 1);
    int child_status = -1;
    CHECK(waitpid(child, &child_status, 0) == child && child_status == 0);
    CHECK(mprotect(huge, 1L << 36, PROT_READ) == 0);
    CHECK(munmap(huge, 1L << 36) == 0);
    long elapsed_ms = (now_ns() - t0) / 1000000;
    CHECK(elapsed_ms < 2000);
    group("a 64 GiB reservation");

    /* madvise(MADV_DONTNEED) empties private pages; unaligned or unknown advice: EINVAL;
     * unmapped: ENOMEM. */
    CHECK(madvise(a + 3 * PAGE, PAGE, MADV_DONTNEED) == 0 && a[3 * PAGE] == 0);
    CHECK(a[0] == 'b');
    errno = 0;
    CHECK(madvise(a + 1, PAGE, MADV_DONTNEED) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(madvise(a, PAGE, 1000) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(madvise(a + 2 * PAGE, PAGE, MADV_DONTNEED) == -1 && errno == ENOMEM);
    group("madvise");

    /* mremap: shrink in place; grow in place where the pages after are free; blocked
     * growth is ENOMEM without MREMAP_MAYMOVE and moves the bytes with it. */
    char *r = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(r, 'r', 4 * PAGE);
    CHECK(munmap(r + 2 * PAGE, 2 * PAGE) == 0);
    CHECK(mremap(r, 2 * PAGE, PAGE, 0) == r);
    CHECK(mremap(r, PAGE, 2 * PAGE, 0) == r && r[PAGE] == 0 && r[0] == 'r');
    char *block = mmap(r + 2 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                       -1, 0);
    CHECK(block == r + 2 * PAGE);
    errno = 0;
    CHECK(mremap(r, 2 * PAGE, 8 * PAGE, 0) == MAP_FAILED && errno == ENOMEM);
    char *moved = mremap(r, 2 * PAGE, 8 * PAGE, MREMAP_MAYMOVE);
    CHECK(moved != MAP_FAILED && moved != r && moved[0] == 'r' && moved[8 * PAGE - 1] == 0);
    CHECK(fault_in_child(read_byte, r) == SIGSEGV);
    errno = 0;
    CHECK(mremap(r, PAGE, 2 * PAGE, MREMAP_MAYMOVE) == MAP_FAILED && errno == EFAULT);
    group("mremap");

    /* MAP_SHARED memory is shared with a forked child; MAP_PRIVATE memory is not. */
    volatile int *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    volatile int *private = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(shared != MAP_FAILED && private != MAP_FAILED);
    *private = 1;
    pid_t pid = fork();
    if (pid == 0) {
        *shared = 42;
        *private = 2;
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    CHECK(*shared == 42 && *private == 1);
    /* A private mapping of a file holds its bytes. */
    int fd = open("/proc/self/exe", O_RDONLY);
    if (fd < 0)
        fd = open("/bin/c-vm", O_RDONLY);
    CHECK(fd >= 0);
    const char *elf = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(elf != MAP_FAILED && memcmp(elf, "\177ELF", 4) == 0);
    close(fd);
    /* A shared mapping larger than memory: ENOMEM at once (Kestrel fills shared areas when
     * they are made; Linux refuses it under its overcommit heuristic). */
    errno = 0;
    CHECK(mmap(NULL, 1L << 40, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0) ==
              MAP_FAILED && errno == ENOMEM);
    group("MAP_SHARED across fork, file mapping");
}

static void futex_checks(void)
{
    int word = 1;
    errno = 0;
    CHECK(sys_futex(&word, FUTEX_WAIT_PRIVATE, 2, NULL) == -1 && errno == EAGAIN);
    errno = 0;
    CHECK(sys_futex(NULL, FUTEX_WAIT_PRIVATE, 0, NULL) == -1 && errno == EFAULT);
    errno = 0;
    CHECK(sys_futex((char *)&word + 1, FUTEX_WAIT_PRIVATE, 1, NULL) == -1 && errno == EINVAL);
    struct timespec ten_ms = {0, 10 * 1000 * 1000};
    long start = now_ns();
    errno = 0;
    CHECK(sys_futex(&word, FUTEX_WAIT_PRIVATE, 1, &ten_ms) == -1 && errno == ETIMEDOUT);
    CHECK(now_ns() - start >= 10 * 1000 * 1000);
    CHECK(sys_futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL) == 0);
    errno = 0;
    CHECK(syscall(SYS_futex, &word, FUTEX_WAIT_BITSET_PRIVATE, 1, NULL, NULL, 0) == -1 &&
          errno == EINVAL);
    errno = 0;
    CHECK(sys_futex(&word, 99, 0, NULL) == -1 && errno == ENOSYS);
    group("futex errors and timeouts");
}

static volatile int gate;
static pid_t thread_tid;

static void *sleeper(void *arg)
{
    (void)arg;
    thread_tid = syscall(SYS_gettid);
    gate = 1;
    sys_futex((void *)&gate, FUTEX_WAKE_PRIVATE, 1, NULL);
    /* Sleeps on the futex until the main thread lets it go. */
    while (gate != 2)
        sys_futex((void *)&gate, FUTEX_WAIT_PRIVATE, 1, NULL);
    return (void *)7;
}

static void *group_exit_thread(void *arg)
{
    (void)arg;
    _exit(5); /* exit_group: the whole process ends with 5 */
}

static void *exec_thread(void *arg)
{
    (void)arg;
    /* A sleeping sibling, then execve of a program that exits 0 with an argument. */
    pthread_t sibling;
    pthread_create(&sibling, NULL, sleeper, NULL);
    char *argv[] = {"/bin/true", NULL};
    char *envp[] = {NULL};
    execve("/bin/true", argv, envp);
    argv[0] = "/usr/bin/true"; /* where Linux keeps it */
    execve("/usr/bin/true", argv, envp);
    _exit(99);
}

static int pipe_fds[2];

static void *last_thread(void *arg)
{
    (void)arg;
    usleep(30 * 1000);
    (void)!write(pipe_fds[1], "x", 1);
    syscall(SYS_exit, 9); /* the last thread: the process ends with its status (Linux too) */
    return NULL;
}

static void thread_checks(void)
{
    pthread_t t;
    CHECK(pthread_create(&t, NULL, sleeper, NULL) == 0);
    while (gate != 1)
        sys_futex((void *)&gate, FUTEX_WAIT_PRIVATE, 0, NULL);
    CHECK(thread_tid != getpid() && thread_tid > 0);
    CHECK(syscall(SYS_gettid) == getpid());

    /* fork while another thread sleeps: the child has the calling thread alone. */
    pid_t pid = fork();
    if (pid == 0)
        _exit(syscall(SYS_gettid) == getpid() ? 0 : 1);
    int status = -1;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);

    gate = 2;
    sys_futex((void *)&gate, FUTEX_WAKE_PRIVATE, 1, NULL);
    void *result = NULL;
    CHECK(pthread_join(t, &result) == 0 && result == (void *)7);
    group("threads: gettid, fork from a threaded process, join");

    /* exit_group from a second thread ends the process with its status. */
    pid = fork();
    if (pid == 0) {
        pthread_create(&t, NULL, group_exit_thread, NULL);
        int never = 0;
        for (;;)
            sys_futex(&never, FUTEX_WAIT_PRIVATE, 0, NULL);
    }
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 5);

    /* exit of the first thread alone: the process lives on in the other thread, and ends
     * when that one exits, with that thread's status (as Linux 6.x reports it). */
    CHECK(pipe(pipe_fds) == 0);
    pid = fork();
    if (pid == 0) {
        pthread_create(&t, NULL, last_thread, NULL);
        syscall(SYS_exit, 3);
    }
    char c = 0;
    CHECK(read(pipe_fds[0], &c, 1) == 1 && c == 'x');
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 9);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    group("exit of one thread, exit_group");

    /* execve from a second thread while the first sleeps: the other threads go, the new
     * program runs as the process (same pid) and its exit status is the parent's to see. */
    pid = fork();
    if (pid == 0) {
        gate = 0;
        pthread_create(&t, NULL, exec_thread, NULL);
        int never = 0;
        for (;;)
            sys_futex(&never, FUTEX_WAIT_PRIVATE, 0, NULL);
    }
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    group("execve from a threaded process");

    errno = 0;
    CHECK(syscall(SYS_clone, CLONE_THREAD, 0, 0, 0, 0) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(syscall(SYS_clone, CLONE_SIGHAND, 0, 0, 0, 0) == -1 && errno == EINVAL);
    group("clone flag checks");
}

static void misc_checks(void)
{
    stack_t old;
    CHECK(sigaltstack(NULL, &old) == 0 && (old.ss_flags & SS_DISABLE));
    static char alt[16384];
    stack_t small = {.ss_sp = alt, .ss_size = 1024, .ss_flags = 0};
    errno = 0;
    CHECK(sigaltstack(&small, NULL) == -1 && errno == ENOMEM);
    stack_t bad = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 77};
    errno = 0;
    CHECK(sigaltstack(&bad, NULL) == -1 && errno == EINVAL);
    stack_t good = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
    CHECK(sigaltstack(&good, NULL) == 0);
    CHECK(sigaltstack(NULL, &old) == 0 && old.ss_sp == alt && old.ss_size == sizeof alt &&
          old.ss_flags == 0);
    stack_t off = {.ss_flags = SS_DISABLE};
    CHECK(sigaltstack(&off, NULL) == 0);
    group("sigaltstack");

    cpu_set_t set;
    CPU_ZERO(&set);
    long n = syscall(SYS_sched_getaffinity, 0, sizeof set, &set);
    CHECK(n > 0 && n % 8 == 0 && CPU_ISSET(0, &set));
    errno = 0;
    CHECK(syscall(SYS_sched_getaffinity, 0, 4, &set) == -1 && errno == EINVAL);
    printf("c-vm: sched_getaffinity %ld bytes, %d CPUs\n", n, CPU_COUNT(&set));
    group("sched_getaffinity");

    int fds[2];
    CHECK(pipe(fds) == 0);
    struct pollfd p[3] = {{fds[0], POLLIN, 0}, {fds[1], POLLOUT, 0}, {99, POLLIN, 0}};
    CHECK(poll(p, 1, 0) == 0 && p[0].revents == 0);
    long start = now_ns();
    CHECK(poll(p, 1, 20) == 0);
    CHECK(now_ns() - start >= 20 * 1000 * 1000);
    CHECK(poll(p, 3, 0) == 2 && p[1].revents == POLLOUT && p[2].revents == POLLNVAL);
    (void)!write(fds[1], "y", 1);
    CHECK(poll(p, 1, -1) == 1 && p[0].revents == POLLIN);
    close(fds[1]);
    char buf[2];
    (void)!read(fds[0], buf, 1);
    CHECK(poll(p, 1, 0) == 1 && (p[0].revents & POLLHUP));
    close(fds[0]);
    group("poll");

    struct timespec res, now;
    CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0);
    CHECK(clock_gettime(CLOCK_REALTIME, &now) == 0 && now.tv_sec > 1577836800);
    errno = 0;
    CHECK(syscall(SYS_clock_gettime, 99, &now) == -1 && errno == EINVAL);
    struct rlimit limit;
    CHECK(getrlimit(RLIMIT_STACK, &limit) == 0 && limit.rlim_cur == 8 << 20);
    CHECK(getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur > 0);
    printf("c-vm: RLIMIT_NOFILE %ld\n", (long)limit.rlim_cur);
    group("clocks and rlimits");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    mmap_checks();
    futex_checks();
    thread_checks();
    misc_checks();
    printf("c-vm: done, %d failed\n", failures);
    return failures;
}
