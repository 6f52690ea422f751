// SPDX-License-Identifier: GPL-2.0
/* config: CONFIG_MIGRATION CONFIG_TRANSPARENT_HUGEPAGE CONFIG_HUGETLBFS */
/* config: CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP */
/*
 * data_integrity: memory whose pages sit in a block being offlined must
 * come through the migration byte for byte, whatever backs it. Destructive:
 * needs the riscv-mhp opt-in.
 *
 * Hidden RAM is hot-added and onlined movable on its node; a buffer bound
 * to that node is filled with a position-dependent pattern. The block is
 * offlined, forcing every one of the buffer's pages in it to migrate; then
 * every byte is verified and no page may still sit in the offlined block.
 * The block is removed, and the round repeats with a new pattern and the
 * next backing:
 *
 *   pages    4 KiB anonymous pages (they prefer ZONE_MOVABLE, so many land
 *            in the new block)
 *   thp      2 MiB-aligned anonymous memory with MADV_HUGEPAGE: transparent
 *            huge pages in the block (per /proc/kpageflags) are migrated
 *            whole or split
 *   hugetlb  MAP_HUGETLB 2 MiB pages taken from the block's node pool, the
 *            pool grown after the block came online (so its new pages are
 *            in the block), hugetlb vmemmap optimisation off. As many
 *            spare pages, reserved before the block existed on the nodes
 *            the offline migrates to, are the targets.
 *   hugetlb_hvo  the same with the optimisation on: each page's tail struct
 *            pages are remapped (the block's vmemmap PMD leaf split) and
 *            restored when the page leaves the pool or migrates away. A
 *            kernel that cannot optimise (no sysctl: a struct page size
 *            that is no power of two) skips this round and says why.
 *
 * Each round fails if none of its pages were in the block (it would prove
 * nothing). --leave-out ROUND,... leaves rounds out (a known bug).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kernel-page-flags.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest.h"
#include "mhp_module.h"
#include "mhp_util.h"

#ifndef MAP_HUGETLB
#define MAP_HUGETLB	0x40000
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE	14
#endif

enum backing { PAGES, THP, HUGETLB, HUGETLB_HVO, NR_BACKINGS };
static const char *const backing_name[NR_BACKINGS] = { "pages", "thp", "hugetlb", "hugetlb_hvo" };

#define CYCLES		NR_BACKINGS	/* one round per backing */
#define HPAGE		(2ULL << 20)	/* riscv's PMD: THP and hugetlb */
#define HP_KB		"hugepages-2048kB"
#define HP_GLOBAL	"/sys/kernel/mm/hugepages/" HP_KB
#define HVO_SYSCTL	"/proc/sys/vm/hugetlb_optimize_vmemmap"
#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"
#define HUGETLB_PAGES	8		/* used, in the block; as many spares outside */

static struct mhp_env env;
static struct kernel_health health;
static const char *leave_out = "";

static uint64_t pattern(uint64_t i, unsigned int round)
{
	return (i + 1) * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)round << 56);
}

/*
 * Pages of buf whose frames lie in [lo_pfn, hi_pfn); *thp (if given): how
 * many of those /proc/kpageflags calls part of a transparent huge page.
 */
static size_t pages_in(uint8_t *buf, size_t len, int64_t lo_pfn, int64_t hi_pfn,
		       size_t *thp)
{
	long psz = sysconf(_SC_PAGESIZE);
	int fd = thp ? open("/proc/kpageflags", O_RDONLY) : -1;
	size_t n = 0;

	if (thp)
		*thp = 0;
	for (size_t off = 0; off < len; off += psz) {
		int64_t pfn = pagemap_pfn(buf + off);
		uint64_t f;

		if (pfn < lo_pfn || pfn >= hi_pfn)
			continue;
		n++;
		if (fd >= 0 && pread(fd, &f, sizeof(f), pfn * sizeof(f)) == sizeof(f))
			*thp += f >> KPF_THP & 1;
	}
	if (fd >= 0)
		close(fd);
	return n;
}

static void node_pool_path(char *path, size_t sz, int node)
{
	if (node < 0)
		snprintf(path, sz, HP_GLOBAL "/nr_hugepages");
	else
		snprintf(path, sz, "/sys/devices/system/node/node%d/hugepages/" HP_KB "/nr_hugepages",
			 node);
}

/* The 2 MiB hugetlb pool of node (-1: all nodes), or -errno. */
static long pool_get(int node)
{
	char path[128];
	uint64_t v;
	int rc;

	node_pool_path(path, sizeof(path), node);
	rc = read_u64(path, 10, &v);
	return rc ? rc : (long)v;
}

/* Asks for n pages in node's pool; what it holds after, or -errno. */
static long pool_set(int node, long n)
{
	char path[128], v[32];
	int rc;

	node_pool_path(path, sizeof(path), node);
	snprintf(v, sizeof(v), "%ld", n);
	rc = write_str(path, v);
	return rc ? rc : pool_get(node);
}

/* State a round changes and puts back. */
struct knobs {
	long pool[64];			/* per env.nodes[i], -1: untouched */
	char thp[32];			/* THP "enabled" mode we replaced */
	char hvo[8];			/* hugetlb_optimize_vmemmap we replaced */
};

