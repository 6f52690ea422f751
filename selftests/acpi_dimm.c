// SPDX-License-Identifier: GPL-2.0
/* config: CONFIG_MEMORY_HOTREMOVE CONFIG_NUMA CONFIG_MIGRATION */
/*
 * acpi_dimm: the memory devices of an ACPI machine (QEMU pc-dimm, PNP0C80)
 * from the firmware's table to gone. Destructive: needs the riscv-mhp
 * opt-in. Runs in cells that boot through EDK2 with ACPI (topology
 * 'firmware acpi'; the kernel needs virtme-configs/fragments/acpi.config).
 *
 * What the machine has comes from the cell, not from the kernel: the
 * runner puts the topology's DIMMs on the command line as
 * riscv_mhp.dimms=SIZE@NODE@ADDR,... (MiB). For each DIMM, in an order
 * and onto a zone drawn from the seed (riscv_mhp.seed=, else a fresh one,
 * printed; riscv_mhp.dimm_zone=movable|kernel pins the zone):
 *   found    every memory block of [ADDR, ADDR + SIZE) is present and
 *            offline (memhp_default_state=offline), on NODE, bound to an
 *            ACPI memory device (firmware_node, hid PNP0C80, status 15);
 *            /proc/iomem has the range as System RAM
 *   online   each block goes to the zone drawn; MemTotal of the machine
 *            and of NODE grow by SIZE to the kB; direct map and vmemmap
 *            of the range are mapped (ptdump)
 *   data     a buffer bound to NODE is filled with a pattern (on a
 *            movable DIMM some of it must land in the DIMM); offlining
 *            migrates it; every byte is verified and no page is left in
 *            the DIMM
 *   offline  every block offline within its deadline; both MemTotals are
 *            back to the kB. A kernel-zone block the kernel cannot empty
 *            (EBUSY, or EINTR at the deadline: the kernel's "retry until
 *            a signal", taken as every other test takes it; add_remove's
 *            slab subtest is the one that asks for EBUSY up front) makes
 *            the DIMM busy: it goes back online and stays,
 *            its eject not asked (the kernel's own offline may retry it
 *            for as long as it likes; the refused unplug of a busy DIMM is
 *            dimm-cycle --busy's, qemu/acpi-dimm.sh)
 *   eject    "1" to the ACPI device's eject: the kernel's own path for a
 *            firmware unplug request (kacpi_hotplug: acpi_bus_trim ->
 *            acpi_memory_device_remove -> __remove_memory), then _EJ0 to
 *            QEMU. Within EJECT_S the blocks are gone from sysfs, the
 *            range from /proc/iomem, the device's _STA says absent (0),
 *            the direct map and vmemmap of the range are unmapped and no
 *            page table of theirs is left empty
 * With riscv_mhp.vmem=SIZE@NODE (topology 'vmem'): a virtio-mem device
 * asked at boot to plug SIZE has added it (/proc/iomem's "System RAM
 * (virtio_mem)" ranges add up to SIZE within VMEM_S) and every memory
 * block of it is on NODE: under ACPI it learns its node from _PXM.
 * A failure prints its errno and the kernel log since the test started.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "mhp_module.h"
#include "mhp_plan.h"
#include "mhp_prng.h"
#include "mhp_util.h"

#define MAX_DIMMS	8
#define EJECT_S		60	/* eject to blocks gone */
#define VMEM_S		30	/* virtio-mem to plug what it was asked at boot */
#define VMEMMAP_UNIT	(2ULL << 20)	/* largest vmemmap mapping: a PMD */
#define BUF_MAX		(64ULL << 20)
#define MEMSYS		"/sys/devices/system/memory"

struct dimm {
	uint64_t size, addr;	/* bytes */
	int node;
	int first, nblocks;	/* memory block ids */
	char adev[PATH_MAX];	/* its ACPI device, in sysfs */
	const char *how;	/* online_movable | online_kernel */
	int busy;		/* offline refused (EBUSY, EINTR): must stay */
};

static struct mhp_env env;
static struct kernel_health health;
static struct dimm dimm[MAX_DIMMS];
static int ndimms;

