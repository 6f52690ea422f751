/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A cell is one point of the test matrix, named
 *   KERNEL-FLAVOR-PAGING-TOPOLOGY[-PERCPU]
 * e.g. "6.12-plain-sv57-numa2" or "6.1-kasan-sv39-sparse-page". KERNEL,
 * FLAVOR and TOPOLOGY are files of the repository (registry.h); PAGING is
 * one of the modes below.
 */
#ifndef MHP_CELL_H
#define MHP_CELL_H

#include <stddef.h>

/* in the order of selftests/mhp_paging.h */
enum paging { SV39, SV48, SV57, PAGING_COUNT };

#define CELL_KERNEL_MAX 24
#define CELL_FLAVOR_MAX 16

struct cell {
	char kernel[CELL_KERNEL_MAX];	/* kernel/kernels/NAME.kernel */
	char flavor[CELL_FLAVOR_MAX];	/* virtme-configs/flavors/NAME.config */
	enum paging paging;
	char topo[32];		/* a file in virtme-configs/topologies */
	int percpu_page;	/* boot with percpu_alloc=page */
};

/* 0 on success; otherwise -1 with a one-line reason in err. */
int cell_parse(const char *name, struct cell *c, char *err, size_t errsz);
void cell_name(const struct cell *c, char *buf, size_t sz);
const char *paging_name(enum paging p);

#endif
