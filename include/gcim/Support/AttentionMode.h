/* gcim/Support/AttentionMode.h: which attention runs on the gain cells (--attention).
 *
 * One decision shared by gcim-map-attention, the cost report and the C emitter, so the IR,
 * the report and the generated program never disagree about where an attention runs. */
#ifndef GCIM_SUPPORT_ATTENTIONMODE_H
#define GCIM_SUPPORT_ATTENTIONMODE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// auto: only hardware-trained attention (kind gaincell) runs on the gain cells; analog:
/// every attention the hardware can hold does (softmax too, with the hardware's
/// semantics); digital: every attention is computed exactly, nothing is simulated.
typedef enum GcimAttentionMode {
  GCIM_ATTENTION_AUTO = 0,
  GCIM_ATTENTION_ANALOG = 1,
  GCIM_ATTENTION_DIGITAL = 2
} GcimAttentionMode;

/// Parses "auto", "analog" or "digital" into *mode; returns 1, or 0 (and leaves *mode)
/// for any other text. `text` must not be NULL.
int gcimAttentionModeParse(const char *text, GcimAttentionMode *mode);

/// The mode's name ("auto", "analog", "digital"); static.
const char *gcimAttentionModeName(GcimAttentionMode mode);

/// 1 when an attention of `kind` (softmax, hardsigmoid or gaincell; `length` bytes, not
/// NUL-terminated) runs on the gain cells under `mode`, else 0.
int gcimAttentionModeMapsKind(GcimAttentionMode mode, const char *kind, size_t length);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_SUPPORT_ATTENTIONMODE_H */
