/* ExpandQuant.c: weight-quantized operators, imported in float32 (called by ExpandOps.c;
 * MatMulNBits and the codes-times-scales form in ExpandQuantWeights.c).
 *
 * - DequantizeLinear: (x - zero_point) * scale, per tensor (scalar scale), per axis (1-D
 *   scale along `axis`) or per block (opset 21 `block_size`), of any integer x, int4 and
 *   uint4 (two a byte) too. When x, the scale and the zero point are initializers (a
 *   quantized weight) only products read, the codes stay integral: (Cast(Q) - Z) * S, Q the
 *   (K, N) codes (int8 or uint8 constants, 4-bit ones one a byte; an int8 or uint8 x in
 *   that layout is Q itself, never copied), Z the zero points (when any is not 0) and S
 *   the scales as float32 Constants, N or a scalar of them, or per block of B rows Q
 *   reshaped to (G, B, N) times (G, 1, N), G = ceil(K / B), reshaped to (G * B, N) and
 *   sliced to its first K rows when the last block is short (LowerRuntimeNarrow.c makes it
 *   a product on int8 or 4-bit codes); an (N, K) weight that Gemm reads with transB, or a
 *   Transpose feeding MatMul, scaled per row or per block of columns, the same for its
 *   transpose under a Transpose. Wider codes (16 or 32 bits) stay a float32 Constant of
 *   x - zero_point (exact) times S. Other weights become float32 Constants. Otherwise Cast,
 *   Sub and Mul, the scale and zero point reshaped to broadcast along `axis` (which needs
 *   x's rank from the graph's declarations).
 * - QuantizeLinear: saturate(round_half_even(x / scale) + zero_point) into the zero point's
 *   type (uint8 without one): Div, a Clip to +-2^22 (beyond which every result saturates
 *   anyway), the rounding of float32 addition of 1.5 * 2^23 and its subtraction (exact to
 *   nearest even below 2^22), Add, Clip to the type's range, Cast.
 * (q - zero_point) * scale is one float32 rounding, here or in the Mul, as ONNX Runtime's. */
#include "ExpandQuant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool gcimOnnxIsQuantOp(const Onnx__NodeProto *node) {
  return gcimOnnxQuantNodeIs(node, "", "DequantizeLinear") ||
         gcimOnnxQuantNodeIs(node, "", "QuantizeLinear") ||
         gcimOnnxQuantNodeIs(node, "com.microsoft", "MatMulNBits");
}

/* The rank and element type `name` is declared with (graph input, value_info,
 * initializer); false when it is not declared. */
static bool declared(const Onnx__GraphProto *g, const char *name, int64_t *rank, int32_t *type) {
  const Onnx__ValueInfoProto *const *lists[] = {(const Onnx__ValueInfoProto *const *)g->input,
                                                (const Onnx__ValueInfoProto *const *)g->value_info};
  const size_t counts[] = {g->n_input, g->n_value_info};
  for (size_t l = 0; name && l < 2; ++l)
    for (size_t i = 0; i < counts[l]; ++i) {
      const Onnx__ValueInfoProto *v = lists[l][i];
      if (v->name && strcmp(v->name, name) == 0 && v->type && v->type->tensor_type &&
          v->type->tensor_type->shape) {
        *rank = (int64_t)v->type->tensor_type->shape->n_dim;
        *type = v->type->tensor_type->elem_type;
        return true;
      }
    }
  const Onnx__TensorProto *t = gcimOnnxQuantFindInitializer(g, name, NULL);
  if (t) {
    *rank = (int64_t)t->n_dims;
    *type = t->data_type;
  }
  return t != NULL;
}

/* The rank of `name`: declared, or that of x of the QuantizeLinear or DequantizeLinear
 * that computes it (a fake-quantization pair); false when unknown. */
