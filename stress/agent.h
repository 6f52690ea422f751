/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest agent's op kinds: one table row per kind, with
 *   pre     precondition on the state the agent finds: resolves the op's
 *           raw operand r to a target (a block, a node, a process), or
 *           says why the op cannot run now (the op is then skipped;
 *           STRESS_SKIP_CELL: why it can never run in this cell);
 *   act     the action: 0 or -errno;
 *   ok      the errnos a correct kernel may return (0 is always fine);
 *   inv     the invariant checked after the action (NULL: none):
 *           NULL, or what is wrong.
 */
#ifndef MHP_AGENT_H
#define MHP_AGENT_H

#include <stdint.h>
#include <sys/types.h>

#define AGENT_DIR	"/opt/mhp/stress"
#define AGENT_RUN	"/run/mhp-stress"	/* locks and load bookkeeping */
/*
 * An op's deadline (seconds): past it, the op is a hang (agent.c's
 * watchdog). riscv_mhp.op_deadline=S on the guest's command line sets
 * another (to prove the watchdog: a deadline no op can keep).
 */
#define AGENT_OP_TIMEOUT 30
#define AGENT_DEADLINE_KEY "riscv_mhp.op_deadline"


struct target {
	int block;		/* memory block id, or -1 */
	uint64_t start;		/* physical address of the block */
	int node;
	int lock_fd;		/* the per-block lock held across act + inv */
	char owner[32];		/* iomem name: "System RAM (mhp_test)" ... */
	char how[24];		/* zone choice, stressor, ... */
	unsigned long a, b;	/* kind-specific numbers */
	pid_t pid;
	/*
	 * The kernel documents this op as retrying until a signal (offlining
	 * a kernel-zone block with pages it cannot move): EINTR at the op
	 * deadline is its answer, not a hang. Set by pre.
	 */
	int may_retry;
	char desc[200];		/* what the op resolved to, for the log */
};

struct gop {
	const char *name;
	const char *(*pre)(struct target *t, uint64_t r);
	int (*act)(struct target *t);
	const int *ok;		/* 0-terminated list of accepted -errno */
	const char *(*inv)(struct target *t, int rc);
};

extern const struct gop gops[];
/* Release a lock an op's pre took (t->lock_fd; -1: none). */
void agent_unlock(int fd);
/* Blocks whose state is want (NULL: all), sorted: count, ids in out. */
int blocks_in_state(const char *want, int *out, int max);
const struct gop *gop_find(const char *name);
/* One console line of the agent ("riscv-mhp: ..."), and a FAIL line that
 * counts against the actor's exit status. */
void agent_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void agent_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Op lines wait in a batch (agent.c): send it now. */
void agent_log_flush(void);
/* Stop what the load actor started (end of run). */
void load_stop_all(void);
/* CLOCK_MONOTONIC in microseconds. */
int64_t agent_now_us(void);
/* Where one op's time went (agent_run_op()): microseconds. */
struct op_times {
	int block;		/* the block the op went for, or -1 */
	int64_t total_us;	/* pre to the lock released, the log line included */
	int64_t pre_us, act_us, inv_us, log_us;
	int rc;			/* the act's, or -EPROTO: judged a failure */
	const char *skip;	/* pre's reason the op did not run, or NULL */
};
struct mhp_op;
/*
 * The op watchdog of a process that runs ops outside a plan (the bench),
 * started on the first call: an op still in its action deadline_s seconds
 * on (0: AGENT_OP_TIMEOUT) is a hang, or EINTR where it may retry.
 */
void agent_watchdog(int deadline_s);
/* Run one op as a stress actor does, judged and logged; tm may be NULL. */
void agent_run_op(const struct mhp_op *op, struct op_times *tm);
/* The bench: per-op latency for online/offline/add/remove in this guest. */
int agent_bench(unsigned int seconds);

#endif
