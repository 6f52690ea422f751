// SPDX-License-Identifier: GPL-2.0
/* Console -> verdict (see verdict.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verdict.h"

/* What the kernel prints when something went wrong; matched at the start of
 * a timestamped console line, or after "watchdog: " etc. via strstr. */
static const char *const problem_starts[] = {
	"Kernel panic",
	"BUG:",
	"kernel BUG at",
	"WARNING:",
	"Oops",
	"Unable to handle kernel",
	"Internal error:",
	"UBSAN:",
	"list_add corruption",
	"list_del corruption",
	NULL
};
static const char *const problem_anywhere[] = {
	"blocked for more than",	/* hung task */
	"rcu_sched self-detected stall",
	"rcu: INFO: rcu_",		/* RCU stalls */
	"soft lockup",
	"hard LOCKUP",
	NULL
};

void verdict_init(struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->plan = -1;
	v->exit_code = -1;
}

/* "[   12.345678] text" -> "text"; NULL if not a timestamped kernel line. */
static const char *strip_timestamp(const char *s)
{
	if (*s++ != '[')
		return NULL;
	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)*s))
		return NULL;
	while (isdigit((unsigned char)*s) || *s == '.')
		s++;
	if (*s++ != ']')
		return NULL;
	return *s == ' ' ? s + 1 : s;
}

const char *kernel_problem(const char *line)
{
	const char *text = strip_timestamp(line);

	if (!text)
		return NULL;
	for (int i = 0; problem_starts[i]; i++)
		if (!strncmp(text, problem_starts[i], strlen(problem_starts[i])))
			return text;
	for (int i = 0; problem_anywhere[i]; i++)
		if (strstr(text, problem_anywhere[i]))
			return text;
	return NULL;
}

/* "ok 3 name # SKIP why" etc. at *s; counts into the given counters. */
static int tap_result(const char *s, int *ok, int *not_ok, int *skip,
		      const char **name)
{
	int is_ok;

	if (!strncmp(s, "ok ", 3)) {
		is_ok = 1;
		s += 3;
	} else if (!strncmp(s, "not ok ", 7)) {
		is_ok = 0;
		s += 7;
	} else {
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	*name = s + strspn(s, " -");
	if (strstr(s, "# SKIP") || strstr(s, "# skip"))
		(*skip)++;
	else if (is_ok)
		(*ok)++;
	else
		(*not_ok)++;
	return is_ok ? 1 : -1;
}

void verdict_feed(struct verdict *v, const char *raw)
{
	char line[512];
	const char *p, *name;
	size_t n = strcspn(raw, "\r\n");

	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, raw, n);
	line[n] = '\0';

	p = kernel_problem(line);
	if (p) {
		if (!v->problems++)
			snprintf(v->first_problem, sizeof(v->first_problem), "%s", p);
		return;
	}
	if (!strncmp(line, "riscv-mhp: mmu=", 15)) {
		snprintf(v->mmu, sizeof(v->mmu), "%.7s", line + 15);
		return;
	}
	if (!strncmp(line, "riscv-mhp: runner timeout", 25)) {
		v->timed_out = 1;
		return;
	}
	if (sscanf(line, "riscv-mhp: run_tests exit=%d", &v->exit_code) == 1) {
		v->finished = 1;
		return;
	}
	if (!strcmp(line, "TAP version 13")) {
		v->tap_seen = 1;
		return;
	}
	if (v->tap_seen && v->plan < 0 && sscanf(line, "1..%d", &v->plan) == 1)
		return;
	if (!strncmp(line, "# ", 2)) {
		tap_result(line + 2, &v->sub_ok, &v->sub_not_ok, &v->sub_skip, &name);
		return;
	}
	if (v->tap_seen &&
	    tap_result(line, &v->ok, &v->not_ok, &v->skip, &name) < 0 &&
	    v->nfailed < VERDICT_MAX_LISTED)
		snprintf(v->failed[v->nfailed++], sizeof(v->failed[0]), "%s", name);
}

#define WHY(...) do { snprintf(why, whysz, __VA_ARGS__); return 0; } while (0)

int verdict_pass(const struct verdict *v, enum paging expect,
		 char *why, size_t whysz)
{
	int results = v->ok + v->not_ok + v->skip;

	if (v->problems)
		WHY("kernel: %s", v->first_problem);
	if (v->timed_out)
		WHY("guest hung: stopped at the runner timeout%s",
		    v->mmu[0] ? "" : " before reaching init");
	if (!v->mmu[0])
		WHY("guest never reported its paging mode (no boot to init?)");
	if (strcmp(v->mmu, paging_name(expect)))
		WHY("guest runs %s, cell wants %s", v->mmu, paging_name(expect));
	if (!v->finished)
		WHY("guest did not finish the suite (panic, hang or QEMU died)");
	if (!v->tap_seen || v->plan < 0)
		WHY("no TAP plan on the console");
	if (v->not_ok)
		WHY("%d of %d tests failed, first: %s", v->not_ok, results,
		    v->nfailed ? v->failed[0] : "?");
	if (results != v->plan)
		WHY("TAP plan says %d tests, %d reported", v->plan, results);
	if (v->plan == 0 || v->ok == 0)
		WHY("no test passed (%d skipped)", v->skip);
	if (v->exit_code)
		WHY("run_tests exited with %d", v->exit_code);
	return 1;
}
