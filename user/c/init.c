/* A first process for `init=/bin/c-init`: shows its pid, arguments and environment, reads one
 * line from the console and ends with status 3, after which the kernel shell takes over
 * (tests/qemu/init_program.conf). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *home = getenv("HOME"), *path = getenv("PATH"), *term = getenv("TERM");
    printf("c-init: pid=%d argc=%d argv[0]=%s\n", getpid(), argc, argv[0]);
    printf("c-init: HOME=%s PATH=%s TERM=%s\n", home ? home : "-", path ? path : "-",
           term ? term : "-");
    printf("c-init: type a line\n");
    fflush(stdout);
    char line[128];
    if (!fgets(line, sizeof line, stdin))
        return 1;
    line[strcspn(line, "\n")] = 0;
    printf("c-init: read '%s'\n", line);
    return 3;
}
