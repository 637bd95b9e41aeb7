/* mmctl — control client for mmd (placeholder: answers --help and --version). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
            printf("mmctl %s\n", MMD_VERSION);
            return 0;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: mmctl [--help] [--version]\ncontrol client for mmd\n");
            return 0;
        }
    }
    fprintf(stderr, "mmctl: not implemented yet\n");
    return 2;
}
