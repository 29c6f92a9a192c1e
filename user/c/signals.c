/* Signals, process groups and the terminal, as Linux does them: handlers with siginfo and
 * ucontext, registers and SSE state restored by rt_sigreturn, masks, pending sets, kill of
 * self, a child and a group, SIGCHLD, SIGPIPE, faults caught and skipped, EINTR and
 * SA_RESTART, default actions' wait statuses, the alternate stack, setpgid/setsid, termios.
 * Every check prints "c-signals: NAME ok" or "... FAILED"; the exit status counts failures.
 *
 * With an argument it is a program for the kernel shell's terminal tests:
 *   sleep [TAG]  says "sleeping TAG", sleeps 10 s (Ctrl-C ends it: status 130)
 *   catch   waits for SIGINT with a handler, then exits 42
 *   line    reads one line from the terminal and prints it
 *   raw     reads 3 bytes in non-canonical mode without echo and prints them in hex */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("c-signals: %s %s\n", name, ok ? "ok" : "FAILED");
    fflush(stdout);
    if (!ok)
        failures++;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* --- a handler with siginfo and ucontext ------------------------------------------------ */

static volatile sig_atomic_t usr1_count;
static volatile int usr1_code, usr1_pid, usr1_masked_self, usr1_masked_extra, usr1_aligned;
static volatile uintptr_t usr1_uc_rip;

static void on_usr1(int sig, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    usr1_masked_self = sigismember(&now, SIGUSR1);
    usr1_masked_extra = sigismember(&now, SIGUSR2);
    usr1_code = info->si_code;
    usr1_pid = info->si_pid;
    usr1_uc_rip = uc->uc_mcontext.gregs[REG_RIP];
    /* The ABI's alignment at a function's entry leaves the frame 16-byte aligned here. */
    usr1_aligned = ((uintptr_t)__builtin_frame_address(0) % 16) == 0;
    /* Clobber registers the interrupted code holds: rt_sigreturn must bring them back. */
    __asm__ volatile("xor %%r8, %%r8\n\txor %%r9, %%r9\n\txor %%r10, %%r10\n\t"
                     "pxor %%xmm7, %%xmm7\n\tpxor %%xmm3, %%xmm3"
                     ::: "r8", "r9", "r10", "xmm7", "xmm3");
    usr1_count += sig == SIGUSR1;
}

static void test_handler_frame(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    check("sigaction installs", sigaction(SIGUSR1, &sa, NULL) == 0);

    /* kill(getpid(), SIGUSR1) as a raw system call, with known values in registers and in
     * SSE registers that must survive the handler. */
    uint64_t r8 = 0x1111222233334444, r9 = 0x5555666677778888, r10 = 0x9999aaaabbbbcccc;
    uint64_t xmm7 = 0x0123456789abcdef, xmm3 = 0xfedcba9876543210;
    uint64_t out8, out9, out10, out7, out3;
    long ret, self = getpid();
    register uint64_t reg8 __asm__("r8") = r8;
    register uint64_t reg9 __asm__("r9") = r9;
    register uint64_t reg10 __asm__("r10") = r10;
    __asm__ volatile("movq %[x7], %%xmm7\n\t"
                     "movq %[x3], %%xmm3\n\t"
                     "syscall\n\t"
                     "movq %%xmm7, %[o7]\n\t"
                     "movq %%xmm3, %[o3]"
                     : "=a"(ret), "+r"(reg8), "+r"(reg9), "+r"(reg10), [o7] "=r"(out7),
                       [o3] "=r"(out3)
                     : "0"((long)SYS_kill), "D"(self), "S"((long)SIGUSR1),
                       [x7] "r"(xmm7), [x3] "r"(xmm3)
                     : "rcx", "r11", "memory", "xmm7", "xmm3");
    out8 = reg8, out9 = reg9, out10 = reg10;
    check("handler ran once", ret == 0 && usr1_count == 1);
    check("siginfo SI_USER from self", usr1_code == SI_USER && usr1_pid == getpid());
    check("signal and sa_mask blocked in handler", usr1_masked_self && usr1_masked_extra);
    check("handler stack aligned", usr1_aligned);
    check("ucontext RIP in program", usr1_uc_rip > 0x1000 && usr1_uc_rip < 0x7fffffffffff);
    check("sigreturn restores r8 r9 r10", out8 == r8 && out9 == r9 && out10 == r10);
    check("sigreturn restores xmm3 xmm7", out7 == xmm7 && out3 == xmm3);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    check("mask restored after handler", !sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2));
}

