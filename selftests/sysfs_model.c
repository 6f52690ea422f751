// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs_model: the memory-block sysfs model agrees with itself and with
 * the page allocator. Read-only: safe on any machine.
 *
 * - block_size_bytes is a power of two (128 MiB on RISC-V);
 * - every memoryN has phys_index N, a known state, parseable valid_zones
 *   (exactly one zone when online) and a readable phys_device;
 * - every block links to exactly one node and that node links back;
 * - /proc/zoneinfo: each zone's present pages lie within its span, online
 *   blocks cover every present page (per node and in total), and the
 *   managed pages add up to MemTotal in /proc/meminfo and per node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "mhp_util.h"

#define MAX_NODES 64

static uint64_t block_size;
static int *ids, nr_blocks;
static long page_size;

static const char *const zone_names[] = {
	"DMA", "DMA32", "Normal", "Movable", "Device", NULL
};

static int known_zone(const char *z)
{
	for (int i = 0; zone_names[i]; i++)
		if (!strcmp(z, zone_names[i]))
			return 1;
	return 0;
}

static void test_block_size(void)
{
	int pow2 = block_size && !(block_size & (block_size - 1));

#ifdef __riscv
	ksft_test_result(block_size == 128ULL << 20,
			 "block_size_bytes is 128 MiB (0x%llx)\n",
			 (unsigned long long)block_size);
#else
	ksft_test_result(pow2 && block_size % page_size == 0,
			 "block_size_bytes is a power-of-two multiple of the page size (0x%llx)\n",
			 (unsigned long long)block_size);
#endif
	(void)pow2;
}

/* A block's attributes: 0 if consistent, else prints why and returns -1. */
static int check_block(int id)
{
	char state[32], zones[128], buf[64], *z, *save = NULL;
	uint64_t idx;
	int nzones = 0;

	if (block_attr(id, "phys_index", buf, sizeof(buf)) ||
	    sscanf(buf, "%llx", (unsigned long long *)&idx) != 1 || idx != (uint64_t)id) {
		ksft_print_msg("memory%d: phys_index '%s'\n", id, buf);
		return -1;
	}
	if (block_attr(id, "state", state, sizeof(state)) ||
	    (strcmp(state, "online") && strcmp(state, "offline"))) {
		ksft_print_msg("memory%d: state '%s'\n", id, state);
		return -1;
	}
	if (block_attr(id, "phys_device", buf, sizeof(buf))) {
		ksft_print_msg("memory%d: phys_device unreadable\n", id);
		return -1;
	}
	if (block_attr(id, "valid_zones", zones, sizeof(zones))) {
		ksft_print_msg("memory%d: valid_zones unreadable\n", id);
		return -1;
	}
	for (z = strtok_r(zones, " ", &save); z; z = strtok_r(NULL, " ", &save)) {
		if (!known_zone(z) && strcmp(z, "none")) {
			ksft_print_msg("memory%d: unknown zone '%s'\n", id, z);
			return -1;
		}
		nzones++;
	}
	if (!strcmp(state, "online") && nzones != 1) {
		ksft_print_msg("memory%d: online in %d zones\n", id, nzones);
		return -1;
	}
	return 0;
}

static void test_blocks(void)
{
	int bad = 0, online = 0;
	char state[32];

	for (int i = 0; i < nr_blocks; i++) {
		bad += check_block(ids[i]) ? 1 : 0;
		if (!block_attr(ids[i], "state", state, sizeof(state)) &&
		    !strcmp(state, "online"))
			online++;
	}
	ksft_test_result(!bad && online > 0,
			 "%d blocks (%d online) have consistent attributes (%d bad)\n",
			 nr_blocks, online, bad);
}

static void test_node_links(void)
{
	char path[160];
	int bad = 0;

	if (access(SYSFS_NODE "/node0", F_OK)) {
		ksft_test_result_skip("node links: no NUMA node sysfs\n");
		return;
	}
	for (int i = 0; i < nr_blocks; i++) {
		int node = block_node(ids[i]);

		if (node < 0) {
			ksft_print_msg("memory%d: %s node link\n", ids[i],
				       node == -1 ? "no" : "more than one");
			bad++;
			continue;
		}
		snprintf(path, sizeof(path), SYSFS_NODE "/node%d/memory%d", node, ids[i]);
		if (access(path, F_OK)) {
			ksft_print_msg("%s missing\n", path);
			bad++;
		}
	}
	ksft_test_result(!bad, "every block links to one node and back (%d bad)\n", bad);
}

