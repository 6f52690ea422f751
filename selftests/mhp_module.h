/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The selftests' view of memory they may hot-add: RAM the device tree
 * describes but the kernel left out (mem=), and the mhp_test module that
 * adds and removes it (mhp_test_mod/mhp_test.c documents its interface).
 */
#ifndef MHP_MODULE_H
#define MHP_MODULE_H

#include <stdint.h>

#define MHP_TEST_DEBUGFS "/sys/kernel/debug/mhp_test"

struct mem_range {
	uint64_t start, size;
	int node;		/* numa-node-id of the device-tree memory node */
};

/*
 * Block-aligned ranges of device-tree RAM with no System RAM in them:
 * count (at most max), or -1 without /proc/device-tree or iomem.
 */
int hidden_ranges(struct mem_range *r, int max, uint64_t block_size);

/*
 * Load mhp_test.ko from the test program's directory (or modprobe it).
 * NULL on success, else why not (for ksft_exit_skip).
 */
const char *mhp_module_load(void);
void mhp_module_unload(void);

/* The module's requests: 0 or -errno, as the kernel returned it. */
int mhp_add(uint64_t start, uint64_t size, int node);
int mhp_remove(uint64_t start, uint64_t size);
int mhp_percpu(unsigned long count, unsigned long size);
/* The pluggable physical range; 0 or -errno. */
int mhp_mappable(uint64_t *start, uint64_t *end);
/* Where the direct map and vmemmap put a physical address; 0 or -errno. */
int mhp_addr(uint64_t phys, uint64_t *va, uint64_t *vmemmap);

/*
 * Bytes of [va, va + len) that the kernel page tables map, per ptdump
 * (/sys/kernel/debug/kernel_page_tables), or -1 without ptdump.
 */
int64_t ptdump_mapped_bytes(uint64_t va, uint64_t len);

#endif
