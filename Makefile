# Thin wrapper over CMake and ctest; every target is idempotent.
#   make demo    install what is missing, build, and run gcim on the bundled example
#   make check   install what is missing, build, and run every test (also sanitized)

BUILD ?= build
SAN_BUILD ?= build-san
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
CLANG ?= /usr/lib/llvm-22/bin/clang
JOBS ?= $(shell nproc)
# Under CI (CI=true) warnings are errors.
CMAKE_FLAGS = -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
              -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
              -DPython3_EXECUTABLE=/usr/bin/python3 \
              -DGCIM_WERROR=$(if $(filter true 1,$(CI)),ON,OFF)

.PHONY: all deps build build-sanitized check check-fast demo clean fuzz

all: build

deps:
	@utils/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

build-sanitized: deps
	cmake -S . -B $(SAN_BUILD) $(CMAKE_FLAGS) -DGCIM_SANITIZE=ON >/dev/null
	cmake --build $(SAN_BUILD) -j $(JOBS)

# The importer's fuzzer for a bounded time, every test of the normal build, then the unit
# and lit tests of the sanitized build (ctest's summary closes the output).
check: build build-sanitized
	$(MAKE) fuzz
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	ctest --test-dir $(SAN_BUILD) --output-on-failure -j $(JOBS) -L 'unit|lit'

# The ONNX importer's libFuzzer target (clang, ASan + UBSan, leaks checked except libMLIR's
# and libLLVM's, as in the tests) for FUZZ_SECONDS on the seed corpus and the bad-model
# corpus; new inputs go to $(FUZZ_BUILD)/corpus, not the tree.
fuzz: deps
	@if [ ! -x $(CLANG) ]; then echo "fuzz: $(CLANG) not found (make deps installs clang-22)"; exit 1; fi; \
	cmake -S . -B $(FUZZ_BUILD) $(CMAKE_FLAGS) -DCMAKE_C_COMPILER=$(CLANG) \
	  -DCMAKE_CXX_COMPILER=$(CLANG)++ -DGCIM_FUZZ=ON -DGCIM_SANITIZE=ON >/dev/null && \
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target gcim-import-fuzzer && \
	mkdir -p $(FUZZ_BUILD)/corpus && \
	LSAN_OPTIONS=suppressions=$(CURDIR)/test/lsan.supp:print_suppressions=0 \
	  $(FUZZ_BUILD)/bin/gcim-import-fuzzer \
	  -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -print_final_stats=1 \
	  $(FUZZ_BUILD)/corpus test/Import/fuzz-corpus test/Import/Inputs/bad-models

# The normal build's tests only, for the edit-compile-test loop.
check-fast: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

demo: build
	@utils/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD)
