// SPDX-License-Identifier: GPL-2.0
/*
 * mhp-agent: the guest half of the stress engine. Runs every guest
 * actor's ops of a plan (one process per actor, each op at its planned
 * time), prints one line per op and a heartbeat on its console, and
 * reports broken invariants and unexpected errnos as FAIL lines. The host
 * engine (stress/host.c) reads those lines and watches the kernel console.
 *
 *   mhp-agent PLAN          run the plan's guest ops
 *   mhp-agent --bench SECS  per-op latencies (stress/bench)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "mhp_module.h"
#include "mhp_plan.h"
#include "mhp_util.h"
#include "stress.h"

#define MAX_ACTORS	8
#define LATE_GRACE_MS	120000	/* ops later than plan end + this: not run */
#define EXCLUDE_KEY	"riscv_mhp.exclude"

static char excluded[256];	/* riscv_mhp.exclude=a,b: kinds not run */
static int op_deadline = AGENT_OP_TIMEOUT;	/* seconds */

int64_t agent_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int64_t now_ms(void)
{
	return agent_now_us() / 1000;
}

/*
 * The op lines of an actor, batched. A write(2) to the console costs about
 * 250 us in a TCG guest whatever its length (make bench), as much as all
 * the checks of an op: so an op's line waits in the batch until the actor
 * is about to wait for its next op, LOG_BATCH_MS after the batch's first
 * line, or the batch is full; every other line (a FAIL, a note) sends the
 * batch first. Lines go out whole and in order, and lines of concurrent
 * actors never mix (one write(2) of whole lines). A panic in the middle of
 * back-to-back ops can swallow at most LOG_BATCH_MS of op lines; the
 * kernel's console and the plan tell the rest.
 */
#define LOG_BATCH_MS	100
static struct {
	pthread_mutex_t lock;	/* the actor and its watchdog */
	pid_t pid;		/* a forked child drops what it inherited */
	int64_t first_ms;
	size_t len;
	char buf[3072];
} batch = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void batch_flush_locked(void)
{
	if (batch.len && batch.pid == getpid() && write(1, batch.buf, batch.len) < 0)
		_exit(3);
	batch.len = 0;
}

/* Send the batch now (the actor is about to wait, or ends). */
void agent_log_flush(void)
{
	pthread_mutex_lock(&batch.lock);
	batch_flush_locked();
	pthread_mutex_unlock(&batch.lock);
}

/* One line (its text in buf, n bytes, '\n' included): batched, or now. */
static void put_line(const char *buf, int n, int batched)
{
	pthread_mutex_lock(&batch.lock);
	if (batch.pid != getpid())
		batch.len = 0;
	batch.pid = getpid();
	if (batch.len + n > sizeof(batch.buf))
		batch_flush_locked();
	if (!batched) {
		batch_flush_locked();
		if (write(1, buf, n) < 0)
			_exit(3);
	} else {
		if (!batch.len)
			batch.first_ms = now_ms();
		memcpy(batch.buf + batch.len, buf, n);
		batch.len += n;
		if (now_ms() - batch.first_ms >= LOG_BATCH_MS)
			batch_flush_locked();
	}
	pthread_mutex_unlock(&batch.lock);
}

static void vemit(int batched, const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s", prefix), m;

	m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	put_line(buf, n, batched);
}

/* A console line, now (after the batch). */
static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(0, "", fmt, ap);
	va_end(ap);
}

/* An op's line: batched. */
static void emit_op(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit_op(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(1, "", fmt, ap);
	va_end(ap);
}

static int actor_fails;	/* agent_fail() lines of this actor process */

void agent_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(0, STRESS_MARK, fmt, ap);
	va_end(ap);
}

void agent_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(0, STRESS_MARK_FAIL, fmt, ap);
	va_end(ap);
	actor_fails++;
}

static const char *errname(int rc)
{
	static char buf[16];
	const char *name = rc ? strerrorname_np(-rc) : "0";

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "E%d", -rc);
	return buf;
}

static void on_alarm(int sig)
{
	(void)sig;	/* interrupts a hung sysfs write: it returns EINTR */
}

/*
 * The op watchdog, one thread per actor process. An op still in its
 * action op_deadline seconds after it began is a hang, whatever it
 * returns then: the thread notes where the actor sleeps in the kernel
 * (wchan, stack) and interrupts it with SIGALRM, which ends an
 * interruptible wait (an offline retrying forever returns EINTR). If the
 * actor is still there AGENT_STUCK_S later (an uninterruptible wait), the
 * thread reports it itself: the actor cannot.
 */
