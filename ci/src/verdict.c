// SPDX-License-Identifier: GPL-2.0
/* Console -> verdict (see verdict.h). */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mhp_complaints.h"
#include "verdict.h"

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

	return text && mhp_is_complaint(text) ? text : NULL;
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

void verdict_set_aside(struct verdict *v, const struct expect *e)
{
	if (v->nsa < VERDICT_MAX_SETASIDE)
		v->sa[v->nsa++] = e;
}

/* "selftests: riscv-mhp: add_remove # SKIP" -> "add_remove" */
static void test_name(const char *s, char *out, size_t sz)
{
	const char *colon = strrchr(s, ':');
	size_t n;

	s = colon ? colon + 1 : s;
	s += strspn(s, " ");
	n = strcspn(s, " #");
	snprintf(out, sz, "%.*s", (int)n, s);
}

static void record_result(struct verdict *v, const char *name, int state)
{
	struct test_result *r;

	if (v->nresults == VERDICT_MAX_TESTS)
		return;
	r = &v->results[v->nresults++];
	test_name(name, r->name, sizeof(r->name));
	r->state = state;
	if (state == 2)
		snprintf(r->reason, sizeof(r->reason), "%s",
			 v->last_skip[0] ? v->last_skip : "no reason given");
	v->last_skip[0] = '\0';
}

/* the kernel lines before the first complaint, oldest first, into first_preamble */
static void preamble_keep(struct verdict *v)
{
	int n = v->nrecent < VERDICT_PREAMBLE ? v->nrecent : VERDICT_PREAMBLE;
	size_t len = 0;

	v->first_preamble[0] = '\0';
	for (int i = v->nrecent - n; i < v->nrecent; i++)
		len += snprintf(v->first_preamble + len, sizeof(v->first_preamble) - len,
				"%s%s", len ? "\n" : "", v->recent[i % VERDICT_PREAMBLE]);
}

void verdict_feed(struct verdict *v, const char *raw)
{
	char line[512];
	const char *p, *name;
	size_t n = strcspn(raw, "\r\n");
	int r, skip_before;

	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, raw, n);
	line[n] = '\0';

	p = kernel_problem(line);
	if (v->report_open) {
		/* the first report runs to its end trace (or the next one's cut) */
		const char *text = strip_timestamp(line);
		size_t len = strlen(v->first_report);

		if (text && (strstr(text, "[ cut here ]") ||
			     len + strlen(text) + 2 >= sizeof(v->first_report))) {
			v->report_open = 0;
		} else if (text) {
			snprintf(v->first_report + len, sizeof(v->first_report) - len,
				 "\n%s", text);
			if (strstr(text, "---[ end trace"))
				v->report_open = 0;
		}
	}
	if (p) {
		for (int i = 0; i < v->nsa; i++) {
			if (expect_signature_matches(v->sa[i], p)) {
				if (!v->set_aside++)
					snprintf(v->first_set_aside,
						 sizeof(v->first_set_aside), "%s", p);
				return;
			}
		}
		if (!v->problems++) {
			snprintf(v->first_problem, sizeof(v->first_problem), "%s", p);
			snprintf(v->first_report, sizeof(v->first_report), "%s", p);
			v->report_open = 1;
			preamble_keep(v);
		}
		return;
	}
	if (!v->problems && strip_timestamp(line))
		snprintf(v->recent[v->nrecent++ % VERDICT_PREAMBLE], sizeof(v->recent[0]),
			 "%s", strip_timestamp(line));
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
		const char *sk = strstr(line, "SKIP");

		/* a test's reason to skip: its last SKIP line before the result */
		if (sk)
			snprintf(v->last_skip, sizeof(v->last_skip), "%.159s", line + 2);
		if (tap_result(line + 2, &v->sub_ok, &v->sub_not_ok, &v->sub_skip,
			       &name) < 0 && !v->first_sub_failure[0])
			snprintf(v->first_sub_failure, sizeof(v->first_sub_failure),
				 "%.299s", line + 2);
		return;
	}
	/* 7.x's kselftest runner prints no top-level header or plan under
	 * make run_tests: its result lines are still "ok N selftests: ..." */
	if (!v->tap_seen && !strstr(line, " selftests: "))
		return;
	skip_before = v->skip;
	r = tap_result(line, &v->ok, &v->not_ok, &v->skip, &name);
	if (!r)
		return;
	record_result(v, name, v->skip != skip_before ? 2 : r > 0);
	if (r < 0 && v->nfailed < VERDICT_MAX_LISTED)
		snprintf(v->failed[v->nfailed++], sizeof(v->failed[0]), "%s", name);
}

