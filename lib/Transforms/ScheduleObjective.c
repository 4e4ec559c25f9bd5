/* ScheduleObjective.c: what gcim-schedule minimises (docs/HardwareModel.md section 6, rule
 * 8): one figure per token (latency, energy, area), the others breaking ties, or a weighted
 * sum of the three, each divided by the least among the candidates that fit the budget, so
 * that the weights compare ratios (1 = as good as the best there is), not units. */
#include "SchedulePlan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const figureNames[] = {"latency", "energy", "area"};

bool gcimObjectiveParse(const char *text, GcimObjective *objective) {
  for (int i = 0; i < 3; ++i)
    if (strcmp(text, figureNames[i]) == 0) {
      *objective = (GcimObjective)i;
      return true;
    }
  if (strcmp(text, "weighted") != 0)
    return false;
  *objective = GCIM_OBJECTIVE_WEIGHTED;
  return true;
}

const char *gcimObjectiveName(GcimObjective objective) {
  return objective == GCIM_OBJECTIVE_WEIGHTED ? "weighted" : figureNames[objective];
}

/* One "key=value" of a weights text into weights[]; false with why. */
static bool parseWeight(const char *item, size_t length, double weights[3], bool seen[3], char *why,
                        size_t size) {
  const char *equals = memchr(item, '=', length);
  size_t keyLength = equals ? (size_t)(equals - item) : length;
  for (int k = 0; k < 3; ++k) {
    if (keyLength != strlen(figureNames[k]) || strncmp(item, figureNames[k], keyLength) != 0)
      continue;
    char value[64] = "", *end = NULL;
    size_t valueLength = equals ? length - keyLength - 1 : 0;
    if (valueLength > 0 && valueLength < sizeof value)
      memcpy(value, equals + 1, valueLength);
    double weight = valueLength > 0 && valueLength < sizeof value ? strtod(value, &end) : -1.0;
    if (seen[k] || !end || *end || !isfinite(weight) || weight < 0.0) {
      snprintf(why, size, "the weight of %s %s", figureNames[k],
               seen[k] ? "is given twice" : "must be a number >= 0, as in latency=1");
      return false;
    }
    seen[k] = true;
    weights[k] = weight;
    return true;
  }
  snprintf(why, size, "'%.*s' is not latency=W, energy=W or area=W", (int)length, item);
  return false;
}

bool gcimScheduleWeightsParse(const char *text, double weights[3], char *why, size_t size) {
  bool seen[3] = {false, false, false};
  weights[0] = weights[1] = weights[2] = 0.0;
  for (const char *item = text;;) {
    size_t length = strcspn(item, ",:"); /* ':' where a pass option cannot hold ',' */
    const char *comma = item[length] ? item + length : NULL;
    if (!parseWeight(item, length, weights, seen, why, size))
      return false;
    if (!comma)
      break;
    item = comma + 1;
  }
  if (weights[0] + weights[1] + weights[2] > 0.0)
    return true;
  snprintf(why, size, "at least one weight must be above 0");
  return false;
}

void gcimScheduleWeightsFormat(const double weights[3], char *text, size_t size) {
  snprintf(text, size, "latency=%.17g,energy=%.17g,area=%.17g", weights[0], weights[1], weights[2]);
}

/* The weighted sum of a's figures, each relative to the least there is. */
static double weightedScore(const GcimSchedule *a, const double weights[3], const double least[3]) {
  double figures[3] = {a->stepNs, a->energyPJPerToken, a->areaMm2}, score = 0.0;
  for (int k = 0; k < 3; ++k)
    score += weights[k] * (least[k] > 0.0 ? figures[k] / least[k] : figures[k]);
  return score;
}

bool gcimScheduleBetter(const GcimSchedule *a, const GcimSchedule *b, const GcimGoal *goal,
                        const double least[3]) {
  if (goal->objective == GCIM_OBJECTIVE_WEIGHTED) {
    double sa = weightedScore(a, goal->weights, least);
    double sb = weightedScore(b, goal->weights, least);
    if (sa != sb)
      return sa < sb;
  }
  double ka[3] = {a->stepNs, a->energyPJPerToken, a->areaMm2};
  double kb[3] = {b->stepNs, b->energyPJPerToken, b->areaMm2};
  static const int order[4][3] = {{0, 1, 2}, {1, 0, 2}, {2, 0, 1}, {0, 1, 2}};
  for (int i = 0; i < 3; ++i) {
    int key = order[goal->objective][i];
    if (ka[key] != kb[key])
      return ka[key] < kb[key];
  }
  return false;
}