/* --- masks and pending signals ---------------------------------------------------------- */

static volatile sig_atomic_t usr2_count;
static void on_usr2(int sig) { (void)sig; usr2_count++; }

static void test_masks(void)
{
    signal(SIGUSR2, on_usr2);
    sigset_t block, pending, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, &old);
    kill(getpid(), SIGUSR2);
    kill(getpid(), SIGUSR2);
    sigpending(&pending);
    check("blocked signal stays pending", usr2_count == 0 && sigismember(&pending, SIGUSR2));
    sigprocmask(SIG_SETMASK, &old, NULL);
    check("unblocking delivers it once", usr2_count == 1);
    sigpending(&pending);
    check("nothing pending afterwards", !sigismember(&pending, SIGUSR2));

    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    sigset_t got;
    sigprocmask(SIG_SETMASK, &old, &got);
    check("SIGKILL and SIGSTOP cannot be blocked", !sigismember(&got, SIGKILL) && !sigismember(&got, SIGSTOP));

    struct sigaction sa = {0};
    sa.sa_handler = SIG_DFL;
    check("SIGKILL cannot be caught", sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL);

    /* SA_RESETHAND: one delivery, then the default again; SA_NODEFER: not masked. */
    sa.sa_handler = on_usr2;
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    struct sigaction now;
    sigaction(SIGUSR2, NULL, &now);
    check("SA_RESETHAND resets to SIG_DFL", usr2_count == 2 && now.sa_handler == SIG_DFL);

    /* sigsuspend: wait with SIGUSR2 let through, the old mask back afterwards. */
    signal(SIGUSR2, on_usr2);
    sigprocmask(SIG_BLOCK, &block, &old);
    kill(getpid(), SIGUSR2);
    sigset_t wait_mask;
    sigemptyset(&wait_mask);
    int r = sigsuspend(&wait_mask);
    sigset_t after;
    sigprocmask(SIG_SETMASK, &old, &after);
    check("sigsuspend returns EINTR after the handler", r == -1 && errno == EINTR && usr2_count == 3);
    check("sigsuspend puts the mask back", sigismember(&after, SIGUSR2));
}

/* --- faults caught, inspected and skipped ------------------------------------------------ */

extern char fault_write[], fault_write_end[], fault_div[], fault_div_end[], fault_ud[],
    fault_ud_end[];
__asm__(".text\n"
        ".globl do_fault_write\n"
        "do_fault_write:\n"
        "fault_write: movl $1, (%rdi)\n"
        "fault_write_end: ret\n"
        ".globl do_fault_div\n"
        "do_fault_div:\n"
        "  xor %ecx, %ecx\n"
        "  mov $7, %eax\n"
        "  cltd\n"
        "fault_div: idivl %ecx\n"
        "fault_div_end: ret\n"
        ".globl do_fault_ud\n"
        "do_fault_ud:\n"
        "fault_ud: ud2\n"
        "fault_ud_end: ret\n");
void do_fault_write(volatile int *where);
void do_fault_div(void);
void do_fault_ud(void);

static volatile int fault_sig, fault_code, fault_trapno, fault_err;
static volatile uintptr_t fault_addr, fault_cr2, fault_rip;

static void on_fault(int sig, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;
    fault_sig = sig;
    fault_code = info->si_code;
    fault_addr = (uintptr_t)info->si_addr;
    fault_trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
    fault_err = uc->uc_mcontext.gregs[REG_ERR];
    fault_cr2 = uc->uc_mcontext.gregs[REG_CR2];
    fault_rip = uc->uc_mcontext.gregs[REG_RIP];
    /* Resume after the faulting instruction: rt_sigreturn takes the edited RIP. */
    greg_t *rip = &uc->uc_mcontext.gregs[REG_RIP];
    if (*rip == (greg_t)fault_write)
        *rip = (greg_t)fault_write_end;
    else if (*rip == (greg_t)fault_div)
        *rip = (greg_t)fault_div_end;
    else if (*rip == (greg_t)fault_ud)
        *rip = (greg_t)fault_ud_end;
}

