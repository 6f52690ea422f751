// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's bench mode (mhp-agent --bench SECONDS), SECONDS per phase:
 *   vmem     idle while the host measures virtio-mem grow/shrink over QMP;
 *   harness  add, online, offline, remove a hidden block, each op run as a
 *            stress actor runs it (agent_run_op()), with where its time goes;
 *   toggle   one added block onlined and offlined through the harness and
 *            by bare writes in turn: the harness's overhead per op;
 *   stress-ng --memhotplug, and then its loop through the harness.
 * State changes are counted by uevents, a count the toggle phase proves.
 * Prints "riscv-mhp: bench ..." lines that stress/bench turns into a table
 * judged against the targets (bench_report.py) and a plot.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "mhp_module.h"
#include "mhp_plan.h"
#include "mhp_util.h"

/*
 * The samples of a phase wait in memory until it ends: a console write
 * costs as much as an op's checks (and far more while the kernel prints),
 * and a phase measures ops, not our printing.
 */
static struct {
	char *buf;
	size_t len, cap;
} samples;

/* Into the phase's samples: "riscv-mhp: bench sample KIND US RC [PRE ACT INV LOG]". */
static void sample_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sample_add(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (samples.cap - samples.len < 256) {
		char *p = realloc(samples.buf, samples.cap * 2 + 65536);

		if (!p)
			return;		/* a sample less; the phase goes on */
		samples.buf = p;
		samples.cap = samples.cap * 2 + 65536;
	}
	va_start(ap, fmt);
	n = vsnprintf(samples.buf + samples.len, samples.cap - samples.len, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < samples.cap - samples.len)
		samples.len += n;
}

/* The end of a phase: its samples (and the harness's op lines) out. */
static void samples_flush(void)
{
	agent_log_flush();
	fflush(stdout);
	if (samples.len && write(1, samples.buf, samples.len) < 0)
		perror("bench samples");
	samples.len = 0;
}

/* A bare write's sample (tm NULL), or a harness op's with where its time went. */
static void sample(const char *kind, int64_t us, int rc, const struct op_times *tm)
{
	if (!tm)
		sample_add("riscv-mhp: bench sample %s %" PRId64 " %d\n", kind, us, rc);
	else
		sample_add("riscv-mhp: bench sample %s %" PRId64 " %d %" PRId64 " %" PRId64
			   " %" PRId64 " %" PRId64 "\n", kind, us, rc, tm->pre_us, tm->act_us,
			   tm->inv_us, tm->log_us);
}

/*
 * Run one op kind as a stress actor does (agent_run_op(): pre, act under
 * the watchdog, the errno judged, inv, the op's log line); its latency and
 * where it went. An op whose precondition fails is not timed: the first
 * such skip of each kind is reported ("riscv-mhp: bench skip KIND: why"),
 * so an empty phase says why.
 */
static int harness_op_tm(const char *kind, uint64_t r, const char *label, struct op_times *out)
{
	static char reported[256];
	static unsigned int idx;
	struct mhp_op op = { .idx = idx++, .r = r };
	struct op_times tm;

	snprintf(op.actor, sizeof(op.actor), "bench");
	snprintf(op.kind, sizeof(op.kind), "%s", kind);
	agent_run_op(&op, &tm);
	if (out)
		*out = tm;
	if (tm.skip) {
		if (!strstr(reported, kind) &&
		    strlen(reported) + strlen(kind) + 2 < sizeof(reported)) {
			printf("riscv-mhp: bench skip %s: %s\n", kind, tm.skip);
			strcat(strcat(reported, kind), " ");
		}
		return -EAGAIN;
	}
	sample(label, tm.total_us, tm.rc, &tm);
	return tm.rc;
}

static int harness_op(const char *kind, uint64_t r, const char *label)
{
	return harness_op_tm(kind, r, label, NULL);
}

/* The operand that makes the op table pick block id among those in state. */
static uint64_t pick_of(int id, const char *state)
{
	int ids[1024], n = blocks_in_state(state, ids, 1024);

	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return i;
	return 0;
}

/* The bare sysfs write, nothing else. */
static int bare_state(int id, const char *state, const char *kind)
{
	char p[96];
	int64_t t0 = agent_now_us();
	int rc;

	snprintf(p, sizeof(p), SYSFS_MEMORY "/memory%d/state", id);
	rc = write_str(p, state);
	sample(kind, agent_now_us() - t0, rc, NULL);
	return rc;
}

/* Memory blocks' online/offline events so far: every state change sends one. */
static long long uevents(void)
{
	uint64_t v;

	return read_u64("/sys/kernel/uevent_seqnum", 10, &v) ? -1 : (long long)v;
}

/*
 * stress-ng --memhotplug's loop through the harness: the online blocks in
 * turn (offline's operand i picks the i-th, as long as the set stays the
 * same: the op says which block it took), each offlined and, if that
 * worked, onlined again (the one offline block), one bogo op per block.
 * Like stress-ng, an offline gets STRESSNG_OFFLINE_S and a block that
 * used them up is left alone for the rest of the phase.
 */
