// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the stress engine's host side (cmocka): plans are a pure
 * function of (seed, duration) down to the byte, survive a write/read
 * round trip, and crash signatures ignore what varies between runs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mhp_plan.h"
#include "stress.h"
#include "triage.h"

/* The plan text of (seed, seconds), malloc'ed. */
static char *plan_text(uint64_t seed, uint64_t secs, size_t *len)
{
	struct mhp_plan p;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	assert_int_equal(stress_plan(&p, seed, secs * 1000), 0);
	assert_int_equal(mhp_plan_write(f, &p), 0);
	fclose(f);
	mhp_plan_free(&p);
	return buf;
}

static uint64_t fnv1a(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

static void test_same_seed_same_bytes(void **state)
{
	size_t la, lb;
	char *a = plan_text(42, 600, &la), *b = plan_text(42, 600, &lb);

	(void)state;
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);
}

/*
 * Same bytes on every machine: the hash of one plan, recorded when the
 * weight table was last changed (bump STRESS_PLAN_VERSION with it).
 */
#define GOLDEN_SEED	42
#define GOLDEN_SECS	600
#define GOLDEN_FNV1A	0x5cb5e6eda57d9ac0ULL

static void test_golden_plan(void **state)
{
	size_t len;
	char *a = plan_text(GOLDEN_SEED, GOLDEN_SECS, &len);

	(void)state;
	assert_int_equal(STRESS_PLAN_VERSION, 4);
	assert_int_equal(fnv1a(a, len), GOLDEN_FNV1A);
	free(a);
}

static void test_other_seed_other_plan(void **state)
{
	size_t la, lb;
	char *a = plan_text(1, 60, &la), *b = plan_text(2, 60, &lb);

	(void)state;
	assert_true(la != lb || memcmp(a, b, la));
	free(a);
	free(b);
}

static void test_round_trip(void **state)
{
	size_t len, len2;
	char *a = plan_text(7, 120, &len), *b = NULL;
	struct mhp_plan p;
	unsigned int line;
	FILE *f = fmemopen(a, len, "r"), *g;

	(void)state;
	assert_int_equal(mhp_plan_read(f, &p, &line), 0);
	fclose(f);
	assert_int_equal(p.n, 120 * STRESS_OPS_PER_SEC);
	g = open_memstream(&b, &len2);
	assert_int_equal(mhp_plan_write(g, &p), 0);
	fclose(g);
	assert_int_equal(len, len2);
	assert_memory_equal(a, b, len);
	mhp_plan_free(&p);
	free(a);
	free(b);
}

static void test_every_actor_drawn(void **state)
{
	struct mhp_plan p;
	int host = 0, gw0 = 0, gw1 = 0, load = 0, rd = 0;

	(void)state;
	assert_int_equal(stress_plan(&p, 3, 600 * 1000), 0);
	for (unsigned int i = 0; i < p.n; i++) {
		host += !strcmp(p.ops[i].actor, "host");
		gw0 += !strcmp(p.ops[i].actor, "gw0");
		gw1 += !strcmp(p.ops[i].actor, "gw1");
		load += !strcmp(p.ops[i].actor, "load");
		rd += !strcmp(p.ops[i].actor, "rd");
		assert_true(i == 0 || p.ops[i].t_ms >= p.ops[i - 1].t_ms);
	}
	assert_true(host > 0 && gw0 > 0 && gw1 > 0 && load > 0 && rd > 0);
	mhp_plan_free(&p);
}

