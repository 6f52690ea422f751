/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cell oracle: reads a guest console line by line and decides PASS or
 * FAIL from the kselftest TAP, the guest's own markers and the kernel's
 * complaints. The guest init prints the markers:
 *   riscv-mhp: mmu=sv57             the paging mode the guest really runs
 *   riscv-mhp: run_tests exit=N     the suite finished with status N
 * and ci/run-cell appends "riscv-mhp: runner timeout ..." when it had to
 * stop the guest.
 */
#ifndef MHP_VERDICT_H
#define MHP_VERDICT_H

#include <stddef.h>

#include "cell.h"

#define VERDICT_MAX_LISTED 16

struct verdict {
	int tap_seen;		/* top-level "TAP version 13" */
	int plan;		/* top-level "1..N", -1 if none */
	int ok, not_ok, skip;	/* top-level results (one per test program) */
	int sub_ok, sub_not_ok, sub_skip;	/* nested "# ok" etc. */
	int finished, exit_code;
	int timed_out;		/* the runner stopped a hung guest */
	char mmu[8];
	int problems;		/* kernel BUG/WARN/Oops/KASAN/panic/stall lines */
	char first_problem[200];
	int nfailed;
	char failed[VERDICT_MAX_LISTED][120];	/* names of failed tests */
};

void verdict_init(struct verdict *v);
void verdict_feed(struct verdict *v, const char *line);
/* 1 = PASS; otherwise 0 with the first reason in why. */
int verdict_pass(const struct verdict *v, enum paging expect,
		 char *why, size_t whysz);
/* The kernel complaint in a console line, or NULL (timestamp stripped). */
const char *kernel_problem(const char *line);

#endif
