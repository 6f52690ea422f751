// SPDX-License-Identifier: GPL-2.0
/* config: CONFIG_MEMORY_HOTREMOVE CONFIG_SPARSEMEM_VMEMMAP CONFIG_PROC_PAGE_MONITOR */
/*
 * memmap_on_memory: memory hot-added with MHP_MEMMAP_ON_MEMORY carries its
 * own memmap (its struct pages) in its first pages when, and only when,
 * the kernel was booted with memory_hotplug.memmap_on_memory and the
 * layout allows it; otherwise the request's flag changes nothing.
 * Destructive: needs the riscv-mhp opt-in.
 *
 * What must happen is computed here, never asked of the kernel: the mode
 * from the command line the cell booted with; a struct page's size from
 * the distance between two neighbouring struct pages; and the rules
 * memory hotplug applies (mhp_supports_memmap_on_memory() and the add
 * path in mm/memory_hotplug.c, read for 6.1, 6.12 and 7.3): one
 * block's memmap must fill whole PMDs (2 MiB with riscv's 4 KiB pages)
 * and whole pageblocks (2 MiB; "force" pads it to one) and leave part of
 * the block; before 6.8 only a request of one block qualifies, and a
 * request that asks but does not qualify is refused (EINVAL); since then
 * every block of a request carries its own, and one that does not
 * qualify is added with its memmap elsewhere.
 *
 * For each request, after the add: the page tables (walked by mhp_test.ko
 * from the running hart's root) map every block's struct pages into that
 * block's own first pages when it qualifies, in order, and outside the
 * request when it does not. Once online: the node's present pages grow by
 * the blocks, its managed pages and MemTotal by the blocks less their
 * memmaps, and no memmap page is ever free (kpageflags). Removed: every
 * count is back, to the page.
 *   1. one block, flag, online_movable
 *   2. two blocks in one request, flag, online_movable
 *   3. one block without the flag: the memmap lies outside
 *   4. one block, flag, online_kernel (the removal may find it busy)
 *   5. kernel health
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "mhp_module.h"
#include "mhp_util.h"

#define PMD_BYTES	(2ULL << 20)	/* riscv, 4 KiB pages */
#define PAGEBLOCK_PAGES	512ULL		/* pageblock_order 9: a PMD */

static struct mhp_env env;
static struct kernel_health health;
static long psz;

static int mode;		/* MHP_MEMMAP_* */
static int per_block;		/* kernel 6.8+: each block of a request; else EINVAL */
static uint64_t page_struct;	/* sizeof(struct page) */

/* Pages of each block its memmap takes when it qualifies; 0 when it cannot. */
static uint64_t memmap_pages(void)
{
	uint64_t block_pages = env.block_size / psz;
	uint64_t bytes = block_pages * page_struct, pages = bytes / psz;

	if (mode == MHP_MEMMAP_OFF || bytes % psz || bytes % PMD_BYTES)
		return 0;
	if (mode == MHP_MEMMAP_FORCE)
		pages = (pages + PAGEBLOCK_PAGES - 1) / PAGEBLOCK_PAGES * PAGEBLOCK_PAGES;
	if (pages % PAGEBLOCK_PAGES || pages >= block_pages)
		return 0;
	return pages;
}

