/* Names, attributes and the other calls busybox needs, with their errno values: umask,
 * symlink/readlink, link, rename (every replace rule), chmod, truncate, utimensat, fchdir,
 * statx, sendfile, clone in the shape of fork, prctl names, and 32-bit int arguments. It works in
 * a fresh directory (argv[1], default /tmp/c-paths) and prints the same lines on Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *name(int e)
{
    switch (e) {
    case 0: return "ok";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case EISDIR: return "EISDIR";
    case ENOTDIR: return "ENOTDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case EPERM: return "EPERM";
    case EBADF: return "EBADF";
    default: return strerror(e);
    }
}

/* The errno of a call that returned r (0 when it succeeded). */
static const char *err(long r)
{
    return name(r < 0 ? errno : 0);
}

static void put(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        if (write(fd, text, strlen(text)) < 0)
            perror("write");
        close(fd);
    }
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp/c-paths";
    struct stat st;
    char buf[64];
    if (mkdir(dir, 0755) != 0 || chdir(dir) != 0) {
        printf("c-paths: FAIL cannot make %s: %s\n", dir, strerror(errno));
        return 1;
    }

    /* umask applies at creation and is inherited. */
    umask(022);
    mode_t old = umask(077);
    int fd = open("masked", O_WRONLY | O_CREAT, 0666);
    fstat(fd, &st);
    close(fd);
    umask(old);
    printf("c-paths: umask old=%03o file=%03o\n", (unsigned)old, (unsigned)(st.st_mode & 0777));

    /* symlink and readlink. */
    put("f", "hello\n");
    long r = symlink("f", "s");
    ssize_t n = readlink("s", buf, sizeof buf);
    printf("c-paths: symlink %s readlink=%zd '%.*s'\n", err(r), n, (int)(n > 0 ? n : 0), buf);
    symlink("some/longer/target", "long");
    n = readlink("long", buf, 4);
    printf("c-paths: readlink short=%zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
    /* The system call itself: musl turns a size of 0 into a 1-byte dummy buffer. */
    printf("c-paths: readlink file %s, missing %s, size0 %s\n", err(readlink("f", buf, 8)),
           err(readlink("nope", buf, 8)), err(syscall(SYS_readlink, "s", buf, 0)));
    lstat("s", &st);
    int is_link = S_ISLNK(st.st_mode);
    stat("s", &st);
    printf("c-paths: lstat link=%d stat size=%lld\n", is_link, (long long)st.st_size);
    printf("c-paths: symlink exists %s, empty target %s\n", err(symlink("x", "s")),
           err(symlink("", "e")));
    symlink("loop", "loop");
    printf("c-paths: open loop %s, dangling %s\n", err(open("loop", O_RDONLY)),
           (symlink("nowhere", "d"), err(open("d", O_RDONLY))));
    printf("c-paths: readlinkat %zd\n", readlinkat(AT_FDCWD, "s", buf, sizeof buf));

    /* link. */
    mkdir("sub", 0755);
    r = link("f", "h");
    stat("f", &st);
    printf("c-paths: link %s nlink=%ld, dir %s, exists %s\n", err(r), (long)st.st_nlink,
           err(link("sub", "sub2")), err(link("f", "h")));

    /* rename. */
    put("a", "A");
    put("b", "BB");
    r = rename("a", "b");
    stat("b", &st);
    printf("c-paths: rename over file %s size=%lld, a gone %s\n", err(r), (long long)st.st_size,
           err(stat("a", &st)));
    mkdir("full", 0755);
    put("full/x", "");
    mkdir("empty", 0755);
    printf("c-paths: rename file over dir %s, dir over file %s, dir over full %s\n",
           err(rename("b", "sub")), err(rename("sub", "b")), err(rename("sub", "full")));
    r = rename("sub", "empty");
    printf("c-paths: rename dir over empty %s, into itself %s, missing %s\n", err(r),
           err(rename("empty", "empty/in")), err(rename("nope", "x")));
    printf("c-paths: rename same file %s, noreplace %s\n", err(rename("f", "h")),
           err(syscall(SYS_renameat2, AT_FDCWD, "b", AT_FDCWD, "f", 1)));

    /* chmod, truncate, utimensat. */
    r = chmod("f", 0640);
    stat("f", &st);
    printf("c-paths: chmod %s mode=%03o\n", err(r), (unsigned)(st.st_mode & 0777));
    r = truncate("f", 3);
    stat("f", &st);
    fd = open("f", O_RDONLY);
    printf("c-paths: truncate %s size=%lld, read-only ftruncate %s, negative %s\n", err(r),
           (long long)st.st_size, err(ftruncate(fd, 1)), err(truncate("f", -1)));
    close(fd);
    struct timespec times[2] = {{0, UTIME_OMIT}, {1000000, 0}};
    r = utimensat(AT_FDCWD, "f", times, 0);
    stat("f", &st);
    printf("c-paths: utimensat %s mtime=%lld\n", err(r), (long long)st.st_mtime);

    /* statx agrees with stat (the layout of statx(2), read by offset). */
    unsigned char sx[256];
    r = syscall(SYS_statx, AT_FDCWD, "f", 0, 0x7ff, sx);
    stat("f", &st);
    unsigned mask, mode;
    unsigned long long size, ino, mtime;
    memcpy(&mask, sx, 4);
    mode = sx[28] | sx[29] << 8;
    memcpy(&ino, sx + 32, 8);
    memcpy(&size, sx + 40, 8);
    memcpy(&mtime, sx + 112, 8);
    printf("c-paths: statx %s basic=%d mode=%o same as stat=%d, link %s, bad flags %s\n", err(r),
           (mask & 0x7ff) == 0x7ff, mode,
           ino == (unsigned long long)st.st_ino && size == (unsigned long long)st.st_size &&
               mtime == (unsigned long long)st.st_mtime,
           (syscall(SYS_statx, AT_FDCWD, "s", AT_SYMLINK_NOFOLLOW, 0x7ff, sx), (sx[29] & 0xf0) == 0xa0
                ? "S_IFLNK" : "?"),
           err(syscall(SYS_statx, AT_FDCWD, "f", 0x6000, 0x7ff, sx)));

    /* A directory read twice through lseek(0); O_DIRECTORY on a file; dup2 onto itself. */
    fd = open(".", O_RDONLY | O_DIRECTORY);
    char dents[4096];
    long first = syscall(SYS_getdents64, fd, dents, sizeof dents);
    off_t back = lseek(fd, 0, SEEK_SET);
    long again = syscall(SYS_getdents64, fd, dents, sizeof dents);
    printf("c-paths: getdents again=%d lseek=%lld, O_DIRECTORY on a file %s, dup2 self=%d\n",
           first > 0 && first == again, (long long)back, err(open("f", O_RDONLY | O_DIRECTORY)),
           dup2(fd, fd) == fd);
    close(fd);

    /* fchdir and getcwd. */
    fd = open("empty", O_RDONLY | O_DIRECTORY);
    r = fchdir(fd);
    char cwd[128];
    printf("c-paths: fchdir %s cwd ends in /empty=%d, on a file %s\n", err(r),
           getcwd(cwd, sizeof cwd) && strstr(cwd, "/empty") != NULL,
           (close(fd), fd = open("../f", O_RDONLY), err(fchdir(fd))));
    close(fd);
    if (chdir("..") != 0)
        perror("chdir");

    /* sendfile, from the file offset and from an explicit one. */
    put("src", "0123456789");
    int in = open("src", O_RDONLY);
    int out = open("dst", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ssize_t sent = sendfile(out, in, NULL, 4);
    off_t at = 6;
    ssize_t sent2 = sendfile(out, in, &at, 100);
    close(out);
    n = read(in, buf, sizeof buf);
    int got = open("dst", O_RDONLY);
    ssize_t m = read(got, buf + 20, 20);
    printf("c-paths: sendfile %zd %zd at=%lld rest=%zd dst='%.*s'\n", sent, sent2, (long long)at,
           n, (int)(m > 0 ? m : 0), buf + 20);
    printf("c-paths: sendfile to read-only %s\n", err(sendfile(in, got, NULL, 1)));
    close(in);
    close(got);

    /* clone shaped like fork, with CLONE_CHILD_SETTID. */
    pid_t tid = 0;
    long child = syscall(SYS_clone, CLONE_CHILD_SETTID | SIGCHLD, 0, 0, &tid, 0);
    if (child == 0)
        _exit(tid == getpid() ? 7 : 1);
    int status = 0;
    struct rusage usage;
    pid_t reaped = wait4((pid_t)child, &status, 0, &usage);
    printf("c-paths: clone child status=%d reaped=%d\n", WEXITSTATUS(status), reaped == child);

    /* Upper register halves are ignored for int arguments. */
    printf("c-paths: kill with upper bits %s\n",
           err(syscall(SYS_kill, (long)getpid() | (1L << 32), 0)));

    /* prctl names, limits, clock_nanosleep. */
    prctl(PR_SET_NAME, "c-paths-renamed", 0, 0, 0);
    char comm[16] = {0};
    prctl(PR_GET_NAME, comm, 0, 0, 0);
    struct rlimit lim;
    r = getrlimit(RLIMIT_STACK, &lim);
    struct timespec nap = {0, 10000000};
    printf("c-paths: prctl name '%s' getrlimit %s stack=%lld nanosleep %d\n", comm, err(r),
           (long long)lim.rlim_cur, clock_nanosleep(CLOCK_MONOTONIC, 0, &nap, NULL));

    /* Clean up: the directory must come out empty. */
    const char *names[] = {"masked", "s", "long", "f", "h", "loop", "d", "b", "full/x", "src", "dst"};
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
        if (unlink(names[i]) != 0)
            printf("c-paths: FAIL unlink %s: %s\n", names[i], strerror(errno));
    rmdir("full");
    rmdir("empty");
    if (chdir("/") != 0 || rmdir(dir) != 0) {
        printf("c-paths: FAIL rmdir %s: %s\n", dir, strerror(errno));
        return 1;
    }
    printf("c-paths: done\n");
    return 0;
}