#define AGENT_STUCK_S	30
static struct {
	pthread_mutex_t lock;
	pthread_t actor;
	pid_t tid;
	int64_t begun;		/* ms; 0: no op in its action */
	int fired, reported;
	char op[300];		/* "op N actor kind desc", for the stuck report */
	char where[600];	/* wchan and stack when it fired */
} wd = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int is_my_child(const struct proc_stat *st, void *arg)
{
	(void)arg;
	return st->ppid == getpid();
}

/*
 * Where the actor (thread tid) sleeps in the kernel, and its first child
 * if it has one (a command the op waits for: ndctl, daxctl).
 */
static void where_is(pid_t tid, char *out, size_t sz)
{
	struct proc_stat child;
	char p[64];
	size_t n;

	snprintf(p, sizeof(p), "/proc/self/task/%d", tid);
	proc_where(p, out, sz);
	n = strlen(out);
	if (n + 64 >= sz || !proc_find(is_my_child, NULL, &child))
		return;
	n += snprintf(out + n, sz - n, "; its child %d (%s): ", child.pid, child.comm);
	snprintf(p, sizeof(p), "/proc/%d", child.pid);
	proc_where(p, out + n, sz - n);
}

static void *watchdog(void *arg)
{
	(void)arg;
	for (;;) {
		int64_t t;

		usleep(500 * 1000);
		t = now_ms();
		pthread_mutex_lock(&wd.lock);
		if (wd.begun && !wd.fired && t - wd.begun > op_deadline * 1000LL) {
			where_is(wd.tid, wd.where, sizeof(wd.where));
			wd.fired = 1;
			pthread_kill(wd.actor, SIGALRM);
		} else if (wd.begun && wd.fired && !wd.reported &&
			   t - wd.begun > (op_deadline + AGENT_STUCK_S) * 1000LL) {
			char now[600];

			where_is(wd.tid, now, sizeof(now));
			agent_fail("%s: hang: still in the kernel %ds after SIGALRM; %s",
				   wd.op, AGENT_STUCK_S, now);
			wd.reported = 1;
		}
		pthread_mutex_unlock(&wd.lock);
	}
	return NULL;
}

static void watchdog_start(void)
{
	pthread_t th;

	wd.actor = pthread_self();
	wd.tid = syscall(SYS_gettid);
	if (pthread_create(&th, NULL, watchdog, NULL))
		agent_fail("agent: no op watchdog: %s", strerror(errno));
}

void agent_watchdog(int deadline_s)
{
	static int started;

	op_deadline = deadline_s > 0 ? deadline_s : AGENT_OP_TIMEOUT;
	if (!started++)
		watchdog_start();
}

/* An op enters its action. */
static void watchdog_arm(const struct mhp_op *op, const char *desc)
{
	pthread_mutex_lock(&wd.lock);
	snprintf(wd.op, sizeof(wd.op), "op %u %s %s %s", op->idx, op->actor,
		 op->kind, desc);
	wd.fired = wd.reported = 0;
	wd.begun = now_ms();
	pthread_mutex_unlock(&wd.lock);
}

/* It left: 1 (and where it was) if it ran past its deadline. */
static int watchdog_disarm(char *where, size_t sz)
{
	int fired;

	pthread_mutex_lock(&wd.lock);
	wd.begun = 0;
	fired = wd.fired;
	if (fired)
		snprintf(where, sz, "%s", wd.where);
	pthread_mutex_unlock(&wd.lock);
	return fired;
}

/*
 * Run one op; a failure (hang, unexpected errno, broken invariant) is an
 * agent_fail(). tm (may be NULL) gets where its time went: the bench.
 */
