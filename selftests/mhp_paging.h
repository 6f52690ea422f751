/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The riscv paging modes the suite runs in: the one list, read by the host
 * (the cell's PAGING axis; qemu_argv.c gives each its QEMU CPU setting) and
 * the guest (the paging test's expectations). Per mode: the virtual address
 * bits and the size of the linear map (the direct mapping of
 * Documentation/arch/riscv/vm-layout.rst), which starts at the RAM base.
 */
#ifndef MHP_PAGING_H
#define MHP_PAGING_H

#include <stdint.h>
#include <string.h>

struct mhp_paging_mode {
	const char *name;
	int va_bits;
	uint64_t linear_map;	/* bytes */
	uint64_t vmemmap;	/* bytes of the vmemmap area */
};

static const struct mhp_paging_mode mhp_paging_modes[] = {
	{ "sv39", 39, 128ULL << 30, 4ULL << 30 },
	{ "sv48", 48, 64ULL << 40, 2ULL << 40 },
	{ "sv57", 57, 32ULL << 50, 1ULL << 50 },
};

/*
 * RV64 physical addresses have 56 bits (a PTE's PPN has 44), whatever the
 * paging mode: no memory, hot-added or device, lies above.
 */
#define MHP_PHYS_BITS	56
/*
 * The vmemmap describes the pages from the RAM base up, one struct page of
 * at most 64 bytes (the kernel sizes the area for that) per 4 KiB page: the
 * end of the physical range whose struct pages fit in the vmemmap area.
 */
static inline uint64_t mhp_vmemmap_reach(const struct mhp_paging_mode *m, uint64_t ram_base)
{
	uint64_t end = ram_base + m->vmemmap / 64 * 4096;
	uint64_t phys_end = 1ULL << MHP_PHYS_BITS;

	return end < phys_end ? end : phys_end;
}

#define MHP_PAGING_COUNT (sizeof(mhp_paging_modes) / sizeof(mhp_paging_modes[0]))

/* The mode named name ("sv48"), or NULL. */
static inline const struct mhp_paging_mode *mhp_paging_mode_of(const char *name)
{
	for (unsigned int i = 0; i < MHP_PAGING_COUNT; i++)
		if (!strcmp(mhp_paging_modes[i].name, name))
			return &mhp_paging_modes[i];
	return NULL;
}

#endif
