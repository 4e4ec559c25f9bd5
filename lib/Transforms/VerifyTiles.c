/* VerifyTiles.c: gcim-verify's checks of the gcim step- and tile-level ops.
 *
 * Shapes (ranks, agreeing batch/heads/tokens/dims, sub-tile axes matching token_tiles),
 * attribute ranges (levels, saturations, scaler indices, kinds) and state use: every
 * gcim.qk_product and gcim.pv_product reads a layer whose gcim.kv_write comes earlier in
 * the same block, and each layer is written once per block (by one gcim.kv_write or one
 * gcim.attention_step). */
#include "VerifyTiles.h"
#include "PassUtils.h"

#include "gcim/Support/Diagnostics.h"
#include "gcim/Support/IRHelpers.h"

#include <stdio.h>
#include <string.h>

static bool dimsAgree(int64_t a, int64_t b) { return a < 0 || b < 0 || a == b; }

static bool error(MlirOperation op, const char *message) {
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  gcimEmitError(mlirOperationGetLocation(op), "'%.*s' %s", (int)name.length, name.data, message);
  return false;
}

static int operandShape(MlirOperation op, intptr_t i, int64_t *dims) {
  return gcimTensorShape(mlirValueGetType(mlirOperationGetOperand(op, i)), dims);
}

static int resultShape(MlirOperation op, int64_t *dims) {
  return gcimTensorShape(mlirValueGetType(mlirOperationGetResult(op, 0)), dims);
}

static bool positive(MlirOperation op, const char *name) {
  int64_t value = 0;
  return gcimOpGetIntAttr(op, name, &value) && value > 0;
}

static bool verifyScaler(MlirOperation op) {
  int64_t x[GCIM_MAX_RANK], s[GCIM_MAX_RANK], a = -1, b = -1;
  if (operandShape(op, 0, x) != 4)
    return error(op, "operand 'x' must be (batch, heads, tokens, head_dim)");
  if (operandShape(op, 1, s) != 2 || !dimsAgree(s[0], x[1]) || !dimsAgree(s[1], 8))
    return error(op, "scales must be (heads, 8)");
  gcimOpGetIntAttr(op, "a_index", &a);
  gcimOpGetIntAttr(op, "b_index", &b);
  if (a < 0 || a > 7 || b < 0 || b > 7)
    return error(op, "scaler indices must be in 0..7");
  return true;
}

static bool verifyQuantize(MlirOperation op) {
  MlirStringRef kind;
  int64_t levels = 0;
  double lo = 0.0, hi = 0.0;
  gcimOpGetStringAttr(op, "kind", &kind);
  gcimOpGetIntAttr(op, "levels", &levels);
  gcimOpGetFloatAttr(op, "lo", &lo);
  gcimOpGetFloatAttr(op, "hi", &hi);
  if (!gcimStringRefEquals(kind, "dac") && !gcimStringRefEquals(kind, "pwm") &&
      !gcimStringRefEquals(kind, "adc"))
    return error(op, "kind must be dac, pwm or adc");
  if (levels < 2)
    return error(op, "needs at least 2 levels");
  if (!(lo < hi))
    return error(op, "range must have lo < hi");
  return true;
}

static bool verifyKvWrite(MlirOperation op) {
  int64_t k[GCIM_MAX_RANK], v[GCIM_MAX_RANK], streamed = -1;
  if (operandShape(op, 0, k) != 4 || operandShape(op, 1, v) != 4)
    return error(op, "k and v must be (batch, heads, tokens, head_dim)");
  for (int d = 0; d < 3; ++d)
    if (!dimsAgree(k[d], v[d]))
      return error(op, "k and v disagree on batch, heads or tokens");
  if (!positive(op, "window") || !positive(op, "token_tiles") || !positive(op, "dim_tiles"))
    return error(op, "window, token_tiles and dim_tiles must be positive");
  gcimOpGetIntAttr(op, "streamed", &streamed);
  if (streamed != 0 && streamed != 1)
    return error(op, "streamed must be 0 or 1");
  if (streamed == 1 && !dimsAgree(k[2], 1))
    return error(op, "a streamed write takes one token");
  return true;
}

/* qk_product: (B,H,T,D) -> (B,H,T,token_tiles,rows); pv_product: (B,H,T,tt,rows) ->
 * (B,H,T,tt,Dv). */
static bool verifyProduct(MlirOperation op, bool first) {
  int64_t in[GCIM_MAX_RANK], out[GCIM_MAX_RANK], tiles = 0;
  int inRank = operandShape(op, 0, in);
  if (resultShape(op, out) != 5 || inRank != (first ? 4 : 5))
    return error(op, first ? "maps (batch, heads, tokens, head_dim) to (batch, heads, "
                             "tokens, token_tiles, rows)"
                           : "maps (batch, heads, tokens, token_tiles, rows) to (batch, "
                             "heads, tokens, token_tiles, head_dim)");
  if (!positive(op, "token_tiles") || !positive(op, "dim_tiles"))
    return error(op, "token_tiles and dim_tiles must be positive");
  gcimOpGetIntAttr(op, "token_tiles", &tiles);
  for (int d = 0; d < 3; ++d)
    if (!dimsAgree(in[d], out[d]))
      return error(op, "operand and result disagree on batch, heads or tokens");
  if (!dimsAgree(out[3], tiles) || (!first && !dimsAgree(in[3], tiles)))
    return error(op, "sub-tile axis does not match token_tiles");
  return true;
}

