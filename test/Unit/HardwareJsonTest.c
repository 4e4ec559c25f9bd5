/* HardwareJsonTest.c: the JSON reader and writer and the hardware description file. */
#define _POSIX_C_SOURCE 200809L
#include "GcimTestDir.h"

#include "gcim/Support/HardwareJson.h"
#include "gcim/Support/Json.h"

#include <stdlib.h>
#include <unistd.h>

static GcimStatus parseHw(const char *text, GcimHardware *hw, char **message) {
  return gcimHardwareParseJson(text, strlen(text), hw, message);
}

static void expectHwError(const char *text, const char *reason) {
  GcimHardware hw;
  char *message = NULL;
  EXPECT_TRUE(parseHw(text, &hw, &message) != GCIM_OK);
  EXPECT_STR_CONTAINS(message, reason);
  EXPECT_EQ_INT(hw.window, 1024); /* defaults on failure */
  free(message);
}

static void test_json_parse(void) {
  const char *text = "{\"a\": [1, -2.5e3, true, null], \"b\": {\"c\": \"x\\ny\\u0041\"}}";
  GcimJsonValue *v = NULL;
  EXPECT_EQ_INT(gcimJsonParse(text, strlen(text), &v, NULL), GCIM_OK);
  const GcimJsonValue *a = gcimJsonObjectGet(v, "a");
  EXPECT_TRUE(a && a->kind == GCIM_JSON_ARRAY && a->count == 4);
  EXPECT_NEAR(a->items[1].number, -2500, 0);
  EXPECT_TRUE(a->items[2].boolean && a->items[3].kind == GCIM_JSON_NULL);
  const GcimJsonValue *c = gcimJsonObjectGet(gcimJsonObjectGet(v, "b"), "c");
  EXPECT_TRUE(c && strcmp(c->text, "x\nyA") == 0);
  EXPECT_TRUE(gcimJsonObjectGet(v, "zz") == NULL);
  gcimJsonDestroy(v);
  const char *bad[] = {"{\"a\": 1,}", "{\"a\" 1}", "[1 2]", "{\"a\": 1, \"a\": 2}",
                       "nan",         "\"open",    "{} x",  "[01x]"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    char *message = NULL;
    EXPECT_TRUE(gcimJsonParse(bad[i], strlen(bad[i]), &v, &message) != GCIM_OK);
    EXPECT_STR_CONTAINS(message, "line 1");
    EXPECT_TRUE(v == NULL);
    free(message);
  }
}

static void test_hardware_defaults_round_trip(void) {
  GcimHardware hw, back;
  gcimHardwareInitDefault(&hw);
  hw.noise.seed = 18446744073709551615ull;
  hw.cell = GCIM_CELL_LINEAR;
  hw.window = 100;
  char *text = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&text, &size);
  gcimHardwareWriteJson(f, &hw);
  fclose(f);
  EXPECT_STR_CONTAINS(text, "\"vdd\": 0.9,");
  EXPECT_STR_CONTAINS(text, "\"max\": 0.9\n");
  char *message = NULL;
  EXPECT_EQ_INT(gcimHardwareParseJson(text, size, &back, &message), GCIM_OK);
  if (message)
    fprintf(stderr, "%s\n", message);
  EXPECT_TRUE(memcmp(&hw, &back, sizeof hw) == 0);
  free(text);
  free(message);
}

static void test_hardware_partial_file(void) {
  GcimHardware hw;
  EXPECT_EQ_INT(parseHw("{\"window\": 256, \"kv\": {\"levels\": 16}, \"cell\": \"linear\", "
                        "\"noise\": {\"seed\": 5}}",
                        &hw, NULL),
                GCIM_OK);
  EXPECT_EQ_INT(hw.window, 256);
  EXPECT_EQ_INT(hw.kv.levels, 16);
  EXPECT_NEAR(hw.kv.max, 0.9, 0);
  EXPECT_EQ_INT(hw.cell, GCIM_CELL_LINEAR);
  EXPECT_EQ_INT(hw.noise.seed, 5);
  EXPECT_EQ_INT(hw.arrayRows, 64);
}

/* The floorplan's keys; a description without one (all 0, as in a program compiled before
 * floorplans) is valid and reads as one chip. */
