/* Writes an rpm ndb Packages.db with rpm's own rpmpkg.c: args are ops "put:IDX:FILE" or "del:IDX". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include "rpmpkg.h"
int main(int argc, char **argv) {
  rpmpkgdb db;
  if (rpmpkgOpen(&db, argv[1], O_RDWR | O_CREAT, 0644)) { fprintf(stderr, "open failed\n"); return 1; }
  rpmpkgSetFsync(db, 0);
  for (int i = 2; i < argc; i++) {
    unsigned idx; char path[4096];
    if (sscanf(argv[i], "put:%u:%4095s", &idx, path) == 2) {
      FILE *f = fopen(path, "rb"); if (!f) return 2;
      fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
      unsigned char *b = malloc(n); if (fread(b, 1, n, f) != (size_t)n) return 3; fclose(f);
      if (rpmpkgPut(db, idx, b, n)) { fprintf(stderr, "put %u failed\n", idx); return 4; }
      free(b);
    } else if (sscanf(argv[i], "del:%u", &idx) == 1) {
      if (rpmpkgDel(db, idx)) { fprintf(stderr, "del %u failed\n", idx); return 5; }
    } else return 6;
  }
  if (rpmpkgVerify(db)) { fprintf(stderr, "verify failed\n"); return 7; }
  rpmpkgClose(db);
  return 0;
}
