// SPDX-License-Identifier: GPL-2.0
/*
 * mhp-stress: the host half of the stress engine.
 *
 *   mhp-stress plan SEED SECONDS OUT      seed -> plan file (pure function)
 *   mhp-stress run OPTIONS                boot the guest, run the host actor
 *                                         (virtio-mem over QMP), watch the
 *                                         console and the agent, judge
 *   mhp-stress triage DIR OPTIONS         decode the first kernel report,
 *                                         signature, dedupe across runs
 *   mhp-stress minimize OPTIONS -- CMD    delta-debug a failing plan
 *   mhp-stress vmem-bench SOCK SECONDS    virtio-mem resize latencies
 *   mhp-stress kinds [LIST]               the weight table; or check that
 *                                         LIST (a,b) names only its kinds
 *
 * The way through: plan (plan.c) -> executor (this file: host ops; agent.c:
 * guest ops) -> events (console.log, tap.log, host.log) -> oracles
 * (kernel_problem() of ci/src/verdict.c, agent FAIL lines, heartbeats,
 * QEMU's exit) -> verdict.json + report (triage.c).
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mhp_plan.h"
#include "qmp.h"
#include "stress.h"
#include "triage.h"
#include "verdict.h"

#define BOOT_LIMIT_S	240	/* boot to "stress start" */
#define HB_LIMIT_S	90	/* silence of the agent that means a hang */
#define AFTER_PROBLEM_S	10	/* console kept after the first complaint */
#define AFTER_DONE_S	60	/* for the guest to power off */
#define PLUG_STUCK_S	120	/* virtio-mem below its request, no progress */
#define PROGRESS_S	30	/* a progress line this often */
#define MAX_ACTORS	8
#define MAX_KINDS	32
#define MAX_SDIMMS	8
#define DIMM_BYTES	(256ULL << 20)	/* the host's pc-dimms */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("mhp-stress: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void read_plan(const char *path, struct mhp_plan *p)
{
	FILE *f = fopen(path, "r");
	unsigned int line;

	if (!f)
		die("cannot open plan %s: %s", path, strerror(errno));
	if (mhp_plan_read(f, p, &line))
		die("%s:%u: not a riscv-mhp plan line", path, line);
	fclose(f);
}

static int parse_u64(const char *s, uint64_t *v)
{
	return mhp_parse_seed(s, v);	/* decimal or 0x hex, whole string */
}

/* --- plan ---------------------------------------------------------------- */

static int cmd_plan(int argc, char **argv)
{
	struct mhp_plan p;
	uint64_t seed, secs;
	FILE *f;

	if (argc != 4)
		die("usage: mhp-stress plan SEED SECONDS OUT");
	if (parse_u64(argv[1], &seed))
		die("SEED must be a number (decimal or 0x hex), got '%s'", argv[1]);
	if (parse_u64(argv[2], &secs) || !secs || secs > 7 * 86400)
		die("SECONDS must be 1..604800, got '%s'", argv[2]);
	if (stress_plan(&p, seed, secs * 1000))
		die("cannot generate plan");
	f = fopen(argv[3], "w");
	if (!f || mhp_plan_write(f, &p) || fclose(f))
		die("cannot write %s", argv[3]);
	mhp_plan_free(&p);
	return 0;
}

/* --- kinds --------------------------------------------------------------- */

/* Every entry of a comma list must be an op kind of the weight table. */
static void check_kinds(const char *list)
{
	char k[MHP_PLAN_NAME_MAX];

	if (stress_unknown_kind(list, k, sizeof(k)))
		die("EXCLUDE: unknown op kind '%s' (see 'mhp-stress kinds')", k);
}

static int cmd_kinds(int argc, char **argv)
{
	if (argc == 2) {
		check_kinds(argv[1]);
		return 0;
	}
	if (argc != 1)
		die("usage: mhp-stress kinds [KIND,KIND...]");
	for (unsigned int i = 0; i < stress_nweights; i++)
		printf("%s %s %u\n", stress_weights[i].actor, stress_weights[i].kind,
		       stress_weights[i].weight);
	return 0;
}

/* --- run ----------------------------------------------------------------- */

struct actor_stats {		/* one actor's, or one op kind's, ops */
	char name[MHP_PLAN_NAME_MAX];
	unsigned int ok, expected, skipped, failed;
	unsigned int excluded, cell_skipped;	/* among skipped */
	char skip_why[96];		/* the last skip's reason */
};

/* a pc-dimm the host plugged: QEMU ids sd<id> (device), sdmem<id> (backend) */
struct sdimm {
	unsigned int id;
	int node;
	int64_t t_unplug;	/* when device_del was first asked; 0: not yet */
};

