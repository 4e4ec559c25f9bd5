/* LegacyRename.h: force-included into the frozen simulator sources of this folder so that
 * their symbols do not clash with the runtime's (see LegacySim.h). */
#define GcimSimHead LegacySimHead
#define gcimSimHeadAttend legacySimHeadAttend
#define gcimSimHeadClearStats legacySimHeadClearStats
#define gcimSimHeadCreate legacySimHeadCreate
#define gcimSimHeadDestroy legacySimHeadDestroy
#define gcimSimHeadGetDim legacySimHeadGetDim
#define gcimSimHeadGetSlot legacySimHeadGetSlot
#define gcimSimHeadGetStats legacySimHeadGetStats
#define gcimSimHeadGetStep legacySimHeadGetStep
#define gcimSimHeadReset legacySimHeadReset
#define gcimSimHeadRunSequence legacySimHeadRunSequence
#define gcimSimHeadSetScalers legacySimHeadSetScalers
#define gcimSimHeadStep legacySimHeadStep
#define gcimSimHeadWrite legacySimHeadWrite
#define gcimSimKernelSelect legacySimKernelSelect
#define gcimSimRandomNormal legacySimRandomNormal
#define gcimSimRandomSeed legacySimRandomSeed
#define gcimSimStatsAccumulate legacySimStatsAccumulate
#define gcimSimStatsEnergyPJ legacySimStatsEnergyPJ
