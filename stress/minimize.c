// SPDX-License-Identifier: GPL-2.0
/*
 * mhp-stress minimize: delta debugging (Zeller's ddmin) of a failing plan.
 * Every trial is a fresh guest: CMD runs with MHP_PLAN=<trial plan> and
 * MHP_RUN_DIR=<trial dir> in its environment and leaves <trial dir>/signature;
 * a trial "fails" when that signature equals the one being minimised.
 * Trial plans keep the ops' order and their actors, with the pauses between
 * ops capped (a minute of idle plan costs a minute per trial otherwise).
 *
 *   mhp-stress minimize --plan P --sig SIG --out OUT [--max-trials N] -- CMD...
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mhp_plan.h"
#include "triage.h"

#define GAP_CAP_MS	500

struct mini {
	const struct mhp_plan *orig;
	const char *sig, *workdir;
	char **cmd;
	unsigned int trials, max_trials;
	uint64_t gap_cap;
};

/* The plan of the ops keep[] selects, pauses capped. */
static int make_subset(const struct mini *m, const unsigned char *keep,
		       struct mhp_plan *out)
{
	uint64_t t = 0, prev = 0;
	int first = 1;

	if (mhp_plan_subset(out, m->orig, keep))
		return -ENOMEM;
	for (unsigned int i = 0; i < out->n; i++) {
		uint64_t gap = first ? 0 : out->ops[i].t_ms - prev;

		prev = out->ops[i].t_ms;
		t += gap < m->gap_cap ? gap : m->gap_cap;
		out->ops[i].t_ms = t;
		first = 0;
	}
	return 0;
}