/* riscv_mhp.dimms=SIZE@NODE@ADDR,... (MiB): 0, or -1 if malformed */
static int parse_dimms(const char *s)
{
	while (*s) {
		unsigned long long size, addr;
		int node, n = 0;

		if (ndimms == MAX_DIMMS ||
		    sscanf(s, "%llu@%d@%llu%n", &size, &node, &addr, &n) != 3 || !n)
			return -1;
		dimm[ndimms].size = size << 20;
		dimm[ndimms].addr = addr << 20;
		dimm[ndimms].node = node;
		ndimms++;
		s += n;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return 0;
}

static void fail(const struct dimm *d, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(const struct dimm *d, const char *what, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ksft_print_msg("dimm [%#" PRIx64 "+%#" PRIx64 "] node %d %s: %s\n", d->addr,
		       d->size, d->node, what, msg);
	kernel_log_since(&health);
	ksft_test_result_fail("dimm@%#" PRIx64 " %s\n", d->addr, what);
}

/* TAP results so far */
static unsigned int results(void)
{
	return ksft_get_pass_cnt() + ksft_get_fail_cnt() + ksft_get_xfail_cnt() +
	       ksft_get_xpass_cnt() + ksft_get_xskip_cnt() + ksft_get_error_cnt();
}

static long long node_total(int node)
{
	long long kb = meminfo_kb(node, "MemTotal");

	return kb < 0 ? 0 : kb;
}

/* 1 when every block of d exists, 0 when none does, -1 when some do */
static int blocks_present(const struct dimm *d)
{
	char state[32];
	int n = 0;

	for (int id = d->first; id < d->first + d->nblocks; id++)
		n += !block_attr(id, "state", state, sizeof(state));
	return n == d->nblocks ? 1 : n ? -1 : 0;
}

/* Direct map and vmemmap of d per ptdump: all mapped (want 1) or, outside
 * vmemmap units it may share with a neighbour, unmapped (want 0). 0 ok,
 * 1 no ptdump, -1 with why. */
static int mapped(const struct dimm *d, int want, char *why, size_t sz)
{
	uint64_t va, vmm, va_end, vmm_end, lo, hi;
	int64_t lin, mm;
	int rc;

	rc = mhp_addr(d->addr, &va, &vmm);
	if (!rc)
		rc = mhp_addr(d->addr + d->size, &va_end, &vmm_end);
	if (rc) {
		snprintf(why, sz, "mhp_test addr: %s", strerror(-rc));
		return -1;
	}
	lin = ptdump_mapped_bytes(va, va_end - va);
	if (lin < 0)
		return 1;
	lo = want ? vmm : (vmm + VMEMMAP_UNIT - 1) & ~(VMEMMAP_UNIT - 1);
	hi = want ? vmm_end : vmm_end & ~(VMEMMAP_UNIT - 1);
	mm = lo < hi ? ptdump_mapped_bytes(lo, hi - lo) : 0;
	if (want ? lin == (int64_t)(va_end - va) && mm == (int64_t)(hi - lo) : !lin && !mm)
		return 0;
	snprintf(why, sz, "ptdump: direct map %" PRId64 " of %" PRIu64 " bytes at %#" PRIx64
		 ", vmemmap %" PRId64 " of %" PRIu64 " bytes at %#" PRIx64 " mapped, want %s",
		 lin, va_end - va, va, mm, hi - lo, lo, want ? "all" : "none");
	return -1;
}

static void test_found(struct dimm *d)
{
	char link[256], path[PATH_MAX], buf[64];
	int64_t ram;
	ssize_t n;

	d->first = d->addr / env.block_size;
	d->nblocks = d->size / env.block_size;
	if (blocks_present(d) != 1) {
		fail(d, "found", "memory blocks %d..%d: not all present (ENOENT)",
		     d->first, d->first + d->nblocks - 1);
		d->nblocks = 0;
		return;
	}
	for (int id = d->first; id < d->first + d->nblocks; id++) {
		if (!block_state_is(id, "offline") || block_node(id) != d->node) {
			block_attr(id, "state", buf, sizeof(buf));
			fail(d, "found", "memory%d: %s on node %d, want offline on node %d",
			     id, buf, block_node(id), d->node);
			d->nblocks = 0;
			return;
		}
	}
	snprintf(path, sizeof(path), MEMSYS "/memory%d/firmware_node", d->first);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		fail(d, "found", "memory%d has no ACPI device: readlink firmware_node: %s",
		     d->first, strerror(errno));
		d->nblocks = 0;
		return;
	}
	link[n] = '\0';
	snprintf(path, sizeof(path), MEMSYS "/memory%d/%s", d->first, link);
	if (!realpath(path, d->adev)) {
		fail(d, "found", "realpath %s: %s", path, strerror(errno));
		d->nblocks = 0;
		return;
	}
	snprintf(path, sizeof(path), "%s/hid", d->adev);
	if (read_str(path, buf, sizeof(buf)) || strcmp(buf, "PNP0C80")) {
		fail(d, "found", "%s: hid '%s', want PNP0C80 (an ACPI memory device)",
		     d->adev, buf);
		d->nblocks = 0;
		return;
	}
	snprintf(path, sizeof(path), "%s/status", d->adev);
	if (read_str(path, buf, sizeof(buf)) || atoi(buf) != 15) {
		fail(d, "found", "%s: _STA '%s', want 15 (present, enabled)", d->adev, buf);
		d->nblocks = 0;
		return;
	}
	ram = iomem_bytes(d->addr, d->size, "System RAM");
	if (ram != (int64_t)d->size) {
		fail(d, "found", "/proc/iomem: %" PRId64 " of %" PRIu64 " bytes are System RAM",
		     ram, d->size);
		d->nblocks = 0;
		return;
	}
	ksft_test_result_pass("dimm@%#" PRIx64 " found: %d blocks on node %d, %s\n",
			      d->addr, d->nblocks, d->node, strrchr(d->adev, '/') + 1);
}

static void test_online(struct dimm *d, long long *total, long long *ntotal)
{
	long long t0 = meminfo_kb(-1, "MemTotal"), n0 = node_total(d->node), t1, n1;
	long long kb = d->size / 1024;
	char zone[16], why[300];
	int rc;

	for (int id = d->first; id < d->first + d->nblocks; id++) {
		rc = block_set_state(id, d->how);
		block_zone(id, zone, sizeof(zone));
		if (rc || !block_state_is(id, "online") ||
		    (!strcmp(d->how, "online_movable") ? strcmp(zone, "Movable") :
		     !is_kernel_zone(zone))) {
			fail(d, "online", "memory%d %s: %s, zone %s", id, d->how,
			     rc ? strerror(-rc) : "no error", zone);
			d->nblocks = 0;
			return;
		}
	}
	t1 = meminfo_kb(-1, "MemTotal");
	n1 = node_total(d->node);
	if (t1 != t0 + kb || n1 != n0 + kb) {
		fail(d, "online", "MemTotal %lld -> %lld kB, node %d %lld -> %lld kB; want +%lld",
		     t0, t1, d->node, n0, n1, kb);
		return;
	}
	rc = mapped(d, 1, why, sizeof(why));
	if (rc < 0) {
		fail(d, "online", "%s", why);
		return;
	}
	*total = t0;
	*ntotal = n0;
	ksft_test_result_pass("dimm@%#" PRIx64 " online: %s, MemTotal +%lld kB, node %d too%s\n",
			      d->addr, d->how, kb, d->node, rc ? " (no ptdump)" : "");
}

static uint64_t pattern(uint64_t i, uint64_t salt)
{
	return (i + 1) * 0x9e3779b97f4a7c15ULL ^ salt;
}

/* Offline every block of d: 0, or -errno of the first that failed (*bad) */
static int offline_all(const struct dimm *d, int *bad)
{
	for (int id = d->first; id < d->first + d->nblocks; id++) {
		char zone[16];
		int rc;

		block_zone(id, zone, sizeof(zone));
		rc = block_offline_within(id, offline_deadline(zone));
		if (rc) {
			*bad = id;
			return rc;
		}
	}
	return 0;
}

/* data and offline: the buffer is filled, the DIMM offlined, every byte checked */
static void test_data_offline(struct dimm *d, uint64_t salt, long long total0, long long ntotal0)
{
	long psz = sysconf(_SC_PAGESIZE);
	int64_t lo = d->addr / psz, hi = (d->addr + d->size) / psz;
	size_t len = d->size / 2 < BUF_MAX ? d->size / 2 : BUF_MAX;
	size_t in_dimm = 0, left = 0, bad = 0;
	long long t, n;
	uint64_t *buf;
	int rc, id = -1;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		fail(d, "data", "mmap %zu bytes: %s", len, strerror(errno));
		return;
	}
	rc = bind_to_node(buf, len, d->node);
	if (rc) {
		fail(d, "data", "mbind to node %d: %s", d->node, strerror(-rc));
		munmap(buf, len);
		return;
	}
	for (size_t i = 0; i < len / 8; i++)
		buf[i] = pattern(i, salt);
	for (size_t off = 0; off < len; off += psz) {
		int64_t pfn = pagemap_pfn((char *)buf + off);

		in_dimm += pfn >= lo && pfn < hi;
	}
	rc = offline_all(d, &id);
	if ((rc == -EBUSY || rc == -EINTR) && strcmp(d->how, "online_movable")) {
		/* the kernel zone may hold what cannot move: the DIMM stays */
		d->busy = -rc;
		ksft_print_msg("dimm@%#" PRIx64 ": memory%d (kernel zone) cannot be emptied (%s): the DIMM is busy and must stay\n",
			       d->addr, id, strerror(-rc));
		for (int i = d->first; i < d->first + d->nblocks; i++)
			if (!block_state_is(i, "online"))
				block_set_state(i, d->how);
	}
	for (size_t i = 0; i < len / 8; i++)
		bad += buf[i] != pattern(i, salt);
	for (size_t off = 0; !rc && off < len; off += psz) {
		int64_t pfn = pagemap_pfn((char *)buf + off);

		left += pfn >= lo && pfn < hi;
	}
	munmap(buf, len);
	if (bad || (!strcmp(d->how, "online_movable") && !in_dimm) || left) {
		fail(d, "data", "%zu of %zu words differ; %zu pages were in the DIMM (a movable one needs some), %zu still are after offline (offline: %s)",
		     bad, len / 8, in_dimm, left, rc ? strerror(-rc) : "ok");
		return;
	}
	ksft_test_result_pass("dimm@%#" PRIx64 " data: %zu MiB verified, %zu pages of it were in the DIMM\n",
			      d->addr, len >> 20, in_dimm);
	if (d->busy) {
		ksft_test_result_pass("dimm@%#" PRIx64 " offline: refused with %s (kernel zone), blocks back online\n",
				      d->addr, d->busy == EINTR ? "EINTR at the deadline" : "EBUSY");
		return;
	}
	if (rc) {
		fail(d, "offline", "memory%d: %s", id, strerror(-rc));
		d->nblocks = 0;
		return;
	}
	t = meminfo_kb(-1, "MemTotal");
	n = node_total(d->node);
	if (t != total0 || n != ntotal0) {
		fail(d, "offline", "MemTotal %lld kB, node %d %lld kB; want %lld, %lld as before online",
		     t, d->node, n, total0, ntotal0);
		return;
	}
	ksft_test_result_pass("dimm@%#" PRIx64 " offline: MemTotal and node %d back to the kB\n",
			      d->addr, d->node);
}

