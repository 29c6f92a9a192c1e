/* Interval timers as Linux has them (alarm(2), setitimer(2), getitimer(2)): alarm's return
 * values and rounding, SIGALRM ending pause() and a blocked pipe read with EINTR (and a read
 * restarted under SA_RESTART), a periodic timer firing at its rate and never early, a timer
 * firing into a busy loop, the CPU-time timers (SIGPROF, SIGVTALRM), SIGALRM's default action,
 * fork clearing the child's timers, execve keeping them, and the errnos of bad arguments.
 * Every check prints "c-timers: NAME ok" or "... FAILED"; the exit status counts failures.
 * The same program passes on Linux (it checks only what Linux promises; lateness is allowed,
 * earliness never). "exec-check" is its own re-execution by the execve check. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("c-timers: %s %s\n", name, ok ? "ok" : "FAILED");
    fflush(stdout);
    if (!ok)
        failures++;
}

static int64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t mono_ns(void)
{
    return now_ns(CLOCK_MONOTONIC);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* Raw system calls: musl's alarm() rounds on its own (it is setitimer underneath). */
static long sys_alarm(unsigned seconds)
{
    return syscall(SYS_alarm, seconds);
}

static long sys_setitimer(long which, const void *new, void *old)
{
    return syscall(SYS_setitimer, which, new, old);
}

static long sys_getitimer(long which, void *value)
{
    return syscall(SYS_getitimer, which, value);
}

static int64_t tv_ns(struct timeval tv)
{
    return (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
}

static int arm(int which, long value_us, long interval_us)
{
    struct itimerval it = {
        .it_interval = {interval_us / 1000000, interval_us % 1000000},
        .it_value = {value_us / 1000000, value_us % 1000000},
    };
    return setitimer(which, &it, NULL);
}

static void disarm(int which)
{
    arm(which, 0, 0);
}

/* --- handlers ------------------------------------------------------------------------- */

#define MAX_FIRES 16
static volatile sig_atomic_t alrm_count, prof_count, vtalrm_count;
static volatile int alrm_code;
static int64_t fire_at[MAX_FIRES];
static int wake_fd = -1;

static void on_alrm(int sig, siginfo_t *info, void *context)
{
    (void)context;
    if (sig != SIGALRM)
        return;
    if (alrm_count < MAX_FIRES)
        fire_at[alrm_count] = mono_ns();
    alrm_code = info->si_code;
    alrm_count++;
    /* The SA_RESTART check: after three expiries, the restarted read gets a byte. */
    if (wake_fd >= 0 && alrm_count == 3) {
        char byte = 'w';
        if (write(wake_fd, &byte, 1) != 1)
            _exit(99);
    }
}

static void on_cpu_timer(int sig)
{
    if (sig == SIGPROF)
        prof_count++;
    if (sig == SIGVTALRM)
        vtalrm_count++;
}

static void catch_alrm(int restart)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_alrm;
    sa.sa_flags = SA_SIGINFO | (restart ? SA_RESTART : 0);
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
}

static void reset_counts(void)
{
    alrm_count = 0;
    alrm_code = 0;
    memset(fire_at, 0, sizeof fire_at);
}

/* --- alarm's return values ------------------------------------------------------------ */

static void test_alarm_values(void)
{
    check("alarm with none pending returns 0", sys_alarm(0) == 0);
    check("alarm(5) returns 0", sys_alarm(5) == 0);
    long left = sys_alarm(3);
    check("alarm(3) returns the 5 s left", left == 5);
    left = sys_alarm(0);
    check("alarm(0) cancels and returns 3", left == 3);
    struct itimerval now;
    check("nothing armed after alarm(0)",
          getitimer(ITIMER_REAL, &now) == 0 && now.it_value.tv_sec == 0 &&
              now.it_value.tv_usec == 0);
    /* Rounding: to the nearest second, but a pending alarm never reads 0. */
    arm(ITIMER_REAL, 300000, 0);
    check("alarm rounds 0.3 s up to 1", sys_alarm(0) == 1);
    arm(ITIMER_REAL, 1300000, 0);
    check("alarm rounds 1.3 s down to 1", sys_alarm(0) == 1);
    arm(ITIMER_REAL, 1700000, 0);
    check("alarm rounds 1.7 s up to 2", sys_alarm(0) == 2);
    /* musl's alarm() (setitimer underneath) rounds any fraction up. */
    arm(ITIMER_REAL, 1300000, 0);
    unsigned libc_left = alarm(0);
    check("libc alarm() sees the pending alarm", libc_left == 1 || libc_left == 2);
}

