/* /proc as a Linux program sees it: /proc/self, the stat, status, cmdline and exe of itself
 * and of a child (running, sleeping, zombie, reaped), the listing of /proc, uptime, meminfo,
 * cpuinfo, and readlink's errors. Each check prints a line (tests/qemu/linux_abi.conf) and a
 * failure ends it with status 1. Run as `/bin/c-proc arg1`. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("c-proc: FAIL %s (errno %d %s)\n", what, errno, strerror(errno));
        failures++;
    }
}

static ssize_t slurp(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t total = 0, n;
    /* Small reads, so that reading at an offset is exercised. */
    while (total < (ssize_t)size - 1 && (n = read(fd, buf + total, 7)) > 0)
        total += n;
    close(fd);
    buf[total] = 0;
    return total;
}

/* The state letter and ppid from /proc/PID/stat, parsed after the last ')' as ps does. */
static int stat_of(int pid, char *state, int *ppid, char *comm, size_t comm_size)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    if (slurp(path, buf, sizeof buf) <= 0)
        return -1;
    char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
    if (!open_paren || !close_paren || atoi(buf) != pid)
        return -1;
    size_t len = (size_t)(close_paren - open_paren - 1);
    if (len >= comm_size)
        len = comm_size - 1;
    memcpy(comm, open_paren + 1, len);
    comm[len] = 0;
    int fields = 0;
    for (char *p = close_paren + 1; *p; p++)
        if (*p == ' ')
            fields++;
    if (sscanf(close_paren + 2, "%c %d", state, ppid) != 2)
        return -1;
    return fields + 2; /* pid and comm */
}

