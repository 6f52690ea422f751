// SPDX-License-Identifier: GPL-2.0
/* config: CONFIG_PROC_PAGE_MONITOR CONFIG_PTDUMP_DEBUGFS CONFIG_PROC_KCORE */
/* One pass of each reader of hotplug state (mhp_readers.h). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "mhp_readers.h"
#include "mhp_util.h"

#define PTDUMP		"/sys/kernel/debug/kernel_page_tables"
#define CHUNK		(64 << 10)
#define ALLOC_BYTES	(4 << 20)

const char *const mhp_reader_name[MHP_NR_READERS] = {
	"ptdump", "kcore", "kpageflags", "sysfs", "alloc",
};

static char buf[CHUNK];

int mhp_reader_find(const char *name, size_t len)
{
	for (int r = 0; r < MHP_NR_READERS; r++)
		if (strlen(mhp_reader_name[r]) == len && !strncmp(name, mhp_reader_name[r], len))
			return r;
	return -1;
}

static void reader_error(struct mhp_reader_stat *s, const char *what, int err)
{
	if (!s->errors++) {
		s->first_errno = err;
		snprintf(s->first_error, sizeof(s->first_error), "%s: %s (errno %d)",
			 what, strerror(err), err);
	}
}

/* Read fd from offset 0 to its end: 0, or -errno. */
static int read_to_end(int fd, uint64_t *bytes)
{
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		*bytes += n;
	return n < 0 ? -errno : 0;
}

static void pass_ptdump(struct mhp_reader_stat *s)
{
	int fd = open(PTDUMP, O_RDONLY), rc;

	if (fd < 0) {
		reader_error(s, "open " PTDUMP, errno);
		return;
	}
	rc = read_to_end(fd, &s->bytes);
	if (rc)
		reader_error(s, "read " PTDUMP, -rc);
	close(fd);
}

/* pread that tells a failure (reported) from a short read (allowed). */
static void sample(struct mhp_reader_stat *s, int fd, uint64_t off, size_t len, const char *what)
{
	ssize_t n = pread(fd, buf, len, off);
	char msg[96];

	if (n < 0) {
		snprintf(msg, sizeof(msg), "%s at offset %#" PRIx64, what, off);
		reader_error(s, msg, errno);
	} else {
		s->bytes += n;
	}
}

/* The PT_LOAD of ph[0..n) other than ph[skip] holding address a (physical
 * if phys, by p_paddr; else virtual, by p_vaddr): its index, or -1. */
static int kcore_segment(const Elf64_Phdr *ph, int n, uint64_t a, int phys, int skip)
{
	for (int i = 0; i < n; i++) {
		uint64_t base = phys ? ph[i].p_paddr : ph[i].p_vaddr;

		if (i != skip && ph[i].p_type == PT_LOAD && (!phys || base != UINT64_MAX) &&
		    a >= base && a - base < ph[i].p_filesz)
			return i;
	}
	return -1;
}

/* Read the banner at kcore offset off (where says which address). */
static void kcore_banner_at(struct mhp_reader_stat *s, int fd, uint64_t off,
			    const char *where, unsigned long long va, const char *want)
{
	size_t len = strlen(want);
	char got[96], msg[160];

	errno = 0;
	if (pread(fd, got, len, off) != (ssize_t)len) {
		snprintf(msg, sizeof(msg), "kcore linux_banner at offset %#" PRIx64, off);
		reader_error(s, msg, errno ? errno : EIO);
	} else if (memcmp(got, want, len)) {
		snprintf(msg, sizeof(msg), "kcore offset %#" PRIx64 " (%s of linux_banner %#llx) reads other bytes than \"%.24s\"",
			 off, where, va, want);
		reader_error(s, msg, EILSEQ);
	}
	s->bytes += len;
}

/*
 * What /proc/kcore serves must be the memory its headers say: the kernel's
 * banner (linux_banner, at its /proc/kallsyms address) starts "Linux version
 * <release> (", read both where a segment maps that address (the kernel
 * text) and at its physical address's place in a RAM segment (the linear
 * map). An offset that maps to the wrong address reads other bytes. A
 * kernel with no segment for one of them (6.1 has no text segment) checks
 * what it has; nothing when /proc/kallsyms hides the address. Counted in s.
 */