void agent_run_op(const struct mhp_op *op, struct op_times *tm)
{
	const struct gop *g = gop_find(op->kind);
	struct target t = { .block = -1, .node = -1, .lock_fd = -1 };
	const char *why, *bad = NULL;
	char where[600];
	int64_t t0 = agent_now_us(), t1, t2, t3, t4;
	int rc, expected = 0, hung;

	if (tm)
		*tm = (struct op_times){ .block = -1, .rc = -EAGAIN };
	if (!g) {
		agent_fail("op %u %s %s: unknown op kind", op->idx, op->actor, op->kind);
		if (tm)
			tm->skip = "unknown op kind";
		return;
	}
	if (mhp_listed(excluded, op->kind)) {
		emit_op(STRESS_MARK_OP "%u %s %s skip: " STRESS_SKIP_EXCLUDED "(" EXCLUDE_KEY "=%s)",
		     op->idx, op->actor, op->kind, excluded);
		if (tm)
			tm->skip = STRESS_SKIP_EXCLUDED;
		return;
	}
	why = g->pre(&t, op->r);
	if (why) {
		emit_op(STRESS_MARK_OP "%u %s %s skip: %s", op->idx, op->actor,
		     op->kind, why);
		if (tm)
			tm->skip = why;
		goto out;
	}
	t1 = agent_now_us();
	watchdog_arm(op, t.desc);
	rc = g->act(&t);
	hung = watchdog_disarm(where, sizeof(where));
	t2 = agent_now_us();
	if (!rc)
		expected = 1;
	for (const int *e = g->ok; *e && !expected; e++)
		expected = (-rc == *e);
	/* past the deadline: a hang, unless documented to retry until a signal */
	if (hung && t.may_retry && rc == -EINTR)
		expected = 1;
	else if (hung)
		bad = "hang: no return within the op deadline";
	else if (!expected)
		bad = "unexpected errno";
	else if (g->inv)
		bad = g->inv(&t, rc);
	t3 = agent_now_us();
	emit_op(STRESS_MARK_OP "%u %s %s %s rc=%s ms=%" PRId64 " %s", op->idx,
	     op->actor, op->kind, t.desc, errname(rc), (t3 - t1) / 1000,
	     bad ? "FAIL" : rc ? "expected" : "ok");
	t4 = agent_now_us();
	if (hung && bad)
		agent_fail("op %u %s %s %s: %s (%ds; rc=%s); %s", op->idx, op->actor,
			   op->kind, t.desc, bad, op_deadline, errname(rc), where);
	else if (bad)
		agent_fail("op %u %s %s %s: %s (rc=%s)", op->idx,
			   op->actor, op->kind, t.desc, bad, errname(rc));
	if (tm)
		*tm = (struct op_times){ .block = t.block, .pre_us = t1 - t0, .act_us = t2 - t1,
					 .inv_us = t3 - t2,
					 .log_us = t4 - t3, .rc = bad ? -EPROTO : rc };
out:
	agent_unlock(t.lock_fd);
	if (tm && !tm->skip)
		tm->total_us = agent_now_us() - t0;
}

/* One actor: its ops in plan order, each no earlier than planned. */
static int run_actor(const struct mhp_plan *p, const char *actor, int64_t t0,
		     int64_t hard_end)
{
	watchdog_start();
	for (unsigned int i = 0; i < p->n; i++) {
		const struct mhp_op *op = &p->ops[i];
		int64_t due = t0 + (int64_t)op->t_ms, left;

		if (strcmp(op->actor, actor))
			continue;
		if (due > now_ms())
			agent_log_flush();
		while ((left = due - now_ms()) > 0)
			usleep(left > 1000 ? 1000000 : left * 1000);
		if (now_ms() > hard_end) {
			emit_op(STRESS_MARK_OP "%u %s %s skip: behind schedule",
			     op->idx, op->actor, op->kind);
			continue;
		}
		agent_run_op(op, NULL);
	}
	if (!strcmp(actor, "load"))
		load_stop_all();
	agent_log_flush();
	return actor_fails > 255 ? 255 : actor_fails;
}

/*
 * Our console (hvc0) with output processing on turns each '\n' into a
 * write of its own ("\r\n"): every line costs a round trip to QEMU, a
 * batch of lines as many. Lines end in '\n' alone; the host reads either.
 */
static void raw_output(void)
{
	struct termios t;

	if (!tcgetattr(1, &t)) {
		t.c_oflag &= ~OPOST;
		tcsetattr(1, TCSANOW, &t);
	}
}

static void protect_from_oom(void)
{
	if (write_str("/proc/self/oom_score_adj", "-1000"))
		perror("oom_score_adj");
}

