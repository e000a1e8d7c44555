# paratune - plain GNU make. `make` builds the programs, `make check` runs every test,
# `make check SANITIZE=1` does it under AddressSanitizer + UndefinedBehaviorSanitizer,
# `make bench` prints the benchmark figures.

PKGS     := libzmq msgpack openblas lapacke
CC       ?= cc
OPT      ?= -O2
CFLAGS   ?=
CFLAGS   += -pthread -std=c11 -D_GNU_SOURCE -Wall -Wextra -g $(OPT) -MMD -MP -Ilib \
            $(shell pkg-config --cflags $(PKGS))
LDLIBS   += $(shell pkg-config --libs $(PKGS)) -lm -pthread
CHECK_CFLAGS := $(shell pkg-config --cflags check)
CHECK_LIBS   := $(shell pkg-config --libs check)

ifeq ($(SANITIZE),1)
BUILD    ?= build/san
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
else
BUILD    ?= build
endif

LIB_SRC  := $(wildcard lib/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
COORD_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard coordinator/*.c))
WORKER_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard workerproc/*.c))
TOOLS_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/*.c))
TEST_SRC   := $(wildcard tests/check_*.c)
TEST_OBJ   := $(TEST_SRC:%.c=$(BUILD)/%.o)
SUITES     := $(patsubst tests/check_%.c,%,$(filter-out tests/check_main.c,$(TEST_SRC)))

PROGS := $(BUILD)/paratune $(BUILD)/paratune-worker $(BUILD)/paratune-log

.PHONY: all check unit e2e bench clean
all: $(PROGS)

$(BUILD)/libparatune.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -I$(BUILD)/tests -c -o $@ $<

$(BUILD)/paratune: $(COORD_OBJ) $(BUILD)/libparatune.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/paratune-worker: $(WORKER_OBJ) $(BUILD)/libparatune.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/paratune-log: $(TOOLS_OBJ) $(BUILD)/libparatune.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The runner's suite list is generated from the tests/check_<module>.c files present.
$(BUILD)/tests/suites.h: $(TEST_SRC) Makefile
	@mkdir -p $(@D)
	@{ for s in $(SUITES); do echo "SUITE($$s)"; done; } > $@.tmp && mv $@.tmp $@
$(BUILD)/tests/check_main.o: $(BUILD)/tests/suites.h

$(BUILD)/check_all: $(TEST_OBJ) $(BUILD)/libparatune.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

unit: $(BUILD)/check_all
	$(BUILD)/check_all

e2e: $(PROGS)
	BIN=$(BUILD) tests/e2e/run.sh

check: unit e2e

bench: all
	BIN=$(BUILD) tests/bench/bench.sh

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
