/* Shared open file descriptions, as open(2) and dup(2) describe them: duplicates made by dup,
 * dup2, dup3, fcntl(F_DUPFD) and fork share one offset and the status flags; a second open()
 * does not; close-on-exec belongs to each descriptor and execve honours it. Each check prints
 * a line (tests/qemu/linux_abi.conf); a failure ends the program with status 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("c-fdshare: FAIL %s (errno %d %s)\n", what, errno, strerror(errno));
        failures++;
    }
}

static off_t where(int fd)
{
    return lseek(fd, 0, SEEK_CUR);
}

static int read2(int fd, const char *expect)
{
    char buf[3] = {0};
    return read(fd, buf, 2) == 2 && strcmp(buf, expect) == 0;
}

/* After execve: `closed` must be gone, `kept` open at offset 6 of the file. */
static int after_exec(int closed, int kept)
{
    errno = 0;
    int gone = fcntl(closed, F_GETFD) == -1 && errno == EBADF;
    int there = fcntl(kept, F_GETFD) == 0 && where(kept) == 6 && read2(kept, "gh");
    printf("c-fdshare: after execve cloexec fd closed=%d dup kept at shared offset=%d\n", gone,
           there);
    return gone && there ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--after-exec") == 0)
        return after_exec(atoi(argv[2]), atoi(argv[3]));

    const char *path = "/tmp/c-fdshare.txt";
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    check(fd >= 0 && write(fd, "abcdefghij", 10) == 10, "create");

    int d = dup(fd);
    lseek(fd, 0, SEEK_SET);
    int dup_ok = read2(d, "ab") && where(fd) == 2;
    int d2 = dup2(fd, 10);
    int dup2_ok = d2 == 10 && read2(10, "cd") && where(fd) == 4 && where(d) == 4;
    int d3 = dup3(fd, 11, O_CLOEXEC);
    int dup3_ok = d3 == 11 && fcntl(11, F_GETFD) == FD_CLOEXEC && fcntl(fd, F_GETFD) == 0 &&
                  read2(11, "ef") && where(d) == 6;
    int df = fcntl(fd, F_DUPFD, 20);
    int dupfd_ok = df >= 20 && where(df) == 6;
    printf("c-fdshare: offset shared by dup=%d dup2=%d dup3=%d F_DUPFD=%d\n", dup_ok, dup2_ok,
           dup3_ok, dupfd_ok);
    check(dup_ok && dup2_ok && dup3_ok && dupfd_ok, "shared offsets");

    /* Status flags are shared too; the descriptor flag is not. */
    fcntl(fd, F_SETFL, O_APPEND);
    int append_shared = (fcntl(d, F_GETFL) & O_APPEND) != 0;
    fcntl(fd, F_SETFL, 0);
    int cloexec_own = fcntl(11, F_GETFD) == FD_CLOEXEC && fcntl(10, F_GETFD) == 0;
    printf("c-fdshare: O_APPEND shared=%d FD_CLOEXEC per descriptor=%d\n", append_shared,
           cloexec_own);
    check(append_shared && cloexec_own, "flags");

    /* A second open() is a description of its own. */
    int other = open(path, O_RDONLY);
    int independent = where(other) == 0 && read2(other, "ab") && where(fd) == 6;
    close(other);
    printf("c-fdshare: second open independent=%d\n", independent);
    check(independent, "independent open");

    /* fork: the child's reads move the parent's offset. */
    lseek(fd, 0, SEEK_SET);
    pid_t child = fork();
    if (child == 0)
        _exit(read2(fd, "ab") && read2(d, "cd") ? 0 : 1);
    int status;
    waitpid(child, &status, 0);
    int fork_shared = WIFEXITED(status) && WEXITSTATUS(status) == 0 && where(fd) == 4;
    printf("c-fdshare: fork shares the offset=%d\n", fork_shared);
    check(fork_shared, "fork");

    /* Closing one duplicate leaves the others working. */
    close(fd);
    int survives = where(d) == 4 && read2(d, "ef") && where(10) == 6;
    printf("c-fdshare: description survives a close=%d\n", survives);
    check(survives, "close one");

    /* execve closes the close-on-exec descriptor only; the kept one still shares offset 6. */
    child = fork();
    if (child == 0) {
        char closed[8], kept[8];
        snprintf(closed, sizeof closed, "%d", 11);
        snprintf(kept, sizeof kept, "%d", d);
        char *args[] = {argv[0], "--after-exec", closed, kept, NULL};
        execv(argv[0], args);
        _exit(127);
    }
    waitpid(child, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "execve");
    close(d);
    close(10);
    close(11);
    close(df);
    unlink(path);
    printf("c-fdshare: %s\n", failures ? "FAILED" : "done");
    return failures ? 1 : 0;
}
