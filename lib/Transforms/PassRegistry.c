/* PassRegistry.c: gcim's pass table, option parsing and the external-pass glue. */
#include "gcim/Transforms/Passes.h"

#include "gcim/Support/Status.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Each pass file defines its table entry; the order here is the pipeline's order. */
extern const GcimPassInfo gcimFuseAttentionPassInfo;
extern const GcimPassInfo gcimMapAttentionPassInfo;
extern const GcimPassInfo gcimStreamPassInfo;
extern const GcimPassInfo gcimQuantizePassInfo;
extern const GcimPassInfo gcimSchedulePassInfo;
extern const GcimPassInfo gcimLowerRuntimePassInfo;
extern const GcimPassInfo gcimVerifyPassInfo;

static const GcimPassInfo *const passTable[] = {
    &gcimFuseAttentionPassInfo,
    &gcimStreamPassInfo,
    &gcimMapAttentionPassInfo,
    &gcimQuantizePassInfo,
    &gcimSchedulePassInfo,
    &gcimLowerRuntimePassInfo,
    &gcimVerifyPassInfo,
};

size_t gcimPassGetCount(void) { return sizeof passTable / sizeof passTable[0]; }

const GcimPassInfo *gcimPassGetInfo(size_t i) {
  assert(i < gcimPassGetCount());
  return passTable[i];
}

const GcimPassInfo *gcimPassLookup(const char *argument) {
  for (size_t i = 0; i < gcimPassGetCount(); ++i)
    if (strcmp(passTable[i]->argument, argument) == 0)
      return passTable[i];
  return NULL;
}

/* A pass instance: its table entry, one malloc'ed value per option and the callback
 * counts it shares with its clones (NULL: not counted). */
typedef struct PassInstance {
  const GcimPassInfo *info;
  char **values;
  GcimPassCallbackCounts *counts;
} PassInstance;

/* Counts one call of a callback; clones on other threads may count at the same time. */
static void count(const PassInstance *instance, size_t field) {
  if (instance->counts)
    __atomic_fetch_add((int *)((char *)instance->counts + field), 1, __ATOMIC_RELAXED);
}

/* Frees an instance (NULL accepted); not counted: parse failures destroy uncounted ones. */
static void freeInstance(PassInstance *instance) {
  if (!instance)
    return;
  for (size_t i = 0; instance->values && i < instance->info->optionCount; ++i)
    free(instance->values[i]);
  free(instance->values);
  free(instance);
}

static void destroyInstance(void *userData) {
  count(userData, offsetof(GcimPassCallbackCounts, destructs));
  freeInstance(userData);
}

static char *copyText(const char *text, size_t length) {
  char *copy = malloc(length + 1);
  if (copy) {
    memcpy(copy, text, length);
    copy[length] = '\0';
  }
  return copy;
}

static PassInstance *createInstance(const GcimPassInfo *info) {
  PassInstance *instance = calloc(1, sizeof *instance);
  if (!instance)
    return NULL;
  instance->info = info;
  instance->values = calloc(info->optionCount ? info->optionCount : 1, sizeof(char *));
  if (!instance->values) {
    freeInstance(instance);
    return NULL;
  }
  return instance;
}

/* The pass manager clones passes per thread: clones get their own copies of the values. */
static void *cloneInstance(void *userData) {
  const PassInstance *original = userData;
  PassInstance *copy = createInstance(original->info);
  if (!copy)
    abort();
  copy->counts = original->counts;
  count(original, offsetof(GcimPassCallbackCounts, clones));
  for (size_t i = 0; i < original->info->optionCount; ++i) {
    copy->values[i] = copyText(original->values[i], strlen(original->values[i]));
    if (!copy->values[i])
      abort();
  }
  return copy;
}

static int findOption(const GcimPassInfo *info, const char *name, size_t length) {
  for (size_t i = 0; i < info->optionCount; ++i)
    if (strlen(info->options[i].name) == length &&
        strncmp(info->options[i].name, name, length) == 0)
      return (int)i;
  return -1;
}

/* Parses "name=value name2=value2" into instance->values; defaults fill the rest. */
static GcimStatus parseOptions(PassInstance *instance, const char *text, char **errMsg) {
  const GcimPassInfo *info = instance->info;
  for (const char *cursor = text ? text : ""; *cursor;) {
    while (*cursor == ' ' || *cursor == ',')
      ++cursor;
    if (!*cursor)
      break;
    size_t length = strcspn(cursor, " ,");
    const char *equals = memchr(cursor, '=', length);
    if (!equals)
      return gcimFail(errMsg, GCIM_ERROR_INVALID,
                      "option '%.*s' of pass '%s' needs a value (name=value)", (int)length,
                      cursor, info->argument);
    int index = findOption(info, cursor, (size_t)(equals - cursor));
    if (index < 0)
      return gcimFail(errMsg, GCIM_ERROR_INVALID, "pass '%s' has no option '%.*s'",
                      info->argument, (int)(equals - cursor), cursor);
    free(instance->values[index]);
    instance->values[index] = copyText(equals + 1, length - (size_t)(equals + 1 - cursor));
    if (!instance->values[index])
      return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
    cursor += length;
  }
  for (size_t i = 0; i < info->optionCount; ++i) {
    if (instance->values[i])
      continue;
    const char *fallback = info->options[i].defaultValue;
    instance->values[i] = copyText(fallback, strlen(fallback));
    if (!instance->values[i])
      return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
  }
  return GCIM_OK;
}

static void constructInstance(void *userData) {
  count(userData, offsetof(GcimPassCallbackCounts, constructs));
}

static void runInstance(MlirOperation op, MlirExternalPass pass, void *userData) {
  const PassInstance *instance = userData;
  count(instance, offsetof(GcimPassCallbackCounts, runs));
  GcimPassOptions options = {instance->info->optionCount,
                             (const char *const *)instance->values};
  if (mlirLogicalResultIsFailure(instance->info->run(op, &options)))
    mlirExternalPassSignalFailure(pass);
}

MlirPass gcimPassCreate(const GcimPassInfo *info, const char *optionText, char **errMsg) {
  return gcimPassCreateCounted(info, optionText, NULL, errMsg);
}

MlirPass gcimPassCreateCounted(const GcimPassInfo *info, const char *optionText,
                               GcimPassCallbackCounts *counts, char **errMsg) {
  PassInstance *instance = createInstance(info);
  if (!instance) {
    gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
    return (MlirPass){NULL};
  }
  instance->counts = counts;
  if (parseOptions(instance, optionText, errMsg) != GCIM_OK) {
    freeInstance(instance);
    return (MlirPass){NULL};
  }
  MlirExternalPassCallbacks callbacks = {constructInstance, destroyInstance, NULL,
                                         cloneInstance, runInstance};
  MlirStringRef argument = mlirStringRefCreateFromCString(info->argument);
  return mlirCreateExternalPass(
      mlirTypeIDCreate(info), argument, argument,
      mlirStringRefCreateFromCString(info->description),
      mlirStringRefCreateFromCString("builtin.module"), 0, NULL, callbacks, instance);
}

const char *gcimPassOptionsGet(const GcimPassOptions *options, const GcimPassInfo *info,
                               const char *name) {
  int index = findOption(info, name, strlen(name));
  assert(index >= 0 && (size_t)index < options->count && "unknown pass option");
  return options->values[index];
}
