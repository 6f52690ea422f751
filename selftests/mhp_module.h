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
	int node;		/* numa-node-id of the device-tree memory node
				 * (or the SRAT's proximity domain) */
};

/* The device tree's memory ranges, in its order: count, or -1 without one */
int dt_memory(struct mem_range *r, int max);
/*
 * An ACPI machine's boot memory: the enabled, not hot-pluggable memory
 * affinity ranges of its SRAT, the proximity domain as the node (QEMU
 * numbers both alike): count, or -1 without an SRAT.
 */
#define SRAT_TABLE "/sys/firmware/acpi/tables/SRAT"
int srat_memory(struct mem_range *r, int max);
/*
 * What the firmware says the RAM is: the device tree's, else the SRAT's,
 * else (ACPI without NUMA has no SRAT) efi_ram()'s, all on node 0:
 * count, or -1 without any.
 */
int firmware_memory(struct mem_range *r, int max);
/*
 * The EFI memory map's usable RAM (mhp_test.ko's efi_ram, node -1): count,
 * or -1 without the module's file. Empty on a boot without EFI.
 */
int efi_ram(struct mem_range *r, int max);

/*
 * The lowest RAM address the machine has (where the linear map and the
 * vmemmap start): the firmware's, else /proc/iomem's lowest System RAM,
 * rounded down to 2 MiB (riscv maps the linear map from the lowest RAM
 * aligned to a PMD; an EFI boot's lowest usable RAM starts past OpenSBI's
 * region). 0, or -1 without either.
 */
#define MHP_RAM_BASE_ALIGN (2ULL << 20)
int mhp_ram_base(uint64_t *base);

/*
 * Block-aligned ranges of the firmware's RAM (firmware_memory; without a
 * device tree, only what efi_ram() calls usable when mhp_test.ko is
 * loaded) with nothing of /proc/iomem in them: count (at most max), or -1
 * without either.
 */
int hidden_ranges(struct mem_range *r, int max, uint64_t block_size);

/*
 * Load mhp_test.ko from the test program's directory (or modprobe it).
 * NULL on success, else why not (for ksft_exit_skip).
 */
const char *mhp_module_load(void);
void mhp_module_unload(void);

/*
 * The module's requests: 0 or -errno, as the kernel returned it. A remove
 * offlines what is online within the deadline of its zone (mhp_util.h):
 * -EINTR past it.
 */
int mhp_add(uint64_t start, uint64_t size, int node);
/* MHP_ADD_MEMMAP_ON_MEMORY: ask for the memmap on the memory itself */
#define MHP_ADD_MEMMAP_ON_MEMORY	0x1
int mhp_add_flags(uint64_t start, uint64_t size, int node, unsigned int flags);
int mhp_remove(uint64_t start, uint64_t size);
int mhp_percpu(unsigned long count, unsigned long size);
/*
 * Unmovable pages in [start, +size): slab objects allocated on node (only
 * there) that landed in the range, *objects of them on *pages slab pages,
 * *unreferenced of which have a zero refcount; 0 or -errno.
 * mhp_slab_free() frees them.
 */
int mhp_slab(int node, uint64_t start, uint64_t size, long *objects,
	     long *pages, long *unreferenced);
int mhp_slab_free(void);
/* The pluggable physical range; 0 or -errno. */
int mhp_mappable(uint64_t *start, uint64_t *end);
/*
 * The address of a kernel symbol per /proc/kallsyms: 0, -ENOENT (no such
 * symbol: CONFIG_KALLSYMS_ALL for data), -EPERM (addresses hidden), -errno.
 */
int kallsyms_addr(const char *sym, unsigned long long *va);

/* Where the direct map and vmemmap put a physical address; 0 or -errno. */
int mhp_addr(uint64_t phys, uint64_t *va, uint64_t *vmemmap);
/*
 * The same, and the physical address the page tables map phys's struct
 * page to (the module's own walk of the running hart's tables): 0,
 * -ENOENT when nothing maps it, or -errno.
 */
int mhp_addr_pa(uint64_t phys, uint64_t *va, uint64_t *vmemmap, uint64_t *vmemmap_pa);

/*
 * A walk of the kernel half of the kernel's page tables by mhp_test.ko
 * (see its "pgtables"), with the direct map and vmemmap of r[0..n) as the
 * spans. 0, or -errno: -ENOENT when /proc/kallsyms has no swapper_pg_dir
 * (CONFIG_KALLSYMS_ALL), -EPERM when it hides addresses.
 */
struct mhp_pgtables {
	int levels;
	long tables;		/* below the top level, kernel half */
	long span_tables;	/* of those, covering a span */
	long span_empty;	/* of those, below the second level and empty */
	uint64_t first_empty;	/* the VA an empty one covers */
};
int mhp_pgtables(const struct mem_range *r, int n, struct mhp_pgtables *pt);

/*
 * What a test program needs, declared in one place; mhp_require() checks
 * it all and returns why not (for ksft_exit_skip), or NULL with env filled.
 */
#define MHP_NEED_DESTRUCTIVE	0x1	/* opt-in token, root */
#define MHP_NEED_MODULE		0x2	/* mhp_test.ko loaded */
#define MHP_NEED_HIDDEN		0x4	/* hidden RAM to hot-add */
#define MHP_MAX_HIDDEN		16

struct mhp_env {
	uint64_t block_size;
	struct mem_range hidden[MHP_MAX_HIDDEN];
	int nr_hidden;
	int nodes[64], nr_nodes;	/* possible NUMA nodes */
	char auto_online[32];		/* auto_online_blocks */
};
const char *mhp_require(unsigned int needs, struct mhp_env *env);

/*
 * Hot-add r to node and online every block of it with how ("online",
 * "online_movable", "online_kernel"), taking back an auto-online so the
 * test chooses the zone. 0, or -errno of the step that failed (*step).
 */
int mhp_add_online(const struct mhp_env *env, const struct mem_range *r,
		   int node, const char *how, const char **step);

/*
 * Bytes of [va, va + len) that the kernel page tables map, per ptdump
 * (/sys/kernel/debug/kernel_page_tables), or -1 without ptdump.
 */
int64_t ptdump_mapped_bytes(uint64_t va, uint64_t len);

#endif