/* Online block bytes per node (index MAX_NODES = all nodes). */
static void online_bytes(uint64_t *per_node)
{
	char state[32];

	memset(per_node, 0, (MAX_NODES + 1) * sizeof(*per_node));
	for (int i = 0; i < nr_blocks; i++) {
		int node = block_node(ids[i]);

		if (block_attr(ids[i], "state", state, sizeof(state)) ||
		    strcmp(state, "online"))
			continue;
		if (node < 0)
			node = 0;
		if (node < MAX_NODES)
			per_node[node] += block_size;
		per_node[MAX_NODES] += block_size;
	}
}

static void test_zones_vs_blocks(void)
{
	static struct zone_stat z[MAX_ZONES];
	uint64_t online[MAX_NODES + 1], present[MAX_NODES + 1] = { 0 };
	int n = zoneinfo_read(z, MAX_ZONES), bad = 0;

	if (n <= 0) {
		ksft_test_result_fail("zones vs blocks: cannot read /proc/zoneinfo\n");
		return;
	}
	online_bytes(online);
	for (int i = 0; i < n; i++) {
		if (z[i].present > z[i].spanned || z[i].managed > z[i].present) {
			ksft_print_msg("node %d zone %s: managed %llu present %llu spanned %llu\n",
				       z[i].node, z[i].name,
				       (unsigned long long)z[i].managed,
				       (unsigned long long)z[i].present,
				       (unsigned long long)z[i].spanned);
			bad++;
		}
		if (z[i].node < MAX_NODES)
			present[z[i].node] += z[i].present * page_size;
		present[MAX_NODES] += z[i].present * page_size;
	}
	for (int node = 0; node <= MAX_NODES; node++) {
		if (present[node] > online[node]) {
			ksft_print_msg("%s%d: %llu present bytes, only %llu in online blocks\n",
				       node == MAX_NODES ? "all nodes" : "node ",
				       node == MAX_NODES ? 0 : node,
				       (unsigned long long)present[node],
				       (unsigned long long)online[node]);
			bad++;
		}
	}
	ksft_test_result(!bad, "online blocks cover every present page (%llu MiB online)\n",
			 (unsigned long long)(online[MAX_NODES] >> 20));
}

static void test_meminfo(void)
{
	static struct zone_stat z[MAX_ZONES];
	long long managed_kb[MAX_NODES + 1] = { 0 }, total;
	int n = zoneinfo_read(z, MAX_ZONES), bad = 0, nodes = 0;

	for (int i = 0; i < n; i++) {
		long long kb = z[i].managed * (page_size / 1024);

		if (z[i].node < MAX_NODES)
			managed_kb[z[i].node] += kb;
		managed_kb[MAX_NODES] += kb;
	}
	total = meminfo_kb(-1, "MemTotal");
	if (total != managed_kb[MAX_NODES] && !mhp_in_test_guest()) {
		/* Hypervisor balloons adjust totalram outside the zones. */
		ksft_test_result_skip("MemTotal %lld kB vs zones' managed %lld kB: judged only in riscv-mhp guests\n",
				      total, managed_kb[MAX_NODES]);
		return;
	}
	if (total != managed_kb[MAX_NODES]) {
		ksft_print_msg("MemTotal %lld kB, zones manage %lld kB\n",
			       total, managed_kb[MAX_NODES]);
		bad++;
	}
	for (int node = 0; node < MAX_NODES; node++) {
		long long kb = meminfo_kb(node, "MemTotal");

		if (kb < 0)
			continue;
		nodes++;
		if (kb != managed_kb[node]) {
			ksft_print_msg("node %d MemTotal %lld kB, its zones manage %lld kB\n",
				       node, kb, managed_kb[node]);
			bad++;
		}
	}
	ksft_test_result(!bad && total > 0,
			 "MemTotal (%lld kB) and %d node totals match the zones' managed pages\n",
			 total, nodes);
}

static void report_health(struct kernel_health *h)
{
	int problems = kernel_health_end(h);

	if (problems < 0)
		ksft_test_result_skip("kernel health: /dev/kmsg unreadable (not root?), no new taint\n");
	else
		ksft_test_result(!problems, "kernel health: %d new problems\n", problems);
}

int main(void)
{
	struct kernel_health health;

	ksft_print_header();
	page_size = sysconf(_SC_PAGESIZE);
	block_size = memory_block_size();
	if (!block_size)
		ksft_exit_skip("no %s: kernel without memory hotplug\n", SYSFS_MEMORY);
	nr_blocks = memory_block_ids(&ids);
	if (nr_blocks <= 0)
		ksft_exit_skip("no memory blocks in %s\n", SYSFS_MEMORY);

	kernel_health_begin(&health);
	ksft_set_plan(6);
	test_block_size();
	test_blocks();
	test_node_links();
	test_zones_vs_blocks();
	test_meminfo();
	report_health(&health);
	free(ids);
	ksft_finished();
}
