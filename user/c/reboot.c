/* reboot(2) with Linux's magic numbers: `c-reboot poweroff|restart|halt`. Bad magic numbers
 * and unknown commands must give EINVAL first; the command itself must not return. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAGIC1 0xfee1deadL
#define MAGIC2 672274793L

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    long cmd = strcmp(what, "poweroff") == 0 ? (long)RB_POWER_OFF
               : strcmp(what, "restart") == 0 ? (long)RB_AUTOBOOT
               : strcmp(what, "halt") == 0    ? (long)RB_HALT_SYSTEM
                                              : -1;
    if (cmd == -1) {
        printf("usage: c-reboot poweroff|restart|halt\n");
        return 2;
    }
    errno = 0;
    int bad1 = syscall(SYS_reboot, 0x12345678L, MAGIC2, cmd, 0) == -1 && errno == EINVAL;
    errno = 0;
    int bad2 = syscall(SYS_reboot, MAGIC1, 1L, cmd, 0) == -1 && errno == EINVAL;
    errno = 0;
    int bad_cmd = syscall(SYS_reboot, MAGIC1, MAGIC2, 0x1234L, 0) == -1 && errno == EINVAL;
    int cad = syscall(SYS_reboot, MAGIC1, MAGIC2, (long)RB_DISABLE_CAD, 0) == 0;
    printf("c-reboot: bad magic1 EINVAL=%d bad magic2 EINVAL=%d bad command EINVAL=%d cad-off=%d\n",
           bad1, bad2, bad_cmd, cad);
    printf("c-reboot: %s\n", what);
    fflush(stdout);
    reboot((int)cmd);
    printf("c-reboot: FAIL reboot returned (errno %d %s)\n", errno, strerror(errno));
    return 1;
}
