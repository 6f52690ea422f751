// SPDX-License-Identifier: GPL-2.0
/*
 * readers: the interfaces that read hotplug state, read while memory comes
 * and goes. Destructive: needs the riscv-mhp opt-in.
 *
 *   readers [--seed N] [--cycles N] [--leave-out READER,...]
 *   (under run_tests the seed is riscv_mhp.seed= of the kernel command
 *   line, else a random one; the first line of output says which; the
 *   cycles riscv_mhp.readers_cycles=, default 8; a reader left out is a
 *   known bug of this kernel, see kernel/bugs/)
 *
 * One process per reader (ptdump, kcore, kpageflags over the hidden RAM,
 * sysfs, alloc on the hidden RAM's nodes: see mhp_readers.h) loops over
 * what it reads until told to stop, while this process, for each of the
 * seed's cycles, hot-adds a few hidden blocks (the seed picks which and in
 * what order), onlines them movable, and offlines and removes them again.
 *
 * Each reader walks structures that a removal frees (page tables, the
 * memmap, kcore's list, the block devices); the kernel must keep it off
 * them (the memory hotplug lock, kclist_lock, kernfs); the alloc reader
 * has pages allocated and freed in zones whose span the adds and removals
 * change. What must hold, none of it taken from the kernel's own account:
 *  - every add, online and remove succeeds, as it does with no readers;
 *  - every reader completes passes, at least one of them across a
 *    removal (else nothing raced: a check that cannot fail), and stops
 *    within a deadline when told (else it hangs in the kernel: its stack
 *    and wchan are printed);
 *  - a read fails only where the interface says it may: a sysfs file of a
 *    block being removed (ENOENT, ENODEV); anything else is printed with
 *    its errno and fails the reader;
 *  - the kernel logs nothing new: a reader on freed page tables or memmap
 *    is a KASAN report or an oops on the console.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "mhp_module.h"
#include "mhp_plan.h"
#include "mhp_prng.h"
#include "mhp_readers.h"
#include "mhp_util.h"

#define STOP_DEADLINE_S	30
#define MAX_BLOCKS	64

/* Shared with the readers (MAP_SHARED): the parent writes gen and stop. */
struct shared {
	volatile uint64_t gen;	/* odd while a removal runs */
	volatile int stop;
	struct mhp_reader_stat r[MHP_NR_READERS];
	int left_out[MHP_NR_READERS];
};

static struct shared *sh;
static struct mhp_env env;
static struct mem_range blocks[MAX_BLOCKS];	/* every hidden block, its node */
static int nr_blocks;

static void reader(int r)
{
	struct mhp_reader_stat *s = &sh->r[r];

	while (!sh->stop) {
		uint64_t g0 = sh->gen, g1;

		mhp_reader_pass(r, s, blocks, nr_blocks);
		g1 = sh->gen;
		s->passes++;
		if (g0 != g1 || (g0 & 1))
			s->raced++;
	}
	_exit(0);
}

struct cycle_tally {
	int adds, removes, failed;
	char first_failure[160];
};

static void step_failed(struct cycle_tally *t, const char *step, uint64_t start, int rc)
{
	if (!t->failed++)
		snprintf(t->first_failure, sizeof(t->first_failure),
			 "%s [%#" PRIx64 "+%#" PRIx64 "]: %s (errno %d)", step,
			 start, env.block_size, strerror(-rc), -rc);
	ksft_print_msg("%s [%#" PRIx64 "+%#" PRIx64 "]: %s (errno %d)\n", step,
		       start, env.block_size, strerror(-rc), -rc);
}

/*
 * One cycle: add and online movable up to four blocks the seed picks,
 * then remove them in another order the seed picks. gen is odd around
 * each removal, so a reader knows its pass overlapped one.
 */