static bool rankOf(const Onnx__GraphProto *g, const char *name, int64_t *rank, int depth) {
  int32_t type;
  if (declared(g, name, rank, &type))
    return true;
  for (size_t i = 0; name && depth < 8 && i < g->n_node; ++i) {
    const Onnx__NodeProto *n = g->node[i];
    if (n->n_output > 0 && strcmp(n->output[0], name) == 0 && n->n_input > 0 &&
        (gcimOnnxQuantNodeIs(n, "", "QuantizeLinear") ||
         gcimOnnxQuantNodeIs(n, "", "DequantizeLinear")))
      return rankOf(g, n->input[0], rank, depth + 1);
  }
  return false;
}

static double constAt(const ConstData *c, int64_t i) {
  return c->floats ? c->floats[i] : (double)c->ints[i];
}

/* The scale (and zero point) index of element i of a tensor of shape `type`: 0 for a
 * scalar scale, the index along `axis` for a 1-D one, and for a per-block scale (x's rank,
 * ceil(d / block) along the axis) the element's block. */
static int64_t scaleIndex(const TypeInfo *type, int64_t axis, int64_t block, int64_t i,
                          const TypeInfo *scale) {
  if (scale->rank == 0 || (scale->rank == 1 && scale->dims[0] == 1))
    return 0;
  int64_t inner = 1;
  for (int32_t d = type->rank - 1; d > axis; --d)
    inner *= type->dims[d];
  int64_t along = i / inner % type->dims[axis];
  if (scale->rank == 1)
    return along;
  int64_t outer = i / (inner * type->dims[axis]);
  return (outer * scale->dims[axis] + along / block) * inner + i % inner;
}

/* Whether the scale's (and zero point's) shape suits x's: scalar, 1-D along the axis, or
 * per block (a diagnostic when not). */
static bool scaleFits(GcimOnnxBuilder *b, const TypeInfo *x, int64_t axis, int64_t block,
                      const TypeInfo *scale, const TypeInfo *zero) {
  bool fits = scale->rank == 0 || (scale->rank == 1 && scale->dims[0] == 1);
  if (!fits && !block)
    fits = scale->rank == 1 && scale->dims[0] == x->dims[axis];
  if (!fits && block > 0 && scale->rank == x->rank) {
    fits = true;
    for (int32_t d = 0; d < x->rank; ++d)
      fits = fits && scale->dims[d] == (d == axis ? (x->dims[d] + block - 1) / block : x->dims[d]);
  }
  if (zero && fits) {
    fits = zero->rank == scale->rank;
    for (int32_t d = 0; fits && d < zero->rank; ++d)
      fits = zero->dims[d] == scale->dims[d];
  }
  if (!fits)
    gcimOnnxImportError(b->im, "the scale or zero point does not fit x's shape along axis %lld",
                        (long long)axis);
  return fits;
}

/* The integer codes times scales of `w` (its scales filled, `zeros` too when any is not
 * 0), (K, N) from x (N, K) when transposed: the initializer itself when it holds int8 or
 * uint8 codes in that layout, else a copy of its codes (8-bit or 4-bit, one a byte). */