#define STRESSNG_OFFLINE_S	5
static void harness_memhotplug(unsigned int seconds)
{
	int ids[1024], stuck[1024] = { 0 }, n = blocks_in_state("online", ids, 1024), rc;
	long long bogo = 0, ev = uevents();
	int64_t t0 = agent_now_us(), end = t0 + seconds * 1000000LL;
	struct op_times tm;

	agent_watchdog(STRESSNG_OFFLINE_S);
	for (int i = 0; n > 0 && agent_now_us() < end; i = (i + 1) % n, bogo++) {
		if (stuck[i])
			continue;
		rc = harness_op_tm("offline", i, "loop_offline", &tm);
		if (tm.block != ids[i]) {	/* the set changed: list it again */
			n = blocks_in_state("online", ids, 1024);
			memset(stuck, 0, sizeof(stuck));
			if (n <= 0)
				break;
			i = n - 1;
			continue;
		}
		if (rc == -EINTR)
			stuck[i] = 1;
		else if (!rc)
			harness_op("online", 0, "loop_online");
	}
	agent_watchdog(0);
	printf("riscv-mhp: bench harness-memhotplug %lld bogo ops, %.2f s, %lld uevents\n",
	       bogo, (agent_now_us() - t0) / 1e6, uevents() - ev);
}

int agent_bench(unsigned int seconds)
{
	uint64_t bs = memory_block_size();
	struct mem_range hr[16];
	const char *why = mhp_module_load();
	long long ev, cycles = 0;
	int64_t end;
	int n, id, rc;
	char cmd[200];

	setvbuf(stdout, NULL, _IOLBF, 0);
	mkdir(AGENT_RUN, 0700);		/* the op table's block locks */
	agent_watchdog(0);		/* an op that hangs is interrupted, as in a plan */
	if (why) {
		printf("riscv-mhp: bench FAIL %s\n", why);
		return 1;
	}
	n = hidden_ranges(hr, 16, bs);
	if (n <= 0) {
		printf("riscv-mhp: bench FAIL no hidden RAM (topology needs hide)\n");
		return 1;
	}
	/* 0. the host grows and shrinks virtio-mem meanwhile (mhp-stress vmem-bench) */
	printf("riscv-mhp: bench phase vmem %us\n", seconds);
	sleep(seconds + 3);
	/* 1. harness: add, online, offline, remove a hidden block */
	printf("riscv-mhp: bench phase harness %us\n", seconds);
	id = hr[0].start / bs;
	for (end = agent_now_us() + seconds * 1000000LL; agent_now_us() < end;) {
		harness_op("add", 0, "add");
		/* online_movable (zone choice 1), then back */
		harness_op("online", 1ULL << 32 | pick_of(id, "offline"), "new_online");
		harness_op("offline", pick_of(id, "online"), "last_offline");
		harness_op("remove", 0, "remove");
	}
	samples_flush();
	/*
	 * 2. one added movable block onlined and offlined through the harness
	 * and by bare writes in turn: the harness's overhead per op, and the
	 * uevent count (one per state change) proven against what we did.
	 */
	printf("riscv-mhp: bench phase toggle %us\n", seconds);
	rc = mhp_add(hr[0].start, bs, hr[0].node);
	ev = uevents();
	for (end = agent_now_us() + seconds * 1000000LL; !rc && agent_now_us() < end; cycles++) {
		if (harness_op("online", 1ULL << 32 | pick_of(id, "offline"), "online") ||
		    harness_op("offline", pick_of(id, "online"), "offline") ||
		    bare_state(id, "online_movable", "bare_online") ||
		    bare_state(id, "offline", "bare_offline"))
			break;
	}
	samples_flush();
	printf("riscv-mhp: bench toggle %lld cycles, %lld uevents\n", cycles, uevents() - ev);
	block_set_state(id, "offline");
	mhp_remove(hr[0].start, bs);
	/* 3. stress-ng --memhotplug, same time */
	printf("riscv-mhp: bench phase stress-ng %us\n", seconds);
	ev = uevents();
	snprintf(cmd, sizeof(cmd),
		 "cd /tmp && stress-ng --memhotplug 1 -t %us --metrics-brief 2>&1 | sed 's/^/riscv-mhp: bench stress-ng /'",
		 seconds);
	if (system(cmd))
		printf("riscv-mhp: bench stress-ng failed\n");
	printf("riscv-mhp: bench stress-ng-uevents %lld\n", uevents() - ev);
	/* 4. its loop through our harness, same time */
	printf("riscv-mhp: bench phase harness-memhotplug %us\n", seconds);
	harness_memhotplug(seconds);
	samples_flush();
	printf("riscv-mhp: bench done\n");
	return 0;
}
