// SPDX-License-Identifier: GPL-2.0
/* config: CONFIG_MEMORY_HOTPLUG CONFIG_NUMA CONFIG_PROC_PAGE_MONITOR */
/* config: CONFIG_IKCONFIG CONFIG_IKCONFIG_PROC CONFIG_DEBUG_VM */
/* Helpers shared by the riscv-mhp selftests (see mhp_util.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <signal.h>
#include <fcntl.h>
#include <linux/kernel-page-flags.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kselftest.h"
#include "mhp_complaints.h"
#include "mhp_util.h"

/*
 * Into a pipe (the kselftest runner, a serial console) stdout is fully
 * buffered: a kernel panic would swallow every line since the last flush,
 * the op log that replays it included. Line-buffer it before main().
 */
__attribute__((constructor)) static void stdout_line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

int read_str(const char *path, char *buf, size_t sz)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sz - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

int read_u64(const char *path, int base, uint64_t *out)
{
	char buf[64], *end;
	int rc = read_str(path, buf, sizeof(buf));

	if (rc)
		return rc;
	errno = 0;
	*out = strtoull(buf, &end, base);
	return (errno || end == buf || *end) ? -EINVAL : 0;
}

uint64_t memory_block_size(void)
{
	static uint64_t v;	/* fixed at boot */

	if (!v && read_u64(SYSFS_MEMORY "/block_size_bytes", 16, &v))
		v = 0;
	return v;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * Every step of a test and every stress op lists the memory blocks and
 * reads their state: in a TCG guest an open(2) of a sysfs path costs ten
 * times a read of an open one (make bench: ~15 us against ~1.5 us). So
 * the directory and each block's state and valid_zones stay open, per
 * process (a forked child drops what it inherited and opens its own), and
 * are read again from offset 0, which makes sysfs show them afresh. A
 * removed block's attributes fail with ENODEV: reopened once, they give
 * the new block's, or ENOENT as a fresh open would.
 */
#define BATTR_MAX_ID	(1 << 20)	/* ids past this: opened each time */
#define BATTR_MAX_FDS	256
static const char *const battr_names[] = { "state", "valid_zones" };
#define BATTR_N	(int)(sizeof(battr_names) / sizeof(battr_names[0]))
static struct {
	pid_t pid;
	DIR *dir;		/* SYSFS_MEMORY */
	int ids, fds;		/* ids covered; descriptors open */
	int (*fd)[BATTR_N];	/* descriptor + 1; 0: not open */
} bcache;

static void bcache_own(void)
{
	pid_t pid = getpid();

	if (bcache.pid == pid)
		return;
	for (int i = 0; i < bcache.ids; i++)
		for (int a = 0; a < BATTR_N; a++)
			if (bcache.fd[i][a])
				close(bcache.fd[i][a] - 1);
	if (bcache.dir)
		closedir(bcache.dir);
	free(bcache.fd);
	memset(&bcache, 0, sizeof(bcache));
	bcache.pid = pid;
}

/* The attribute's cached descriptor slot, or NULL: read it the plain way. */
static int *bcache_slot(int id, const char *attr)
{
	int a;

	for (a = 0; a < BATTR_N && strcmp(attr, battr_names[a]); a++)
		;
	if (a == BATTR_N || id < 0 || id >= BATTR_MAX_ID)
		return NULL;
	bcache_own();
	if (id >= bcache.ids) {
		int n = id + 1 > 2 * bcache.ids ? id + 1 : 2 * bcache.ids;
		void *p = realloc(bcache.fd, n * sizeof(*bcache.fd));

		if (!p)
			return NULL;
		bcache.fd = p;
		memset(bcache.fd + bcache.ids, 0, (n - bcache.ids) * sizeof(*bcache.fd));
		bcache.ids = n;
	}
	return &bcache.fd[id][a];
}

int memory_block_ids(int **ids)
{
	DIR *d;
	struct dirent *e;
	int n = 0, cap = 0, id;

	*ids = NULL;
	bcache_own();
	if (bcache.dir)
		rewinddir(bcache.dir);
	else
		bcache.dir = opendir(SYSFS_MEMORY);
	d = bcache.dir;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char *end;

		/* "memory%d" and nothing else (not "memory_tiering") */
		if (strncmp(e->d_name, "memory", 6) || !isdigit((unsigned char)e->d_name[6]))
			continue;
		id = strtol(e->d_name + 6, &end, 10);
		if (*end)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			*ids = realloc(*ids, cap * sizeof(int));
			if (!*ids)
				ksft_exit_fail_msg("out of memory\n");
		}
		(*ids)[n++] = id;
	}
	qsort(*ids, n, sizeof(int), cmp_int);
	return n;
}