static void test_hardware_floorplan(void) {
  GcimHardware hw;
  EXPECT_EQ_INT(parseHw("{\"maxSubTiles\": 576, \"floorplan\": {\"chips\": 4, "
                        "\"subTilesPerPeriphery\": 64, \"spillBytesPerNs\": 0}}",
                        &hw, NULL),
                GCIM_OK);
  EXPECT_EQ_INT(hw.maxSubTiles, 576);
  EXPECT_EQ_INT(gcimHardwareChips(&hw), 4);
  EXPECT_EQ_INT(hw.floorplan.subTilesPerPeriphery, 64);
  EXPECT_NEAR(hw.floorplan.spillBytesPerNs, 0, 0);
  EXPECT_NEAR(hw.floorplan.linkBytesPerNs, 64, 0);
  GcimHardware old = hw;
  memset(&old.floorplan, 0, sizeof old.floorplan);
  EXPECT_TRUE(gcimHardwareValidate(&old, NULL, 0));
  EXPECT_EQ_INT(gcimHardwareChips(&old), 1);
  char reason[160];
  EXPECT_TRUE(!gcimHardwareCheckRuntime(&old, &hw, 4 * 576 + 1, reason, sizeof reason));
  EXPECT_STR_CONTAINS(reason, "needs 2305 sub-tiles but the hardware has 2304");
  EXPECT_TRUE(gcimHardwareCheckRuntime(&old, &hw, 4 * 576, reason, sizeof reason));
}

static void test_hardware_rejections(void) {
  expectHwError("{\"floorplan\": {\"chip\": 2}}", "unknown key 'floorplan.chip'");
  expectHwError("{\"floorplan\": {\"chips\": -1}}", "floorplan.chips and");
  expectHwError("{\"floorplan\": {\"chips\": 4097}}", "floorplan.chips must be <= 4096 (got 4097)");
  expectHwError("{\"floorplan\": {\"spillPJPerByte\": -1}}",
                "floorplan.spillPJPerByte must be >= 0");
  expectHwError("{\"windw\": 3}", "unknown key 'windw'");
  expectHwError("{\"cost\": {\"foo\": 1}}", "unknown key 'cost.foo'");
  expectHwError("{\"query\": {\"levels\": 1}}", "query.levels must be >= 2 (got 1)");
  expectHwError("{\"window\": -1}", "window must be >= 1");
  expectHwError("{\"window\": 2.5}", "'window' must be a 32-bit integer");
  expectHwError("{\"decayLambda\": 1e999}", "'decayLambda' must be a finite number");
  expectHwError("{\"decayLambda\": -1}", "decayLambda must be >= 0");
  expectHwError("{\"cell\": \"cubic\"}", "'cell' must be \"nonlinear\" or \"linear\"");
  expectHwError("{\"bf16Decay\": 1}", "'bf16Decay' must be true or false");
  expectHwError("{\"cellCoeffs\": [1, 2]}", "an array of 4 numbers");
  expectHwError("{\"noise\": {\"seed\": -1}}", "unsigned 64-bit integer");
  expectHwError("{\"noise\": {\"writeNoiseStdV\": -0.1}}", "noise.writeNoiseStdV must be >= 0");
  expectHwError("[1]", "must be an object");
  expectHwError("{\n\"window\": 3,\n\"x\": 1}", "line 3");
}

static void test_hardware_files(void) {
  GcimTestDir dir;
  char path[96];
  gcimTestDirCreate(&dir, "hwjson");
  snprintf(path, sizeof path, "%s/hw.json", dir.path);
  GcimHardware hw, back;
  gcimHardwareInitDefault(&hw);
  hw.bf16Decay = 1;
  EXPECT_EQ_INT(gcimHardwareSaveJson(path, &hw, NULL), GCIM_OK);
  EXPECT_EQ_INT(gcimHardwareLoadJson(path, &back, NULL), GCIM_OK);
  EXPECT_EQ_INT(back.bf16Decay, 1);
  char *message = NULL;
  snprintf(path, sizeof path, "%s/none.json", dir.path);
  EXPECT_EQ_INT(gcimHardwareLoadJson(path, &back, &message), GCIM_ERROR_IO);
  EXPECT_STR_CONTAINS(message, "none.json");
  free(message);
  snprintf(path, sizeof path, "%s/bad.json", dir.path); /* the path, then where and why */
  FILE *bad = fopen(path, "w");
  fputs("{\"window\": 256,\n \"cost\": {\"foo\": 1}}", bad);
  fclose(bad);
  message = NULL;
  EXPECT_TRUE(gcimHardwareLoadJson(path, &back, &message) != GCIM_OK);
  EXPECT_STR_CONTAINS(message, "bad.json': line 2: unknown key 'cost.foo'");
  free(message);
  bad = fopen(path, "w");
  fputs("{\"window\": }", bad);
  fclose(bad);
  message = NULL;
  EXPECT_TRUE(gcimHardwareLoadJson(path, &back, &message) != GCIM_OK);
  EXPECT_STR_CONTAINS(message, "bad.json': line 1");
  free(message);
  gcimTestDirRemove(&dir);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_json_parse),
    GCIM_TEST(test_hardware_defaults_round_trip),
    GCIM_TEST(test_hardware_partial_file),
    GCIM_TEST(test_hardware_floorplan),
    GCIM_TEST(test_hardware_rejections),
    GCIM_TEST(test_hardware_files),
};
GCIM_TEST_MAIN