/* --- getitimer, the old value, cancellation -------------------------------------------- */

static void test_get_and_cancel(void)
{
    struct itimerval it = {.it_interval = {0, 200000}, .it_value = {1, 0}}, old, cur;
    check("setitimer arms", setitimer(ITIMER_REAL, &it, &old) == 0);
    check("the old value of a disarmed timer is zero",
          tv_ns(old.it_value) == 0 && tv_ns(old.it_interval) == 0);
    check("getitimer works", getitimer(ITIMER_REAL, &cur) == 0);
    int64_t value = tv_ns(cur.it_value);
    check("getitimer: value left is in (0, 1 s]", value > 0 && value <= 1000000000);
    check("getitimer: interval as set", cur.it_interval.tv_sec == 0 &&
                                            cur.it_interval.tv_usec == 200000);
    check("usec field in range", cur.it_value.tv_usec >= 0 && cur.it_value.tv_usec < 1000000);
    sleep_ms(100);
    struct itimerval later;
    getitimer(ITIMER_REAL, &later);
    check("the value left shrinks", tv_ns(later.it_value) < value);
    struct itimerval zero = {0};
    check("setitimer with zero disarms", setitimer(ITIMER_REAL, &zero, &old) == 0);
    check("...and returns what was left", tv_ns(old.it_value) > 0 &&
                                              tv_ns(old.it_value) < value &&
                                              old.it_interval.tv_usec == 200000);
    getitimer(ITIMER_REAL, &cur);
    check("a cancelled timer reads zero",
          tv_ns(cur.it_value) == 0 && tv_ns(cur.it_interval) == 0);
    /* A zero value disarms even with an interval. */
    struct itimerval interval_only = {.it_interval = {0, 100000}, .it_value = {0, 0}};
    setitimer(ITIMER_REAL, &interval_only, NULL);
    getitimer(ITIMER_REAL, &cur);
    check("an interval without a value stays disarmed",
          tv_ns(cur.it_value) == 0 && tv_ns(cur.it_interval) == 0);
    /* A cancelled timer never fires. */
    reset_counts();
    catch_alrm(0);
    arm(ITIMER_REAL, 50000, 0);
    disarm(ITIMER_REAL);
    sleep_ms(150);
    check("a cancelled timer does not fire", alrm_count == 0);
}

/* --- SIGALRM interrupts blocking calls ------------------------------------------------- */

static void test_interrupts(void)
{
    catch_alrm(0);
    reset_counts();
    int64_t start = mono_ns();
    arm(ITIMER_REAL, 100000, 0);
    int r = pause();
    int64_t waited = mono_ns() - start;
    check("SIGALRM ends pause() with EINTR", r == -1 && errno == EINTR && alrm_count == 1);
    check("...not before 100 ms", waited >= 100000000 && fire_at[0] - start >= 100000000);
    check("SIGALRM's si_code is SI_KERNEL", alrm_code == SI_KERNEL);

    int fds[2];
    if (pipe(fds) != 0) {
        check("pipe", 0);
        return;
    }
    reset_counts();
    start = mono_ns();
    arm(ITIMER_REAL, 100000, 0);
    char byte;
    ssize_t n = read(fds[0], &byte, 1);
    waited = mono_ns() - start;
    check("SIGALRM ends a blocked pipe read with EINTR (no SA_RESTART)",
          n == -1 && errno == EINTR && alrm_count == 1);
    check("...not before 100 ms", waited >= 100000000);

    /* With SA_RESTART the read goes on: the handler writes a byte at the third expiry. */
    catch_alrm(1);
    reset_counts();
    wake_fd = fds[1];
    start = mono_ns();
    arm(ITIMER_REAL, 30000, 30000);
    n = read(fds[0], &byte, 1);
    waited = mono_ns() - start;
    disarm(ITIMER_REAL);
    wake_fd = -1;
    check("SA_RESTART restarts the read across expiries",
          n == 1 && byte == 'w' && alrm_count >= 3 && waited >= 90000000);
    close(fds[0]);
    close(fds[1]);

    /* nanosleep is interrupted and reports the time left. */
    catch_alrm(0);
    reset_counts();
    arm(ITIMER_REAL, 50000, 0);
    struct timespec req = {2, 0}, rem = {0, 0};
    r = nanosleep(&req, &rem);
    check("SIGALRM ends nanosleep with EINTR and time left",
          r == -1 && errno == EINTR && rem.tv_sec < 2 && (rem.tv_sec > 0 || rem.tv_nsec > 0));
}

/* --- a periodic timer ------------------------------------------------------------------ */