int block_attr(int id, const char *attr, char *buf, size_t sz)
{
	int *slot = bcache_slot(id, attr), rc = -ENOENT;
	char path[128];
	ssize_t n;

	if (!slot || (!*slot && bcache.fds >= BATTR_MAX_FDS)) {
		snprintf(path, sizeof(path), SYSFS_MEMORY "/memory%d/%s", id, attr);
		return read_str(path, buf, sz);
	}
	for (int tries = 0; tries < 2; tries++) {
		if (!*slot) {
			int fd;

			snprintf(path, sizeof(path), SYSFS_MEMORY "/memory%d/%s", id, attr);
			fd = open(path, O_RDONLY | O_CLOEXEC);

			if (fd < 0)
				return -errno;
			*slot = fd + 1;
			bcache.fds++;
		}
		n = pread(*slot - 1, buf, sz - 1, 0);
		if (n >= 0) {
			buf[n] = '\0';
			while (n > 0 && buf[n - 1] == '\n')
				buf[--n] = '\0';
			return 0;
		}
		rc = -errno;
		close(*slot - 1);	/* the block went: its successor's, or ENOENT */
		*slot = 0;
		bcache.fds--;
	}
	return rc;
}

int first_entry(const char *dir, const char *prefix, char *out, size_t sz)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = -1;

	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix)) &&
		    (rc || strcmp(e->d_name, out) < 0)) {
			snprintf(out, sz, "%.*s", (int)sz - 1, e->d_name);
			rc = 0;
		}
	if (d)
		closedir(d);
	return rc;
}

int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int block_set_state(int id, const char *state)
{
	char path[128];

	snprintf(path, sizeof(path), SYSFS_MEMORY "/memory%d/state", id);
	return write_str(path, state);
}

static void on_deadline(int sig)
{
	(void)sig;	/* interrupts the blocked write: EINTR */
}

int within_deadline(unsigned int secs, int (*fn)(void *arg), void *arg)
{
	struct sigaction sa = { .sa_handler = on_deadline }, old;
	int rc;

	sigaction(SIGALRM, &sa, &old);
	alarm(secs);
	rc = fn(arg);
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	return rc;
}

unsigned int offline_deadline(const char *zone)
{
	return is_kernel_zone(zone) ? MHP_KERNEL_DEADLINE_S : MHP_MOVABLE_DEADLINE_S;
}

static int offline_fn(void *arg)
{
	return block_set_state(*(int *)arg, "offline");
}

int block_offline_within(int id, unsigned int secs)
{
	return within_deadline(secs, offline_fn, &id);
}

int block_offline(int id)
{
	char zone[16];

	block_zone(id, zone, sizeof(zone));
	return block_offline_within(id, offline_deadline(zone));
}

int block_state_is(int id, const char *want)
{
	char state[32];

	return !block_attr(id, "state", state, sizeof(state)) &&
	       !strcmp(state, want);
}

void block_zone(int id, char *buf, size_t sz)
{
	if (block_attr(id, "valid_zones", buf, sz))
		buf[0] = '\0';
	buf[strcspn(buf, " ")] = '\0';
}

