// SPDX-License-Identifier: GPL-2.0
/* config: CONFIG_ZONE_DEVICE CONFIG_DEVICE_PRIVATE CONFIG_TEST_HMM */
/* test_hmm load / migrate / verify / unload cycles (see mhp_hmm.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <lib/test_hmm_uapi.h>

#include "mhp_hmm.h"
#include "mhp_module.h"
#include "mhp_paging.h"
#include "mhp_util.h"

#define HMM_DEV "/dev/hmm_dmirror0"

static int hmm_load(void)
{
	if (!access(HMM_DEV, F_OK))
		return 0;
	if (system("modprobe -q test_hmm 2>/dev/null"))
		return -1;
	for (int i = 0; i < 50 && access(HMM_DEV, F_OK); i++)
		usleep(20000);	/* devtmpfs node appears asynchronously */
	return access(HMM_DEV, F_OK) ? -1 : 0;
}

/* Unloading tears down device memory: slow under TCG, so be patient. */
static int hmm_unload(void)
{
	for (int i = 0; i < 500; i++) {
		if (!syscall(__NR_delete_module, "test_hmm", O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -1;
		usleep(20000);
	}
	return -1;
}

const char *hmm_available(void)
{
	if (hmm_load())
		return "test_hmm not available (CONFIG_TEST_HMM=m and modprobe needed)";
	return hmm_unload() ? "test_hmm would not unload" : NULL;
}

/*
 * Where device-private memory may lie, from first principles rather than
 * the kernel's own bound (its PHYSMEM_END, what is under test): below the
 * end of what the vmemmap area of the paging mode describes from the RAM
 * base, and inside RV64's 56-bit physical address space. Each test_hmm
 * region of /proc/iomem is checked: NULL, or what lies outside.
 */
static const char *hmm_regions_check(void)
{
	static char why[200];
	const struct mhp_paging_mode *m;
	unsigned long long a, b;
	uint64_t base, reach;
	char line[256], mmu[16];
	int found = 0;
	FILE *f;

	cpuinfo_mmu(mmu, sizeof(mmu));
	m = mhp_paging_mode_of(mmu);
	if (!m || mhp_ram_base(&base))
		return NULL;	/* not a riscv guest we know: nothing to compare */
	reach = mhp_vmemmap_reach(m, base);
	f = fopen("/proc/iomem", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strstr(line, "hmm_dmirror") || sscanf(line, " %llx-%llx", &a, &b) != 2)
			continue;
		found++;
		if (b < reach)
			continue;
		snprintf(why, sizeof(why),
			 "device-private memory [%#llx-%#llx] past the end of what %s's vmemmap and 56-bit physical addresses allow (%#" PRIx64 ")",
			 a, b, mmu, reach);
		fclose(f);
		return why;
	}
	if (f)
		fclose(f);
	return found ? NULL : "no test_hmm device memory (hmm_dmirror) in /proc/iomem after a migration";
}

static int retries;

int hmm_migrate_retries(void)
{
	return retries;
}

const char *hmm_cycle(unsigned long npages)
{
	static char why[160];
	size_t len = npages * sysconf(_SC_PAGESIZE);
	struct hmm_dmirror_cmd cmd = { 0 };
	const char *err = NULL;
	uint64_t *buf, *mirror;
	int fd;

	if (hmm_load())
		return "modprobe test_hmm failed";
	fd = open(HMM_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		hmm_unload();
		return "cannot open " HMM_DEV;
	}
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mirror = malloc(len);
	if (buf == MAP_FAILED || !mirror) {
		err = "out of memory";
		goto out;
	}
	for (size_t i = 0; i < len / 8; i++)
		buf[i] = i * 0x9e3779b97f4a7c15ULL;
	retries = 0;
	for (int tries = 1;; tries++) {
		int rc;

		cmd.addr = (uintptr_t)buf;
		cmd.ptr = (uintptr_t)mirror;
		cmd.npages = npages;
		rc = ioctl(fd, HMM_DMIRROR_MIGRATE_TO_DEV, &cmd);
		if (!rc)
			break;
		/* ENOENT: some page stayed behind (see mhp_hmm.h); again */
		if (errno == ENOENT && tries < HMM_MIGRATE_TRIES) {
			retries++;
			usleep(100000);
			continue;
		}
		snprintf(why, sizeof(why), "HMM_DMIRROR_MIGRATE_TO_DEV failed: %s (errno %d), attempt %d of %d",
			 strerror(errno), errno, tries, HMM_MIGRATE_TRIES);
		err = why;
		goto out;
	}
	err = hmm_regions_check();
	if (err)
		goto out;
	if (cmd.cpages != npages) {
		err = "not every page migrated to device memory";
		goto out;
	}
	for (size_t i = 0; i < len / 8; i++)	/* CPU faults pages back */
		if (buf[i] != i * 0x9e3779b97f4a7c15ULL) {
			err = "data changed across device migration";
			break;
		}
out:
	if (buf != MAP_FAILED)
		munmap(buf, len);
	free(mirror);
	close(fd);
	if (hmm_unload() && !err)
		err = "rmmod test_hmm failed";
	return err;
}
