/* ExpandEinsum.c: Einsum in the forms exporters write, as Transpose, MatMul and Reshape.
 *
 * One operand: a permutation ("ij->ji", "...ij->...ji"). Two operands: a batched product.
 * The letters are sorted into batch letters (in both operands and the output), the
 * contracted letters (in both, not in the output), and the free letters of each operand
 * (in it and the output only). The last free letter of each operand is its row (column)
 * of the product; its other free letters become leading batch dimensions that the other
 * operand broadcasts over (A's first, then B's, A getting ones in B's places). So A is
 * arranged (A extras, ones, batch, m, contracted), B (B extras, batch, n, contracted);
 * several contracted letters are merged by a Reshape; the product is A x B^T, written as
 * torch writes q k^T (the Transpose of B folds into its arrangement: "bhqk,bhkd->bhqd"
 * is a plain MatMul), and the result (A extras, B extras, batch, m, n) is permuted to the
 * output. An ellipsis stands for the leading dimensions, right-aligned between the
 * operands as in broadcasting (which needs the operands' ranks, ExpandShape.c).
 *
 * Refused with the equation named: more than two operands, a letter repeated in an
 * operand (diagonals), a letter summed over one operand only, an operand without a free
 * letter (matrix-vector and dot products). An outer product (no contracted letter) is a
 * product over an inserted contracted dimension of size 1. */
#include "Expand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_LETTERS = GCIM_MAX_RANK + 1 };

typedef struct Term {
  char letters[MAX_LETTERS];
  int count;
} Term;

/* The ellipsis of a term becomes symbols '0' + i for the last `dims` of `total` leading
 * dimensions, right-aligned. */
static bool parseTerm(const char *text, size_t length, int dims, int total, Term *t) {
  t->count = 0;
  for (size_t i = 0; i < length; ++i) {
    char c = text[i];
    if (c == ' ')
      continue;
    if (c == '.') {
      if (i + 2 >= length || text[i + 1] != '.' || text[i + 2] != '.' || dims < 0)
        return false;
      for (int d = total - dims; d < total; ++d) {
        if (t->count == MAX_LETTERS - 1)
          return false;
        t->letters[t->count++] = (char)('0' + d);
      }
      i += 2;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) || t->count == MAX_LETTERS - 1)
      return false;
    t->letters[t->count++] = c;
  }
  for (int i = 0; i < t->count; ++i)
    if (memchr(t->letters + i + 1, t->letters[i], (size_t)(t->count - i - 1)))
      return false; /* a diagonal */
  return true;
}

static bool has(const Term *t, char c) { return memchr(t->letters, c, (size_t)t->count) != NULL; }

static int indexOf(const Term *t, char c) {
  const char *p = memchr(t->letters, c, (size_t)t->count);
  return p ? (int)(p - t->letters) : -1;
}

static void push(Term *t, char c) { t->letters[t->count++] = c; }

/* x, with letters `from`, transposed to `order` (into `out` when not NULL). */
static const char *permute(GcimOnnxBuilder *b, const char *name, const char *x, const Term *from,
                           const Term *order, const char *out) {
  int64_t perm[MAX_LETTERS];
  bool identity = true;
  for (int i = 0; i < order->count; ++i) {
    perm[i] = indexOf(from, order->letters[i]);
    identity = identity && perm[i] == i;
  }
  if (identity && !out)
    return x;
  if (!identity)
    return gcimOnnxBuildTranspose(b, name, x, perm, (size_t)order->count, out);
  gcimOnnxBuildNode(b, "Identity", name, 1, &x, out);
  return out;
}

/* Merges the last `count` dimensions of a rank-`rank` value into one. */
static const char *mergeLast(GcimOnnxBuilder *b, const char *name, const char *x, int rank,
                             int count) {
  int64_t shape[MAX_LETTERS] = {0};
  if (count <= 1)
    return x;
  shape[rank - count] = -1;
  return gcimOnnxBuildBinary(
      b, "Reshape", name, x,
      gcimOnnxBuildConstantInts(b, gcimOnnxExpansionPrintf(b->ex, "%s_shape", name), shape,
                                (size_t)(rank - count + 1)),
      NULL);
}

/* Inserts `count` ones at `at`. */
static const char *ones(GcimOnnxBuilder *b, const char *name, const char *x, int at, int count) {
  int64_t axes[MAX_LETTERS];
  if (count == 0)
    return x;
  for (int i = 0; i < count; ++i)
    axes[i] = at + i;
  return gcimOnnxBuildBinary(
      b, "Unsqueeze", name, x,
      gcimOnnxBuildConstantInts(b, gcimOnnxExpansionPrintf(b->ex, "%s_axes", name), axes,
                                (size_t)count),
      NULL);
}