int is_kernel_zone(const char *zone)
{
	return !strcmp(zone, "DMA") || !strcmp(zone, "DMA32") || !strcmp(zone, "Normal");
}

int block_zone_valid(int id, const char *zone)
{
	char zones[128];

	if (block_attr(id, "valid_zones", zones, sizeof(zones)))
		return 0;
	for (char *z = strtok(zones, " "); z; z = strtok(NULL, " "))
		if (!strcmp(z, zone))
			return 1;
	return 0;
}

int iomem_top(const char *name, struct iomem_range *r, int max)
{
	FILE *f = fopen("/proc/iomem", "r");
	unsigned long long a, b;
	char line[256];
	int seen = 0, n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* top-level entries only: children repeat their parents */
		if (line[0] == ' ' || sscanf(line, "%llx-%llx", &a, &b) != 2)
			continue;
		seen |= b != 0;
		if ((!name || strstr(line, name)) && n < max)
			r[n++] = (struct iomem_range){ a, b + 1 };	/* iomem ends are inclusive */
	}
	fclose(f);
	return seen ? n : -1;
}

uint64_t iomem_ranges_bytes(const struct iomem_range *r, int n, uint64_t start, uint64_t len)
{
	uint64_t sum = 0;

	for (int i = 0; i < n; i++)
		sum += overlap(r[i].start, r[i].end, start, start + len);
	return sum;
}

int64_t iomem_bytes(uint64_t start, uint64_t len, const char *name)
{
	struct iomem_range r[1024];
	int n = iomem_top(name, r, 1024);

	return n < 0 ? -1 : (int64_t)iomem_ranges_bytes(r, n, start, len);
}

int64_t system_ram_bytes(uint64_t start, uint64_t len)
{
	return iomem_bytes(start, len, ": System RAM");
}

int block_node(int id)
{
	char path[128];
	struct dirent *e;
	int node = -1, n;
	char tail;
	DIR *d;

	snprintf(path, sizeof(path), SYSFS_MEMORY "/memory%d", id);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (sscanf(e->d_name, "node%d%c", &n, &tail) != 1)
			continue;
		node = node == -1 ? n : -2;
	}
	closedir(d);
	return node;
}

int zoneinfo_read(struct zone_stat *z, int max)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	char line[256], name[16];
	unsigned long long v;
	int n = -1, node;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %15s", &node, name) == 2) {
			if (++n == max)
				break;
			memset(&z[n], 0, sizeof(z[n]));
			z[n].node = node;
			strcpy(z[n].name, name);
		} else if (n < 0) {
			continue;
		} else if (sscanf(line, " present %llu", &v) == 1) {
			z[n].present = v;
		} else if (sscanf(line, " managed %llu", &v) == 1) {
			z[n].managed = v;
		} else if (sscanf(line, " spanned %llu", &v) == 1) {
			z[n].spanned = v;
		} else if (sscanf(line, " start_pfn: %llu", &v) == 1) {
			z[n].start_pfn = v;
		} else if (sscanf(line, " count: %llu", &v) == 1) {
			z[n].pcp += v;
		}
	}
	fclose(f);
	return n + 1;
}

long long meminfo_kb(int node, const char *key)
{
	char path[128], line[256];
	const char *p;
	long long kb = -1;
	size_t klen = strlen(key);
	FILE *f;

	if (node < 0)
		snprintf(path, sizeof(path), "/proc/meminfo");
	else
		snprintf(path, sizeof(path), SYSFS_NODE "/node%d/meminfo", node);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (kb < 0 && fgets(line, sizeof(line), f)) {
		p = line;
		if (node >= 0) {	/* "Node 1 MemTotal:  123 kB" */
			p = strchr(p, ' ');
			p = p ? strchr(p + 1, ' ') : NULL;
			if (!p)
				continue;
			p++;
		}
		if (!strncmp(p, key, klen) && p[klen] == ':')
			kb = strtoll(p + klen + 1, NULL, 10);
	}
	fclose(f);
	return kb;
}

