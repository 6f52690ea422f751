// SPDX-License-Identifier: GPL-2.0
/* Topology files: parsing and validation (see topo.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'G': v <<= 10; /* fall through */
	case 'M': v <<= 10; /* fall through */
	case 'K': v <<= 10; end++; break;
	case '\0': break;
	default: return -1;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

uint64_t topo_total_mem(const struct topo *t)
{
	uint64_t sum = 0;

	if (!t->nr_nodes)
		return t->memory;
	for (unsigned int i = 0; i < t->nr_nodes; i++)
		sum += t->node[i].mem;
	return sum;
}

uint64_t topo_span(const struct topo *t)
{
	uint64_t sum = topo_total_mem(t);

	for (unsigned int i = 0; i < t->nr_nodes; i++)
		sum += t->node[i].gap;
	return sum;
}

int topo_needs_dtb(const struct topo *t)
{
	return t->firmware == FW_DT && (topo_span(t) != topo_total_mem(t) || t->pmem);
}

#define GiB (1ULL << 30)

uint64_t topo_device_base(const struct topo *t)
{
	return (TOPO_RAM_BASE + topo_span(t) + GiB - 1) & ~(GiB - 1);
}

uint64_t topo_maxmem(const struct topo *t, uint64_t extra)
{
	uint64_t top = topo_device_base(t);

	for (unsigned int i = 0; i < t->nr_dimms; i++)
		if (t->dimm[i].addr + t->dimm[i].size > top)
			top = t->dimm[i].addr + t->dimm[i].size;
	/* QEMU sizes device memory as maxmem - RAM */
	return topo_span(t) + (top - topo_device_base(t)) + extra;
}

const char *firmware_name(enum firmware f)
{
	return f == FW_ACPI ? "acpi" : "dt";
}

static int parse_vmem(char *args, struct topo *t)
{
	char *save = NULL, *tok, *end;
	int have_node = 0;

	tok = strtok_r(args, " \t", &save);
	if (t->vmem || !tok || parse_size(tok, &t->vmem) || !t->vmem)
		return -1;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		if (strncmp(tok, "node=", 5))
			return -1;
		t->vmem_node = strtoul(tok + 5, &end, 10);
		if (end == tok + 5 || *end)
			return -1;
		have_node = 1;
	}
	return have_node ? 0 : -1;
}

static int parse_dimm(char *args, struct topo *t)
{
	struct topo_dimm *d;
	char *save = NULL, *tok, *end;
	int have_node = 0, have_addr = 0;

	if (t->nr_dimms == TOPO_MAX_DIMMS)
		return -1;
	d = &t->dimm[t->nr_dimms];
	tok = strtok_r(args, " \t", &save);
	if (!tok || parse_size(tok, &d->size) || !d->size)
		return -1;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		if (!strncmp(tok, "node=", 5)) {
			d->node = strtoul(tok + 5, &end, 10);
			if (end == tok + 5 || *end)
				return -1;
			have_node = 1;
		} else if (!strncmp(tok, "addr=", 5) && !parse_size(tok + 5, &d->addr)) {
			have_addr = 1;
		} else {
			return -1;
		}
	}
	if (!have_node || !have_addr)
		return -1;
	t->nr_dimms++;
	return 0;
}

static int parse_cpus(const char *s, struct topo_node *n)
{
	char *end;

	n->cpu_first = strtoul(s, &end, 10);
	n->cpu_last = n->cpu_first;
	if (end == s)
		return -1;
	if (*end == '-') {
		s = end + 1;
		n->cpu_last = strtoul(s, &end, 10);
		if (end == s || n->cpu_last < n->cpu_first)
			return -1;
	}
	return *end ? -1 : 0;
}

static int parse_node(char *args, struct topo *t)
{
	struct topo_node *n;
	char *save = NULL, *tok;
	int have_mem = 0, have_cpus = 0;

	if (t->nr_nodes == TOPO_MAX_NODES)
		return -1;
	n = &t->node[t->nr_nodes];
	tok = strtok_r(args, " \t", &save);
	if (!tok || parse_cpus(tok, n) || n->cpu_first != n->cpu_last)
		return -1;
	n->id = n->cpu_first;
	if (n->id != t->nr_nodes)	/* QEMU wants contiguous node IDs */
		return -1;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		if (!strncmp(tok, "mem=", 4) && !parse_size(tok + 4, &n->mem))
			have_mem = 1;
		else if (!strncmp(tok, "cpus=", 5) && !parse_cpus(tok + 5, n))
			have_cpus = 1;
		else if (!strncmp(tok, "gap=", 4) && !parse_size(tok + 4, &n->gap))
			continue;
		else
			return -1;
	}
	if (!have_mem || !have_cpus)	/* every node needs harts on riscv virt */
		return -1;
	t->nr_nodes++;
	return 0;
}

#define FAIL(...) do { snprintf(err, errsz, __VA_ARGS__); return -1; } while (0)

