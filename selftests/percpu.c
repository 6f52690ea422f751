// SPDX-License-Identifier: GPL-2.0
/*
 * percpu: which first-chunk allocator the kernel chose (embed or page),
 * and dynamic percpu memory far beyond the first chunk, before and after
 * memory hot(un)plug. Needs the riscv-mhp opt-in (it loads the test
 * module and hot-adds memory).
 *
 * With NUMA nodes far apart (sparse NUMA on Sv39) the embedding allocator
 * cannot place its units within the vmalloc area and the kernel must fall
 * back to the page first chunk; without that fallback new percpu chunks
 * cannot be mapped and these allocations fail.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "mhp_module.h"
#include "mhp_util.h"

#define AREAS		1024
#define AREA_BYTES	8192	/* 8 MiB per CPU: many chunks past the first */
#define CYCLES		3
#define LEAK_SLACK_KB	2048	/* a chunk kept for reuse, rounding */

static struct mhp_env env;
static long long base_kb;	/* Percpu before the first allocation */

static void test_first_chunk(void)
{
	char line[256] = "", want[16];
	const char *got;

	cmdline_value("percpu_alloc", want, sizeof(want));
	/* units too far apart for the vmalloc area: the page fallback is right */
	if (!want[0] && !kmsg_find("falling back to page size", line, sizeof(line))) {
		ksft_print_msg("%s\n", line);
		strcpy(want, "page");
	}
	if (!want[0])
		strcpy(want, "embed");	/* the kernel's default */
	if (!kmsg_find("percpu: Embedded", line, sizeof(line)))
		got = "embed";
	else if (!kmsg_find("4K pages/cpu", line, sizeof(line)))
		got = "page";
	else
		got = "unknown";
	ksft_print_msg("first chunk: %s\n", line);
	ksft_test_result(!strcmp(got, want),
			 "first chunk allocator: %s (want: %s)\n", got, want);
}

/*
 * Percpu once the kernel is done releasing freed chunks: that happens in a
 * worker (pcpu_balance_workfn), after the free returned. Wait until the
 * value holds for a second (at most 10 s).
 */
static long long settled_percpu_kb(void)
{
	long long kb = meminfo_kb(-1, "Percpu"), prev;
	int same = 0;

	for (int i = 0; i < 50 && same < 5; i++) {
		usleep(200000);
		prev = kb;
		kb = meminfo_kb(-1, "Percpu");
		same = kb == prev ? same + 1 : 0;
	}
	return kb;
}

/*
 * Allocate beyond the first chunk, check Percpu is at least that much above
 * where it started (freed chunk pages may be kept for reuse), free.
 */
static int alloc_cycle(long long *freed_kb)
{
	long long during;
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	long long want_kb = (long long)AREAS * AREA_BYTES / 1024 * cpus;
	int rc = mhp_percpu(AREAS, AREA_BYTES), rc_free;

	during = meminfo_kb(-1, "Percpu");
	rc_free = mhp_percpu(0, 0);
	*freed_kb = settled_percpu_kb();
	if (rc || rc_free || during - base_kb < want_kb * 9 / 10) {
		ksft_print_msg("percpu %d x %d bytes on %ld CPUs: %s, free: %s; Percpu %lld -> %lld kB (want +%lld)\n",
			       AREAS, AREA_BYTES, cpus, rc ? strerror(-rc) : "ok",
			       rc_free ? strerror(-rc_free) : "ok", base_kb, during, want_kb);
		return -1;
	}
	return 0;
}

static void test_beyond_first_chunk(void)
{
	long long kb;

	ksft_test_result(!alloc_cycle(&kb), "%d KiB per CPU of dynamic percpu memory, freed\n",
			 AREAS * AREA_BYTES / 1024);
}

static void test_after_hotplug(void)
{
	const struct mem_range *h = &env.hidden[0];
	long long first = 0, kb = 0;
	int bad = 0, rc;
	const char *step;

	if (env.nr_hidden <= 0) {
		ksft_test_result_skip("no hidden RAM to hot-add\n");
		return;
	}
	for (int i = 0; i < CYCLES && !bad; i++) {
		struct mem_range r = { h->start, h->size, h->node };

		rc = mhp_add_online(&env, &r, r.node, "online_movable", &step);
		bad += alloc_cycle(&kb) != 0;
		if (!rc)
			rc = mhp_remove(r.start, r.size);
		if (rc) {
			ksft_print_msg("hotplug cycle %d: %s: %s\n", i, step, strerror(-rc));
			bad++;
		}
		if (!i)
			first = kb;
	}
	ksft_test_result(!bad && kb <= first + LEAK_SLACK_KB,
			 "%d hotplug cycles with percpu allocations: Percpu after free %lld -> %lld kB\n",
			 CYCLES, first, kb);
}

int main(void)
{
	struct kernel_health health;
	const char *why;

	ksft_print_header();
	why = mhp_require(MHP_NEED_DESTRUCTIVE | MHP_NEED_MODULE, &env);
	if (why)
		ksft_exit_skip("%s\n", why);
	env.nr_hidden = hidden_ranges(env.hidden, MHP_MAX_HIDDEN, env.block_size);
	base_kb = meminfo_kb(-1, "Percpu");
	kernel_health_begin(&health);
	ksft_set_plan(4);
	test_first_chunk();
	test_beyond_first_chunk();
	test_after_hotplug();
	ksft_test_result(kernel_health_end(&health) <= 0, "kernel health\n");
	mhp_module_unload();
	ksft_finished();
}
