#include <stdio.h>
#include <string.h>
#include "greet.h"

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    printf("greet, libgreet %s\n", greet_version());
    return 0;
  }
  greet(argc > 1 ? argv[1] : "world");
  return 0;
}
