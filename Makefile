# phext-tpu user entry points. Quick start (README): `make sim`, then `make test`.
#   make sim     build and run the simulations (a 4x4x4 torus of Verilated ICI routers under
#                uniform traffic, following one packet hop by hop; one GEMM on an 8x8 MXU tile;
#                embedding-bag lookups on the SparseCore unit),
#                write waveforms to waves/ and reports to build/reports/
#   make test    build everything and run every test through CTest (includes lint and synth)
#   make lint    verilator --lint-only -Wall over every RTL top (rtl/tops.list)
#   make synth   yosys synth over every RTL top, reporting cells
#   make bench   benchmarks; results go to docs/PERF.md
#   make coverage  the tests with Verilator line and toggle coverage (not part of make test or CI;
#                  build-coverage/, report in build-coverage/coverage/, per-block table in docs/PERF.md)
#   make report  the report: figures and tables from real runs and the model (docs/report/, one HTML
#                page, docs/report/index.html) and the model's tables (docs/model-results.md)
#   make fuzz    libFuzzer over the coordinate parser and the document reader (FUZZ_SECONDS each,
#                FUZZ_TARGETS to pick one)
#   make clean   remove build outputs and generated waveforms
# Missing Debian packages are installed first by scripts/install-deps.sh (a no-op when present).

BUILD        ?= build
FUZZ_BUILD   ?= build-fuzz
COVERAGE_BUILD ?= build-coverage
BUILD_TYPE   ?= Release
JOBS         ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= fuzz_coordinate fuzz_document
CTEST_ARGS   ?=
SIM_SHAPE    ?= 4x4x4
SIM_RATE     ?= 0.02
# waves/ici_net.gtkw names the hops of this journey and marks their cycles
SIM_JOURNEY  ?= 0,0,0:2,3,1
SIM_POD      ?= 4x4x8
SIM_CUBE     ?= 2x2x2

CMAKE_ARGS ?= -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

.PHONY: all deps configure build sim test lint synth bench coverage report fuzz clean help

all: build

help:
	@sed -n '1,15p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_ARGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

sim: configure
	cmake --build $(BUILD) -j $(JOBS) --target phtpu
	@mkdir -p waves $(BUILD)/reports
	$(BUILD)/phtpu net --shape $(SIM_SHAPE) --rate $(SIM_RATE) --cycles 20000 --check \
	    --journey $(SIM_JOURNEY) --trace waves/ici_net.fst --trace-cycles 300 --json $(BUILD)/reports/ici_net.json
	$(BUILD)/phtpu decode --pod $(SIM_POD) --cube $(SIM_CUBE) --trace waves/phext_decoder.fst \
	    --json $(BUILD)/reports/phext_decoder.json --quiet
	$(BUILD)/phtpu mxu --size 8 --m 24 --k 16 --n 16 --trace waves/mxu.fst --json $(BUILD)/reports/mxu.json
	$(BUILD)/phtpu sparsecore --batch 6 --valence 1:5 --vocab 1000000 --dim 16 --zipf 1.05 --mem-latency 30 \
	    --remote-latency 60 --shards 4 --own-chip 1 --combiner mean --trace waves/sc.fst \
	    --json $(BUILD)/reports/sparsecore.json
	$(BUILD)/phtpu pod --config pods/small.json --workload allreduce,alltoall,embedding --bytes 4KiB \
	    --reconfigure 2:2x2x4 --trace waves/pod.fst --trace-chips 0,64 --json $(BUILD)/reports/pod.json \
	    --markdown $(BUILD)/reports/pod.md --plan-json $(BUILD)/reports/pod_plan.json \
	    --plan-phext $(BUILD)/reports/pod_routing.phext
	@echo "pod results: $(BUILD)/reports/pod.json, $(BUILD)/reports/pod.md; OCS plan and routing: $(BUILD)/reports/pod_plan.json, $(BUILD)/reports/pod_routing.phext(.after)"
	@echo "open the scaled pod with:       gtkwave waves/pod.fst waves/pod.gtkw"
	@echo "open the packet's journey with: gtkwave waves/ici_net.fst waves/ici_net.gtkw"
	@echo "open the decoder run with:      gtkwave waves/phext_decoder.fst waves/phext_decoder.gtkw"
	@echo "open the MXU tile with:         gtkwave waves/mxu.fst waves/mxu.gtkw"
	@echo "open the SparseCore unit with:  gtkwave waves/sc.fst waves/sc.gtkw"

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

lint: deps
	scripts/rtl-check.sh lint

synth: deps
	RTL_CHECK_OUT=$(BUILD)/rtl-check scripts/rtl-check.sh synth

bench: configure
	cmake -S . -B $(BUILD) -DPHTPU_BENCH_MODELS=ON
	cmake --build $(BUILD) -j $(JOBS) --target phtpu phtpu_bench phtpu_bench_mxu
	scripts/bench.sh $(BUILD) docs/PERF.md

# scripts/coverage.sh: configure (-DPHTPU_COVERAGE=ON), build, ctest without rtl/lint and
# rtl/synth, merge with verilator_coverage; --help tells what it writes
coverage: deps
	JOBS=$(JOBS) scripts/coverage.sh $(COVERAGE_BUILD)

report: configure
	cmake --build $(BUILD) -j $(JOBS) --target phtpu
	scripts/report.sh $(BUILD)

fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DPHTPU_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(COVERAGE_BUILD) waves/*.fst waves/*.vcd
