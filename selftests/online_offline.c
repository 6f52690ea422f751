// SPDX-License-Identifier: GPL-2.0
/* config: CONFIG_MEMORY_HOTREMOVE CONFIG_MIGRATION */
/*
 * online_offline: offline every online memory block and online it again
 * with each zone choice the kernel offers (online, online_kernel,
 * online_movable). Destructive: needs the riscv-mhp opt-in.
 *
 * Invariants after every step: the state reads back as written, the zone
 * is the one asked for, and MemTotal drops when a block goes offline and
 * comes back to exactly the same value when it returns. -EBUSY on
 * offline is the kernel refusing to move unmovable allocations: expected,
 * reported, never a failure; so is -EINVAL for a block that /proc/iomem
 * shows is not all System RAM (offline refuses holes), and only for such a
 * block. Every block ends in its starting state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "mhp_util.h"

static int *ids, nr_blocks;
static char (*initial)[16];	/* each block's state at start */
static uint64_t block_size;

struct tally {
	int ok, busy, hole, not_offered, bad;
};

enum { CYCLED, BUSY, HOLE, NOT_OFFERED, BROKEN };

/*
 * Offline block id, check, online it with how, check, and (when asked)
 * Returns CYCLED, BUSY (expected EBUSY), HOLE (expected EINVAL), NOT_OFFERED (valid_zones of the
 * offline block does not list the zone: it goes back online as it was) or
 * BROKEN (an invariant failed; the reason is printed).
 */
static int cycle(int id, const char *how)
{
	long long before = meminfo_kb(-1, "MemTotal"), mid, after;
	char zone[16];
	char now[16];
	int rc;

	block_zone(id, now, sizeof(now));
	rc = block_offline(id);
	/* a kernel zone may hold what cannot move: refused, or retried until the deadline */
	if (rc == -EBUSY || (rc == -EINTR && is_kernel_zone(now)))
		return BUSY;
	if (rc == -EINVAL && system_ram_bytes(id * block_size, block_size) >= 0 &&
	    system_ram_bytes(id * block_size, block_size) < (int64_t)block_size)
		return HOLE;
	if (rc) {
		ksft_print_msg("memory%d: offline: %s\n", id, strerror(-rc));
		return BROKEN;
	}
	mid = meminfo_kb(-1, "MemTotal");
	if (!block_state_is(id, "offline") || mid >= before ||
	    (uint64_t)(before - mid) * 1024 > block_size) {
		ksft_print_msg("memory%d offline: MemTotal %lld -> %lld kB\n", id, before, mid);
		return BROKEN;
	}
	if (!strcmp(how, "online_movable") && !block_zone_valid(id, "Movable")) {
		rc = block_set_state(id, "online");
		return rc ? BROKEN : NOT_OFFERED;
	}
	rc = block_set_state(id, how);
	if (rc) {
		ksft_print_msg("memory%d: %s: %s\n", id, how, strerror(-rc));
		return BROKEN;
	}
	after = meminfo_kb(-1, "MemTotal");
	block_zone(id, zone, sizeof(zone));
	if (!block_state_is(id, "online") || after != before ||
	    (!strcmp(how, "online_movable") && strcmp(zone, "Movable")) ||
	    (!strcmp(how, "online_kernel") && !is_kernel_zone(zone))) {
		ksft_print_msg("memory%d %s: zone %s, MemTotal %lld -> %lld kB (want %lld)\n",
			       id, how, zone, mid, after, before);
		return BROKEN;
	}
	return CYCLED;
}

static void tally_add(struct tally *t, int rc)
{
	switch (rc) {
	case CYCLED: t->ok++; break;
	case BUSY: t->busy++; break;
	case HOLE: t->hole++; break;
	case NOT_OFFERED: t->not_offered++; break;
	default: t->bad++; break;
	}
}

