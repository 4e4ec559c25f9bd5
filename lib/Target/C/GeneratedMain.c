/* GeneratedMain.c: the generated code's I/O tables, compiled-in hardware and the optional
 * command-line program PREFIX_main.c. */
#include "Emitter.h"

#include "gcim/Support/IRHelpers.h"
#include "gcim/Version.h"

#include "mlir-c/BuiltinAttributes.h"

#include <math.h>
#include <string.h>

/* Writes the ONNX name of input or output `index` as an escaped C string literal. */
static void writeIoName(const EmittedFunction *fn, FILE *out, bool isInput, size_t index) {
  MlirAttribute all = mlirOperationGetAttributeByName(
      fn->func, mlirStringRefCreateFromCString(isInput ? "arg_attrs" : "res_attrs"));
  MlirStringRef name = {NULL, 0};
  if (!mlirAttributeIsNull(all) && mlirAttributeIsAArray(all) &&
      (intptr_t)index < mlirArrayAttrGetNumElements(all)) {
    MlirAttribute dict = mlirArrayAttrGetElement(all, (intptr_t)index);
    MlirAttribute attr =
        mlirAttributeIsADictionary(dict)
            ? mlirDictionaryAttrGetElementByName(dict, mlirStringRefCreateFromCString("onnx.name"))
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
  fprintf(out, ", \"%s\", %d, %s, %lld, %zu},\n", gcimElemTypeInfo(info->elem)->numpyName,
          info->rank, gcimCEmitDims(state, info, dims), (long long)info->count,
          gcimElemTypeSize(info->elem));
}

/* The tables list the graph's inputs (outputs), then the step function's. */
void gcimCEmitIoTables(EmitState *state, FILE *out) {
  const char *p = state->options->prefix;
  fprintf(out, "static const %s_tensor_info input_info[] = {\n", p);
  for (size_t f = 0; f < state->functionCount; ++f)
    for (size_t i = 0; i < state->functions[f].inputCount; ++i)
      writeInfo(state, out, &state->functions[f], true, i, &state->functions[f].inputs[i]);
  fprintf(out,
          "  {NULL, NULL, 0, NULL, 0, 0}};\n\nstatic const %s_tensor_info "
          "output_info[] = {\n",
          p);
  for (size_t f = 0; f < state->functionCount; ++f)
    for (size_t i = 0; i < state->functions[f].outputCount; ++i)
      writeInfo(state, out, &state->functions[f], false, i, &state->functions[f].outputs[i]);
  fprintf(out,
          "  {NULL, NULL, 0, NULL, 0, 0}};\n\n"
          "const %s_tensor_info *%s_input_info(int i) { return &input_info[i]; }\n"
          "const %s_tensor_info *%s_output_info(int i) { return &output_info[i]; }\n\n",
          p, p, p, p);
}

/* `static const GcimHardware compiled_hw = {...};`: the whole description the program
 * was compiled for, every field, so that it never depends on the runtime's defaults. */
void gcimCEmitHardwareInitializer(EmitState *state, FILE *out) {
  const GcimHardware *hw = state->options->hw;
  fprintf(out,
          "/* The hardware description this program was compiled for (gcim-compile --hw). */\n"
          "static const GcimHardware compiled_hw = {\n"
          "    .arrayRows = %d, .arrayCols = %d, .window = %d, .maxSubTiles = %d,\n"
          "    .vdd = %.9g, .midVoltage = %.9g,\n"
          "    .query = {%d, %.17g}, .kv = {%d, %.17g}, .output = {%d, %.17g},\n"
          "    .cell = %s,\n    .cellCoeffs = {%.17g, %.17g, %.17g, %.17g},\n",
          (int)hw->arrayRows, (int)hw->arrayCols, (int)hw->window, (int)hw->maxSubTiles,
          (double)hw->vdd, (double)hw->midVoltage, (int)hw->query.levels, hw->query.max,
          (int)hw->kv.levels, hw->kv.max, (int)hw->output.levels, hw->output.max,
          hw->cell == GCIM_CELL_LINEAR ? "GCIM_CELL_LINEAR" : "GCIM_CELL_NONLINEAR",
          hw->cellCoeffs[0], hw->cellCoeffs[1], hw->cellCoeffs[2], hw->cellCoeffs[3]);
  fprintf(out,
          "    .linearSlope = %.17g, .decayEnabled = %d, .decayLambda = %.17g,\n"
          "    .bf16Decay = %d, .firstProductSaturation = %.9g,\n"
          "    .outputSaturation = %.9g, .pulseMaxNs = %.17g,\n"
          "    .cost = {%.17g, %.17g, %.17g, %.17g, %.17g},\n"
          "    .noise = {%lluu, %.17g, %.17g, %.17g}};\n\n",
          hw->linearSlope, (int)hw->decayEnabled, hw->decayLambda, (int)hw->bf16Decay,
          (double)hw->firstProductSaturation, (double)hw->outputSaturation, hw->pulseMaxNs,
          hw->cost.firstProductPerArrayPJ, hw->cost.secondProductPerArrayPJ,
          hw->cost.digitalPerHeadTokenPJ, hw->cost.dacPerValuePJ, hw->cost.headTokenLatencyNs,
          (unsigned long long)hw->noise.seed, hw->noise.readNoiseSnrDb, hw->noise.writeNoiseStdV,
          hw->noise.retentionSpreadRel);
}

extern const char gcimGeneratedMainTemplate[];
extern const char gcimDecodingTemplate[];

/* text[0..length) with every @PREFIX@ replaced by `prefix`. */
static void writeTemplate(const char *prefix, const char *text, size_t length, FILE *out) {
  static const char marker[] = "@PREFIX@";
  const char *end = text + length;
  for (const char *at; (at = strstr(text, marker)) && at < end; text = at + sizeof marker - 1) {
    fwrite(text, 1, (size_t)(at - text), out);
    fputs(prefix, out);
  }
  fwrite(text, 1, (size_t)(end - text), out);
}

void gcimCEmitTemplate(EmitState *state, const char *text, FILE *out) {
  writeTemplate(state->options->prefix, text, strlen(text), out);
}

/* The program: main.c.in with the decoding modes (decode.c.in) at its marker. */
void gcimCEmitGeneratedMain(EmitState *state, FILE *out) {
  static const char marker[] = "/* @DECODING@ */\n";
  const char *text = gcimGeneratedMainTemplate, *at = strstr(text, marker);
  if (!at) {
    gcimCEmitTemplate(state, text, out);
    return;
  }
  writeTemplate(state->options->prefix, text, (size_t)(at - text), out);
  gcimCEmitTemplate(state, gcimDecodingTemplate, out);
  gcimCEmitTemplate(state, at + sizeof marker - 1, out);
}
