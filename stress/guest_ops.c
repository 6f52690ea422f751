// SPDX-License-Identifier: GPL-2.0
/*
 * The guest actors' op kinds (agent.h): memory blocks online (with a zone
 * choice) and offline, hidden RAM added and removed through mhp_test.ko,
 * percpu areas, test_hmm cycles, pmem through ndctl/daxctl, and the load
 * actor's stress-ng, numactl and migrate_pages(2). Adding a kind is one row in gops[] and its
 * functions.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "mhp_hmm.h"
#include "mhp_module.h"
#include "mhp_readers.h"
#include "mhp_util.h"
#include "stress.h"

#define MEMHOTPLUG_FLAG	AGENT_RUN "/memhotplug"
/* offline leaves at least this much available: the agent must not OOM */
#define MIN_AVAILABLE_KB (384 * 1024)
#define MAX_LOAD	2	/* concurrent stressors */
#define MAX_BLOCKS	1024
#define MAX_NODES	64

/* --- state helpers ----------------------------------------------------- */

static int block_exists(int id)
{
	char p[96];

	snprintf(p, sizeof(p), SYSFS_MEMORY "/memory%d", id);
	return !access(p, F_OK);
}

/*
 * Who owns addr in /proc/iomem: the top-level resource's name ("" if
 * none), or "System RAM (virtio_mem)" for virtio-mem's memory, which sits
 * one level down (under "virtioN").
 */
static void iomem_owner(uint64_t addr, char *buf, size_t sz)
{
	FILE *f = fopen("/proc/iomem", "r");
	unsigned long long a, b;
	char line[160];
	int n;

	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		int top = line[0] != ' ';

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%llx-%llx : %n", &a, &b, &n) < 2)
			continue;
		if (a > addr || addr > b)
			continue;
		if (top || strstr(line + n, "(virtio_mem)"))
			snprintf(buf, sz, "%s", line + n);
	}
	fclose(f);
}

int blocks_in_state(const char *want, int *out, int max)
{
	int *ids, n, k = 0;

	n = memory_block_ids(&ids);
	for (int i = 0; i < n && k < max; i++)
		if (!want || block_state_is(ids[i], want))
			out[k++] = ids[i];
	if (n > 0)
		free(ids);
	return k;
}

static int memhotplug_active(void)
{
	return !access(MEMHOTPLUG_FLAG, F_OK);
}

/*
 * The lock files stay open, per process (a forked child opens its own: a
 * flock belongs to the open file, which a child would share): opening one
 * costs ten times taking the lock (make bench).
 */
#define MAX_LOCKS	512	/* more: opened and closed each time */
static struct {
	pid_t pid;
	int n;
	struct {
		char name[24];
		int fd;
	} l[MAX_LOCKS];
} locks;

/*
 * An exclusive lock among the guest workers (AGENT_RUN/NAME.lock): its
 * descriptor, for agent_unlock(), or -1 on error.
 */
static int lock_name(const char *name)
{
	char p[96];
	int fd = -1, i;

	if (locks.pid != getpid()) {
		locks.pid = getpid();
		locks.n = 0;	/* inherited: left alone, not ours */
	}
	for (i = 0; i < locks.n && strcmp(locks.l[i].name, name); i++)
		;
	if (i < locks.n) {
		fd = locks.l[i].fd;
	} else {
		snprintf(p, sizeof(p), AGENT_RUN "/%s.lock", name);
		fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0 && locks.n < MAX_LOCKS) {
			snprintf(locks.l[locks.n].name, sizeof(locks.l[0].name), "%s", name);
			locks.l[locks.n++].fd = fd;
		}
	}
	if (fd >= 0 && flock(fd, LOCK_EX)) {
		agent_unlock(fd);
		return -1;
	}
	return fd;
}

void agent_unlock(int fd)
{
	int i;

	if (fd < 0)
		return;
	for (i = 0; i < locks.n && locks.l[i].fd != fd; i++)
		;
	if (i < locks.n && locks.pid == getpid())
		flock(fd, LOCK_UN);
	else
		close(fd);
}

/* Serialise the guest workers on one block (act + inv). */
static int lock_block(int id)
{
	char name[32];

	snprintf(name, sizeof(name), "block.%d", id);
	return lock_name(name);
}

/* Take the block's lock and check it is still in state want. */
static const char *pick_block(struct target *t, int id, const char *want)
{
	t->block = id;
	t->start = (uint64_t)id * memory_block_size();
	t->lock_fd = lock_block(id);
	if (t->lock_fd < 0)
		return "cannot lock block";
	if (!block_state_is(id, want))
		return "raced: block changed state";
	return NULL;
}

#define VIRTIO_ID_MEM	24

/*
 * Whether virtio-mem owns the block: its memory ("System RAM (virtio_mem)")
 * or, once the block is gone, the device's region, which stays ("virtioN",
 * a virtio device of virtio-mem's id). Asked only when an op went wrong, so
 * ops that go right never read /proc/iomem for it.
 */