static void test_eject(struct dimm *d)
{
	struct mem_range r = { d->addr, d->size, d->node };
	struct mhp_pgtables pt;
	char path[PATH_MAX + 16], sta[16] = "", why[300];
	time_t until;
	int rc, present, m;

	if (d->busy) {
		/*
		 * Not asked: the kernel's own offline before an eject may retry
		 * a kernel-zone block for as long as it likes, so neither
		 * "refused" nor "gone" could be waited for. The refused unplug
		 * of a busy DIMM is dimm-cycle --busy's (qemu/acpi-dimm.sh).
		 */
		ksft_test_result_pass("dimm@%#" PRIx64 " eject: not asked, busy DIMM kept online\n",
				      d->addr);
		return;
	}
	snprintf(path, sizeof(path), "%s/eject", d->adev);
	kmsg_note("acpi_dimm: eject %s [%#" PRIx64 "+%#" PRIx64 "]\n", d->adev, d->addr, d->size);
	rc = write_str(path, "1");
	if (rc) {
		fail(d, "eject", "write 1 to %s: %s", path, strerror(-rc));
		return;
	}
	until = time(NULL) + EJECT_S;
	while ((present = blocks_present(d)) && time(NULL) < until)
		usleep(100000);
	if (present) {
		fail(d, "eject", "blocks still %s after %d s", present > 0 ? "all present" : "partly present",
		     EJECT_S);
		return;
	}
	/* _EJ0 reached QEMU: the firmware says the device is gone */
	snprintf(path, sizeof(path), "%s/status", d->adev);
	while (!read_str(path, sta, sizeof(sta)) && atoi(sta) && time(NULL) < until)
		usleep(100000);
	if (!access(path, F_OK) && atoi(sta)) {
		fail(d, "eject", "blocks gone, but _STA still '%s': QEMU kept the DIMM", sta);
		return;
	}
	if (iomem_bytes(d->addr, d->size, NULL) != 0) {
		fail(d, "eject", "/proc/iomem still has %" PRId64 " bytes of the range",
		     iomem_bytes(d->addr, d->size, NULL));
		return;
	}
	m = mapped(d, 0, why, sizeof(why));
	if (m < 0) {
		fail(d, "eject", "%s", why);
		return;
	}
	rc = mhp_pgtables(&r, 1, &pt);
	if (rc && rc != -ENOENT && rc != -EPERM) {
		fail(d, "eject", "page-table walk: %s", strerror(-rc));
		return;
	}
	if (!rc && pt.span_empty) {
		fail(d, "eject", "%ld empty page table(s) left for the range, one covers %#" PRIx64,
		     pt.span_empty, pt.first_empty);
		return;
	}
	ksft_test_result_pass("dimm@%#" PRIx64 " eject: gone from sysfs, iomem, _STA%s%s\n",
			      d->addr, m ? "" : ", page tables", rc ? " (no table walk)" : "");
}