static int refuse(GcimOnnxBuilder *b, const char *equation, const char *why) {
  gcimOnnxImportError(b->im, "equation '%s' is not supported: %s", equation, why);
  return -1;
}

static int product(GcimOnnxBuilder *b, const char *equation, const Term *ta, const Term *tb,
                   const Term *out) {
  Term extraA = {0}, extraB = {0}, batch = {0}, contracted = {0}, freeA = {0}, freeB = {0};
  for (int i = 0; i < ta->count; ++i) {
    char c = ta->letters[i];
    if (!has(out, c) && !has(tb, c))
      return refuse(b, equation, "a letter is summed over one operand only");
    if (!has(out, c))
      push(&contracted, c);
  }
  for (int i = 0; i < tb->count; ++i)
    if (!has(out, tb->letters[i]) && !has(ta, tb->letters[i]))
      return refuse(b, equation, "a letter is summed over one operand only");
  for (int i = 0; i < out->count; ++i) {
    char c = out->letters[i];
    push(has(ta, c) && has(tb, c) ? &batch : has(ta, c) ? &freeA : &freeB, c);
  }
  if (!freeA.count || !freeB.count)
    return refuse(b, equation, "each operand needs a letter of its own in the output");
  if (ta->count + freeB.count - (contracted.count ? 1 : 0) > GCIM_MAX_RANK)
    return refuse(b, equation, "the product would have more than 8 dimensions");
  char m = freeA.letters[freeA.count - 1], n = freeB.letters[freeB.count - 1];
  memcpy(&extraA, &freeA, sizeof extraA);
  extraA.count--;
  memcpy(&extraB, &freeB, sizeof extraB);
  extraB.count--;
  Term orderA = extraA, orderB = extraB, result = extraA;
  for (int i = 0; i < batch.count; ++i)
    push(&orderA, batch.letters[i]), push(&orderB, batch.letters[i]);
  push(&orderA, m);
  push(&orderB, n);
  for (int i = 0; i < contracted.count; ++i)
    push(&orderA, contracted.letters[i]), push(&orderB, contracted.letters[i]);
  for (int i = 0; i < extraB.count; ++i)
    push(&result, extraB.letters[i]);
  for (int i = 0; i < batch.count; ++i)
    push(&result, batch.letters[i]);
  push(&result, m);
  push(&result, n);
  /* A: (A extras, ones for B's extras, batch, m, K). */
  const char *a = permute(b, "a_arranged", gcimOnnxBuildInput(b->node, 0), ta, &orderA, NULL);
  a = ones(b, "a_broadcast", a, extraA.count, extraB.count);
  a = mergeLast(b, "a_contracted", a, orderA.count + extraB.count, contracted.count);
  /* B: (B extras, batch, K, n), from (..., n, K) when K merges several letters. */
  const char *bv;
  if (!contracted.count) {
    /* An outer product (torch.outer, rotary frequencies' "i,j->ij"): a MatMul over one
     * contracted dimension of size 1, exact. */
    a = ones(b, "a_outer", a, orderA.count + extraB.count, 1);
    bv = ones(b, "b_outer",
              permute(b, "b_arranged", gcimOnnxBuildInput(b->node, 1), tb, &orderB, NULL),
              orderB.count - 1, 1);
  } else if (contracted.count == 1) {
    Term kn = orderB;
    kn.letters[kn.count - 2] = contracted.letters[0];
    kn.letters[kn.count - 1] = n;
    bv = permute(b, "b_arranged", gcimOnnxBuildInput(b->node, 1), tb, &kn, NULL);
  } else {
    Term nk = orderB, kn = orderB;
    kn.count = nk.count - contracted.count + 1;
    kn.letters[kn.count - 2] = '#';
    kn.letters[kn.count - 1] = n;
    nk.count = kn.count;
    nk.letters[nk.count - 2] = n;
    nk.letters[nk.count - 1] = '#';
    bv = mergeLast(b, "b_contracted",
                   permute(b, "b_arranged", gcimOnnxBuildInput(b->node, 1), tb, &orderB, NULL),
                   orderB.count, contracted.count);
    bv = permute(b, "b_transposed", bv, &nk, &kn, NULL);
  }
  const char *y = gcimOnnxBuildOutput(b->node, 0);
  bool last = true;
  for (int i = 0; i < out->count; ++i)
    last = last && out->letters[i] == result.letters[i];
  const char *ab = gcimOnnxBuildBinary(b, "MatMul", "product", a, bv, last ? y : NULL);
  if (!last)
    permute(b, "output", ab, &result, out, y);
  return b->ok ? 1 : -1;
}