int mhp_in_test_guest(void)
{
	char cmdline[4096];

	if (read_str("/proc/cmdline", cmdline, sizeof(cmdline)))
		return 0;
	for (char *t = strtok(cmdline, " "); t; t = strtok(NULL, " "))
		if (!strcmp(t, MHP_OPTIN_TOKEN))
			return 1;
	return 0;
}

const char *mhp_destructive_refusal(void)
{
	const char *env = getenv(MHP_OPTIN_ENV);

	if (!mhp_in_test_guest() && !(env && !strcmp(env, "1")))
		return "destructive memory hotplug needs '" MHP_OPTIN_TOKEN
		       "' on the kernel command line or " MHP_OPTIN_ENV
		       "=1 (our QEMU runners set it; never on a host)";
	if (geteuid())
		return "destructive memory hotplug needs root";
	return NULL;
}

int kmsg_find(const char *needle, char *out, size_t sz)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK), found = -1;
	char rec[8192];
	ssize_t n;

	if (fd < 0)
		return -1;
	while (found && ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || errno == EPIPE)) {
		char *msg;

		if (n <= 0)
			continue;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (msg && strstr(++msg, needle)) {
			msg[strcspn(msg, "\n")] = '\0';
			snprintf(out, sz, "%s", msg);
			found = 0;
		}
	}
	close(fd);
	return found;
}

void kmsg_note(const char *fmt, ...)
{
	char buf[512];
	int n;
	va_list ap;

	if (!mhp_in_test_guest())	/* a host's log is not ours to write */
		return;
	n = snprintf(buf, sizeof(buf), "<5>riscv_mhp: ");
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	write_str("/dev/kmsg", buf);	/* best effort: the TAP output has it too */
}

int kconfig_enabled(const char *sym)
{
	char line[256], want[96];
	int n = snprintf(want, sizeof(want), "CONFIG_%s=", sym), found = 0;
	FILE *f;

	if (access("/proc/config.gz", R_OK))
		return -1;
	f = popen("zcat /proc/config.gz 2>/dev/null", "r");
	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, want, n) && (line[n] == 'y' || line[n] == 'm');
	while (fgets(line, sizeof(line), f))
		;	/* let zcat finish */
	if (pclose(f) && !found)
		return -1;	/* zcat failed: unknown, not "off" */
	return found;
}

void cmdline_value(const char *key, char *out, size_t sz)
{
	char cmdline[4096];
	size_t klen = strlen(key);

	out[0] = '\0';
	if (read_str("/proc/cmdline", cmdline, sizeof(cmdline)))
		return;
	for (char *t = strtok(cmdline, " "); t; t = strtok(NULL, " "))
		if (!strncmp(t, key, klen) && t[klen] == '=')
			snprintf(out, sz, "%s", t + klen + 1);
}

int kernel_at_least(int major, int minor)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u))
		return 0;
	sscanf(u.release, "%d.%d", &a, &b);
	return a > major || (a == major && b >= minor);
}

int memmap_on_memory_mode(char *val, size_t sz)
{
	cmdline_value("memory_hotplug.memmap_on_memory", val, sz);
	if (!strcasecmp(val, "force"))
		return kernel_at_least(6, 6) ? MHP_MEMMAP_FORCE : MHP_MEMMAP_OFF;
	/* kstrtobool: y, t, 1 or "on" (any case) */
	if ((val[0] && strchr("yYtT1", val[0])) || !strcasecmp(val, "on"))
		return MHP_MEMMAP_ON;
	return MHP_MEMMAP_OFF;
}

int64_t pagemap_pfn(const void *addr)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t ent;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, &ent, sizeof(ent), (uintptr_t)addr / psz * sizeof(ent));
	close(fd);
	/* bit 63: present; bits 0-54: PFN (zero without CAP_SYS_ADMIN) */
	if (n != sizeof(ent) || !(ent >> 63) || !(ent & ((1ULL << 55) - 1)))
		return -1;
	return ent & ((1ULL << 55) - 1);
}