static void cycle(struct mhp_prng *p, struct cycle_tally *t)
{
	int pick[MAX_BLOCKS], n = 1 + mhp_prng_below(p, nr_blocks < 4 ? nr_blocks : 4);
	int added[MAX_BLOCKS], nr_added = 0;

	for (int i = 0; i < nr_blocks; i++)
		pick[i] = i;
	for (int i = 0; i < n; i++) {	/* the first n of a seeded shuffle */
		int j = i + mhp_prng_below(p, nr_blocks - i), tmp = pick[i];

		pick[i] = pick[j];
		pick[j] = tmp;
	}
	for (int i = 0; i < n; i++) {
		const struct mem_range *r = &blocks[pick[i]];
		const char *step;
		int rc;

		rc = mhp_add_online(&env, r, r->node, "online_movable", &step);
		t->adds++;
		if (rc)
			step_failed(t, step, r->start, rc);
		if (!rc || !strcmp(step, "online_movable"))
			added[nr_added++] = pick[i];
	}
	for (int i = nr_added - 1; i > 0; i--) {
		int j = mhp_prng_below(p, i + 1), tmp = added[i];

		added[i] = added[j];
		added[j] = tmp;
	}
	for (int i = 0; i < nr_added; i++) {
		int rc;

		sh->gen++;
		rc = mhp_remove(blocks[added[i]].start, blocks[added[i]].size);
		sh->gen++;
		t->removes++;
		if (rc)
			step_failed(t, "remove", blocks[added[i]].start, rc);
	}
}

/* Tell the readers to stop; reap them within the deadline. 1 if all did. */
static int stop_readers(pid_t *pid, int *hung)
{
	time_t end = time(NULL) + STOP_DEADLINE_S;
	int left = 0;

	sh->stop = 1;
	for (int r = 0; r < MHP_NR_READERS; r++)
		left += pid[r] > 0;
	while (left && time(NULL) < end) {
		for (int r = 0; r < MHP_NR_READERS; r++)
			if (pid[r] > 0 && waitpid(pid[r], NULL, WNOHANG) == pid[r]) {
				pid[r] = 0;
				left--;
			}
		if (left)
			usleep(100000);
	}
	for (int r = 0; r < MHP_NR_READERS; r++) {
		char dir[32], where[600];

		hung[r] = pid[r] > 0;
		if (!hung[r])
			continue;
		snprintf(dir, sizeof(dir), "/proc/%d", pid[r]);
		proc_where(dir, where, sizeof(where));
		ksft_print_msg("%s reader (pid %d) still running %ds after stop: hung in the kernel? %s\n",
			       mhp_reader_name[r], pid[r], STOP_DEADLINE_S, where);
		kill(pid[r], SIGKILL);
		waitpid(pid[r], NULL, 0);
	}
	return !left;
}

