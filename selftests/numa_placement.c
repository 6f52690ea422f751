// SPDX-License-Identifier: GPL-2.0
/* config: CONFIG_NUMA CONFIG_MIGRATION */
/*
 * numa_placement: memory hot-added to node N serves allocations bound to
 * N, and removing it makes the node's totals exact again. Destructive:
 * needs the riscv-mhp opt-in.
 *
 * For every possible node: add one hidden block to it and online it
 * movable; the node's MemTotal grows by the block; a buffer bound to the
 * node (mbind MPOL_BIND) has every page on the node (move_pages), and on a
 * node that had no memory every page lies in the new block (pagemap).
 * Remove the block: the node's MemTotal is its old value to the kB, and a
 * memoryless node refuses a binding again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest.h"
#include "mhp_module.h"
#include "mhp_util.h"

#define BUF_BYTES (32UL << 20)

static struct mhp_env env;

static long long node_total(int node)
{
	long long kb = meminfo_kb(node, "MemTotal");

	return kb < 0 ? 0 : kb;
}

/* Pages of the bound buffer off node, and (memoryless) outside [lo, hi). */
static int place_and_count(int node, int64_t lo, int64_t hi, size_t *off_node, size_t *outside)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint8_t *buf = mmap(NULL, BUF_BYTES, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int rc;

	if (buf == MAP_FAILED)
		return -ENOMEM;
	rc = bind_to_node(buf, BUF_BYTES, node);
	for (size_t off = 0; !rc && off < BUF_BYTES; off += psz) {
		int64_t pfn;

		buf[off] = 1;
		pfn = pagemap_pfn(buf + off);
		*off_node += page_node(buf + off) != node;
		*outside += lo >= 0 && (pfn < lo || pfn >= hi);
	}
	munmap(buf, BUF_BYTES);
	return rc;
}

static void test_node(int node)
{
	const struct mem_range *h = &env.hidden[0];
	struct mem_range r = { h->start, env.block_size, node };
	long psz = sysconf(_SC_PAGESIZE);
	long long before = node_total(node), grown, after;
	int memoryless = before == 0, rc, rm, bind_before = 0, bind_after = 0;
	size_t off_node = 0, outside = 0;
	const char *step;
	void *probe = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (memoryless)
		bind_before = bind_to_node(probe, psz, node);
	rc = mhp_add_online(&env, &r, node, "online_movable", &step);
	if (rc) {
		ksft_test_result_fail("node %d: %s: %s\n", node, step, strerror(-rc));
		mhp_remove(r.start, r.size);
		munmap(probe, psz);
		return;
	}
	grown = node_total(node);
	rc = place_and_count(node, memoryless ? (int64_t)(r.start / psz) : -1,
			     (r.start + r.size) / psz, &off_node, &outside);
	rm = mhp_remove(r.start, r.size);
	if (rm)
		ksft_print_msg("node %d: remove [%#llx+%#llx]: %s\n", node,
			       (unsigned long long)r.start, (unsigned long long)r.size,
			       strerror(-rm));
	after = node_total(node);
	if (memoryless)
		bind_after = bind_to_node(probe, psz, node);
	munmap(probe, psz);
	ksft_test_result(!rc && grown == before + (long long)env.block_size / 1024 &&
			 !off_node && !outside && after == before &&
			 (!memoryless || (bind_before == -EINVAL && bind_after == -EINVAL)),
			 "node %d%s: MemTotal %lld -> %lld -> %lld kB; bind: %s; %zu pages off node, %zu outside the new block\n",
			 node, memoryless ? " (memoryless)" : "", before, grown, after,
			 rc ? strerror(-rc) : "ok", off_node, outside);
}

int main(void)
{
	struct kernel_health health;
	const char *why;

	ksft_print_header();
	why = mhp_require(MHP_NEED_DESTRUCTIVE | MHP_NEED_HIDDEN, &env);
	if (why)
		ksft_exit_skip("%s\n", why);
	if (env.nr_nodes < 1 || page_node(&why) < 0)
		ksft_exit_skip("no NUMA (move_pages) in this kernel\n");
	kernel_health_begin(&health);
	ksft_set_plan(env.nr_nodes + 1);
	for (int i = 0; i < env.nr_nodes; i++)
		test_node(env.nodes[i]);
	ksft_test_result(kernel_health_end(&health) <= 0, "kernel health\n");
	mhp_module_unload();
	ksft_finished();
}
