/* The device files, getrandom(2), uname(2) and sysinfo(2), as a Linux program sees them: each
 * check prints one line (tests/qemu/linux_abi.conf matches them) and a failure ends the program
 * with status 1. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("c-devices: FAIL %s (errno %d %s)\n", what, errno, strerror(errno));
        failures++;
    }
}

static void device(const char *path, unsigned major_no, unsigned minor_no)
{
    struct stat st;
    int ok = stat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == major_no &&
             minor(st.st_rdev) == minor_no;
    check(ok, path);
    printf("c-devices: %s char=%d %u:%u\n", path, S_ISCHR(st.st_mode) ? 1 : 0,
           major(st.st_rdev), minor(st.st_rdev));
}

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int main(void)
{
    device("/dev/null", 1, 3);
    device("/dev/zero", 1, 5);
    device("/dev/random", 1, 8);
    device("/dev/urandom", 1, 9);
    device("/dev/tty", 5, 0);
    device("/dev/console", 5, 1);

    unsigned char buf[256], other[256];
    int fd = open("/dev/null", O_RDWR);
    check(fd >= 0, "open /dev/null");
    ssize_t r = read(fd, buf, sizeof buf);
    ssize_t w = write(fd, buf, sizeof buf);
    printf("c-devices: null read=%zd write=%zd\n", r, w);
    check(r == 0 && w == (ssize_t)sizeof buf, "null read/write");
    close(fd);

    fd = open("/dev/zero", O_RDONLY);
    memset(buf, 0xff, sizeof buf);
    r = read(fd, buf, sizeof buf);
    printf("c-devices: zero read=%zd zeros=%d\n", r, all_zero(buf, sizeof buf));
    check(r == (ssize_t)sizeof buf && all_zero(buf, sizeof buf), "zero read");
    close(fd);

    fd = open("/dev/urandom", O_RDWR);
    r = read(fd, buf, sizeof buf);
    ssize_t r2 = read(fd, other, sizeof other);
    int differ = memcmp(buf, other, sizeof buf) != 0;
    printf("c-devices: urandom read=%zd,%zd differ=%d\n", r, r2, differ);
    check(r == 256 && r2 == 256 && differ && !all_zero(buf, 256), "urandom");
    check(write(fd, "seed", 4) == 4, "urandom write");
    close(fd);
    fd = open("/dev/random", O_RDONLY);
    check(read(fd, buf, 16) == 16, "random read");
    close(fd);

    /* A byte histogram of 64 KiB from getrandom: every value shows up (expected 256 each). */
    static unsigned char big[65536];
    unsigned counts[256] = {0};
    ssize_t got = getrandom(big, sizeof big, 0);
    for (size_t i = 0; i < sizeof big; i++)
        counts[big[i]]++;
    unsigned lo = 65536, hi = 0;
    for (int i = 0; i < 256; i++) {
        if (counts[i] < lo)
            lo = counts[i];
        if (counts[i] > hi)
            hi = counts[i];
    }
    printf("c-devices: getrandom 64KiB=%d spread ok=%d\n", got == 65536, lo > 150 && hi < 370);
    check(got == 65536 && lo > 150 && hi < 370, "getrandom histogram");
    check(getrandom(buf, 16, GRND_NONBLOCK) == 16, "GRND_NONBLOCK");
    check(getrandom(buf, 16, GRND_RANDOM) == 16, "GRND_RANDOM");
    check(getrandom(buf, 16, 4 /* GRND_INSECURE */) == 16, "GRND_INSECURE");
    errno = 0;
    int bad_flags = getrandom(buf, 16, 8) == -1 && errno == EINVAL;
    errno = 0;
    int both = getrandom(buf, 16, GRND_RANDOM | 4) == -1 && errno == EINVAL;
    errno = 0;
    int fault = syscall(SYS_getrandom, (void *)16, 16, 0) == -1 && errno == EFAULT;
    printf("c-devices: getrandom bad flags EINVAL=%d random+insecure EINVAL=%d bad pointer EFAULT=%d\n",
           bad_flags, both, fault);
    check(bad_flags && both && fault, "getrandom errors");
    check(getrandom(buf, 0, 0) == 0, "getrandom 0 bytes");

    fd = open("/dev/console", O_WRONLY);
    check(fd >= 0, "open /dev/console");
    const char line[] = "c-devices: written to /dev/console\n";
    check(write(fd, line, sizeof line - 1) == sizeof line - 1, "console write");
    struct stat st;
    check(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode), "fstat console");
    close(fd);
    fd = open("/dev/tty", O_RDWR);
    check(fd >= 0, "open /dev/tty");
    close(fd);

    DIR *dir = opendir("/dev");
    int entries = 0;
    struct dirent *entry;
    while (dir && (entry = readdir(dir)))
        if (entry->d_name[0] != '.' && entry->d_type == DT_CHR)
            entries++;
    if (dir)
        closedir(dir);
    printf("c-devices: /dev lists %d character devices\n", entries);
    check(entries == 6, "/dev listing");

    struct utsname u;
    check(uname(&u) == 0, "uname");
    printf("c-devices: uname %s %s %s '%s' %s\n", u.sysname, u.nodename, u.release, u.version,
           u.machine);
    check(strcmp(u.sysname, "Linux") == 0 && strstr(u.version, "Kestrel") != NULL, "uname fields");
    errno = 0;
    check(syscall(SYS_uname, (void *)8) == -1 && errno == EFAULT, "uname EFAULT");

    struct sysinfo si;
    check(sysinfo(&si) == 0, "sysinfo");
    int sane = si.totalram > 1024 * 1024 && si.freeram <= si.totalram && si.procs >= 1 &&
               si.mem_unit == 1;
    printf("c-devices: sysinfo sane=%d\n", sane);
    check(sane, "sysinfo fields");

    printf("c-devices: %s\n", failures ? "FAILED" : "done");
    return failures ? 1 : 0;
}
