/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The suite's data, each fact in one place, read from the repository:
 *
 *   kernel/kernels/NAME.kernel     one kernel under test (the KERNEL axis)
 *   virtme-configs/flavors/NAME.config
 *                                  one flavor (config fragment on top)
 *   virtme-configs/topologies/NAME.topo
 *                                  one topology (topo.h)
 *   selftests/Makefile             TEST_GEN_PROGS: the tests, in order
 *   kernel/bugs/NAME/expect        what a kernel is expected to do: one
 *                                  entry per known bug (the registry)
 *
 * The paging modes are code (cell.c): each one is a QEMU CPU setting.
 *
 * Files are "key=value" lines as a POSIX shell would source them: values
 * bare, 'single-quoted' or "double-quoted"; '#' starts a comment line.
 * The repository is $MHP_TOP, else the one this tool was built from.
 */
#ifndef MHP_REGISTRY_H
#define MHP_REGISTRY_H

#include <stddef.h>

#include "cell.h"

const char *registry_top(void);
void registry_set_top(const char *dir);

/* ----- key=value files ------------------------------------------------ */
struct kv {
	int n;
	char key[32][32];
	char val[32][512];
};
/* 0, or -1 with "line N: reason" (or the open error) in err */
int kv_load(const char *path, struct kv *kv, char *err, size_t errsz);
int kv_parse(const char *text, struct kv *kv, char *err, size_t errsz);
const char *kv_get(const struct kv *kv, const char *key);	/* "" if unset */

/* ----- the axes --------------------------------------------------------- */
enum axis { AXIS_KERNEL, AXIS_FLAVOR, AXIS_TOPOLOGY, AXIS_PAGING, AXIS_TEST };
/* The values of an axis, sorted (tests: in TEST_GEN_PROGS order), separated
 * by sep; -1 if the directory or file cannot be read. */
int registry_list(enum axis a, char *buf, size_t sz, char sep);
/* What a cell's boot gives the tests: ACPI (firmware acpi), RAM the kernel
 * booted without (the topology's hide, mem=) */
enum boot_has { BOOT_ACPI = 1, BOOT_HIDDEN_RAM = 2 };
/* The tests that need what: MHP_ACPI_TESTS or MHP_HIDE_TESTS of
 * selftests/Makefile, blank-separated */
int registry_tests_need(enum boot_has what, char *buf, size_t sz);
/* 1 if name is a value of the axis */
int registry_has(enum axis a, const char *name);

/* One kernel under test, from kernel/kernels/NAME.kernel. */
struct kernel_desc {
	char name[CELL_KERNEL_MAX];
	char describe[200];
	char source[16];	/* "debian" (a source package) or "ksrc" */
	char package[64];	/* linux-source-X.Y */
	char suite[32];		/* Debian suite to install it from; "" = default */
	char series[128];	/* patch series, relative to the repository */
	char config[128];	/* fragments (virtme-configs/fragments/NAME.config) */
	int acpi;		/* the kernel boots riscv with ACPI */
	int expectations;	/* 0: no inherited expectations (own tree) */
};
int kernel_load(const char *name, struct kernel_desc *k, char *err, size_t errsz);

/* ----- the registry of expectations (kernel/bugs/NAME/expect) ------------ */
enum expect_kind { EXPECT_MUTANT, EXPECT_SHIPPED, EXPECT_MINUS_PATCH };
enum expect_effect { EFFECT_FATAL, EFFECT_SETASIDE };

struct expect {
	char name[64];
	enum expect_kind kind;
	enum expect_effect effect;
	char kernel[CELL_KERNEL_MAX], flavor[CELL_FLAVOR_MAX];
	char cells[512];	/* globs over cell names, blank-separated */
	char proof[160];	/* shipped: the cells that show it (make check) */
	char append[256];	/* proof run: kernel command-line words */
	char signature[256];	/* extended regex */
	char chain[256];	/* functions the first report's call trace
				 * must show, innermost first, blank-separated
				 * (optional) */
	char leave_out[256];	/* shipped: tests left out where it applies (they
				 * trigger a fatal bug, or fail by this one) */
	char what[256];		/* one line: what the bug is */
	char minus_patch[128];	/* minus-patch: the subject of the patch left out */
	char fix[128];		/* shipped: subject words of our patch fixing it */
	char fixed_in[64];	/* shipped: the kernels whose series carry it */
	char fixed_cells[256];	/* the proof cells on those kernels (derived) */
	int attempts;		/* proof runs a race gets before it counts as
				 * not caught (1..20, default 1) */
};

#define EXPECT_MAX 64
/* Every entry, sorted by name; -1 with the first problem in err. */
int expect_load_all(struct expect *e, int max, char *err, size_t errsz);
int expect_parse(const char *name, const char *text, struct expect *e,
		 char *err, size_t errsz);
/* 1 when one of the blank-separated globs matches the cell name */
int cell_matches(const char *globs, const char *cell);
/* A shipped entry applies to a cell when its globs match the cell name and
 * the cell's kernel has expectations. */
int expect_applies(const struct expect *e, const char *cell);
/* 1 when line matches the entry's signature (extended regex) */
int expect_signature_matches(const struct expect *e, const char *line);

#endif