static void integralWeight(GcimOnnxBuilder *b, const GcimOnnxQuantCodes *x,
                           const GcimOnnxQuantCodes *z, const int64_t *zeroIndex,
                           GcimOnnxQuantWeight *w, const char *out) {
  int64_t rows = w->block ? (w->k + w->block - 1) / w->block * w->block : w->k;
  bool anyZero = false;
  for (int64_t i = 0; z->name && i < w->scaleCount; ++i) {
    w->zeros[i] = (float)gcimOnnxQuantCodeAt(z, zeroIndex[i]);
    anyZero = anyZero || w->zeros[i] != 0.0f;
  }
  if (!anyZero) {
    free(w->zeros);
    w->zeros = NULL;
  }
  bool bytes = x->type.elemType == DT_INT8 || x->type.elemType == DT_UINT8;
  if (x->bits == 8 && bytes && !w->transposed && rows == w->k) {
    w->codes = x->name; /* read in place, never copied */
    if (x->count > 16 && !gcimOnnxExpansionMarkOpaque(b->ex, x->name))
      b->ok = false;
  } else {
    uint8_t *codes = calloc((size_t)(rows * w->n) + 1, 1);
    if (!codes) {
      free(w->zeros);
      free(w->scales);
      gcimOnnxImportError(b->im, "out of memory");
      b->ok = false;
      return;
    }
    int64_t columns = x->type.dims[1];
    for (int64_t i = 0; i < x->count; ++i)
      codes[w->transposed ? i % columns * w->n + i / columns : i] =
          (uint8_t)gcimOnnxQuantCodeAt(x, i);
    w->codes = gcimOnnxBuildTemp(b, "codes");
    gcimOnnxQuantConstantCodes(b, w->codes, rows, w->n, codes, x->isSigned);
  }
  gcimOnnxQuantCodesTimesScales(b, out, w);
}

