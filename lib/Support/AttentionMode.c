/* AttentionMode.c: the --attention modes and which attention kinds they map. */
#include "gcim/Support/AttentionMode.h"

#include <string.h>

static const char *const modeNames[] = {"auto", "analog", "digital"};

int gcimAttentionModeParse(const char *text, GcimAttentionMode *mode) {
  for (int i = 0; i < 3; ++i)
    if (strcmp(text, modeNames[i]) == 0) {
      *mode = (GcimAttentionMode)i;
      return 1;
    }
  return 0;
}

const char *gcimAttentionModeName(GcimAttentionMode mode) { return modeNames[mode]; }

int gcimAttentionModeMapsKind(GcimAttentionMode mode, const char *kind, size_t length) {
  switch (mode) {
  case GCIM_ATTENTION_ANALOG:
    return 1;
  case GCIM_ATTENTION_DIGITAL:
    return 0;
  case GCIM_ATTENTION_AUTO:
    /* Only GainCellAttention was trained with the hardware's quantisers and decay. */
    return length == 8 && strncmp(kind, "gaincell", 8) == 0;
  }
  return 0;
}
