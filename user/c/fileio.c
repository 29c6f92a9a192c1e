/* File I/O through musl: write a file on /tmp, read it back, stat it, append, list a
 * directory (argv[1], default /bin) and look for c-hello in it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what)
{
    printf("c-fileio: FAIL %s: %s\n", what, strerror(errno));
    return 1;
}

int main(int argc, char **argv)
{
    const char *listed = argc > 1 ? argv[1] : "/bin";
    const char *path = "/tmp/c-fileio.txt";
    const char text[] = "written by musl\n";

    FILE *out = fopen(path, "w");
    if (!out)
        return fail("fopen w");
    if (fputs(text, out) < 0 || fprintf(out, "line %d\n", 2) < 0)
        return fail("fputs");
    if (fclose(out) != 0)
        return fail("fclose");

    FILE *in = fopen(path, "r");
    if (!in)
        return fail("fopen r");
    char line[64];
    int lines = 0;
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\n")] = 0;
        printf("c-fileio: read '%s'\n", line);
        lines++;
    }
    fclose(in);

    struct stat st;
    if (stat(path, &st) != 0)
        return fail("stat");
    printf("c-fileio: stat size=%lld regular=%d lines=%d\n", (long long)st.st_size,
           S_ISREG(st.st_mode) ? 1 : 0, lines);

    int fd = open(path, O_WRONLY | O_APPEND);
    if (fd < 0)
        return fail("open append");
    if (write(fd, "x\n", 2) != 2)
        return fail("write append");
    close(fd);
    if (stat(path, &st) != 0)
        return fail("stat 2");
    printf("c-fileio: after append size=%lld\n", (long long)st.st_size);

    errno = 0;
    if (open("/tmp/no-such-file", O_RDONLY) >= 0 || errno != ENOENT)
        return fail("open missing is not ENOENT");
    printf("c-fileio: missing file gives ENOENT\n");

    DIR *dir = opendir(listed);
    if (!dir)
        return fail("opendir");
    int found = 0, entries = 0;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] == '.')
            continue;
        entries++;
        if (strcmp(entry->d_name, "c-hello") == 0)
            found = 1;
    }
    closedir(dir);
    printf("c-fileio: %s has c-hello=%d (entries>0=%d)\n", listed, found, entries > 0);

    int fd2 = open(path, O_RDONLY | O_CLOEXEC);
    if (fd2 < 0)
        return fail("open cloexec");
    int copy = dup(fd2);
    int moved = dup2(copy, 10);
    int appended = fcntl(fd2, F_GETFL) & O_APPEND;
    printf("c-fileio: cloexec=%d dup-cloexec=%d dup2=%d append=%d\n", fcntl(fd2, F_GETFD),
           fcntl(copy, F_GETFD), moved, appended != 0);
    close(fd2);
    close(copy);
    close(10);
    errno = 0;
    int bad = fcntl(10, F_GETFD);
    printf("c-fileio: closed fd gives %d EBADF=%d\n", bad, errno == EBADF);
    int missing = access("/tmp/no-such-file", F_OK);
    printf("c-fileio: access self X_OK=%d missing=%d ENOENT=%d\n", access(argv[0], X_OK), missing,
           errno == ENOENT);

    char cwd[64];
    if (chdir("/tmp") != 0 || !getcwd(cwd, sizeof cwd))
        return fail("chdir /tmp");
    int rel = open("c-fileio-rel", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (rel < 0)
        return fail("open relative");
    close(rel);
    int found_rel = access("/tmp/c-fileio-rel", F_OK) == 0;
    unlink("c-fileio-rel");
    errno = 0;
    int notdir = chdir(path) == -1 && errno == ENOTDIR;
    char parent[64];
    if (chdir("..") != 0 || !getcwd(parent, sizeof parent))
        return fail("chdir ..");
    printf("c-fileio: cwd %s, relative file there=%d, chdir to a file ENOTDIR=%d, then %s\n", cwd,
           found_rel, notdir, parent);

    if (unlink(path) != 0)
        return fail("unlink");
    printf("c-fileio: done\n");
    return 0;
}