struct run {
	const char *dir, *cell, *reproduce, *qmp_path, *vmem_path, *exclude;
	uint64_t vmem_max;
	unsigned int timeout_s;
	struct mhp_plan plan;
	pid_t qemu;
	int qemu_status;		/* -1 while running */
	int con_fd;			/* QEMU's stdout+stderr */
	FILE *console, *hostlog;
	int tap_fd;
	char con_buf[4096], tap_buf[4096];
	size_t con_len, tap_len;
	struct qmp qmp;
	int qmp_ok;
	int64_t t_boot, t_start, t_last_hb, t_problem, t_done, t_progress;
	int64_t t_vmem_poll, t_plug_progress;	/* the plug watch */
	uint64_t vmem_size, vmem_req;
	/* pc-dimms the host plugs (ACPI cells): free slots, nodes to pick from */
	unsigned int dimm_slots, nodes, next_dimm;
	struct sdimm dimms[MAX_SDIMMS];
	int ndimms;
	unsigned int unplug_asked, unplug_done;
	int64_t t_dimm_poll;
	unsigned int next_host;		/* index into plan.ops */
	int host_done, agent_done;
	char reason[640], first_problem[256];
	struct actor_stats actors[MAX_ACTORS], kinds[MAX_KINDS];
	int nactors, nkinds;
};

static struct actor_stats *stats_of(struct actor_stats *v, int *n, int max,
				    const char *name)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	if (*n == max)
		return &v[max - 1];
	snprintf(v[*n].name, MHP_PLAN_NAME_MAX, "%s", name);
	return &v[(*n)++];
}

static struct actor_stats *actor(struct run *r, const char *name)
{
	return stats_of(r->actors, &r->nactors, MAX_ACTORS, name);
}

static struct actor_stats *kind(struct run *r, const char *name)
{
	return stats_of(r->kinds, &r->nkinds, MAX_KINDS, name);
}

/*
 * One op's outcome, for its actor and its kind; a skip's reason (why)
 * says whether it was excluded or impossible in this cell.
 */
enum outcome { OP_OK, OP_EXPECTED, OP_SKIPPED, OP_FAILED };
static void count(struct run *r, const char *act, const char *k, enum outcome o,
		  const char *why)
{
	struct actor_stats *s[2] = { actor(r, act), kind(r, k) };

	for (int i = 0; i < 2; i++) {
		switch (o) {
		case OP_OK: s[i]->ok++; break;
		case OP_EXPECTED: s[i]->expected++; break;
		case OP_SKIPPED:
			s[i]->skipped++;
			s[i]->excluded += !strncmp(why, STRESS_SKIP_EXCLUDED,
						   strlen(STRESS_SKIP_EXCLUDED));
			s[i]->cell_skipped += !strncmp(why, STRESS_SKIP_CELL,
						       strlen(STRESS_SKIP_CELL));
			snprintf(s[i]->skip_why, sizeof(s[i]->skip_why), "%s", why);
			break;
		case OP_FAILED: s[i]->failed++; break;
		}
	}
}

static void fail(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->reason[0])
		return;	/* the first reason is the verdict */
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	fprintf(stderr, "[stress] FAIL: %s\n", r->reason);
}

/* How many of the plan's ops are by the actor (or of the kind) name. */
static unsigned int planned_ops(const struct run *r, const char *name, int by_kind)
{
	unsigned int n = 0;

	for (unsigned int k = 0; k < r->plan.n; k++)
		n += !strcmp(by_kind ? r->plan.ops[k].kind : r->plan.ops[k].actor, name);
	return n;
}

/*
 * After a run that passed so far: every kind has its minimum of ok ops
 * (stress_min_ok()), or the run did too little and fails, naming the kind.
 */
static void check_minimums(struct run *r)
{
	char why[sizeof(r->reason)] = "";
	size_t n = 0;

	for (int i = 0; i < r->nkinds && n < sizeof(why); i++) {
		struct actor_stats *k = &r->kinds[i];
		unsigned int planned = planned_ops(r, k->name, 1), eligible, need;

		eligible = planned - k->excluded - k->cell_skipped;
		if (k->excluded + k->cell_skipped > planned)
			eligible = 0;
		need = stress_min_ok(eligible);
		if (k->ok >= need)
			continue;
		n += snprintf(why + n, sizeof(why) - n, "%s%s ok %u of %u (at least %u; %u expected errno, %u skipped%s%s)",
			      n ? ", " : "", k->name, k->ok, eligible, need, k->expected,
			      k->skipped, k->skip_why[0] ? ": " : "", k->skip_why);
	}
	if (n)
		fail(r, "too little done (%d%% of the ops a kind could run must end ok): %s",
		     STRESS_MIN_OK_PCT, why);
}

static void console_line(struct run *r, const char *line)
{
	const char *p = kernel_problem(line);

	if (p && !r->first_problem[0]) {
		snprintf(r->first_problem, sizeof(r->first_problem), "%s", p);
		r->t_problem = now_ms();
		fail(r, "kernel: %s", p);
	}
}

