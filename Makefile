# framer: the commands users type. CMake does the building; this file is the front door.
# Every target that needs the program depends on `deps` and `build`, so each one works
# as the first command on a fresh Debian or Ubuntu machine.

BUILD    ?= build
BATCH    ?= data/batches/example
MODEL    ?= models/default
DATA     ?= data/labeled/train.csv
OUT      ?= out/$(basename $(notdir $(patsubst %/,%,$(BATCH))))
TEST     ?= data/labeled/test.csv
CONFIG   ?=
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
FRAMER   := $(BUILD)/framer

# Debian packages the build and the tests need. libsvm and libstemmer ship no
# pkg-config file; cmake/ finds them by header and library.
DEB_PACKAGES := build-essential cmake pkg-config libsvm-dev libstemmer-dev \
                libjansson-dev libcmocka-dev libutf8proc-dev liblinear-dev \
                parallel

# What `make bench` compares against: scikit-learn (for Debian's python3),
# fastText and LIBSVM's own tools.
BENCH_PACKAGES := python3 python3-sklearn fasttext libsvm-tools
DATASETS ?= ../shared/datasets

# What `make fuzz` needs: clang with libFuzzer and the sanitizers' runtimes.
FUZZ_PACKAGES := clang-14 libclang-rt-14-dev
SECONDS ?= 60

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps bench-deps install-missing build train classify evaluate report bench loop-bench test test-asan test-valgrind fuzz clean help

all: build

help:
	@echo "make deps | build | train | classify | evaluate | report | bench | loop-bench | test | test-asan | test-valgrind | fuzz | clean"
	@echo "  train    [DATA=$(DATA)] [MODEL=$(MODEL)] [CONFIG=file.json]"
	@echo "  classify [BATCH=$(BATCH)] [MODEL=$(MODEL)] [OUT=$(OUT)]"
	@echo "  evaluate [MODEL=$(MODEL)] [TEST=$(TEST)]"
	@echo "  report   [MODEL=$(MODEL)] [TEST=$(TEST)]  -> eval/reports/<model>/report.{md,html,json}"
	@echo "  bench    [DATASETS=$(DATASETS)]  -> eval/bench/RESULTS.md, results.json, tuned.json"
	@echo "  loop-bench  review.csv's queue against random rows, 4 simulated weeks -> eval/loop/RESULTS.md"
	@echo "  fuzz     [SECONDS=$(SECONDS)]  every libFuzzer target for SECONDS each (tests/fuzz/README.md)"

# Installs only what is missing, so a machine that has everything runs no apt-get at all.
deps:
	@$(MAKE) --no-print-directory install-missing PACKAGES="$(DEB_PACKAGES)"

bench-deps:
	@$(MAKE) --no-print-directory install-missing PACKAGES="$(BENCH_PACKAGES)"

install-missing:
	@missing=""; \
	for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# A model is trained here only when there is none. One that exists may have
# been trained with corrections, --tune or on other data entirely: replacing it
# because $(DATA) is newer would lose that without a word. When the model was
# trained from $(DATA) and the file has changed since, say so instead.
$(MODEL)/model.json: | build
	$(FRAMER) train --data $(DATA) --model $(MODEL) $(if $(CONFIG),--config $(CONFIG))

STALE_NOTE = @if [ $(DATA) -nt $(MODEL)/model.json ] && \
	  grep -qF '"path": "$(DATA)"' $(MODEL)/model.json; then \
	  echo "make: warning: $(DATA) changed since $(MODEL) was trained from it; 'make train' retrains" >&2; \
	fi

train: build
	$(FRAMER) train --data $(DATA) --model $(MODEL) $(if $(CONFIG),--config $(CONFIG))

classify: build $(MODEL)/model.json
	$(STALE_NOTE)
	$(FRAMER) classify --model $(MODEL) --out $(OUT) $(BATCH)

evaluate: build $(MODEL)/model.json
	$(STALE_NOTE)
	$(FRAMER) evaluate --model $(MODEL) --data $(TEST)

# The report analysts read: the held-out test set plus 5-fold cross-validation
# on the training data, into eval/reports/<model name>/.
report: build $(MODEL)/model.json
	$(STALE_NOTE)
	$(FRAMER) evaluate --model $(MODEL) --data $(TEST) --cv 5 --report eval/reports/$(notdir $(patsubst %/,%,$(MODEL)))

# Accuracy, speed and memory beside scikit-learn, fastText and LIBSVM's tools,
# in one run: eval/bench/RESULTS.md and results.json. Debian's python3 is the
# one python3-sklearn installs into, whatever python3 comes first on PATH.
bench: build bench-deps
	/usr/bin/python3 eval/bench/run.py --datasets $(DATASETS) --framer $(FRAMER) --out eval/bench

# Does correcting review.csv's paragraphs help more than correcting random ones? Four
# simulated weeks on data/labeled (Python's standard library only): eval/loop/RESULTS.md.
loop-bench: build
	python3 eval/loop/simulate.py --framer $(FRAMER) --data data/labeled --out eval/loop

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer:
# any report fails the run, in the tests and in every framer they start.
ASAN_BUILD ?= build-asan
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFR_ENABLE_ASAN=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	FR_SLOW_BUILD=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

# The whole suite under valgrind's memcheck, framer's child runs included;
# one log per process in $(VALGRIND_BUILD)/valgrind/, checked for errors and leaks.
VALGRIND_BUILD ?= build-valgrind
test-valgrind: deps
	@$(MAKE) --no-print-directory install-missing PACKAGES=valgrind
	cmake -S . -B $(VALGRIND_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  "-DCMAKE_CROSSCOMPILING_EMULATOR=$(CURDIR)/tests/valgrind.sh;$(CURDIR)/$(VALGRIND_BUILD)/valgrind"
	cmake --build $(VALGRIND_BUILD) -j $(JOBS)
	rm -rf $(VALGRIND_BUILD)/valgrind && mkdir -p $(VALGRIND_BUILD)/valgrind
	FR_SLOW_BUILD=1 ctest --test-dir $(VALGRIND_BUILD) --output-on-failure -j $(JOBS)
	tests/valgrind.sh --check $(VALGRIND_BUILD)/valgrind

# Every libFuzzer target of tests/fuzz/ for SECONDS each, built with clang-14
# into build-fuzz/; fails when any of them crashes.
fuzz: deps
	@$(MAKE) --no-print-directory install-missing PACKAGES="$(FUZZ_PACKAGES)"
	tests/fuzz/run.sh $(SECONDS)

clean:
	rm -rf $(BUILD) out
