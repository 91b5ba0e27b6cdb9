# domsh - see README.md.  `make` builds ./domsh; `make check` installs what
# is missing (scripts/deps.sh), builds, and runs every test.
CC ?= cc
BUILD ?= build
OPT ?= -O2 -g
XML_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes $(OPT) $(SAN) $(XML_CFLAGS) $(CFLAGS)
# libxml2 is not linked: core/xml/xml.c loads it (dlopen) on the first parse
LDLIBS_ALL = -lreadline -lncurses -lutil -ldl $(LDLIBS)
# domsh itself takes readline and ncurses from their static archives when
# they are there (Debian's -dev packages ship them): three fewer shared
# objects to map and relocate at every start, ~2 ms of a cold
# `domsh version` (bench/version.sh); libc stays shared (dlopen needs it)
TERM_A := $(foreach l,readline ncurses tinfo,$(shell $(CC) -print-file-name=lib$(l).a))
TERM_STATIC := $(if $(filter-out /%,$(TERM_A)),,yes)
TERM_LIBS_STATIC = -Wl,-Bstatic -lreadline -lncurses -ltinfo -Wl,-Bdynamic -lutil -ldl $(LDLIBS)
LDLIBS_DOMSH = $(if $(TERM_STATIC),$(TERM_LIBS_STATIC),$(LDLIBS_ALL))
PREFIX ?= /usr/local
DESTDIR ?=

