/* standx-sim — local StandX exchange simulator (placeholder: answers --help and --version). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
            printf("standx-sim %s\n", MMD_VERSION);
            return 0;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: standx-sim [--help] [--version]\nlocal StandX exchange simulator\n");
            return 0;
        }
    }
    fprintf(stderr, "standx-sim: not implemented yet\n");
    return 2;
}
