# paratune - plain GNU make. `make` builds the programs, `make check` runs every test,
# `make check SANITIZE=1` does it under AddressSanitizer + UndefinedBehaviorSanitizer,
# `make bench` prints the benchmark figures.

PKGS     := libzmq msgpack openblas lapacke
CC       ?= cc
OPT      ?= -O2
# The library's layers, lowest first: a module includes headers of its own layer and the
# layers before it only (tests/layers.sh checks this).
LAYERS   := base data ml run
# The project's own flags stay in FINAL_* and the user's CFLAGS / LDFLAGS are appended, so
# that `make CFLAGS=-O0` changes the optimisation without dropping -std, -I or pkg-config.
CFLAGS   ?= $(OPT) -g
FINAL_CFLAGS  = -pthread -std=c11 -D_GNU_SOURCE -Wall -Wextra -MMD -MP \
                $(addprefix -Ilib/,$(LAYERS)) $(shell pkg-config --cflags $(PKGS)) $(SAN_CFLAGS) $(CFLAGS)
FINAL_LDFLAGS = $(SAN_LDFLAGS) $(LDFLAGS)
FINAL_LIBS    = $(BLAS_LIBS) -lm -pthread $(LDLIBS)
# OpenBLAS and LAPACKE are linked from their static archives when those are there
# (STATIC_BLAS=0: the shared libraries): a program then starts in about half the time (the
# shared libopenblas has 14,000 symbolic relocations to look up at every start, liblapacke
# brings liblapack, libblas, libtmglib and libgfortran), and every worker start is paid in
# each sweep. The same OpenBLAS build either way: the same kernels and results.
STATIC_BLAS ?= 1
BLAS_A := $(shell pkg-config --variable=libdir lapacke)/liblapacke.a \
          $(shell pkg-config --variable=libdir openblas)/libopenblas.a \
          $(shell $(CC) -print-file-name=libgfortran.a) $(shell $(CC) -print-file-name=libquadmath.a)
ifeq ($(STATIC_BLAS)$(words $(wildcard $(BLAS_A))),14)
BLAS_LIBS := $(shell pkg-config --libs libzmq msgpack) $(BLAS_A)
else
BLAS_LIBS := $(shell pkg-config --libs $(PKGS))
endif
CHECK_CFLAGS := $(shell pkg-config --cflags check)
CHECK_LIBS   := $(shell pkg-config --libs check)

ifeq ($(SANITIZE),1)
BUILD    ?= build/san
SAN_CFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SAN_LDFLAGS := -fsanitize=address,undefined
else
BUILD    ?= build
endif

