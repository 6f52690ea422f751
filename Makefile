# riscv-mhp: memory hot(un)plug test suite for RISC-V Linux.
#
#   make run                 set up the host, build, boot the default cell
#   make check               unit tests, selftest builds, the check cells
#   make cell CELL=...       one cell, e.g. 6.12-plain-sv48-numa2
#   make matrix [FILTER=glob] [JOBS=N] [RUNNER=qemu|vng]
#                            the nightly cells of ci/matrix and their report
#   make report RUN=results/<run>   the report of a run again
#   make soak [CELL=...] RUNS=N  the cell N times with fresh seeds: its
#                            false-failure rate (ci/soak.sh)
#   make bugcheck [BUG=name] the known-bug catalog (kernel/bugs): each mutant
#                            must FAIL with its signature, the base PASS
#   make kernel KERNEL=NAME FLAVOR=NAME  (build/host/mhp-cell list kernels|flavors;
#                            KERNEL=local with KSRC=tree or KBUILD=build dir)
#   make kernel-mutants      the 6.1 series minus patch 0017 / 0018 must FAIL
#                            (kernel/bugs/minus-*: make bugcheck of those)
#   make kernel-series KERNEL=7.3fix  a kernel's patch series as mails for
#                            git send-email (build/series/KERNEL/mails), checked:
#                            git am, checkpatch, every prefix builds, each fix
#                            proven (SERIES_TEST=0: the mails only)
#   make stress|reproduce|minimize CELL=... SEED=... DURATION=...
#                            the seeded stress engine (stress/run); bench,
#                            stress-unit; qemu builds the QEMU they need
#   make rootfs | deps | host-tools | unit | kernel-lint | kernel-bisect
#
# Build outputs: build/ ; run artefacts: results/ ; caches that survive a
# fresh clone (ccache, guest root): $(MHP_CACHE) (~/.cache/riscv-mhp).

KERNEL ?= 6.12
FLAVOR ?= plain
CELL ?= $(KERNEL)-$(FLAVOR)-sv57-numa2

BUILD := build
HOST := $(BUILD)/host
# the tools read the repository's data (kernels, flavors, topologies, tests,
# kernel/bugs) from $MHP_TOP, else from this tree
HOST_CFLAGS := -D_GNU_SOURCE -std=gnu11 -Wall -Wextra -O2 -g -Ici/src -Iselftests \
	-DMHP_DEFAULT_TOP='"$(CURDIR)"'
HARNESS_SRC := ci/src/cell.c ci/src/topo.c ci/src/qemu_argv.c ci/src/verdict.c \
	ci/src/dtb.c ci/src/registry.c