static int run_plan(const char *path)
{
	struct mhp_plan p;
	char actors[MAX_ACTORS][MHP_PLAN_NAME_MAX], kind[MHP_PLAN_NAME_MAX];
	pid_t pids[MAX_ACTORS];
	unsigned int line, nguest = 0;
	int na = 0, alive, fails = 0, st;
	int64_t t0, hard_end, last = 0;
	const char *why;
	FILE *f = fopen(path, "r");

	if (!f) {
		emit(STRESS_MARK_FAIL "agent: cannot open plan %s", path);
		return 2;
	}
	if (mhp_plan_read(f, &p, &line)) {
		emit(STRESS_MARK_FAIL "agent: %s:%u: bad plan line", path, line);
		return 2;
	}
	fclose(f);
	mkdir(AGENT_RUN, 0700);
	why = mhp_module_load();
	emit(STRESS_MARK "agent: mhp_test %s", why ? why : "loaded");
	cmdline_value(EXCLUDE_KEY, excluded, sizeof(excluded));
	cmdline_value(AGENT_DEADLINE_KEY, kind, sizeof(kind));
	if (kind[0] && (atoi(kind) < 1 || atoi(kind) > 3600)) {
		emit(STRESS_MARK_FAIL "agent: " AGENT_DEADLINE_KEY "=%s: want 1..3600 seconds", kind);
		return 2;
	}
	if (kind[0]) {
		op_deadline = atoi(kind);
		emit(STRESS_MARK "agent: op deadline %ds (" AGENT_DEADLINE_KEY ")", op_deadline);
	}
	if (stress_unknown_kind(excluded, kind, sizeof(kind))) {
		emit(STRESS_MARK_FAIL "agent: " EXCLUDE_KEY ": unknown op kind '%s'", kind);
		return 2;
	}
	if (excluded[0])
		emit(STRESS_MARK "agent: excluded op kinds: %s", excluded);
	for (unsigned int i = 0; i < p.n; i++) {
		int k;

		if (stress_is_host(p.ops[i].actor))
			continue;
		nguest++;
		if ((int64_t)p.ops[i].t_ms > last)
			last = p.ops[i].t_ms;
		for (k = 0; k < na && strcmp(actors[k], p.ops[i].actor); k++)
			;
		if (k == na && na < MAX_ACTORS)
			snprintf(actors[na++], MHP_PLAN_NAME_MAX, "%s", p.ops[i].actor);
	}
	t0 = now_ms();
	hard_end = t0 + last + LATE_GRACE_MS;
	emit(STRESS_MARK_START " seed=0x%016" PRIx64 " ops=%u guest_ops=%u actors=%d",
	     p.seed, p.n, nguest, na);
	for (int k = 0; k < na; k++) {
		pids[k] = fork();
		if (pids[k] < 0) {
			emit(STRESS_MARK_FAIL "agent: fork: %s", strerror(errno));
			return 2;
		}
		if (!pids[k])
			_exit(run_actor(&p, actors[k], t0, hard_end));
	}
	alive = na;
	while (alive) {
		sleep(STRESS_HB_SECONDS);
		emit(STRESS_MARK_HB "%" PRId64 "s", (now_ms() - t0) / 1000);
		for (int k = 0; k < na; k++) {
			if (pids[k] <= 0 || waitpid(pids[k], &st, WNOHANG) <= 0)
				continue;
			fails += WIFEXITED(st) ? WEXITSTATUS(st) : 1;
			if (!WIFEXITED(st))
				emit(STRESS_MARK_FAIL "agent: actor %s killed by signal %d",
				     actors[k], WTERMSIG(st));
			pids[k] = 0;
			alive--;
		}
	}
	mhp_percpu(0, 0);
	emit(STRESS_MARK_DONE " fails=%d seconds=%" PRId64, fails,
	     (now_ms() - t0) / 1000);
	mhp_plan_free(&p);
	return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: EINTR */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IONBF, 0);
	raw_output();
	protect_from_oom();
	if (chdir("/tmp"))
		perror("chdir /tmp");
	if (!mhp_in_test_guest()) {
		fprintf(stderr, "mhp-agent: not in a riscv-mhp test guest (no %s on the kernel command line): refusing to hotplug memory\n",
			MHP_OPTIN_TOKEN);
		return 2;
	}
	if (argc == 3 && !strcmp(argv[1], "--bench")) {
		char *end;
		unsigned long s = strtoul(argv[2], &end, 10);

		if (*end || !s) {
			fprintf(stderr, "mhp-agent: --bench needs seconds, got '%s'\n", argv[2]);
			return 2;
		}
		return agent_bench(s);
	}
	if (argc != 2) {
		fprintf(stderr, "usage: mhp-agent PLAN | mhp-agent --bench SECONDS\n");
		return 2;
	}
	return run_plan(argv[1]);
}