/* The numaif.h calls without libnuma (not in every cross sysroot). */
#define MHP_MPOL_BIND	2
#define MHP_MPOL_MF_MOVE	2

int bind_to_node(void *addr, size_t len, int node)
{
	unsigned long mask[4] = { 0 };

	if (node < 0 || node >= 256)
		return -EINVAL;
	mask[node / 64] = 1UL << (node % 64);
	if (syscall(__NR_mbind, addr, len, MHP_MPOL_BIND, mask, 256, MHP_MPOL_MF_MOVE))
		return -errno;
	return 0;
}

int page_node(void *addr)
{
	int status = -1;

	if (syscall(__NR_move_pages, 0, 1, &addr, NULL, &status, 0))
		return -errno;
	return status;
}

/* Taint bits a test may cause on purpose: out-of-tree (12), unsigned (13)
 * module, for the selftests' own module. */
#define TAINT_EXPECTED	((1UL << 12) | (1UL << 13))

/* Taint bits a test may cause on purpose: out-of-tree (12), unsigned (13)
 * module, for the selftests' own module. */
#define TAINT_EXPECTED	((1UL << 12) | (1UL << 13))
#define TAINT_WARN	(1UL << 9)

static unsigned long read_taint(void)
{
	uint64_t v = 0;

	read_u64("/proc/sys/kernel/tainted", 10, &v);
	return v;
}

/* The known complaints the runner set aside in this cell (mhp_complaints.h) */
static struct {
	int loaded, n;
	char name[8][64];
	regex_t re[8];
} setaside;

static void setaside_load(void)
{
	char cmdline[4096] = "", *p, *tok, *save;

	if (setaside.loaded++)
		return;
	if (read_str("/proc/cmdline", cmdline, sizeof(cmdline)) < 0)
		return;
	p = strstr(cmdline, "riscv_mhp.setaside=");
	if (!p)
		return;
	p += strlen("riscv_mhp.setaside=");
	p[strcspn(p, " \n")] = '\0';
	for (tok = strtok_r(p, ",", &save); tok && setaside.n < 8;
	     tok = strtok_r(NULL, ",", &save)) {
		char path[256], sig[512];

		snprintf(path, sizeof(path), MHP_SETASIDE_DIR "/%s", tok);
		if (read_str(path, sig, sizeof(sig)) < 0 ||
		    regcomp(&setaside.re[setaside.n], sig, REG_EXTENDED | REG_NOSUB)) {
			ksft_print_msg("set-aside complaint %s: no usable signature in %s\n",
				       tok, path);
			continue;
		}
		snprintf(setaside.name[setaside.n], sizeof(setaside.name[0]), "%s", tok);
		setaside.n++;
	}
}

/* the entry that sets this complaint aside, or NULL */
static const char *setaside_match(const char *msg)
{
	for (int i = 0; i < setaside.n; i++)
		if (!regexec(&setaside.re[i], msg, 0, NULL, 0))
			return setaside.name[i];
	return NULL;
}

void kernel_health_begin(struct kernel_health *h)
{
	/* console timestamps per test: which one ran into an oops, and how long each takes */
	kmsg_note("%s starts\n", program_invocation_short_name);
	setaside_load();
	h->taint = read_taint();
	h->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (h->kmsg_fd >= 0)
		lseek(h->kmsg_fd, 0, SEEK_END);
	h->log_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (h->log_fd >= 0)
		lseek(h->log_fd, 0, SEEK_END);
}