int main(int argc, char **argv)
{
    char buf[4096], expect[64], comm[32], state;
    int ppid;

    ssize_t n = readlink("/proc/self", buf, sizeof buf);
    buf[n > 0 ? n : 0] = 0;
    snprintf(expect, sizeof expect, "%d", getpid());
    printf("c-proc: /proc/self is the pid=%d\n", strcmp(buf, expect) == 0);
    check(strcmp(buf, expect) == 0, "/proc/self");

    n = readlink("/proc/self/exe", buf, sizeof buf);
    buf[n > 0 ? n : 0] = 0;
    printf("c-proc: exe -> %s\n", buf);
    check(strcmp(buf, argv[0]) == 0, "exe");

    n = slurp("/proc/self/cmdline", buf, sizeof buf);
    int cmdline_ok = argc == 2 && n == (ssize_t)(strlen(argv[0]) + strlen(argv[1]) + 2) &&
                     strcmp(buf, argv[0]) == 0 && strcmp(buf + strlen(argv[0]) + 1, argv[1]) == 0;
    printf("c-proc: cmdline matches argv=%d\n", cmdline_ok);
    check(cmdline_ok, "cmdline");

    int fields = stat_of(getpid(), &state, &ppid, comm, sizeof comm);
    printf("c-proc: self stat fields=%d comm=%s state=%c ppid-matches=%d\n", fields, comm, state,
           ppid == getppid());
    check(fields == 52 && state == 'R' && ppid == getppid(), "self stat");

    slurp("/proc/self/status", buf, sizeof buf);
    check(strstr(buf, "Name:\tc-proc\n") != NULL, "status Name");
    snprintf(expect, sizeof expect, "\nPid:\t%d\n", getpid());
    check(strstr(buf, expect) != NULL, "status Pid");

    /* A child blocked reading a pipe: sleeping; then exited but not reaped: a zombie. */
    int to_child[2], from_child[2];
    check(pipe(to_child) == 0 && pipe(from_child) == 0, "pipes");
    pid_t child = fork();
    if (child == 0) {
        char c;
        close(to_child[1]);
        write(from_child[1], "r", 1);
        read(to_child[0], &c, 1);
        _exit(5);
    }
    char c;
    read(from_child[0], &c, 1);
    usleep(20000); /* let the child reach its read */
    stat_of(child, &state, &ppid, comm, sizeof comm);
    printf("c-proc: child state=%c parent-is-me=%d\n", state, ppid == getpid());
    check(state == 'S' && ppid == getpid(), "child sleeping");
    snprintf(expect, sizeof expect, "/proc/%d/exe", child);
    n = readlink(expect, buf, sizeof buf);
    check(n == (ssize_t)strlen(argv[0]), "child exe");

    DIR *dir = opendir("/proc");
    int pids = 0, saw_self = 0, saw_child = 0, saw_uptime = 0;
    struct dirent *entry;
    while (dir && (entry = readdir(dir))) {
        if (isdigit((unsigned char)entry->d_name[0])) {
            pids++;
            saw_self |= atoi(entry->d_name) == getpid();
            saw_child |= atoi(entry->d_name) == child;
            check(entry->d_type == DT_DIR, "pid d_type");
        }
        saw_uptime |= strcmp(entry->d_name, "uptime") == 0;
    }
    if (dir)
        closedir(dir);
    printf("c-proc: /proc lists self=%d child=%d uptime=%d (pids>=2: %d)\n", saw_self, saw_child,
           saw_uptime, pids >= 2);
    check(saw_self && saw_child && saw_uptime && pids >= 2, "/proc listing");

    close(to_child[1]); /* the child's read returns 0 and it exits */
    usleep(50000);
    stat_of(child, &state, &ppid, comm, sizeof comm);
    printf("c-proc: exited child state=%c\n", state);
    check(state == 'Z', "zombie");
    int status;
    check(waitpid(child, &status, 0) == child && WEXITSTATUS(status) == 5, "wait");
    snprintf(expect, sizeof expect, "/proc/%d/stat", child);
    errno = 0;
    int gone = open(expect, O_RDONLY) < 0 && errno == ENOENT;
    printf("c-proc: reaped child gone=%d\n", gone);
    check(gone, "reaped child gone");

    double up = 0, idle = -1;
    slurp("/proc/uptime", buf, sizeof buf);
    int up_ok = sscanf(buf, "%lf %lf", &up, &idle) == 2 && up > 0 && idle >= 0;
    slurp("/proc/meminfo", buf, sizeof buf);
    long total = 0, avail = 0;
    char *line = strstr(buf, "MemTotal:"), *line2 = strstr(buf, "MemFree:");
    if (line && line2) {
        total = atol(line + 9);
        avail = atol(line2 + 8);
    }
    int mem_ok = total > 1024 && avail > 0 && avail <= total && strstr(buf, " kB\n") != NULL;
    slurp("/proc/cpuinfo", buf, sizeof buf);
    int cpu_ok = strncmp(buf, "processor\t: 0\n", 14) == 0 && strstr(buf, "vendor_id") != NULL;
    printf("c-proc: uptime=%d meminfo=%d cpuinfo=%d\n", up_ok, mem_ok, cpu_ok);
    check(up_ok && mem_ok && cpu_ok, "uptime meminfo cpuinfo");

    /* readlink's errors. */
    errno = 0;
    int not_link = readlink("/proc/self/stat", buf, sizeof buf) == -1 && errno == EINVAL;
    errno = 0;
    /* musl turns a size of 0 into 1; the system call itself must refuse it. */
    int zero_size = syscall(SYS_readlink, "/proc/self", buf, 0) == -1 && errno == EINVAL;
    errno = 0;
    int missing = readlink("/proc/nothing", buf, sizeof buf) == -1 && errno == ENOENT;
    errno = 0;
    int fault = readlink("/proc/self", (char *)8, 16) == -1 && errno == EFAULT;
    int cut = readlink("/proc/self/exe", buf, 3) == 3 && memcmp(buf, argv[0], 3) == 0;
    int at = readlinkat(AT_FDCWD, "/proc/self/exe", buf, sizeof buf) == (ssize_t)strlen(argv[0]);
    printf("c-proc: readlink EINVAL=%d size0 EINVAL=%d ENOENT=%d EFAULT=%d cut=%d at=%d\n",
           not_link, zero_size, missing, fault, cut, at);
    check(not_link && zero_size && missing && fault && cut && at, "readlink errors");

    printf("c-proc: %s\n", failures ? "FAILED" : "done");
    return failures ? 1 : 0;
}