static void knobs_restore(struct knobs *k)
{
	for (int i = 0; i < env.nr_nodes; i++)
		if (k->pool[i] >= 0 && pool_set(env.nodes[i], k->pool[i]) != k->pool[i])
			ksft_print_msg("node %d: hugetlb pool not back to %ld pages\n",
				       env.nodes[i], k->pool[i]);
	if (k->thp[0] && write_str(THP_ENABLED, k->thp))
		ksft_print_msg("%s not back to %s\n", THP_ENABLED, k->thp);
	if (k->hvo[0] && write_str(HVO_SYSCTL, k->hvo))
		ksft_print_msg("%s not back to %s\n", HVO_SYSCTL, k->hvo);
}

/* THP for MADV_HUGEPAGE areas: the mode is "always" or "madvise". */
static int thp_prepare(struct knobs *k, char *why, size_t sz)
{
	char mode[128];
	int rc = read_str(THP_ENABLED, mode, sizeof(mode));

	if (rc) {
		snprintf(why, sz, "%s: %s (errno %d)", THP_ENABLED, strerror(-rc), -rc);
		return rc;
	}
	if (strstr(mode, "[never]")) {
		rc = write_str(THP_ENABLED, "madvise");
		if (rc) {
			snprintf(why, sz, "%s: madvise: %s (errno %d)", THP_ENABLED,
				 strerror(-rc), -rc);
			return rc;
		}
		snprintf(k->thp, sizeof(k->thp), "never");
	}
	return 0;
}

/*
 * Before the block is online: vmemmap optimisation as the round wants it
 * (hugetlb_hvo: on; a kernel without the sysctl, one whose struct page size
 * rules it out, skips that round: 1 with the reason), and HUGETLB_PAGES
 * more 2 MiB pages where the offline will migrate the block's: on the other
 * nodes with memory (offline tries those first), else on the block's own
 * node. They come from boot RAM: the block is not there yet. 0, 1 or
 * -errno with why set.
 */
static int hugetlb_prepare(struct knobs *k, int node, int hvo_on, char *why, size_t sz)
{
	long need = HUGETLB_PAGES;
	int others = 0, has_mem[64];
	const char *want = hvo_on ? "1" : "0";
	char hvo[8] = "";
	int rc;

	if (pool_get(-1) < 0) {
		snprintf(why, sz, "no 2 MiB hugetlb pages (%s)", HP_GLOBAL);
		return -ENOENT;
	}
	rc = read_str(HVO_SYSCTL, hvo, sizeof(hvo));
	if (rc && hvo_on) {	/* the kernel cannot (struct page size): skip */
		snprintf(why, sz, "%s: %s (errno %d): this kernel has no hugetlb vmemmap optimisation",
			 HVO_SYSCTL, strerror(-rc), -rc);
		return 1;
	}
	hvo[strcspn(hvo, "\n")] = '\0';
	if (!rc && strcmp(hvo, want)) {
		rc = write_str(HVO_SYSCTL, want);
		if (rc) {
			snprintf(why, sz, "%s: %s: %s (errno %d)", HVO_SYSCTL, want,
				 strerror(-rc), -rc);
			return rc;
		}
		snprintf(k->hvo, sizeof(k->hvo), "%s", hvo);
	}
	for (int i = 0; i < env.nr_nodes; i++) {
		has_mem[i] = meminfo_kb(env.nodes[i], "MemTotal") > 0;
		others += has_mem[i] && env.nodes[i] != node;
	}
	for (int i = 0; i < env.nr_nodes && need > 0; i++) {
		int n = env.nodes[i];
		long have, got;

		if (!has_mem[i] || (others ? n == node : n != node))
			continue;
		have = pool_get(n);
		if (have < 0) {
			snprintf(why, sz, "node %d hugetlb pool: %s (errno %ld)", n,
				 strerror(-have), -have);
			return have;
		}
		k->pool[i] = have;
		got = pool_set(n, have + need);
		if (got < 0) {
			snprintf(why, sz, "node %d hugetlb pool: %s (errno %ld)", n,
				 strerror(-got), -got);
			return got;
		}
		need -= got - have;
	}
	if (need > 0) {
		snprintf(why, sz, "%ld of %d spare hugetlb pages found on the %s",
			 HUGETLB_PAGES - need, HUGETLB_PAGES,
			 others ? "other nodes" : "block's node");
		return -ENOMEM;
	}
	return 0;
}

