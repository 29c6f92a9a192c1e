/* The first musl target of issue 13: printf through stdio (writev, ioctl TIOCGWINSZ),
 * then argv and envp as execve passed them (c-forkexec sets KESTREL_TEST). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    printf("c-hello: hello, world from musl (argc=%d, argv[0]=%s)\n", argc, argv[0]);
    const char *env = getenv("KESTREL_TEST");
    if (env)
        printf("c-hello: KESTREL_TEST=%s argv[1]=%s\n", env, argc > 1 ? argv[1] : "(none)");
    return 0;
}
