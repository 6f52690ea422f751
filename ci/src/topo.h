/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A topology is one text file in virtme-configs/topologies/NAME.topo:
 * the guest's CPUs, NUMA nodes and memory, one directive per line.
 *
 *   cpus N            harts (default: one per node, or 2 without nodes)
 *   memory SIZE       boot RAM of a machine without NUMA nodes
 *   node ID mem=SIZE cpus=A[-B] [gap=SIZE]
 *                     a NUMA node; mem=0 makes it memoryless; gap= leaves
 *                     SIZE of address space after its RAM (QEMU backs it
 *                     with reserve=off, the device tree leaves it out), so
 *                     the next node starts that far above: sparse NUMA
 *   pmem SIZE         SIZE of the last node's RAM, just below the hidden
 *                     RAM, becomes a device-tree pmem-region (of_pmem)
 *                     instead of System RAM (clear of QEMU's device tree,
 *                     which sits in the top 2 MiB of RAM)
 *   hide SIZE         the top SIZE of RAM is backed by QEMU but hidden
 *                     from Linux with mem=, for the test module to hot-add
 *   timeout SECONDS   how long a cell with this topology may run
 *   firmware acpi     boot through EDK2 with ACPI tables instead of a device
 *                     tree (kernels with acpi=yes; our QEMU, make qemu);
 *                     'firmware dt' (OpenSBI + device tree) is the default
 *   dimm SIZE node=N addr=ADDR
 *                     a pc-dimm cold-plugged at guest-physical ADDR on node
 *                     N (ACPI only): a memory device the guest finds in
 *                     ACPI, onlines, offlines and ejects (acpi_dimm). ADDR
 *                     lies in QEMU's device memory, which starts at the
 *                     first 1 GiB boundary above RAM (qemu/patches 0001)
 *   vmem SIZE node=N  a virtio-mem device on node N asked at boot to plug
 *                     SIZE (ACPI only: under a device tree virtio-mem has
 *                     no way to learn its node and lands on node 0)
 *   memmap_on_memory on|force
 *                     boot with memory_hotplug.memmap_on_memory=1 (or
 *                     =force): memory added with MHP_MEMMAP_ON_MEMORY
 *                     carries its own memmap (memmap_on_memory checks it)
 *
 * SIZE is a number with an optional K, M or G suffix.
 */
#ifndef MHP_TOPO_H
#define MHP_TOPO_H

#include <stddef.h>
#include <stdint.h>

#define TOPO_MAX_NODES 8
#define TOPO_MAX_DIMMS 8
#define TOPO_RAM_BASE 0x80000000ULL	/* riscv virt DRAM */

struct topo_node {
	unsigned int id;
	uint64_t mem;		/* bytes; 0 = memoryless */
	unsigned int cpu_first, cpu_last;
	uint64_t gap;		/* bytes of unused address space after mem */
};

enum firmware { FW_DT, FW_ACPI };

struct topo_dimm {
	uint64_t size, addr;	/* bytes; guest-physical */
	unsigned int node;
};

struct topo {
	unsigned int cpus;
	uint64_t memory;	/* bytes, machines without nodes */
	unsigned int nr_nodes;
	struct topo_node node[TOPO_MAX_NODES];
	uint64_t hide;		/* bytes hidden with mem= */
	uint64_t pmem;		/* bytes below the hidden RAM made a pmem-region */
	unsigned int timeout;	/* seconds */
	enum firmware firmware;
	unsigned int nr_dimms;
	struct topo_dimm dimm[TOPO_MAX_DIMMS];
	uint64_t vmem;		/* bytes virtio-mem plugs at boot, or 0 */
	unsigned int vmem_node;
	const char *memmap_on_memory;	/* its command-line value, or NULL */
};

/* 0 on success; otherwise -1 with "line N: reason" in err. */
int topo_parse(const char *text, struct topo *t, char *err, size_t errsz);
int topo_load(const char *path, struct topo *t, char *err, size_t errsz);
/* RAM the guest is given, pmem and hidden RAM included, gaps not. */
uint64_t topo_total_mem(const struct topo *t);
/* Guest-physical bytes QEMU backs: RAM plus gaps (QEMU's -m). */
uint64_t topo_span(const struct topo *t);
/* 1 when QEMU's generated device tree must be edited (gaps, pmem). */
int topo_needs_dtb(const struct topo *t);
/* Where QEMU's device memory (DIMMs, virtio-mem) starts, and the maxmem
 * that holds every DIMM of the topology plus extra bytes above the last. */
uint64_t topo_device_base(const struct topo *t);
uint64_t topo_maxmem(const struct topo *t, uint64_t extra);
const char *firmware_name(enum firmware f);
int parse_size(const char *s, uint64_t *out);

#endif