/* Each boot-online block, highest first: offline, then online with how. */
static void test_cycle(const char *how)
{
	struct tally t = { 0 };
	int tried = 0;

	for (int i = nr_blocks - 1; i >= 0; i--) {
		if (strcmp(initial[i], "online"))
			continue;
		tried++;
		tally_add(&t, cycle(ids[i], how));
	}
	if (!t.ok && !t.bad) {
		ksft_test_result_skip("%s: no block could be cycled (%d busy, %d with holes, %d without the zone)\n",
				      how, t.busy, t.hole, t.not_offered);
		return;
	}
	ksft_test_result(!t.bad && t.ok > 0,
			 "%s: %d of %d blocks cycled, %d busy and %d with holes (expected), %d without the zone, %d broken\n",
			 how, t.ok, tried, t.busy, t.hole, t.not_offered, t.bad);
}

/* Movable blocks must always be able to go offline again. */
static void test_movable_offlines(void)
{
	int movable = 0, bad = 0, rc;
	char zone[16];

	for (int i = 0; i < nr_blocks; i++) {
		block_zone(ids[i], zone, sizeof(zone));
		if (!block_state_is(ids[i], "online") || strcmp(zone, "Movable"))
			continue;
		movable++;
		rc = block_offline(ids[i]);
		if (rc) {
			ksft_print_msg("memory%d (Movable): offline: %s\n", ids[i], strerror(-rc));
			bad++;
		}
	}
	if (!movable) {
		ksft_test_result_skip("no Movable block to offline\n");
		return;
	}
	ksft_test_result(!bad, "%d Movable blocks offline again (%d refused)\n", movable, bad);
}

/* Put every block back to its starting state, default zone. */
static void test_restore(long long baseline_kb)
{
	int bad = 0;
	long long now;

	for (int i = 0; i < nr_blocks; i++) {
		if (block_state_is(ids[i], initial[i]))
			continue;
		if (!strcmp(initial[i], "online") && !block_state_is(ids[i], "offline"))
			block_offline(ids[i]);	/* Movable -> default */
		if (block_set_state(ids[i], initial[i]) || !block_state_is(ids[i], initial[i])) {
			ksft_print_msg("memory%d: cannot restore '%s'\n", ids[i], initial[i]);
			bad++;
		}
	}
	now = meminfo_kb(-1, "MemTotal");
	ksft_test_result(!bad && now == baseline_kb,
			 "every block restored; MemTotal %lld kB (baseline %lld)\n",
			 now, baseline_kb);
}

int main(void)
{
	struct kernel_health health;
	const char *refusal;
	long long baseline;
	char auto_online[32] = "";
	int problems;

	ksft_print_header();
	refusal = mhp_destructive_refusal();
	if (refusal)
		ksft_exit_skip("%s\n", refusal);
	block_size = memory_block_size();
	nr_blocks = memory_block_ids(&ids);
	if (!block_size || nr_blocks <= 0)
		ksft_exit_skip("no memory blocks: kernel without memory hotplug\n");
	initial = calloc(nr_blocks, sizeof(*initial));
	for (int i = 0; i < nr_blocks; i++)
		block_attr(ids[i], "state", initial[i], sizeof(initial[i]));
	read_str(SYSFS_MEMORY "/auto_online_blocks", auto_online, sizeof(auto_online));
	ksft_print_msg("%d blocks of %llu MiB, auto_online_blocks=%s\n", nr_blocks,
		       (unsigned long long)(block_size >> 20), auto_online);
	baseline = meminfo_kb(-1, "MemTotal");
	kernel_health_begin(&health);

	ksft_set_plan(6);
	test_cycle("online");
	test_cycle("online_kernel");
	test_cycle("online_movable");
	test_movable_offlines();
	test_restore(baseline);
	problems = kernel_health_end(&health);
	ksft_test_result(problems <= 0, "kernel health: %d new problems\n", problems);
	free(initial);
	free(ids);
	ksft_finished();
}
