# Thin wrapper over CMake presets. The first two targets are the README's set-up.
#   make run     install deps, build release, start the appliance demo on loopback (foreground)
#   make test    install deps, build, run every test layer fast enough for CI
#   make bench   benchmark against Knot, NSD and gdnsd (not in CI)
#   make fuzz    run the libFuzzer targets (FUZZ_SECONDS each, default 300)
#   make tidy    clang-format and clang-tidy over the whole tree
#   make asan    build and run the unit and integration tests under ASan+UBSan (make tsan: TSan)
SHELL := /bin/bash
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 300
SMOKE_SECONDS ?= 30

.PHONY: all deps build run test asan tsan fuzz fuzz-build fuzz-smoke bench bird-lab clean format tidy

all: build

deps:
	@packaging/deps.sh test

build: deps
	@cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS)

run: build
	@etc/demo/run.sh build/release

# The fuzz smoke runs are ctest cases too (one per target), so ctest's summary counts them.
test: build fuzz-build
	@cd build/release && CDN_SMOKE_SECONDS=$(SMOKE_SECONDS) ctest --output-on-failure -j 1 --timeout 600

asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build build/asan -j $(JOBS)
	@cd build/asan && ctest --output-on-failure -j 1 --timeout 900 -E "fuzz smoke"

# ThreadSanitizer over the snapshot swap, the workers and the control server (not in CI).
tsan: deps
	@cmake --preset tsan >/dev/null
	@cmake --build build/tsan -j $(JOBS)
	@cd build/tsan && TSAN_OPTIONS="halt_on_error=1 exitcode=66" ctest --output-on-failure -j 1 --timeout 900 -E "fuzz smoke"

fuzz-build: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build build/fuzz -j $(JOBS) --target fuzz_targets

fuzz-smoke: fuzz-build
	@tests/fuzz/run.sh build/fuzz $(SMOKE_SECONDS)

fuzz: fuzz-build
	@tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

bench: build
	@packaging/deps.sh bench
	@tests/bench/run.sh build/release

bird-lab: build
	@packaging/deps.sh lab
	@tests/bird-lab/run.sh build/release

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

# clang-tidy over every source (the style test in make test checks the last commit's files).
tidy: build
	@tests/style_test.sh build/release all

clean:
	@rm -rf build
