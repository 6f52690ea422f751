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

struct mhp_paging_mode {
	const char *name;
	int va_bits;
	uint64_t linear_map;	/* bytes */
};

static const struct mhp_paging_mode mhp_paging_modes[] = {
	{ "sv39", 39, 128ULL << 30 },
	{ "sv48", 48, 64ULL << 40 },
	{ "sv57", 57, 32ULL << 50 },
};

#define MHP_PAGING_COUNT (sizeof(mhp_paging_modes) / sizeof(mhp_paging_modes[0]))

#endif