static int virtio_mem_block(const struct target *t)
{
	char owner[sizeof(t->owner)], p[96], id[16];
	unsigned int n;
	int len = 0;

	iomem_owner(t->start, owner, sizeof(owner));
	if (strstr(owner, "(virtio_mem)"))
		return 1;
	if (sscanf(owner, "virtio%u%n", &n, &len) != 1 || owner[len])
		return 0;
	snprintf(p, sizeof(p), "/sys/bus/virtio/devices/virtio%u/device", n);
	return !read_str(p, id, sizeof(id)) && strtoul(id, NULL, 0) == VIRTIO_ID_MEM;
}

/* Block vanished under us: only virtio-mem may do that to a locked block. */
static const char *vanished(const struct target *t)
{
	if (virtio_mem_block(t) || memhotplug_active())
		return NULL;
	return "block vanished while locked";
}

/* --- online / offline -------------------------------------------------- */

/* a removal that has begun unregisters the block within this time */
#define BLOCK_GONE_MS	10000

/*
 * sysfs answers ENODEV when the block is unregistered while we write its
 * state: expected only if it goes, and only virtio-mem may take a block
 * we hold the lock of. sysfs refuses the write as soon as the removal
 * begins, while the block's directory is still listed: give it
 * BLOCK_GONE_MS to go.
 */
static const char *block_gone_inv(const struct target *t)
{
	static char why[64];
	int ms;

	for (ms = 0; block_exists(t->block); ms += 10) {
		if (ms >= BLOCK_GONE_MS) {
			snprintf(why, sizeof(why), "ENODEV for a block not removed within %d ms",
				 BLOCK_GONE_MS);
			return why;
		}
		usleep(10 * 1000);
	}
	return vanished(t);
}

static const char *const zone_choice[] = {
	"online", "online_movable", "online_kernel"
};

static const char *online_pre(struct target *t, uint64_t r)
{
	int ids[MAX_BLOCKS], n = blocks_in_state("offline", ids, MAX_BLOCKS);

	if (!n)
		return "no offline block";
	/* low 32 bits: the block; high: the zone choice */
	snprintf(t->how, sizeof(t->how), "%s", zone_choice[(r >> 32) % 3]);
	r = (uint32_t)r % n;
	snprintf(t->desc, sizeof(t->desc), "memory%d %s", ids[r], t->how);
	return pick_block(t, ids[r], "offline");
}

static int online_act(struct target *t)
{
	return block_set_state(t->block, t->how);
}

static const char *online_inv(struct target *t, int rc)
{
	char zone[32], state[32];

	/* virtio-mem denies onlining a block it is unplugging (NOTIFY_BAD) */
	if (rc == -EPERM && !virtio_mem_block(t))
		return "EPERM for a block virtio-mem does not own";
	if (rc == -ENODEV)
		return block_gone_inv(t);
	if (rc)
		return NULL;
	/*
	 * Cheapest first: one read says the block is there and online; the
	 * rest only when something is off (stress-ng --memhotplug, when it
	 * runs, changes states behind our back: nothing to judge then).
	 */
	if (block_attr(t->block, "state", state, sizeof(state)))
		return block_exists(t->block) ? "cannot read an onlined block's state" : vanished(t);
	if (strcmp(state, "online"))
		return memhotplug_active() ? NULL : "onlined block is not online";
	if (!strcmp(t->how, "online"))
		return NULL;
	block_zone(t->block, zone, sizeof(zone));
	if (!strcmp(t->how, "online_movable") && strcmp(zone, "Movable"))
		return memhotplug_active() ? NULL : "online_movable block is not in ZONE_MOVABLE";
	if (!strcmp(t->how, "online_kernel") && !is_kernel_zone(zone))
		return memhotplug_active() ? NULL : "online_kernel block is not in a kernel zone";
	return NULL;
}

/*
 * Whether offlining a block leaves MIN_AVAILABLE_KB available. MemAvailable
 * is at least MemFree less the kernel's reserves (watermarks and lowmem
 * reserves, far below a quarter of RAM): when free memory clears the mark
 * by that much, sysinfo(2) answers and /proc/meminfo, which costs an op's
 * whole precondition (make bench), is not read.
 */
static int offline_leaves_enough(void)
{
	long long bkb = memory_block_size() >> 10, avail;
	struct sysinfo si;

	if (!sysinfo(&si)) {
		long long free_kb = (long long)si.freeram * si.mem_unit >> 10;
		long long total_kb = (long long)si.totalram * si.mem_unit >> 10;

		if (free_kb - total_kb / 4 - bkb >= MIN_AVAILABLE_KB)
			return 1;
	}
	avail = meminfo_kb(-1, "MemAvailable");
	return avail < 0 || avail - bkb >= MIN_AVAILABLE_KB;
}

