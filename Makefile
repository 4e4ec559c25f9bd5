# Thin wrapper over CMake and ctest; every target is idempotent.
#   make demo    install what is missing, build, and run gcim on the bundled example
#   make check   install what is missing, build, and run every test (also sanitized)

BUILD ?= build
SAN_BUILD ?= build-san
JOBS ?= $(shell nproc)
# Under CI (CI=true) warnings are errors.
CMAKE_FLAGS = -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
              -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
              -DPython3_EXECUTABLE=/usr/bin/python3 \
              -DGCIM_WERROR=$(if $(filter true 1,$(CI)),ON,OFF)

.PHONY: all deps build build-sanitized check check-fast demo clean

all: build

deps:
	@utils/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

build-sanitized: deps
	cmake -S . -B $(SAN_BUILD) $(CMAKE_FLAGS) -DGCIM_SANITIZE=ON >/dev/null
	cmake --build $(SAN_BUILD) -j $(JOBS)

# Every test of the normal build, then the unit and lit tests of the sanitized build.
check: build build-sanitized
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	ctest --test-dir $(SAN_BUILD) --output-on-failure -j $(JOBS) -L 'unit|lit'

# The normal build's tests only, for the edit-compile-test loop.
check-fast: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

demo: build
	@utils/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