HARNESS_HDR := $(wildcard ci/src/*.h) selftests/mhp_complaints.h selftests/mhp_paging.h

.PHONY: all run check deps host-tools unit kernel rootfs initrd selftests \
	cell matrix known report kernel-lint kernel-bisect kernel-mutants kernel-series clean distclean \
	qemu stress stress-tools stress-unit reproduce bundle minimize bench soak

all: host-tools

deps:
	@ci/deps.sh

host-tools: $(HOST)/mhp-cell $(HOST)/unit-tests

$(HOST)/mhp-cell: ci/src/mhp-cell.c $(HARNESS_SRC) $(HARNESS_HDR)
	@mkdir -p $(HOST)
	gcc $(HOST_CFLAGS) -o $@ ci/src/mhp-cell.c $(HARNESS_SRC) -ljson-c -lfdt

$(HOST)/unit-tests: ci/tests/unit_tests.c $(HARNESS_SRC) $(HARNESS_HDR)
	@mkdir -p $(HOST)
	gcc $(HOST_CFLAGS) -o $@ ci/tests/unit_tests.c $(HARNESS_SRC) -lcmocka -lfdt

unit: $(HOST)/unit-tests
	@$(HOST)/unit-tests

kernel: host-tools
	@ci/build-kernel.sh $(KERNEL) $(FLAVOR)

rootfs:
	@ci/build-rootfs.sh

initrd: kernel rootfs host-tools
	@ci/build-initrd.sh $(KERNEL) $(FLAVOR)

selftests:
	@$(MAKE) -s -C selftests KSRC=$(CURDIR)/$(BUILD)/src/linux-source-$(KERNEL) \
		OUTPUT=$(CURDIR)/$(BUILD)/selftests/$(KERNEL)-$(FLAVOR) \
		ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu- all

cell: deps host-tools
	@ci/run-cell $(CELL)

matrix: deps host-tools
	@ci/run-matrix

# the false-failure rate of one cell: RUNS runs with fresh seeds
soak: deps host-tools
	@test -n "$(RUNS)" || { echo "usage: make soak [CELL=...] RUNS=N" >&2; exit 2; }
	@ci/soak.sh $(CELL) $(RUNS)

report:
	@test -n "$(RUN)" || { echo "usage: make report RUN=results/<run>" >&2; exit 2; }
	@ci/report $(RUN)

run: deps
	@$(MAKE) -s host-tools
	@ci/build-kernel.sh $(KERNEL) $(FLAVOR)
	@ci/build-rootfs.sh
	@ci/run-cell $(CELL)

check: deps
	@$(MAKE) -s host-tools
	@ci/check.sh

# QEMU with our riscv virtio-mem patch (qemu/patches): build/qemu/bin/
qemu: deps
	@qemu/build.sh

# The stress engine (stress/): host tool and the guest agent (riscv64,
# static). It links the shared PRNG/plan format and the selftests'
# helpers, and the cell oracle's kernel_problem() from ci/src/verdict.c.
STRESS_HOST_SRC := stress/host.c stress/plan.c stress/qmp.c stress/triage.c \
	stress/minimize.c selftests/mhp_plan.c ci/src/verdict.c ci/src/cell.c \
	ci/src/registry.c
STRESS_AGENT_SRC := stress/agent.c stress/guest_ops.c stress/bench.c \
	stress/plan.c selftests/mhp_plan.c selftests/mhp_util.c \
	selftests/mhp_module.c selftests/mhp_hmm.c selftests/mhp_readers.c
STRESS_KSRC := $(BUILD)/src/linux-source-6.12

$(HOST)/mhp-stress: $(STRESS_HOST_SRC) $(wildcard stress/*.h selftests/*.h)
	@mkdir -p $(HOST)
	gcc $(HOST_CFLAGS) -Iselftests -o $@ $(STRESS_HOST_SRC) -ljson-c

$(STRESS_KSRC)/tools/testing/selftests/kselftest.h: | $(HOST)/mhp-cell
	@MHP_SOURCE_ONLY=1 ci/build-kernel.sh 6.12 plain

$(BUILD)/stress/mhp-agent: $(STRESS_AGENT_SRC) $(wildcard stress/*.h selftests/*.h) \
		| $(STRESS_KSRC)/tools/testing/selftests/kselftest.h
	@mkdir -p $(BUILD)/stress
	riscv64-linux-gnu-gcc -static -D_GNU_SOURCE -std=gnu11 -Wall -Wextra -O2 -g \
		-Iselftests -I$(STRESS_KSRC)/tools/testing/selftests -I$(STRESS_KSRC) \
		-o $@ $(STRESS_AGENT_SRC)

# same seed -> byte-identical plan, signatures (cmocka)
$(HOST)/stress-tests: stress/tests/stress_tests.c stress/plan.c stress/triage.c \
		selftests/mhp_plan.c ci/src/verdict.c ci/src/cell.c ci/src/registry.c \
		$(wildcard stress/*.h)
	@mkdir -p $(HOST)
	gcc $(HOST_CFLAGS) -Iselftests -Istress -o $@ stress/tests/stress_tests.c \
		stress/plan.c stress/triage.c selftests/mhp_plan.c ci/src/verdict.c \
		ci/src/cell.c ci/src/registry.c -lcmocka

stress-unit: $(HOST)/stress-tests $(HOST)/mhp-stress
	@$(HOST)/stress-tests
	@stress/tests/bench_report_test.sh
	@t=$$(mktemp -d) && $(HOST)/mhp-stress plan 42 600 $$t/a && \
		$(HOST)/mhp-stress plan 42 600 $$t/b && cmp $$t/a $$t/b && \
		echo "stress-unit: mhp-stress plan 42 600, twice: identical plan files"; \
		rc=$$?; rm -rf $$t; exit $$rc

stress-tools: deps $(HOST)/mhp-stress $(BUILD)/stress/mhp-agent $(HOST)/mhp-cell

# make stress CELL=... SEED=... DURATION=seconds [EXCLUDE=kind,...]
# [MHP_KERNEL_DIR=O= dir of another kernel]
stress: stress-tools
	@stress/run stress

# make reproduce CELL=... SEED=... [DURATION=...] | PLAN=file
# make reproduce BUNDLE=file [KSRC=/path/to/linux | KBUILD=/path/to/O]
reproduce: deps host-tools $(HOST)/mhp-stress
	@if [ -n "$(BUNDLE)" ]; then ci/bundle replay "$(BUNDLE)"; \
	else $(MAKE) -s stress-tools && stress/run reproduce; fi

# make bundle RUN=results/<run>: each failed run in it as one tarball
bundle: host-tools $(HOST)/mhp-stress
	@test -n "$(RUN)" || { echo "usage: make bundle RUN=results/<run>" >&2; exit 2; }
	@ci/bundle make "$(RUN)"

# make minimize CELL=... SEED=... [DURATION=...] | PLAN=file
minimize: stress-tools
	@stress/run minimize

# make bench [CELL=...] [BENCH_SECONDS=...]: per-op cost of the harness against bare sysfs and stress-ng (bench.md)
bench: stress-tools
	@stress/bench

# every bug of a kernel as shipped (kernel/bugs, kind=shipped) still
# caught on its proof cells (make check proves those of its own kernels)
known: deps host-tools
	@ci/known-bugs

# make bugcheck [BUG="name ..."]: kernel/bugs/NAME mutants vs. the suite
bugcheck: deps host-tools
	@kernel/bugcheck.sh $(BUG)

kernel-lint:
	@kernel/lint.sh

kernel-series: deps host-tools
	@kernel/series.sh $(KERNEL)

kernel-bisect: deps
	@kernel/bisect.sh

# the kind=minus-patch entries of the catalog: each patch is needed
kernel-mutants: deps host-tools
	@BUGCHECK_ANCHORS=0 kernel/bugcheck.sh $$(cd kernel/bugs && ls -d minus-* | tr -d /)

clean:
	rm -rf $(BUILD)/host $(BUILD)/selftests

distclean:
	rm -rf $(BUILD) results
