/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the riscv-mhp selftests: the memory-block sysfs model,
 * /proc/zoneinfo and meminfo, the destructive-test opt-in, and the kernel
 * health check (new dmesg complaints, new taint) every test ends with.
 */
#ifndef MHP_UTIL_H
#define MHP_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "mhp_plan.h"

#define SYSFS_MEMORY	"/sys/devices/system/memory"
#define SYSFS_NODE	"/sys/devices/system/node"

/* Our runners put this token on the guest kernel command line. */
#define MHP_OPTIN_TOKEN	"riscv_mhp.destructive=1"
/* ... or a developer sets this variable to 1, knowingly, in a guest. */
#define MHP_OPTIN_ENV	"RISCV_MHP_DESTRUCTIVE"

#define MAX_ZONES	64

/* 0 or -errno. The value is NUL-terminated, trailing newline removed. */
int read_str(const char *path, char *buf, size_t sz);
int read_u64(const char *path, int base, uint64_t *out);
/*
 * The smallest name in dir that starts with prefix ("namespace0.0",
 * "dax0.0"), into out: 0, or -1 if there is none.
 */
int first_entry(const char *dir, const char *prefix, char *out, size_t sz);
/* Write s to a sysfs/procfs file: 0 or -errno. */
int write_str(const char *path, const char *s);

/* Bytes per memory block, 0 if the kernel has no memory-block sysfs. */
uint64_t memory_block_size(void);
/* Sorted IDs of the memory blocks; count, or -1. Caller frees *ids. */
int memory_block_ids(int **ids);
/* A block's sysfs attribute, newline stripped: 0 or -errno (-ENOENT: no such block). */
int block_attr(int id, const char *attr, char *buf, size_t sz);
/* Write "online", "online_movable", "online_kernel" or "offline" to a
 * block's state: 0 or -errno (-EBUSY: unmovable pages, the kernel says no). */
int block_set_state(int id, const char *state);
/*
 * Offlining waits for the pages to migrate, and the kernel retries until
 * the writer gets a signal (Documentation/admin-guide/mm/memory-hotplug.rst:
 * "the offlining context can be terminated by sending a signal"). Every
 * offline and remove of a test has a deadline: past it the write returns
 * -EINTR. A Movable block must go before it (past it: a hang); a block of
 * a kernel zone may hold pages the kernel cannot move, and when the
 * kernel does not refuse those up front (EBUSY) it retries until the
 * deadline: kernel-zone offlines get the shorter one.
 */
#define MHP_MOVABLE_DEADLINE_S	120
#define MHP_KERNEL_DEADLINE_S	20
/* The deadline for offlining a block now in zone (block_zone()). */
unsigned int offline_deadline(const char *zone);
/*
 * Run fn(arg) with SIGALRM due in secs and no SA_RESTART, so a write that
 * blocks past it returns -EINTR; fn's return value.
 */
int within_deadline(unsigned int secs, int (*fn)(void *arg), void *arg);
/* block_set_state(id, "offline") within offline_deadline() of its zone */
int block_offline(int id);
/* ... within secs */
int block_offline_within(int id, unsigned int secs);

/* 1 if the block's state reads back as want. */
int block_state_is(int id, const char *want);
/* The first zone of a block's valid_zones ("" on error). */
void block_zone(int id, char *buf, size_t sz);
/* 1 for the zones online_kernel may choose (DMA, DMA32, Normal). */
int is_kernel_zone(const char *zone);
/* 1 if zone appears in the block's valid_zones. */
int block_zone_valid(int id, const char *zone);

/* Bytes that [a_lo, a_hi) and [b_lo, b_hi) share. */
static inline uint64_t overlap(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi)
{
	uint64_t lo = a_lo > b_lo ? a_lo : b_lo, hi = a_hi < b_hi ? a_hi : b_hi;

	return lo < hi ? hi - lo : 0;
}

/*
 * Bytes of [start, start + len) that /proc/iomem shows as System RAM
 * (the kernel refuses to offline a block with a hole: -EINVAL), or -1 if
 * iomem shows no real addresses (not root).
 */
int64_t system_ram_bytes(uint64_t start, uint64_t len);

/*
 * Bytes of [start, start + len) under top-level /proc/iomem entries whose
 * line contains name (any entry when name is NULL), or -1 as above.
 */
int64_t iomem_bytes(uint64_t start, uint64_t len, const char *name);
/*
 * Those entries themselves, [start, end), the first max of them: their
 * count, or -1 as above (to ask about many ranges with one read).
 */
struct iomem_range {
	uint64_t start, end;
};
int iomem_top(const char *name, struct iomem_range *r, int max);
/* Bytes of [start, start + len) under n such ranges. */
uint64_t iomem_ranges_bytes(const struct iomem_range *r, int n, uint64_t start, uint64_t len);

/* The pfn-indexed interfaces, one u64 per pfn: kpageflags, kpagecount. */
#define MHP_PFN_FILES	2
extern const char *const mhp_pfn_files[MHP_PFN_FILES];

/*
 * The pfn-indexed interfaces (/proc/kpageflags, /proc/kpagecount) must
 * answer for every page of every online block: how many online blocks
 * they miss at the first or last pfn (0: none), the first in why; -1 if
 * they cannot be read. The blocks come from sysfs, not from the kernel's
 * own idea of the last pfn (max_pfn) that those files stop at.
 */
