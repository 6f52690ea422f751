// SPDX-License-Identifier: GPL-2.0
/*
 * dimm-cycle: ACPI pc-dimm hot(un)plug on a riscv virt guest, end to end.
 *
 *   dimm-cycle --argv FILE --qmp SOCK --events SOCK --log FILE
 *              [--cycles N] [--size MIB] [--nodes N] [--busy] [--cell CELL]
 *
 * Boots QEMU (argv: one argument a line; its serial console must be
 * stdio, the guest a shell: rdinit=/bin/sh) and then, N times:
 *   host   object-add memory-backend-ram + device_add pc-dimm node=cycle%nodes
 *   guest  the DIMM's memory blocks appear, on that node; online_movable
 *          each; MemTotal grows by exactly the DIMM size; offline each
 *   host   device_del; the guest ejects (ACPI _EJ0); DEVICE_DELETED
 *          arrives; object-del of the backend succeeds
 *   guest  the blocks are gone, MemTotal is back exactly
 * --busy instead plugs one DIMM, onlines it to the kernel zone, fills it
 * with unmovable memory and asks for its unplug: the guest must refuse
 * (no DEVICE_DELETED), QEMU must keep the DIMM and its backend, and the
 * guest's memory must stay as it was.
 *
 * Everything goes to the --log transcript in order of arrival: QMP
 * commands ("qmp>"), replies ("qmp<"), events ("event"), console lines
 * ("con|"), and one verdict line per cycle ("cycle"). A kernel complaint
 * on the console (ci/src/verdict.c's kernel_problem) fails the run, unless
 * it is a known, non-fatal complaint of --cell's kernel there (an entry of
 * kernel/bugs with effect=setaside whose cells match, e.g. the __virt_to_phys
 * WARN of mappable-range-sv39): counted, set aside, as a cell's verdict does.
 * QMP commands go through stress/qmp.c; events are read on a second QMP
 * monitor (QEMU sends every event to every monitor).
 * Exit: 0 PASS, 1 FAIL, 2 bad input.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qmp.h"
#include "verdict.h"

#define BOOT_LIMIT_S	300	/* EDK2 + kernel + shell under TCG */
#define GUEST_CMD_S	120	/* one guest shell command */
#define BLOCKS_LIMIT_S	60	/* hot-added blocks to show up */
#define DELETED_LIMIT_S	120	/* device_del to DEVICE_DELETED */
#define BUSY_WAIT_S	30	/* how long a refused unplug is watched */
#define END_MARK	"@@END"	/* guest command end; sent split as @@E""ND */
#define MEMSYS		"/sys/devices/system/memory"

static struct {
	pid_t qemu;
	int in_fd, con_fd;	/* QEMU's stdin; its stdout+stderr */
	char con[8192];
	size_t con_len;
	FILE *log;
	int64_t t0;
	struct qmp q, ev;	/* commands; events */
	json_object *events[64];	/* received, not yet consumed */
	int nevents;
	/* the lines of the running guest command, and its status */
	char out[64][512];
	int nout, cmd_done, cmd_status, collecting;
	char problem[300];	/* first kernel complaint */
	int ready;		/* the guest shell answered */
	int64_t t_init;		/* when the kernel started init (0: not yet) */
	const struct expect *sa[8];	/* --cell's set-aside entries */
	int nsa;
	char sa_names[200];
	int set_aside;		/* complaints set aside */
	int expect_exit;	/* QEMU is being stopped */
} g;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void logf_(const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logf_(const char *tag, const char *fmt, ...)
{
	va_list ap;
	int64_t t = now_ms() - g.t0;

	fprintf(g.log, "%4" PRId64 ".%03" PRId64 " %-5s ", t / 1000, t % 1000, tag);
	va_start(ap, fmt);
	vfprintf(g.log, fmt, ap);
	va_end(ap);
	fputc('\n', g.log);
	fflush(g.log);
}

static void stop_qemu(void)
{
	int st;

	if (g.qemu <= 0)
		return;
	kill(g.qemu, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(g.qemu, &st, WNOHANG) == g.qemu) {
			g.qemu = 0;
			return;
		}
		usleep(50000);
	}
	kill(g.qemu, SIGKILL);
	waitpid(g.qemu, &st, 0);
	g.qemu = 0;
}

