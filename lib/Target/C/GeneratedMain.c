/* GeneratedMain.c: the generated code's I/O tables, compiled-in hardware and the optional
 * command-line program PREFIX_main.c. */
#include "Emitter.h"

#include "gcim/Support/IRHelpers.h"
#include "gcim/Version.h"

#include "mlir-c/BuiltinAttributes.h"

#include <math.h>
#include <string.h>

void emitGeneratedMain(EmitState *state, FILE *out);
void emitIoTables(EmitState *state, FILE *out);
void emitHardwareOverrides(EmitState *state, FILE *out);

/* Writes the ONNX name of input or output `index` as an escaped C string literal. */
static void writeIoName(const EmittedFunction *fn, FILE *out, bool isInput, size_t index) {
  MlirAttribute all = mlirOperationGetAttributeByName(
      fn->func, mlirStringRefCreateFromCString(isInput ? "arg_attrs" : "res_attrs"));
  MlirStringRef name = {NULL, 0};
  if (!mlirAttributeIsNull(all) && mlirAttributeIsAArray(all) &&
      (intptr_t)index < mlirArrayAttrGetNumElements(all)) {
    MlirAttribute dict = mlirArrayAttrGetElement(all, (intptr_t)index);
    MlirAttribute attr = mlirAttributeIsADictionary(dict)
                             ? mlirDictionaryAttrGetElementByName(
                                   dict, mlirStringRefCreateFromCString("onnx.name"))
                             : (MlirAttribute){NULL};
    if (!mlirAttributeIsNull(attr) && mlirAttributeIsAString(attr))
      name = mlirStringAttrGetValue(attr);
  }
  if (!name.data) {
    fprintf(out, "\"%s%zu\"", isInput ? "input" : "output", index);
    return;
  }
  fputc('"', out);
  for (size_t i = 0; i < name.length; ++i) {
    unsigned char c = (unsigned char)name.data[i];
    if (c == '"' || c == '\\')
      fprintf(out, "\\%c", c);
    else if (c < 32 || c > 126)
      fprintf(out, "\\%03o", c);
    else
      fputc(c, out);
  }
  fputc('"', out);
}

static void writeInfo(EmitState *state, FILE *out, const EmittedFunction *fn, bool isInput,
                      size_t index, ValueInfo *info) {
  char dims[32];
  fputs("  {", out);
  writeIoName(fn, out, isInput, index);
  fprintf(out, ", \"%s\", %d, %s, %lld, %zu},\n", gcimElemTypeInfo(info->elem)->numpyName, info->rank,
          emitDims(state, info, dims), (long long)info->count, gcimElemTypeSize(info->elem));
}

/* The tables list the graph's inputs (outputs), then the step function's. */
void emitIoTables(EmitState *state, FILE *out) {
  const char *p = state->options->prefix;
  fprintf(out, "static const %s_tensor_info input_info[] = {\n", p);
  for (size_t f = 0; f < state->functionCount; ++f)
    for (size_t i = 0; i < state->functions[f].inputCount; ++i)
      writeInfo(state, out, &state->functions[f], true, i, &state->functions[f].inputs[i]);
  fprintf(out, "  {NULL, NULL, 0, NULL, 0, 0}};\n\nstatic const %s_tensor_info "
               "output_info[] = {\n",
          p);
  for (size_t f = 0; f < state->functionCount; ++f)
    for (size_t i = 0; i < state->functions[f].outputCount; ++i)
      writeInfo(state, out, &state->functions[f], false, i, &state->functions[f].outputs[i]);
  fprintf(out, "  {NULL, NULL, 0, NULL, 0, 0}};\n\n"
               "const %s_tensor_info *%s_input_info(int i) { return &input_info[i]; }\n"
               "const %s_tensor_info *%s_output_info(int i) { return &output_info[i]; }\n\n",
          p, p, p, p);
}

/* `hw.field = value;` for each parameter of options->hw that differs from the default. */
void emitHardwareOverrides(EmitState *state, FILE *out) {
  GcimHardware base;
  gcimHardwareInitDefault(&base);
  const GcimHardware *hw = state->options->hw;
#define OVERRIDE_INT(field)                                                            \
  if (hw->field != base.field)                                                         \
    fprintf(out, "    defaults." #field " = %lld;\n", (long long)hw->field);
#define OVERRIDE_REAL(field)                                                           \
  if (hw->field != base.field)                                                         \
    fprintf(out, "    defaults." #field " = %.17g;\n", (double)hw->field);
  OVERRIDE_INT(arrayRows) OVERRIDE_INT(arrayCols) OVERRIDE_INT(window)
  OVERRIDE_INT(maxSubTiles) OVERRIDE_REAL(vdd) OVERRIDE_REAL(midVoltage)
  OVERRIDE_INT(query.levels) OVERRIDE_REAL(query.max) OVERRIDE_INT(kv.levels)
  OVERRIDE_REAL(kv.max) OVERRIDE_INT(output.levels) OVERRIDE_REAL(output.max)
  OVERRIDE_REAL(cellCoeffs[0]) OVERRIDE_REAL(cellCoeffs[1]) OVERRIDE_REAL(cellCoeffs[2])
  OVERRIDE_REAL(cellCoeffs[3]) OVERRIDE_REAL(linearSlope) OVERRIDE_INT(decayEnabled)
  OVERRIDE_REAL(decayLambda) OVERRIDE_INT(bf16Decay) OVERRIDE_REAL(firstProductSaturation)
  OVERRIDE_REAL(outputSaturation) OVERRIDE_INT(noise.seed) OVERRIDE_REAL(noise.readNoiseSnrDb)
  OVERRIDE_REAL(noise.writeNoiseStdV) OVERRIDE_REAL(noise.retentionSpreadRel)
#undef OVERRIDE_INT
#undef OVERRIDE_REAL
  if (hw->cell != base.cell)
    fputs("    defaults.cell = GCIM_CELL_LINEAR;\n", out);
}

extern const char gcimGeneratedMainTemplate[];

/* The template with every @PREFIX@ replaced by the prefix. */
void emitGeneratedMain(EmitState *state, FILE *out) {
  static const char marker[] = "@PREFIX@";
  const char *text = gcimGeneratedMainTemplate;
  for (const char *at; (at = strstr(text, marker)); text = at + sizeof marker - 1) {
    fwrite(text, 1, (size_t)(at - text), out);
    fputs(state->options->prefix, out);
  }
  fputs(text, out);
}
