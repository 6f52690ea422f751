/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interfaces that read hotplug state, one pass each: what the readers
 * selftest runs in a loop while memory comes and goes, and what the stress
 * engine's "read" op runs once between the workers' adds and removes.
 *   ptdump     /sys/kernel/debug/kernel_page_tables, to the end
 *   kcore      /proc/kcore: the ELF header, then the start, middle and end
 *              of every PT_LOAD segment (hot-added RAM and its vmemmap
 *              come and go as segments)
 *   kpageflags /proc/kpageflags and /proc/kpagecount over given ranges
 *   sysfs      state, valid_zones, phys_device: of the given ranges' blocks
 *              by name, 16 times over (a block read as it appears), then of
 *              every block listed
 *   alloc      4 MiB of anonymous memory bound to each node of the given
 *              ranges, touched and unmapped: each page allocated and freed
 *              in a zone whose span is changing (DEBUG_VM checks the span)
 * A read may fail only where the interface says it may (a block's sysfs
 * file vanishing: ENOENT, ENODEV); every other failure is an error, kept
 * with its errno.
 */
#ifndef MHP_READERS_H
#define MHP_READERS_H

#include <stddef.h>
#include <stdint.h>

#include "mhp_module.h"

enum { MHP_R_PTDUMP, MHP_R_KCORE, MHP_R_KPAGE, MHP_R_SYSFS, MHP_R_ALLOC, MHP_NR_READERS };
extern const char *const mhp_reader_name[MHP_NR_READERS];

struct mhp_reader_stat {
	uint64_t passes, raced, bytes, errors;
	int first_errno;
	char first_error[200];
	char unavailable[96];	/* why the reader cannot run here */
};

/* The reader called name (len bytes of it), or -1. */
int mhp_reader_find(const char *name, size_t len);
/* Why reader r cannot run in this kernel: "" when it can. */
void mhp_reader_unavailable(int r, char *why, size_t sz);
/*
 * One pass of reader r, counted in s (bytes; errors with the first one's
 * errno). kpageflags reads the pfns of ranges[0..n), sysfs their blocks
 * first, alloc allocates on their nodes; ptdump and kcore ignore them.
 */
void mhp_reader_pass(int r, struct mhp_reader_stat *s,
		     const struct mem_range *ranges, int n);

#endif
