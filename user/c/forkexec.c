/* fork, execve a program (argv[1], default /bin/c-hello) with argv and envp, waitpid and
 * its exit status; then a child that exits with 7. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Read afresh on every step, so that the compiler can neither fold nor merge the loops. */
static volatile double step = 1.0;
static volatile long rounds = 4000000;

/* Keeps several XMM registers busy for long enough to be preempted many times. */
static double churn(double seed)
{
    double a = seed, b = seed * 0.5, c = seed * 0.25;
    for (long i = 0; i < rounds; i++) {
        a = a * 0.999999 + step;
        b = b * 0.999998 + a * 1e-6;
        c = c * 0.999997 + b * 1e-6;
    }
    return a + b + c;
}

/* Parent and child compute with different seeds at the same time, twice: when the kernel
 * keeps each one's x87/SSE registers apart, both runs agree. */
static int floating_point_survives_switches(void)
{
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return 0;
    pid_t child = fork();
    if (child == 0) {
        close(pipefd[0]);
        char ok = churn(3.0) == churn(3.0) ? 1 : 0;
        write(pipefd[1], &ok, 1);
        _exit(0);
    }
    close(pipefd[1]);
    int mine = churn(7.0) == churn(7.0);
    char theirs = 0;
    if (read(pipefd[0], &theirs, 1) != 1)
        theirs = 0;
    close(pipefd[0]);
    int status;
    waitpid(child, &status, 0);
    return mine && theirs;
}

int main(int argc, char **argv)
{
    char *program = argc > 1 ? argv[1] : "/bin/c-hello";
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
        printf("c-forkexec: FAIL fork: %s\n", strerror(errno));
        return 1;
    }
    if (child == 0) {
        char *child_argv[] = {program, "from-c", NULL};
        char *envp[] = {"KESTREL_TEST=1", NULL};
        execve(program, child_argv, envp);
        printf("c-forkexec: FAIL execve: %s\n", strerror(errno));
        _exit(127);
    }
    int status = 0;
    if (waitpid(child, &status, 0) != child) {
        printf("c-forkexec: FAIL waitpid: %s\n", strerror(errno));
        return 1;
    }
    printf("c-forkexec: child exited=%d status=%d\n", WIFEXITED(status), WEXITSTATUS(status));

    child = fork();
    if (child == 0)
        _exit(7);
    if (waitpid(child, &status, 0) != child) {
        printf("c-forkexec: FAIL waitpid 2: %s\n", strerror(errno));
        return 1;
    }
    printf("c-forkexec: second child status=%d\n", WEXITSTATUS(status));
    printf("c-forkexec: floating point kept across switches=%d\n",
           floating_point_survives_switches());
    return 0;
}
