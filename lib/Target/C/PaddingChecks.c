/* PaddingChecks.c: the run-time check of padding inputs that attention was compiled to
 * assume unpadded.
 *
 * gcim-fuse-attention (padding=unpadded) fuses an attention whose mask comes from a padding
 * input (an `attention_mask`, a `key_padding_mask`) as if every element held its
 * no-padding value, and records that value on the input's argument (gcim.no_padding, with
 * the attention's node in gcim.no_padding_node). A padded sequence would then be computed
 * wrongly, so the generated function refuses it before computing anything: it returns -1
 * with a message naming the input, the element and the node, and the program exits 1
 * without writing an output. */
#include "Emitter.h"

#include "gcim/Support/IRHelpers.h"

#include "mlir-c/BuiltinAttributes.h"

/* Names in the message are cut to this many bytes, so that it always fits the state's
 * 256-byte error (and compilers see no truncation). */
enum { NAME_BYTES = 32 };

void gcimCEmitNameLiteral(MlirAttribute attr, const char *fallback, FILE *out) {
  MlirStringRef text = !mlirAttributeIsNull(attr) && mlirAttributeIsAString(attr)
                           ? mlirStringAttrGetValue(attr)
                           : mlirStringRefCreateFromCString(fallback);
  bool cut = text.length > NAME_BYTES;
  fputc('"', out);
  gcimCEmitStringChars(out, text.data, cut ? NAME_BYTES - 3 : text.length);
  fputs(cut ? "...\"" : "\"", out);
}

/* The C condition that element `data`[i] of input `input` is not `expected` (0 or 1), and
 * the printf conversion and argument that show the element. float16 and bfloat16 inputs
 * are their bits in a uint16_t: compared with the bits of 1 (0x3C00, 0x3F80) or of either
 * zero, and shown as bits. */
static void writeDiffers(const ValueInfo *input, const char *data, long long expected,
                         char *condition, char *shown, char *argument, size_t size) {
  bool half = input->elem == GCIM_ELEM_F16 || input->elem == GCIM_ELEM_BF16;
  snprintf(shown, size, "%s", half ? "bits 0x%04x" : "%g");
  if (!half) {
    snprintf(condition, size, "%s[i] != %lld", data, expected);
    snprintf(argument, size, "(double)%s[i]", data);
    return;
  }
  unsigned one = input->elem == GCIM_ELEM_F16 ? 0x3C00u : 0x3F80u;
  if (expected == 1)
    snprintf(condition, size, "%s[i] != 0x%04Xu", data, one);
  else
    snprintf(condition, size, "(%s[i] & 0x7FFFu) != 0", data);
  snprintf(argument, size, "(unsigned)%s[i]", data);
}

void gcimCEmitPaddingCheck(const EmittedFunction *fn, size_t i, const char *data, const char *count,
                           FILE *out) {
  MlirAttribute value = gcimFuncIoAttr(fn->func, false, (intptr_t)i, "gcim.no_padding");
  long long expected = (long long)mlirIntegerAttrGetValueInt(value);
  char condition[160], shown[16], argument[160];
  writeDiffers(&fn->inputs[i], data, expected, condition, shown, argument, sizeof condition);
  fprintf(out,
          "  for (int64_t i = 0; i < %s; ++i) /* attention assumed no padding here */\n"
          "    if (%s) {\n"
          "      snprintf(s->error, sizeof s->error, \"input '%%s' holds %s at element "
          "%%lld: attention '%%s' was compiled assuming no padding (all %lld); gcim "
          "supports unpadded sequences, batch rows without padding (for padding: "
          "--padding-mask=exact)\",\n               ",
          count, condition, shown, expected);
  gcimCEmitNameLiteral(gcimFuncIoAttr(fn->func, false, (intptr_t)i, "onnx.name"), "input", out);
  fprintf(out, ", %s, (long long)i,\n               ", argument);
  gcimCEmitNameLiteral(gcimFuncIoAttr(fn->func, false, (intptr_t)i, "gcim.no_padding_node"),
                       "attention", out);
  fputs(");\n      return -1;\n    }\n", out);
}

void gcimCEmitPaddingChecks(const EmitState *state, const EmittedFunction *fn, FILE *out) {
  (void)state;
  for (size_t i = 0; i < fn->inputCount; ++i) {
    MlirAttribute value = gcimFuncIoAttr(fn->func, false, (intptr_t)i, "gcim.no_padding");
    if (mlirAttributeIsNull(value) || !mlirAttributeIsAInteger(value))
      continue;
    char count[24];
    snprintf(count, sizeof count, "%lld", (long long)fn->inputs[i].count);
    gcimCEmitPaddingCheck(fn, i, fn->inputs[i].name, count, out);
  }
}
