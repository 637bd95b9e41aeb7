# mmd — one non-recursive Makefile.  Every library comes from pkg-config.
#
# Sources are picked up by directory so that adding a file never needs a
# Makefile edit:
#   common/*.c            -> build/libcommon.a   (linked into every program)
#   daemon/*.c daemon/*/*.c - main.c
#                         -> build/libmmd.a      (+ daemon/main.c -> build/mmd)
#   ctl/*.c               -> build/mmctl
#   tui/*.c - main.c      -> build/libtui.a      (+ tui/main.c -> build/mmtop)
#   tests/sim/*.c - main.c-> build/libsim.a      (+ tests/sim/main.c -> build/standx-sim)
#   tests/unit/test_*.c   -> build/tests/test_*  (each linked with all the libs)

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
# One spelling per build directory: a BUILD given as an absolute path inside
# the tree (tests do) becomes relative, so the dependency files (.d) written
# by one invocation name the same targets as the next one's rules.
override BUILD := $(patsubst $(CURDIR)/%,%,$(abspath $(BUILD)))
VERSION := 0.1.0
# What --version and the version RPC print: git describe of the build tree
# (VERSION-g<commit> while there is no tag; the plain VERSION outside a git
# checkout, e.g. a release tarball).  The files that print it are rebuilt
# when it changes ($(BUILD)/version.stamp).
GIT_DESCRIBE := $(shell git describe --tags --dirty 2>/dev/null)
GIT_HASH := $(shell git describe --always --dirty 2>/dev/null)
BUILD_VERSION := $(or $(GIT_DESCRIBE),$(if $(GIT_HASH),$(VERSION)-g$(GIT_HASH),$(VERSION)))
UNITDIR ?= $(PREFIX)/lib/systemd/system

PKGS    := libevent libevent_pthreads libcurl libwebsockets libsodium yaml-0.1 jansson ncursesw libsystemd sqlite3
CC      ?= cc
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

OPTFLAGS ?= -O2 -g
CFLAGS  ?=
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror $(OPTFLAGS) -MMD -MP -pthread \
           -DMMD_VERSION=\"$(BUILD_VERSION)\"
LDFLAGS ?=
LDLIBS  += $(PKG_LIBS) -lpthread -lm

# Layers (README.md, "Architecture").  Each folder is compiled with the include paths
# of what it may use and no more, so a header from the wrong layer is "file
# not found".  daemon/engine/ gets no library flags and tools/poison/ first
# on its path: any library header included there is an #error.
D          := daemon
INC_ENGINE := -Icommon -I$(D)/engine -Itools/poison
INC_NET    := -Icommon -I$(D)/net $(PKG_CFLAGS)
INC_STANDX := -Icommon -I$(D)/engine -I$(D)/net -I$(D)/standx $(PKG_CFLAGS)
INC_CTLPL  := -Icommon -I$(D)/control $(PKG_CFLAGS)
INC_DAEMON := -Icommon -I$(D) -I$(D)/engine -I$(D)/net -I$(D)/standx -I$(D)/control -I$(D)/ledger $(PKG_CFLAGS)
INC_LEDGER := -Icommon -I$(D)/ledger $(PKG_CFLAGS)
INC_TESTS  := $(INC_DAEMON) -Itui -Itests/sim
INC        := -Icommon $(PKG_CFLAGS)
define layer_includes   # $(1): an object root; the most specific pattern wins
$(1)/tui/%.o:            INC = -Icommon -Itui $$(PKG_CFLAGS)
$(1)/tests/sim/%.o:      INC = -Icommon -Itests/sim $$(PKG_CFLAGS)
$(1)/tests/%.o:          INC = $$(INC_TESTS)
$(1)/daemon/%.o:         INC = $$(INC_DAEMON)
$(1)/daemon/engine/%.o:  INC = $$(INC_ENGINE)
$(1)/daemon/net/%.o:     INC = $$(INC_NET)
$(1)/daemon/standx/%.o:  INC = $$(INC_STANDX)
$(1)/daemon/control/%.o: INC = $$(INC_CTLPL)
$(1)/daemon/ledger/%.o:  INC = $$(INC_LEDGER)
endef
$(eval $(call layer_includes,$(BUILD)/obj))
$(eval $(call layer_includes,$(BUILD)/fuzz/obj))

