/* CreateHeads.c: the generated code's simulated heads: their creation in PREFIX_create
 * (each head on a simulator chip of its own sub-tiles, numbered as placed, from its
 * layer's command table; noise stream = the head's index), PREFIX_set_trace (a trace chip
 * over each head's chip) and their release; the heads' layers and sub-tiles. */
#include "Emitter.h"

static void writeFloat(FILE *out, double value) { gcimCEmitFloatLiteral(out, value); }

/* `static const GcimTileCommands commands = {...};` of a layer's first head. */
static void writeCommands(FILE *out, const TileCommandTable *t) {
  fprintf(out, "    static const GcimTileCommands commands = {\n        %lld, {",
          (long long)t->firstSubTile);
  for (int i = 0; i < GCIM_SCALER_COUNT; ++i) { /* filled per head below */
    writeFloat(out, i % 2 ? 0.0 : 1.0);
    fputs(i + 1 < GCIM_SCALER_COUNT ? ", " : "},\n", out);
  }
  fprintf(out, "        {%d, %.17g}, {%d, %.17g}, {%d, %.17g}, %.17g,\n        {", (int)t->q.levels,
          t->q.max, (int)t->k.levels, t->k.max, (int)t->v.levels, t->v.max, t->tokenPeriodNs);
  for (int o = 0; o < GCIM_TILE_OP_COUNT; ++o)
    fprintf(out, "%.17g%s", t->startNs[o], o + 1 < GCIM_TILE_OP_COUNT ? ", " : "},\n");
  fprintf(out, "        %lld, 0};\n", (long long)t->chip);
}

/* The loop body that makes head h of a group from its layer's command table. */
static void writeTileHead(const SimHeadGroup *group, FILE *out) {
  const TileCommandTable *t = &group->tiles;
  int64_t sequences = group->count / t->heads, kvGroup = t->kvGroup > 1 ? t->kvGroup : 1;
  fprintf(out,
          "      GcimTileCommands head = commands;\n"
          "      head.firstSubTile += (int32_t)(h %% %lld) * %lld;\n",
          (long long)t->heads, (long long)t->subTilesPerHead);
  if (sequences > 1 && t->residentSequences > 0) /* sequence b's block, b sub-tile strides on */
    fprintf(out, "      head.firstSubTile += (int32_t)(h / %lld) * %lld;\n", (long long)t->heads,
            (long long)t->sequenceStride);
  if (t->residentSequences == 0) /* every block through the spill slot, gcim.first_sub_tile */
    fputs("      head.spilled = 1;\n", out);
  else if (t->residentSequences < sequences) /* the others through the spill slot */
    fprintf(out,
            "      if (h / %lld >= %lld) {\n"
            "        head.firstSubTile = %lld + (int32_t)(h %% %lld) * %lld;\n"
            "        head.spilled = 1;\n      }\n",
            (long long)t->heads, (long long)t->residentSequences, (long long)t->spillSlot,
            (long long)t->heads, (long long)t->subTilesPerHead);
  for (int i = 0; i < 4; ++i) {
    const TileScalerSource *source = &t->scalers[i];
    if (!source->present)
      continue;
    fprintf(
        out,
        "      head.scalers[%d] = ((const float *)(s->weights + %llu))[8 * (h %% %lld * %lld %% "
        "%lld) + %lld];\n"
        "      head.scalers[%d] = ((const float *)(s->weights + %llu))[8 * (h %% %lld * %lld %% "
        "%lld) + %lld];\n",
        2 * i, (unsigned long long)source->offset, (long long)t->heads, (long long)kvGroup,
        (long long)source->rows, (long long)source->aIndex, 2 * i + 1,
        (unsigned long long)source->offset, (long long)t->heads, (long long)kvGroup,
        (long long)source->rows, (long long)source->bIndex);
  }
  fprintf(out, "      if (createHead(s, %lld + h, &head_hw, %lld, &head, NULL) != 0)\n",
          (long long)group->first, (long long)group->headDim);
}

