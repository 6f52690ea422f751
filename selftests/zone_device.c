// SPDX-License-Identifier: GPL-2.0
/* config: CONFIG_LIBNVDIMM CONFIG_OF_PMEM CONFIG_BLK_DEV_PMEM */
/* config: CONFIG_NVDIMM_DAX CONFIG_DEV_DAX CONFIG_DEV_DAX_PMEM */
/* config: CONFIG_DEV_DAX_KMEM */
/*
 * zone_device: ZONE_DEVICE memory created and destroyed in cycles, the
 * two ways real users reach it. Destructive: needs the riscv-mhp opt-in.
 *
 * 1. test_hmm: load, migrate patterned anonymous memory to device-private
 *    memory and back, verify it, unload (memremap_pages/memunmap_pages:
 *    vmemmap populated and torn down each cycle).
 * 2. A device-tree pmem-region: ndctl reconfigures its raw namespace to
 *    devdax, daxctl turns that into System RAM (onlined movable: MemTotal
 *    grows), offlines it (MemTotal back to the kB) and back to devdax, and
 *    ndctl makes the namespace raw again, as the test found it.
 *    Skipped when the machine has no pmem region.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest.h"
#include "mhp_hmm.h"
#include "mhp_module.h"
#include "mhp_util.h"

#define HMM_CYCLES	5
#define HMM_PAGES	512
#define PMEM_CYCLES	3

static struct mhp_env env;

static void test_hmm_cycles(void)
{
	const char *why = hmm_available(), *err = NULL;
	int i;

	if (why) {
		ksft_test_result_skip("%s\n", why);
		return;
	}
	for (i = 0; i < HMM_CYCLES && !err; i++) {
		err = hmm_cycle(HMM_PAGES + i * 64);
		if (hmm_migrate_retries())
			ksft_print_msg("test_hmm cycle %d: the migration to the device left pages behind (ENOENT) and was asked %d more time(s)\n",
				       i + 1, hmm_migrate_retries());
	}
	ksft_test_result(!err, "test_hmm: %d load/migrate/verify/unload cycles%s%s\n",
			 i, err ? ": " : "", err ? err : "");
}

/* Runs a shell command quietly; its output goes to the TAP log on failure. */
static int run(const char *fmt, const char *arg)
{
	char cmd[256], wrapped[512];
	int rc;

	snprintf(cmd, sizeof(cmd), fmt, arg);
	snprintf(wrapped, sizeof(wrapped), "%s >/tmp/zone_device.out 2>&1", cmd);
	rc = system(wrapped);
	if (rc) {
		ksft_print_msg("'%s' failed (%d):\n", cmd, rc);
		system("sed 's/^/#   /' /tmp/zone_device.out");
	}
	return rc;
}

/*
 * One cycle on the region's namespace ns (raw, as of_pmem makes it: a
 * label-less region has no free space for a new namespace, ENOSPC, so the
 * one it has is reconfigured): raw -> devdax (memremap_pages) -> daxctl
 * system-ram (onlined movable: MemTotal grows) -> offline (MemTotal back
 * to the kB) -> devdax -> raw (memunmap_pages). The namespace ends raw.
 */
static int pmem_cycle(int i, const char *ns)
{
	long long before = meminfo_kb(-1, "MemTotal"), ram = -1, after = -1;
	char dax[64] = "";
	int bad = 0;

	if (run("ndctl create-namespace --force --reconfig=%s --mode=devdax", ns))
		return -1;
	if (first_entry("/sys/bus/dax/devices", "dax", dax, sizeof(dax))) {
		ksft_print_msg("pmem cycle %d: devdax namespace %s without a dax device\n", i, ns);
		bad++;
	} else if (!run("daxctl reconfigure-device --mode=system-ram --force %s", dax)) {
		ram = meminfo_kb(-1, "MemTotal");
		bad += run("daxctl offline-memory %s", dax) != 0;
		after = meminfo_kb(-1, "MemTotal");
		bad += run("daxctl reconfigure-device --mode=devdax --force %s", dax) != 0;
	} else {
		bad++;
	}
	bad += run("ndctl create-namespace --force --reconfig=%s --mode=raw", ns) != 0;
	if (bad || ram <= before || after != before) {
		ksft_print_msg("pmem cycle %d: %s %s: MemTotal %lld -> %lld (system-ram) -> %lld kB (offline)\n",
			       i, ns, dax, before, ram, after);
		return -1;
	}
	return 0;
}

static void test_pmem_cycles(void)
{
	char ns[64] = "";
	int i, bad = 0;

	if (first_entry("/sys/bus/nd/devices", "region", ns, sizeof(ns))) {
		ksft_test_result_skip("no pmem region (topology without 'pmem')\n");
		return;
	}
	if (first_entry("/sys/bus/nd/devices", "namespace", ns, sizeof(ns))) {
		ksft_test_result_fail("pmem region without a namespace\n");
		return;
	}
	for (i = 0; i < PMEM_CYCLES && !bad; i++)
		bad += pmem_cycle(i, ns) != 0;
	ksft_test_result(!bad, "pmem: %d raw -> devdax -> system-ram -> offline -> devdax -> raw cycles of %s\n",
			 i, ns);
}

int main(void)
{
	struct kernel_health health;
	const char *why;

	ksft_print_header();
	why = mhp_require(MHP_NEED_DESTRUCTIVE, &env);
	if (why)
		ksft_exit_skip("%s\n", why);
	kernel_health_begin(&health);
	ksft_set_plan(3);
	test_hmm_cycles();
	test_pmem_cycles();
	ksft_test_result(kernel_health_end(&health) <= 0, "kernel health\n");
	ksft_finished();
}