static void agent_line(struct run *r, const char *line)
{
	unsigned int idx;
	char act[MHP_PLAN_NAME_MAX], k[MHP_PLAN_NAME_MAX];
	const char *tail;

	if (!strncmp(line, STRESS_MARK_START, strlen(STRESS_MARK_START))) {
		r->t_start = r->t_last_hb = r->t_progress = now_ms();
		fprintf(stderr, "[stress] agent started after %" PRId64 "s: %s\n",
			(r->t_start - r->t_boot) / 1000, line + strlen(STRESS_MARK));
	} else if (!strncmp(line, STRESS_MARK_HB, strlen(STRESS_MARK_HB))) {
		r->t_last_hb = now_ms();
	} else if (!strncmp(line, STRESS_MARK_DONE, strlen(STRESS_MARK_DONE))) {
		r->agent_done = 1;
		r->t_last_hb = now_ms();
	} else if (!strncmp(line, STRESS_MARK_FAIL, strlen(STRESS_MARK_FAIL))) {
		fail(r, "agent: %s", line + strlen(STRESS_MARK_FAIL));
		if (!r->t_problem)
			r->t_problem = now_ms();
	} else if (sscanf(line, STRESS_MARK_OP "%u %23s %23s", &idx, act, k) == 3) {
		const char *skip = strstr(line, " skip: ");

		tail = strrchr(line, ' ');
		count(r, act, k, skip ? OP_SKIPPED :
		      tail && !strcmp(tail, " ok") ? OP_OK :
		      tail && !strcmp(tail, " expected") ? OP_EXPECTED : OP_FAILED,
		      skip ? skip + 7 : "");
	}
}

/* Split new bytes of fd into lines; keep a partial line for next time. */
static int pump(int fd, char *buf, size_t *len, size_t cap, FILE *copy,
		struct run *r, void (*fn)(struct run *, const char *))
{
	ssize_t n = read(fd, buf + *len, cap - 1 - *len);
	char *nl, *start;

	if (n <= 0)
		return n < 0 && errno != EAGAIN ? -1 : (int)n;
	if (copy) {
		fwrite(buf + *len, 1, n, copy);
		fflush(copy);
	}
	*len += n;
	buf[*len] = '\0';
	start = buf;
	while ((nl = strchr(start, '\n'))) {
		*nl = '\0';
		if (nl > start && nl[-1] == '\r')
			nl[-1] = '\0';
		fn(r, start);
		start = nl + 1;
	}
	*len -= start - buf;
	memmove(buf, start, *len);
	if (*len == cap - 1) {	/* an endless line: judge what we have */
		fn(r, buf);
		*len = 0;
	}
	return (int)n;
}

static json_object *dimm_args(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* a QMP argument object from "key=value,key=value" (numbers stay numbers) */
static json_object *dimm_args(const char *fmt, ...)
{
	char buf[256], *kv, *save;
	json_object *o = json_object_new_object();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '='), *end;
		unsigned long long v;

		if (!eq)
			continue;
		*eq++ = '\0';
		v = strtoull(eq, &end, 10);
		json_object_object_add(o, kv, *eq && !*end ? json_object_new_uint64(v) :
				       json_object_new_string(eq));
	}
	return o;
}

/*
 * dimm_plug: a 256 MiB pc-dimm on a node drawn from the op, while a slot is
 * free. dimm_unplug: device_del of one the op draws; the guest ejects it
 * (or refuses: its memory may be busy) and dimm_watch() finishes it.
 */
static void dimm_op(struct run *r, const struct mhp_op *op)
{
	int64_t t0 = now_ms();
	struct sdimm *d;
	int rc;

	if (!strcmp(op->kind, "dimm_plug")) {
		if ((unsigned int)r->ndimms >= r->dimm_slots) {
			fprintf(r->hostlog, STRESS_MARK_OP "%u host dimm_plug skip: all %u slots in use\n",
				op->idx, r->dimm_slots);
			count(r, op->actor, op->kind, OP_SKIPPED, "all slots in use");
			return;
		}
		d = &r->dimms[r->ndimms];
		d->id = r->next_dimm++;
		d->node = op->r % (r->nodes ? r->nodes : 1);
		d->t_unplug = 0;
		rc = qmp_cmd(&r->qmp, "object-add",
			     dimm_args("qom-type=memory-backend-ram,id=sdmem%u,size=%llu",
				       d->id, (unsigned long long)DIMM_BYTES), NULL, 10000);
		if (!rc) {
			rc = qmp_cmd(&r->qmp, "device_add",
				     dimm_args("driver=pc-dimm,id=sd%u,memdev=sdmem%u,node=%d",
					       d->id, d->id, d->node), NULL, 10000);
			if (rc)	/* not plugged: its backend goes */
				qmp_cmd(&r->qmp, "object-del", dimm_args("id=sdmem%u", d->id),
					NULL, 10000);
		}
		fprintf(r->hostlog, STRESS_MARK_OP "%u host dimm_plug sd%u %lluM node %d rc=%d ms=%" PRId64 " %s%s\n",
			op->idx, d->id, (unsigned long long)(DIMM_BYTES >> 20), d->node, rc,
			now_ms() - t0, rc ? "FAIL " : "ok", rc ? r->qmp.err : "");
		if (rc) {
			fail(r, "host: op %u dimm_plug sd%u on node %d: %s", op->idx, d->id,
			     d->node, r->qmp.err);
			count(r, op->actor, op->kind, OP_FAILED, "");
			return;
		}
		r->ndimms++;
		count(r, op->actor, op->kind, OP_OK, "");
		return;
	}
	if (!r->ndimms) {
		fprintf(r->hostlog, STRESS_MARK_OP "%u host dimm_unplug skip: no DIMM plugged\n", op->idx);
		count(r, op->actor, op->kind, OP_SKIPPED, "no DIMM plugged");
		return;
	}
	d = &r->dimms[op->r % r->ndimms];
	rc = qmp_cmd(&r->qmp, "device_del", dimm_args("id=sd%u", d->id), NULL, 10000);
	fprintf(r->hostlog, STRESS_MARK_OP "%u host dimm_unplug sd%u%s rc=%d ms=%" PRId64 " %s%s\n",
		op->idx, d->id, d->t_unplug ? " (asked again)" : "", rc, now_ms() - t0,
		rc ? "FAIL " : "ok", rc ? r->qmp.err : "");
	if (rc) {
		fail(r, "host: op %u dimm_unplug sd%u: %s", op->idx, d->id, r->qmp.err);
		count(r, op->actor, op->kind, OP_FAILED, "");
		return;
	}
	if (!d->t_unplug) {
		d->t_unplug = now_ms();
		r->unplug_asked++;
	}
	count(r, op->actor, op->kind, OP_OK, "");
}