static const char *offline_pre(struct target *t, uint64_t r)
{
	int ids[MAX_BLOCKS], n = blocks_in_state("online", ids, MAX_BLOCKS);
	const char *why;
	char zone[32];

	if (!n)
		return "no online block";
	if (!offline_leaves_enough())
		return "too little memory available to offline a block";
	snprintf(t->desc, sizeof(t->desc), "memory%d", ids[r % n]);
	why = pick_block(t, ids[r % n], "online");
	if (why)
		return why;
	block_zone(t->block, zone, sizeof(zone));
	t->may_retry = is_kernel_zone(zone);
	snprintf(t->desc + strlen(t->desc), sizeof(t->desc) - strlen(t->desc), " %s", zone);
	return NULL;
}

static int offline_act(struct target *t)
{
	return block_set_state(t->block, "offline");
}

static const char *offline_inv(struct target *t, int rc)
{
	char state[32];

	if (rc == -ENODEV)
		return block_gone_inv(t);
	if (rc)
		return NULL;
	/* as online_inv(): one read when all is well */
	if (block_attr(t->block, "state", state, sizeof(state)))
		return block_exists(t->block) ? "cannot read an offlined block's state" : vanished(t);
	if (strcmp(state, "offline") && !memhotplug_active())
		return "offlined block is not offline";
	return NULL;
}

/* --- add / remove through mhp_test.ko ----------------------------------- */

/* Blocks of "System RAM (mhp_test)" in /proc/iomem: their count, the first max in out. */
static int mhp_test_blocks(uint64_t *out, int max)
{
	FILE *f = fopen("/proc/iomem", "r");
	uint64_t bs = memory_block_size();
	unsigned long long a, b;
	char line[160];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (line[0] != ' ' && strstr(line, "(mhp_test)") &&
		    sscanf(line, "%llx-%llx", &a, &b) == 2)
			for (uint64_t s = a; s + bs - 1 <= b; s += bs, n++)
				if (n < max)
					out[n] = s;
	fclose(f);
	return n;
}

static const char *add_pre(struct target *t, uint64_t r)
{
	struct mem_range hr[64];
	uint64_t bs = memory_block_size(), nblocks = 0, pick;
	int n = hidden_ranges(hr, 64, bs);
	char val[16];

	if (access(MHP_TEST_DEBUGFS, F_OK))
		return "mhp_test module not loaded";
	for (int i = 0; i < n; i++)
		nblocks += hr[i].size / bs;
	if (!nblocks && !mhp_test_blocks(NULL, 0))
		return STRESS_SKIP_CELL "no hidden RAM";
	if (!nblocks)
		return "no hidden RAM left to add";
	pick = r % nblocks;
	for (int i = 0; i < n; i++) {
		if (pick < hr[i].size / bs) {
			t->start = hr[i].start + pick * bs;
			t->node = hr[i].node;
			break;
		}
		pick -= hr[i].size / bs;
	}
	t->block = t->start / bs;
	/*
	 * Booted with memory_hotplug.memmap_on_memory (topology memmap): one
	 * add in two asks for the memmap on the block itself (t->a), so
	 * self-hosting blocks meet every other op; memmap_on_memory checks
	 * where the memmap goes.
	 */
	t->a = memmap_on_memory_mode(val, sizeof(val)) && (r >> 40 & 1) ?
	       MHP_ADD_MEMMAP_ON_MEMORY : 0;
	snprintf(t->desc, sizeof(t->desc), "memory%d node%d%s", t->block, t->node,
		 t->a ? " memmap-on-memory" : "");
	t->lock_fd = lock_block(t->block);
	if (t->lock_fd < 0)
		return "cannot lock block";
	if (system_ram_bytes(t->start, bs) != 0)
		return "raced: already added";
	return NULL;
}

static int add_act(struct target *t)
{
	return mhp_add_flags(t->start, memory_block_size(), t->node, t->a);
}

static const char *add_inv(struct target *t, int rc)
{
	if (rc)
		return NULL;
	if (!block_exists(t->block))
		return "added block has no memory block in sysfs";
	if (system_ram_bytes(t->start, memory_block_size()) !=
	    (int64_t)memory_block_size())
		return "added block is not System RAM in /proc/iomem";
	return NULL;
}

static const char *remove_pre(struct target *t, uint64_t r)
{
	uint64_t starts[MAX_BLOCKS];
	int n = mhp_test_blocks(starts, MAX_BLOCKS);

	if (n > MAX_BLOCKS)
		n = MAX_BLOCKS;
	if (!n) {
		struct mem_range hr[64];

		/* none, or no device tree to find it in (-1: an ACPI boot) */
		return hidden_ranges(hr, 64, memory_block_size()) > 0 ? "no block added by mhp_test" :
		       STRESS_SKIP_CELL "no hidden RAM";
	}
	t->start = starts[r % n];
	t->block = t->start / memory_block_size();
	snprintf(t->desc, sizeof(t->desc), "memory%d", t->block);
	t->lock_fd = lock_block(t->block);
	if (t->lock_fd < 0)
		return "cannot lock block";
	iomem_owner(t->start, t->owner, sizeof(t->owner));
	if (!strstr(t->owner, "(mhp_test)"))
		return "raced: already removed";
	return NULL;
}