static void kcore_banner(struct mhp_reader_stat *s, int fd, const Elf64_Phdr *ph, int n)
{
	static unsigned long long va;
	static int state;	/* 0 not looked up, 1 found, -1 not available */
	static char want[96];
	struct utsname u;
	uint64_t pa;
	int t, r;

	if (!state) {
		state = !kallsyms_addr("linux_banner", &va) && !uname(&u) ? 1 : -1;
		if (state > 0)
			snprintf(want, sizeof(want), "Linux version %s (", u.release);
	}
	if (state < 0)
		return;
	t = kcore_segment(ph, n, va, 0, -1);	/* the symbol's own address */
	if (t < 0)
		return;
	kcore_banner_at(s, fd, ph[t].p_offset + (va - ph[t].p_vaddr), "address", va, want);
	if (ph[t].p_paddr == UINT64_MAX)
		return;
	pa = ph[t].p_paddr + (va - ph[t].p_vaddr);
	r = kcore_segment(ph, n, pa, 1, t);	/* its physical address, linear map */
	if (r >= 0)
		kcore_banner_at(s, fd, ph[r].p_offset + (pa - ph[r].p_paddr), "linear map", va, want);
}

static void pass_kcore(struct mhp_reader_stat *s)
{
	int fd = open("/proc/kcore", O_RDONLY);
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;

	if (fd < 0) {
		reader_error(s, "open /proc/kcore", errno);
		return;
	}
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_phentsize != sizeof(*ph) ||
	    eh.e_phnum > 4096) {
		reader_error(s, "/proc/kcore: no ELF header", EINVAL);
		close(fd);
		return;
	}
	ph = calloc(eh.e_phnum, sizeof(*ph));
	if (!ph || pread(fd, ph, eh.e_phnum * sizeof(*ph), eh.e_phoff) !=
	    (ssize_t)(eh.e_phnum * sizeof(*ph))) {
		reader_error(s, "/proc/kcore: program headers", ph ? EIO : ENOMEM);
		free(ph);
		close(fd);
		return;
	}
	kcore_banner(s, fd, ph, eh.e_phnum);
	for (int i = 0; i < eh.e_phnum; i++) {
		uint64_t len = ph[i].p_filesz, page = 4096;

		if (ph[i].p_type != PT_LOAD || len < page)
			continue;
		sample(s, fd, ph[i].p_offset, page, "kcore segment start");
		sample(s, fd, ph[i].p_offset + (len / 2 & ~(page - 1)), page, "kcore segment middle");
		sample(s, fd, ph[i].p_offset + len - page, page, "kcore segment end");
	}
	free(ph);
	close(fd);
}

static void pass_kpage(struct mhp_reader_stat *s, const struct mem_range *ranges, int n)
{
	long psz = sysconf(_SC_PAGESIZE);

	for (unsigned int f = 0; f < MHP_PFN_FILES; f++) {
		int fd = open(mhp_pfn_files[f], O_RDONLY);

		if (fd < 0) {
			reader_error(s, mhp_pfn_files[f], errno);
			continue;
		}
		for (int b = 0; b < n; b++)
			for (uint64_t off = 0; off < ranges[b].size / psz * 8; off += CHUNK)
				sample(s, fd, ranges[b].start / psz * 8 + off, CHUNK,
				       mhp_pfn_files[f]);
		close(fd);
	}
}

#define SYSFS_TARGET_ROUNDS	16

/*
 * state, valid_zones and phys_device of block id. A block's sysfs file may
 * vanish under the reader: ENOENT, ENODEV.
 */
static void sysfs_read_block(struct mhp_reader_stat *s, int id)
{
	static const char *const attrs[] = { "state", "valid_zones", "phys_device" };
	char what[64], val[256];

	for (unsigned int a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++) {
		int rc = block_attr(id, attrs[a], val, sizeof(val));

		if (!rc) {
			s->bytes += strlen(val);
		} else if (rc != -ENOENT && rc != -ENODEV) {
			snprintf(what, sizeof(what), "memory%d/%s", id, attrs[a]);
			reader_error(s, what, -rc);
		}
	}
}