LIB_SRC := $(sort $(wildcard core/*/*.c shell/*.c commands/*.c completion/*.c))
LIB_SRC := $(filter-out shell/main.c core/supervisor/supervisor_main.c,$(LIB_SRC))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(sort $(wildcard tests/*.c))
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)

all: domsh man/domsh.1

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# the command table: every `const struct cmd_def cmd_NAME =` in commands/
CMD_SRC := $(filter-out commands/registry.c,$(wildcard commands/*.c))
$(BUILD)/gen/registry.inc: $(CMD_SRC) Makefile
	@mkdir -p $(dir $@)
	@sed -n 's/^const struct cmd_def \(cmd_[a-z0-9_]*\) *=.*/\1/p' $(CMD_SRC) | LC_ALL=C sort > $@.names
	@sed 's/.*/\&&,/' $@.names > $@.tmp && mv $@.tmp $@
	@sed 's/.*/extern const struct cmd_def &;/' $@.names > $(BUILD)/gen/registry_decl.inc
	@rm -f $@.names
$(BUILD)/gen/registry_decl.inc: $(BUILD)/gen/registry.inc
$(BUILD)/commands/registry.o: commands/registry.c $(BUILD)/gen/registry.inc
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -I$(BUILD)/gen -MMD -MP -c $< -o $@

$(BUILD)/libdomsh.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/domsh: $(BUILD)/shell/main.o $(BUILD)/libdomsh.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_DOMSH)

# the per-domain supervisor as a small static binary next to domsh (RSS);
# without it `start` falls back to `domsh supervise` (same code)
SUP_SRC := $(wildcard core/supervisor/*.c) $(wildcard core/base/*.c)
$(BUILD)/domsh-supervisor: $(SUP_SRC:%.c=$(BUILD)/%.o)
	$(CC) $(CFLAGS_ALL) $(if $(SAN),,-static) -o $@ $^

domsh: $(BUILD)/domsh $(BUILD)/domsh-supervisor
	@[ "$(BUILD)" = build ] && cp -f $(BUILD)/domsh domsh && \
	  cp -f $(BUILD)/domsh-supervisor domsh-supervisor || true

$(BUILD)/unit-tests: $(TEST_OBJ) $(BUILD)/libdomsh.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) -lcriterion

deps:
	@sh scripts/deps.sh

# the include graph follows the layer order (README, "Hacking")
check-layers:
	@sh scripts/check-layers.sh

# every test: criterion (unit, data-driven, shell-level through the real
# binary, tmux and QEMU smoke tests, each with its own DOMSH_ROOT)
test: $(BUILD)/domsh $(BUILD)/domsh-supervisor $(BUILD)/unit-tests man/domsh.1
	sh scripts/check-layers.sh
	DOMSH_BIN=$(CURDIR)/$(BUILD)/domsh DOMSH_SRC=$(CURDIR) \
	  $(BUILD)/unit-tests --jobs=$${JOBS:-2} $(TESTFLAGS)

check: deps
	$(MAKE) all
	$(MAKE) test

# libvirt's corpus, which is not in the repository: SHARED/conformance
# (default ../shared beside the checkout, or DOMSH_SHARED) holds libvirt
# 9.0's domains, invalid set, RelaxNG schema, qemu .args and the judge's
# scripts.  tests/conformance/*.c are their own binary; without the corpus
# `make conformance` says where it looked and runs nothing.
SHARED ?= $(or $(DOMSH_SHARED),$(abspath $(CURDIR)/../shared))
CONF_SRC := $(sort $(wildcard tests/conformance/*.c))
CONF_OBJ := $(CONF_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tests/helpers.o $(BUILD)/tests/xml_expect.o
$(BUILD)/conformance-tests: $(CONF_OBJ) $(BUILD)/libdomsh.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) -lcriterion

conformance:
	@if [ -d "$(SHARED)/conformance" ]; then $(MAKE) --no-print-directory conformance-run; \
	else echo "make conformance: not run: no libvirt corpus at $(SHARED)/conformance" \
	  "(put it there or set DOMSH_SHARED to the directory that holds conformance/)"; fi

conformance-run: $(BUILD)/domsh $(BUILD)/domsh-supervisor $(BUILD)/conformance-tests
	DOMSH_BIN=$(CURDIR)/$(BUILD)/domsh DOMSH_SRC=$(CURDIR) DOMSH_SHARED=$(SHARED) \
	  $(BUILD)/conformance-tests --jobs=$${JOBS:-2} $(TESTFLAGS)

asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  build-asan/domsh build-asan/domsh-supervisor build-asan/unit-tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  $(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" test

# libFuzzer targets (clang): parse->validate->format, tokenizer + option
# parser, QMP reader, sup.sock frame decoder; FUZZ_SECONDS per target.
# Not part of `make check`.  Seeds are copied at run time (fuzz/run.sh).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := xml lex qmp proto
# -Wno-error: gcc is the warning gate (clang warns about idioms gcc accepts)
FUZZ_FLAGS = CC=clang BUILD=build-fuzz CFLAGS=-Wno-error OPT="-O1 -g -fno-omit-frame-pointer" \
	SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link"
fuzz:
	$(MAKE) $(FUZZ_FLAGS) $(FUZZ_TARGETS:%=build-fuzz/fuzz/fuzz_%)
	sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(BUILD)/libdomsh.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer -o $@ $^ $(LDLIBS_ALL)

# the criterion suite under valgrind memcheck, following the forked test
# workers and the domsh processes they run (not sh, qemu or the editor, nor
# the static domsh-supervisor: valgrind cannot replace a static binary's
# malloc and reports glibc's own start-up; make asan covers that code)
VALGRIND = valgrind --quiet --vgdb=no --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	--trace-children=yes --trace-children-skip='/bin/*,/usr/*,*/qemu-*,*/domsh-supervisor' \
	--suppressions=$(CURDIR)/tests/valgrind.supp
check-valgrind: all $(BUILD)/unit-tests
	DOMSH_BIN=$(CURDIR)/$(BUILD)/domsh DOMSH_SRC=$(CURDIR) DOMSH_VALGRIND=1 \
	  $(VALGRIND) $(BUILD)/unit-tests --jobs=$${JOBS:-2} $(TESTFLAGS)

run: all
	@sh scripts/run-demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0755 domsh $(DESTDIR)$(PREFIX)/bin/domsh
	install -d $(DESTDIR)$(PREFIX)/libexec/domsh
	install -m 0755 domsh-supervisor $(DESTDIR)$(PREFIX)/libexec/domsh/domsh-supervisor
	install -m 0644 man/domsh.1 $(DESTDIR)$(PREFIX)/share/man/man1/domsh.1
	install -m 0644 scripts/domsh.bash-completion \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/domsh
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed 's|@BINDIR@|$(PREFIX)/bin|g' scripts/domsh-guests.service.in \
	  > $(DESTDIR)$(PREFIX)/lib/systemd/system/domsh-guests.service

# man/domsh.1 (committed) is assembled from man/head.1in, one fragment per
# command man/cmds/NAME.1in, and man/tail.1in; `make` keeps it current
MAN_SRC := man/build.sh man/head.1in $(sort $(wildcard man/cmds/*.1in)) man/tail.1in \
	$(wildcard shell/out.h)
man/domsh.1: $(MAN_SRC)
	sh man/build.sh

man:
	sh man/build.sh

# bench helpers: plain C, built here (bench/save.sh's bare QMP peer)
$(BUILD)/bench/qmpmig: bench/qmpmig.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -Wall -Wextra -Werror -O2 -o $@ $<

bench: all $(BUILD)/bench/qmpmig
	@for b in bench/*.sh; do sh $$b || exit 1; done

clean:
	rm -rf build build-asan build-fuzz domsh domsh-supervisor

.PHONY: all domsh deps check-layers test check conformance conformance-run asan fuzz check-valgrind run install man bench clean

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(CONF_SRC:%.c=$(BUILD)/%.d) $(BUILD)/shell/main.d $(BUILD)/core/supervisor/supervisor_main.d