static int fail(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(const char *what, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ksft_print_msg("%s: %s\n", what, msg);
	return -1;
}

/* Sum of present and managed pages of node's zones. */
static int node_pages(int node, uint64_t *present, uint64_t *managed)
{
	struct zone_stat z[MAX_ZONES];
	int n = zoneinfo_read(z, MAX_ZONES);

	*present = *managed = 0;
	for (int i = 0; i < n; i++)
		if (z[i].node == node) {
			*present += z[i].present;
			*managed += z[i].managed;
		}
	return n > 0 ? 0 : -ENOENT;
}

/*
 * Where the struct pages of [start, start + size) live, block by block:
 * own (pages of its memmap, 0: anywhere outside the request). 0 or -1.
 */
static int check_placement(uint64_t start, uint64_t size, uint64_t own, const char *what)
{
	for (uint64_t b = start; b < start + size; b += env.block_size) {
		/* the block's first page, its first usable one, and its last */
		uint64_t probe[3] = { b, b + own * psz, b + env.block_size - psz };
		uint64_t va, vmm0 = 0, vmm, pa;

		for (int i = 0; i < 3; i++) {
			int rc = mhp_addr_pa(probe[i], &va, &vmm, &pa);

			if (rc)
				return fail(what, "struct page of %#llx: not mapped (%s, errno %d)",
					    (unsigned long long)probe[i], strerror(-rc), -rc);
			if (!i)
				vmm0 = vmm;	/* the block's first struct page */
			if (!own && pa >= start && pa < start + size)
				return fail(what, "struct page of %#llx at pa %#llx: inside the request [%#llx+%#llx], which did not qualify for memmap_on_memory",
					    (unsigned long long)probe[i], (unsigned long long)pa,
					    (unsigned long long)start, (unsigned long long)size);
			if (own && (pa < b || pa >= b + own * psz))
				return fail(what, "struct page of %#llx at pa %#llx: outside its block's memmap [%#llx+%#llx]",
					    (unsigned long long)probe[i], (unsigned long long)pa,
					    (unsigned long long)b, (unsigned long long)(own * psz));
			/* in order, when the block's memmap starts a PMD of the vmemmap */
			if (own && vmm0 % PMD_BYTES == 0 && pa - b != vmm - vmm0)
				return fail(what, "struct page of %#llx at pa %#llx, %#llx bytes into its block; want %#llx",
					    (unsigned long long)probe[i], (unsigned long long)pa,
					    (unsigned long long)(pa - b), (unsigned long long)(vmm - vmm0));
		}
	}
	return 0;
}

/* Does a request of nblocks with flags qualify: its memmap pages per block, or 0. */
static uint64_t own_pages(int nblocks, unsigned int flags)
{
	if (!(flags & MHP_ADD_MEMMAP_ON_MEMORY) || (nblocks > 1 && !per_block))
		return 0;
	return memmap_pages();
}

/*
 * Add [start, +nblocks) to node with flags, check where its memmap went,
 * online with how, check the counts, remove, check they are back.
 * 0 ok, 1 left behind busy (kernel zone), 2 refused as it must be (a
 * kernel before 6.8), -1 failed.
 */
static int request(uint64_t start, int nblocks, int node, unsigned int flags, const char *how,
		   const char *what)
{
	uint64_t size = nblocks * env.block_size, block_pages = env.block_size / psz;
	uint64_t own = own_pages(nblocks, flags);
	int refuse = (flags & MHP_ADD_MEMMAP_ON_MEMORY) && !own && !per_block;
	uint64_t p0, m0, p1, m1;
	long long t0 = meminfo_kb(-1, "MemTotal"), t1;
	int first = start / env.block_size, rc;
	char zone[16] = "";

	if (node_pages(node, &p0, &m0))
		return fail(what, "/proc/zoneinfo unreadable (errno %d)", ENOENT);
	rc = mhp_add_flags(start, size, node, flags);
	if (refuse) {
		if (rc == -EINVAL)
			return 2;
		if (!rc)
			mhp_remove(start, size);
		return fail(what, "add [%#llx+%#llx] with MHP_MEMMAP_ON_MEMORY, which it cannot honour: %s (errno %d); want EINVAL (kernels before 6.8)",
			    (unsigned long long)start, (unsigned long long)size,
			    rc ? strerror(-rc) : "added", -rc);
	}
	if (rc)
		return fail(what, "add [%#llx+%#llx] to node %d: %s (errno %d)",
			    (unsigned long long)start, (unsigned long long)size, node,
			    strerror(-rc), -rc);
	rc = check_placement(start, size, own, what);
	for (int id = first; !rc && id < first + nblocks; id++) {
		if (block_state_is(id, "online"))
			block_offline(id);	/* auto-onlined: the test picks the zone */
		rc = block_set_state(id, how);
		block_zone(id, zone, sizeof(zone));
		if (rc)
			rc = fail(what, "memory%d %s: %s (errno %d)", id, how, strerror(-rc), -rc);
	}
	if (!rc) {
		uint64_t want_m = m0 + nblocks * (block_pages - own);
		long long want_t = t0 + (long long)(nblocks * (block_pages - own) * psz / 1024);

		node_pages(node, &p1, &m1);
		t1 = meminfo_kb(-1, "MemTotal");
		if (p1 != p0 + nblocks * block_pages || m1 != want_m || t1 != want_t)
			rc = fail(what, "online (%s): node %d present %llu -> %llu (want +%llu), managed %llu -> %llu (want %llu), MemTotal %lld -> %lld kB (want %lld)",
				  zone, node, (unsigned long long)p0, (unsigned long long)p1,
				  (unsigned long long)(nblocks * block_pages),
				  (unsigned long long)m0, (unsigned long long)m1,
				  (unsigned long long)want_m, t0, t1, want_t);
	}
	for (int id = first; !rc && own && id < first + nblocks; id++) {
		uint64_t b = (uint64_t)id * env.block_size;
		struct page_counts pc;
		int err = page_count(b, own * psz, &pc);
		char census[240] = "";

		if (err || pc.buddy || pc.absent || pc.nopage) {
			page_census(b, own * psz, census, sizeof(census));
			rc = fail(what, "memory%d: of its %llu memmap pages %ld free, %ld without a struct page, %ld not answered per kpageflags (%s%s)",
				  id, (unsigned long long)own, pc.buddy, pc.nopage, pc.absent,
				  err ? strerror(-err) : census, err ? ", unreadable" : "");
		}
	}
	if (rc) {
		mhp_remove(start, size);
		return rc;
	}
	for (int tries = 0; (rc = mhp_remove(start, size)) == -EBUSY && tries < 5; tries++)
		usleep(200000);
	if ((rc == -EBUSY || rc == -EINTR) && strcmp(how, "online_movable")) {
		ksft_print_msg("%s: remove from %s: busy (%s, errno %d): unmovable kernel allocations, left behind\n",
			       what, zone, strerror(-rc), -rc);
		return 1;
	}
	if (rc)
		return fail(what, "remove [%#llx+%#llx] from %s: %s (errno %d)",
			    (unsigned long long)start, (unsigned long long)size, zone,
			    strerror(-rc), -rc);
	node_pages(node, &p1, &m1);
	t1 = meminfo_kb(-1, "MemTotal");
	if (p1 != p0 || m1 != m0 || t1 != t0)
		return fail(what, "removed: node %d present %llu (was %llu), managed %llu (was %llu), MemTotal %lld (was %lld) kB",
			    node, (unsigned long long)p1, (unsigned long long)p0,
			    (unsigned long long)m1, (unsigned long long)m0, t1, t0);
	return 0;
}

static void report(int rc, const char *what, uint64_t start, int nblocks, unsigned int flags)
{
	if (rc < 0)
		kernel_log_since(&health);
	ksft_test_result(rc >= 0, "%s: [%#llx+%d block%s]%s: %s\n", what,
			 (unsigned long long)start, nblocks, nblocks > 1 ? "s" : "",
			 flags ? " with MHP_MEMMAP_ON_MEMORY" : "",
			 rc == 2 ? "refused (EINVAL), as before 6.8" :
			 own_pages(nblocks, flags) ? "memmap on the memory itself" : "memmap elsewhere");
}

/* The first hidden range with n blocks, or NULL. */
static const struct mem_range *range_of(int n)
{
	for (int i = 0; i < env.nr_hidden; i++)
		if (env.hidden[i].size >= n * env.block_size)
			return &env.hidden[i];
	return NULL;
}

int main(void)
{
	const struct mem_range *r1, *r2;
	uint64_t va, v0, v1;
	char val[32];
	const char *why;
	int rc;

	ksft_print_header();
	why = mhp_require(MHP_NEED_DESTRUCTIVE | MHP_NEED_HIDDEN, &env);
	if (why)
		ksft_exit_skip("%s\n", why);
	psz = sysconf(_SC_PAGESIZE);
	r1 = range_of(1);
	r2 = range_of(2);
	if (mhp_addr(r1->start, &va, &v0) || mhp_addr(r1->start + psz, &va, &v1))
		ksft_exit_fail_msg("mhp_test.ko addr: no struct page addresses (EIO)\n");
	page_struct = v1 - v0;
	mode = memmap_on_memory_mode(val, sizeof(val));
	per_block = kernel_at_least(6, 8);
	ksft_print_msg("memory_hotplug.memmap_on_memory=%s: %s; struct page %llu bytes, block %llu MiB: a block's memmap %llu pages%s; %s\n",
		       *val ? val : "(not given)", mode == MHP_MEMMAP_OFF ? "off" : mode == MHP_MEMMAP_ON ? "on" : "force",
		       (unsigned long long)page_struct, (unsigned long long)(env.block_size >> 20),
		       (unsigned long long)(env.block_size / psz * page_struct / psz),
		       memmap_pages() ? ", on the memory" : ", not on the memory (off, or the layout does not allow it)",
		       per_block ? "every block of a request" : "a request of one block only");
	kernel_health_begin(&health);
	ksft_set_plan(5);

	rc = request(r1->start, 1, r1->node, MHP_ADD_MEMMAP_ON_MEMORY, "online_movable", "one block");
	report(rc, "one block, movable", r1->start, 1, MHP_ADD_MEMMAP_ON_MEMORY);
	if (r2) {
		rc = request(r2->start, 2, r2->node, MHP_ADD_MEMMAP_ON_MEMORY, "online_movable", "two blocks");
		report(rc, "two blocks, movable", r2->start, 2, MHP_ADD_MEMMAP_ON_MEMORY);
	} else {
		/* the tests before this one may keep busy blocks: RAM left, not a kernel's doing */
		ksft_test_result_skip("two blocks: no hidden range of two blocks left (earlier tests keep busy kernel-zone blocks)\n");
	}
	rc = request(r1->start, 1, r1->node, 0, "online_movable", "no flag");
	report(rc, "one block, no flag", r1->start, 1, 0);
	rc = request(r1->start, 1, r1->node, MHP_ADD_MEMMAP_ON_MEMORY, "online_kernel", "kernel zone");
	report(rc, "one block, kernel zone", r1->start, 1, MHP_ADD_MEMMAP_ON_MEMORY);

	ksft_test_result(kernel_health_end(&health) <= 0, "kernel health\n");
	mhp_module_unload();
	ksft_finished();
}