static int remove_act(struct target *t)
{
	return mhp_remove(t->start, memory_block_size());
}

static const char *remove_inv(struct target *t, int rc)
{
	if (rc)
		return NULL;
	if (block_exists(t->block))
		return "removed block still in sysfs";
	if (system_ram_bytes(t->start, memory_block_size()) != 0)
		return "removed block still System RAM in /proc/iomem";
	return NULL;
}

/* --- percpu, test_hmm -------------------------------------------------- */

static const char *percpu_alloc_pre(struct target *t, uint64_t r)
{
	if (access(MHP_TEST_DEBUGFS, F_OK))
		return "mhp_test module not loaded";
	t->a = 1 + r % 8;
	t->b = 8UL << ((r >> 8) % 12);	/* 8 B .. 16 KiB */
	snprintf(t->desc, sizeof(t->desc), "%lux%lu", t->a, t->b);
	return NULL;
}

static int percpu_alloc_act(struct target *t)
{
	return mhp_percpu(t->a, t->b);
}

static const char *percpu_free_pre(struct target *t, uint64_t r)
{
	(void)r;
	if (access(MHP_TEST_DEBUGFS, F_OK))
		return "mhp_test module not loaded";
	snprintf(t->desc, sizeof(t->desc), "all");
	return NULL;
}

static int percpu_free_act(struct target *t)
{
	(void)t;
	return mhp_percpu(0, 0);
}

static const char *hmm_pre(struct target *t, uint64_t r)
{
	t->lock_fd = lock_name("hmm");	/* one test_hmm user at a time */
	if (t->lock_fd < 0)
		return "cannot lock hmm";
	t->a = 16 + r % 241;	/* pages */
	snprintf(t->desc, sizeof(t->desc), "%lu pages", t->a);
	return hmm_available();
}

static int hmm_act(struct target *t)
{
	const char *err = hmm_cycle(t->a);

	if (!err)
		return 0;
	snprintf(t->desc + strlen(t->desc), sizeof(t->desc) - strlen(t->desc),
		 ": %s", err);
	if (strstr(err, "not every page"))
		return -EAGAIN;	/* busy pages stay put: allowed */
	if (strstr(err, "out of memory"))
		return -ENOMEM;
	return -EIO;
}

/* --- readers of hotplug state, racing the workers (mhp_readers.h) ------ */

static const char *read_pre(struct target *t, uint64_t r)
{
	static char why[128], left_out[256];
	static int read_cmdline;
	char off[96], item[32];

	t->a = r % MHP_NR_READERS;
	snprintf(t->desc, sizeof(t->desc), "%s", mhp_reader_name[t->a]);
	/* a reader the catalog leaves out on this kernel (stress/run passes
	 * its subtests_out as riscv_mhp.leave_out=readers:NAME,...) */
	if (!read_cmdline) {
		cmdline_value("riscv_mhp.leave_out", left_out, sizeof(left_out));
		read_cmdline = 1;
	}
	snprintf(item, sizeof(item), "readers:%s", mhp_reader_name[t->a]);
	if (mhp_listed(left_out, item)) {
		snprintf(why, sizeof(why), STRESS_SKIP_CELL "left out (riscv_mhp.leave_out=%s: a known bug of this kernel)",
			 item);
		return why;
	}
	mhp_reader_unavailable(t->a, off, sizeof(off));
	if (!off[0])
		return NULL;
	snprintf(why, sizeof(why), STRESS_SKIP_CELL "%s", off);
	return why;
}

/*
 * One pass over every RAM range of the firmware (device tree or SRAT),
 * hidden included: what each reader does with them, mhp_readers.h says.
 */
static int read_act(struct target *t)
{
	struct mhp_reader_stat st = { 0 };
	struct mem_range dt[64];
	int n = firmware_memory(dt, 64);

	mhp_reader_pass(t->a, &st, dt, n > 0 ? n : 0);
	snprintf(t->desc + strlen(t->desc), sizeof(t->desc) - strlen(t->desc),
		 " %" PRIu64 " bytes%s%s", st.bytes, st.errors ? ": " : "", st.first_error);
	return st.errors ? -st.first_errno : 0;
}

/* --- pmem: ndctl devdax namespace <-> daxctl system-ram ---------------- */

#define DAX_BUS		"/sys/bus/dax/devices"
#define ND_BUS		"/sys/bus/nd/devices"
#define DAX_MAX_BLOCKS	64