/* DequantizeLinear of initializers, computed here; false when x is not one. */
static bool dequantizeConstant(GcimOnnxBuilder *b, int64_t axisAttr, int64_t block) {
  const Onnx__NodeProto *node = b->node;
  TypeInfo st;
  GcimOnnxQuantCodes x = {0}, z = {0};
  const char *zeroName = gcimOnnxBuildInput(node, 2);
  bool found = gcimOnnxQuantCodesOpen(b, gcimOnnxBuildInput(node, 0), &x);
  ConstData *s = found ? gcimOnnxQuantInitializer(b, gcimOnnxBuildInput(node, 1), &st) : NULL;
  bool zFound = s && zeroName && gcimOnnxQuantCodesOpen(b, zeroName, &z);
  bool done = found && s && (zFound || !zeroName);
  if (done && (!x.integer || (zFound && !z.integer))) {
    gcimOnnxImportError(b->im, "x and the zero point must be integer tensors");
    b->ok = done = false;
  }
  const TypeInfo xt = x.type;
  int64_t axis = axisAttr < 0 ? axisAttr + xt.rank : axisAttr;
  if (done && st.rank > 0 && (axis < 0 || axis >= xt.rank)) {
    gcimOnnxImportError(b->im, "'axis' %lld is out of range for rank %d", (long long)axisAttr,
                        (int)xt.rank);
    b->ok = done = false;
  }
  if (done && !scaleFits(b, &xt, axis, block, &st, zFound ? &z.type : NULL))
    b->ok = done = false;
  /* Integer codes times scales: a (K, N) weight of MatMuls scaled per tensor, per column
   * (axis 1) or per block of rows (axis 0); or an (N, K) weight read transposed (Gemm
   * transB, Transpose into MatMul) per tensor, per row (axis 0) or per block of columns
   * (axis 1), written as its (K, N) transpose (the codes and scales transposed here). */
  GcimOnnxWeightUse use =
      done && xt.rank == 2
          ? gcimOnnxQuantWeightUse(b->im->graph, gcimOnnxBuildOutput(node, 0), xt.dims[0])
          : GCIM_ONNX_WEIGHT_OTHER;
  bool transposed = use == GCIM_ONNX_WEIGHT_TRANSPOSED,
       perTensor = st.rank == 0 || (st.rank == 1 && st.dims[0] == 1);
  int64_t along = transposed ? 0 : 1; /* the axis of the product's N */
  bool integral = use != GCIM_ONNX_WEIGHT_OTHER &&
                  (block ? axis == 1 - along : perTensor || (st.rank == 1 && axis == along));
  int64_t scaleCount = st.rank == 0 ? 1 : s ? s->count : 0;
  int64_t rows = xt.rank == 2 ? xt.dims[0] : 0, columns = xt.rank == 2 ? xt.dims[1] : 0;
  GcimOnnxQuantWeight w = {.integral = x.bits > 0,
                           .k = transposed ? columns : rows,
                           .n = transposed ? rows : columns,
                           .block = block,
                           .scaleCount = scaleCount,
                           .transposed = transposed};
  float *y = done && (!integral || !w.integral)
                 ? gcimOnnxQuantFloats(b, integral ? (w.k + block) * w.n : x.count)
                 : NULL;
  w.scales = integral && done ? gcimOnnxQuantFloats(b, scaleCount) : NULL;
  w.zeros = w.scales && w.integral ? gcimOnnxQuantFloats(b, scaleCount) : NULL;
  int64_t *zeroIndex = w.zeros ? malloc((size_t)scaleCount * sizeof *zeroIndex + 1) : NULL;
  for (int64_t i = 0; y && i < x.count; ++i) { /* float32 codes minus zero points, or weights */
    int64_t k = scaleIndex(&xt, axis, block ? block : 1, i, &st);
    double code =
        (double)gcimOnnxQuantCodeAt(&x, i) - (zFound ? (double)gcimOnnxQuantCodeAt(&z, k) : 0.0);
    int64_t at = integral && transposed ? i % columns * rows + i / columns : i;
    y[at] = (float)(integral ? code : code * (float)constAt(s, k));
  }
  /* Per block of columns of (N, K): scales (N, G) become (G, N). */
  int64_t groups = block && transposed && integral ? st.dims[1] : 1;
  for (int64_t i = 0; w.scales && i < scaleCount; ++i) {
    int64_t from = groups > 1 ? i % rows * groups + i / rows : i;
    w.scales[i] = (float)constAt(s, from);
    if (zeroIndex)
      zeroIndex[i] = from;
  }
  bool ready = done && b->ok;
  if (ready && integral && w.integral && zeroIndex) {
    integralWeight(b, &x, &z, zeroIndex, &w, gcimOnnxBuildOutput(node, 0));
  } else if (ready && integral && !w.integral && w.scales && y) {
    int64_t padded = block ? (w.k + block - 1) / block * block : w.k;
    memset(y + w.k * w.n, 0, (size_t)((padded - w.k) * w.n) * sizeof *y);
    w.codes = gcimOnnxBuildTemp(b, "codes");
    const int64_t dims[2] = {padded, w.n};
    gcimOnnxQuantConstantF32(b, "codes", w.codes, dims, 2, y, padded * w.n);
    gcimOnnxQuantCodesTimesScales(b, gcimOnnxBuildOutput(node, 0), &w);
  } else if (ready && !integral && y) {
    gcimOnnxQuantConstantF32(b, "dequantized", gcimOnnxBuildOutput(node, 0), xt.dims,
                             (size_t)xt.rank, y, x.count);
  } else {
    free(y);
    free(w.scales);
    free(w.zeros);
    if (done && b->ok)
      gcimOnnxImportError(b->im, "out of memory");
    b->ok = b->ok && !done;
  }
  free(zeroIndex);
  gcimOnnxQuantCodesClose(&x);
  gcimOnnxConstDestroy(s);
  gcimOnnxQuantCodesClose(&z);
  return done || !b->ok;
}

/* The scale or zero point `name` broadcast along `axis` of a rank-`rank` tensor: reshaped to
 * (d, 1, ..., 1) when it is 1-D and the axis is not the last. */
static const char *alongAxis(GcimOnnxBuilder *b, const char *name, const char *part, int64_t rank,
                             int64_t axis, int64_t ownRank) {
  if (ownRank == 0 || axis == rank - 1)
    return name;
  int64_t shape[GCIM_MAX_RANK] = {-1};
  for (int64_t d = 1; d < rank - axis; ++d)
    shape[d] = 1;
  char dimsPart[32];
  snprintf(dimsPart, sizeof dimsPart, "%s_dims", part);
  const char *dims = gcimOnnxBuildConstantInts(b, dimsPart, shape, (size_t)(rank - axis));
  return gcimOnnxBuildBinary(b, "Reshape", part, name, dims, NULL);
}

