/* config — placeholder until the loader lands. */
#include "config.h"
#include <stdlib.h>
void cfg_free(struct cfg *c) { free(c); }
struct cfg *cfg_load(const char *path, FILE *errs) { fprintf(errs, "%s: config loader not implemented\n", path); return NULL; }
void cfg_print_summary(const struct cfg *c, FILE *out) { (void)c; (void)out; }
