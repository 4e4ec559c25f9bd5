/* PassRegistry.c: gcim's pass table, option parsing and checking, and the external-pass
 * glue. Every pass instance holds a copy of the compilation's hardware description. */
#include "gcim/Transforms/Passes.h"

#include "gcim/Support/Status.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each pass file defines its table entry; the order here is the pipeline's order. */
extern const GcimPassInfo gcimWidenFloatPassInfo;
extern const GcimPassInfo gcimFuseAttentionPassInfo;
extern const GcimPassInfo gcimMapAttentionPassInfo;
extern const GcimPassInfo gcimStreamPassInfo;
extern const GcimPassInfo gcimQuantizePassInfo;
extern const GcimPassInfo gcimSchedulePassInfo;
extern const GcimPassInfo gcimLowerRuntimePassInfo;
extern const GcimPassInfo gcimVerifyPassInfo;

static const GcimPassInfo *const passTable[] = {
    &gcimWidenFloatPassInfo,   &gcimFuseAttentionPassInfo, &gcimStreamPassInfo,
    &gcimMapAttentionPassInfo, &gcimQuantizePassInfo,      &gcimSchedulePassInfo,
    &gcimLowerRuntimePassInfo, &gcimVerifyPassInfo,
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

/* A pass instance: its table entry, one malloc'ed value per option, its hardware and the
 * callback counts it shares with its clones (NULL: not counted). */
typedef struct PassInstance {
  const GcimPassInfo *info;
  char **values;
  GcimHardware hw;
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

static PassInstance *createInstance(const GcimPassInfo *info, const GcimHardware *hw) {
  PassInstance *instance = calloc(1, sizeof *instance);
  if (!instance)
    return NULL;
  instance->info = info;
  instance->hw = *hw;
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
  PassInstance *copy = createInstance(original->info, &original->hw);
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

/* Checks `*value` (malloc'ed) against the option's type; a BOOL becomes "1" or "0". */
static GcimStatus checkValue(const GcimPassInfo *info, const GcimPassOptionInfo *option,
                             char **value, char **errMsg) {
  const char *text = *value;
  switch (option->type) {
  case GCIM_PASS_OPTION_BOOL: {
    bool on = strcmp(text, "true") == 0 || strcmp(text, "1") == 0;
    if (!on && strcmp(text, "false") != 0 && strcmp(text, "0") != 0)
      return gcimFail(errMsg, GCIM_ERROR_INVALID,
                      "option '%s' of pass '%s' must be true or false, not '%s'", option->name,
                      info->argument, text);
    (*value)[0] = on ? '1' : '0';
    (*value)[1] = '\0';
    return GCIM_OK;
  }
  case GCIM_PASS_OPTION_INT: {
    char *end;
    errno = 0;
    long long number = strtoll(text, &end, 10);
    if (end == text || *end || errno || number < 0)
      return gcimFail(errMsg, GCIM_ERROR_INVALID,
                      "option '%s' of pass '%s' must be an integer >= 0, not '%s'", option->name,
                      info->argument, text);
    return GCIM_OK;
  }
  case GCIM_PASS_OPTION_STRING:
    return GCIM_OK;
  case GCIM_PASS_OPTION_ENUM: {
    char choices[128] = "";
    for (const char *const *choice = option->choices; *choice; ++choice) {
      if (strcmp(text, *choice) == 0)
        return GCIM_OK;
      size_t used = strlen(choices);
      snprintf(choices + used, sizeof choices - used, "%s%s", used ? ", " : "", *choice);
    }
    return gcimFail(errMsg, GCIM_ERROR_INVALID,
                    "option '%s' of pass '%s' must be one of %s, not '%s'", option->name,
                    info->argument, choices, text);
  }
  }
  return GCIM_OK;
}

/* Parses "name=value name2=value2" into instance->values; defaults fill the rest; every
 * value is checked against its option's type. */
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
                      "option '%.*s' of pass '%s' needs a value (name=value)", (int)length, cursor,
                      info->argument);
    int index = findOption(info, cursor, (size_t)(equals - cursor));
    if (index < 0)
      return gcimFail(errMsg, GCIM_ERROR_INVALID, "pass '%s' has no option '%.*s'", info->argument,
                      (int)(equals - cursor), cursor);
    free(instance->values[index]);
    instance->values[index] = copyText(equals + 1, length - (size_t)(equals + 1 - cursor));
    if (!instance->values[index])
      return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
    cursor += length;
  }
  for (size_t i = 0; i < info->optionCount; ++i) {
    if (!instance->values[i]) {
      const char *fallback = info->options[i].defaultValue;
      instance->values[i] = copyText(fallback, strlen(fallback));
      if (!instance->values[i])
        return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
    }
    GcimStatus status = checkValue(info, &info->options[i], &instance->values[i], errMsg);
    if (status != GCIM_OK)
      return status;
  }
  return GCIM_OK;
}

static void constructInstance(void *userData) {
  count(userData, offsetof(GcimPassCallbackCounts, constructs));
}

static void runInstance(MlirOperation op, MlirExternalPass pass, void *userData) {
  const PassInstance *instance = userData;
  count(instance, offsetof(GcimPassCallbackCounts, runs));
  GcimPassOptions options = {instance->info->optionCount, (const char *const *)instance->values,
                             &instance->hw};
  if (mlirLogicalResultIsFailure(instance->info->run(op, &options)))
    mlirExternalPassSignalFailure(pass);
}

MlirPass gcimPassCreate(const GcimPassInfo *info, const GcimHardware *hw, const char *optionText,
                        char **errMsg) {
  return gcimPassCreateCounted(info, hw, optionText, NULL, errMsg);
}

MlirPass gcimPassCreateCounted(const GcimPassInfo *info, const GcimHardware *hw,
                               const char *optionText, GcimPassCallbackCounts *counts,
                               char **errMsg) {
  GcimHardware defaults;
  if (!hw) {
    gcimHardwareInitDefault(&defaults);
    hw = &defaults;
  }
  PassInstance *instance = createInstance(info, hw);
  if (!instance) {
    gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
    return (MlirPass){NULL};
  }
  instance->counts = counts;
  if (parseOptions(instance, optionText, errMsg) != GCIM_OK) {
    freeInstance(instance);
    return (MlirPass){NULL};
  }
  MlirExternalPassCallbacks callbacks = {constructInstance, destroyInstance, NULL, cloneInstance,
                                         runInstance};
  MlirStringRef argument = mlirStringRefCreateFromCString(info->argument);
  return mlirCreateExternalPass(
      mlirTypeIDCreate(info), argument, argument, mlirStringRefCreateFromCString(info->description),
      mlirStringRefCreateFromCString("builtin.module"), 0, NULL, callbacks, instance);
}

const char *gcimPassOptionsGet(const GcimPassOptions *options, const GcimPassInfo *info,
                               const char *name) {
  int index = findOption(info, name, strlen(name));
  assert(index >= 0 && (size_t)index < options->count && "unknown pass option");
  return options->values[index];
}

bool gcimPassOptionsGetBool(const GcimPassOptions *options, const GcimPassInfo *info,
                            const char *name) {
  return strcmp(gcimPassOptionsGet(options, info, name), "1") == 0;
}

int64_t gcimPassOptionsGetInt(const GcimPassOptions *options, const GcimPassInfo *info,
                              const char *name) {
  return strtoll(gcimPassOptionsGet(options, info, name), NULL, 10);
}
