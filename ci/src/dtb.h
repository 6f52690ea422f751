/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Topology -> device tree edits (libfdt). QEMU's riscv virt describes all
 * the RAM it backs; a topology with gaps (sparse NUMA) or pmem needs less:
 * each node's memory node shrinks to the node's RAM, and part of the last
 * node's RAM, below the hidden RAM, may become a pmem-region.
 */
#ifndef MHP_DTB_H
#define MHP_DTB_H

#include <stddef.h>

#include "topo.h"

/*
 * Edits the flattened tree QEMU dumped (in, len) for topology t into a new
 * buffer *out (caller frees) of *outlen bytes. 0, or -1 with the reason in
 * err.
 */
int dtb_apply_topo(const struct topo *t, const void *in, size_t len,
		   void **out, size_t *outlen, char *err, size_t errsz);

#endif