void kernel_log_since(struct kernel_health *h)
{
	char rec[8192];
	ssize_t n;

	if (h->log_fd < 0) {
		ksft_print_msg("  kmsg: /dev/kmsg unreadable\n");
		return;
	}
	while ((n = read(h->log_fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		char *msg;

		if (n <= 0)
			continue;	/* EPIPE: records overwritten; go on */
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		msg[strcspn(msg, "\n")] = '\0';
		ksft_print_msg("  kmsg: %s\n", msg);
	}
}

int kernel_health_poll(struct kernel_health *h)
{
	char rec[8192];
	unsigned long fresh;
	int found = 0;
	ssize_t n;

	/* records first, then the taint their complaints set */
	while (h->kmsg_fd >= 0 &&
	       ((n = read(h->kmsg_fd, rec, sizeof(rec) - 1)) > 0 || errno == EPIPE)) {
		const char *known;
		char *msg;

		if (n <= 0)
			continue;	/* EPIPE: records overwritten; go on */
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = '\0';
		if (!mhp_is_complaint(msg))
			continue;
		known = setaside_match(msg);
		if (known) {
			ksft_print_msg("kernel (known, set aside: %s): %s\n", known, msg);
		} else {
			ksft_print_msg("kernel: %s\n", msg);
			found++;
		}
	}
	fresh = (read_taint() & ~h->taint) & ~TAINT_EXPECTED;
	/* every WARN's message is judged above: with known WARNs set aside,
	 * the taint they set says nothing more */
	if (setaside.n)
		fresh &= ~TAINT_WARN;
	if (fresh)
		ksft_print_msg("kernel: new taint 0x%lx\n", fresh);
	h->taint |= fresh;	/* report each taint bit once */
	if (h->kmsg_fd < 0)
		return fresh ? 1 : -1;
	return found + (fresh ? 1 : 0);
}

int kernel_health_end(struct kernel_health *h)
{
	int found = kernel_health_poll(h);

	if (h->kmsg_fd >= 0)
		close(h->kmsg_fd);
	h->kmsg_fd = -1;
	if (h->log_fd >= 0)
		close(h->log_fd);
	h->log_fd = -1;
	return found;
}

/* 1 when FILE answers 8 bytes for pfn, 0 when it answers fewer, -1 on error */
static int pfn_readable(const char *file, uint64_t pfn)
{
	uint64_t v;
	int fd = open(file, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, &v, sizeof(v), pfn * sizeof(v));
	close(fd);
	return n < 0 ? -1 : n == sizeof(v);
}

const char *const mhp_pfn_files[MHP_PFN_FILES] = { "/proc/kpageflags", "/proc/kpagecount" };

/* the kernel-internal bits kpageflags shows too (linux/kernel-page-flags.h) */
#ifndef KPF_RESERVED
#define KPF_RESERVED	32
#endif

int page_count(uint64_t start, uint64_t size, struct page_counts *pc)
{
	uint64_t pfn = start / getpagesize(), n = size / getpagesize();
	int ff = open(mhp_pfn_files[0], O_RDONLY);
	int fc = open(mhp_pfn_files[1], O_RDONLY);
	int rc = 0;

	memset(pc, 0, sizeof(*pc));
	if (ff < 0 || fc < 0) {
		rc = -errno;
		goto out;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t f, c;

		if (pread(ff, &f, sizeof(f), (pfn + i) * 8) != sizeof(f) ||
		    pread(fc, &c, sizeof(c), (pfn + i) * 8) != sizeof(c)) {
			pc->absent++;
			continue;
		}
		pc->nopage += f >> KPF_NOPAGE & 1;
		if (f >> KPF_BUDDY & 1) {
			pc->buddy++;
			continue;
		}
		pc->unref += !c;
		if (f >> KPF_SLAB & 1)
			pc->slab++;
		else if (f >> KPF_LRU & 1)
			pc->lru++;
		else if (f >> KPF_PGTABLE & 1)
			pc->pgtable++;
		else if (f >> KPF_RESERVED & 1)
			pc->reserved++;
		else
			pc->other++;
	}
out:
	if (ff >= 0)
		close(ff);
	if (fc >= 0)
		close(fc);
	return rc;
}

int page_census(uint64_t start, uint64_t size, char *buf, size_t sz)
{
	struct page_counts pc;
	int rc = page_count(start, size, &pc);

	if (!rc)
		snprintf(buf, sz, "%ld buddy, %ld slab, %ld LRU, %ld page-table, %ld reserved, %ld other pages (%ld of the non-buddy with no reference), %ld not answered",
			 pc.buddy, pc.slab, pc.lru, pc.pgtable, pc.reserved, pc.other,
			 pc.unref, pc.absent);
	return rc;
}

int pfn_interfaces_miss(char *why, size_t sz)
{
	uint64_t pages = memory_block_size() / getpagesize();
	int *ids, n = memory_block_ids(&ids), miss = 0;

	if (n < 0 || !pages)
		return -1;
	why[0] = '\0';
	for (int i = 0; i < n; i++) {
		uint64_t pfn[2] = { ids[i] * pages, (ids[i] + 1) * pages - 1 };
		int missed = 0;

		if (!block_state_is(ids[i], "online"))
			continue;
		for (int f = 0; f < MHP_PFN_FILES; f++) {
			for (int e = 0; e < 2; e++) {
				int r = pfn_readable(mhp_pfn_files[f], pfn[e]);

				if (r < 0) {
					free(ids);
					return -1;
				}
				if (!r && !missed++ && !miss)
					snprintf(why, sz, "%s has no entry for pfn %#llx of online memory%d",
						 mhp_pfn_files[f], (unsigned long long)pfn[e], ids[i]);
			}
		}
		miss += missed > 0;
	}
	free(ids);
	return miss;
}

void cpuinfo_mmu(char *out, size_t sz)
{
	char line[256], fmt[32];
	FILE *f = fopen("/proc/cpuinfo", "r");

	out[0] = '\0';
	snprintf(fmt, sizeof(fmt), "mmu : %%%zus", sz - 1);
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, fmt, out) == 1)
			break;
	if (f)
		fclose(f);
}