/* 1 if the dax device dev is bound to kmem (system-ram mode). */
static int dax_is_kmem(const char *dev)
{
	char p[128], drv[PATH_MAX];
	ssize_t n;

	snprintf(p, sizeof(p), DAX_BUS "/%s/driver", dev);
	n = readlink(p, drv, sizeof(drv) - 1);
	drv[n > 0 ? n : 0] = '\0';
	return strstr(drv, "/kmem") != NULL;
}

/* The dax device's memory blocks (kmem onlines whole blocks in its range). */
static int dax_blocks(const char *dev, int *out, int max)
{
	uint64_t start, size, bs = memory_block_size();
	char p[2][128];
	int n = 0;

	snprintf(p[0], sizeof(p[0]), DAX_BUS "/%s/resource", dev);
	snprintf(p[1], sizeof(p[1]), DAX_BUS "/%s/size", dev);
	if (read_u64(p[0], 16, &start) || read_u64(p[1], 10, &size))
		return 0;
	for (uint64_t a = (start + bs - 1) / bs * bs; a + bs <= start + size && n < max; a += bs)
		if (block_exists(a / bs))
			out[n++] = a / bs;
	return n;
}

/* A command; on failure -EIO and what it said appended to t->desc. */
static int run_cmd(struct target *t, const char *cmd)
{
	char c[400], line[160] = "";
	size_t len = strlen(t->desc);
	FILE *f;
	int st;

	snprintf(c, sizeof(c), "%s >" AGENT_RUN "/cmd.out 2>&1", cmd);
	st = system(c);
	if (st != -1 && WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	f = fopen(AGENT_RUN "/cmd.out", "r");
	/* the first line that says error, else the last one */
	while (f && fgets(c, sizeof(c), f))
		if (c[strspn(c, " \n")] && !strstr(line, "rror"))
			snprintf(line, sizeof(line), "%.150s", c);
	if (f)
		fclose(f);
	line[strcspn(line, "\n")] = '\0';
	snprintf(t->desc + len, sizeof(t->desc) - len, ": '%.32s...' said '%s'", cmd, line);
	return -EIO;
}

/*
 * One step of the cycle real pmem users go through: the region's raw
 * namespace -> devdax -> daxctl system-ram (onlined movable) -> its blocks
 * offlined (sysfs, errno kept) -> devdax -> raw again. t->a is the
 * direction: 0 up (to system-ram), 1 down; t->owner the namespace, t->how
 * the dax device ("" before there is one).
 */
static const char *dax_pre(struct target *t, uint64_t r)
{
	(void)r;
	if (first_entry(ND_BUS, "namespace", t->owner, sizeof(t->owner)))
		return STRESS_SKIP_CELL "no pmem namespace";
	t->lock_fd = lock_name("dax");	/* one ndctl/daxctl user at a time */
	if (t->lock_fd < 0)
		return "cannot lock dax";
	if (first_entry(DAX_BUS, "dax", t->how, sizeof(t->how)))
		t->how[0] = '\0';
	t->a = t->how[0] && dax_is_kmem(t->how);
	snprintf(t->desc, sizeof(t->desc), "%s %s", t->owner,
		 t->a ? "system-ram->raw" : t->how[0] ? "devdax->system-ram" :
		 "raw->system-ram");
	return NULL;
}

static int dax_act(struct target *t)
{
	int ids[DAX_MAX_BLOCKS], held[DAX_MAX_BLOCKS], n = 0, rc = 0;
	char cmd[160];

	if (!t->a) {
		if (!t->how[0]) {
			snprintf(cmd, sizeof(cmd), "ndctl create-namespace --force --reconfig=%s --mode=devdax",
				 t->owner);
			rc = run_cmd(t, cmd);
			if (!rc && first_entry(DAX_BUS, "dax", t->how, sizeof(t->how)))
				rc = run_cmd(t, "false # devdax namespace without a dax device");
		}
		snprintf(cmd, sizeof(cmd), "daxctl reconfigure-device --mode=system-ram --force %s",
			 t->how);
		if (!rc)
			rc = run_cmd(t, cmd);
	} else {
		/* its blocks locked (ascending; workers hold one at a time), offlined */
		n = dax_blocks(t->how, ids, DAX_MAX_BLOCKS);
		for (int i = 0; i < n; i++)
			held[i] = lock_block(ids[i]);
		for (int i = 0; i < n && !rc; i++)
			if (block_state_is(ids[i], "online"))
				rc = block_set_state(ids[i], "offline");
		snprintf(cmd, sizeof(cmd), "daxctl reconfigure-device --mode=devdax --force %s",
			 t->how);
		if (!rc)
			rc = run_cmd(t, cmd);
		snprintf(cmd, sizeof(cmd), "ndctl create-namespace --force --reconfig=%s --mode=raw",
			 t->owner);
		if (!rc)
			rc = run_cmd(t, cmd);
	}
	/* stress-ng --memhotplug on/offlines blocks behind our back: daxctl may fail */
	if (rc == -EIO && memhotplug_active())
		rc = -EBUSY;
	for (int i = 0; i < n; i++)
		agent_unlock(held[i]);
	return rc;
}

static const char *dax_inv(struct target *t, int rc)
{
	int ids[DAX_MAX_BLOCKS];
	char dev[32];

	if (rc)
		return NULL;
	if (!t->a && !dax_is_kmem(t->how))
		return "dax device not bound to kmem after reconfigure to system-ram";
	if (!t->a && !dax_blocks(t->how, ids, DAX_MAX_BLOCKS))
		return "dax device in system-ram mode has no memory block";
	if (t->a && !first_entry(DAX_BUS, "dax", dev, sizeof(dev)) && dax_is_kmem(dev))
		return "a dax device is still system-ram after reconfigure to raw";
	return NULL;
}

/* --- load: stress-ng pinned with numactl, migrate_pages(2) ------------- */

struct load_proc {
	pid_t pid;
	int node;
	int memhotplug;
	char desc[48];		/* "vm node1 7s" */
};
static struct load_proc load[MAX_LOAD];

/* Where stressor slot i writes what it says. */
static void load_log(int i, char *p, size_t sz)
{
	snprintf(p, sz, AGENT_RUN "/load%d.log", i);
}

/*
 * What stress-ng's exit status st means; NULL when nothing is wrong: 0,
 * 3 (a stressor could not get its resources: memory is being taken away
 * on purpose here), 7 (its metrics untrustworthy: TCG is slow), or the
 * SIGKILL of the OOM killer. 2 is a stressor that failed, --verify's
 * data check included.
 */
static const char *stressor_exit(int st)
{
	static char why[64];

	if (WIFSIGNALED(st)) {
		if (WTERMSIG(st) == SIGKILL)
			return NULL;
		snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(st));
		return why;
	}
	switch (WEXITSTATUS(st)) {
	case 0: case 3: case 7: return NULL;
	case 1: return "exit 1: bad options or a fatal harness error";
	case 2: return "exit 2: a stressor failed (a --verify mismatch among others)";
	case 4: return "exit 4: a stressor is not implemented here";
	case 5: return "exit 5: a stressor was killed by an unexpected signal";
	case 6: return "exit 6: a stressor exited early";
	}
	snprintf(why, sizeof(why), "exit %d", WEXITSTATUS(st));
	return why;
}