static bool verifySameShapeSaturation(MlirOperation op) {
  double saturation = 0.0;
  gcimOpGetFloatAttr(op, "saturation", &saturation);
  if (!(saturation > 0.0))
    return error(op, "saturation must be positive");
  if (!mlirTypeEqual(mlirValueGetType(mlirOperationGetOperand(op, 0)),
                     mlirValueGetType(mlirOperationGetResult(op, 0))))
    return error(op, "result type must equal the operand type");
  return true;
}

static bool verifyAdderTree(MlirOperation op) {
  int64_t in[GCIM_MAX_RANK], out[GCIM_MAX_RANK];
  if (operandShape(op, 0, in) != 5 || resultShape(op, out) != 4 || !dimsAgree(in[0], out[0]) ||
      !dimsAgree(in[1], out[1]) || !dimsAgree(in[2], out[2]) || !dimsAgree(in[4], out[3]))
    return error(op, "sums (batch, heads, tokens, token_tiles, head_dim) over token_tiles");
  return true;
}

static bool verifyCacheAppend(MlirOperation op) {
  int64_t past[GCIM_MAX_RANK], x[GCIM_MAX_RANK], out[GCIM_MAX_RANK];
  if (operandShape(op, 0, past) != 4 || operandShape(op, 1, x) != 4 || resultShape(op, out) != 4)
    return error(op, "operands and result must be (batch, heads, tokens, head_dim)");
  bool ok = true;
  for (int d = 0; d < 4; ++d)
    ok = ok && (d == 2 ? (past[2] < 0 || x[2] < 0 || dimsAgree(out[2], past[2] + x[2]))
                       : dimsAgree(past[d], x[d]) && dimsAgree(out[d], x[d]));
  return ok ? true : error(op, "result must be past followed by x along the tokens");
}

static bool verifyAttentionStep(MlirOperation op) {
  int64_t q[GCIM_MAX_RANK], k[GCIM_MAX_RANK], v[GCIM_MAX_RANK], window = -1;
  if (operandShape(op, 0, q) != 4 || operandShape(op, 1, k) != 4 || operandShape(op, 2, v) != 4)
    return error(op, "q, k, v must be (batch, heads, 1, head_dim)");
  if (!dimsAgree(q[2], 1) || !dimsAgree(k[2], 1) || !dimsAgree(v[2], 1))
    return error(op, "processes one token (tokens = 1)");
  if (!dimsAgree(q[3], k[3]) || !dimsAgree(q[1], k[1]) || !dimsAgree(k[1], v[1]))
    return error(op, "q, k and v disagree on heads or head dims");
  gcimOpGetIntAttr(op, "window", &window);
  if (window < 0)
    return error(op, "window must not be negative");
  return true;
}

bool gcimVerifyTileOp(MlirOperation op) {
  if (gcimOpIsA(op, "gcim.scaler"))
    return verifyScaler(op);
  if (gcimOpIsA(op, "gcim.quantize"))
    return verifyQuantize(op);
  if (gcimOpIsA(op, "gcim.kv_write"))
    return verifyKvWrite(op);
  if (gcimOpIsA(op, "gcim.qk_product"))
    return verifyProduct(op, true);
  if (gcimOpIsA(op, "gcim.pv_product"))
    return verifyProduct(op, false);
  if (gcimOpIsA(op, "gcim.charge_to_pulse") || gcimOpIsA(op, "gcim.readout"))
    return verifySameShapeSaturation(op);
  if (gcimOpIsA(op, "gcim.adder_tree"))
    return verifyAdderTree(op);
  if (gcimOpIsA(op, "gcim.cache_append"))
    return verifyCacheAppend(op);
  if (gcimOpIsA(op, "gcim.attention_step"))
    return verifyAttentionStep(op);
  return true;
}

enum { MAX_LAYERS = 4096 };

/* State use in one block: reads after the layer's single write. */
static bool verifyBlockState(MlirBlock block) {
  static const int64_t unset = -1;
  int64_t written[MAX_LAYERS];
  bool ok = true;
  for (int i = 0; i < MAX_LAYERS; ++i)
    written[i] = unset;
  int64_t position = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(block); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op), ++position) {
    bool write = gcimOpIsA(op, "gcim.kv_write") || gcimOpIsA(op, "gcim.attention_step");
    bool read = gcimOpIsA(op, "gcim.qk_product") || gcimOpIsA(op, "gcim.pv_product");
    int64_t layer = -1;
    if ((!write && !read) || !gcimOpGetIntAttr(op, "layer", &layer))
      continue;
    if (layer < 0 || layer >= MAX_LAYERS) {
      ok = error(op, "layer must be in 0..4095");
      continue;
    }
    if (write && written[layer] != unset)
      ok = error(op, "writes a layer's state twice");
    else if (write)
      written[layer] = position;
    else if (written[layer] == unset)
      ok = error(op, "reads a layer's state before its gcim.kv_write");
  }
  return ok;
}

static MlirWalkResult verifyStateWalk(MlirOperation op, void *userData) {
  bool *ok = userData;
  for (intptr_t r = 0; r < mlirOperationGetNumRegions(op); ++r) {
    MlirRegion region = mlirOperationGetRegion(op, r);
    for (MlirBlock block = mlirRegionGetFirstBlock(region); !mlirBlockIsNull(block);
         block = mlirBlockGetNextInRegion(block))
      if (!verifyBlockState(block))
        *ok = false;
  }
  return MlirWalkResultAdvance;
}

bool gcimVerifyStateUse(MlirOperation module) {
  bool ok = true;
  mlirOperationWalk(module, verifyStateWalk, &ok, MlirWalkPreOrder);
  return ok;
}
