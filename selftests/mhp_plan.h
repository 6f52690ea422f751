/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one plan format of riscv-mhp, shared by the guest selftests
 * (random_walk) and the host stress engine (stress/).
 *
 * A plan is a list of ops drawn from a 64-bit seed. Each op names an actor,
 * an op kind and one raw 64-bit random operand r; the executor resolves r
 * against the state it finds ("the r mod n-th offline block"), so a plan
 * never depends on the machine that generated it, and the plan file alone
 * replays a run. Text form, one op per line:
 *
 *   riscv-mhp-plan 1
 *   seed 0x0000000000000003
 *   # idx t_ms actor kind r
 *   0 0 guest add 0x1d6b1e4b2a7cc5f1
 */
#ifndef MHP_PLAN_H
#define MHP_PLAN_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MHP_PLAN_MAGIC		"riscv-mhp-plan 1"
#define MHP_PLAN_NAME_MAX	24

struct mhp_op {
	unsigned int idx;
	uint64_t t_ms;			/* start time from plan start */
	char actor[MHP_PLAN_NAME_MAX];
	char kind[MHP_PLAN_NAME_MAX];
	uint64_t r;			/* raw operand, resolved at execution */
};

struct mhp_plan {
	uint64_t seed;
	unsigned int n;
	struct mhp_op *ops;
};

/* What a generator may draw: one row per op kind, with a relative weight. */
struct mhp_op_weight {
	const char *actor;
	const char *kind;
	unsigned int weight;
};

/*
 * Draws n ops from seed with the given weights, spread evenly over
 * duration_ms (0: all at t=0, a plain sequence). 0 or -errno.
 */
int mhp_plan_generate(struct mhp_plan *p, uint64_t seed, unsigned int n,
		      uint64_t duration_ms, const struct mhp_op_weight *w,
		      unsigned int nw);
int mhp_plan_write(FILE *f, const struct mhp_plan *p);
/* 0, or -EINVAL with *line set to the offending line number. */
int mhp_plan_read(FILE *f, struct mhp_plan *p, unsigned int *line);
/* Keeps the ops whose keep[idx] is set (minimisation); indices unchanged. */
int mhp_plan_subset(struct mhp_plan *dst, const struct mhp_plan *src,
		    const unsigned char *keep);
void mhp_plan_free(struct mhp_plan *p);

/*
 * 1 if name is one of the comma-separated words of list (NULL: none): op
 * kinds excluded from a plan's execution (riscv_mhp.exclude=, --exclude),
 * a test's --leave-out (subtests not run here: a known bug of this kernel).
 */
static inline int mhp_listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	if (!n)		/* strstr() would find "" at every step: no progress */
		return 0;
	for (const char *p = list; p && (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (!p[n] || p[n] == ','))
			return 1;
	return 0;
}
/* Parses a seed (decimal or 0x hex, the whole string): 0 or -EINVAL. */
int mhp_parse_seed(const char *s, uint64_t *seed);
/* A seed to explore with when none is given (/dev/urandom, else the time). */
uint64_t mhp_fresh_seed(void);

#endif /* MHP_PLAN_H */