/* The number of dimensions the ellipsis of `term` stands for, from its operand's rank: 0
 * without one, -1 when the rank is unknown. */
static int ellipsisDims(GcimOnnxBuilder *b, const char *term, size_t length, const char *operand) {
  int letters = 0;
  bool ellipsis = false;
  for (size_t i = 0; i < length; ++i) {
    if (term[i] == '.')
      ellipsis = true;
    else if (term[i] != ' ')
      ++letters;
  }
  if (!ellipsis)
    return 0;
  int rank = operand ? gcimOnnxValueRank(gcimOnnxExpansionRanks(b->ex), b->im->graph, operand) : -1;
  return rank >= letters ? rank - letters : -1;
}

/* The implicit output: the ellipsis, then the letters used once, in alphabetical order. */
static void implicitOutput(const Term *terms, int count, int total, Term *out) {
  out->count = 0;
  for (int d = 0; d < total; ++d)
    push(out, (char)('0' + d));
  for (int c = 'A'; c <= 'z'; ++c) {
    int uses = 0;
    for (int t = 0; t < count; ++t)
      uses += has(&terms[t], (char)c);
    if (uses == 1 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) &&
        out->count < MAX_LETTERS - 1)
      push(out, (char)c);
  }
}

int gcimOnnxExpandEinsum(GcimOnnxBuilder *b) {
  const Onnx__AttributeProto *attr = gcimOnnxFindAttr(b->node, "equation");
  char equation[128];
  if (!attr || !attr->has_s || attr->s.len >= sizeof equation) {
    gcimOnnxImportError(b->im, "needs an 'equation' of fewer than %zu characters", sizeof equation);
    return -1;
  }
  memcpy(equation, attr->s.data, attr->s.len);
  equation[attr->s.len] = '\0';
  const char *arrow = strstr(equation, "->");
  size_t inputsEnd = arrow ? (size_t)(arrow - equation) : strlen(equation);
  const char *comma = memchr(equation, ',', inputsEnd);
  int count = comma ? 2 : 1;
  if ((comma && memchr(comma + 1, ',', inputsEnd - (size_t)(comma + 1 - equation))) ||
      b->node->n_input != (size_t)count || !gcimOnnxBuildOutput(b->node, 0))
    return refuse(b, equation, "one or two operands and one output are supported");
  const char *starts[3] = {equation, comma ? comma + 1 : NULL, arrow ? arrow + 2 : NULL};
  size_t lengths[3] = {comma ? (size_t)(comma - equation) : inputsEnd,
                       comma ? inputsEnd - (size_t)(comma + 1 - equation) : 0,
                       arrow ? strlen(arrow + 2) : 0};
  int dims[2] = {0, 0}, total = 0;
  for (int t = 0; t < count; ++t) {
    dims[t] = ellipsisDims(b, starts[t], lengths[t], gcimOnnxBuildInput(b->node, (size_t)t));
    if (dims[t] < 0)
      return refuse(b, equation, "the rank an ellipsis stands for is not known before import");
    total = dims[t] > total ? dims[t] : total;
  }
  Term terms[2], out;
  for (int t = 0; t < count; ++t)
    if (!parseTerm(starts[t], lengths[t], dims[t], total, &terms[t]))
      return refuse(b, equation, "letters repeated in an operand (diagonals) or not a-z, A-Z");
  if (arrow ? !parseTerm(starts[2], lengths[2], total, total, &out)
            : (implicitOutput(terms, count, total, &out), false))
    return refuse(b, equation, "letters repeated in the output or not a-z, A-Z");
  for (int i = 0; i < out.count; ++i)
    if (!has(&terms[0], out.letters[i]) && (count == 1 || !has(&terms[1], out.letters[i])))
      return refuse(b, equation, "an output letter is in no operand");
  if (count == 2)
    return product(b, equation, &terms[0], &terms[1], &out);
  if (out.count != terms[0].count)
    return refuse(b, equation, "a letter is summed over one operand only");
  permute(b, "transpose", gcimOnnxBuildInput(b->node, 0), &terms[0], &out,
          gcimOnnxBuildOutput(b->node, 0));
  return b->ok ? 1 : -1;
}