COMMON_SRC := $(sort $(wildcard common/*.c))
DAEMON_SRC := $(filter-out daemon/main.c,$(sort $(wildcard daemon/*.c daemon/*/*.c)))
CTL_SRC    := $(sort $(wildcard ctl/*.c))
TUI_SRC    := $(filter-out tui/main.c,$(sort $(wildcard tui/*.c)))
SIM_SRC    := $(filter-out tests/sim/main.c,$(sort $(wildcard tests/sim/*.c)))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
TOOL_SRC   := $(sort $(wildcard tests/tools/*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBCOMMON := $(BUILD)/libcommon.a
LIBMMD    := $(BUILD)/libmmd.a
LIBTUI    := $(BUILD)/libtui.a
LIBSIM    := $(BUILD)/libsim.a
PROGS     := $(BUILD)/mmd $(BUILD)/mmctl $(BUILD)/mmtop $(BUILD)/standx-sim
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_BINS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRC))
MANPAGES  := $(sort $(wildcard man/*.[1-8]))
EXAMPLES  := $(sort $(wildcard examples/*.yaml))

.PHONY: all check unit e2e deps install clean asan demo bench bench-rewards fuzz fuzz-build lint check-deps
.SECONDARY:
all: check-deps $(PROGS)

# Fail early, with the exact command to run, when a -dev package is missing.
check-deps:
	@pkg-config --exists $(PKGS) cmocka || { \
	  echo "mmd: missing build dependencies (pkg-config: $(PKGS) cmocka)."; \
	  echo "mmd: run as root:  make deps"; exit 1; }

Q := $(if $(V),,@)
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  CC    $<")
	$(Q)$(CC) $(CFLAGS) $(INC) -c $< -o $@

VERSION_SRC := daemon/main.c daemon/daemon.c daemon/backend.c daemon/metrics.c daemon/net/rest.c \
               daemon/control/cmd-version.c ctl/mmctl.c ctl/ops.c $(sort $(wildcard tui/*.c)) \
               tests/sim/main.c tests/tools/fakemmd.c tests/unit/test_rpc.c
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(dir $@)
	@[ "$$(cat $@ 2>/dev/null)" = "$(BUILD_VERSION)" ] || echo "$(BUILD_VERSION)" >$@
$(call obj,$(VERSION_SRC)): $(BUILD)/version.stamp
.PHONY: FORCE
FORCE:

$(LIBCOMMON): $(call obj,$(COMMON_SRC))
	@rm -f $@; ar rcs $@ $^
$(LIBMMD): $(call obj,$(DAEMON_SRC))
	@rm -f $@; ar rcs $@ $^
$(LIBTUI): $(call obj,$(TUI_SRC))
	@rm -f $@; ar rcs $@ $^
$(LIBSIM): $(call obj,$(SIM_SRC))
	@rm -f $@; ar rcs $@ $^

$(BUILD)/mmd: $(call obj,daemon/main.c) $(LIBMMD) $(LIBCOMMON)
	$(if $(V),,@echo "  LD    $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/mmctl: $(call obj,$(CTL_SRC)) $(LIBCOMMON)
	$(if $(V),,@echo "  LD    $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/mmtop: $(call obj,tui/main.c) $(LIBTUI) $(LIBCOMMON)
	$(if $(V),,@echo "  LD    $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/standx-sim: $(call obj,tests/sim/main.c) $(LIBSIM) $(LIBCOMMON)
	$(if $(V),,@echo "  LD    $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIBMMD) $(LIBTUI) $(LIBSIM) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  LD    $@")
	$(Q)$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)

# Small helper programs used by the integration tests (signing, ws client).
$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(LIBMMD) $(LIBSIM) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  LD    $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The test command the README gives and CI runs.
check: deps-if-missing
	$(MAKE) all $(UNIT_BINS) $(TOOL_BINS)
	@BUILD=$(BUILD) tests/run.sh

unit: all $(UNIT_BINS) $(TOOL_BINS)
	@BUILD=$(BUILD) tests/run.sh unit

e2e: all $(TOOL_BINS)
	@BUILD=$(BUILD) tests/run.sh e2e

# make check / make demo on a fresh machine: install the packages when we
# can (root), else say exactly what to run.
.PHONY: deps-if-missing
deps-if-missing:
	@tools/deps.sh --if-missing

deps:
	@tools/deps.sh

asan:
	$(MAKE) BUILD=build/asan OPTFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" check

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7 \
	  $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/doc/mmd/examples
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	@for m in $(MANPAGES); do s=$${m##*.}; \
	  echo install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; \
	  install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/ || exit 1; done
	install -m 644 $(EXAMPLES) $(DESTDIR)$(PREFIX)/share/doc/mmd/examples/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 ctl/mmctl.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/mmctl
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PREFIX)/share/mmd/scenarios $(DESTDIR)$(PREFIX)/share/mmd/tools
	sed 's|/usr/local/bin/|$(PREFIX)/bin/|g' examples/mmd.service >$(DESTDIR)$(UNITDIR)/mmd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/mmd.service
	install -m 644 tests/sim/scenarios/*.yaml $(DESTDIR)$(PREFIX)/share/mmd/scenarios/
	install -m 644 examples/demo.yaml $(DESTDIR)$(PREFIX)/share/mmd/
	install -m 755 tools/demo.sh $(DESTDIR)$(PREFIX)/share/mmd/tools/mmd-demo

demo: deps-if-missing
	$(MAKE) all
	@BUILD=$(BUILD) tools/demo.sh

# mmd against standx-sim on loopback: reaction latency, market-data
# throughput, RSS/CPU at 1/10/50 tasks, status RPC; writes build/bench.json.
bench: all
	@MMD_BUILD=$(abspath $(BUILD)) PYTHONPATH=tests/lib python3 tests/bench/bench.py

# The reward benchmark (tests/bench/rewards.py): each shipped level on calm,
# lively and volatile at speed 1, measured at the simulator; BENCH_REWARD_S
# seconds per pair (default 300, all pairs at once); build/bench-rewards.json.
bench-rewards: all
	@MMD_BUILD=$(abspath $(BUILD)) PYTHONPATH=tests/lib python3 tests/bench/rewards.py

# ---- fuzzing (tests/fuzz/fuzz_*.c, clang libFuzzer + ASan/UBSan) ----------
# Library objects are rebuilt with clang under $(BUILD)/fuzz; each target runs
# FUZZ_SECONDS on a scratch copy of its committed seed corpus (tests/fuzz/
# corpus/<name>/, never written to), with tests/fuzz/<name>.dict if present.
FUZZ_SECONDS ?= 20
FUZZ_CC      ?= clang
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=gnu11 -O1 -g -Wall -Wextra -pthread $(FUZZ_SAN) -DMMD_VERSION=\"$(VERSION)\" -MMD -MP
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS    := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_NAMES))
FUZZ_LIBS    := $(FUZZ_DIR)/libmmd.a $(FUZZ_DIR)/libcommon.a

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  FUZZCC $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(INC) -fsanitize=fuzzer-no-link -c $< -o $@
$(FUZZ_DIR)/libcommon.a: $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(COMMON_SRC))
	@rm -f $@; ar rcs $@ $^
$(FUZZ_DIR)/libmmd.a: $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(DAEMON_SRC))
	@rm -f $@; ar rcs $@ $^
$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIBS)
	$(if $(V),,@echo "  FUZZLD $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) -lpthread -lm

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@fail=0; for f in $(FUZZ_NAMES); do \
	  w=$(FUZZ_DIR)/work/$$f; rm -rf $$w; mkdir -p $$w; \
	  cp tests/fuzz/corpus/$$f/* $$w/ 2>/dev/null || true; \
	  d=; [ -f tests/fuzz/$$f.dict ] && d=-dict=tests/fuzz/$$f.dict; \
	  $(FUZZ_DIR)/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 $$d \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/crash-$$f- $$w >$(FUZZ_DIR)/$$f.log 2>&1; \
	  rc=$$?; runs=$$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' $(FUZZ_DIR)/$$f.log | tail -n 1); \
	  if [ $$rc -eq 0 ]; then echo "fuzz $$f: $${runs:-?} executions, no crash"; \
	  else fail=1; echo "fuzz $$f: FAILED (exit $$rc; log $(FUZZ_DIR)/$$f.log)"; \
	    grep -m 3 -E 'ERROR|SUMMARY|invariant|Test unit written' $(FUZZ_DIR)/$$f.log; fi; \
	done; exit $$fail

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)

lint:
	@for m in $(MANPAGES); do mandoc -Tlint -W warning $$m || exit 1; done; echo "lint: man pages clean"

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