/*
 * The blocks of ranges[] by name first, SYSFS_TARGET_ROUNDS times over: a
 * block being added is read in the moment it appears, before the kernel
 * has finished setting it up (kernel/bugs/valid-zones-add-race). Then
 * every block the directory lists.
 */
static void pass_sysfs(struct mhp_reader_stat *s, const struct mem_range *ranges, int n)
{
	uint64_t bs = n ? memory_block_size() : 0;
	int *ids, nr;

	for (int round = 0; bs && round < SYSFS_TARGET_ROUNDS; round++)
		for (int b = 0; b < n; b++)
			for (uint64_t a = ranges[b].start; a < ranges[b].start + ranges[b].size; a += bs)
				sysfs_read_block(s, (int)(a / bs));
	nr = memory_block_ids(&ids);
	if (nr < 0) {
		reader_error(s, "opendir " SYSFS_MEMORY, errno);
		return;
	}
	for (int i = 0; i < nr; i++)
		sysfs_read_block(s, ids[i]);
	free(ids);
}

/*
 * Anonymous memory bound to each node of ranges[] (once per node), every
 * page touched, then unmapped: the pages come from the node's hot-added
 * blocks where they are online (ZONE_MOVABLE first), and CONFIG_DEBUG_VM
 * checks each page allocated and freed against a zone whose span the adds
 * and removals change (kernel/bugs/zone-span-resize-race).
 */
static void pass_alloc(struct mhp_reader_stat *s, const struct mem_range *ranges, int n)
{
	long psz = sysconf(_SC_PAGESIZE);

	for (int b = 0; b < n; b++) {
		int seen = 0, rc;
		char *p;

		for (int e = 0; e < b && !seen; e++)
			seen = ranges[e].node == ranges[b].node;
		if (seen || ranges[b].node < 0)
			continue;
		p = mmap(NULL, ALLOC_BYTES, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			reader_error(s, "mmap", errno);
			return;
		}
		/* small pages: each page freed is a lookup of its pageblock */
		madvise(p, ALLOC_BYTES, MADV_NOHUGEPAGE);
		rc = bind_to_node(p, ALLOC_BYTES, ranges[b].node);
		if (rc == -EINVAL && meminfo_kb(ranges[b].node, "MemTotal") <= 0) {
			/* a node with no memory online (yet): nothing to allocate */
		} else if (rc) {
			reader_error(s, "mbind", -rc);
		} else {
			for (long off = 0; off < ALLOC_BYTES; off += psz)
				p[off] = (char)off;
			s->bytes += ALLOC_BYTES;
		}
		munmap(p, ALLOC_BYTES);
	}
}

void mhp_reader_pass(int r, struct mhp_reader_stat *s,
		     const struct mem_range *ranges, int n)
{
	switch (r) {
	case MHP_R_PTDUMP: pass_ptdump(s); break;
	case MHP_R_KCORE: pass_kcore(s); break;
	case MHP_R_KPAGE: pass_kpage(s, ranges, n); break;
	case MHP_R_SYSFS: pass_sysfs(s, ranges, n); break;
	case MHP_R_ALLOC: pass_alloc(s, ranges, n); break;
	}
}

void mhp_reader_unavailable(int r, char *why, size_t sz)
{
	static const char *const file[MHP_NR_READERS] = {
		PTDUMP, "/proc/kcore", "/proc/kpageflags", SYSFS_MEMORY, "/proc/self/numa_maps",
	};
	static const char *const option[MHP_NR_READERS] = {
		"PTDUMP_DEBUGFS", "PROC_KCORE", "PROC_PAGE_MONITOR", "MEMORY_HOTPLUG", "NUMA",
	};

	*why = 0;
	if (access(file[r], R_OK))
		snprintf(why, sz, "%s: %s (CONFIG_%s %s)", file[r], strerror(errno),
			 option[r], kconfig_enabled(option[r]) > 0 ? "set" : "not set");
}