/*
 * A DIMM whose unplug was asked is finished when QEMU no longer lists it
 * (the guest ejected it: DEVICE_DELETED): its backend must then go with
 * object-del, which QEMU refuses while anything still uses it. One that
 * stays was refused by the guest (busy memory) or is still on its way: no
 * failure by itself, and the run must see some unplugs complete.
 */
static void dimm_watch(struct run *r)
{
	json_object *list, *m, *data, *id;
	int64_t t = now_ms();
	int rc;

	if (t - r->t_dimm_poll < 1000)
		return;
	r->t_dimm_poll = t;
	for (int i = 0; i < r->ndimms; i++) {
		struct sdimm *d = &r->dimms[i];
		char want[32];
		int listed = 0;

		if (!d->t_unplug)
			continue;
		if (qmp_cmd(&r->qmp, "query-memory-devices", NULL, &list, 10000)) {
			fail(r, "host: query-memory-devices: %s", r->qmp.err);
			return;
		}
		snprintf(want, sizeof(want), "sd%u", d->id);
		for (size_t k = 0; k < json_object_array_length(list); k++) {
			m = json_object_array_get_idx(list, k);
			if (json_object_object_get_ex(m, "data", &data) &&
			    json_object_object_get_ex(data, "id", &id) &&
			    !strcmp(json_object_get_string(id), want))
				listed = 1;
		}
		json_object_put(list);
		if (listed)
			continue;
		rc = qmp_cmd(&r->qmp, "object-del", dimm_args("id=sdmem%u", d->id), NULL, 10000);
		fprintf(r->hostlog, "riscv-mhp: host dimm sd%u deleted %" PRId64 " ms after device_del; object-del rc=%d %s\n",
			d->id, t - d->t_unplug, rc, rc ? r->qmp.err : "ok");
		fflush(r->hostlog);
		if (rc) {
			fail(r, "host: DIMM sd%u is gone but its backend stays: object-del sdmem%u: %s",
			     d->id, d->id, r->qmp.err);
			return;
		}
		r->unplug_done++;
		r->dimms[i--] = r->dimms[--r->ndimms];
	}
}

static void host_op(struct run *r, const struct mhp_op *op)
{
	uint64_t cur = 0, want, got = 0, plugged = 0, steps;
	int64_t t0 = now_ms();
	int rc;

	if (!strncmp(op->kind, "dimm_", 5) && !mhp_listed(r->exclude, op->kind) &&
	    r->qmp_ok) {
		if (r->dimm_slots) {
			dimm_op(r, op);
			return;
		}
		fprintf(r->hostlog, STRESS_MARK_OP "%u host %s skip: " STRESS_SKIP_CELL "no pc-dimm slots (not an ACPI cell)\n",
			op->idx, op->kind);
		count(r, op->actor, op->kind, OP_SKIPPED, STRESS_SKIP_CELL "no pc-dimm slots");
		return;
	}
	if (mhp_listed(r->exclude, op->kind) || !r->qmp_ok) {
		const char *why = r->qmp_ok || mhp_listed(r->exclude, op->kind) ?
				  "excluded (EXCLUDE)" : r->qmp_path ? "no QMP" :
				  STRESS_SKIP_CELL "no virtio-mem device";

		fprintf(r->hostlog, STRESS_MARK_OP "%u host %s skip: %s\n", op->idx,
			op->kind, why);
		count(r, op->actor, op->kind, OP_SKIPPED, why);
		return;
	}
	rc = qmp_qom_get_u64(&r->qmp, r->vmem_path, "requested-size", &cur);
	if (rc) {
		fail(r, "host: qom-get requested-size: %s", r->qmp.err);
		count(r, op->actor, op->kind, OP_FAILED, "");
		return;
	}
	if (!strcmp(op->kind, "vmem_grow")) {
		steps = (r->vmem_max - cur) / STRESS_VMEM_STEP;
		want = cur + (1 + op->r % (steps ? steps : 1)) * STRESS_VMEM_STEP;
	} else if (!strcmp(op->kind, "vmem_shrink")) {
		steps = cur / STRESS_VMEM_STEP;
		want = (op->r % (steps ? steps : 1)) * STRESS_VMEM_STEP;
	} else {
		fail(r, "host: unknown op kind %s", op->kind);
		count(r, op->actor, op->kind, OP_FAILED, "");
		return;
	}
	if (!steps) {
		fprintf(r->hostlog, STRESS_MARK_OP "%u host %s skip: requested-size %" PRIu64 "M at its limit\n",
			op->idx, op->kind, cur >> 20);
		count(r, op->actor, op->kind, OP_SKIPPED, "at its limit");
		return;
	}
	rc = qmp_qom_set_u64(&r->qmp, r->vmem_path, "requested-size", want);
	if (!rc)
		rc = qmp_qom_get_u64(&r->qmp, r->vmem_path, "requested-size", &got);
	if (!rc)
		rc = qmp_qom_get_u64(&r->qmp, r->vmem_path, "size", &plugged);
	fprintf(r->hostlog, STRESS_MARK_OP "%u host %s %" PRIu64 "M->%" PRIu64 "M plugged=%" PRIu64 "M rc=%d ms=%" PRId64 " %s\n",
		op->idx, op->kind, cur >> 20, want >> 20, plugged >> 20, rc,
		now_ms() - t0, rc || got != want ? "FAIL" : "ok");
	fflush(r->hostlog);
	if (rc) {
		fail(r, "host: op %u %s: %s", op->idx, op->kind, r->qmp.err);
		count(r, op->actor, op->kind, OP_FAILED, "");
	} else if (got != want) {
		fail(r, "host: op %u %s: requested-size reads %" PRIu64 ", set %" PRIu64,
		     op->idx, op->kind, got, want);
		count(r, op->actor, op->kind, OP_FAILED, "");
	} else {
		count(r, op->actor, op->kind, OP_OK, "");
	}
}

