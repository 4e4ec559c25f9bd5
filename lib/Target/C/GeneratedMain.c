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
  MlirAttribute attr = gcimFuncIoAttr(fn->func, !isInput, (intptr_t)index, "onnx.name");
  MlirStringRef name = {NULL, 0};
  if (!mlirAttributeIsNull(attr) && mlirAttributeIsAString(attr))
    name = mlirStringAttrGetValue(attr);
  if (!name.data) {
    fprintf(out, "\"%s%zu\"", isInput ? "input" : "output", index);
    return;
  }
  fputc('"', out);
  gcimCEmitStringChars(out, name.data, name.length);
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
          "    .noise = {%lluu, %.17g, %.17g, %.17g},\n",
          hw->linearSlope, (int)hw->decayEnabled, hw->decayLambda, (int)hw->bf16Decay,
          (double)hw->firstProductSaturation, (double)hw->outputSaturation, hw->pulseMaxNs,
          hw->cost.firstProductPerArrayPJ, hw->cost.secondProductPerArrayPJ,
          hw->cost.digitalPerHeadTokenPJ, hw->cost.dacPerValuePJ, hw->cost.headTokenLatencyNs,
          (unsigned long long)hw->noise.seed, hw->noise.readNoiseSnrDb, hw->noise.writeNoiseStdV,
          hw->noise.retentionSpreadRel);
  const GcimFloorplan *f = &hw->floorplan; /* the chips the heads are placed on */
  fprintf(out, "    .floorplan = {%d, %d, %.17g, %.17g, %.17g, %.17g, %.17g, %.17g}};\n\n",
          (int)f->chips, (int)f->subTilesPerPeriphery, f->linkBytesPerNs, f->linkPJPerByte,
          f->spillBytesPerNs, f->spillPJPerByte, f->subTileAreaMm2, f->peripheryAreaMm2);
}

extern const char gcimGeneratedMainTemplate[];
extern const char gcimDecodingTemplate[];
extern const char gcimOptionsTemplate[];

/* text[0..length) with every @PREFIX@ replaced by the prefix and every @NAME@ of
 * values[0..count) by its value. */
static void writeTemplate(EmitState *state, const GcimCTemplateValue *values, size_t count,
                          const char *text, size_t length, FILE *out) {
  const char *end = text + length, *from = text;
  for (const char *at = text; at < end; ++at) {
    if (*at != '@')
      continue;
    for (size_t v = 0; v <= count; ++v) {
      const char *name = v < count ? values[v].name : "PREFIX";
      size_t n = strlen(name);
      if ((size_t)(end - at) < n + 2 || strncmp(at + 1, name, n) != 0 || at[n + 1] != '@')
        continue;
      fwrite(from, 1, (size_t)(at - from), out);
      if (v == count)
        fputs(state->options->prefix, out);
      else if (values[v].value)
        fputs(values[v].value, out);
      else
        gcimCEmitParameters(values[v].parameters, out);
      at += n + 1;
      from = at + 1;
      break;
    }
  }
  fwrite(from, 1, (size_t)(end - from), out);
}

void gcimCEmitTemplate(EmitState *state, const char *text, FILE *out) {
  writeTemplate(state, NULL, 0, text, strlen(text), out);
}

const char *gcimCEmitTemplateUntil(EmitState *state, const char *text, const char *marker,
                                   const GcimCTemplateValue *values, size_t count, FILE *out) {
  const char *at = marker ? strstr(text, marker) : NULL;
  writeTemplate(state, values, count, text, at ? (size_t)(at - text) : strlen(text), out);
  return at ? at + strlen(marker) : NULL;
}

/* The program: main.c.in with the decoding modes (decode.c.in) and the option parsing
 * (options.c.in) at their markers. */
void gcimCEmitGeneratedMain(EmitState *state, FILE *out) {
  const char *rest =
      gcimCEmitTemplateUntil(state, gcimGeneratedMainTemplate, "/* @DECODING@ */\n", NULL, 0, out);
  if (!rest)
    return;
  gcimCEmitTemplate(state, gcimDecodingTemplate, out);
  rest = gcimCEmitTemplateUntil(state, rest, "/* @OPTIONS@ */\n", NULL, 0, out);
  if (!rest)
    return;
  gcimCEmitTemplate(state, gcimOptionsTemplate, out);
  gcimCEmitTemplate(state, rest, out);
}
