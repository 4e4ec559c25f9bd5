/* Options.h: gcim-sim's command line. */
#ifndef GCIM_TOOLS_GCIM_SIM_OPTIONS_H
#define GCIM_TOOLS_GCIM_SIM_OPTIONS_H

#include "gcim/Runtime/Hardware.h"

#include <stdbool.h>

/// The name every message starts with.
#define GCIM_SIM_PROGRAM "gcim-sim"

typedef struct Options {
  const char *command;
  const char *q, *k, *v, *scales, *hw, *output, *stats, *trace;
  const char *levels;
  int model;        /* an index into cellModels; -1: not given */
  long long window; /* -1: not given */
  unsigned long long seed;
  bool seedGiven;
  double decay, readNoise, writeNoise, retention; /* NAN: not given */
  bool bf16Decay;
} Options;

/// Parses argv into *o (gcim/Support/ArgParse.h) and checks that the command has what it
/// needs; returns GCIM_ARG_CONTINUE to go on, or the exit status to return now (0 after
/// --help or --version, 2 after a usage error, which it has printed).
int gcimSimToolParseArguments(int argc, char **argv, Options *o);

/// The hardware description: the defaults, then --hw, then the options. Returns
/// GCIM_ARG_CONTINUE, or the exit status after the error it printed (1 for an unreadable
/// --hw, 2 for an invalid description).
int gcimSimToolResolveHardware(const Options *o, GcimHardware *hw);

#endif /* GCIM_TOOLS_GCIM_SIM_OPTIONS_H */
