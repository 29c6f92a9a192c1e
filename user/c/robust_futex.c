/* Robust futex lists (set_robust_list(2), get_robust_list(2)) as musl's robust mutexes use
 * them: a thread that dies holding a PTHREAD_MUTEX_ROBUST mutex leaves it to the kernel, which
 * marks the lock word FUTEX_OWNER_DIED and wakes a waiter, so the next pthread_mutex_lock
 * returns EOWNERDEAD. The dying thread leaves by the raw exit system call (musl's pthread_exit
 * would release the list itself), by exit_group, by SIGKILL and by execve; hostile lists
 * (cyclic, longer than the kernel's 2048-entry bound, pointing into unmapped or kernel memory)
 * must end quietly. Passes on Linux as on Kestrel; prints one line per group and exits with the
 * number of failed checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define LIST_LIMIT 2048

static int failures;
static int group_failures;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            printf("c-robust_futex: FAILED line %d: %s (errno %d)\n", __LINE__, #cond,     \
                   errno);                                                                 \
            failures++;                                                                    \
            group_failures++;                                                              \
        }                                                                                  \
    } while (0)

static void group(const char *name)
{
    printf("c-robust_futex: %s %s\n", name, group_failures ? "FAILED" : "ok");
    group_failures = 0;
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void *shared_pages(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void init_robust(pthread_mutex_t *m, int pshared)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    if (pshared)
        pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(m, &attr);
    pthread_mutexattr_destroy(&attr);
}

/* pthread_mutex_lock that gives up after 5 s (ETIMEDOUT), so a lock the kernel never hands
 * on fails the check instead of hanging the run. */
static int lock_within(pthread_mutex_t *m)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    return pthread_mutex_timedlock(m, &until);
}

/* Waits up to 5 s for *flag to become nonzero; returns its value. */
static int await_flag(volatile int *flag)
{
    for (int i = 0; i < 5000 && !__atomic_load_n(flag, __ATOMIC_SEQ_CST); i++)
        sleep_ms(1);
    return __atomic_load_n(flag, __ATOMIC_SEQ_CST);
}

/* The lock after its owner died: EOWNERDEAD, consistent, unlock, and a plain lock again. */
static void expect_owner_dead(pthread_mutex_t *m)
{
    CHECK(lock_within(m) == EOWNERDEAD);
    CHECK(pthread_mutex_consistent(m) == 0);
    CHECK(pthread_mutex_unlock(m) == 0);
    CHECK(lock_within(m) == 0);
    CHECK(pthread_mutex_unlock(m) == 0);
}

/* ---- a thread dies holding the lock ---- */

struct dying {
    pthread_mutex_t *m;
    volatile int locked;
    long linger_ms;
    volatile int alive; /* its clear-child-tid word: zeroed and woken by the kernel at exit */
};

static void *lock_and_die(void *arg)
{
    struct dying *d = arg;
    if (pthread_mutex_lock(d->m) != 0)
        syscall(SYS_exit, 1);
    __atomic_store_n(&d->locked, 1, __ATOMIC_SEQ_CST);
    sleep_ms(d->linger_ms);
    /* The raw exit: musl's pthread_exit would hand the lock over itself. */
    syscall(SYS_set_tid_address, &d->alive);
    syscall(SYS_exit, 0);
    return NULL;
}

/* musl registers its robust list with the kernel for process-shared robust mutexes only (it
 * releases private ones itself in pthread_exit), so the mutex is process-shared. The thread
 * skips pthread_exit, so it cannot be joined: its end is learnt from its clear-child-tid
 * word, and the case runs in a child of its own, whose musl thread list is left stale.
 * Returns the failures. */
static int thread_case(long linger_ms)
{
    static pthread_mutex_t m;
    static struct dying d;
    init_robust(&m, 1);
    d.m = &m;
    d.linger_ms = linger_ms;
    d.alive = 1;
    pthread_t t;
    CHECK(pthread_create(&t, NULL, lock_and_die, &d) == 0);
    CHECK(await_flag(&d.locked));
    if (linger_ms) {
        /* Blocks (FUTEX_WAITERS set) until the exit marks the word and wakes this thread. */
        CHECK(lock_within(&m) == EOWNERDEAD);
        CHECK(pthread_mutex_consistent(&m) == 0);
        CHECK(pthread_mutex_unlock(&m) == 0);
    } else {
        struct timespec second = {1, 0};
        for (int i = 0; i < 5 && __atomic_load_n(&d.alive, __ATOMIC_SEQ_CST); i++)
            syscall(SYS_futex, &d.alive, 0 /* FUTEX_WAIT */, 1, &second, NULL, 0);
        CHECK(d.alive == 0);
        expect_owner_dead(&m);
    }
    CHECK(lock_within(&m) == 0);
    CHECK(pthread_mutex_unlock(&m) == 0);
    return failures;
}