/* Stressor slot i ended with status st: judge it, free the slot. */
static void load_ended(int i, int st)
{
	const char *why = stressor_exit(st);
	char p[64], line[256];
	FILE *f;

	if (why) {
		load_log(i, p, sizeof(p));
		f = fopen(p, "r");
		while (f && fgets(line, sizeof(line), f))
			if (line[strspn(line, " \n")])
				agent_note("load: %s: %.*s", load[i].desc,
					   (int)strcspn(line, "\n"), line);
		if (f)
			fclose(f);
		agent_fail("load %s (pid %d): stress-ng %s", load[i].desc,
			   load[i].pid, why);
	}
	if (load[i].memhotplug)
		unlink(MEMHOTPLUG_FLAG);
	load[i].pid = 0;
}

static void load_reap(void)
{
	int st;

	for (int i = 0; i < MAX_LOAD; i++)
		if (load[i].pid && waitpid(load[i].pid, &st, WNOHANG) == load[i].pid)
			load_ended(i, st);
}

/* End of the plan: judge what ended, kill what still runs (not judged). */
void load_stop_all(void)
{
	load_reap();
	for (int i = 0; i < MAX_LOAD; i++) {
		if (!load[i].pid)
			continue;
		kill(-load[i].pid, SIGKILL);
		waitpid(load[i].pid, NULL, 0);
		if (load[i].memhotplug)
			unlink(MEMHOTPLUG_FLAG);
		load[i].pid = 0;
	}
}

static int node_has(int node, const char *what)
{
	char p[96], buf[64];

	snprintf(p, sizeof(p), SYSFS_NODE "/node%d/%s", node, what);
	return !read_str(p, buf, sizeof(buf)) && buf[0];
}

/* Nodes with memory: count, ids in out. */
static int memory_nodes(int *out)
{
	int n = 0;

	for (int i = 0; i < MAX_NODES; i++) {
		long long kb = meminfo_kb(i, "MemTotal");

		if (kb > 0)
			out[n++] = i;
	}
	return n;
}

