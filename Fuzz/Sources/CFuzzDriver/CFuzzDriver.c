// Declarations only (include/CFuzzDriver.h); libFuzzer defines LLVMFuzzerRunDriver.
#include "CFuzzDriver.h"
