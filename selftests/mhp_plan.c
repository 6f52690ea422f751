// SPDX-License-Identifier: GPL-2.0
/* The plan format of mhp_plan.h: generation, text I/O, subsets. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mhp_plan.h"
#include "mhp_prng.h"

int mhp_parse_seed(const char *s, uint64_t *seed)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*seed = strtoull(s, &end, 0);
	return (errno || *end) ? -EINVAL : 0;
}

int mhp_plan_generate(struct mhp_plan *p, uint64_t seed, unsigned int n,
		      uint64_t duration_ms, const struct mhp_op_weight *w,
		      unsigned int nw)
{
	struct mhp_prng rng;
	unsigned int i, k, total = 0;

	for (k = 0; k < nw; k++)
		total += w[k].weight;
	if (!total)
		return -EINVAL;
	p->ops = calloc(n ? n : 1, sizeof(*p->ops));
	if (!p->ops)
		return -ENOMEM;
	p->seed = seed;
	p->n = n;
	mhp_prng_seed(&rng, seed);
	for (i = 0; i < n; i++) {
		struct mhp_op *op = &p->ops[i];
		uint32_t pick = mhp_prng_below(&rng, total);

		for (k = 0; pick >= w[k].weight; k++)
			pick -= w[k].weight;
		op->idx = i;
		op->t_ms = n ? duration_ms * i / n : 0;
		snprintf(op->actor, sizeof(op->actor), "%s", w[k].actor);
		snprintf(op->kind, sizeof(op->kind), "%s", w[k].kind);
		op->r = mhp_prng_next(&rng);
	}
	return 0;
}

int mhp_plan_write(FILE *f, const struct mhp_plan *p)
{
	unsigned int i;

	fprintf(f, "%s\nseed 0x%016" PRIx64 "\n# idx t_ms actor kind r\n",
		MHP_PLAN_MAGIC, p->seed);
	for (i = 0; i < p->n; i++) {
		const struct mhp_op *op = &p->ops[i];

		fprintf(f, "%u %" PRIu64 " %s %s 0x%016" PRIx64 "\n", op->idx,
			op->t_ms, op->actor, op->kind, op->r);
	}
	return fflush(f) ? -errno : 0;
}

static int plan_push(struct mhp_plan *p, unsigned int *cap,
		     const struct mhp_op *op)
{
	if (p->n == *cap) {
		unsigned int ncap = *cap ? *cap * 2 : 64;
		struct mhp_op *n = realloc(p->ops, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->ops = n;
		*cap = ncap;
	}
	p->ops[p->n++] = *op;
	return 0;
}

int mhp_plan_read(FILE *f, struct mhp_plan *p, unsigned int *line)
{
	char buf[256], seed[32];
	unsigned int cap = 0;
	int have_magic = 0, have_seed = 0, ret;

	memset(p, 0, sizeof(*p));
	*line = 0;
	while (fgets(buf, sizeof(buf), f)) {
		struct mhp_op op = { 0 };
		char r[32], tail;

		(*line)++;
		buf[strcspn(buf, "\n")] = '\0';
		if (!buf[0] || buf[0] == '#')
			continue;
		if (!have_magic) {
			if (strcmp(buf, MHP_PLAN_MAGIC))
				goto bad;
			have_magic = 1;
		} else if (!have_seed) {
			if (sscanf(buf, "seed %31s %c", seed, &tail) != 1 ||
			    mhp_parse_seed(seed, &p->seed))
				goto bad;
			have_seed = 1;
		} else {
			if (sscanf(buf, "%u %" SCNu64 " %23s %23s %31s %c",
				   &op.idx, &op.t_ms, op.actor, op.kind, r,
				   &tail) != 5 || mhp_parse_seed(r, &op.r))
				goto bad;
			ret = plan_push(p, &cap, &op);
			if (ret) {
				mhp_plan_free(p);
				return ret;
			}
		}
	}
	if (have_seed)
		return 0;
	(*line)++;
bad:
	mhp_plan_free(p);
	return -EINVAL;
}

int mhp_plan_subset(struct mhp_plan *dst, const struct mhp_plan *src,
		    const unsigned char *keep)
{
	unsigned int i, cap = 0;

	memset(dst, 0, sizeof(*dst));
	dst->seed = src->seed;
	for (i = 0; i < src->n; i++)
		if (keep[i] && plan_push(dst, &cap, &src->ops[i])) {
			mhp_plan_free(dst);
			return -ENOMEM;
		}
	return 0;
}

void mhp_plan_free(struct mhp_plan *p)
{
	free(p->ops);
	p->ops = NULL;
	p->n = 0;
}

uint64_t mhp_fresh_seed(void)
{
	FILE *f = fopen("/dev/urandom", "r");
	uint64_t seed;

	if (!f || fread(&seed, sizeof(seed), 1, f) != 1)
		seed = time(NULL);
	if (f)
		fclose(f);
	return seed;
}
