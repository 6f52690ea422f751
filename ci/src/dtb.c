// SPDX-License-Identifier: GPL-2.0
/* Device-tree edits for sparse NUMA and pmem topologies (see dtb.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "dtb.h"

#define FAIL(...) do { snprintf(err, errsz, __VA_ARGS__); goto fail; } while (0)

/* reg of a memory node, with the virt machine's 2 + 2 cells */
static int mem_reg(const void *fdt, int off, uint64_t *addr, uint64_t *size)
{
	const fdt64_t *reg;
	int len;

	reg = fdt_getprop(fdt, off, "reg", &len);
	if (!reg || len != 16)
		return -1;
	*addr = fdt64_to_cpu(reg[0]);
	*size = fdt64_to_cpu(reg[1]);
	return 0;
}

/* reg of a memory node: [addr, +size) and, if size2, [addr2, +size2) */
static int set_reg(void *fdt, int off, uint64_t addr, uint64_t size,
		   uint64_t addr2, uint64_t size2)
{
	fdt64_t reg[4] = { cpu_to_fdt64(addr), cpu_to_fdt64(size),
			   cpu_to_fdt64(addr2), cpu_to_fdt64(size2) };

	if (!size)	/* no boot RAM below the pmem: the hidden part only */
		return fdt_setprop(fdt, off, "reg", reg + 2, 2 * sizeof(reg[0]));
	return fdt_setprop(fdt, off, "reg", reg, (size2 ? 4 : 2) * sizeof(reg[0]));
}

/* The memory node QEMU made for [addr, addr + size), or < 0. */
static int find_mem(const void *fdt, uint64_t addr, uint64_t size)
{
	int off = -1;

	while ((off = fdt_node_offset_by_prop_value(fdt, off, "device_type",
						    "memory", 7)) >= 0) {
		uint64_t a, s;

		if (!mem_reg(fdt, off, &a, &s) && a == addr && s == size)
			return off;
	}
	return off;
}

static uint64_t ram_base(const void *fdt)
{
	uint64_t base = UINT64_MAX, a, s;
	int off = -1;

	while ((off = fdt_node_offset_by_prop_value(fdt, off, "device_type",
						    "memory", 7)) >= 0)
		if (!mem_reg(fdt, off, &a, &s) && s && a < base)
			base = a;
	return base;
}

static int add_pmem(void *fdt, uint64_t addr, uint64_t size, int node)
{
	fdt64_t reg[2] = { cpu_to_fdt64(addr), cpu_to_fdt64(size) };
	char name[40];
	int off;

	snprintf(name, sizeof(name), "pmem@%" PRIx64, addr);
	off = fdt_add_subnode(fdt, 0, name);
	if (off < 0)
		return off;
	if (fdt_setprop_string(fdt, off, "compatible", "pmem-region") ||
	    fdt_setprop(fdt, off, "reg", reg, sizeof(reg)))
		return -1;
	return node < 0 ? 0 : fdt_setprop_u32(fdt, off, "numa-node-id", node);
}

/*
 * QEMU loads the device tree into the top 2 MiB of RAM (hw/riscv/boot.c:
 * end of RAM minus its size, aligned down to 2 MiB) and the kernel reserves
 * it there. A pmem-region over it cannot become System RAM (daxctl: EBUSY),
 * so the pmem goes below the hidden top of RAM instead of at the top: the
 * last node's memory node keeps two ranges, [boot RAM][pmem][hidden RAM].
 * mem= counts RAM, not addresses, so it still hides exactly the top 'hide'.
 */
int dtb_apply_topo(const struct topo *t, const void *in, size_t len,
		   void **out, size_t *outlen, char *err, size_t errsz)
{
	size_t sz = len + 4096;
	void *fdt = malloc(sz);
	uint64_t base, addr, pmem_at = 0;
	unsigned int i, n = t->nr_nodes ? t->nr_nodes : 1;
	int off;

	if (!fdt || fdt_check_header(in) || fdt_open_into(in, fdt, sz))
		FAIL("not a flattened device tree");
	base = ram_base(fdt);
	if (base == UINT64_MAX)
		FAIL("no memory node in QEMU's device tree");
	addr = base;
	for (i = 0; i < n; i++) {
		uint64_t mem = t->nr_nodes ? t->node[i].mem : t->memory;
		uint64_t gap = t->nr_nodes ? t->node[i].gap : 0;
		/* the last node: [boot RAM][pmem][hidden RAM] (see above) */
		uint64_t pmem = i + 1 == n ? t->pmem : 0;
		uint64_t top = pmem ? t->hide : 0;
		uint64_t keep = mem - pmem - top;

		if (!mem)
			continue;
		off = find_mem(fdt, addr, mem + gap);
		if (off < 0)
			FAIL("no memory node for [0x%" PRIx64 ", +0x%" PRIx64 ")",
			     addr, mem + gap);
		if (pmem + top > mem)
			FAIL("'pmem' and 'hide' do not fit in the last node's RAM");
		if (set_reg(fdt, off, addr, keep, addr + keep + pmem, top))
			FAIL("cannot edit the memory node at 0x%" PRIx64, addr);
		pmem_at = addr + keep;
		addr += mem + gap;
	}
	if (t->pmem && add_pmem(fdt, pmem_at, t->pmem,
				t->nr_nodes ? (int)t->nr_nodes - 1 : -1))
		FAIL("cannot add the pmem-region node");
	fdt_pack(fdt);
	*out = fdt;
	*outlen = fdt_totalsize(fdt);
	return 0;
fail:
	free(fdt);
	return -1;
}