static void test_faults(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);

    do_fault_write((volatile int *)0x10);
    check("SIGSEGV handler sees the fault",
          fault_sig == SIGSEGV && fault_code == SEGV_MAPERR && fault_addr == 0x10);
    check("sigcontext trapno 14, write error, cr2",
          fault_trapno == 14 && (fault_err & 2) && fault_cr2 == 0x10);
    check("sigcontext RIP at the instruction", fault_rip == (uintptr_t)fault_write);

    fault_sig = 0;
    do_fault_div();
    check("SIGFPE for division by zero", fault_sig == SIGFPE && fault_code == FPE_INTDIV && fault_trapno == 0);
    fault_sig = 0;
    do_fault_ud();
    check("SIGILL for ud2", fault_sig == SIGILL && fault_code == ILL_ILLOPN && fault_trapno == 6);

    signal(SIGSEGV, SIG_DFL);
    signal(SIGFPE, SIG_DFL);
    signal(SIGILL, SIG_DFL);
}

/* --- the alternate signal stack ---------------------------------------------------------- */

static char alt_stack[16384] __attribute__((aligned(16)));
static volatile int on_alt, alt_flags;

static void on_alt_usr1(int sig)
{
    (void)sig;
    char here;
    on_alt = &here >= alt_stack && &here < alt_stack + sizeof alt_stack;
    stack_t now;
    sigaltstack(NULL, &now);
    alt_flags = now.ss_flags;
}

static void test_altstack(void)
{
    stack_t ss = {.ss_sp = alt_stack, .ss_size = sizeof alt_stack, .ss_flags = 0};
    check("sigaltstack installs", sigaltstack(&ss, NULL) == 0);
    stack_t tiny = {.ss_sp = alt_stack, .ss_size = 100, .ss_flags = 0};
    check("sigaltstack refuses a tiny stack", sigaltstack(&tiny, NULL) == -1 && errno == ENOMEM);
    struct sigaction sa = {0};
    sa.sa_handler = on_alt_usr1;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    check("SA_ONSTACK runs on the alternate stack", on_alt && (alt_flags & SS_ONSTACK));
#ifdef SS_AUTODISARM
    /* SS_AUTODISARM: disabled while the handler runs on it, armed again after it returns. */
    ss.ss_flags = SS_AUTODISARM;
    sigaltstack(&ss, NULL);
    raise(SIGUSR1);
    stack_t after;
    sigaltstack(NULL, &after);
    check("SS_AUTODISARM: off in the handler, back afterwards",
          on_alt && (alt_flags & SS_DISABLE) && !(after.ss_flags & SS_DISABLE));
#endif
    stack_t old;
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, &old);
    check("sigaltstack reports the old stack", old.ss_sp == alt_stack && old.ss_size == sizeof alt_stack);
    signal(SIGUSR1, SIG_DFL);
}

/* --- default actions and wait statuses --------------------------------------------------- */

static int child_status(void (*body)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        body();
        _exit(99);
    }
    int status = -1;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

static void body_term(void) { raise(SIGTERM); }
static void body_segv(void) { *(volatile int *)0 = 1; }
static void body_abort(void) { abort(); }
static void body_kill(void) { kill(getpid(), SIGKILL); for (;;) pause(); }
static void body_ignored(void)
{
    raise(SIGCHLD);
    raise(SIGWINCH);
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    _exit(5);
}
static void body_bad_sigreturn(void)
{
    /* A frame at an unmapped address: rt_sigreturn must end us with SIGSEGV. */
    __asm__ volatile("mov $0x1000, %%rsp\n\tmov $15, %%eax\n\tsyscall" ::: "memory");
}
static void body_no_restorer(void)
{
    /* A raw rt_sigaction without SA_RESTORER: x86_64 has no kernel trampoline. */
    struct { void (*handler)(int); unsigned long flags; void *restorer; uint64_t mask; } k = {
        on_usr2, 0, 0, 0};
    syscall(SYS_rt_sigaction, SIGUSR2, &k, NULL, 8);
    kill(getpid(), SIGUSR2);
}
static void body_sigpipe(void)
{
    int p[2];
    pipe(p);
    close(p[0]);
    write(p[1], "x", 1);
}