/* The loop body of a head of a graph-level gcim.attention (no command table). */
static void writeGraphHead(const SimHeadGroup *group, FILE *out) {
  if (group->hasScalers)
    fprintf(out,
            "      const float *scalers = (const float *)(s->weights + %llu) + 8 * (h %% %lld);\n",
            (unsigned long long)group->scalerOffset, (long long)group->headsPerScalers);
  else if (group->queryScale == 1.0)
    fputs("      const float *scalers = NULL;\n", out);
  else { /* the defaults with a_q = the attention's scale */
    fputs("      const float scalers[8] = {", out);
    writeFloat(out, group->queryScale);
    fputs(", 0.0f, 1.0f, 0.45f, 1.0f, 0.45f, 1.0f, 0.0f};\n", out);
  }
  fprintf(out, "      if (createHead(s, %lld + h, &head_hw, %lld, NULL, scalers) != 0)\n",
          (long long)group->first, (long long)group->headDim);
}

void gcimCEmitCreateHeads(EmitState *state, FILE *out) {
  for (size_t g = 0; g < state->headGroupCount; ++g) {
    const SimHeadGroup *group = &state->headGroups[g];
    fputs("  {\n    GcimHardware head_hw = s->hw;\n", out);
    if (group->window > 0)
      fprintf(out, "    head_hw.window = %lld;\n", (long long)group->window);
    if (group->fromTiles)
      writeCommands(out, &group->tiles);
    fprintf(out, "    for (int h = 0; h < %lld; ++h) {\n", (long long)group->count);
    if (group->fromTiles)
      writeTileHead(group, out);
    else
      writeGraphHead(group, out);
    fputs("        return destroyWith(s, error, error_size,\n"
          "                           \"invalid hardware description for the simulated "
          "heads\");\n",
          out);
    if (group->fromTiles && group->tiles.kvGroup > 1) /* --gqa=share: its query heads' turns */
      fprintf(out, "      gcimSimHeadSetQueryGroup(s->heads[%lld + h], %lld);\n",
              (long long)group->first, (long long)group->tiles.kvGroup);
    fputs("    }\n  }\n", out);
  }
}

void gcimCEmitHeadFunctions(EmitState *state, FILE *out) {
  const char *p = state->options->prefix;
  if (state->headGroupCount) /* PREFIX_create calls it */
    fprintf(out,
            "/* Head `index` on a simulator chip of its own sub-tiles (noise stream `index`):\n"
            " * numbered and run as `commands` say, or from sub-tile 0 with `scalers`. */\n"
            "static int createHead(%s_state *s, int index, const GcimHardware *hw, int32_t dim,\n"
            "                      const GcimTileCommands *commands, const float *scalers) {\n"
            "  int32_t sub_tiles = (int32_t)gcimHardwareSubTilesPerHead(hw, dim);\n"
            "  if (gcimChipCreateSimulator(hw, sub_tiles, (uint64_t)index, NULL, &s->chips[index], "
            "NULL,\n                              0) != GCIM_CHIP_OK)\n    return -1;\n"
            "  if (!commands)\n"
            "    return gcimSimHeadCreateOnChip(s->chips[index], 0, dim, scalers, NULL,\n"
            "                                   &s->heads[index]) == GCIM_SIM_OK ? 0 : -1;\n"
            "  return gcimChipSetFirstSubTile(s->chips[index], commands->firstSubTile) == "
            "GCIM_CHIP_OK &&\n"
            "                 gcimSimHeadCreateFromCommands(s->chips[index], dim, commands, NULL,\n"
            "                                               &s->heads[index]) == GCIM_SIM_OK\n"
            "             ? 0\n             : -1;\n}\n\n",
            p);
  fprintf(out,
          "/* Every head back on its simulator chip, the trace chips released. */\n"
          "static void untrace(%s_state *s) {\n"
          "  for (int h = 0; h < SIM_HEADS; ++h) {\n"
          "    if (s->heads[h])\n      gcimSimHeadSetChip(s->heads[h], s->chips[h]);\n"
          "    gcimChipDestroy(s->traces[h]);\n    s->traces[h] = NULL;\n  }\n"
          "  s->tracing = 0;\n}\n\n",
          p);
  fprintf(out,
          "int %s_set_trace(%s_state *s, FILE *file) {\n  untrace(s);\n"
          "  for (int h = 0; file && h < SIM_HEADS; ++h) {\n"
          "    if (gcimChipCreateTrace(s->chips[h], file, NULL, &s->traces[h], s->error,\n"
          "                            sizeof s->error) != GCIM_CHIP_OK) {\n"
          "      untrace(s);\n      return -1;\n    }\n"
          "    gcimSimHeadSetChip(s->heads[h], s->traces[h]);\n  }\n"
          "  s->tracing = file != NULL;\n  return 0;\n}\n\n",
          p, p);
  fputs("/* The heads, their trace chips and their simulator chips. */\n"
        "static void destroyHeads(",
        out);
  fprintf(out,
          "%s_state *s) {\n  for (int h = 0; h < SIM_HEADS; ++h) {\n"
          "    gcimSimHeadDestroy(s->heads[h]);\n    gcimChipDestroy(s->traces[h]);\n"
          "    gcimChipDestroy(s->chips[h]);\n  }\n}\n\n",
          p);
}

