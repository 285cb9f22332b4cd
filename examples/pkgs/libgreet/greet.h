#ifndef GREET_H
#define GREET_H

/* Writes "Hello, NAME!" and a newline to standard output. */
void greet(const char *name);

/* The library's version, as "MAJOR.MINOR". */
const char *greet_version(void);

#endif
