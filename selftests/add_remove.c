// SPDX-License-Identifier: GPL-2.0
/*
 * add_remove: hot-add RAM hidden with mem= through the mhp_test module,
 * online it movable or in the kernel zone, then offline and remove it, on
 * every possible node (memoryless ones too), and in repeated cycles.
 * Destructive: needs the riscv-mhp opt-in.
 *
 * After every step: the new blocks appear (and later vanish) in sysfs with
 * the right node link and state (honouring auto_online_blocks), MemTotal
 * and the node's MemTotal grow by exactly the added size when online and
 * return exactly to their baselines after removal, and the kernel page
 * tables (ptdump) map the range's direct map and vmemmap while it is
 * present and no longer after removal. Bad requests get their errno.
 * Over N cycles MemFree comes back within a small tolerance (no leak).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "mhp_module.h"
#include "mhp_util.h"

#define LEAK_CYCLES	5
#define LEAK_SLACK_KB	(4 * 1024)	/* slab/pcp noise between samples */
#define VMEMMAP_UNIT	(2ULL << 20)	/* largest vmemmap mapping: a PMD */

static struct mhp_env env;

/*
 * Checks the direct map and the vmemmap of a range against ptdump: fully
 * mapped while present; after removal the direct map is gone and so is the
 * vmemmap, except where its ends share a mapping unit with a neighbour's
 * memmap (struct page need not divide 2 MiB: 56 bytes without MEMCG).
 */
static int check_mapped(const struct mem_range *r, int want_mapped)
{
	uint64_t va, vmm, va_end, vmm_end, in_lo, in_hi;
	int64_t lin, mm;

	if (mhp_addr(r->start, &va, &vmm) || mhp_addr(r->start + r->size, &va_end, &vmm_end))
		return -1;
	lin = ptdump_mapped_bytes(va, va_end - va);
	if (lin < 0)
		return 0;	/* no ptdump: nothing to check */
	if (want_mapped)
		mm = ptdump_mapped_bytes(vmm, vmm_end - vmm);
	else {	/* only whole units inside the range must be unmapped */
		in_lo = (vmm + VMEMMAP_UNIT - 1) & ~(VMEMMAP_UNIT - 1);
		in_hi = vmm_end & ~(VMEMMAP_UNIT - 1);
		mm = in_lo < in_hi ? ptdump_mapped_bytes(in_lo, in_hi - in_lo) : 0;
	}
	if (want_mapped && (lin != (int64_t)(va_end - va) || mm != (int64_t)(vmm_end - vmm))) {
		ksft_print_msg("present [%#llx+%#llx]: direct map %lld of %llu bytes, vmemmap %lld bytes mapped\n",
			       (unsigned long long)r->start, (unsigned long long)r->size,
			       (long long)lin, (unsigned long long)(va_end - va), (long long)mm);
		return -1;
	}
	if (!want_mapped && (lin || mm)) {
		ksft_print_msg("removed [%#llx+%#llx]: still mapped: direct map %lld bytes at %#llx, vmemmap %lld bytes at %#llx\n",
			       (unsigned long long)r->start, (unsigned long long)r->size,
			       (long long)lin, (unsigned long long)va, (long long)mm,
			       (unsigned long long)vmm);
		return -1;
	}
	return 0;
}

/*
 * Add r to node, online its blocks with how, check, remove, check.
 * 0 ok, 1 remove refused with EBUSY (kernel zone; expected), -1 broken.
 */