/* Each head group's schedule, as its kv_write says (a graph-level attention's heads: in
 * parallel, nothing spilled or moved). */
static void writeSchedule(const GcimHardware *hw, const SimHeadGroup *group, FILE *out) {
  const TileCommandTable *t = &group->tiles;
  const GcimFloorplan *f = &hw->floorplan;
  int64_t cells = t->subTilesPerHead * 2 * hw->arrayRows * hw->arrayCols;
  if (!group->fromTiles) {
    fprintf(out, "    {%lld, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0}", (long long)group->count);
    return;
  }
  bool scheduled = t->spillSlot >= 0 || t->rounds > 1 || t->transferBytes > 0;
  fprintf(out, "    {%lld, %lld, %lld, %d, %lld, %lld, %lld, %.17g, %.17g, %.17g, %.17g}",
          (long long)t->heads, (long long)t->rounds, (long long)t->spilledRounds, scheduled,
          (long long)(cells + 2 * group->headDim), (long long)cells, (long long)t->transferBytes,
          f->spillBytesPerNs, f->spillPJPerByte, f->linkBytesPerNs, f->linkPJPerByte);
}

static void writeHeadSchedules(EmitState *state, FILE *out) {
  fputs("/* Each head group's schedule (docs/HardwareModel.md section 6) for the stats: heads,\n"
        " * periphery turns (resident, spilled), reload and transfer bytes, the floorplan's\n"
        " * memory and link. */\n"
        "static const GcimTileLayerSchedule head_schedule[] = {\n",
        out);
  for (size_t g = 0; g < state->headGroupCount; ++g) {
    writeSchedule(state->options->hw, &state->headGroups[g], out);
    fputs(g + 1 < state->headGroupCount ? ",\n" : "\n", out);
  }
  fputs(state->headGroupCount ? "};\n\n" : "    {0}};\n\n", out);
}

/* The layer of each simulated head (its attention's group) for the stats' latency. */
void gcimCEmitHeadLayers(EmitState *state, FILE *out) {
  fputs("/* The layer (attention) of each simulated head: its heads run in parallel. */\n"
        "static const int32_t head_layer[SIM_HEADS > 0 ? SIM_HEADS : 1] = {",
        out);
  for (size_t g = 0; g < state->headGroupCount; ++g)
    for (int64_t h = 0; h < state->headGroups[g].count; ++h)
      fprintf(out, "%s%zu", g || h ? ", " : "", g);
  fputs(state->headGroupCount ? "};\n\n" : "0};\n\n", out);
  writeHeadSchedules(state, out);
}

/* Sub-tiles the program's simulated heads occupy: the larger of the two functions' (a
 * layer's full-sequence and step forms share their sub-tiles; a mapped layer's heads end
 * where they are placed). */
int64_t gcimCEmitProgramSubTiles(const EmitState *state) {
  int64_t perFunction[2] = {0, 0};
  for (size_t g = 0; g < state->headGroupCount; ++g) {
    const SimHeadGroup *group = &state->headGroups[g];
    GcimHardware hw = *state->options->hw;
    if (group->window > 0)
      hw.window = (int32_t)group->window;
    const TileCommandTable *t = &group->tiles;
    int64_t end = gcimCEmitPlacedEnd(t, group->count / (t->heads > 0 ? t->heads : 1));
    if (t->spillSlot >= 0 && t->spillSlot + t->heads * t->subTilesPerHead > end)
      end = t->spillSlot + t->heads * t->subTilesPerHead;
    if (!group->fromTiles) /* no placement: after the others */
      perFunction[group->function] +=
          group->count * gcimHardwareSubTilesPerHead(&hw, group->headDim);
    else if (end > perFunction[group->function])
      perFunction[group->function] = end;
  }
  return perFunction[0] > perFunction[1] ? perFunction[0] : perFunction[1];
}