/* The "System RAM (virtio_mem)" ranges of /proc/iomem: count */
static int vmem_ranges(uint64_t *start, uint64_t *end, int max, uint64_t *total)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/iomem", "r");

	*total = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b;

		/* nested in the device's own "virtio-mem (virtioN)" region */
		if (!strstr(line, "System RAM (virtio_mem)") ||
		    sscanf(line, " %llx-%llx", &a, &b) != 2)
			continue;
		if (n < max) {
			start[n] = a;
			end[n] = b + 1;
			n++;
		}
		*total += b + 1 - a;
	}
	fclose(f);
	return n;
}

static void test_vmem(uint64_t size, int node)
{
	uint64_t start[64], end[64], total = 0;
	time_t until = time(NULL) + VMEM_S;
	int n, blocks = 0;

	while ((n = vmem_ranges(start, end, 64, &total)) >= 0 && total < size &&
	       time(NULL) < until)
		usleep(200000);
	if (n < 0 || total != size) {
		ksft_print_msg("virtio-mem asked for %" PRIu64 " MiB at boot: /proc/iomem has %" PRIu64 " MiB of System RAM (virtio_mem) after %d s%s%s\n",
			       size >> 20, total >> 20, VMEM_S, n < 0 ? ": " : "",
			       n < 0 ? strerror(-n) : "");
		kernel_log_since(&health);
		ksft_test_result_fail("virtio-mem plugged at boot, on node %d\n", node);
		return;
	}
	for (int i = 0; i < n; i++) {
		for (uint64_t a = start[i]; a < end[i]; a += env.block_size, blocks++) {
			int id = a / env.block_size;

			if (block_node(id) != node) {
				ksft_print_msg("virtio-mem's memory%d is on node %d, the topology says %d\n",
					       id, block_node(id), node);
				kernel_log_since(&health);
				ksft_test_result_fail("virtio-mem plugged at boot, on node %d\n", node);
				return;
			}
		}
	}
	ksft_test_result_pass("virtio-mem plugged %" PRIu64 " MiB at boot, %d blocks, all on node %d\n",
			      size >> 20, blocks, node);
}