static int cycle(const struct mem_range *r, int node, const char *how)
{
	long long total0 = meminfo_kb(-1, "MemTotal"), node0 = meminfo_kb(node, "MemTotal");
	long long added_kb = r->size / 1024, total, ntotal;
	int first = r->start / env.block_size, nblocks = r->size / env.block_size, rc;
	char zone[16];

	rc = mhp_add(r->start, r->size, node);
	if (rc) {
		ksft_print_msg("add [%#llx+%#llx] to node %d: %s\n", (unsigned long long)r->start,
			       (unsigned long long)r->size, node, strerror(-rc));
		return -1;
	}
	for (int id = first; id < first + nblocks; id++) {
		int auto_on = strcmp(env.auto_online, "offline");

		if (block_node(id) != node ||
		    (!auto_on && !block_state_is(id, "offline"))) {
			ksft_print_msg("memory%d after add: node %d (want %d), auto_online_blocks=%s\n",
				       id, block_node(id), node, env.auto_online);
			return -1;
		}
		if (auto_on && block_state_is(id, "online"))
			block_set_state(id, "offline");	/* choose the zone ourselves */
		rc = block_set_state(id, how);
		block_zone(id, zone, sizeof(zone));
		if (rc || !block_state_is(id, "online") ||
		    (!strcmp(how, "online_movable") && strcmp(zone, "Movable")) ||
		    (!strcmp(how, "online_kernel") && !is_kernel_zone(zone))) {
			ksft_print_msg("memory%d %s: %s, zone %s\n", id, how,
				       rc ? strerror(-rc) : "ok", zone);
			return -1;
		}
	}
	total = meminfo_kb(-1, "MemTotal");
	ntotal = meminfo_kb(node, "MemTotal");
	if (total != total0 + added_kb || ntotal != node0 + added_kb) {
		ksft_print_msg("online: MemTotal %lld -> %lld, node %d %lld -> %lld kB (want +%lld)\n",
			       total0, total, node, node0, ntotal, added_kb);
		return -1;
	}
	if (check_mapped(r, 1))
		return -1;

	for (int tries = 0; (rc = mhp_remove(r->start, r->size)) == -EBUSY && tries < 5; tries++)
		usleep(200000);
	if (rc == -EBUSY && strcmp(how, "online_movable")) {
		ksft_print_msg("remove [%#llx+%#llx] from %s: busy (unmovable kernel allocations)\n",
			       (unsigned long long)r->start, (unsigned long long)r->size, zone);
		return 1;
	}
	if (rc) {
		ksft_print_msg("remove [%#llx+%#llx]: %s\n", (unsigned long long)r->start,
			       (unsigned long long)r->size, strerror(-rc));
		return -1;
	}
	for (int id = first; id < first + nblocks; id++) {
		char attr[64];

		if (!block_attr(id, "state", attr, sizeof(attr))) {
			ksft_print_msg("memory%d still in sysfs after remove\n", id);
			return -1;
		}
	}
	total = meminfo_kb(-1, "MemTotal");
	ntotal = meminfo_kb(node, "MemTotal");
	if (total != total0 || ntotal != node0 || system_ram_bytes(r->start, r->size)) {
		ksft_print_msg("removed: MemTotal %lld (was %lld), node %d %lld (was %lld) kB, iomem RAM %lld bytes\n",
			       total, total0, node, ntotal, node0,
			       (long long)system_ram_bytes(r->start, r->size));
		return -1;
	}
	return check_mapped(r, 0);
}

