// SPDX-License-Identifier: GPL-2.0
/* config: CONFIG_MODULES CONFIG_MODULE_UNLOAD CONFIG_DEBUG_FS */
/* config: CONFIG_KALLSYMS CONFIG_KALLSYMS_ALL CONFIG_PTDUMP_DEBUGFS */
/* Hidden RAM, the mhp_test module and ptdump (see mhp_module.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mhp_module.h"
#include "mhp_util.h"

#define DT_ROOT "/proc/device-tree"

static uint64_t be_cells(const unsigned char *p, int cells)
{
	uint64_t v = 0;

	for (int i = 0; i < cells * 4; i++)
		v = (v << 8) | p[i];
	return v;
}

static int dt_cells(const char *name, int dflt)
{
	unsigned char b[4];
	int fd = open(name, O_RDONLY), n;

	if (fd < 0)
		return dflt;
	n = read(fd, b, 4);
	close(fd);
	return n == 4 ? (int)be_cells(b, 1) : dflt;
}

/*
 * Append the hidden blocks of one device-tree memory range: those that no
 * top-level iomem entry touches. Not only System RAM: firmware and the
 * boot loader leave memblock reservations in RAM that mem= hid (QEMU puts
 * the device tree at the top of RAM), and adding a block over one of them
 * fails with EEXIST.
 */
static int add_hidden(struct mem_range *r, int n, int max, uint64_t start,
		      uint64_t size, int node, uint64_t bs,
		      const struct iomem_range *top, int ntop)
{
	uint64_t a = (start + bs - 1) / bs * bs, end = start + size;

	for (; a + bs <= end && n < max; a += bs) {
		if (iomem_ranges_bytes(top, ntop, a, bs))
			continue;
		if (n && r[n - 1].node == node && r[n - 1].start + r[n - 1].size == a)
			r[n - 1].size += bs;	/* contiguous: grow */
		else
			r[n++] = (struct mem_range){ a, bs, node };
	}
	return n;
}

int dt_memory(struct mem_range *r, int max)
{
	int ac = dt_cells(DT_ROOT "/#address-cells", 2);
	int sc = dt_cells(DT_ROOT "/#size-cells", 1);
	DIR *d = opendir(DT_ROOT);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		unsigned char reg[256];
		char path[PATH_MAX];
		int fd, len, node;

		if (strncmp(e->d_name, "memory@", 7))
			continue;
		snprintf(path, sizeof(path), DT_ROOT "/%s/numa-node-id", e->d_name);
		node = dt_cells(path, 0);
		snprintf(path, sizeof(path), DT_ROOT "/%s/reg", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		len = read(fd, reg, sizeof(reg));
		close(fd);
		for (int off = 0; off + (ac + sc) * 4 <= len && n < max; off += (ac + sc) * 4)
			r[n++] = (struct mem_range){ be_cells(reg + off, ac),
						     be_cells(reg + off + ac * 4, sc), node };
	}
	closedir(d);
	return n;
}

static uint64_t le_u(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	while (bytes--)
		v = v << 8 | p[bytes];
	return v;
}

int srat_memory(struct mem_range *r, int max)
{
	unsigned char t[16384];
	int fd = open(SRAT_TABLE, O_RDONLY), n = 0;
	ssize_t len;

	if (fd < 0)
		return -1;
	len = read(fd, t, sizeof(t));
	close(fd);
	if (len < 48 || memcmp(t, "SRAT", 4))
		return -1;
	/* 36-byte table header, 12 reserved bytes, then typed entries */
	for (ssize_t off = 48; off + 2 <= len && t[off + 1] >= 2; off += t[off + 1]) {
		const unsigned char *e = t + off;
		uint32_t flags;

		if (e[0] != 1 || e[1] < 40 || off + 40 > len || n == max)
			continue;	/* not a memory affinity structure */
		flags = le_u(e + 28, 4);
		if (!(flags & 1) || (flags & 2))	/* disabled; hot-pluggable */
			continue;
		r[n++] = (struct mem_range){ le_u(e + 8, 8), le_u(e + 16, 8),
					     (int)le_u(e + 2, 4) };
	}
	return n;
}

/* Without device-tree memory (an EFI boot): the SRAT's, else efi_ram()'s
 * on node 0 (ACPI without NUMA: QEMU builds no SRAT) */
