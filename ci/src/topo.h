/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A topology is one text file in virtme-configs/topologies/NAME.topo:
 * the guest's CPUs, NUMA nodes and memory, one directive per line.
 *
 *   cpus N            harts (default: one per node, or 2 without nodes)
 *   memory SIZE       boot RAM of a machine without NUMA nodes
 *   node ID mem=SIZE cpus=A[-B]
 *                     a NUMA node; mem=0 makes it memoryless
 *   hide SIZE         the top SIZE of RAM is backed by QEMU but hidden
 *                     from Linux with mem=, for the test module to hot-add
 *   timeout SECONDS   how long a cell with this topology may run
 *
 * SIZE is a number with an optional K, M or G suffix.
 */
#ifndef MHP_TOPO_H
#define MHP_TOPO_H

#include <stddef.h>
#include <stdint.h>

#define TOPO_MAX_NODES 8

struct topo_node {
	unsigned int id;
	uint64_t mem;		/* bytes; 0 = memoryless */
	unsigned int cpu_first, cpu_last;
};

struct topo {
	unsigned int cpus;
	uint64_t memory;	/* bytes, machines without nodes */
	unsigned int nr_nodes;
	struct topo_node node[TOPO_MAX_NODES];
	uint64_t hide;		/* bytes hidden with mem= */
	unsigned int timeout;	/* seconds */
};

/* 0 on success; otherwise -1 with "line N: reason" in err. */
int topo_parse(const char *text, struct topo *t, char *err, size_t errsz);
int topo_load(const char *path, struct topo *t, char *err, size_t errsz);
uint64_t topo_total_mem(const struct topo *t);
int parse_size(const char *s, uint64_t *out);

#endif