/* 1 when the call trace in report shows each function of chain, in order */
int report_shows_chain(const char *report, const char *chain)
{
	char buf[256], *fn, *save;
	const char *at = report;

	snprintf(buf, sizeof(buf), "%s", chain);
	for (fn = strtok_r(buf, " \t", &save); fn; fn = strtok_r(NULL, " \t", &save)) {
		size_t n = strlen(fn);
		const char *hit = at;

		/* a trace line names it as "fn+0x..": not a longer name's tail */
		while ((hit = strstr(hit, fn)) &&
		       (hit[n] != '+' || (hit > report && (isalnum((unsigned char)hit[-1]) ||
							   hit[-1] == '_'))))
			hit += n;
		if (!hit)
			return 0;
		at = hit + n;
	}
	return 1;
}

/* 1 when a line of text matches the entry's signature */
static int a_line_matches(const char *text, const struct expect *e)
{
	char buf[sizeof(((struct verdict *)0)->first_report)], *line, *save;

	snprintf(buf, sizeof(buf), "%s", text);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (expect_signature_matches(e, line))
			return 1;
	return 0;
}

int verdict_first_report_matches(const struct verdict *v, const struct expect *e)
{
	if (!v->problems)
		return 0;
	if (e->chain[0] && !report_shows_chain(v->first_report, e->chain))
		return 0;
	return a_line_matches(v->first_report, e) || a_line_matches(v->first_preamble, e);
}

const char *verdict_kind_name(enum verdict_kind k)
{
	return k == VERDICT_PASS ? "PASS" : k == VERDICT_KNOWN ? "KNOWN" : "FAIL";
}

static const struct test_result *result_of(const struct verdict *v, const char *test)
{
	for (int i = 0; i < v->nresults; i++)
		if (!strcmp(v->results[i].name, test))
			return &v->results[i];
	return NULL;
}

#define WHY(...) do { snprintf(why, whysz, __VA_ARGS__); return 0; } while (0)

/* 1 = every rule holds; otherwise 0 with the first reason in why */
static int rules_hold(const struct verdict *v, enum paging expect,
		      const struct cell_plan *plan, char *why, size_t whysz)
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
	/* the cell's plan says what must report; without one, the TAP plan */
	if (!plan && (!v->tap_seen || v->plan < 0))
		WHY("no TAP plan on the console");
	if (v->not_ok)
		WHY("%d of %d tests failed, first: %s", v->not_ok, results,
		    v->nfailed ? v->failed[0] : "?");
	if (v->plan >= 0 && results != v->plan)
		WHY("TAP plan says %d tests, %d reported", v->plan, results);
	if (plan) {
		for (int i = 0; i < plan->ntests; i++) {
			const struct test_result *r = result_of(v, plan->tests[i]);

			if (!r)
				WHY("planned test %s did not report", plan->tests[i]);
			if (r->state == 2)
				WHY("unexpected skip: %s: %s", r->name, r->reason);
		}
	}
	if (v->plan == 0 || v->ok == 0)
		WHY("no test passed (%d skipped)", v->skip);
	if (plan && plan->ntests != results && v->plan < 0)
		WHY("%d tests planned, %d reported", plan->ntests, results);
	if (v->exit_code)
		WHY("run_tests exited with %d", v->exit_code);
	return 1;
}

enum verdict_kind verdict_judge(const struct verdict *v, const char *cell,
				enum paging expect, const struct cell_plan *plan,
				const struct expect *reg, int nreg,
				const struct expect **known, char *why, size_t whysz)
{
	static struct verdict excused;
	char unused[8];

	*known = NULL;
	if (rules_hold(v, expect, plan, why, whysz))
		return VERDICT_PASS;
	*known = verdict_known_entry(v, cell, reg, nreg);
	if (*known && !v->problems) {
		/* a test's own finding: known when the run holds without it */
		excused = *v;
		excused.not_ok = excused.nfailed = 0;
		excused.ok++;
		for (int i = 0; i < excused.nresults; i++)
			if (!excused.results[i].state)
				excused.results[i].state = 1;
		if (!rules_hold(&excused, expect, plan, unused, sizeof(unused)))
			*known = NULL;
	}
	return *known ? VERDICT_KNOWN : VERDICT_FAIL;
}