static int acpi_memory(struct mem_range *r, int max)
{
	int n = srat_memory(r, max);

	if (n <= 0) {
		n = efi_ram(r, max);
		for (int i = 0; i < n; i++)
			r[i].node = 0;
	}
	return n > 0 ? n : -1;
}

int firmware_memory(struct mem_range *r, int max)
{
	int n = dt_memory(r, max);

	return n > 0 ? n : acpi_memory(r, max);
}

int efi_ram(struct mem_range *r, int max)
{
	FILE *f = fopen(MHP_TEST_DEBUGFS "/efi_ram", "r");
	unsigned long long s, z;
	int n = 0;

	if (!f)
		return -1;
	while (n < max && fscanf(f, "%llx %llx", &s, &z) == 2)
		r[n++] = (struct mem_range){ s, z, -1 };
	fclose(f);
	return n;
}

int hidden_ranges(struct mem_range *r, int max, uint64_t bs)
{
	struct mem_range fw[64], efi[256];
	int n = 0, nd = dt_memory(fw, 64), ne = -1, ntop;
	/* the top-level iomem entries, read once for every block (once per
	 * block cost an add's whole precondition: make bench) */
	struct iomem_range top[1024];

	/* under ACPI (an EFI boot's device tree has no memory): only what
	 * the EFI memory map calls usable RAM, not the firmware's runtime
	 * code and data or ACPI tables, which sit in the SRAT's RAM too (at
	 * its top, under mem= not the kernel's) */
	if (nd <= 0) {
		nd = srat_memory(fw, 64);
		if (nd > 0)
			ne = efi_ram(efi, 256);
		else	/* no SRAT: acpi_memory's ranges are efi_ram's */
			nd = acpi_memory(fw, 64);
	}
	ntop = iomem_top(NULL, top, 1024);
	if (nd < 0 || ntop < 0)
		return -1;
	for (int i = 0; i < nd; i++) {
		if (ne < 0) {
			n = add_hidden(r, n, max, fw[i].start, fw[i].size, fw[i].node, bs, top, ntop);
			continue;
		}
		for (int j = 0; j < ne; j++) {
			uint64_t s = fw[i].start > efi[j].start ? fw[i].start : efi[j].start;
			uint64_t e1 = fw[i].start + fw[i].size, e2 = efi[j].start + efi[j].size;
			uint64_t e = e1 < e2 ? e1 : e2;

			if (s < e)
				n = add_hidden(r, n, max, s, e - s, fw[i].node, bs, top, ntop);
		}
	}
	return n;
}