static void on_signal(int sig)
{
	if (g.qemu > 0)
		kill(g.qemu, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("dimm-cycle: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	stop_qemu();
	exit(2);
}

/* --- console ----------------------------------------------------------- */

static void console_line(char *line)
{
	const char *p, *m;
	int st;

	logf_("con|", "%s", line);
	p = kernel_problem(line);
	for (int i = 0; p && i < g.nsa; i++) {
		if (expect_signature_matches(g.sa[i], p)) {
			g.set_aside++;
			p = NULL;
		}
	}
	if (p && !g.problem[0])
		snprintf(g.problem, sizeof(g.problem), "%s", p);
	if (!strcmp(line, "@@READY"))
		g.ready = 1;
	if (strstr(line, "Run /bin/sh as init process"))
		g.t_init = now_ms();
	if (!g.collecting)
		return;
	/* kernel messages may share the marker's line, before or after it */
	m = strstr(line, END_MARK " ");
	if (m && sscanf(m + strlen(END_MARK) + 1, "%d", &st) == 1) {
		g.cmd_status = st;
		g.cmd_done = 1;
		g.collecting = 0;
	} else if (g.nout < 64) {
		snprintf(g.out[g.nout++], sizeof(g.out[0]), "%s", line);
	}
}

static void console_read(void)
{
	ssize_t n;
	char *start, *nl;

	while ((n = read(g.con_fd, g.con + g.con_len,
			 sizeof(g.con) - 1 - g.con_len)) > 0) {
		g.con_len += n;
		g.con[g.con_len] = '\0';
		start = g.con;
		while ((nl = strchr(start, '\n'))) {
			*nl = '\0';
			if (nl > start && nl[-1] == '\r')
				nl[-1] = '\0';
			console_line(start);
			start = nl + 1;
		}
		g.con_len -= start - g.con;
		memmove(g.con, start, g.con_len);
		if (g.con_len == sizeof(g.con) - 1) {
			g.con[g.con_len] = '\0';
			console_line(g.con);
			g.con_len = 0;
		}
	}
}

/* --- events (second monitor) ------------------------------------------- */

static void events_read(void)
{
	char c;

	/* byte-wise, like stress/qmp.c: exact framing, events are small */
	while (read(g.ev.fd, &c, 1) == 1) {
		json_object *o = json_tokener_parse_ex(g.ev.tok, &c, 1);

		if (!o)
			continue;
		logf_("event", "%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		if (g.nevents < 64)
			g.events[g.nevents++] = o;
		else
			json_object_put(o);
	}
}

/* Wait up to ms for console output or events; handle what came. */
static void pump(int ms)
{
	struct pollfd p[2] = {
		{ .fd = g.con_fd, .events = POLLIN },
		{ .fd = g.ev.tok ? g.ev.fd : -1, .events = POLLIN },
	};
	int st;

	if (poll(p, 2, ms) > 0) {
		if (p[0].revents)
			console_read();
		if (p[1].revents)
			events_read();
	}
	if (!g.expect_exit && g.qemu > 0 && waitpid(g.qemu, &st, WNOHANG) == g.qemu) {
		g.qemu = 0;
		console_read();
		logf_("fail", "QEMU exited, status %d", st);
		fprintf(stderr, "dimm-cycle: QEMU exited (status %d); see the log\n", st);
		exit(1);
	}
}

/* The event named ev whose data.device is dev (NULL: any), consumed. */
static int take_event(const char *ev, const char *dev)
{
	for (int i = 0; i < g.nevents; i++) {
		json_object *e, *d, *v;

		if (!json_object_object_get_ex(g.events[i], "event", &e) ||
		    strcmp(json_object_get_string(e), ev))
			continue;
		if (dev && (!json_object_object_get_ex(g.events[i], "data", &d) ||
			    !json_object_object_get_ex(d, "device", &v) ||
			    strcmp(json_object_get_string(v), dev)))
			continue;
		json_object_put(g.events[i]);
		memmove(&g.events[i], &g.events[i + 1],
			(g.nevents - i - 1) * sizeof(g.events[0]));
		g.nevents--;
		return 1;
	}
	return 0;
}

/* --- QMP commands ------------------------------------------------------ */

/* Run one command, logged with its reply; ret as qmp_cmd. 0 or -errno. */
static int qmp(const char *cmd, json_object *args, json_object **ret)
{
	json_object *r = NULL;
	int rc;

	logf_("qmp>", "{\"execute\":\"%s\"%s%s}", cmd, args ? ",\"arguments\":" : "",
	      args ? json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN) : "");
	rc = qmp_cmd(&g.q, cmd, args, &r, 30000);
	if (rc)
		logf_("qmp<", "error (%d): %s", rc, g.q.err);
	else
		logf_("qmp<", "{\"return\":%s}",
		      r ? json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN) : "{}");
	if (ret)
		*ret = r;
	else if (r)
		json_object_put(r);
	events_read();	/* an event may have come with the reply */
	return rc;
}

static json_object *args_of(const char *k1, const char *v1, const char *k2,
			    const char *v2)
{
	json_object *a = json_object_new_object();

	json_object_object_add(a, k1, json_object_new_string(v1));
	if (k2)
		json_object_object_add(a, k2, json_object_new_string(v2));
	return a;
}

/* query-memory-devices: the DIMM named id's addr and node, 0 if found. */
static int dimm_info(const char *id, uint64_t *addr, int *node)
{
	json_object *r, *d, *v;
	int found = 0;

	if (qmp("query-memory-devices", NULL, &r))
		return -1;
	for (size_t i = 0; r && i < json_object_array_length(r); i++) {
		json_object *m = json_object_array_get_idx(r, i);

		if (!json_object_object_get_ex(m, "data", &d) ||
		    !json_object_object_get_ex(d, "id", &v) ||
		    strcmp(json_object_get_string(v), id))
			continue;
		json_object_object_get_ex(d, "addr", &v);
		*addr = json_object_get_uint64(v);
		json_object_object_get_ex(d, "node", &v);
		*node = json_object_get_int(v);
		found = 1;
	}
	json_object_put(r);
	return found ? 0 : -1;
}

/* --- guest shell ------------------------------------------------------- */

/*
 * Run a shell command in the guest; its output lines in g.out[0..g.nout).
 * The command's exit status, or -1 on a timeout.
 */
static int guest(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int guest(const char *fmt, ...)
{
	char cmd[2048], line[2200];
	va_list ap;
	int64_t end;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	/* the echo of this line holds @@E""ND, only the output @@END */
	snprintf(line, sizeof(line), "%s; echo @@E\"\"ND $?\n", cmd);
	g.nout = 0;
	g.cmd_done = 0;
	g.collecting = 1;
	if (write(g.in_fd, line, strlen(line)) != (ssize_t)strlen(line))
		die("write to the guest console: %s", strerror(errno));
	for (end = now_ms() + GUEST_CMD_S * 1000; !g.cmd_done && now_ms() < end;)
		pump(200);
	g.collecting = 0;
	return g.cmd_done ? g.cmd_status : -1;
}

/* The first output line of a guest command as a number, or -1. */
static long long guest_num(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long long guest_num(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (guest("%s", cmd))
		return -1;
	/*
	 * The first line that starts with a digit: not the echo of the
	 * command ("# ..."), not a kernel message ("[  12.3] ...").
	 */
	for (i = 0; i < g.nout; i++) {
		const char *l = g.out[i];

		/* the tty may echo our line before the shell's prompt */
		while (!strncmp(l, "# ", 2) || !strncmp(l, "> ", 2))
			l += 2;
		if (*l >= '0' && *l <= '9')
			return strtoll(l, NULL, 0);
	}
	return -1;
}

static long long memtotal_kb(void)
{
	return guest_num("awk '/^MemTotal:/ { print $2 }' /proc/meminfo");
}

/*
 * Wait for the shell. Nothing is typed before the kernel runs init: the
 * UART would hand early bytes to the shell half-read. The echo of the
 * ping holds @@RE\ADY, only its output @@READY.
 */
static void wait_shell(void)
{
	int64_t end = now_ms() + BOOT_LIMIT_S * 1000, next = 0;

	while (!g.ready && now_ms() < end) {
		if (g.t_init && now_ms() - g.t_init > 1000 && now_ms() >= next) {
			static const char ping[] = "echo @@RE\\ADY\n";

			if (write(g.in_fd, ping, sizeof(ping) - 1) != sizeof(ping) - 1)
				die("write to the guest console");
			next = now_ms() + 5000;
		}
		pump(200);
	}
	if (!g.ready)
		die("no guest shell within %ds", BOOT_LIMIT_S);
}

/* --- the cycles -------------------------------------------------------- */

struct dimm {
	char id[32], mem[32];
	uint64_t addr, size;
	int node, first, nblocks;
};

/* object-add + device_add: 0, or -1 (logged). */
static int dimm_plug(struct dimm *d)
{
	json_object *a = args_of("qom-type", "memory-backend-ram", "id", d->mem);
	char node[12];

	json_object_object_add(a, "size", json_object_new_uint64(d->size));
	if (qmp("object-add", a, NULL))
		return -1;
	snprintf(node, sizeof(node), "%d", d->node);
	a = args_of("driver", "pc-dimm", "id", d->id);
	json_object_object_add(a, "memdev", json_object_new_string(d->mem));
	json_object_object_add(a, "node", json_object_new_int(d->node));
	if (qmp("device_add", a, NULL))
		return -1;
	return 0;
}

/* Blocks of the DIMM present in the guest, each on its node: count. */
static int blocks_on_node(const struct dimm *d, int want_node)
{
	int n = 0;

	for (int b = d->first; b < d->first + d->nblocks; b++) {
		if (want_node >= 0)
			n += !guest("test -e " MEMSYS "/memory%d/node%d", b, want_node);
		else
			n += !guest("test -e " MEMSYS "/memory%d", b);
	}
	return n;
}

static int set_state(const struct dimm *d, const char *state)
{
	for (int b = d->first; b < d->first + d->nblocks; b++)
		if (guest("echo %s > " MEMSYS "/memory%d/state", state, b))
			return -1;
	return 0;
}

static int fails;

static void cycle_fail(int i, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cycle_fail(int i, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	logf_("cycle", "%d FAIL: %s", i, msg);
	fprintf(stderr, "cycle %d: FAIL: %s\n", i, msg);
	fails++;
}

static int cycle(int i, uint64_t size, int node, uint64_t bs)
{
	struct dimm d = { .size = size, .node = node };
	long long base, plugged, offl, after;
	int64_t t;
	int n;

	snprintf(d.id, sizeof(d.id), "hp%d", i);
	snprintf(d.mem, sizeof(d.mem), "hpmem%d", i);
	base = memtotal_kb();
	if (dimm_plug(&d) || dimm_info(d.id, &d.addr, &d.node)) {
		cycle_fail(i, "plug failed");
		return -1;
	}
	d.first = d.addr / bs;
	d.nblocks = d.size / bs;
	for (t = now_ms() + BLOCKS_LIMIT_S * 1000;
	     (n = blocks_on_node(&d, -1)) < d.nblocks && now_ms() < t;)
		pump(500);
	if (n < d.nblocks) {
		cycle_fail(i, "%d of %d blocks appeared", n, d.nblocks);
		return -1;
	}
	n = blocks_on_node(&d, node);
	if (n != d.nblocks) {
		cycle_fail(i, "%d of %d blocks on node %d", n, d.nblocks, node);
		return -1;
	}
	if (set_state(&d, "online_movable")) {
		cycle_fail(i, "online_movable failed");
		return -1;
	}
	plugged = memtotal_kb();
	guest("cat " MEMSYS "/memory%d/valid_zones", d.first);
	if (set_state(&d, "offline")) {
		cycle_fail(i, "offline failed");
		return -1;
	}
	offl = memtotal_kb();
	t = now_ms();
	if (qmp("device_del", args_of("id", d.id, NULL, NULL), NULL)) {
		cycle_fail(i, "device_del failed");
		return -1;
	}
	while (!take_event("DEVICE_DELETED", d.id) &&
	       now_ms() - t < DELETED_LIMIT_S * 1000)
		pump(200);
	t = now_ms() - t;
	if (t >= DELETED_LIMIT_S * 1000) {
		cycle_fail(i, "no DEVICE_DELETED for %s within %ds", d.id, DELETED_LIMIT_S);
		return -1;
	}
	if (qmp("object-del", args_of("id", d.mem, NULL, NULL), NULL)) {
		cycle_fail(i, "object-del %s failed after DEVICE_DELETED", d.mem);
		return -1;
	}
	n = blocks_on_node(&d, -1);
	after = memtotal_kb();
	guest("dmesg -c --color=never");
	logf_("cycle", "%d dimm %s addr 0x%" PRIx64 " blocks %d-%d node %d: MemTotal kB before %lld, online %lld (+%lld), offline %lld, after removal %lld; DEVICE_DELETED after %" PRId64 " ms; blocks left %d",
	      i, d.id, d.addr, d.first, d.first + d.nblocks - 1, node, base, plugged,
	      plugged - base, offl, after, t, n);
	if (plugged - base != (long long)(size >> 10) || offl != base || after != base || n) {
		cycle_fail(i, "MemTotal %lld -> %lld -> %lld -> %lld (want +%" PRIu64 " kB and back), %d blocks left",
			   base, plugged, offl, after, size >> 10, n);
		return -1;
	}
	printf("cycle %2d: %s @0x%" PRIx64 " node %d: MemTotal %lld -> %lld -> %lld kB, DEVICE_DELETED after %" PRId64 " ms, object-del ok\n",
	       i, d.id, d.addr, node, base, plugged, after, t);
	fflush(stdout);
	return 0;
}

/*
 * DIMMs cold-plugged on the command line: the guest's ACPI memory device
 * driver adds them at boot; each of their blocks must be on the DIMM's
 * node. Logged; failures counted.
 */
static void check_cold(uint64_t bs)
{
	json_object *r, *d, *v;

	if (qmp("query-memory-devices", NULL, &r))
		return;
	for (size_t i = 0; r && i < json_object_array_length(r); i++) {
		json_object *m = json_object_array_get_idx(r, i);
		struct dimm c = { 0 };
		int n;

		if (!json_object_object_get_ex(m, "data", &d) ||
		    !json_object_object_get_ex(d, "hotplugged", &v) ||
		    json_object_get_boolean(v))
			continue;
		json_object_object_get_ex(d, "id", &v);
		snprintf(c.id, sizeof(c.id), "%s", json_object_get_string(v));
		json_object_object_get_ex(d, "addr", &v);
		c.addr = json_object_get_uint64(v);
		json_object_object_get_ex(d, "size", &v);
		c.size = json_object_get_uint64(v);
		json_object_object_get_ex(d, "node", &v);
		c.node = json_object_get_int(v);
		c.first = c.addr / bs;
		c.nblocks = c.size / bs;
		n = blocks_on_node(&c, c.node);
		guest("cat " MEMSYS "/memory%d/state", c.first);
		logf_("cold", "%s addr 0x%" PRIx64 " size %" PRIu64 " MiB node %d: %d of %d blocks present on node %d",
		      c.id, c.addr, c.size >> 20, c.node, n, c.nblocks, c.node);
		printf("cold-plugged %s @0x%" PRIx64 " node %d: %d of %d blocks on node %d\n",
		       c.id, c.addr, c.node, n, c.nblocks, c.node);
		if (n != c.nblocks)
			fails++;
	}
	json_object_put(r);
}

/*
 * A DIMM whose memory the guest cannot give back: onlined to the kernel
 * zone, where node 0's kernel allocations now prefer it, then 60000
 * empty tmpfs files are created (their inodes and dentries are slab:
 * unmovable; the file pages themselves would be movable). device_del
 * must not complete: no DEVICE_DELETED, the DIMM and its backend stay,
 * object-del is refused, MemTotal unchanged. Then, for information, the
 * files are removed and the unplug retried.
 */
static int busy(uint64_t size, int node, uint64_t bs)
{
	struct dimm d = { .size = size, .node = node };
	long long base, plugged, after;
	int64_t t;
	uint64_t addr2;
	int node2;

	snprintf(d.id, sizeof(d.id), "busy0");
	snprintf(d.mem, sizeof(d.mem), "busymem0");
	base = memtotal_kb();
	if (dimm_plug(&d) || dimm_info(d.id, &d.addr, &d.node))
		return -1;
	d.first = d.addr / bs;
	d.nblocks = d.size / bs;
	for (t = now_ms() + BLOCKS_LIMIT_S * 1000;
	     blocks_on_node(&d, -1) < d.nblocks && now_ms() < t;)
		pump(500);
	if (set_state(&d, "online_kernel")) {
		cycle_fail(0, "busy: online_kernel failed");
		return -1;
	}
	plugged = memtotal_kb();
	/* unmovable kernel memory on the DIMM's node: inodes + dentries */
	guest("mkdir -p /tmp/busy && cd /tmp/busy && i=0; "
	      "while [ $i -lt 60000 ]; do : > f$i; i=$((i+1)); done; cd /");
	guest("grep -E 'Slab|SUnreclaim' /proc/meminfo; cat /sys/devices/system/node/node%d/meminfo | grep -E 'MemFree|Slab'", node);
	t = now_ms();
	qmp("device_del", args_of("id", d.id, NULL, NULL), NULL);
	while (now_ms() - t < BUSY_WAIT_S * 1000) {
		if (take_event("DEVICE_DELETED", d.id)) {
			cycle_fail(0, "busy: DEVICE_DELETED for a DIMM in use");
			return -1;
		}
		pump(200);
	}
	after = memtotal_kb();
	guest("for b in $(seq %d %d); do cat " MEMSYS "/memory$b/state; done",
	      d.first, d.first + d.nblocks - 1);
	if (dimm_info(d.id, &addr2, &node2)) {
		cycle_fail(0, "busy: the DIMM is gone from query-memory-devices");
		return -1;
	}
	if (!qmp("object-del", args_of("id", d.mem, NULL, NULL), NULL)) {
		cycle_fail(0, "busy: object-del of a plugged DIMM's backend succeeded");
		return -1;
	}
	logf_("cycle", "busy %s addr 0x%" PRIx64 ": MemTotal kB before %lld, online %lld, after refused unplug %lld; DIMM still listed, object-del refused",
	      d.id, d.addr, base, plugged, after);
	if (after != plugged) {
		cycle_fail(0, "busy: MemTotal %lld -> %lld after a refused unplug", plugged, after);
		return -1;
	}
	printf("busy: %s @0x%" PRIx64 " node %d: unplug refused by the guest, DIMM kept, object-del refused, MemTotal %lld kB unchanged\n",
	       d.id, d.addr, node, after);
	/* informational: free the fill and try again */
	guest("rm -rf /tmp/busy; echo 2 > /proc/sys/vm/drop_caches");
	set_state(&d, "offline");
	t = now_ms();
	qmp("device_del", args_of("id", d.id, NULL, NULL), NULL);
	while (now_ms() - t < BUSY_WAIT_S * 1000 && !take_event("DEVICE_DELETED", d.id))
		pump(200);
	if (now_ms() - t < BUSY_WAIT_S * 1000 &&
	    !qmp("object-del", args_of("id", d.mem, NULL, NULL), NULL)) {
		logf_("busy", "after freeing the fill: unplug completed, backend deleted, MemTotal %lld kB", memtotal_kb());
		printf("busy: after freeing the fill the retried unplug completed (DEVICE_DELETED, object-del ok)\n");
	} else {
		logf_("busy", "after freeing the fill: the retried unplug did not complete within %ds", BUSY_WAIT_S);
		printf("busy: after freeing the fill the retried unplug did not complete (slab pages stay)\n");
	}
	return 0;
}

static void spawn(const char *argv_file)
{
	char *args[256], line[4096];
	int n = 0, in[2], out[2];
	FILE *f = fopen(argv_file, "r");

	if (!f)
		die("cannot open %s: %s", argv_file, strerror(errno));
	while (n < 255 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		args[n++] = strdup(line);
		logf_("argv", "%s", line);
	}
	fclose(f);
	args[n] = NULL;
	if (!n)
		die("%s is empty", argv_file);
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	g.qemu = fork();
	if (g.qemu < 0)
		die("fork: %s", strerror(errno));
	if (!g.qemu) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		execvp(args[0], args);
		fprintf(stderr, "exec %s: %s\n", args[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	g.in_fd = in[1];
	g.con_fd = out[0];
	fcntl(g.con_fd, F_SETFL, O_NONBLOCK);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "argv", 1, NULL, 'a' }, { "qmp", 1, NULL, 'q' },
		{ "events", 1, NULL, 'e' }, { "log", 1, NULL, 'l' },
		{ "cycles", 1, NULL, 'n' }, { "size", 1, NULL, 's' },
		{ "nodes", 1, NULL, 'N' }, { "busy", 0, NULL, 'b' },
		{ "cell", 1, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	const char *argv_file = NULL, *qsock = NULL, *esock = NULL, *logp = NULL;
	static struct expect reg[EXPECT_MAX];
	int cycles = 20, nodes = 1, do_busy = 0, c, nreg;
	const char *cell = NULL;
	uint64_t size = 256ULL << 20, bs;
	char err[300];
	int64_t t_boot;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': argv_file = optarg; break;
		case 'q': qsock = optarg; break;
		case 'e': esock = optarg; break;
		case 'l': logp = optarg; break;
		case 'n': cycles = atoi(optarg); break;
		case 's': size = strtoull(optarg, NULL, 0) << 20; break;
		case 'N': nodes = atoi(optarg); break;
		case 'b': do_busy = 1; break;
		case 'k': cell = optarg; break;
		default: die("unknown option (see qemu/dimm-cycle.c)");
		}
	}
	if (!argv_file || !qsock || !esock || !logp || cycles < 0 || nodes < 1 || !size)
		die("usage: dimm-cycle --argv FILE --qmp SOCK --events SOCK --log FILE [--cycles N] [--size MIB] [--nodes N] [--busy] [--cell CELL]");
	/* the cell's known, non-fatal complaints: the registry's, as a cell's */
	if (cell) {
		nreg = expect_load_all(reg, EXPECT_MAX, err, sizeof(err));
		if (nreg < 0)
			die("kernel/bugs: %s", err);
		for (int i = 0; i < nreg && g.nsa < 8; i++) {
			if (reg[i].effect != EFFECT_SETASIDE || !expect_applies(&reg[i], cell))
				continue;
			g.sa[g.nsa++] = &reg[i];
			snprintf(g.sa_names + strlen(g.sa_names), sizeof(g.sa_names) - strlen(g.sa_names),
				 "%s%s", g.nsa > 1 ? " " : "", reg[i].name);
		}
	}
	g.log = fopen(logp, "w");
	if (!g.log)
		die("cannot write %s: %s", logp, strerror(errno));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	g.t0 = t_boot = now_ms();
	spawn(argv_file);
	if (qmp_open(&g.q, qsock, 20000))
		die("QMP %s: %s", qsock, g.q.err);
	if (qmp_open(&g.ev, esock, 20000))
		die("QMP events %s: %s", esock, g.ev.err);
	fcntl(g.ev.fd, F_SETFL, O_NONBLOCK);

	wait_shell();
	logf_("boot", "guest shell after %" PRId64 " ms", now_ms() - t_boot);
	fprintf(stderr, "dimm-cycle: guest shell after %.1f s\n", (now_ms() - t_boot) / 1000.0);
	guest("mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t tmpfs tmpfs /tmp");
	guest("uname -a; grep -m1 mmu /proc/cpuinfo; ls /sys/devices/system/node | grep node");
	guest("dmesg --color=never | grep -iE 'ACPI: (Interpreter|.*GED|Added)|acpi.*(ACPI0013|PNP0C80)|SRAT|NUMA|memory.*hotplug|ged' | head -40");
	/*
	 * The console keeps kernel warnings and worse (they are judged as
	 * they come); the rest of each cycle's kernel log is read with
	 * dmesg -c after it, into the transcript.
	 */
	guest("dmesg -C; dmesg -n 5");
	bs = guest_num("printf '%%d\\n' 0x$(cat " MEMSYS "/block_size_bytes)");
	if ((long long)bs <= 0)
		die("cannot read the guest's memory block size");
	logf_("info", "memory block size %" PRIu64 " MiB", bs >> 20);
	if (size % bs)
		die("DIMM size %" PRIu64 " MiB is not a multiple of the block size", size >> 20);

	guest("grep -i ged /proc/interrupts; ls /sys/bus/acpi/devices | grep -E 'ACPI0013|PNP0C80' | tr '\\n' ' '; echo");
	guest("ls -l /sys/bus/acpi/devices/ACPI0013:00/physical_node/driver");
	check_cold(bs);
	for (int i = 0; i < cycles; i++)
		cycle(i, size, i % nodes, bs);
	if (do_busy)
		busy(size, 0, bs) ? fails++ : 0;
	if (g.problem[0]) {
		logf_("fail", "kernel complaint: %s", g.problem);
		fprintf(stderr, "dimm-cycle: kernel complaint: %s\n", g.problem);
		fails++;
	}
	if (g.set_aside) {
		logf_("known", "%d kernel complaints set aside (kernel/bugs: %s)", g.set_aside, g.sa_names);
		fprintf(stderr, "dimm-cycle: %d kernel complaints set aside (known bugs: %s)\n",
			g.set_aside, g.sa_names);
	}
	g.expect_exit = 1;
	stop_qemu();
	logf_("done", "%s: %d cycles, %d failures", fails ? "FAIL" : "PASS", cycles, fails);
	fprintf(stderr, "dimm-cycle: %s (%d cycles, %d failures), transcript %s\n",
		fails ? "FAIL" : "PASS", cycles, fails, logp);
	return fails ? 1 : 0;
}
