/* HardwareTest.c: the default hardware description and cost model (docs/HardwareModel.md). */
#include "GcimTest.h"

#include "gcim/Runtime/Hardware.h"

static void test_cell_coefficients(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  /* The values docs/HardwareModel.md §2 derives from the fitted coefficients. */
  EXPECT_NEAR(hw.cellCoeffs[0], 0.5213636139, 1e-9);
  EXPECT_NEAR(hw.cellCoeffs[1], 13.61226063, 1e-7);
  EXPECT_NEAR(hw.cellCoeffs[2], -2.620445619, 1e-8);
  EXPECT_NEAR(hw.cellCoeffs[3], 46.05483778, 1e-8);
}

static void test_gpt2_small_cost(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  /* docs/HardwareModel.md §3: 16 sub-tiles and 6.15 nJ per head at d = 64, M = 1024. */
  EXPECT_EQ_INT(gcimHardwareSubTilesPerHead(&hw, 64), 16);
  EXPECT_NEAR(gcimHardwareHeadTokenEnergyPJ(&hw, 64), 6150.0, 1e-9);
  EXPECT_EQ_INT(144 * gcimHardwareSubTilesPerHead(&hw, 64), 2304);
}

static void test_sub_tiles_scale_with_shape(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  EXPECT_EQ_INT(gcimHardwareSubTilesPerHead(&hw, 32), 16);
  EXPECT_EQ_INT(gcimHardwareSubTilesPerHead(&hw, 128), 32);
  hw.window = 100;
  EXPECT_EQ_INT(gcimHardwareSubTilesPerHead(&hw, 64), 2);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_cell_coefficients),
    GCIM_TEST(test_gpt2_small_cost),
    GCIM_TEST(test_sub_tiles_scale_with_shape),
};
GCIM_TEST_MAIN