const char *mhp_module_load(void)
{
	static char why[PATH_MAX + 96];
	char exe[PATH_MAX], ko[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int fd;

	if (!access(MHP_TEST_DEBUGFS, F_OK))
		return NULL;
	if (n > 0) {
		const char *dir;

		exe[n] = '\0';
		dir = dirname(exe);
		/* next to the program (make module), or where kselftest's
		 * install puts a TEST_GEN_MODS_DIR module */
		snprintf(ko, sizeof(ko), "%s/mhp_test.ko", dir);
		fd = open(ko, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(ko, sizeof(ko), "%s/mhp_test_mod/mhp_test.ko", dir);
			fd = open(ko, O_RDONLY | O_CLOEXEC);
		}
		if (fd >= 0) {
			long rc = syscall(__NR_finit_module, fd, "", 0);
			int e = errno;

			close(fd);
			if (rc && e != EEXIST) {
				snprintf(why, sizeof(why), "%s would not load: %s (errno %d; see dmesg)",
					 ko, strerror(e), e);
				return why;
			}
		}
	}
	if (access(MHP_TEST_DEBUGFS, F_OK) && system("modprobe -q mhp_test 2>/dev/null") != 0)
		return "mhp_test module not found: kselftest builds it given KDIR=<kernel build dir> (or 'make module KDIR=...')";
	if (access(MHP_TEST_DEBUGFS, F_OK))
		return MHP_TEST_DEBUGFS " missing (debugfs not mounted?)";
	return NULL;
}

void mhp_module_unload(void)
{
	syscall(__NR_delete_module, "mhp_test", O_NONBLOCK);
}

static int request(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int request(const char *file, const char *fmt, ...)
{
	char path[128], buf[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), MHP_TEST_DEBUGFS "/%s", file);
	return write_str(path, buf);
}

int mhp_add(uint64_t start, uint64_t size, int node)
{
	return mhp_add_flags(start, size, node, 0);
}

int mhp_add_flags(uint64_t start, uint64_t size, int node, unsigned int flags)
{
	return request("add", "0x%llx 0x%llx %d %u", (unsigned long long)start,
		       (unsigned long long)size, node, flags);
}

struct remove_req {
	uint64_t start, size;
};

static int remove_fn(void *arg)
{
	const struct remove_req *r = arg;

	return request("remove", "0x%llx 0x%llx", (unsigned long long)r->start,
		       (unsigned long long)r->size);
}

int mhp_remove(uint64_t start, uint64_t size)
{
	struct remove_req r = { start, size };
	uint64_t bs = memory_block_size();
	unsigned int secs = MHP_MOVABLE_DEADLINE_S;

	/* the removal offlines what is online first: the deadline of its zone */
	for (uint64_t a = start; bs && a < start + size; a += bs) {
		char zone[16];

		if (!block_state_is(a / bs, "online"))
			continue;
		block_zone(a / bs, zone, sizeof(zone));
		if (offline_deadline(zone) < secs)
			secs = offline_deadline(zone);
	}
	return within_deadline(secs, remove_fn, &r);
}

int mhp_percpu(unsigned long count, unsigned long size)
{
	return request("percpu", "%lu %lu", count, size);
}

int mhp_mappable(uint64_t *start, uint64_t *end)
{
	char buf[96];
	unsigned long long a, b;
	int rc = read_str(MHP_TEST_DEBUGFS "/mappable", buf, sizeof(buf));

	if (rc)
		return rc;
	if (sscanf(buf, "%llx %llx", &a, &b) != 2)
		return -EINVAL;
	*start = a;
	*end = b;
	return 0;
}

int mhp_addr(uint64_t phys, uint64_t *va, uint64_t *vmemmap)
{
	return mhp_addr_pa(phys, va, vmemmap, NULL);
}

int mhp_addr_pa(uint64_t phys, uint64_t *va, uint64_t *vmemmap, uint64_t *vmemmap_pa)
{
	char buf[128], *p;
	unsigned long long a, b, c;
	int rc = request("addr", "0x%llx", (unsigned long long)phys);

	if (!rc)
		rc = read_str(MHP_TEST_DEBUGFS "/addr", buf, sizeof(buf));
	if (rc)
		return rc;
	if (sscanf(buf, "va=%llx vmemmap=%llx", &a, &b) != 2)
		return -EINVAL;
	*va = a;
	*vmemmap = b;
	if (!vmemmap_pa)
		return 0;
	p = strstr(buf, " vmemmap_pa=");
	if (!p)
		return -EINVAL;
	if (!strcmp(p, " vmemmap_pa=none"))
		return -ENOENT;
	if (sscanf(p, " vmemmap_pa=%llx", &c) != 1)
		return -EINVAL;
	*vmemmap_pa = c;
	return 0;
}

int mhp_slab(int node, uint64_t start, uint64_t size, long *objects,
	     long *pages, long *unreferenced)
{
	char buf[96];
	int rc = request("slab", "%d 0x%llx 0x%llx", node,
			 (unsigned long long)start, (unsigned long long)size);

	if (!rc)
		rc = read_str(MHP_TEST_DEBUGFS "/slab", buf, sizeof(buf));
	if (!rc && sscanf(buf, "objects=%ld pages=%ld unreferenced=%ld", objects, pages,
			  unreferenced) != 3)
		rc = -EINVAL;
	return rc;
}

int mhp_slab_free(void)
{
	return request("slab", "0 0 0");
}

int kallsyms_addr(const char *sym, unsigned long long *va)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[256], name[128], type;
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (rc == -ENOENT && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %127s", va, &type, name) == 3 &&
		    !strcmp(name, sym))
			rc = *va ? 0 : -EPERM;
	fclose(f);
	return rc;
}