static void test_default_actions(void)
{
    int s = child_status(body_term);
    check("SIGTERM: WIFSIGNALED, no core", WIFSIGNALED(s) && WTERMSIG(s) == SIGTERM && !WCOREDUMP(s));
    s = child_status(body_segv);
    check("SIGSEGV: terminated, no core file", WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && !WCOREDUMP(s));
    s = child_status(body_abort);
    check("abort: SIGABRT, no core file", WIFSIGNALED(s) && WTERMSIG(s) == SIGABRT && !WCOREDUMP(s));
    s = child_status(body_kill);
    check("SIGKILL: status 9", s == SIGKILL);
    s = child_status(body_ignored);
    check("ignored signals: exit 5", WIFEXITED(s) && WEXITSTATUS(s) == 5);
    s = child_status(body_bad_sigreturn);
    check("bad sigreturn frame: SIGSEGV", WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV);
    s = child_status(body_no_restorer);
    check("handler without restorer: SIGSEGV", WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV);
    s = child_status(body_sigpipe);
    check("SIGPIPE kills a writer", WIFSIGNALED(s) && WTERMSIG(s) == SIGPIPE && !WCOREDUMP(s));
}

/* --- SIGPIPE caught or ignored ----------------------------------------------------------- */

static volatile sig_atomic_t pipe_count;
static void on_pipe(int sig) { (void)sig; pipe_count++; }

static void test_sigpipe(void)
{
    int p[2];
    pipe(p);
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    check("SIGPIPE ignored: EPIPE", write(p[1], "x", 1) == -1 && errno == EPIPE);
    signal(SIGPIPE, on_pipe);
    errno = 0;
    int r = write(p[1], "x", 1);
    check("SIGPIPE caught: handler and EPIPE", r == -1 && errno == EPIPE && pipe_count == 1);
    close(p[1]);
    signal(SIGPIPE, SIG_DFL);
}

/* --- other processes: kill a child, SIGCHLD, EINTR and SA_RESTART ------------------------ */

static volatile sig_atomic_t chld_count;
static volatile int chld_pid, chld_code, chld_status;

static void on_chld(int sig, siginfo_t *info, void *context)
{
    (void)sig, (void)context;
    chld_count++;
    chld_pid = info->si_pid;
    chld_code = info->si_code;
    chld_status = info->si_status;
}

static volatile sig_atomic_t term_seen;
static void on_term(int sig) { (void)sig; term_seen = 1; }

static void test_children(void)
{
    /* A child that waits in pause() is ended by our SIGTERM. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    sleep_ms(20);
    check("kill a child", kill(pid, SIGTERM) == 0);
    int status;
    waitpid(pid, &status, 0);
    check("the child died of SIGTERM", WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    check("kill of a reaped child: ESRCH", kill(pid, 0) == -1 && errno == ESRCH);

    /* A child with a handler: pause() returns EINTR, it exits 3. */
    int ready[2];
    pipe(ready);
    pid = fork();
    if (pid == 0) {
        signal(SIGTERM, on_term);
        write(ready[1], "r", 1);
        int r = pause();
        _exit(r == -1 && errno == EINTR && term_seen ? 3 : 4);
    }
    char c;
    read(ready[0], &c, 1);
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    check("a child's handler runs, pause gives EINTR", WIFEXITED(status) && WEXITSTATUS(status) == 3);
    close(ready[0]);
    close(ready[1]);

    /* SIGCHLD with siginfo: the wait returns the child (its exit wins over the signal). */
    struct sigaction sa = {0};
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGCHLD, &sa, NULL);
    pid = fork();
    if (pid == 0) {
        sleep_ms(30);
        _exit(7);
    }
    int w = waitpid(pid, &status, 0);
    check("SIGCHLD: CLD_EXITED with pid and status",
          chld_count == 1 && chld_pid == pid && chld_code == CLD_EXITED && chld_status == 7);
    check("waitpid returns the child that signalled", w == pid && WEXITSTATUS(status) == 7);
    signal(SIGCHLD, SIG_DFL);

    /* Another signal during waitpid: EINTR without SA_RESTART, a restart with it. */
    for (int restart = 0; restart < 2; restart++) {
        sa.sa_handler = on_usr2;
        sa.sa_flags = restart ? SA_RESTART : 0;
        sigaction(SIGUSR2, &sa, NULL);
        pid_t parent = getpid();
        pid = fork();
        if (pid == 0) {
            sleep_ms(30);
            kill(parent, SIGUSR2);
            sleep_ms(30);
            _exit(1);
        }
        errno = 0;
        w = waitpid(pid, &status, 0);
        if (restart) {
            check("SA_RESTART restarts waitpid", w == pid && WEXITSTATUS(status) == 1);
        } else {
            int eintr = w == -1 && errno == EINTR;
            check("a signal interrupts waitpid: EINTR", eintr);
            if (eintr)
                waitpid(pid, &status, 0);
        }
    }

    /* A pipe read interrupted (EINTR), then one restarted (SA_RESTART). */
    for (int restart = 0; restart < 2; restart++) {
        int p[2];
        pipe(p);
        sa.sa_handler = on_usr2;
        sa.sa_flags = restart ? SA_RESTART : 0;
        sigaction(SIGUSR2, &sa, NULL);
        int before = usr2_count;
        pid_t parent = getpid();
        pid = fork();
        if (pid == 0) {
            sleep_ms(30);
            kill(parent, SIGUSR2);
            sleep_ms(30);
            write(p[1], "x", 1);
            _exit(0);
        }
        char got = 0;
        errno = 0;
        int r = read(p[0], &got, 1);
        if (restart)
            check("SA_RESTART restarts a pipe read", r == 1 && got == 'x' && usr2_count == before + 1);
        else
            check("a pipe read interrupted: EINTR", r == -1 && errno == EINTR && usr2_count == before + 1);
        waitpid(pid, &status, 0);
        close(p[0]);
        close(p[1]);
    }

    /* nanosleep interrupted: EINTR with the time left. */
    sa.sa_flags = SA_RESTART; /* nanosleep is never restarted */
    sigaction(SIGUSR2, &sa, NULL);
    pid_t parent = getpid();
    pid = fork();
    if (pid == 0) {
        sleep_ms(30);
        kill(parent, SIGUSR2);
        _exit(0);
    }
    struct timespec req = {2, 0}, rem = {0, 0};
    int r = nanosleep(&req, &rem);
    check("nanosleep interrupted: EINTR and time left", r == -1 && errno == EINTR && rem.tv_sec >= 1);
    waitpid(pid, &status, 0);
    signal(SIGUSR2, SIG_DFL);
}