static const char *cast(GcimOnnxBuilder *b, const char *part, const char *x, int32_t to,
                        const char *out) {
  out = out ? out : gcimOnnxBuildTemp(b, part);
  Onnx__AttributeProto *a = gcimOnnxBuildAttr(b, gcimOnnxBuildNode(b, "Cast", part, 1, &x, out),
                                              "to", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  if (a) {
    a->has_i = 1;
    a->i = to;
  }
  return out;
}

/* Clip(x, lo, hi). */
static const char *clip(GcimOnnxBuilder *b, const char *part, const char *x, float lo, float hi,
                        const char *out) {
  char loPart[32], hiPart[32];
  snprintf(loPart, sizeof loPart, "%s_min", part);
  snprintf(hiPart, sizeof hiPart, "%s_max", part);
  const char *ins[] = {x, gcimOnnxBuildConstantFloat(b, loPart, lo),
                       gcimOnnxBuildConstantFloat(b, hiPart, hi)};
  out = out ? out : gcimOnnxBuildTemp(b, part);
  gcimOnnxBuildNode(b, "Clip", part, 3, ins, out);
  return out;
}

/* Rank of x and of the scale for the graph forms; false after a diagnostic. */
static bool graphRanks(GcimOnnxBuilder *b, int64_t axisAttr, int64_t *rank, int64_t *axis,
                       int64_t *scaleRank) {
  int32_t type;
  const Onnx__GraphProto *g = b->im->graph;
  if (!declared(g, gcimOnnxBuildInput(b->node, 1), scaleRank, &type)) {
    gcimOnnxImportError(b->im, "the scale's rank must be declared (graph input or value_info)");
    return false;
  }
  *rank = 0;
  *axis = axisAttr;
  if (*scaleRank == 0)
    return true;
  if (!rankOf(g, gcimOnnxBuildInput(b->node, 0), rank, 0) || *rank < 1) {
    gcimOnnxImportError(b->im, "a per-axis scale needs x's rank declared (graph input or "
                               "value_info) when x is not an initializer");
    return false;
  }
  *axis = axisAttr < 0 ? axisAttr + *rank : axisAttr;
  if (*axis < 0 || *axis >= *rank) {
    gcimOnnxImportError(b->im, "'axis' %lld is out of range for rank %lld", (long long)axisAttr,
                        (long long)*rank);
    return false;
  }
  return true;
}

/* (Cast(x) - Cast(zero point)) * scale, for x computed in the graph. */
static void dequantizeGraph(GcimOnnxBuilder *b, int64_t axisAttr) {
  const Onnx__NodeProto *node = b->node;
  int64_t rank, axis, scaleRank;
  if (!graphRanks(b, axisAttr, &rank, &axis, &scaleRank)) {
    b->ok = false;
    return;
  }
  const char *x = cast(b, "x_float", gcimOnnxBuildInput(node, 0), 1, NULL);
  if (gcimOnnxBuildInput(node, 2)) {
    const char *zero = cast(b, "zero_float", gcimOnnxBuildInput(node, 2), 1, NULL);
    x = gcimOnnxBuildBinary(b, "Sub", "centered", x,
                            alongAxis(b, zero, "zero_shape", rank, axis, scaleRank), NULL);
  }
  gcimOnnxBuildBinary(
      b, "Mul", "scaled", x,
      alongAxis(b, gcimOnnxBuildInput(node, 1), "scale_shape", rank, axis, scaleRank),
      gcimOnnxBuildOutput(node, 0));
}

/* saturate(round_half_even(x / scale) + zero point), as the file comment says. */
static void quantizeGraph(GcimOnnxBuilder *b, int64_t axisAttr) {
  const Onnx__NodeProto *node = b->node;
  int64_t rank, axis, scaleRank, zeroRank;
  int32_t type = 2; /* uint8 without a zero point */
  const char *zeroName = gcimOnnxBuildInput(node, 2);
  if (!graphRanks(b, axisAttr, &rank, &axis, &scaleRank) ||
      (zeroName && !declared(b->im->graph, zeroName, &zeroRank, &type))) {
    if (b->ok && zeroName)
      gcimOnnxImportError(b->im, "the zero point's type must be declared");
    b->ok = false;
    return;
  }
  /* 0 is ONNX's "unset" (ONNX Runtime writes it out): the zero point's type then rules. */
  int64_t outputType = gcimOnnxNodeIntAttr(node, "output_dtype", 0);
  type = outputType ? (int32_t)outputType : type;
  float lo, hi;
  switch (type) {
  case 2:
    lo = 0.0f, hi = 255.0f;
    break;
  case 3:
    lo = -128.0f, hi = 127.0f;
    break;
  case 4:
    lo = 0.0f, hi = 65535.0f;
    break;
  case 5:
    lo = -32768.0f, hi = 32767.0f;
    break;
  default:
    gcimOnnxImportError(b->im, "only 8- and 16-bit integer outputs are supported, not type %d",
                        (int)type);
    b->ok = false;
    return;
  }
  const char *t = gcimOnnxBuildBinary(
      b, "Div", "divided", gcimOnnxBuildInput(node, 0),
      alongAxis(b, gcimOnnxBuildInput(node, 1), "scale_shape", rank, axis, scaleRank), NULL);
  t = clip(b, "bounded", t, -4194304.0f, 4194304.0f, NULL);
  const char *magic = gcimOnnxBuildConstantFloat(b, "round_magic", 12582912.0f);
  t = gcimOnnxBuildBinary(b, "Sub", "rounded",
                          gcimOnnxBuildBinary(b, "Add", "round_up", t, magic, NULL), magic, NULL);
  if (zeroName)
    t = gcimOnnxBuildBinary(
        b, "Add", "shifted", t,
        alongAxis(b, cast(b, "zero_float", zeroName, 1, NULL), "zero_shape", rank, axis, scaleRank),
        NULL);
  cast(b, "quantized", clip(b, "saturated", t, lo, hi, NULL), type, gcimOnnxBuildOutput(node, 0));
}

int gcimOnnxExpandQuant(GcimOnnxBuilder *b) {
  const Onnx__NodeProto *node = b->node;
  if (gcimOnnxQuantNodeIs(node, "com.microsoft", "MatMulNBits")) {
    gcimOnnxExpandMatMulNBits(b);
  } else {
    bool dequantize = gcimOnnxQuantNodeIs(node, "", "DequantizeLinear");
    int64_t axis = gcimOnnxNodeIntAttr(node, "axis", 1);
    int64_t block = gcimOnnxNodeIntAttr(node, "block_size", 0);
    if (!gcimOnnxBuildInput(node, 0) || !gcimOnnxBuildInput(node, 1) ||
        !gcimOnnxBuildOutput(node, 0) || block < 0) {
      gcimOnnxImportError(b->im, "needs x, a scale, an output and 'block_size' >= 0");
      return -1;
    }
    if (dequantize && !dequantizeConstant(b, axis, block) && b->ok) {
      if (block)
        gcimOnnxImportError(b->im, "a per-block scale needs x, scale and zero point as "
                                   "initializers");
      else
        dequantizeGraph(b, axis);
      b->ok = b->ok && !block;
    } else if (!dequantize && block) {
      gcimOnnxImportError(b->im, "a per-block QuantizeLinear is not supported");
      b->ok = false;
    } else if (!dequantize) {
      quantizeGraph(b, axis);
    }
  }
  if (!b->ok && !b->im->failed)
    gcimOnnxImportError(b->im, "out of memory");
  return b->ok ? 1 : -1;
}
