/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cell oracle: reads a guest console line by line and decides PASS,
 * FAIL or KNOWN from the kselftest TAP, the guest's own markers and the
 * kernel's complaints, against the cell's plan (the tests it must run and
 * the known complaints set aside in it) and the registry of expectations
 * (kernel/bugs). The guest init prints the markers:
 *   riscv-mhp: mmu=sv57             the paging mode the guest really runs
 *   riscv-mhp: run_tests exit=N     the suite finished with status N
 * and ci/run-cell appends "riscv-mhp: runner timeout ..." when it had to
 * stop the guest.
 *
 * KNOWN is a failure explained: the cell matches a shipped entry's cells
 * and the *first* kernel report (the first complaint not set aside, with
 * its registers and call trace) matches its signature. Anything else that
 * fails is new: FAIL.
 */
#ifndef MHP_VERDICT_H
#define MHP_VERDICT_H

#include <stddef.h>

#include "cell.h"
#include "registry.h"

#define VERDICT_MAX_LISTED 16
#define VERDICT_MAX_TESTS 32
#define VERDICT_MAX_SETASIDE 8

/* What the cell must run: ci/run-cell writes it as RUN/CELL/plan. */
struct cell_plan {
	int ntests;
	char tests[VERDICT_MAX_TESTS][32];	/* must each report ok */
	int nleft;
	char left_out[VERDICT_MAX_TESTS][32];	/* left out for a known bug */
	char left_by[VERDICT_MAX_TESTS][64];	/* ... which one */
	int nsetaside;
	char setaside[VERDICT_MAX_SETASIDE][64];	/* entry names */
	char exclude[128];	/* random_walk op kinds not executed: "a,b" */
	char exclude_by[128];	/* ... for which entries */
	char subtests_out[128];	/* other tests' subtests not run: "test:name ..." */
	char subtests_out_by[128];	/* ... for which entries */
	int explicit_tests;			/* the user picked the tests */
};

struct test_result {
	char name[32];
	int state;		/* 1 ok, 0 not ok, 2 skip */
	char reason[160];	/* for a skip: the test's last SKIP line */
};

#define VERDICT_PREAMBLE	12

struct verdict {
	int tap_seen;		/* top-level "TAP version 13" */
	int plan;		/* top-level "1..N", -1 if none */
	int ok, not_ok, skip;	/* top-level results (one per test program) */
	int sub_ok, sub_not_ok, sub_skip;	/* nested "# ok" etc. */
	int finished, exit_code;
	int timed_out;		/* the runner stopped a hung guest */
	char mmu[8];
	int problems;		/* complaints not set aside */
	char first_problem[200];
	/* the first report: the first complaint not set aside and the kernel
	 * lines after it (registers, call trace) up to its end trace */
	char first_report[8192];
	int report_open;
	/* and the kernel lines just before it, oldest first: what the kernel
	 * printed to explain it (VM_BUG_ON_PAGE's page dump and reason, a
	 * check's own message), the last VERDICT_PREAMBLE lines */
	char first_preamble[VERDICT_PREAMBLE * 200];
	char recent[VERDICT_PREAMBLE][200];	/* ring of the last kernel lines */
	int nrecent;
	int set_aside;		/* complaints set aside as known */
	char first_set_aside[200];
	char first_sub_failure[300];	/* the first nested "not ok" line */
	int nfailed;
	char failed[VERDICT_MAX_LISTED][120];	/* names of failed tests */
	int nresults;
	struct test_result results[VERDICT_MAX_TESTS];
	char last_skip[160];	/* last nested SKIP line seen */
	/* set-aside signatures (from the plan), as entries */
	int nsa;
	const struct expect *sa[VERDICT_MAX_SETASIDE];
};

enum verdict_kind { VERDICT_PASS, VERDICT_FAIL, VERDICT_KNOWN };

void verdict_init(struct verdict *v);
/* complaints matching these entries' signatures are set aside */
void verdict_set_aside(struct verdict *v, const struct expect *e);
void verdict_feed(struct verdict *v, const char *line);
/* PASS, FAIL or KNOWN; the first reason in why, the entry in *known. */
enum verdict_kind verdict_judge(const struct verdict *v, const char *cell,
				enum paging expect, const struct cell_plan *plan,
				const struct expect *reg, int nreg,
				const struct expect **known, char *why, size_t whysz);
const char *verdict_kind_name(enum verdict_kind k);
/*
 * The entry of the cell whose signature the run's first complaint matches:
 * the first kernel report, or, in a run without one, the one failed
 * subtest's "not ok" line when it is the run's only failure
 */
const struct expect *verdict_known_entry(const struct verdict *v, const char *cell,
					 const struct expect *reg, int nreg);
/* 1 when report's call trace shows each function of chain (blank-separated,
 * innermost first) in that order */
int report_shows_chain(const char *report, const char *chain);
/* 1 when a line of the run's first report (or of its preamble) matches
 * the entry's signature */
int verdict_first_report_matches(const struct verdict *v, const struct expect *e);
/* The kernel complaint in a console line, or NULL (timestamp stripped). */
const char *kernel_problem(const char *line);

/*
 * The plan of a cell: the tests (append's riscv_mhp.tests=, else every
 * test) less those a known bug of the cell's kernel triggers or fails there
 * (an entry's leave_out: TEST, or TEST:KIND for random_walk's op kind KIND
 * only), and the known non-fatal complaints to set aside. boot: what the
 * cell's boot has (enum boot_has of registry.h); a test that needs what it
 * lacks is left out (refused when asked for by name). -1 with err on bad
 * input.
 */
int cell_plan_make(const char *cell, const char *append, unsigned int boot,
		   const struct expect *reg, int nreg, struct cell_plan *p,
		   char *err, size_t errsz);
/* path NULL: standard output */
int cell_plan_write(const struct cell_plan *p, const char *path);
int cell_plan_read(const char *path, struct cell_plan *p, char *err, size_t errsz);

#endif