/* --- process groups and sessions --------------------------------------------------------- */

static void test_groups(void)
{
    check("the kernel starts us as a group leader", getpgrp() == getpid() && getpgid(0) == getpid());
    check("in the kernel's session 0", getsid(0) == 0);
    check("a group leader cannot setsid", setsid() == -1 && errno == EPERM);

    int ready[2];
    pipe(ready);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int inherited = getpgrp() == getppid();
        setpgid(0, 0);
        write(ready[1], inherited && getpgrp() == getpid() ? "y" : "n", 1);
        for (;;)
            pause();
    }
    char c = 0;
    read(ready[0], &c, 1);
    check("fork inherits the group; setpgid(0, 0) leads a new one", c == 'y' && getpgid(pid) == pid);
    check("kill(-pgrp) reaches the group", kill(-pid, SIGTERM) == 0);
    int status;
    waitpid(pid, &status, 0);
    check("the group's member died", WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    check("kill of an empty group: ESRCH", kill(-pid, SIGTERM) == -1 && errno == ESRCH);

    pid = fork();
    if (pid == 0) {
        pid_t sid = setsid();
        int ok = sid == getpid() && getsid(0) == getpid() && getpgrp() == getpid();
        int again = setsid() == -1 && errno == EPERM;
        int moved = setpgid(0, 0) == -1 && errno == EPERM;
        _exit(ok && again && moved ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    check("setsid makes a session; its leader cannot move", WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* wait4 on a group: 0 means our own group. */
    pid = fork();
    if (pid == 0)
        _exit(9);
    int w = waitpid(0, &status, 0);
    check("waitpid(0) reaps a child of our group", w == pid && WEXITSTATUS(status) == 9);
    check("setpgid to a foreign session's group: EPERM", setpgid(0, 1) == -1);
    close(ready[0]);
    close(ready[1]);
}

/* --- the terminal ------------------------------------------------------------------------ */

static void test_termios(void)
{
    struct termios t;
    check("isatty(0)", isatty(0));
    check("tcgetattr", tcgetattr(0, &t) == 0);
    check("Linux's default modes",
          (t.c_lflag & (ICANON | ECHO | ISIG)) == (ICANON | ECHO | ISIG) && (t.c_iflag & ICRNL) &&
              (t.c_oflag & (OPOST | ONLCR)) == (OPOST | ONLCR) && t.c_cc[VINTR] == 3 &&
              t.c_cc[VERASE] == 0x7f && t.c_cc[VEOF] == 4 && t.c_cc[VMIN] == 1);
    struct termios raw = t;
    raw.c_lflag &= ~(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    check("tcsetattr raw", tcsetattr(0, TCSANOW, &raw) == 0);
    struct termios back;
    tcgetattr(0, &back);
    check("the raw modes read back", !(back.c_lflag & ICANON) && back.c_cc[VMIN] == 0);
    char buf[8];
    check("VMIN 0 VTIME 0: read returns 0 at once", read(0, buf, sizeof buf) == 0);
    raw.c_cc[VTIME] = 2;
    tcsetattr(0, TCSAFLUSH, &raw);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int r = read(0, buf, sizeof buf);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    check("VMIN 0 VTIME 2: 0 after 200 ms", r == 0 && ms >= 190 && ms < 1000);
    check("tcsetattr restores", tcsetattr(0, TCSANOW, &t) == 0);

    /* A canonical read of the terminal, nothing typed, interrupted by a signal: EINTR. */
    struct sigaction sa = {0};
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    pid_t parent = getpid();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(30);
        kill(parent, SIGUSR2);
        _exit(0);
    }
    int before = usr2_count;
    errno = 0;
    r = read(0, buf, sizeof buf);
    check("a terminal read interrupted: EINTR", r == -1 && errno == EINTR && usr2_count == before + 1);
    int status;
    waitpid(pid, &status, 0);
    signal(SIGUSR2, SIG_DFL);
    struct winsize ws;
    check("TIOCGWINSZ", ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0);
    check("tcgetpgrp is our group", tcgetpgrp(0) == getpgrp());
    check("tcgetsid is the kernel's session", tcgetsid(0) == 0);
    check("tcsetpgrp to a missing group: ESRCH", tcsetpgrp(0, 99999) == -1 && errno == ESRCH);
    check("tcsetpgrp to our group", tcsetpgrp(0, getpgrp()) == 0);
    check("ioctl on a pipe: ENOTTY", ({
        int p[2];
        pipe(p);
        int bad = tcgetattr(p[0], &back) == -1 && errno == ENOTTY;
        close(p[0]);
        close(p[1]);
        bad;
    }));
}

/* --- programs for the kernel shell's terminal tests ------------------------------------- */

static volatile sig_atomic_t got_int;
static void on_int(int sig) { (void)sig; got_int = 1; }

static int shell_mode(const char *mode, const char *tag)
{
    if (!strcmp(mode, "sleep")) {
        printf("c-signals: sleeping %s\n", tag);
        fflush(stdout);
        sleep(10);
        return 0;
    }
    if (!strcmp(mode, "catch")) {
        signal(SIGINT, on_int);
        printf("c-signals: waiting for SIGINT\n");
        fflush(stdout);
        while (!got_int)
            pause();
        printf("c-signals: caught SIGINT\n");
        return 42;
    }
    if (!strcmp(mode, "line")) {
        char line[256];
        printf("c-signals: type a line\n");
        fflush(stdout);
        ssize_t n = read(0, line, sizeof line - 1);
        if (n < 0)
            return 1;
        line[n] = 0;
        if (n > 0 && line[n - 1] == '\n')
            line[n - 1] = 0;
        printf("c-signals: read '%s' (%zd bytes)\n", line, n);
        n = read(0, line, sizeof line);
        printf("c-signals: then read %zd (end of file)\n", n);
        return 0;
    }
    if (!strcmp(mode, "raw")) {
        struct termios t, raw;
        tcgetattr(0, &t);
        raw = t;
        raw.c_lflag &= ~(ICANON | ECHO | ISIG);
        raw.c_iflag &= ~ICRNL;
        raw.c_cc[VMIN] = 3;
        raw.c_cc[VTIME] = 0;
        tcsetattr(0, TCSAFLUSH, &raw);
        printf("c-signals: raw\n");
        fflush(stdout);
        unsigned char buf[8];
        ssize_t n = read(0, buf, sizeof buf);
        tcsetattr(0, TCSANOW, &t);
        printf("c-signals: raw read %zd:", n);
        for (ssize_t i = 0; i < n; i++)
            printf(" %02x", buf[i]);
        printf("\n");
        return 0;
    }
    fprintf(stderr, "usage: c-signals [sleep|catch|line|raw]\n");
    return 2;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1)
        return shell_mode(argv[1], argc > 2 ? argv[2] : "");
    test_handler_frame();
    test_masks();
    test_faults();
    test_altstack();
    test_default_actions();
    test_sigpipe();
    test_children();
    test_groups();
    test_termios();
    printf("c-signals: done, %d failed\n", failures);
    return failures;
}
