// SPDX-License-Identifier: GPL-2.0
/* config: CONFIG_LIBNVDIMM CONFIG_OF_PMEM CONFIG_BLK_DEV_PMEM */
/* config: CONFIG_NVDIMM_DAX CONFIG_DEV_DAX CONFIG_DEV_DAX_PMEM */
/* config: CONFIG_DEV_DAX_KMEM CONFIG_FS_DAX */
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
 *    ndctl makes the namespace raw again, as the test found it. While it
 *    is devdax, the device is mapped (MAP_SHARED, as a database or a VM
 *    would): a pattern written through one mapping must read back through
 *    a second one, and every page must be a frame of the region's own
 *    physical range (pagemap against the region's resource).
 *    Skipped when the machine has no pmem region.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

static uint64_t dax_word(uint64_t off, int cycle)
{
	return (off + 1) * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)cycle << 60);
}

/*
 * /dev/DAX mapped whole, one word written per 4 KiB page (and every word
 * of its first and last 2 MiB), unmapped; mapped again, every word read
 * back, and each page's frame inside the region [rstart, rstart + rsize).
 * 0, or -1 with the first difference said.
 */
static int devdax_data(int cycle, const char *dax, uint64_t rstart, uint64_t rsize)
{
	char path[128];
	uint64_t size = 0, words, bad = 0, outside = 0, first = UINT64_MAX;
	long psz = sysconf(_SC_PAGESIZE);
	const uint64_t edge = 2ULL << 20;
	uint64_t *m;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/size", dax);
	if (read_u64(path, 0, &size) || size < 2 * edge) {
		ksft_print_msg("devdax %s: size %#llx unreadable or below 4 MiB\n", dax,
			       (unsigned long long)size);
		return -1;
	}
	words = size / 8;
	snprintf(path, sizeof(path), "/dev/%s", dax);
	for (int pass = 0; pass < 2; pass++) {
		fd = open(path, O_RDWR);
		m = fd < 0 ? MAP_FAILED :
		    mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED) {
			ksft_print_msg("devdax %s: %s of %#llx bytes: %s (errno %d)\n", dax,
				       fd < 0 ? "open" : "mmap", (unsigned long long)size,
				       strerror(errno), errno);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		for (uint64_t i = 0; i < words; i++) {
			uint64_t off = i * 8;

			if (off >= edge && off < size - edge && off % psz)
				continue;
			if (!pass) {
				m[i] = dax_word(off, cycle);
				continue;
			}
			if (m[i] != dax_word(off, cycle) && !bad++)
				first = off;
			if (!(off % psz)) {
				int64_t pfn = pagemap_pfn((uint8_t *)m + off);
				uint64_t pa = pfn < 0 ? 0 : (uint64_t)pfn * psz;

				outside += pfn < 0 || pa < rstart || pa - rstart >= rsize;
			}
		}
		munmap(m, size);
		close(fd);
	}
	if (bad || outside) {
		ksft_print_msg("devdax %s (%#llx bytes): %llu words differ (first at offset %#llx), %llu pages not in the region [%#llx+%#llx]\n",
			       dax, (unsigned long long)size, (unsigned long long)bad,
			       (unsigned long long)first, (unsigned long long)outside,
			       (unsigned long long)rstart, (unsigned long long)rsize);
		return -1;
	}
	return 0;
}

/*
 * One cycle on the region's namespace ns (raw, as of_pmem makes it: a
 * label-less region has no free space for a new namespace, ENOSPC, so the
 * one it has is reconfigured): raw -> devdax (memremap_pages) -> daxctl
 * system-ram (onlined movable: MemTotal grows) -> offline (MemTotal back
 * to the kB) -> devdax -> raw (memunmap_pages). The namespace ends raw.
 */
static int pmem_cycle(int i, const char *ns, uint64_t rstart, uint64_t rsize)
{
	long long before = meminfo_kb(-1, "MemTotal"), ram = -1, after = -1;
	char dax[64] = "";
	int bad = 0;

	if (run("ndctl create-namespace --force --reconfig=%s --mode=devdax", ns))
		return -1;
	if (first_entry("/sys/bus/dax/devices", "dax", dax, sizeof(dax))) {
		ksft_print_msg("pmem cycle %d: devdax namespace %s without a dax device\n", i, ns);
		bad++;
	} else if (devdax_data(i, dax, rstart, rsize)) {
		bad++;
		run("daxctl reconfigure-device --mode=devdax --force %s", dax);
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
	char ns[64] = "", path[128];
	uint64_t rstart = 0, rsize = 0;
	int i, bad = 0;

	if (first_entry("/sys/bus/nd/devices", "region", ns, sizeof(ns))) {
		ksft_test_result_skip("no pmem region (topology without 'pmem')\n");
		return;
	}
	snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s/resource", ns);
	if (read_u64(path, 0, &rstart) ||
	    (snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s/size", ns),
	     read_u64(path, 0, &rsize)) || !rsize) {
		ksft_test_result_fail("%s: no resource/size in sysfs\n", ns);
		return;
	}
	if (first_entry("/sys/bus/nd/devices", "namespace", ns, sizeof(ns))) {
		ksft_test_result_fail("pmem region without a namespace\n");
		return;
	}
	for (i = 0; i < PMEM_CYCLES && !bad; i++)
		bad += pmem_cycle(i, ns, rstart, rsize) != 0;
	ksft_test_result(!bad, "pmem: %d raw -> devdax (mapped, data verified) -> system-ram -> offline -> devdax -> raw cycles of %s\n",
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