static void in_child(int (*body)(long), long arg)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(body(arg));
    int status = -1;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void threads(void)
{
    in_child(thread_case, 0);
    group("a thread exits holding a robust mutex: EOWNERDEAD, consistent, relock");
    in_child(thread_case, 50);
    group("a waiter is woken with EOWNERDEAD when the owner thread exits");
}

/* ---- a process dies holding a lock in MAP_SHARED memory ---- */

struct shared_lock {
    pthread_mutex_t m;
    volatile int locked;
};

static void processes(void)
{
    struct shared_lock *s = shared_pages(4096);
    CHECK(s != NULL);
    if (!s)
        return;
    /* Killed from outside, nobody waiting. */
    init_robust(&s->m, 1);
    s->locked = 0;
    pid_t pid = fork();
    if (pid == 0) {
        pthread_mutex_lock(&s->m);
        __atomic_store_n(&s->locked, 1, __ATOMIC_SEQ_CST);
        for (;;)
            pause();
    }
    CHECK(await_flag(&s->locked));
    CHECK(kill(pid, SIGKILL) == 0);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    expect_owner_dead(&s->m);
    group("a child killed by SIGKILL holding a shared robust mutex: EOWNERDEAD");

    /* The parent waits in the lock when the owner dies of SIGKILL. */
    init_robust(&s->m, 1);
    s->locked = 0;
    pid = fork();
    if (pid == 0) {
        pthread_mutex_lock(&s->m);
        __atomic_store_n(&s->locked, 1, __ATOMIC_SEQ_CST);
        sleep_ms(50);
        raise(SIGKILL);
        _exit(99);
    }
    CHECK(await_flag(&s->locked));
    CHECK(lock_within(&s->m) == EOWNERDEAD);
    CHECK(pthread_mutex_consistent(&s->m) == 0);
    CHECK(pthread_mutex_unlock(&s->m) == 0);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    group("a waiting parent is woken with EOWNERDEAD when the owner is killed");
    munmap(s, 4096);
}

/* ---- raw lists: the kernel's walk itself ---- */

struct head {
    uint64_t next;
    int64_t offset;
    uint64_t pending;
};

struct entry {
    uint64_t next;
    uint32_t word; /* the futex word, at offset 8 */
    uint32_t pad;
};

#define ENTRIES 3000
struct arena {
    struct head head;
    struct entry e[ENTRIES];
};

static void fresh(struct arena *a, int n, uint32_t word)
{
    memset(a, 0, sizeof *a);
    a->head.offset = 8;
    a->head.next = (uint64_t)&a->head;
    for (int i = 0; i < n; i++) {
        a->e[i].word = word;
        a->e[i].next = i + 1 < n ? (uint64_t)&a->e[i + 1] : (uint64_t)&a->head;
    }
    if (n)
        a->head.next = (uint64_t)&a->e[0];
}

/* A child sets `head` as its list, fills its words with its tid (`tids`), and leaves by
 * `how`: 'e' exit_group, 'x' execve of /bin/true. Returns its wait status. */