/* The buffer for backing b on node: filled in by the caller. */
static uint64_t *buffer(enum backing b, int node, size_t *len, void **map,
			size_t *map_len, char *why, size_t sz)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS, rc;
	uint8_t *p;

	*len = b >= HUGETLB ? HUGETLB_PAGES * HPAGE : env.block_size / 2;
	*map_len = *len + (b == THP ? HPAGE : 0);
	if (b >= HUGETLB)
		flags |= MAP_HUGETLB;
	*map = mmap(NULL, *map_len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (*map == MAP_FAILED) {
		snprintf(why, sz, "mmap of %zu bytes: %s (errno %d)", *map_len,
			 strerror(errno), errno);
		return NULL;
	}
	p = *map;
	if (b == THP)	/* whole PMDs: every 2 MiB of the buffer can be huge */
		p = (uint8_t *)(((uintptr_t)p + HPAGE - 1) & ~(uintptr_t)(HPAGE - 1));
	if (b == THP && madvise(p, *len, MADV_HUGEPAGE)) {
		snprintf(why, sz, "madvise(MADV_HUGEPAGE): %s (errno %d)", strerror(errno), errno);
		return NULL;
	}
	rc = bind_to_node(p, *len, node);
	if (rc) {
		snprintf(why, sz, "buffer bound to node %d: %s (errno %d)", node,
			 strerror(-rc), -rc);
		return NULL;
	}
	return (uint64_t *)p;
}

static void test_offline_migrates(unsigned int round)
{
	enum backing b = round % NR_BACKINGS;
	const char *name = backing_name[b];
	const struct mem_range *h = &env.hidden[0];
	struct mem_range r = { h->start, env.block_size, h->node };
	long psz = sysconf(_SC_PAGESIZE);
	int64_t lo = r.start / psz, hi = (r.start + r.size) / psz;
	size_t len = 0, map_len = 0, in_block, thp = 0, left, bad = 0;
	int id = r.start / env.block_size, rc, ok;
	struct knobs k = { .thp = "" };
	void *map = MAP_FAILED;
	char why[256] = "";
	const char *step;
	uint64_t *buf;

	if (mhp_listed(leave_out, name)) {
		ksft_test_result_skip("round %u (%s): left out (--leave-out: a known bug of this kernel)\n",
				      round, name);
		return;
	}
	for (int i = 0; i < env.nr_nodes; i++)
		k.pool[i] = -1;
	rc = b == THP ? thp_prepare(&k, why, sizeof(why)) :
	     b >= HUGETLB ? hugetlb_prepare(&k, r.node, b == HUGETLB_HVO, why, sizeof(why)) : 0;
	if (rc > 0)
		ksft_test_result_skip("round %u (%s): %s\n", round, name, why);
	else if (rc)
		ksft_test_result_fail("round %u (%s): %s\n", round, name, why);
	if (rc) {
		knobs_restore(&k);
		return;
	}
	rc = mhp_add_online(&env, &r, r.node, "online_movable", &step);
	if (rc) {
		ksft_test_result_fail("round %u (%s): %s of memory%d: %s (errno %d)\n", round, name,
				      step, id, strerror(-rc), -rc);
		kernel_log_since(&health);
		knobs_restore(&k);
		return;
	}
	if (b >= HUGETLB) {
		long have = pool_get(r.node), got;

		for (int i = 0; i < env.nr_nodes; i++)	/* spares went elsewhere */
			if (env.nodes[i] == r.node && k.pool[i] < 0)
				k.pool[i] = have;
		got = pool_set(r.node, have + HUGETLB_PAGES);
		if (have < 0 || got < have + HUGETLB_PAGES) {
			ksft_test_result_fail("round %u (%s): node %d pool %ld + %d pages asked with memory%d online: %ld there\n",
					      round, name, r.node, have, HUGETLB_PAGES, id, got);
			goto remove;
		}
	}
	buf = buffer(b, r.node, &len, &map, &map_len, why, sizeof(why));
	if (!buf) {
		ksft_test_result_fail("round %u (%s): %s\n", round, name, why);
		goto remove;
	}
	for (size_t i = 0; i < len / 8; i++)
		buf[i] = pattern(i, round);
	in_block = pages_in((uint8_t *)buf, len, lo, hi, b == THP ? &thp : NULL);
	rc = block_offline(id);
	for (size_t i = 0; i < len / 8; i++)
		bad += buf[i] != pattern(i, round);
	left = pages_in((uint8_t *)buf, len, lo, hi, NULL);
	ok = in_block && (b != THP || thp) && !rc && !bad && !left;
	if (b == THP)
		snprintf(why, sizeof(why), " (%zu of them in huge pages)", thp);
	ksft_test_result(ok, "round %u (%s): %zu of %zu pages in memory%d%s; offline: %s (errno %d); %zu words differ, %zu pages left behind\n",
			 round, name, in_block, len / psz, id, why, rc ? strerror(-rc) : "ok",
			 -rc, bad, left);
	if (!ok)
		kernel_log_since(&health);
remove:
	if (map != MAP_FAILED)
		munmap(map, map_len);
	rc = mhp_remove(r.start, r.size);
	if (rc)
		ksft_print_msg("remove memory%d: %s (errno %d)\n", id, strerror(-rc), -rc);
	knobs_restore(&k);
}

int main(int argc, char **argv)
{
	const char *why;

	ksft_print_header();
	if (argc == 3 && !strcmp(argv[1], "--leave-out"))
		leave_out = argv[2];
	else if (argc != 1)
		ksft_exit_fail_msg("usage: data_integrity [--leave-out ROUND,...] (rounds: pages, thp, hugetlb, hugetlb_hvo)\n");
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
