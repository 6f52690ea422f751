// SPDX-License-Identifier: GPL-2.0
/*
 * zone_device: ZONE_DEVICE memory created and destroyed in cycles, the
 * two ways real users reach it. Destructive: needs the riscv-mhp opt-in.
 *
 * 1. test_hmm: load, migrate patterned anonymous memory to device-private
 *    memory and back, verify it, unload (memremap_pages/memunmap_pages:
 *    vmemmap populated and torn down each cycle).
 * 2. A device-tree pmem-region: ndctl makes it a devdax namespace, daxctl
 *    turns that into System RAM (onlined movable: MemTotal grows), offlines
 *    it (MemTotal back to the kB) and back to devdax; the namespace goes.
 *    Skipped when the machine has no pmem region.
 */
#include <dirent.h>
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
	for (i = 0; i < HMM_CYCLES && !err; i++)
		err = hmm_cycle(HMM_PAGES + i * 64);
	ksft_test_result(!err, "test_hmm: %d load/migrate/verify/unload cycles%s%s\n",
			 i, err ? ": " : "", err ? err : "");
}

static int has_pmem_region(void)
{
	DIR *d = opendir("/sys/bus/nd/devices");
	struct dirent *e;
	int found = 0;

	while (d && (e = readdir(d)))
		found |= !strncmp(e->d_name, "region", 6);
	if (d)
		closedir(d);
	return found;
}

/* Runs a shell command quietly; its output goes to the TAP log on failure. */
static int run(const char *cmd)
{
	char wrapped[512];
	int rc;

	snprintf(wrapped, sizeof(wrapped), "%s >/tmp/zone_device.out 2>&1", cmd);
	rc = system(wrapped);
	if (rc) {
		ksft_print_msg("'%s' failed (%d):\n", cmd, rc);
		system("sed 's/^/#   /' /tmp/zone_device.out");
	}
	return rc;
}

static int pmem_cycle(int i)
{
	long long before = meminfo_kb(-1, "MemTotal"), ram, after;
	int bad = 0;

	if (run("ndctl create-namespace --force --region=region0 --mode=devdax --name=mhp") ||
	    run("daxctl reconfigure-device --mode=system-ram --force dax0.0"))
		return -1;
	ram = meminfo_kb(-1, "MemTotal");
	bad += run("daxctl offline-memory dax0.0") != 0;
	after = meminfo_kb(-1, "MemTotal");
	bad += run("daxctl reconfigure-device --mode=devdax --force dax0.0") != 0;
	bad += run("ndctl destroy-namespace --force all") != 0;
	if (bad || ram <= before || after != before) {
		ksft_print_msg("pmem cycle %d: MemTotal %lld -> %lld (system-ram) -> %lld kB (offline)\n",
			       i, before, ram, after);
		return -1;
	}
	return 0;
}

static void test_pmem_cycles(void)
{
	int i, bad = 0;

	if (!has_pmem_region()) {
		ksft_test_result_skip("no pmem region (topology without 'pmem')\n");
		return;
	}
	for (i = 0; i < PMEM_CYCLES && !bad; i++)
		bad += pmem_cycle(i) != 0;
	ksft_test_result(!bad, "pmem: %d devdax -> system-ram -> offline -> devdax cycles\n", i);
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
