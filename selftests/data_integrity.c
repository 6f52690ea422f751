// SPDX-License-Identifier: GPL-2.0
/* config: CONFIG_MIGRATION */
/*
 * data_integrity: memory whose pages sit in a block being offlined must
 * come through the migration byte for byte. Destructive: needs the
 * riscv-mhp opt-in.
 *
 * Hidden RAM is hot-added and onlined movable on its node; a buffer bound
 * to that node is filled with a position-dependent pattern (anonymous
 * allocations prefer ZONE_MOVABLE, so many of its pages land in the new
 * block: the test fails if none do, it would prove nothing). The block is
 * offlined, forcing every one of those pages to migrate; then every byte
 * is verified and no page may still sit in the offlined block. The block
 * is removed, and the round repeats with a new pattern.
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

#define CYCLES 3

static struct mhp_env env;

static uint64_t pattern(uint64_t i, unsigned int round)
{
	return (i + 1) * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)round << 56);
}

/* Pages of buf whose frames lie in [lo_pfn, hi_pfn). */
static size_t pages_in(uint8_t *buf, size_t len, int64_t lo_pfn, int64_t hi_pfn)
{
	long psz = sysconf(_SC_PAGESIZE);
	size_t n = 0;

	for (size_t off = 0; off < len; off += psz) {
		int64_t pfn = pagemap_pfn(buf + off);

		n += pfn >= lo_pfn && pfn < hi_pfn;
	}
	return n;
}

static void test_offline_migrates(unsigned int round)
{
	const struct mem_range *h = &env.hidden[0];
	struct mem_range r = { h->start, env.block_size, h->node };
	long psz = sysconf(_SC_PAGESIZE);
	int64_t lo = r.start / psz, hi = (r.start + r.size) / psz;
	size_t len = r.size / 2, in_block, left, bad = 0;
	int id = r.start / env.block_size, rc;
	const char *step;
	uint64_t *buf;

	rc = mhp_add_online(&env, &r, r.node, "online_movable", &step);
	if (rc) {
		ksft_test_result_fail("round %u: %s of memory%d: %s\n", round, step, id, strerror(-rc));
		return;
	}
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || bind_to_node(buf, len, r.node)) {
		ksft_test_result_fail("round %u: buffer bound to node %d: %s\n", round, r.node,
				      strerror(errno));
		goto remove;
	}
	for (size_t i = 0; i < len / 8; i++)
		buf[i] = pattern(i, round);
	in_block = pages_in((uint8_t *)buf, len, lo, hi);
	rc = block_offline(id);
	for (size_t i = 0; i < len / 8; i++)
		bad += buf[i] != pattern(i, round);
	left = pages_in((uint8_t *)buf, len, lo, hi);
	ksft_test_result(in_block && !rc && !bad && !left,
			 "round %u: %zu of %zu pages in memory%d; offline: %s; %zu words differ, %zu pages left behind\n",
			 round, in_block, len / psz, id, rc ? strerror(-rc) : "ok", bad, left);
	munmap(buf, len);
remove:
	rc = mhp_remove(r.start, r.size);
	if (rc)
		ksft_print_msg("remove memory%d: %s\n", id, strerror(-rc));
}

int main(void)
{
	struct kernel_health health;
	const char *why;

	ksft_print_header();
	why = mhp_require(MHP_NEED_DESTRUCTIVE | MHP_NEED_HIDDEN, &env);
	if (why)
		ksft_exit_skip("%s\n", why);
	if (pagemap_pfn(&why) < 0)
		ksft_exit_skip("no page frame numbers in /proc/self/pagemap (needs root)\n");
	kernel_health_begin(&health);
	ksft_set_plan(CYCLES + 1);
	for (unsigned int round = 0; round < CYCLES; round++)
		test_offline_migrates(round);
	ksft_test_result(kernel_health_end(&health) <= 0, "kernel health\n");
	mhp_module_unload();
	ksft_finished();
}