const struct expect *verdict_known_entry(const struct verdict *v, const char *cell,
					 const struct expect *reg, int nreg)
{
	/* the first complaint not set aside is a shipped bug's (a set-aside
	 * one too, when the run did not set it aside: its proof) */
	for (int i = 0; v->problems && i < nreg; i++)
		if (expect_applies(&reg[i], cell) && verdict_first_report_matches(v, &reg[i]))
			return &reg[i];
	/* no kernel complaint: one failed subtest, the run's only failure */
	if (v->problems || v->not_ok != 1 || v->sub_not_ok != 1)
		return NULL;
	for (int i = 0; i < nreg; i++)
		if (expect_applies(&reg[i], cell) &&
		    expect_signature_matches(&reg[i], v->first_sub_failure))
			return &reg[i];
	return NULL;
}

/* ----- the plan -------------------------------------------------------------- */

#undef WHY
#define FAIL(...) do { snprintf(err, errsz, __VA_ARGS__); return -1; } while (0)

static int word_in(const char *words, const char *w)
{
	char buf[512], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", words);
	for (tok = strtok_r(buf, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save))
		if (!strcmp(tok, w))
			return 1;
	return 0;
}

/* "a,b" += "c" */
static void add_word(char *list, size_t sz, const char *w)
{
	size_t n = strlen(list);

	if (!word_in(list, w))
		snprintf(list + n, sz - n, "%s%s", n ? "," : "", w);
}

/* the KINDs of leave_out's "TEST:KIND" words for this test, "a,b"; 0 if none */
static int op_kinds_left_out(const char *leave_out, const char *test, char *out, size_t sz)
{
	char buf[512], *tok, *save;
	size_t tl = strlen(test);

	out[0] = '\0';
	snprintf(buf, sizeof(buf), "%s", leave_out);
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
		if (!strncmp(tok, test, tl) && tok[tl] == ':' && tok[tl + 1])
			add_word(out, sz, tok + tl + 1);
	return out[0] != '\0';
}

int cell_plan_make(const char *cell, const char *append, unsigned int boot,
		   const struct expect *reg, int nreg, struct cell_plan *p,
		   char *err, size_t errsz)
{
	char all[1024], buf[1024], acpi_t[512], hide_t[512], *tok, *save;
	const char *t = append ? strstr(append, "riscv_mhp.tests=") : NULL;

	memset(p, 0, sizeof(*p));
	if (registry_list(AXIS_TEST, all, sizeof(all), ' '))
		FAIL("cannot read the tests of selftests/Makefile (TEST_GEN_PROGS)");
	/* tests that need what this boot lacks do not belong to this cell */
	if (registry_tests_need(BOOT_ACPI, acpi_t, sizeof(acpi_t)) ||
	    registry_tests_need(BOOT_HIDDEN_RAM, hide_t, sizeof(hide_t)))
		FAIL("cannot read MHP_ACPI_TESTS and MHP_HIDE_TESTS of selftests/Makefile");
	if (t) {
		t += strlen("riscv_mhp.tests=");
		snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(t, " "), t);
		p->explicit_tests = 1;
	} else {
		snprintf(buf, sizeof(buf), "%s", all);
	}
	for (tok = strtok_r(buf, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		const struct expect *by = NULL;

		if (!word_in(all, tok))
			FAIL("riscv_mhp.tests: no test '%s' (tests: %s)", tok, all);
		if (!(boot & BOOT_ACPI) && word_in(acpi_t, tok)) {
			if (p->explicit_tests)
				FAIL("riscv_mhp.tests: %s needs an ACPI boot (firmware acpi), and %s boots with a device tree",
				     tok, cell);
			continue;
		}
		if (!(boot & BOOT_HIDDEN_RAM) && word_in(hide_t, tok)) {
			if (p->explicit_tests)
				FAIL("riscv_mhp.tests: %s needs hidden RAM (topology 'hide'), and %s hides none",
				     tok, cell);
			continue;
		}
		/* tests asked for by name run, but without the op kinds and
		 * subtests behind a known bug */
		for (int i = 0; i < nreg && !by; i++) {
			char kinds[128];

			if (!expect_applies(&reg[i], cell))
				continue;
			if (word_in(reg[i].leave_out, tok)) {
				if (!p->explicit_tests)
					by = &reg[i];
			} else if (op_kinds_left_out(reg[i].leave_out, tok, kinds, sizeof(kinds)) &&
				   !strcmp(tok, "random_walk")) {
				add_word(p->exclude, sizeof(p->exclude), kinds);
				add_word(p->exclude_by, sizeof(p->exclude_by), reg[i].name);
			} else if (kinds[0]) {
				char *k, *ks;

				/* a subtest of another test: "test:name" */
				for (k = strtok_r(kinds, ",", &ks); k; k = strtok_r(NULL, ",", &ks)) {
					char w[96];

					snprintf(w, sizeof(w), "%s:%s", tok, k);
					add_word(p->subtests_out, sizeof(p->subtests_out), w);
				}
				add_word(p->subtests_out_by, sizeof(p->subtests_out_by), reg[i].name);
			}
		}
		if (by) {
			if (p->nleft == VERDICT_MAX_TESTS)
				FAIL("too many tests");
			snprintf(p->left_out[p->nleft], sizeof(p->left_out[0]), "%s", tok);
			snprintf(p->left_by[p->nleft++], sizeof(p->left_by[0]), "%s", by->name);
			continue;
		}
		if (p->ntests == VERDICT_MAX_TESTS)
			FAIL("too many tests");
		snprintf(p->tests[p->ntests++], sizeof(p->tests[0]), "%s", tok);
	}
	for (int i = 0; i < nreg; i++) {
		if (reg[i].effect != EFFECT_SETASIDE || !expect_applies(&reg[i], cell))
			continue;
		if (p->nsetaside == VERDICT_MAX_SETASIDE)
			FAIL("too many set-aside complaints");
		snprintf(p->setaside[p->nsetaside++], sizeof(p->setaside[0]), "%s",
			 reg[i].name);
	}
	if (!p->ntests)
		FAIL("%s: every test is left out (known bugs: %s)", cell,
		     p->nleft ? p->left_by[0] : "none");
	return 0;
}

