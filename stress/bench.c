// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's bench mode (mhp-agent --bench SECONDS): per-op latency of
 * online, offline, add and remove on hidden RAM through the same op table
 * the stress plan uses (harness path), the same writes done bare (one
 * write(2) to the state file, nothing else: the harness overhead), and
 * stress-ng --memhotplug for the same time. First it idles while the host
 * measures virtio-mem grow/shrink over QMP. Prints "riscv-mhp: bench ..."
 * lines that stress/bench turns into a table and a plot.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "mhp_module.h"
#include "mhp_util.h"

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* One sample line: "riscv-mhp: bench sample KIND US RC". */
static void sample(const char *kind, int64_t us, int rc)
{
	printf("riscv-mhp: bench sample %s %" PRId64 " %d\n", kind, us, rc);
}

/*
 * Run one op kind through the harness (pre, act, inv); its latency. An op
 * whose precondition fails is not timed: the first such skip of each kind
 * is reported ("riscv-mhp: bench skip KIND: why"), so an empty phase says why.
 */
static int harness_op(const char *kind, uint64_t r)
{
	static char reported[256];
	const struct gop *g = gop_find(kind);
	struct target t = { .block = -1, .node = -1, .lock_fd = -1 };
	int64_t t0 = now_us();
	const char *why;
	int rc;

	why = g->pre(&t, r);
	if (why) {
		if (!strstr(reported, kind) &&
		    strlen(reported) + strlen(kind) + 2 < sizeof(reported)) {
			printf("riscv-mhp: bench skip %s: %s\n", kind, why);
			strcat(strcat(reported, kind), " ");
		}
		if (t.lock_fd >= 0)
			close(t.lock_fd);
		return -EAGAIN;
	}
	rc = g->act(&t);
	if (g->inv && g->inv(&t, rc))
		rc = -EPROTO;
	if (t.lock_fd >= 0)
		close(t.lock_fd);
	sample(kind, now_us() - t0, rc);
	return rc;
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
	int64_t t0 = now_us();
	int rc;

	snprintf(p, sizeof(p), SYSFS_MEMORY "/memory%d/state", id);
	rc = write_str(p, state);
	sample(kind, now_us() - t0, rc);
	return rc;
}

int agent_bench(unsigned int seconds)
{
	uint64_t bs = memory_block_size();
	struct mem_range hr[16];
	const char *why = mhp_module_load();
	int64_t end;
	int n, id, rc;
	char cmd[160];

	setvbuf(stdout, NULL, _IOLBF, 0);
	mkdir(AGENT_RUN, 0700);		/* the op table's block locks */
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
	/* 1. harness: add, online, offline, remove the hidden blocks */
	printf("riscv-mhp: bench phase harness %us\n", seconds);
	id = hr[0].start / bs;
	for (end = now_us() + seconds * 1000000LL; now_us() < end;) {
		harness_op("add", 0);
		/* online_movable (zone choice 1), then back */
		harness_op("online", 1ULL << 32 | pick_of(id, "offline"));
		harness_op("offline", pick_of(id, "online"));
		harness_op("remove", 0);
	}
	/* 2. bare: online/offline of one added movable block, plain writes */
	printf("riscv-mhp: bench phase bare %us\n", seconds);
	rc = mhp_add(hr[0].start, bs, hr[0].node);
	for (end = now_us() + seconds * 1000000LL; !rc && now_us() < end;) {
		bare_state(id, "online_movable", "bare_online");
		bare_state(id, "offline", "bare_offline");
	}
	block_set_state(id, "offline");
	mhp_remove(hr[0].start, bs);
	/* 3. stress-ng --memhotplug, same time */
	printf("riscv-mhp: bench phase stress-ng %us\n", seconds);
	snprintf(cmd, sizeof(cmd),
		 "cd /tmp && stress-ng --memhotplug 1 -t %us --metrics-brief 2>&1 | sed 's/^/riscv-mhp: bench stress-ng /'",
		 seconds);
	if (system(cmd))
		printf("riscv-mhp: bench stress-ng failed\n");
	printf("riscv-mhp: bench done\n");
	return 0;
}