static const char *stressor_pre(struct target *t, uint64_t r, const char *how)
{
	int nodes[MAX_NODES], nn = memory_nodes(nodes), free_slot = 0;

	load_reap();
	for (int i = 0; i < MAX_LOAD; i++)
		if (load[i].pid)
			free_slot++;
	if (free_slot >= MAX_LOAD)
		return "enough load running";
	if (!nn)
		return "no memory node";
	snprintf(t->how, sizeof(t->how), "%s", how);
	t->node = nodes[r % nn];
	t->a = 5 + (r >> 16) % 11;	/* seconds */
	snprintf(t->desc, sizeof(t->desc), "%s node%d %lus", how, t->node, t->a);
	return NULL;
}

static const char *vm_pre(struct target *t, uint64_t r)
{
	return stressor_pre(t, r, "vm");
}

static const char *mmap_pre(struct target *t, uint64_t r)
{
	return stressor_pre(t, r, "mmap");
}

static const char *numa_pre(struct target *t, uint64_t r)
{
	int nodes[MAX_NODES];

	if (memory_nodes(nodes) < 2)
		return STRESS_SKIP_CELL "one memory node";
	return stressor_pre(t, r, "numa");
}

static const char *memhotplug_pre(struct target *t, uint64_t r)
{
	if (memhotplug_active())
		return "memhotplug stressor already running";
	return stressor_pre(t, r, "memhotplug");
}

static int stressor_act(struct target *t)
{
	char secs[16], node[16], cpus[24], bytes[24], log[64];
	const char *argv[24];
	int n = 0, slot, mh = !strcmp(t->how, "memhotplug");
	pid_t pid;

	for (slot = 0; slot < MAX_LOAD && load[slot].pid; slot++)
		;
	if (slot == MAX_LOAD)
		return -EBUSY;
	snprintf(secs, sizeof(secs), "%lus", t->a);
	snprintf(node, sizeof(node), "--membind=%d", t->node);
	snprintf(cpus, sizeof(cpus), "--cpunodebind=%d", t->node);
	argv[n++] = "numactl";
	argv[n++] = node;
	if (node_has(t->node, "cpulist"))
		argv[n++] = cpus;
	argv[n++] = "stress-ng";	/* its output: load_log() */
	argv[n++] = "--timeout";
	argv[n++] = secs;
	argv[n++] = "--oom-avoid";
	argv[n++] = "--no-oom-adjust";	/* stays killable: see below */
	argv[n++] = "--verify";		/* data checked: stressor_exit() */
	if (!strcmp(t->how, "vm")) {
		argv[n++] = "--vm";
		argv[n++] = "1";
		argv[n++] = "--vm-bytes";
		snprintf(bytes, sizeof(bytes), "%dM", 32 << (t->a % 2));
		argv[n++] = bytes;
	} else if (!strcmp(t->how, "mmap")) {
		argv[n++] = "--mmap";
		argv[n++] = "1";
		argv[n++] = "--mmap-bytes";
		argv[n++] = "32M";
	} else if (!strcmp(t->how, "numa")) {
		argv[n++] = "--numa";
		argv[n++] = "1";
	} else {
		argv[n++] = "--memhotplug";
		argv[n++] = "1";
	}
	argv[n] = NULL;
	if (mh) {
		int fd = open(MEMHOTPLUG_FLAG, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

		if (fd >= 0)
			close(fd);
	}
	load_log(slot, log, sizeof(log));
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		int fd, out;

		/*
		 * The agent is OOM-proof (-1000) and children inherit it; load
		 * must not be, or a node run dry by load leaves the OOM killer
		 * nothing to kill and the kernel panics ("System is deadlocked
		 * on memory"): a harness failure, not the kernel's.
		 */
		if (write_str("/proc/self/oom_score_adj", "0"))
			_exit(126);
		fd = open("/dev/null", O_RDWR);
		out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		setpgid(0, 0);
		if (fd >= 0 && out >= 0) {
			dup2(fd, 0);
			dup2(out, 1);
			dup2(out, 2);
		}
		execvp(argv[0], (char **)argv);
		_exit(127);
	}
	setpgid(pid, pid);
	load[slot] = (struct load_proc){ pid, t->node, mh, "" };
	snprintf(load[slot].desc, sizeof(load[slot].desc), "%.47s", t->desc);
	return 0;
}

static const char *migrate_pre(struct target *t, uint64_t r)
{
	int nodes[MAX_NODES], nn = memory_nodes(nodes), running[MAX_LOAD], k = 0;

	load_reap();
	if (nn < 2)
		return STRESS_SKIP_CELL "one memory node";
	for (int i = 0; i < MAX_LOAD; i++)
		if (load[i].pid)
			running[k++] = i;
	if (!k)
		return "no load to migrate";
	t->a = running[r % k];
	t->pid = load[t->a].pid;
	t->node = load[t->a].node;
	do
		t->b = nodes[(r >> 8) % nn], r = r * 6364136223846793005ULL + 1;
	while ((int)t->b == t->node);
	snprintf(t->desc, sizeof(t->desc), "pid %d node%d->node%lu", t->pid,
		 t->node, t->b);
	return NULL;
}