static void test_periodic(void)
{
    enum { FIRES = 10, PERIOD_US = 20000 };
    catch_alrm(0);
    reset_counts();
    int64_t start = mono_ns();
    arm(ITIMER_REAL, PERIOD_US, PERIOD_US);
    while (alrm_count < FIRES && mono_ns() - start < 20000000000LL)
        pause();
    int64_t elapsed = mono_ns() - start;
    disarm(ITIMER_REAL);
    int early = 0;
    for (int i = 0; i < FIRES && i < MAX_FIRES; i++)
        if (fire_at[i] == 0 || fire_at[i] - start < (int64_t)(i + 1) * PERIOD_US * 1000)
            early = 1;
    check("a periodic timer fires 10 times", alrm_count >= FIRES);
    check("...each expiry no earlier than its period", !early);
    check("...in at least 10 periods", elapsed >= (int64_t)FIRES * PERIOD_US * 1000);
    printf("c-timers: 10 periods of 20 ms took %lld ms\n", (long long)(elapsed / 1000000));
    int fired = alrm_count;
    sleep_ms(100);
    check("a disarmed periodic timer stays quiet", alrm_count == fired);

    /* A timer fires into a busy loop, too (the interrupt's return to user mode). */
    reset_counts();
    start = mono_ns();
    arm(ITIMER_REAL, 10000, 10000);
    volatile uint64_t spins = 0;
    while (alrm_count < 3 && mono_ns() - start < 20000000000LL)
        spins++;
    disarm(ITIMER_REAL);
    check("a periodic timer interrupts a busy loop", alrm_count >= 3);
}

/* --- CPU-time timers -------------------------------------------------------------------- */

static void test_cpu_timers(void)
{
    signal(SIGPROF, on_cpu_timer);
    signal(SIGVTALRM, on_cpu_timer);
    /* Sleeping uses no CPU time: a 50 ms CPU timer cannot fire during a 200 ms sleep. */
    prof_count = vtalrm_count = 0;
    arm(ITIMER_VIRTUAL, 50000, 0);
    sleep_ms(200);
    struct itimerval cur;
    getitimer(ITIMER_VIRTUAL, &cur);
    check("ITIMER_VIRTUAL does not count sleep", vtalrm_count == 0 && tv_ns(cur.it_value) > 0);
    int64_t cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    int64_t start = mono_ns();
    while (vtalrm_count == 0 && mono_ns() - start < 20000000000LL)
        ;
    int64_t used = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    check("ITIMER_VIRTUAL sends SIGVTALRM after CPU time", vtalrm_count == 1);
    check("...after at least the time set (by CPU clock)", used >= 40000000);
    getitimer(ITIMER_VIRTUAL, &cur);
    check("a one-shot CPU timer is disarmed after firing", tv_ns(cur.it_value) == 0);

    prof_count = 0;
    arm(ITIMER_PROF, 20000, 20000);
    start = mono_ns();
    while (prof_count < 3 && mono_ns() - start < 20000000000LL)
        ;
    struct itimerval old;
    struct itimerval zero = {0};
    setitimer(ITIMER_PROF, &zero, &old);
    check("ITIMER_PROF fires periodically", prof_count >= 3);
    check("...and keeps its interval", old.it_interval.tv_usec == 20000);
    signal(SIGPROF, SIG_DFL);
    signal(SIGVTALRM, SIG_DFL);
}

/* --- default action, fork, execve ------------------------------------------------------- */

static void test_default_action(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL);
        arm(ITIMER_REAL, 50000, 0);
        for (;;)
            pause();
    }
    int status = 0;
    waitpid(pid, &status, 0);
    check("SIGALRM's default action ends the process",
          WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM);
}

