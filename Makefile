# riscv-mhp: memory hot(un)plug test suite for RISC-V Linux.
#
#   make run                 set up the host, build, boot the default cell
#   make check               unit tests, selftest builds, the check cells
#   make cell CELL=...       one cell, e.g. 6.12-plain-sv48-numa2
#   make matrix [FILTER=glob] [JOBS=N] [RUNNER=qemu|vng]
#                            the nightly cells of ci/matrix and their report
#   make report RUN=results/<run>   the report of a run again
#   make kernel KERNEL=6.1|6.12 FLAVOR=plain|kasan|nomemcg
#   make rootfs | deps | host-tools | unit | kernel-lint | kernel-bisect
#
# Build outputs: build/ ; run artefacts: results/ ; caches that survive a
# fresh clone (ccache, guest root): $(MHP_CACHE) (~/.cache/riscv-mhp).

KERNEL ?= 6.12
FLAVOR ?= plain
CELL ?= $(KERNEL)-$(FLAVOR)-sv57-numa2

BUILD := build
HOST := $(BUILD)/host
HOST_CFLAGS := -D_GNU_SOURCE -std=gnu11 -Wall -Wextra -O2 -g -Ici/src
HARNESS_SRC := ci/src/cell.c ci/src/topo.c ci/src/qemu_argv.c ci/src/verdict.c \
	ci/src/dtb.c
HARNESS_HDR := $(wildcard ci/src/*.h)

.PHONY: all run check deps host-tools unit kernel rootfs initrd selftests \
	cell matrix report kernel-lint kernel-bisect clean distclean

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

kernel:
	@ci/build-kernel.sh $(KERNEL) $(FLAVOR)

rootfs:
	@ci/build-rootfs.sh

initrd: kernel rootfs
	@ci/build-initrd.sh $(KERNEL) $(FLAVOR)

selftests:
	@$(MAKE) -s -C selftests KSRC=$(CURDIR)/$(BUILD)/src/linux-source-$(KERNEL) \
		OUTPUT=$(CURDIR)/$(BUILD)/selftests/$(KERNEL)-$(FLAVOR) \
		ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu- all

cell: host-tools
	@ci/run-cell $(CELL)

matrix: host-tools
	@ci/run-matrix

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

kernel-lint:
	@kernel/lint.sh

kernel-bisect:
	@kernel/bisect.sh

clean:
	rm -rf $(BUILD)/host $(BUILD)/selftests

distclean:
	rm -rf $(BUILD) results