int cell_plan_write(const struct cell_plan *p, const char *path)
{
	FILE *f = path ? fopen(path, "w") : stdout;

	if (!f)
		return -1;
	fprintf(f, "# what the cell must run (mhp-cell plan)\ntests='");
	for (int i = 0; i < p->ntests; i++)
		fprintf(f, "%s%s", i ? " " : "", p->tests[i]);
	fprintf(f, "'\nleft_out='");
	for (int i = 0; i < p->nleft; i++)
		fprintf(f, "%s%s:%s", i ? " " : "", p->left_out[i], p->left_by[i]);
	fprintf(f, "'\nsetaside='");
	for (int i = 0; i < p->nsetaside; i++)
		fprintf(f, "%s%s", i ? " " : "", p->setaside[i]);
	fprintf(f, "'\nexclude='%s'\nexclude_by='%s'\n", p->exclude, p->exclude_by);
	fprintf(f, "subtests_out='%s'\nsubtests_out_by='%s'\n", p->subtests_out,
		p->subtests_out_by);
	fprintf(f, "explicit=%s\n", p->explicit_tests ? "yes" : "no");
	return path ? fclose(f) : fflush(f);
}

static int split_into(const char *words, char (*out)[32], int max, char (*by)[64])
{
	char buf[1024], *tok, *save;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", words);
	for (tok = strtok_r(buf, " ", &save); tok && n < max; tok = strtok_r(NULL, " ", &save)) {
		char *colon = by ? strchr(tok, ':') : NULL;

		if (colon) {
			*colon = '\0';
			snprintf(by[n], 64, "%s", colon + 1);
		}
		snprintf(out[n++], 32, "%s", tok);
	}
	return n;
}

int cell_plan_read(const char *path, struct cell_plan *p, char *err, size_t errsz)
{
	struct kv kv;
	char (*sa)[32];

	memset(p, 0, sizeof(*p));
	if (kv_load(path, &kv, err, errsz))
		return -1;
	p->ntests = split_into(kv_get(&kv, "tests"), p->tests, VERDICT_MAX_TESTS, NULL);
	p->nleft = split_into(kv_get(&kv, "left_out"), p->left_out, VERDICT_MAX_TESTS,
			      p->left_by);
	sa = calloc(VERDICT_MAX_SETASIDE, 32);
	if (!sa)
		FAIL("out of memory");
	p->nsetaside = split_into(kv_get(&kv, "setaside"), sa, VERDICT_MAX_SETASIDE, NULL);
	for (int i = 0; i < p->nsetaside; i++)
		snprintf(p->setaside[i], sizeof(p->setaside[0]), "%s", sa[i]);
	free(sa);
	p->explicit_tests = !strcmp(kv_get(&kv, "explicit"), "yes");
	snprintf(p->exclude, sizeof(p->exclude), "%s", kv_get(&kv, "exclude"));
	snprintf(p->exclude_by, sizeof(p->exclude_by), "%s", kv_get(&kv, "exclude_by"));
	snprintf(p->subtests_out, sizeof(p->subtests_out), "%s", kv_get(&kv, "subtests_out"));
	snprintf(p->subtests_out_by, sizeof(p->subtests_out_by), "%s",
		 kv_get(&kv, "subtests_out_by"));
	if (!p->ntests)
		FAIL("%s: no tests planned", path);
	return 0;
}