/*
 * The guest must plug what the host requests: while virtio-mem's plugged
 * size is below requested-size it has to grow, and PLUG_STUCK_S without
 * progress is a failure. (Below the request only: unplugging may stall
 * for good reasons, e.g. unmovable pages in a block onlined to a kernel
 * zone.) Polled once a second.
 */
static void vmem_watch(struct run *r)
{
	uint64_t req, size;
	int64_t t = now_ms();

	if (t - r->t_vmem_poll < 1000)
		return;
	r->t_vmem_poll = t;
	if (qmp_qom_get_u64(&r->qmp, r->vmem_path, "requested-size", &req) ||
	    qmp_qom_get_u64(&r->qmp, r->vmem_path, "size", &size)) {
		fail(r, "host: qom-get %s: %s", r->vmem_path, r->qmp.err);
		return;
	}
	if (size >= req || size != r->vmem_size || req != r->vmem_req || !r->t_plug_progress)
		r->t_plug_progress = t;
	r->vmem_size = size;
	r->vmem_req = req;
	if (t - r->t_plug_progress > PLUG_STUCK_S * 1000) {
		fail(r, "host: virtio-mem plugged %" PRIu64 "M of the %" PRIu64 "M requested, no progress for %ds",
		     size >> 20, req >> 20, PLUG_STUCK_S);
		r->t_problem = t;
	}
}

static void run_due_host_ops(struct run *r)
{
	int64_t t = now_ms() - r->t_start;

	while (r->next_host < r->plan.n) {
		const struct mhp_op *op = &r->plan.ops[r->next_host];

		if (!stress_is_host(op->actor)) {
			r->next_host++;
			continue;
		}
		if ((int64_t)op->t_ms > t)
			return;
		host_op(r, op);
		r->next_host++;
	}
	r->host_done = 1;
}