int proc_stat(int pid, struct proc_stat *st)
{
	char p[64], line[512], *close;
	FILE *f;
	int ok;

	snprintf(p, sizeof(p), "/proc/%d/stat", pid);
	f = fopen(p, "r");
	if (!f)
		return -1;
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	/* "pid (comm) state ppid pgrp ...": comm may hold spaces and ')' */
	close = ok ? strrchr(line, ')') : NULL;
	if (!close || !strchr(line, '('))
		return -1;
	*close = '\0';
	st->pid = pid;
	snprintf(st->comm, sizeof(st->comm), "%s", strchr(line, '(') + 1);
	return sscanf(close + 1, " %c %d %d", &st->state, &st->ppid, &st->pgrp) == 3 ? 0 : -1;
}

int proc_find(int (*fn)(const struct proc_stat *st, void *arg), void *arg,
	      struct proc_stat *st)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = 0;

	while (d && !found && (e = readdir(d))) {
		int pid = atoi(e->d_name);

		found = pid > 0 && !proc_stat(pid, st) && fn(st, arg);
	}
	if (d)
		closedir(d);
	return found;
}

void proc_where(const char *dir, char *out, size_t sz)
{
	char p[64], line[256], w[64] = "";
	size_t n;
	FILE *f;

	snprintf(p, sizeof(p), "%s/wchan", dir);
	read_str(p, w, sizeof(w));
	n = snprintf(out, sz, "wchan %s; stack", w[0] ? w : "0");
	snprintf(p, sizeof(p), "%s/stack", dir);
	f = fopen(p, "r");
	for (int i = 0; f && i < 12 && fgets(line, sizeof(line), f) && n < sz; i++) {
		char *sym = strstr(line, "] ");

		if (!sym)
			continue;
		sym += 2;
		sym[strcspn(sym, "+\n")] = '\0';
		n += snprintf(out + n, sz - n, "%s%s", i ? " <- " : " ", sym);
	}
	if (f)
		fclose(f);
	else if (n < sz)
		snprintf(out + n, sz - n, " unreadable (%s)", strerror(errno));
}
