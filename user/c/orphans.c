/* Orphans get a new parent (exit(2): children are inherited by init, or a subreaper): a child
 * forks a grandchild G and a grandchild Z that exits at once, then exits without waiting for
 * either. G's getppid() must change from the dead child to the reaper, and Z must not stay a
 * zombie of the dead child.
 *
 *   c-orphans          the program is an ordinary process: the reaper is someone else (on
 *                      Kestrel with no init= program, the kernel: getppid reads 0), so this
 *                      program has no child left to wait for
 *   c-orphans reaper   the program is the reaper (Kestrel's test kernel makes it the init
 *                      process; on Linux it becomes a child subreaper): it gets SIGCHLD for
 *                      the handed-over zombie first and reaps Z and G itself
 *   c-orphans reaper-ignore   the reaper ignores SIGCHLD: nothing is left for it to reap, the
 *                      handed-over zombie included
 *
 * Every check prints "c-orphans: NAME ok" or "... FAILED"; the exit status counts failures. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("c-orphans: %s %s\n", name, ok ? "ok" : "FAILED");
    fflush(stdout);
    if (!ok)
        failures++;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static volatile sig_atomic_t chld_count;
static volatile pid_t chld_pid[8];

static void on_chld(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)context;
    if (chld_count < 8)
        chld_pid[chld_count] = info->si_pid;
    chld_count++;
}

/* What the grandchild G reports through the pipe. */
struct report {
    pid_t before;
    pid_t after;
    int changed;
};

/* The child: forks Z (exits at once) and G, then exits without waiting. Z's and G's pids go
 * to the parent through `fd`. */
static void child(int fd)
{
    pid_t me = getpid();
    pid_t z = fork();
    if (z == 0)
        _exit(5);
    /* Z is a zombie of this process by the time it exits. */
    sleep_ms(100);
    /* G tells this process when it has read its first getppid(), before this one exits. */
    int ready[2];
    if (pipe(ready) != 0)
        _exit(2);
    pid_t g = fork();
    if (g == 0) {
        struct report r = {getppid(), 0, 0};
        close(ready[0]);
        if (write(ready[1], "r", 1) != 1)
            _exit(2);
        close(ready[1]);
        for (int i = 0; i < 5000; i++) {
            pid_t now = getppid();
            if (now != me) {
                r.after = now;
                r.changed = 1;
                break;
            }
            sleep_ms(1);
        }
        if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
            _exit(2);
        /* The reaper's SIGCHLD for this exit must come apart from the zombie's. */
        sleep_ms(100);
        _exit(6);
    }
    pid_t pids[2] = {z, g};
    char byte;
    close(ready[1]);
    if (read(ready[0], &byte, 1) != 1 || write(fd, pids, sizeof pids) != (ssize_t)sizeof pids)
        _exit(2);
    _exit(0);
}

int main(int argc, char **argv)
{
    int ignore = argc > 1 && strcmp(argv[1], "reaper-ignore") == 0;
    int reaper = ignore || (argc > 1 && strcmp(argv[1], "reaper") == 0);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (ignore) {
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        signal(SIGCHLD, SIG_IGN);
    } else if (reaper) {
        /* Linux's way to be the reaper without being PID 1 (Kestrel: its test kernel makes
         * this program the init process instead; the call is EINVAL there). */
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        struct sigaction sa = {0};
        sa.sa_sigaction = on_chld;
        sa.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGCHLD, &sa, NULL);
    }
    int fds[2];
    if (pipe(fds) != 0)
        return 100;
    pid_t c = fork();
    if (c == 0) {
        close(fds[0]);
        child(fds[1]);
    }
    close(fds[1]);
    int status = -1;
    if (ignore) {
        /* Ignoring SIGCHLD: the child is reaped as it exits, and waitpid says ECHILD. */
        errno = 0;
        check("a child of a parent ignoring SIGCHLD leaves no zombie",
              waitpid(c, &status, 0) == -1 && errno == ECHILD);
    } else {
        check("the child exits without waiting",
              waitpid(c, &status, 0) == c && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    pid_t pids[2] = {0, 0};
    struct report r = {0, 0, 0};
    int got = read(fds[0], pids, sizeof pids) == (ssize_t)sizeof pids &&
              read(fds[0], &r, sizeof r) == (ssize_t)sizeof r;
    check("the grandchild reports", got);
    check("the grandchild's getppid() changed from the dead child",
          r.changed && r.before == c && r.after != c);
    const char *who = r.after == 0 ? "kernel" : r.after == getpid() ? "me" : r.after == 1 ? "pid1" : "other";
    printf("c-orphans: grandchild re-parented to %s\n", who);
    if (ignore) {
        check("the reaper adopts the orphan", r.after == getpid());
        errno = 0;
        check("the handed-over zombie was reaped at once",
              waitpid(pids[0], &status, WNOHANG) == -1 && errno == ECHILD);
        /* wait blocks until the adopted grandchild is gone, then finds nothing to reap. */
        errno = 0;
        check("the adopted grandchild leaves no zombie", wait(NULL) == -1 && errno == ECHILD);
    } else if (reaper) {
        check("the reaper adopts the orphan", r.after == getpid());
        /* The zombie handed over came with SIGCHLD (before the dead child's own). */
        check("SIGCHLD for the handed-over zombie", chld_count >= 1 && chld_pid[0] == pids[0]);
        check("the reaper reaps the handed-over zombie",
              waitpid(pids[0], &status, 0) == pids[0] && WIFEXITED(status) &&
                  WEXITSTATUS(status) == 5);
        check("...and the adopted grandchild",
              waitpid(pids[1], &status, 0) == pids[1] && WIFEXITED(status) &&
                  WEXITSTATUS(status) == 6);
        int last = chld_count > 0 ? chld_count - 1 : 0;
        check("SIGCHLD for the adopted grandchild's exit", chld_count >= 2 &&
                                                              chld_pid[last] == pids[1]);
        errno = 0;
        check("no children left", wait(NULL) == -1 && errno == ECHILD);
    } else {
        /* Wait for G's end: its write end closes when it exits. */
        char byte;
        check("the grandchild ends", read(fds[0], &byte, 1) == 0);
        errno = 0;
        check("the orphans are not this process's children",
              waitpid(pids[0], &status, WNOHANG) == -1 && errno == ECHILD &&
                  waitpid(pids[1], &status, WNOHANG) == -1 && errno == ECHILD);
        errno = 0;
        check("no children left", wait(NULL) == -1 && errno == ECHILD);
    }
    printf("c-orphans: done, %d failed\n", failures);
    return failures;
}
