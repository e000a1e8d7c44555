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
FINAL_LIBS    = $(shell pkg-config --libs $(PKGS)) -lm -pthread $(LDLIBS)
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
TEST_SRC   := $(wildcard tests/check_*.c)
TEST_OBJ   := $(TEST_SRC:%.c=$(BUILD)/%.o)
SUITES     := $(patsubst tests/check_%.c,%,$(filter-out tests/check_main.c,$(TEST_SRC)))

PROGS := $(BUILD)/paratune $(BUILD)/paratune-worker $(BUILD)/paratune-log

.PHONY: all check unit e2e layers bench clean
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

clean:
	rm -rf build

# Only this build's dependency files (the plain and sanitizer builds keep theirs apart).
-include $(wildcard $(LIB_OBJ:.o=.d) $(COORD_OBJ:.o=.d) $(WORKER_OBJ:.o=.d) $(TOOLS_OBJ:.o=.d) $(TEST_OBJ:.o=.d))