static int die_with_list(struct arena *a, const void *head, int tids, char how)
{
    pid_t pid = fork();
    if (pid == 0) {
        uint32_t tid = (uint32_t)syscall(SYS_gettid);
        for (int i = 0; i < tids; i++)
            a->e[i].word = tid | (a->e[i].word & FUTEX_WAITERS);
        if (syscall(SYS_set_robust_list, head, sizeof(struct head)) != 0)
            _exit(1);
        if (how == 'x') {
            char *argv[] = {"true", NULL};
            execve("/bin/true", argv, NULL);
            _exit(2);
        }
        _exit(0);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    return status;
}

static void raw_lists(void)
{
    struct arena *a = shared_pages(sizeof(struct arena));
    CHECK(a != NULL);
    if (!a)
        return;

    /* Three held locks, one with waiters, one not ours, the pending one. */
    fresh(a, 4, 0);
    a->e[1].word = FUTEX_WAITERS;
    a->head.pending = (uint64_t)&a->e[3];
    int status = die_with_list(a, &a->head, 4, 'e');
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(a->e[0].word == FUTEX_OWNER_DIED);
    CHECK(a->e[1].word == (FUTEX_OWNER_DIED | FUTEX_WAITERS));
    CHECK(a->e[2].word == FUTEX_OWNER_DIED);
    CHECK(a->e[3].word == FUTEX_OWNER_DIED);
    fresh(a, 1, 12345);
    status = die_with_list(a, &a->head, 0, 'e');
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(a->e[0].word == 12345);
    group("exit_group marks the locks the thread holds, and only those");

    fresh(a, 2, 0);
    status = die_with_list(a, &a->head, 2, 'x');
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(a->e[0].word == FUTEX_OWNER_DIED && a->e[1].word == FUTEX_OWNER_DIED);
    group("execve releases the robust list");

    /* Cyclic: the last entry points back at the first, never at the head. */
    fresh(a, 3, 0);
    a->e[2].next = (uint64_t)&a->e[0];
    status = die_with_list(a, &a->head, 3, 'e');
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(a->e[0].word == FUTEX_OWNER_DIED && a->e[2].word == FUTEX_OWNER_DIED);
    /* An entry pointing at itself. */
    fresh(a, 1, 0);
    a->e[0].next = (uint64_t)&a->e[0];
    status = die_with_list(a, &a->head, 1, 'e');
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(a->e[0].word == FUTEX_OWNER_DIED);
    /* Longer than the bound: the first 2048 entries are released, the rest are not. */
    fresh(a, ENTRIES, 0);
    status = die_with_list(a, &a->head, ENTRIES, 'e');
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(a->e[LIST_LIMIT - 1].word == FUTEX_OWNER_DIED);
    CHECK(a->e[LIST_LIMIT].word != FUTEX_OWNER_DIED && a->e[LIST_LIMIT].word != 0);
    group("cyclic and overlong lists end at the 2048-entry bound");

    /* Into unmapped memory: the locks before the bad pointer are released. */
    char *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(hole != MAP_FAILED);
    munmap(hole, 4096);
    fresh(a, 2, 0);
    a->e[1].next = (uint64_t)hole;
    status = die_with_list(a, &a->head, 2, 'e');
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(a->e[0].word == FUTEX_OWNER_DIED && a->e[1].word == FUTEX_OWNER_DIED);
    /* A futex offset into the hole, pending into a kernel address. */
    fresh(a, 1, 0);
    a->head.offset = (int64_t)((uint64_t)hole - (uint64_t)&a->e[0]);
    a->head.pending = 0xffffffff80100000ull;
    status = die_with_list(a, &a->head, 1, 'e');
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(a->e[0].word != FUTEX_OWNER_DIED);
    /* The head itself unmapped, in the kernel, non-canonical, misaligned. */
    const void *heads[] = {hole, (void *)0xffffffff80100000ull, (void *)0x0000800000000000ull,
                           (char *)&a->head + 3, NULL};
    for (unsigned i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        status = die_with_list(a, heads[i], 0, 'e');
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    group("lists into unmapped or kernel memory end quietly");
    munmap(a, sizeof(struct arena));
}

/* ---- the calls ---- */

struct idle {
    volatile int tid;
    volatile int stop;
};

static void *idle_thread(void *arg)
{
    struct idle *idle = arg;
    __atomic_store_n(&idle->tid, (int)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&idle->stop, __ATOMIC_SEQ_CST))
        sleep_ms(1);
    return NULL;
}

static void calls(void)
{
    long old = 0;
    size_t len = 0;
    CHECK(syscall(SYS_get_robust_list, 0, &old, &len) == 0);
    CHECK(len == sizeof(struct head));
    struct head mine = {0, 8, 0};
    mine.next = (uint64_t)&mine;
    CHECK(syscall(SYS_set_robust_list, &mine, sizeof mine) == 0);
    long got = 0;
    len = 0;
    CHECK(syscall(SYS_get_robust_list, 0, &got, &len) == 0);
    CHECK(got == (long)&mine && len == 24);
    got = 0;
    CHECK(syscall(SYS_get_robust_list, syscall(SYS_gettid), &got, &len) == 0);
    CHECK(got == (long)&mine);
    /* Any pointer is taken; it is looked at only at exit. */
    CHECK(syscall(SYS_set_robust_list, (void *)0xffffffff80100000ull, 24) == 0);
    CHECK(syscall(SYS_get_robust_list, 0, &got, &len) == 0);
    CHECK(got == (long)0xffffffff80100000ull);
    errno = 0;
    CHECK(syscall(SYS_set_robust_list, &mine, 23) == -1 && errno == EINVAL);
    CHECK(syscall(SYS_get_robust_list, 0, &got, &len) == 0);
    CHECK(got == (long)0xffffffff80100000ull);
    CHECK(syscall(SYS_set_robust_list, old, sizeof mine) == 0);

    /* Another thread's head: a fresh thread has none until it takes a robust lock. */
    struct idle idle = {0, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, idle_thread, &idle) == 0);
    CHECK(await_flag(&idle.tid));
    got = -1;
    CHECK(syscall(SYS_get_robust_list, idle.tid, &got, &len) == 0);
    CHECK(got == 0 && len == 24);
    __atomic_store_n(&idle.stop, 1, __ATOMIC_SEQ_CST);
    CHECK(pthread_join(t, NULL) == 0);
    /* Gone soon after the join (musl's join can return just before the thread's exit call). */
    long r = 0;
    for (int i = 0; i < 5000 && (r = syscall(SYS_get_robust_list, idle.tid, &got, &len)) == 0; i++)
        sleep_ms(1);
    CHECK(r == -1 && errno == ESRCH);
    group("set_robust_list and get_robust_list");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    calls();
    threads();
    processes();
    raw_lists();
    printf("c-robust_futex: done, %d failed\n", failures);
    return failures;
}