int main(int argc, char **argv)
{
	char val[512], zone_pin[16];
	unsigned long long vmem_mib = 0;
	int vmem_node = 0;
	struct mhp_prng prng;
	long long start_kb;
	uint64_t seed;
	const char *why;
	int order[MAX_DIMMS];

	(void)argc;
	(void)argv;
	ksft_print_header();
	cmdline_value("riscv_mhp.dimms", val, sizeof(val));
	if (parse_dimms(val))
		ksft_exit_fail_msg("riscv_mhp.dimms='%s': want SIZE@NODE@ADDR,... in MiB\n", val);
	cmdline_value("riscv_mhp.vmem", val, sizeof(val));
	if (*val && (sscanf(val, "%llu@%d", &vmem_mib, &vmem_node) != 2 || !vmem_mib))
		ksft_exit_fail_msg("riscv_mhp.vmem='%s': want SIZE@NODE, SIZE in MiB\n", val);
	if (!ndimms && !vmem_mib)
		ksft_exit_skip("no DIMMs to test: this runs in cells whose topology says 'firmware acpi' and has 'dimm' lines (riscv_mhp.dimms=)\n");
	why = mhp_require(MHP_NEED_DESTRUCTIVE | MHP_NEED_MODULE, &env);
	if (why)
		ksft_exit_skip("%s\n", why);
	cmdline_value("riscv_mhp.seed", val, sizeof(val));
	if (!*val || mhp_parse_seed(val, &seed))
		seed = mhp_fresh_seed();
	cmdline_value("riscv_mhp.dimm_zone", zone_pin, sizeof(zone_pin));
	if (*zone_pin && strcmp(zone_pin, "movable") && strcmp(zone_pin, "kernel"))
		ksft_exit_fail_msg("riscv_mhp.dimm_zone='%s': movable or kernel\n", zone_pin);
	ksft_print_msg("seed %#" PRIx64 " (riscv_mhp.seed=%#" PRIx64 " replays it), %d DIMMs\n",
		       seed, seed, ndimms);
	mhp_prng_seed(&prng, seed);
	for (int i = 0; i < ndimms; i++)
		order[i] = i;
	for (int i = ndimms - 1; i > 0; i--) {	/* Fisher-Yates */
		int j = mhp_prng_next(&prng) % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (int i = 0; i < ndimms; i++) {
		int movable = *zone_pin ? !strcmp(zone_pin, "movable") : mhp_prng_next(&prng) & 1;

		dimm[i].how = movable ? "online_movable" : "online_kernel";
	}
	kernel_health_begin(&health);
	start_kb = meminfo_kb(-1, "MemTotal");
	ksft_set_plan(5 * ndimms + 2 + !!vmem_mib);
	if (vmem_mib)
		test_vmem(vmem_mib << 20, vmem_node);
	for (int k = 0; k < ndimms; k++) {
		struct dimm *d = &dimm[order[k]];
		long long total0 = 0, ntotal0 = 0;
		unsigned int first = results();
		int failed = ksft_get_fail_cnt();

		ksft_print_msg("dimm@%#" PRIx64 ": %" PRIu64 " MiB, node %d, %s\n", d->addr,
			       d->size >> 20, d->node, d->how);
		kmsg_note("acpi_dimm: dimm@%#" PRIx64 " node %d %s\n", d->addr, d->node, d->how);
		/* each step only after the ones before it passed */
		test_found(d);
		if (ksft_get_fail_cnt() == failed)
			test_online(d, &total0, &ntotal0);
		if (ksft_get_fail_cnt() == failed)
			test_data_offline(d, mhp_prng_next(&prng), total0, ntotal0);
		if (ksft_get_fail_cnt() == failed)
			test_eject(d);
		while (results() < first + 5)
			ksft_test_result_skip("dimm@%#" PRIx64 ": an earlier step failed\n", d->addr);
		if (d->busy)
			start_kb += d->size / 1024;	/* it stays, online */
	}
	ksft_test_result(meminfo_kb(-1, "MemTotal") == start_kb,
			 "MemTotal back to %lld kB (is %lld)\n", start_kb, meminfo_kb(-1, "MemTotal"));
	ksft_test_result(kernel_health_end(&health) <= 0, "kernel health\n");
	mhp_module_unload();
	ksft_finished();
}