static void test_exclude_list(void **state)
{
	(void)state;
	assert_true(mhp_listed("hmm", "hmm"));
	assert_true(mhp_listed("dax,hmm", "hmm"));
	assert_true(mhp_listed("hmm,dax", "dax"));
	assert_false(mhp_listed("hmm", "hm"));
	assert_false(mhp_listed("hmmm,xhmm", "hmm"));
	assert_false(mhp_listed("", "hmm"));
	assert_false(mhp_listed(NULL, "hmm"));
	assert_false(mhp_listed("hmm,dax", ""));
	assert_true(stress_kind_known("hmm") && stress_kind_known("vmem_grow"));
	assert_false(stress_kind_known("bogus"));
	{
		char k[MHP_PLAN_NAME_MAX] = "";

		assert_false(stress_unknown_kind("hmm,dax", k, sizeof(k)));
		assert_false(stress_unknown_kind("", k, sizeof(k)));
		assert_true(stress_unknown_kind("hmm,bogus,dax", k, sizeof(k)));
		assert_string_equal(k, "bogus");
	}
}

/* the least ok ops per kind: none below the floor, a rounded-up share above */
static void test_min_ok(void **state)
{
	(void)state;
	assert_int_equal(stress_min_ok(0), 0);
	assert_int_equal(stress_min_ok(STRESS_MIN_ELIGIBLE - 1), 0);
	assert_int_equal(stress_min_ok(STRESS_MIN_ELIGIBLE), 1);
	assert_int_equal(stress_min_ok(100), STRESS_MIN_OK_PCT);
	assert_int_equal(stress_min_ok(101), STRESS_MIN_OK_PCT + 1);
	/* a 600 s run plans ~100 online ops per worker: at least 10 must work */
	assert_true(stress_min_ok(200) >= 2 && stress_min_ok(200) <= 200);
}

static void test_normalize(void **state)
{
	char out[256];

	(void)state;
	triage_normalize("Unable to handle kernel paging request at virtual address ff60000080000000",
			 out, sizeof(out));
	assert_string_equal(out, "Unable to handle kernel paging request at virtual address X");
	triage_normalize("WARNING: CPU: 1 PID: 213 at mm/memory_hotplug.c:1234 offline_pages+0x1c/0x40",
			 out, sizeof(out));
	assert_string_equal(out, "WARNING: CPU: N PID: N at mm/memory_hotplug.c:1234 offline_pages");
	triage_normalize("kernel BUG at mm/page_alloc.c:42!", out, sizeof(out));
	assert_string_equal(out, "kernel BUG at mm/page_alloc.c:42");
}

static void test_signature(void **state)
{
	char *oops[] = {
		"[   10.1] riscv-mhp noise",
		"[   12.345678] Unable to handle kernel paging request at virtual address ff60000080000000",
		"[   12.345679] Oops [#1]",
		"[   12.345680] epc : free_vmemmap_storage+0x4c/0x68",
		"[   12.345681] Call Trace:",
		"[   12.345682] [<ffffffff80012345>] free_vmemmap_storage+0x4c/0x68",
		"[   12.345683] [<ffffffff80012400>] remove_pmd_mapping+0x100/0x120",
		"[   12.345684] [<ffffffff80012500>] dump_stack+0x10/0x20",
		"[   12.345685] [<ffffffff80012600>] vmemmap_free+0x10/0x20",
		"[   12.345686] [<ffffffff80012700>] section_deactivate+0x10/0x20",
		"[   12.345687] [<ffffffff80012800>] sparse_remove_section+0x10/0x20",
	};
	char sig[TRIAGE_SIG_MAX];

	(void)state;
	assert_int_equal(triage_signature(oops, 11, sig, sizeof(sig)), 1);
	assert_string_equal(sig, "Unable to handle kernel paging request at virtual address X"
			    " | epc free_vmemmap_storage | free_vmemmap_storage <"
			    " remove_pmd_mapping < vmemmap_free < section_deactivate");
	assert_int_equal(triage_signature(oops, 1, sig, sizeof(sig)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_bytes),
		cmocka_unit_test(test_golden_plan),
		cmocka_unit_test(test_other_seed_other_plan),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_actor_drawn),
		cmocka_unit_test(test_exclude_list),
		cmocka_unit_test(test_min_ok),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_signature),
	};

	return cmocka_run_group_tests_name("stress", tests, NULL, NULL);
}