int mhp_pgtables(const struct mem_range *r, int n, struct mhp_pgtables *pt)
{
	unsigned long long pgd, first;
	char buf[160];
	int rc = kallsyms_addr("swapper_pg_dir", &pgd);

	if (!rc)
		rc = request("pgtables", "0 0 0");
	for (int i = 0; !rc && i < n; i++)
		rc = request("pgtables", "0x%llx 0x%llx 0x%llx", pgd,
			     (unsigned long long)r[i].start,
			     (unsigned long long)r[i].size);
	if (!rc)
		rc = read_str(MHP_TEST_DEBUGFS "/pgtables", buf, sizeof(buf));
	if (rc)
		return rc;
	if (sscanf(buf, "levels=%d tables=%ld span_tables=%ld span_empty=%ld first_empty=%llx",
		   &pt->levels, &pt->tables, &pt->span_tables, &pt->span_empty,
		   &first) != 5)
		return -EINVAL;
	pt->first_empty = first;
	return 0;
}

int64_t ptdump_mapped_bytes(uint64_t va, uint64_t len)
{
	FILE *f = fopen("/sys/kernel/debug/kernel_page_tables", "r");
	unsigned long long a, b;
	uint64_t end = va + len, sum = 0;
	char line[256];

	if (!f)
		return -1;
	/* "0xff60000000000000-0xff60000000200000    0x...  2M PMD  D A G ..." */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "0x%llx-0x%llx", &a, &b) == 2)
			sum += overlap(a, b, va, end);
	fclose(f);
	return sum;
}

static int possible_nodes(int *nodes, int max)
{
	char buf[64];
	int a, b, n = 0;

	if (read_str(SYSFS_NODE "/possible", buf, sizeof(buf)))
		return 0;
	for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
		if (sscanf(t, "%d-%d", &a, &b) != 2)
			b = a = atoi(t);
		for (int i = a; i <= b && n < max; i++)
			nodes[n++] = i;
	}
	return n;
}

const char *mhp_require(unsigned int needs, struct mhp_env *env)
{
	const char *why;

	memset(env, 0, sizeof(*env));
	if (needs & MHP_NEED_DESTRUCTIVE) {
		why = mhp_destructive_refusal();
		if (why)
			return why;
	}
	env->block_size = memory_block_size();
	if (!env->block_size)
		return "no memory-block sysfs: kernel without memory hotplug";
	env->nr_nodes = possible_nodes(env->nodes, 64);
	read_str(SYSFS_MEMORY "/auto_online_blocks", env->auto_online,
		 sizeof(env->auto_online));
	if (needs & (MHP_NEED_MODULE | MHP_NEED_HIDDEN)) {
		why = mhp_module_load();
		if (why)
			return why;
	}
	if (needs & MHP_NEED_HIDDEN) {
		env->nr_hidden = hidden_ranges(env->hidden, MHP_MAX_HIDDEN,
					       env->block_size);
		if (env->nr_hidden <= 0)
			return "no hidden RAM to add (boot with mem= below the machine's RAM)";
	}
	return NULL;
}

int mhp_add_online(const struct mhp_env *env, const struct mem_range *r,
		   int node, const char *how, const char **step)
{
	int first = r->start / env->block_size, n = r->size / env->block_size;
	int rc = mhp_add(r->start, r->size, node);

	*step = "add";
	for (int id = first; !rc && id < first + n; id++) {
		*step = how;
		if (block_state_is(id, "online"))	/* auto-onlined */
			block_set_state(id, "offline");
		rc = block_set_state(id, how);
	}
	return rc;
}

int mhp_ram_base(uint64_t *base)
{
	struct mem_range r[64];
	int n = firmware_memory(r, 64);
	unsigned long long a, b;
	char line[256];
	FILE *f;

	*base = UINT64_MAX;
	for (int i = 0; i < n; i++)
		if (r[i].start < *base)
			*base = r[i].start;
	f = n > 0 ? NULL : fopen("/proc/iomem", "r");
	while (f && fgets(line, sizeof(line), f))
		if (line[0] != ' ' && sscanf(line, "%llx-%llx", &a, &b) == 2 &&
		    strstr(line, ": System RAM") && a < *base)
			*base = a;
	if (f)
		fclose(f);
	if (*base == UINT64_MAX || (n <= 0 && !*base))
		return -1;
	*base &= ~(MHP_RAM_BASE_ALIGN - 1);
	return 0;
}