static void test_fork_clears(void)
{
    arm(ITIMER_REAL, 5000000, 1000000);
    arm(ITIMER_PROF, 5000000, 0);
    arm(ITIMER_VIRTUAL, 5000000, 0);
    pid_t pid = fork();
    if (pid == 0) {
        struct itimerval r, p, v;
        getitimer(ITIMER_REAL, &r);
        getitimer(ITIMER_PROF, &p);
        getitimer(ITIMER_VIRTUAL, &v);
        _exit(tv_ns(r.it_value) == 0 && tv_ns(r.it_interval) == 0 && tv_ns(p.it_value) == 0 &&
                      tv_ns(v.it_value) == 0
                  ? 0
                  : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    check("a forked child starts with every timer disarmed",
          WIFEXITED(status) && WEXITSTATUS(status) == 0);
    struct itimerval r;
    getitimer(ITIMER_REAL, &r);
    check("the parent's timer runs on", tv_ns(r.it_value) > 0);
    disarm(ITIMER_PROF);
    disarm(ITIMER_VIRTUAL);

    /* A child's periodic timer dies with it: it exits while its timer is armed. */
    pid = fork();
    if (pid == 0) {
        signal(SIGALRM, SIG_IGN);
        arm(ITIMER_REAL, 1000, 1000);
        sleep_ms(20);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    check("a child exits with its timer armed", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    disarm(ITIMER_REAL);
}

static void test_exec_keeps(const char *self)
{
    pid_t pid = fork();
    if (pid == 0) {
        arm(ITIMER_REAL, 5000000, 0);
        char *argv[] = {(char *)self, "exec-check", NULL};
        execv(self, argv);
        _exit(3);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    check("execve keeps ITIMER_REAL", WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The program execve'd above: its timer must still run (its handler is gone, so disarm). */
static int exec_check(void)
{
    struct itimerval it, zero = {0};
    getitimer(ITIMER_REAL, &it);
    setitimer(ITIMER_REAL, &zero, NULL);
    int64_t left = tv_ns(it.it_value);
    return left > 0 && left <= 5000000000LL ? 0 : 1;
}

/* --- hostile arguments ----------------------------------------------------------------- */

static void test_errnos(void)
{
    void *bad = (void *)0x10;
    struct itimerval cur, valid = {.it_interval = {0, 0}, .it_value = {10, 0}};
    errno = 0;
    check("getitimer(bad which) EINVAL", sys_getitimer(3, &cur) == -1 && errno == EINVAL);
    errno = 0;
    check("getitimer(-1) EINVAL", sys_getitimer(-1, &cur) == -1 && errno == EINVAL);
    errno = 0;
    check("getitimer(bad pointer) EFAULT", sys_getitimer(ITIMER_REAL, bad) == -1 &&
                                              errno == EFAULT);
    errno = 0;
    check("setitimer(bad new pointer) EFAULT",
          sys_setitimer(ITIMER_REAL, bad, NULL) == -1 && errno == EFAULT);
    errno = 0;
    check("setitimer(bad which) EINVAL", sys_setitimer(7, &valid, NULL) == -1 && errno == EINVAL);
    struct itimerval usec_big = {.it_interval = {0, 0}, .it_value = {0, 1000000}};
    errno = 0;
    check("setitimer(tv_usec 1000000) EINVAL",
          sys_setitimer(ITIMER_REAL, &usec_big, NULL) == -1 && errno == EINVAL);
    struct itimerval usec_neg = {.it_interval = {0, -1}, .it_value = {1, 0}};
    errno = 0;
    check("setitimer(interval tv_usec -1) EINVAL",
          sys_setitimer(ITIMER_REAL, &usec_neg, NULL) == -1 && errno == EINVAL);
    struct itimerval sec_neg = {.it_interval = {0, 0}, .it_value = {-1, 0}};
    errno = 0;
    check("setitimer(tv_sec -1) EINVAL",
          sys_setitimer(ITIMER_REAL, &sec_neg, NULL) == -1 && errno == EINVAL);
    getitimer(ITIMER_REAL, &cur);
    check("failed setitimers armed nothing", tv_ns(cur.it_value) == 0);
    /* The old value is written after the change: EFAULT, with the new timer armed. */
    errno = 0;
    check("setitimer(bad old pointer) EFAULT",
          sys_setitimer(ITIMER_REAL, &valid, bad) == -1 && errno == EFAULT);
    getitimer(ITIMER_REAL, &cur);
    check("...with the new value in force", tv_ns(cur.it_value) > 0);
    disarm(ITIMER_REAL);
    /* A huge value is accepted (it will never fire here). */
    struct itimerval huge = {.it_interval = {0, 0}, .it_value = {0x7fffffffffffffffLL, 999999}};
    check("a huge value is accepted", sys_setitimer(ITIMER_REAL, &huge, NULL) == 0);
    getitimer(ITIMER_REAL, &cur);
    check("...and reads back armed", cur.it_value.tv_sec > 1000000);
    disarm(ITIMER_REAL);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec-check") == 0)
        return exec_check();
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_alarm_values();
    test_get_and_cancel();
    test_interrupts();
    test_periodic();
    test_cpu_timers();
    test_default_action();
    test_fork_clears();
    test_exec_keeps(argv[0]);
    test_errnos();
    disarm(ITIMER_REAL);
    printf("c-timers: done, %d failed\n", failures);
    return failures;
}
