/* fork, execve a program (argv[1], default /bin/c-hello) with argv and envp, waitpid and
 * its exit status; then a child that exits with 7. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
    return 0;
}
