/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one PRNG of riscv-mhp: splitmix64 expands the 64-bit seed into the
 * state of xoshiro256**. Host (stress engine) and guest (selftests) code
 * include this header, so a seed means the same sequence everywhere.
 * Header-only and free of libc state: never use rand()/random() for plans.
 */
#ifndef MHP_PRNG_H
#define MHP_PRNG_H

#include <stdint.h>

struct mhp_prng {
	uint64_t s[4];
};

static inline uint64_t mhp_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void mhp_prng_seed(struct mhp_prng *p, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		p->s[i] = mhp_splitmix64(&seed);
}

static inline uint64_t mhp_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t mhp_prng_next(struct mhp_prng *p)
{
	uint64_t *s = p->s;
	uint64_t r = mhp_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = mhp_rotl(s[3], 45);
	return r;
}

/* Uniform in [0, n) (n > 0), without modulo bias worth caring about here:
 * Lemire's multiply-shift on the top 32 bits. */
static inline uint32_t mhp_prng_below(struct mhp_prng *p, uint32_t n)
{
	return (uint32_t)(((mhp_prng_next(p) >> 32) * (uint64_t)n) >> 32);
}

#endif /* MHP_PRNG_H */