static int fails(struct mini *m, const unsigned char *keep)
{
	char dir[4096], plan[4200], path[4300], got[TRIAGE_SIG_MAX + 2] = "";
	struct mhp_plan p;
	unsigned int n = 0;
	pid_t pid;
	FILE *f;
	int st, hit;

	for (unsigned int i = 0; i < m->orig->n; i++)
		n += keep[i];
	if (m->trials >= m->max_trials)
		return 0;
	m->trials++;
	snprintf(dir, sizeof(dir), "%s/trial-%03u", m->workdir, m->trials);
	mkdir(dir, 0755);
	snprintf(plan, sizeof(plan), "%s/plan", dir);
	if (make_subset(m, keep, &p))
		return 0;
	f = fopen(plan, "w");
	if (!f || mhp_plan_write(f, &p) || fclose(f)) {
		fprintf(stderr, "[minimize] cannot write %s\n", plan);
		mhp_plan_free(&p);
		return 0;
	}
	mhp_plan_free(&p);
	fprintf(stderr, "[minimize] trial %u/%u: %u ops (%s)\n", m->trials,
		m->max_trials, n, dir);
	pid = fork();
	if (pid == 0) {
		setenv("MHP_PLAN", plan, 1);
		setenv("MHP_RUN_DIR", dir, 1);
		freopen("/dev/null", "r", stdin);
		snprintf(path, sizeof(path), "%s/trial.log", dir);
		freopen(path, "w", stdout);
		dup2(1, 2);
		execvp(m->cmd[0], m->cmd);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 0;
	snprintf(path, sizeof(path), "%s/signature", dir);
	f = fopen(path, "r");
	if (f) {
		if (fgets(got, sizeof(got), f))
			got[strcspn(got, "\n")] = '\0';
		fclose(f);
	}
	hit = !strcmp(got, m->sig);
	fprintf(stderr, "[minimize]   -> %s%s\n", hit ? "same signature" :
		got[0] ? "other: " : "passed", hit ? "" : got);
	return hit;
}

/* ddmin over the kept set; keep[] shrinks in place. */
static void ddmin(struct mini *m, unsigned char *keep)
{
	unsigned int n = m->orig->n, gran = 2, *idx = malloc(n * sizeof(*idx));
	unsigned char *trial = malloc(n);

	for (;;) {
		unsigned int len = 0, chunk, c;
		int reduced = 0;

		for (unsigned int i = 0; i < n; i++)
			if (keep[i])
				idx[len++] = i;
		if (len < 2 || m->trials >= m->max_trials)
			break;
		if (gran > len)
			gran = len;
		chunk = (len + gran - 1) / gran;
		/* a chunk alone, then everything but a chunk */
		for (int pass = 0; pass < 2 && !reduced; pass++) {
			for (c = 0; c * chunk < len && !reduced; c++) {
				unsigned int lo = c * chunk, hi = lo + chunk;

				memset(trial, 0, n);
				for (unsigned int k = 0; k < len; k++) {
					int in = k >= lo && k < hi;

					if (pass == 0 ? in : !in)
						trial[idx[k]] = 1;
				}
				if (fails(m, trial)) {
					memcpy(keep, trial, n);
					gran = pass == 0 ? 2 : (gran > 2 ? gran - 1 : 2);
					reduced = 1;
				}
			}
		}
		if (reduced)
			continue;
		if (gran >= len)
			break;
		gran = gran * 2 < len ? gran * 2 : len;
	}
	free(idx);
	free(trial);
}

int cmd_minimize(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "plan", 1, NULL, 'p' }, { "sig", 1, NULL, 's' },
		{ "out", 1, NULL, 'o' }, { "max-trials", 1, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const char *plan_file = NULL, *out = NULL;
	struct mini m = { .max_trials = 24, .gap_cap = GAP_CAP_MS };
	struct mhp_plan orig, res;
	unsigned char *keep;
	unsigned int line, kept = 0;
	char workdir[4096];
	FILE *f;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'p': plan_file = optarg; break;
		case 's': m.sig = optarg; break;
		case 'o': out = optarg; break;
		case 'n': m.max_trials = strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "mhp-stress: minimize: unknown option\n");
			return 2;
		}
	}
	if (!plan_file || !m.sig || !*m.sig || !out || optind >= argc || !m.max_trials) {
		fprintf(stderr, "mhp-stress: usage: minimize --plan P --sig SIG --out OUT [--max-trials N] -- CMD...\n");
		return 2;
	}
	m.cmd = argv + optind;
	f = fopen(plan_file, "r");
	if (!f || mhp_plan_read(f, &orig, &line)) {
		fprintf(stderr, "mhp-stress: %s: not a readable plan\n", plan_file);
		return 2;
	}
	fclose(f);
	m.orig = &orig;
	snprintf(workdir, sizeof(workdir), "%s.d", out);
	mkdir(workdir, 0755);
	m.workdir = workdir;
	keep = malloc(orig.n);
	memset(keep, 1, orig.n);

	fprintf(stderr, "[minimize] %u ops, signature: %s\n", orig.n, m.sig);
	if (!fails(&m, keep)) {
		fprintf(stderr, "[minimize] not reproduced with pauses capped at %ums; trying the plan's own timing\n",
			GAP_CAP_MS);
		m.gap_cap = UINT64_MAX;
		if (!fails(&m, keep)) {
			fprintf(stderr, "[minimize] the plan does not reproduce the signature: nothing to minimise\n");
			return 1;
		}
	}
	ddmin(&m, keep);
	for (unsigned int i = 0; i < orig.n; i++)
		kept += keep[i];
	if (make_subset(&m, keep, &res))
		return 2;
	f = fopen(out, "w");
	if (!f) {
		fprintf(stderr, "mhp-stress: cannot write %s\n", out);
		return 2;
	}
	fprintf(f, "# minimised by mhp-stress from %s: %u -> %u ops in %u trials\n# signature: %s\n",
		plan_file, orig.n, kept, m.trials, m.sig);
	if (mhp_plan_write(f, &res) || fclose(f))
		return 2;
	fprintf(stderr, "[minimize] %u -> %u ops in %u trials: %s\n", orig.n, kept,
		m.trials, out);
	mhp_plan_free(&res);
	mhp_plan_free(&orig);
	free(keep);
	return 0;
}