static void usage_exit(const char *why)
{
	fprintf(stderr, "readers: %s\nusage: readers [--seed N] [--cycles N] [--leave-out READER,...] (readers: ptdump, kcore, kpageflags, sysfs, alloc)\n",
		why);
	exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "cycles", required_argument, NULL, 'c' },
		{ "leave-out", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct kernel_health health;
	struct cycle_tally t = { 0 };
	struct mhp_prng prng;
	pid_t pid[MHP_NR_READERS] = { 0 };
	int hung[MHP_NR_READERS] = { 0 }, cycles = 8, o, have_seed = 0;
	char val[32] = "";
	uint64_t seed = 0;
	const char *why, *leave_out = "";

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			if (mhp_parse_seed(optarg, &seed))
				usage_exit("--seed wants a number (decimal or 0x hex)");
			have_seed = 1;
			break;
		case 'c':
			snprintf(val, sizeof(val), "%s", optarg);
			break;
		case 'l':
			leave_out = optarg;
			for (const char *w = leave_out; *w; w += strcspn(w, ",") + !!w[strcspn(w, ",")])
				if (mhp_reader_find(w, strcspn(w, ",")) < 0)
					usage_exit("--leave-out names an unknown reader");
			break;
		default:
			usage_exit("unknown option");
		}
	}
	if (!*val)
		cmdline_value("riscv_mhp.readers_cycles", val, sizeof(val));
	if (*val) {
		cycles = atoi(val);
		if (cycles < 1 || cycles > 10000)
			usage_exit("the cycles (--cycles, riscv_mhp.readers_cycles=) want 1..10000");
	}
	if (!have_seed) {
		cmdline_value("riscv_mhp.seed", val, sizeof(val));
		have_seed = *val && !mhp_parse_seed(val, &seed);
	}
	if (!have_seed)
		seed = mhp_fresh_seed();

	ksft_print_header();
	why = mhp_require(MHP_NEED_DESTRUCTIVE | MHP_NEED_MODULE | MHP_NEED_HIDDEN, &env);
	if (why)
		ksft_exit_skip("%s\n", why);
	for (int h = 0; h < env.nr_hidden; h++)
		for (uint64_t a = env.hidden[h].start;
		     a < env.hidden[h].start + env.hidden[h].size && nr_blocks < MAX_BLOCKS;
		     a += env.block_size)
			blocks[nr_blocks++] = (struct mem_range){ a, env.block_size,
								 env.hidden[h].node };
	ksft_print_msg("seed 0x%016" PRIx64 ", %d cycles over %d hidden blocks; replay: readers --seed 0x%016" PRIx64 " --cycles %d\n",
		       seed, cycles, nr_blocks, seed, cycles);
	kmsg_note("readers seed 0x%016" PRIx64 ", %d cycles\n", seed, cycles);
	mhp_prng_seed(&prng, seed);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s (errno %d)\n", strerror(errno), errno);
	ksft_set_plan(1 + MHP_NR_READERS + 1);
	kernel_health_begin(&health);
	for (int r = 0; r < MHP_NR_READERS; r++) {
		sh->left_out[r] = mhp_listed(leave_out, mhp_reader_name[r]);
		mhp_reader_unavailable(r, sh->r[r].unavailable, sizeof(sh->r[r].unavailable));
		if (sh->r[r].unavailable[0] || sh->left_out[r])
			continue;
		fflush(NULL);
		pid[r] = fork();
		if (pid[r] < 0)
			ksft_exit_fail_msg("fork: %s (errno %d)\n", strerror(errno), errno);
		if (!pid[r])
			reader(r);
	}
	for (int c = 0; c < cycles; c++)
		cycle(&prng, &t);
	stop_readers(pid, hung);

	ksft_test_result(!t.failed && t.removes > 0,
			 "%d cycles: %d adds, %d removes (online_movable), %d failed%s%s\n",
			 cycles, t.adds, t.removes, t.failed, t.failed ? ", first: " : "",
			 t.first_failure);
	for (int r = 0; r < MHP_NR_READERS; r++) {
		struct mhp_reader_stat *s = &sh->r[r];

		if (sh->left_out[r]) {
			ksft_test_result_skip("%s: left out (--leave-out: a known bug of this kernel)\n",
					      mhp_reader_name[r]);
			continue;
		}
		if (s->unavailable[0]) {
			ksft_test_result_skip("%s: %s\n", mhp_reader_name[r], s->unavailable);
			continue;
		}
		char first[224] = "";

		if (s->errors)
			snprintf(first, sizeof(first), " (first: %s)", s->first_error);
		ksft_test_result(!hung[r] && !s->errors && s->passes > 0 && s->raced > 0,
				 "%s: %" PRIu64 " passes, %" PRIu64 " across a removal, %" PRIu64 " bytes, %" PRIu64 " errors%s%s\n",
				 mhp_reader_name[r], s->passes, s->raced, s->bytes, s->errors,
				 first, hung[r] ? "; hung after stop" : "");
	}
	ksft_test_result(kernel_health_end(&health) <= 0, "kernel health\n");
	mhp_module_unload();
	ksft_finished();
}
