/* Job control as Linux does it: stop signals stop a child (a counter it advances in shared
 * memory stands still, in every thread), SIGCONT continues it, waitpid WUNTRACED /
 * WCONTINUED and waitid WSTOPPED / WCONTINUED report each change once, SIGCHLD carries
 * CLD_STOPPED and CLD_CONTINUED unless SA_NOCLDSTOP, SIGKILL ends a stopped child, a handled
 * SIGTSTP does not stop, a blocked one stops when unblocked unless SIGCONT came first, a
 * child asleep in nanosleep or a pipe read stops on its way back to user mode, a terminal
 * stop signal to an orphaned group is discarded, a group orphaned with a stopped member gets
 * SIGHUP and SIGCONT, and a background group reading the terminal gets SIGTTIN (EIO when it
 * ignores it), writing with TOSTOP or calling tcsetpgrp gets SIGTTOU.
 * Every check prints "c-jobctl: NAME ok" or "... FAILED"; the exit status counts failures.
 * The same binary passes on Linux (the terminal checks need a terminal in the foreground). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("c-jobctl: %s %s\n", name, ok ? "ok" : "FAILED");
    fflush(stdout);
    if (!ok)
        failures++;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Shared with the children. */
struct shared {
    volatile unsigned long counter;
    volatile unsigned long counter2;
    volatile int flag;
    volatile int go;
    volatile int result;
};
static struct shared *sh;

static volatile sig_atomic_t chld_count, chld_code, chld_status, chld_pid;

static void on_chld(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)context;
    chld_count++;
    chld_code = info->si_code;
    chld_status = info->si_status;
    chld_pid = info->si_pid;
}

static void catch_chld(int flags)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | flags;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
}

/* Waits up to `ms` for `*word` to become nonzero. */
static int wait_for(volatile int *word, long ms)
{
    for (long i = 0; i < ms && !*word; i += 5)
        sleep_ms(5);
    return *word;
}

static pid_t spinner(int own_group)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (own_group)
            setpgid(0, 0);
        for (;;)
            sh->counter++;
    }
    if (own_group)
        setpgid(pid, pid);
    return pid;
}