/* 1 if pid has ended: gone, or a zombie (no mm left to migrate). */
static int proc_gone(pid_t pid)
{
	struct proc_stat st;

	return proc_stat(pid, &st) || st.state == 'Z' || st.state == 'X';
}

struct migration {
	pid_t pgrp;
	unsigned long from, to;
	unsigned int moved, gone;
	long left;
	int err, err_pid;
};

/* One process of the group: migrate it; 0 to go on to the next. */
static int migrate_one(const struct proc_stat *st, void *arg)
{
	struct migration *m = arg;
	long rc;

	if (st->pgrp != m->pgrp)
		return 0;
	rc = syscall(SYS_migrate_pages, st->pid, 8 * sizeof(long) + 1, &m->from, &m->to);
	if (rc >= 0) {
		m->moved++;
		m->left += rc;
	} else if (st->state == 'Z' || proc_gone(st->pid)) {
		m->gone++;	/* ESRCH, or EINVAL for an exiting one without mm */
	} else if (!m->err) {
		m->err = errno;
		m->err_pid = st->pid;
	}
	return 0;
}

/*
 * migrate_pages(2) of every process in the stressor's process group
 * (numactl execs stress-ng, which forks) from its node to node b. A
 * process that ends meanwhile is skipped; -ESRCH when none was left.
 * Pages that stay put (busy) are counted, not an error.
 */
static int migrate_act(struct target *t)
{
	struct migration m = { .pgrp = t->pid, .from = 1UL << t->node, .to = 1UL << t->b };
	struct proc_stat last;
	size_t len = strlen(t->desc);

	proc_find(migrate_one, &m, &last);
	load[t->a].node = t->b;
	if (m.err)
		len += snprintf(t->desc + len, sizeof(t->desc) - len, ": pid %d: %s",
				m.err_pid, strerror(m.err));
	snprintf(t->desc + len, sizeof(t->desc) - len, " (%u moved, %u gone, %ld pages left)",
		 m.moved, m.gone, m.left);
	if (m.err)
		return -m.err;
	return m.moved ? 0 : -ESRCH;
}

static const char *migrate_inv(struct target *t, int rc)
{
	if (rc == -EINVAL && meminfo_kb(t->b, "MemTotal") > 0)
		return "EINVAL though the target node has memory";
	return NULL;
}

/* --- the table ----------------------------------------------------------- */

/* ENODEV: the block went away during the write (see block_gone_inv()) */
/* EINTR is none of these: only the op watchdog interrupts an op, a hang */
static const int ok_online[] = { EINVAL, EBUSY, ENOMEM, EPERM, ENODEV, 0 };
static const int ok_offline[] = { EBUSY, EAGAIN, EINVAL, ENOMEM, ENODEV, 0 };
static const int ok_add[] = { EEXIST, ENOMEM, EBUSY, 0 };
static const int ok_remove[] = { EBUSY, EAGAIN, ENOMEM, 0 };
static const int ok_percpu[] = { ENOMEM, ENOSPC, 0 };
static const int ok_hmm[] = { EAGAIN, ENOMEM, 0 };
/* offlining a dax block: EBUSY/EAGAIN when a worker onlined it to a kernel zone */
static const int ok_dax[] = { EBUSY, EAGAIN, ENOMEM, 0 };
static const int ok_load[] = { EAGAIN, ENOMEM, 0 };
/* ESRCH: the load ended; EINVAL: the target node has no memory (migrate_inv) */
static const int ok_migrate[] = { ESRCH, EINVAL, ENOMEM, 0 };
static const int ok_none[] = { 0 };

const struct gop gops[] = {
	{ "online", online_pre, online_act, ok_online, online_inv },
	{ "offline", offline_pre, offline_act, ok_offline, offline_inv },
	{ "add", add_pre, add_act, ok_add, add_inv },
	{ "remove", remove_pre, remove_act, ok_remove, remove_inv },
	{ "percpu_alloc", percpu_alloc_pre, percpu_alloc_act, ok_percpu, NULL },
	{ "percpu_free", percpu_free_pre, percpu_free_act, ok_none, NULL },
	{ "hmm", hmm_pre, hmm_act, ok_hmm, NULL },
	{ "dax", dax_pre, dax_act, ok_dax, dax_inv },
	{ "read", read_pre, read_act, ok_none, NULL },
	{ "vm", vm_pre, stressor_act, ok_load, NULL },
	{ "mmap", mmap_pre, stressor_act, ok_load, NULL },
	{ "numa", numa_pre, stressor_act, ok_load, NULL },
	{ "memhotplug", memhotplug_pre, stressor_act, ok_load, NULL },
	{ "migrate", migrate_pre, migrate_act, ok_migrate, migrate_inv },
	{ NULL }
};

const struct gop *gop_find(const char *name)
{
	for (const struct gop *g = gops; g->name; g++)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}
