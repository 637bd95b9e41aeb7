/* mmtop — live dashboard for mmd (placeholder: answers --help and --version). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
            printf("mmtop %s\n", MMD_VERSION);
            return 0;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: mmtop [--help] [--version]\nlive dashboard for mmd\n");
            return 0;
        }
    }
    fprintf(stderr, "mmtop: not implemented yet\n");
    return 2;
}