int pfn_interfaces_miss(char *why, size_t sz);

/*
 * What the pages of [start, start + size) are per /proc/kpageflags and
 * /proc/kpagecount, as one line in buf (for a message saying why a block
 * stays): 0, or -errno when the files cannot be opened.
 */
int page_census(uint64_t start, uint64_t size, char *buf, size_t sz);
/* The counts behind it; nopage: pages kpageflags says have no struct page (KPF_NOPAGE). */
struct page_counts {
	long buddy, slab, lru, pgtable, reserved, other, unref, absent, nopage;
};
int page_count(uint64_t start, uint64_t size, struct page_counts *pc);

/* The node a block's nodeN link names; -1 without one, -2 with several. */
int block_node(int id);

struct zone_stat {
	int node;
	char name[16];
	uint64_t start_pfn, spanned, present, managed;	/* pages */
	uint64_t pcp;	/* free pages on the per-CPU lists (not in MemFree) */
};
/* Zones of /proc/zoneinfo; count or -1. */
int zoneinfo_read(struct zone_stat *z, int max);
/* "MemTotal" etc. of /proc/meminfo (node < 0) or a node's meminfo, in kB;
 * -1 if absent. */
long long meminfo_kb(int node, const char *key);

/* 1 when the kernel command line carries MHP_OPTIN_TOKEN: we run in one
 * of our own QEMU guests. */
int mhp_in_test_guest(void);
/* NULL when destructive hotplug is allowed here, else why not (for
 * ksft_exit_skip: kselftest's counters are per file, so helpers never
 * report results themselves). */
const char *mhp_destructive_refusal(void);

/*
 * The first kernel log record (from boot on) containing needle, copied to
 * out: 0, or -1 if none (or /dev/kmsg unreadable).
 */
int kmsg_find(const char *needle, char *out, size_t sz);
/*
 * A line into the kernel log ("riscv_mhp: ..."), next to what the kernel
 * says: it reaches the console even when a panic loses the test's own
 * output still on its way through the kselftest runner's pipe. Only in
 * our guests (the opt-in token); elsewhere nothing.
 */
void kmsg_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Is CONFIG_<sym> set (=y or =m) in the running kernel? From
 * /proc/config.gz (IKCONFIG_PROC): 1 yes, 0 no, -1 unknown.
 */
int kconfig_enabled(const char *sym);
/* mhp_listed(): mhp_plan.h */
/* The MMU mode the kernel runs in, per /proc/cpuinfo ("sv48"; "" if none). */
void cpuinfo_mmu(char *out, size_t sz);
/* The value of a kernel command-line word "key=value" ("" if absent). */
void cmdline_value(const char *key, char *out, size_t sz);
/* 1 if the running kernel is major.minor or later (uname). */
int kernel_at_least(int major, int minor);
/*
 * memory_hotplug.memmap_on_memory as the kernel parses its command line
 * (a bool, or "force" since 6.6), its value into val ("" if not given).
 */
#define MHP_MEMMAP_OFF		0
#define MHP_MEMMAP_ON		1
#define MHP_MEMMAP_FORCE	2
int memmap_on_memory_mode(char *val, size_t sz);

/* Physical frame of a mapped user address (root), or -1. */
int64_t pagemap_pfn(const void *addr);
/* mbind(MPOL_BIND) [addr, addr + len) to one node: 0 or -errno. */
int bind_to_node(void *addr, size_t len, int node);
/* The node a user page lives on (move_pages query), or -errno. */
int page_node(void *addr);

/* The first fields of /proc/PID/stat. */
struct proc_stat {
	int pid;
	char comm[32];
	char state;		/* R, S, D, Z, ... */
	int ppid, pgrp;
};
/* Process pid's: 0, or -1 when it is gone. */
int proc_stat(int pid, struct proc_stat *st);
/* The first process (by /proc order) for which fn says 1: 1 and it in st; 0 if none. */
int proc_find(int (*fn)(const struct proc_stat *st, void *arg), void *arg,
	      struct proc_stat *st);
/*
 * Where a task sleeps in the kernel, for a hang report: "wchan W; stack
 * a <- b <- c" (up to 12 frames) of the task whose /proc directory is dir
 * (/proc/PID, /proc/self/task/TID).
 */
void proc_where(const char *dir, char *out, size_t sz);

/* Health of the kernel across a test program. */
struct kernel_health {
	int kmsg_fd;		/* -1 when /dev/kmsg cannot be read */
	int log_fd;		/* the same, for kernel_log_since() */
	unsigned long taint;
};
void kernel_health_begin(struct kernel_health *h);
/*
 * New BUG/WARN/Oops/KASAN/stall lines in dmesg (each printed as a "#"
 * line) plus 1 for new taint since kernel_health_begin(); -1 when
 * /dev/kmsg is unreadable and the taint is unchanged.
 */
int kernel_health_end(struct kernel_health *h);
/* The same for what happened since the last poll; keeps watching. */
int kernel_health_poll(struct kernel_health *h);
/*
 * For a failure message, the kernel's side of it: every kernel log record
 * since kernel_health_begin() (or since the last call), one "#   kmsg:"
 * line each.
 */
void kernel_log_since(struct kernel_health *h);

#endif