static void spawn_qemu(struct run *r, const char *argv_file)
{
	char *args[512], line[4096];
	int n = 0, pfd[2];
	FILE *f = fopen(argv_file, "r");

	if (!f)
		die("cannot open %s: %s", argv_file, strerror(errno));
	while (n < 511 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		args[n++] = strdup(line);
	}
	fclose(f);
	args[n] = NULL;
	if (!n)
		die("%s is empty", argv_file);
	if (pipe2(pfd, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	r->qemu = fork();
	if (r->qemu < 0)
		die("fork: %s", strerror(errno));
	if (!r->qemu) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execvp(args[0], args);
		fprintf(stderr, "exec %s: %s\n", args[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	r->con_fd = pfd[0];
	fcntl(r->con_fd, F_SETFL, O_NONBLOCK);
	r->qemu_status = -1;
	for (int i = 0; i < n; i++)
		free(args[i]);
}

static void stop_qemu(struct run *r)
{
	int64_t end;

	if (r->qemu_status != -1 || r->qemu <= 0)
		return;
	kill(r->qemu, SIGTERM);
	for (end = now_ms() + 5000; now_ms() < end;) {
		if (waitpid(r->qemu, &r->qemu_status, WNOHANG) == r->qemu)
			return;
		usleep(50000);
	}
	kill(r->qemu, SIGKILL);
	waitpid(r->qemu, &r->qemu_status, 0);
}

static struct run *the_run;
static void on_signal(int sig)
{
	if (the_run && the_run->qemu > 0 && the_run->qemu_status == -1)
		kill(the_run->qemu, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* {name: {planned, ok, expected_errno, skipped, failed}} of v[0..n) */
static json_object *stats_json(const struct run *r, const struct actor_stats *v,
			       int n, int by_kind)
{
	json_object *all = json_object_new_object();

	for (int i = 0; i < n; i++) {
		const struct actor_stats *a = &v[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "planned",
				       json_object_new_int(planned_ops(r, a->name, by_kind)));
		json_object_object_add(o, "ok", json_object_new_int(a->ok));
		json_object_object_add(o, "expected_errno", json_object_new_int(a->expected));
		json_object_object_add(o, "skipped", json_object_new_int(a->skipped));
		json_object_object_add(o, "failed", json_object_new_int(a->failed));
		json_object_object_add(all, a->name, o);
	}
	return all;
}

/* "[stress] 90s: gw0 41 ok/12 expected/9 skipped/0 failed, ..." */
static void progress(const struct run *r, int64_t t)
{
	fprintf(stderr, "[stress] %" PRId64 "s:", (t - r->t_start) / 1000);
	for (int i = 0; i < r->nactors; i++)
		fprintf(stderr, "%s %s %u ok/%u expected/%u skipped/%u failed",
			i ? "," : "", r->actors[i].name, r->actors[i].ok,
			r->actors[i].expected, r->actors[i].skipped, r->actors[i].failed);
	fputc('\n', stderr);
}

static void write_verdict(struct run *r, const char *sig)
{
	json_object *j = json_object_new_object();
	char path[4096], seed[24];

	snprintf(seed, sizeof(seed), "0x%016" PRIx64, r->plan.seed);
	json_object_object_add(j, "cell", json_object_new_string(r->cell));
	json_object_object_add(j, "seed", json_object_new_string(seed));
	json_object_object_add(j, "verdict",
			       json_object_new_string(r->reason[0] ? "FAIL" : "PASS"));
	json_object_object_add(j, "reason", json_object_new_string(r->reason));
	json_object_object_add(j, "first_problem",
			       json_object_new_string(r->first_problem));
	json_object_object_add(j, "signature", json_object_new_string(sig ? sig : ""));
	json_object_object_add(j, "plan_ops", json_object_new_int(r->plan.n));
	json_object_object_add(j, "seconds",
			       json_object_new_int64(r->t_start ?
				       (now_ms() - r->t_start) / 1000 : 0));
	json_object_object_add(j, "reproduce",
			       json_object_new_string(r->reproduce ? r->reproduce : ""));
	json_object_object_add(j, "excluded",
			       json_object_new_string(r->exclude ? r->exclude : ""));
	json_object_object_add(j, "ops", stats_json(r, r->actors, r->nactors, 0));
	json_object_object_add(j, "ops_by_kind", stats_json(r, r->kinds, r->nkinds, 1));
	snprintf(path, sizeof(path), "%s/verdict.json", r->dir);
	if (json_object_to_file_ext(path, j, JSON_C_TO_STRING_PRETTY))
		fprintf(stderr, "mhp-stress: cannot write %s\n", path);
	json_object_put(j);
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "argv", 1, NULL, 'a' }, { "plan", 1, NULL, 'p' },
		{ "dir", 1, NULL, 'd' }, { "cell", 1, NULL, 'c' },
		{ "timeout", 1, NULL, 't' }, { "qmp", 1, NULL, 'q' },
		{ "vmem", 1, NULL, 'v' }, { "vmem-max", 1, NULL, 'm' },
		{ "reproduce", 1, NULL, 'r' }, { "vmlinux", 1, NULL, 'V' },
		{ "ksrc", 1, NULL, 'K' }, { "index", 1, NULL, 'I' },
		{ "exclude", 1, NULL, 'x' }, { "dimm-slots", 1, NULL, 'S' },
		{ "nodes", 1, NULL, 'N' }, { NULL, 0, NULL, 0 }
	};
	static struct run r;
	struct triage_opts to = { 0 };
	const char *argv_file = NULL, *plan_file = NULL;
	char path[4096], sig[TRIAGE_SIG_MAX] = "";
	uint64_t v;
	int c, rc;

	r.vmem_path = "/machine/peripheral/vm0";
	r.timeout_s = 900;
	r.cell = "";
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': argv_file = optarg; break;
		case 'p': plan_file = optarg; break;
		case 'd': r.dir = optarg; break;
		case 'c': r.cell = optarg; break;
		case 'q': r.qmp_path = optarg; break;
		case 'v': r.vmem_path = optarg; break;
		case 'r': r.reproduce = optarg; break;
		case 'V': to.vmlinux = optarg; break;
		case 'K': to.ksrc = optarg; break;
		case 'I': to.index = optarg; break;
		case 'x': r.exclude = optarg; break;
		case 't':
			if (parse_u64(optarg, &v) || !v || v > 86400 * 7)
				die("--timeout must be 1..604800 seconds, got '%s'", optarg);
			r.timeout_s = v;
			break;
		case 'm':
			if (parse_u64(optarg, &v))
				die("--vmem-max must be bytes, got '%s'", optarg);
			r.vmem_max = v;
			break;
		case 'S':
			if (parse_u64(optarg, &v) || v > MAX_SDIMMS)
				die("--dimm-slots must be 0..%d, got '%s'", MAX_SDIMMS, optarg);
			r.dimm_slots = v;
			break;
		case 'N':
			if (parse_u64(optarg, &v) || !v || v > 64)
				die("--nodes must be 1..64, got '%s'", optarg);
			r.nodes = v;
			break;
		default:
			die("run: unknown option (see stress/host.c)");
		}
	}
	if (!argv_file || !plan_file || !r.dir)
		die("usage: mhp-stress run --argv FILE --plan FILE --dir DIR [--cell C] [--timeout S] [--qmp SOCK --vmem QOMPATH --vmem-max BYTES] [--dimm-slots N --nodes N] [--exclude KIND,...] [--reproduce CMD] [--vmlinux V --ksrc DIR --index FILE]");
	if (r.exclude)
		check_kinds(r.exclude);
	read_plan(plan_file, &r.plan);

	snprintf(path, sizeof(path), "%s/console.log", r.dir);
	r.console = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/host.log", r.dir);
	r.hostlog = fopen(path, "w");
	if (!r.console || !r.hostlog)
		die("cannot write into %s", r.dir);
	snprintf(path, sizeof(path), "%s/tap.log", r.dir);
	close(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	r.tap_fd = open(path, O_RDONLY);

	the_run = &r;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	r.t_boot = now_ms();
	spawn_qemu(&r, argv_file);
	fprintf(stderr, "[stress] QEMU pid %d, %u planned ops, limit %us, console %s/console.log\n",
		r.qemu, r.plan.n, r.timeout_s, r.dir);

	for (;;) {
		struct pollfd p = { .fd = r.con_fd, .events = POLLIN };
		int64_t t = now_ms();

		poll(&p, 1, 100);
		while (r.con_fd >= 0 &&
		       (rc = pump(r.con_fd, r.con_buf, &r.con_len, sizeof(r.con_buf),
				  r.console, &r, console_line)) > 0)
			;
		if (r.con_fd >= 0 && rc == 0) {	/* EOF: QEMU closed stdout */
			close(r.con_fd);
			r.con_fd = -1;
		}
		while (pump(r.tap_fd, r.tap_buf, &r.tap_len, sizeof(r.tap_buf),
			    NULL, &r, agent_line) > 0)
			;
		if (r.qemu_status == -1 &&
		    waitpid(r.qemu, &r.qemu_status, WNOHANG) != r.qemu)
			r.qemu_status = -1;
		if (r.qemu_status != -1) {
			/* drain what is left, then judge the exit */
			while (r.con_fd >= 0 &&
			       pump(r.con_fd, r.con_buf, &r.con_len, sizeof(r.con_buf),
				    r.console, &r, console_line) > 0)
				;
			while (pump(r.tap_fd, r.tap_buf, &r.tap_len, sizeof(r.tap_buf),
				    NULL, &r, agent_line) > 0)
				;
			if (!r.agent_done || !r.host_done)
				fail(&r, "QEMU exited (status %d) before the plan ended",
				     WIFEXITED(r.qemu_status) ? WEXITSTATUS(r.qemu_status) :
				     128 + WTERMSIG(r.qemu_status));
			break;
		}
		if (r.t_start && !r.qmp_ok && r.qmp_path && !r.reason[0]) {
			if (qmp_open(&r.qmp, r.qmp_path, 5000))
				fail(&r, "host: QMP %s: %s", r.qmp_path, r.qmp.err);
			else
				r.qmp_ok = 1;
		}
		if (r.t_start && !r.reason[0])
			run_due_host_ops(&r);
		if (r.qmp_ok && !r.agent_done && !r.reason[0])
			vmem_watch(&r);
		if (r.qmp_ok && r.dimm_slots && !r.agent_done && !r.reason[0])
			dimm_watch(&r);
		if (r.t_problem && t - r.t_problem > AFTER_PROBLEM_S * 1000)
			break;
		if (!r.t_start && t - r.t_boot > BOOT_LIMIT_S * 1000) {
			fail(&r, "the agent did not start within %ds of boot", BOOT_LIMIT_S);
			break;
		}
		if (r.t_start && !r.agent_done && !r.t_problem &&
		    t - r.t_last_hb > HB_LIMIT_S * 1000) {
			fail(&r, "hang: no agent heartbeat for %ds", HB_LIMIT_S);
			r.t_problem = t;
		}
		if (t - r.t_boot > (int64_t)r.timeout_s * 1000) {
			fail(&r, "runner timeout after %us", r.timeout_s);
			break;
		}
		if (r.agent_done && r.host_done && !r.t_done)
			r.t_done = t;
		if (r.t_start && !r.t_done && t - r.t_progress > PROGRESS_S * 1000) {
			r.t_progress = t;
			progress(&r, t);
		}
		if (r.t_done && t - r.t_done > AFTER_DONE_S * 1000) {
			fail(&r, "the guest did not power off after the plan");
			break;
		}
	}
	stop_qemu(&r);
	if (r.qmp_ok)
		qmp_close(&r.qmp);
	if (!r.reason[0])
		check_minimums(&r);
	if (r.dimm_slots)
		fprintf(r.hostlog, "riscv-mhp: host dimm unplugs asked %u, completed %u, still plugged %d\n",
			r.unplug_asked, r.unplug_done, r.ndimms);
	if (!r.reason[0] && r.unplug_asked >= STRESS_MIN_ELIGIBLE && !r.unplug_done)
		fail(&r, "host: %u DIMM unplugs asked, none completed (the guest never ejected one)",
		     r.unplug_asked);
	fclose(r.console);
	fclose(r.hostlog);

	if (r.reason[0]) {
		to.dir = r.dir;
		to.fallback = r.reason;
		triage_run(&to, sig, sizeof(sig));
	}
	write_verdict(&r, sig);
	for (int i = 0; i < r.nactors; i++)
		fprintf(stderr, "[stress] actor %-5s ok %u, expected errno %u, skipped %u, failed %u\n",
			r.actors[i].name, r.actors[i].ok, r.actors[i].expected,
			r.actors[i].skipped, r.actors[i].failed);
	fprintf(stderr, "[stress] executed (ok+expected/skipped) per kind:");
	for (int i = 0; i < r.nkinds; i++)
		fprintf(stderr, " %s %u/%u", r.kinds[i].name,
			r.kinds[i].ok + r.kinds[i].expected, r.kinds[i].skipped);
	fputc('\n', stderr);
	if (r.exclude && *r.exclude)
		fprintf(stderr, "[stress] NOT RUN (EXCLUDE): %s\n", r.exclude);
	if (r.reason[0]) {
		fprintf(stderr, "[stress] FAIL: %s\n[stress] signature: %s\n", r.reason, sig);
		if (r.reproduce)
			fprintf(stderr, "[stress] reproduce: %s\n", r.reproduce);
	} else {
		fprintf(stderr, "[stress] PASS\n");
	}
	mhp_plan_free(&r.plan);
	return r.reason[0] ? 1 : 0;
}

/* --- triage -------------------------------------------------------------- */

/*
 * mhp-stress triage DIR: DIR/console.log's first kernel report into
 * DIR/report.txt (decoded with --vmlinux and --ksrc), its signature printed
 * and kept in DIR/signature; with no kernel report, --reason TEXT (the
 * verdict's) is the signature, numbers as N. A cell's run and a stress run
 * get the same signature for the same bug (ci/bundle compares them).
 */
static int cmd_triage(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vmlinux", 1, NULL, 'V' }, { "ksrc", 1, NULL, 'K' },
		{ "index", 1, NULL, 'I' }, { "reason", 1, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	struct triage_opts to = { 0 };
	char sig[TRIAGE_SIG_MAX];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'V': to.vmlinux = optarg; break;
		case 'K': to.ksrc = optarg; break;
		case 'I': to.index = optarg; break;
		case 'R': to.fallback = optarg; break;
		default: die("triage: unknown option");
		}
	}
	if (optind + 1 != argc)
		die("usage: mhp-stress triage DIR [--vmlinux V --ksrc KSRC] [--index FILE] [--reason TEXT]");
	to.dir = argv[optind];
	if (triage_run(&to, sig, sizeof(sig)) < 0)
		die("%s: no console.log", to.dir);
	printf("%s\n", sig);
	return 0;
}

/* --- vmem-bench ---------------------------------------------------------- */

/*
 * Grow virtio-mem by one step, wait until the guest plugged it, shrink it
 * back, wait until unplugged; one sample line per resize:
 * "riscv-mhp: bench sample vmem_grow|vmem_shrink US RC".
 */
static int cmd_vmem_bench(int argc, char **argv)
{
	struct qmp q;
	uint64_t secs, size, base = 0;
	const char *path = "/machine/peripheral/vm0";
	int64_t end;

	if (argc != 3 && argc != 4)
		die("usage: mhp-stress vmem-bench QMP_SOCKET SECONDS [QOM_PATH]");
	if (parse_u64(argv[2], &secs) || !secs)
		die("SECONDS must be a number > 0, got '%s'", argv[2]);
	if (argc == 4)
		path = argv[3];
	if (qmp_open(&q, argv[1], 10000))
		die("QMP %s: %s", argv[1], q.err);
	if (qmp_qom_get_u64(&q, path, "requested-size", &base))
		die("qom-get %s requested-size: %s", path, q.err);
	for (end = now_ms() + secs * 1000; now_ms() < end;) {
		for (int grow = 1; grow >= 0; grow--) {
			uint64_t want = base + (grow ? STRESS_VMEM_STEP : 0);
			int64_t t0 = now_ms() * 1000, deadline = now_ms() + 20000;
			int rc = qmp_qom_set_u64(&q, path, "requested-size", want);

			while (!rc && !(rc = qmp_qom_get_u64(&q, path, "size", &size)) &&
			       size != want) {
				if (now_ms() > deadline) {
					rc = -ETIMEDOUT;
					break;
				}
				usleep(2000);
			}
			printf("riscv-mhp: bench sample %s %" PRId64 " %d\n",
			       grow ? "vmem_grow" : "vmem_shrink",
			       now_ms() * 1000 - t0, rc);
			fflush(stdout);
		}
	}
	qmp_close(&q);
	return 0;
}

int cmd_minimize(int argc, char **argv);

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: mhp-stress plan|run|triage|minimize|vmem-bench|kinds ... (see stress/host.c)");
	if (!strcmp(argv[1], "plan"))
		return cmd_plan(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "triage"))
		return cmd_triage(argc - 1, argv + 1);
	if (!strcmp(argv[1], "minimize"))
		return cmd_minimize(argc - 1, argv + 1);
	if (!strcmp(argv[1], "vmem-bench"))
		return cmd_vmem_bench(argc - 1, argv + 1);
	if (!strcmp(argv[1], "kinds"))
		return cmd_kinds(argc - 1, argv + 1);
	die("unknown command '%s' (plan, run, triage, minimize, vmem-bench, kinds)", argv[1]);
}