static void test_bad_requests(void)
{
	const struct mem_range *h = &env.hidden[0];
	uint64_t map_lo, map_hi, ram = 0x80000000ULL;
	int bad = 0;

#define EXPECT(call, want) do {						\
		int _rc = (call);					\
		if (_rc != (want)) {					\
			ksft_print_msg("%s: got %d (%s), want %s\n", #call, \
				       _rc, strerror(-_rc), #want);	\
			bad++;						\
		}							\
	} while (0)

	EXPECT(mhp_mappable(&map_lo, &map_hi), 0);
	EXPECT(mhp_add(h->start + 4096, env.block_size, h->node), -EINVAL);
	EXPECT(mhp_add(h->start, env.block_size / 2, h->node), -EINVAL);
	EXPECT(mhp_add(h->start, 0, h->node), -EINVAL);
	EXPECT(mhp_add(h->start, env.block_size, 1000), -EINVAL);
	if (map_hi + 1 > map_hi && (map_hi + 1) % env.block_size == 0)
		EXPECT(mhp_add(map_hi + 1, env.block_size, h->node), -ERANGE);
	if (map_lo < ram)	/* below RAM: nothing described there */
		EXPECT(mhp_add((map_lo + env.block_size - 1) / env.block_size * env.block_size,
			       env.block_size, h->node), -ENXIO);
	EXPECT(mhp_add(ram + env.block_size, env.block_size, 0), -EEXIST);	/* boot RAM */
	EXPECT(mhp_remove(h->start, env.block_size), -ENOENT);
	EXPECT(mhp_add(h->start, env.block_size, h->node), 0);
	EXPECT(mhp_add(h->start, env.block_size, h->node), -EEXIST);	/* twice */
	EXPECT(mhp_remove(h->start, 2 * env.block_size), -ENOENT);	/* not as added */
	EXPECT(mhp_remove(h->start, env.block_size), 0);
	EXPECT(mhp_remove(h->start, env.block_size), -ENOENT);		/* twice */
#undef EXPECT
	ksft_test_result(!bad, "bad requests get their errno (%d wrong)\n", bad);
}

static void test_cycles(const char *how)
{
	int ok = 0, busy = 0, broken = 0;

	for (int i = 0; i < env.nr_nodes; i++) {
		int rc = cycle(&env.hidden[0], env.nodes[i], how);

		ok += rc == 0;
		busy += rc == 1;
		broken += rc < 0;
		if (rc)
			break;	/* the range may still be present */
	}
	ksft_test_result(!broken && ok,
			 "%s: add/online/remove of %llu MiB on %d of %d nodes (%d busy)\n",
			 how, (unsigned long long)(env.hidden[0].size >> 20), ok, env.nr_nodes, busy);
}

static void test_all_hidden_ranges(void)
{
	int bad = 0;

	for (int i = 0; i < env.nr_hidden; i++)
		bad += cycle(&env.hidden[i], env.hidden[i].node, "online_movable") != 0;
	ksft_test_result(!bad, "every hidden range (%d) cycles on its own node\n", env.nr_hidden);
}

static void test_no_leak(void)
{
	long long free0, free1;
	int bad = 0;

	cycle(&env.hidden[0], env.hidden[0].node, "online_movable");	/* warm caches */
	free0 = meminfo_kb(-1, "MemFree");
	for (int i = 0; i < LEAK_CYCLES && !bad; i++)
		bad += cycle(&env.hidden[0], env.hidden[0].node, "online_movable") != 0;
	free1 = meminfo_kb(-1, "MemFree");
	ksft_test_result(!bad && free1 >= free0 - LEAK_SLACK_KB,
			 "%d cycles: MemFree %lld -> %lld kB (slack %d kB)\n",
			 LEAK_CYCLES, free0, free1, LEAK_SLACK_KB);
}

int main(void)
{
	struct kernel_health health;
	const char *why;
	int problems;

	ksft_print_header();
	why = mhp_require(MHP_NEED_DESTRUCTIVE | MHP_NEED_HIDDEN, &env);
	if (why)
		ksft_exit_skip("%s\n", why);
	for (int i = 0; i < env.nr_hidden; i++)
		ksft_print_msg("hidden RAM [%#llx+%#llx] node %d\n",
			       (unsigned long long)env.hidden[i].start,
			       (unsigned long long)env.hidden[i].size, env.hidden[i].node);
	ksft_print_msg("%d possible nodes, auto_online_blocks=%s\n", env.nr_nodes, env.auto_online);
	kernel_health_begin(&health);

	ksft_set_plan(6);
	test_bad_requests();
	test_cycles("online_movable");
	test_cycles("online_kernel");
	test_all_hidden_ranges();
	test_no_leak();
	problems = kernel_health_end(&health);
	ksft_test_result(problems <= 0, "kernel health: %d new problems\n", problems);
	mhp_module_unload();
	ksft_finished();
}