LIB_SRC  := $(foreach l,$(LAYERS),$(wildcard lib/$(l)/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
COORD_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard coordinator/*.c))
WORKER_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard workerproc/*.c))
TOOLS_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/*.c))
# paratune-agent: its own loop, and the coordinator's process table and worker secrets
AGENT_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard agent/*.c)) \
              $(BUILD)/coordinator/procs.o $(BUILD)/coordinator/peers.o
TEST_SRC   := $(wildcard tests/check_*.c)
TEST_OBJ   := $(TEST_SRC:%.c=$(BUILD)/%.o)
SUITES     := $(patsubst tests/check_%.c,%,$(filter-out tests/check_main.c,$(TEST_SRC)))

PROGS := $(BUILD)/paratune $(BUILD)/paratune-worker $(BUILD)/paratune-log $(BUILD)/paratune-agent

.PHONY: all check unit e2e layers bench clean fuzz fuzz-build soak
all: $(PROGS)

$(BUILD)/libparatune.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) $(CHECK_CFLAGS) -I$(BUILD)/tests -c -o $@ $<

$(BUILD)/paratune: $(COORD_OBJ) $(BUILD)/libparatune.a
	$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(FINAL_LIBS)
$(BUILD)/paratune-worker: $(WORKER_OBJ) $(BUILD)/libparatune.a
	$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(FINAL_LIBS)
$(BUILD)/paratune-log: $(TOOLS_OBJ) $(BUILD)/libparatune.a
	$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(FINAL_LIBS)
$(BUILD)/paratune-agent: $(AGENT_OBJ) $(BUILD)/libparatune.a
	$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(FINAL_LIBS)

# The runner's suite list is generated from the tests/check_<module>.c files present.
$(BUILD)/tests/suites.h: $(TEST_SRC) Makefile
	@mkdir -p $(@D)
	@{ for s in $(SUITES); do echo "SUITE($$s)"; done; } > $@.tmp && mv $@.tmp $@
$(BUILD)/tests/check_main.o: $(BUILD)/tests/suites.h

$(BUILD)/check_all: $(TEST_OBJ) $(BUILD)/libparatune.a
	$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(FINAL_LIBS) $(CHECK_LIBS)

unit: $(BUILD)/check_all
	$(BUILD)/check_all

# A foreign peer on the worker socket, for the end-to-end tests (t_92_peers.sh).
$(BUILD)/tests/peer_probe: tests/peer_probe.c $(BUILD)/libparatune.a
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $^ $(FINAL_LIBS)

e2e: $(PROGS) $(BUILD)/tests/peer_probe
	BIN=$(BUILD) tests/e2e/run.sh

layers:
	tests/layers.sh $(LAYERS)

check: layers unit e2e

bench: all
	BIN=$(BUILD) tests/bench/bench.sh

# `make fuzz`: the libFuzzer targets tests/fuzz/fuzz_<reader>.c, built with clang (ASan +
# UBSan, the library compiled again with coverage into build/fuzz/), each run FUZZ_SECONDS
# from its seed corpus tests/fuzz/corpus/<reader>/ (tests/fuzz/run.sh: memory limits, new
# inputs and crash files under build/fuzz/run/); fails when any target finds something.
FUZZ_SECONDS ?= 20
FUZZ_BUILD   := build/fuzz
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
# libFuzzer's convention: readers that check checksums (only lib/data/pt_imgcache.c uses it)
# let a mismatch through in this build, so that mutated inputs reach their parsing
FUZZ_UNSAFE  := -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
FUZZ_SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

fuzz:
	$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang OPT=-O1 \
	    SAN_CFLAGS="-fsanitize=fuzzer-no-link $(FUZZ_SAN) $(FUZZ_UNSAFE)" \
	    SAN_LDFLAGS="-fsanitize=fuzzer $(FUZZ_SAN)" fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) BIN=$(FUZZ_BUILD) tests/fuzz/run.sh $(FUZZ_NAMES)

fuzz-build: $(FUZZ_NAMES:%=$(BUILD)/fuzz_%)
$(BUILD)/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/libparatune.a
	$(CC) $(FINAL_LDFLAGS) -o $@ $(filter %.o,$^) $(BUILD)/libparatune.a $(FINAL_LIBS)
# the two targets that read through a program's own code
$(BUILD)/fuzz_options: $(BUILD)/coordinator/options.o $(BUILD)/coordinator/cluster.o
$(BUILD)/fuzz_log: $(filter-out $(BUILD)/tools/paratune-log.o,$(TOOLS_OBJ))
.SECONDARY: $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/fuzz_%.o)

# `make soak` (not in `make check`): SOAK_FITS tiny fits with the log on, the coordinator's
# memory sampled every second; then the same with a worker killed every few seconds.
SOAK_FITS ?= 1000000
soak: all
	SOAK_FITS=$(SOAK_FITS) BIN=$(BUILD) tests/soak.sh

clean:
	rm -rf build

# Only this build's dependency files (the plain and sanitizer builds keep theirs apart).
-include $(wildcard $(LIB_OBJ:.o=.d) $(COORD_OBJ:.o=.d) $(WORKER_OBJ:.o=.d) $(TOOLS_OBJ:.o=.d) $(AGENT_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILD)/tests/fuzz/*.d)