static void reap(pid_t pid)
{
    kill(pid, SIGKILL);
    kill(pid, SIGCONT);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

static void test_stop_and_continue(void)
{
    int status;
    catch_chld(0);
    sh->counter = 0;
    pid_t pid = spinner(0);
    sleep_ms(30);
    chld_count = 0;
    kill(pid, SIGSTOP);
    pid_t got = waitpid(pid, &status, WUNTRACED);
    check("SIGSTOP: waitpid WUNTRACED gives WIFSTOPPED WSTOPSIG=SIGSTOP",
          got == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
    sleep_ms(20);
    check("SIGCHLD: CLD_STOPPED with pid and signal",
          chld_count >= 1 && chld_code == CLD_STOPPED && chld_status == SIGSTOP && chld_pid == pid);
    unsigned long before = sh->counter;
    sleep_ms(100);
    check("a stopped child does not run", sh->counter == before);
    check("a stop is reported once", waitpid(pid, &status, WUNTRACED | WNOHANG) == 0);

    chld_count = 0;
    kill(pid, SIGCONT);
    got = waitpid(pid, &status, WCONTINUED);
    check("SIGCONT: waitpid WCONTINUED gives WIFCONTINUED", got == pid && WIFCONTINUED(status));
    sleep_ms(20);
    check("SIGCHLD: CLD_CONTINUED", chld_count >= 1 && chld_code == CLD_CONTINUED && chld_pid == pid);
    before = sh->counter;
    sleep_ms(50);
    check("a continued child runs again", sh->counter != before);
    check("a continue is reported once", waitpid(pid, &status, WCONTINUED | WNOHANG) == 0);

    /* waitid reports the same in siginfo. */
    siginfo_t si;
    kill(pid, SIGSTOP);
    memset(&si, 0, sizeof si);
    int r = waitid(P_PID, pid, &si, WSTOPPED);
    check("waitid WSTOPPED: CLD_STOPPED si_status=SIGSTOP",
          r == 0 && si.si_signo == SIGCHLD && si.si_code == CLD_STOPPED &&
              si.si_status == SIGSTOP && si.si_pid == pid);
    memset(&si, 0xff, sizeof si);
    r = waitid(P_PID, pid, &si, WSTOPPED | WNOHANG);
    check("waitid WNOHANG with nothing new: si_pid 0", r == 0 && si.si_pid == 0);
    kill(pid, SIGCONT);
    memset(&si, 0, sizeof si);
    r = waitid(P_PID, pid, &si, WCONTINUED | WNOWAIT);
    int kept = waitid(P_PID, pid, &si, WCONTINUED | WNOHANG) == 0 && si.si_pid == pid;
    check("waitid WCONTINUED: CLD_CONTINUED si_status=SIGCONT, WNOWAIT keeps it",
          r == 0 && si.si_code == CLD_CONTINUED && si.si_status == SIGCONT && kept);
    check("waitid without WEXITED/WSTOPPED/WCONTINUED: EINVAL",
          waitid(P_ALL, 0, &si, WNOHANG) < 0 && errno == EINVAL);

    /* SIGKILL ends a stopped child. */
    kill(pid, SIGSTOP);
    waitpid(pid, &status, WUNTRACED);
    kill(pid, SIGKILL);
    got = waitpid(pid, &status, 0);
    check("SIGKILL ends a stopped child",
          got == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void *spin_second(void *arg)
{
    (void)arg;
    for (;;)
        sh->counter2++;
    return NULL;
}

/* A group stop: every thread of the child stops, and every one runs again after SIGCONT. */
static void test_threads(void)
{
    int status;
    sh->counter = 0;
    sh->counter2 = 0;
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t second;
        pthread_create(&second, NULL, spin_second, NULL);
        for (;;)
            sh->counter++;
    }
    for (int i = 0; i < 400 && (!sh->counter || !sh->counter2); i++)
        sleep_ms(5);
    kill(pid, SIGSTOP);
    pid_t got = waitpid(pid, &status, WUNTRACED);
    sleep_ms(20);
    unsigned long one = sh->counter, two = sh->counter2;
    sleep_ms(100);
    check("SIGSTOP stops every thread of a process",
          got == pid && WIFSTOPPED(status) && one && two && sh->counter == one &&
              sh->counter2 == two);
    kill(pid, SIGCONT);
    sleep_ms(100);
    check("SIGCONT runs every thread again", sh->counter != one && sh->counter2 != two);
    reap(pid);
}

static void test_nocldstop(void)
{
    int status;
    catch_chld(SA_NOCLDSTOP);
    pid_t pid = spinner(0);
    sleep_ms(20);
    chld_count = 0;
    kill(pid, SIGSTOP);
    pid_t got = waitpid(pid, &status, WUNTRACED);
    kill(pid, SIGCONT);
    got = got == pid ? waitpid(pid, &status, WCONTINUED) : got;
    sleep_ms(20);
    check("SA_NOCLDSTOP: no SIGCHLD for a stop or a continue", got == pid && chld_count == 0);
    reap(pid);
    check("SA_NOCLDSTOP: SIGCHLD for the end", chld_count == 1 && chld_code == CLD_KILLED);
    catch_chld(0);
}

static void on_tstp(int sig)
{
    (void)sig;
    sh->flag = 1;
}

static void test_tstp(void)
{
    int status;
    /* A handler runs instead of the stop. */
    sh->flag = 0;
    sh->go = 0;
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGTSTP, on_tstp);
        sh->go = 1;
        for (;;)
            pause();
    }
    setpgid(pid, pid);
    wait_for(&sh->go, 2000);
    kill(pid, SIGTSTP);
    int ran = wait_for(&sh->flag, 2000);
    check("SIGTSTP with a handler: the handler runs, no stop",
          ran && waitpid(pid, &status, WUNTRACED | WNOHANG) == 0);
    reap(pid);

    /* The default action stops a child in a group of its own (not orphaned). */
    pid = spinner(1);
    kill(pid, SIGTSTP);
    pid_t got = waitpid(pid, &status, WUNTRACED);
    check("SIGTSTP: default action stops, WSTOPSIG=SIGTSTP",
          got == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGTSTP);
    reap(pid);

    /* Blocked, it stops the child when unblocked; unless SIGCONT came in between. */
    for (int cont = 0; cont < 2; cont++) {
        sh->go = 0;
        sh->flag = 0;
        sh->result = 0;
        pid = fork();
        if (pid == 0) {
            setpgid(0, 0);
            sigset_t set;
            sigemptyset(&set);
            sigaddset(&set, SIGTSTP);
            sigprocmask(SIG_BLOCK, &set, NULL);
            sh->flag = 1;
            while (!sh->go)
                sleep_ms(5);
            sigprocmask(SIG_UNBLOCK, &set, NULL);
            sh->result = 1;
            for (;;)
                pause();
        }
        setpgid(pid, pid);
        wait_for(&sh->flag, 2000);
        kill(pid, SIGTSTP);
        sleep_ms(20);
        int early = waitpid(pid, &status, WUNTRACED | WNOHANG);
        if (cont)
            kill(pid, SIGCONT);
        sh->go = 1;
        if (cont) {
            wait_for(&sh->result, 2000);
            sleep_ms(20);
            check("SIGCONT discards a pending SIGTSTP",
                  early == 0 && sh->result && waitpid(pid, &status, WUNTRACED | WNOHANG) == 0);
        } else {
            got = waitpid(pid, &status, WUNTRACED);
            check("a blocked SIGTSTP stops the child once unblocked",
                  early == 0 && got == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGTSTP &&
                      !sh->result);
        }
        reap(pid);
    }
}

static void test_sleepers(void)
{
    int status;
    /* A child in nanosleep finishes its sleep stopped, and goes on only when continued. */
    sh->flag = 0;
    pid_t pid = fork();
    if (pid == 0) {
        struct timespec ts = {0, 150 * 1000000L};
        nanosleep(&ts, NULL);
        sh->flag = 1;
        _exit(0);
    }
    sleep_ms(20);
    kill(pid, SIGSTOP);
    pid_t got = waitpid(pid, &status, WUNTRACED);
    sleep_ms(300);
    int early = sh->flag;
    kill(pid, SIGCONT);
    int late = wait_for(&sh->flag, 2000);
    got = got == pid ? waitpid(pid, &status, 0) : -1;
    check("a child stopped in nanosleep runs on only after SIGCONT",
          got == pid && !early && late && WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* A child blocked in a pipe read takes the data only once continued. */
    int fds[2];
    if (pipe(fds) < 0) {
        check("pipe", 0);
        return;
    }
    sh->flag = 0;
    pid = fork();
    if (pid == 0) {
        char c;
        close(fds[1]);
        if (read(fds[0], &c, 1) == 1)
            sh->flag = c;
        _exit(0);
    }
    close(fds[0]);
    sleep_ms(20);
    kill(pid, SIGSTOP);
    got = waitpid(pid, &status, WUNTRACED);
    if (write(fds[1], "x", 1) != 1)
        got = -1;
    sleep_ms(100);
    early = sh->flag;
    kill(pid, SIGCONT);
    late = wait_for(&sh->flag, 2000);
    got = got == pid ? waitpid(pid, &status, 0) : -1;
    close(fds[1]);
    check("a child stopped in a pipe read reads only after SIGCONT",
          got == pid && !early && late == 'x' && WIFEXITED(status));
}

/* A grandchild whose parent left: its group (the parent's) has no parent in the session
 * outside it, so it is orphaned, and SIGTSTP to it is discarded. */
static void test_orphaned(void)
{
    sh->flag = 0;
    sh->go = 0;
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        if (fork() == 0) {
            while (!sh->go)
                sleep_ms(5);
            kill(getpid(), SIGTSTP);
            sh->flag = 1;
            _exit(0);
        }
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    sh->go = 1;
    check("SIGTSTP to an orphaned group is discarded", wait_for(&sh->flag, 2000));
}

static void on_hup(int sig)
{
    (void)sig;
    sh->flag = 1;
    _exit(0);
}

/* A group that becomes orphaned with a stopped member gets SIGHUP and SIGCONT: the stopped
 * grandchild's SIGHUP handler runs once its parent (the group's link to the session) exits. */
static void test_orphaned_stopped(void)
{
    sh->flag = 0;
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        pid_t grandchild = fork();
        if (grandchild == 0) {
            signal(SIGHUP, on_hup);
            kill(getpid(), SIGSTOP);
            for (;;)
                pause();
        }
        int status;
        waitpid(grandchild, &status, WUNTRACED);
        _exit(WIFSTOPPED(status) ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    check("a group orphaned with a stopped member gets SIGHUP and SIGCONT",
          WIFEXITED(status) && WEXITSTATUS(status) == 0 && wait_for(&sh->flag, 2000));
}

static void test_terminal(void)
{
    int status;
    if (!isatty(0) || tcgetpgrp(0) != getpgrp()) {
        printf("c-jobctl: terminal checks skipped (no foreground terminal)\n");
        return;
    }
    /* SIGTTIN for a background read. */
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        setpgid(0, 0);
        ssize_t n = read(0, &c, 1);
        _exit(n < 0 ? 1 : 2);
    }
    setpgid(pid, pid);
    pid_t got = waitpid(pid, &status, WUNTRACED);
    check("a background read gets SIGTTIN",
          got == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGTTIN);
    reap(pid);

    /* EIO when SIGTTIN is ignored. */
    pid = fork();
    if (pid == 0) {
        char c;
        setpgid(0, 0);
        signal(SIGTTIN, SIG_IGN);
        ssize_t n = read(0, &c, 1);
        _exit(n < 0 && errno == EIO ? 3 : 4);
    }
    setpgid(pid, pid);
    got = waitpid(pid, &status, WUNTRACED);
    check("a background read ignoring SIGTTIN fails with EIO",
          got == pid && WIFEXITED(status) && WEXITSTATUS(status) == 3);

    /* SIGTTOU for a background tcsetpgrp, unless ignored. */
    for (int ignore = 0; ignore < 2; ignore++) {
        pid = fork();
        if (pid == 0) {
            setpgid(0, 0);
            if (ignore)
                signal(SIGTTOU, SIG_IGN);
            int r = tcsetpgrp(0, getpgrp());
            /* Give the terminal back to the parent's group. */
            if (r == 0)
                tcsetpgrp(0, getppid());
            _exit(r == 0 ? 5 : 6);
        }
        setpgid(pid, pid);
        got = waitpid(pid, &status, WUNTRACED);
        if (ignore)
            check("a background tcsetpgrp ignoring SIGTTOU goes through",
                  got == pid && WIFEXITED(status) && WEXITSTATUS(status) == 5);
        else
            check("a background tcsetpgrp gets SIGTTOU",
                  got == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGTTOU);
        reap(pid);
    }

    /* With TOSTOP, a background write gets SIGTTOU. */
    struct termios saved, t;
    tcgetattr(0, &saved);
    t = saved;
    t.c_lflag |= TOSTOP;
    tcsetattr(0, TCSANOW, &t);
    pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        ssize_t n = write(1, "c-jobctl: background write went through\n", 41);
        _exit(n > 0 ? 7 : 8);
    }
    setpgid(pid, pid);
    got = waitpid(pid, &status, WUNTRACED);
    check("TOSTOP: a background write gets SIGTTOU",
          got == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGTTOU);
    reap(pid);
    tcsetattr(0, TCSANOW, &saved);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        printf("c-jobctl: mmap FAILED\n");
        return 1;
    }
    test_stop_and_continue();
    test_threads();
    test_nocldstop();
    test_tstp();
    test_sleepers();
    test_orphaned();
    test_orphaned_stopped();
    test_terminal();
    printf("c-jobctl: done, %d failed\n", failures);
    return failures;
}