static int validate(const struct topo *t, char *err, size_t errsz)
{
	uint64_t total = topo_total_mem(t);
	unsigned int next_cpu = 0;

	if (t->nr_nodes && t->memory)
		FAIL("'memory' and 'node' exclude each other");
	if (!total)
		FAIL("no memory");
	for (unsigned int i = 0; i < t->nr_nodes; i++) {
		if (t->node[i].gap && (i + 1 == t->nr_nodes || !t->node[i].mem))
			FAIL("node %u: gap= needs RAM below it and a node above it", i);
		if (t->node[i].cpu_first != next_cpu)
			FAIL("node %u: harts must follow on from node %u", i, i - 1);
		next_cpu = t->node[i].cpu_last + 1;
	}
	if (t->nr_nodes && next_cpu != t->cpus)
		FAIL("nodes name %u harts, 'cpus' says %u", next_cpu, t->cpus);
	if (t->hide + t->pmem >= total)
		FAIL("'hide' and 'pmem' leave no boot memory");
	/* the last node is [boot RAM][pmem][hidden RAM] (see dtb.c) */
	if (t->pmem && t->nr_nodes && t->pmem + t->hide > t->node[t->nr_nodes - 1].mem)
		FAIL("'pmem' must fit in the last node's RAM, with 'hide' above it");
	if (t->pmem && t->hide < (2ULL << 20))
		FAIL("'pmem' needs 'hide' of 2M or more above it: QEMU loads its device tree into the top 2M of RAM");
	if (t->firmware == FW_ACPI && (t->pmem || topo_span(t) != total))
		FAIL("'firmware acpi' excludes 'pmem' and gap=: they are device-tree edits");
	if (t->nr_dimms && t->firmware != FW_ACPI)
		FAIL("'dimm' needs 'firmware acpi': a pc-dimm is an ACPI memory device");
	if (t->vmem && t->firmware != FW_ACPI)
		FAIL("'vmem' needs 'firmware acpi': under a device tree virtio-mem cannot learn its node");
	if (t->vmem % (128ULL << 20))
		FAIL("'vmem' must be a multiple of 128M (a memory block)");
	if (t->vmem && (t->nr_nodes ? t->vmem_node >= t->nr_nodes : t->vmem_node))
		FAIL("'vmem': node=%u is not a node of this topology", t->vmem_node);
	for (unsigned int i = 0; i < t->nr_dimms; i++) {
		const struct topo_dimm *d = &t->dimm[i];
		/* a memory block is 128 MiB on riscv */
		const uint64_t blk = 128ULL << 20;

		if (d->size % blk || d->addr % blk)
			FAIL("dimm %u: size and addr must be multiples of 128M (a memory block)", i);
		if (d->addr < topo_device_base(t))
			FAIL("dimm %u: addr=0x%llx lies below QEMU's device memory (0x%llx)",
			     i, (unsigned long long)d->addr,
			     (unsigned long long)topo_device_base(t));
		if (t->nr_nodes ? d->node >= t->nr_nodes : d->node)
			FAIL("dimm %u: node=%u is not a node of this topology", i, d->node);
		for (unsigned int j = 0; j < i; j++)
			if (d->addr < t->dimm[j].addr + t->dimm[j].size &&
			    t->dimm[j].addr < d->addr + d->size)
				FAIL("dimms %u and %u overlap", j, i);
	}
	return 0;
}

int topo_parse(const char *text, struct topo *t, char *err, size_t errsz)
{
	char *copy = strdup(text), *line, *save = NULL;
	int lineno = 0, rc = 0, cpus_given = 0;

	memset(t, 0, sizeof(*t));
	t->timeout = 300;
	for (line = strtok_r(copy, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		char key[24];
		int off = 0;

		lineno++;
		line += strspn(line, " \t");
		if (!*line || *line == '#')
			continue;
		if (sscanf(line, "%23s %n", key, &off) != 1 || !off) {
			snprintf(err, errsz, "line %d: '%s' needs a value", lineno, line);
			rc = -1;
		} else if (!strcmp(key, "cpus")) {
			t->cpus = strtoul(line + off, NULL, 10);
			cpus_given = 1;
			rc = t->cpus ? 0 : -1;
		} else if (!strcmp(key, "memory")) {
			rc = parse_size(line + off, &t->memory);
		} else if (!strcmp(key, "hide")) {
			rc = parse_size(line + off, &t->hide);
		} else if (!strcmp(key, "pmem")) {
			rc = parse_size(line + off, &t->pmem);
		} else if (!strcmp(key, "timeout")) {
			t->timeout = strtoul(line + off, NULL, 10);
			rc = t->timeout ? 0 : -1;
		} else if (!strcmp(key, "node")) {
			rc = parse_node(line + off, t);
		} else if (!strcmp(key, "dimm")) {
			rc = parse_dimm(line + off, t);
		} else if (!strcmp(key, "vmem")) {
			rc = parse_vmem(line + off, t);
		} else if (!strcmp(key, "memmap_on_memory")) {
			if (!strcmp(line + off, "on"))
				t->memmap_on_memory = "1";
			else if (!strcmp(line + off, "force"))
				t->memmap_on_memory = "force";
			else
				rc = -1;
		} else if (!strcmp(key, "firmware")) {
			if (!strcmp(line + off, "acpi"))
				t->firmware = FW_ACPI;
			else if (!strcmp(line + off, "dt"))
				t->firmware = FW_DT;
			else
				rc = -1;
		} else {
			snprintf(err, errsz, "line %d: unknown directive '%s'", lineno, key);
			rc = -2;
		}
		if (rc == -1)
			snprintf(err, errsz, "line %d: bad '%s'", lineno, line);
	}
	free(copy);
	if (rc)
		return -1;
	if (!cpus_given)
		t->cpus = t->nr_nodes ? t->node[t->nr_nodes - 1].cpu_last + 1 : 2;
	return validate(t, err, errsz);
}

int topo_load(const char *path, struct topo *t, char *err, size_t errsz)
{
	char buf[8192];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		FAIL("cannot read %s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return topo_parse(buf, t, err, errsz);
}
