// SPDX-License-Identifier: GPL-2.0
/*
 * random_walk: a seeded sequence of memory hot(un)plug operations with the
 * model checked after every one. Destructive: needs the riscv-mhp opt-in.
 *
 *   random_walk [--seed N] [--ops N] [--replay PLAN] [--plan-out FILE]
 *   (under run_tests: KSELFTEST_RANDOM_WALK_ARGS="--seed 3 --ops 60")
 *
 * The plan (mhp_plan.h, the same format the stress engine uses) comes from
 * the seed alone; each op's raw operand picks its target among what the
 * current state offers: a hidden block to add and its node, an offline
 * block to online and the zone, an online block to offline, an added block
 * to remove, a test_hmm cycle, a percpu allocation. Every op is printed
 * with what it chose and what the kernel answered, so the log replays.
 *
 * The model: each block is absent, offline or online, with a node. After
 * every op sysfs must agree with it block by block, MemTotal and every
 * node's MemTotal must equal their start values plus the online blocks
 * gained, and dmesg must have no new complaint.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "mhp_hmm.h"
#include "mhp_module.h"
#include "mhp_plan.h"
#include "mhp_util.h"

#define DEFAULT_OPS	40
#define MAX_BLOCKS	1024
#define MIN_FREE_KB	(256 * 1024)	/* never offline the guest into OOM */

enum bstate { ABSENT, OFFLINE, ONLINE };

struct block {
	enum bstate state, state0;	/* now, and before the first op */
	int kernel0;		/* online in a kernel zone before the first op */
	int node;
	int hidden;		/* hot-addable: one of the hidden blocks */
};

static struct mhp_env env;
static struct block model[MAX_BLOCKS];
static int nr_blocks;			/* ids below this are modelled */
static long long total0, node_total0[64];
static int online0, node_online0[64];
static struct kernel_health health;
static const char *hmm_missing;

/* --- the model -------------------------------------------------------- */

static int block_kb(void)
{
	return env.block_size / 1024;
}

static void model_init(void)
{
	int *ids, n = memory_block_ids(&ids);

	for (int i = 0; i < n; i++)
		if (ids[i] < MAX_BLOCKS) {
			model[ids[i]].state = block_state_is(ids[i], "online") ? ONLINE : OFFLINE;
			model[ids[i]].state0 = model[ids[i]].state;
			if (model[ids[i]].state == ONLINE) {
				char zone[16];

				block_zone(ids[i], zone, sizeof(zone));
				model[ids[i]].kernel0 = is_kernel_zone(zone);
			}
			model[ids[i]].node = block_node(ids[i]);
			nr_blocks = ids[i] + 1 > nr_blocks ? ids[i] + 1 : nr_blocks;
		}
	free(ids);
	for (int h = 0; h < env.nr_hidden; h++)
		for (uint64_t a = env.hidden[h].start; a < env.hidden[h].start + env.hidden[h].size;
		     a += env.block_size) {
			int id = a / env.block_size;

			if (id >= MAX_BLOCKS)
				continue;
			model[id].hidden = 1;
			nr_blocks = id + 1 > nr_blocks ? id + 1 : nr_blocks;
		}
	total0 = meminfo_kb(-1, "MemTotal");
	for (int i = 0; i < env.nr_nodes && env.nodes[i] < 64; i++)
		node_total0[env.nodes[i]] = meminfo_kb(env.nodes[i], "MemTotal");
	for (int id = 0; id < nr_blocks; id++)
		if (model[id].state == ONLINE) {
			online0++;
			node_online0[model[id].node]++;
		}
}

static long long node_total(int node)
{
	long long kb = meminfo_kb(node, "MemTotal");

	return kb < 0 ? 0 : kb;	/* a memoryless node may have no meminfo */
}

/* sysfs, meminfo and dmesg against the model: 0 or the number of faults */
static int check_invariants(void)
{
	int bad = 0, online = 0, node_online[64] = { 0 };
	long long total;
	char st[32];

	for (int id = 0; id < nr_blocks; id++) {
		int present = !block_attr(id, "state", st, sizeof(st));
		enum bstate now = !present ? ABSENT : !strcmp(st, "online") ? ONLINE : OFFLINE;

		if (present && strcmp(st, "online") && strcmp(st, "offline")) {
			ksft_print_msg("  memory%d: state '%s'\n", id, st);
			bad++;
		}
		if (now != model[id].state) {
			ksft_print_msg("  memory%d: sysfs says %s, model %d\n", id,
				       present ? st : "absent", model[id].state);
			bad++;
		}
		if (present && block_node(id) != model[id].node) {
			ksft_print_msg("  memory%d: node %d, model %d\n", id, block_node(id),
				       model[id].node);
			bad++;
		}
		if (model[id].state == ONLINE) {
			online++;
			node_online[model[id].node]++;
		}
	}
	total = meminfo_kb(-1, "MemTotal");
	if (total != total0 + (long long)(online - online0) * block_kb()) {
		ksft_print_msg("  MemTotal %lld kB, want %lld\n", total,
			       total0 + (long long)(online - online0) * block_kb());
		bad++;
	}
	for (int i = 0; i < env.nr_nodes && env.nodes[i] < 64; i++) {
		int n = env.nodes[i];
		long long want = node_total0[n] +
				 (long long)(node_online[n] - node_online0[n]) * block_kb();

		if (node_total(n) != want) {
			ksft_print_msg("  node %d MemTotal %lld kB, want %lld\n", n,
				       node_total(n), want);
			bad++;
		}
	}
	return bad + (kernel_health_poll(&health) > 0);
}

/* The r-th (mod count) modelled block satisfying pick(), or -1. */
static int choose(uint64_t r, int (*pick)(int id))
{
	int n = 0, k;

	for (int id = 0; id < nr_blocks; id++)
		n += pick(id);
	if (!n)
		return -1;
	k = r % n;
	for (int id = 0; id < nr_blocks; id++)
		if (pick(id) && k-- == 0)
			return id;
	return -1;
}

static int is_addable(int id) { return model[id].hidden && model[id].state == ABSENT; }
static int is_offline(int id) { return model[id].state == OFFLINE; }
static int is_online(int id) { return model[id].state == ONLINE; }
static int is_added(int id) { return model[id].hidden && model[id].state != ABSENT; }

/* --- op kinds: precondition in choose(), action, expected outcomes ------ */

/* What happened, for the op log; 0 as expected, -1 not. */
struct outcome {
	char what[160];
};

#define SAY(o, ...) snprintf((o)->what, sizeof((o)->what), __VA_ARGS__)

static int op_add(uint64_t r, struct outcome *o)
{
	int id = choose(r, is_addable), node, rc;

	if (id < 0)
		return SAY(o, "nothing to add"), 0;
	node = env.nodes[(r >> 32) % env.nr_nodes];
	rc = mhp_add((uint64_t)id * env.block_size, env.block_size, node);
	SAY(o, "memory%d to node %d: %s", id, node, rc ? strerror(-rc) : "ok");
	if (rc)
		return -1;
	model[id].node = node;
	model[id].state = block_state_is(id, "online") ? ONLINE : OFFLINE;
	if (model[id].state == ONLINE && !strcmp(env.auto_online, "offline"))
		return -1;	/* auto-onlined against the policy */
	return 0;
}

static int op_online(uint64_t r, struct outcome *o)
{
	static const char *const how[] = { "online", "online_movable", "online_kernel" };
	int id = choose(r, is_offline), valid, rc;
	const char *h;
	char zones[64];

	if (id < 0)
		return SAY(o, "nothing offline"), 0;
	h = how[(r >> 32) % 3];
	block_attr(id, "valid_zones", zones, sizeof(zones));
	valid = !strcmp(h, "online") ||
		(!strcmp(h, "online_movable") && block_zone_valid(id, "Movable")) ||
		(!strcmp(h, "online_kernel") && (block_zone_valid(id, "Normal") ||
						 block_zone_valid(id, "DMA32") ||
						 block_zone_valid(id, "DMA")));
	rc = block_set_state(id, h);
	SAY(o, "memory%d %s (valid: %s): %s", id, h, zones, rc ? strerror(-rc) : "ok");
	if (!rc)
		model[id].state = ONLINE;
	/* a zone valid_zones does not offer must be refused, and only that */
	return valid ? (rc ? -1 : 0) : (rc == -EINVAL ? 0 : -1);
}

static int op_offline(uint64_t r, struct outcome *o)
{
	int id = choose(r, is_online), rc;
	char zone[16];

	if (id < 0)
		return SAY(o, "nothing online"), 0;
	block_zone(id, zone, sizeof(zone));
	if (meminfo_kb(-1, "MemFree") - block_kb() < MIN_FREE_KB)
		return SAY(o, "memory%d (%s): skipped, guest low on memory", id, zone), 0;
	rc = block_offline(id);
	SAY(o, "memory%d (%s): %s%s", id, zone, rc ? strerror(-rc) : "ok",
	    rc == -EINTR ? " (past the deadline)" : "");
	if (!rc)
		model[id].state = OFFLINE;
	/* kernel zones may hold unmovable pages (refused, or retried until the
	 * deadline); Movable must always go; a block with a hole in it (RAM
	 * starts or ends inside) cannot go */
	if (rc == -EINVAL)
		return system_ram_bytes((uint64_t)id * env.block_size, env.block_size) <
		       (int64_t)env.block_size ? 0 : -1;
	return !rc || ((rc == -EBUSY || rc == -EINTR) && is_kernel_zone(zone)) ? 0 : -1;
}

static int op_remove(uint64_t r, struct outcome *o)
{
	int id = choose(r, is_added), rc, may_busy;
	char zone[16] = "-";

	if (id < 0)
		return SAY(o, "nothing added"), 0;
	if (model[id].state == ONLINE)
		block_zone(id, zone, sizeof(zone));
	may_busy = model[id].state == ONLINE && strcmp(zone, "Movable");
	rc = mhp_remove((uint64_t)id * env.block_size, env.block_size);
	SAY(o, "memory%d (%s): %s%s", id, zone, rc ? strerror(-rc) : "ok",
	    rc == -EINTR ? " (past the deadline)" : "");
	if (!rc)
		model[id].state = ABSENT;
	return !rc || ((rc == -EBUSY || rc == -EINTR) && may_busy) ? 0 : -1;
}

static int op_hmm(uint64_t r, struct outcome *o)
{
	unsigned long npages = 16 + r % 256;
	const char *err;

	if (hmm_missing)
		return SAY(o, "skipped: %s", hmm_missing), 0;
	err = hmm_cycle(npages);
	SAY(o, "test_hmm cycle of %lu pages: %s", npages, err ? err : "ok");
	return err ? -1 : 0;
}

static int op_percpu(uint64_t r, struct outcome *o)
{
	unsigned long count = 64 + r % 512, size = 1024UL << ((r >> 32) % 5);
	int rc = mhp_percpu(count, size), rc2 = mhp_percpu(0, 0);

	SAY(o, "%lu areas of %lu bytes: %s, free: %s", count, size,
	    rc ? strerror(-rc) : "ok", rc2 ? strerror(-rc2) : "ok");
	return rc || rc2 ? -1 : 0;
}

static const struct op_kind {
	const char *name;
	unsigned int weight;
	int (*run)(uint64_t r, struct outcome *o);
} kinds[] = {
	{ "add",	3, op_add },
	{ "online",	4, op_online },
	{ "offline",	4, op_offline },
	{ "remove",	3, op_remove },
	{ "hmm",	1, op_hmm },
	{ "percpu",	1, op_percpu },
};
#define NR_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static const struct op_kind *kind_named(const char *name)
{
	for (unsigned int k = 0; k < NR_KINDS; k++)
		if (!strcmp(kinds[k].name, name))
			return &kinds[k];
	return NULL;
}

/* --- main ------------------------------------------------------------ */

static void usage_exit(const char *why)
{
	fprintf(stderr, "random_walk: %s\nusage: random_walk [--seed N] [--ops N] [--replay PLAN] [--plan-out FILE] [--exclude KIND,...]\n",
		why);
	exit(KSFT_FAIL);
}

/* --exclude: op kinds the plan keeps but this run does not execute (a
 * known kernel bug of the kernel under test would end the walk there) */
static char excluded[128];

static int is_excluded(const char *kind)
{
	char buf[sizeof(excluded)], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", excluded);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, kind))
			return 1;
	return 0;
}

static void make_plan(int argc, char **argv, struct mhp_plan *plan, const char **plan_out)
{
	static const struct option opts[] = {
		{ "exclude", required_argument, NULL, 'x' },
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'n' },
		{ "replay", required_argument, NULL, 'r' },
		{ "plan-out", required_argument, NULL, 'o' },
		{ 0 }
	};
	struct mhp_op_weight w[NR_KINDS];
	const char *replay = NULL;
	unsigned long nops = DEFAULT_OPS;
	uint64_t seed;
	int o, have_seed = 0;
	char *end;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			if (mhp_parse_seed(optarg, &seed))
				usage_exit("--seed wants a number (decimal or 0x hex)");
			have_seed = 1;
			break;
		case 'n':
			nops = strtoul(optarg, &end, 10);
			if (*end || !nops || nops > 100000)
				usage_exit("--ops wants a number from 1 to 100000");
			break;
		case 'x':
			if (strlen(optarg) >= sizeof(excluded))
				usage_exit("--exclude: list too long");
			snprintf(excluded, sizeof(excluded), "%s", optarg);
			for (char *t = strtok(optarg, ","); t; t = strtok(NULL, ","))
				if (!kind_named(t))
					usage_exit("--exclude wants op kinds: add online offline remove hmm percpu");
			break;
		case 'r': replay = optarg; break;
		case 'o': *plan_out = optarg; break;
		default: usage_exit("unknown option");
		}
	}
	if (optind != argc)
		usage_exit("unexpected argument");
	if (replay) {
		unsigned int line;
		FILE *f = fopen(replay, "r");

		if (!f)
			usage_exit("cannot read the --replay plan");
		if (mhp_plan_read(f, plan, &line)) {
			fprintf(stderr, "random_walk: %s:%u: not a riscv-mhp plan line\n", replay, line);
			exit(KSFT_FAIL);
		}
		fclose(f);
		return;
	}
	if (!have_seed)	/* explore, but say what was explored */
		seed = mhp_fresh_seed();
	for (unsigned int k = 0; k < NR_KINDS; k++)
		w[k] = (struct mhp_op_weight){ "guest", kinds[k].name, kinds[k].weight };
	if (mhp_plan_generate(plan, seed, nops, 0, w, NR_KINDS))
		usage_exit("cannot generate the plan");
}

int main(int argc, char **argv)
{
	struct mhp_plan plan;
	const char *why, *plan_out = NULL;
	unsigned int done = 0, executed = 0;
	int failed = 0;
	char broke[224] = "";

	make_plan(argc, argv, &plan, &plan_out);
	ksft_print_header();
	if (plan_out) {	/* harmless anywhere: the plan is a pure function of the seed */
		FILE *f = fopen(plan_out, "w");

		if (!f || mhp_plan_write(f, &plan) || fclose(f))
			ksft_exit_fail_msg("cannot write %s\n", plan_out);
	}
	why = mhp_require(MHP_NEED_DESTRUCTIVE | MHP_NEED_HIDDEN, &env);
	if (why)
		ksft_exit_skip("%s\n", why);
	/* first: whatever the kernel does next, the seed is on record */
	ksft_print_msg("seed 0x%016" PRIx64 ", %u ops; replay: KSELFTEST_RANDOM_WALK_ARGS=\"--seed 0x%016" PRIx64 " --ops %u\"\n",
		       plan.seed, plan.n, plan.seed, plan.n);
	kmsg_note("random_walk seed 0x%016" PRIx64 ", %u ops\n", plan.seed, plan.n);
	if (excluded[0])
		ksft_print_msg("ops of kind %s are not executed (--exclude)\n", excluded);
	hmm_missing = is_excluded("hmm") ? "excluded" : hmm_available();
	if (hmm_missing)
		ksft_print_msg("hmm ops are skipped: %s\n", hmm_missing);
	model_init();
	kernel_health_begin(&health);
	ksft_set_plan(2);
	if (check_invariants())
		ksft_exit_fail_msg("invariants do not hold before the first op\n");
	for (done = 0; done < plan.n && !failed; done++) {
		const struct mhp_op *op = &plan.ops[done];
		const struct op_kind *k = kind_named(op->kind);
		struct outcome o = { "" };
		int rc;

		if (strcmp(op->actor, "guest"))
			continue;	/* host ops of a stress plan are not ours */
		if (!k) {
			ksft_print_msg("op %u: unknown kind '%s'\n", op->idx, op->kind);
			failed = 1;
			break;
		}
		if (is_excluded(op->kind)) {
			ksft_print_msg("op %u %s: not executed (--exclude)\n", op->idx, op->kind);
			continue;
		}
		/* the console shows which op the kernel was in when it broke */
		kmsg_note("random_walk op %u %s\n", op->idx, op->kind);
		rc = k->run(op->r, &o);
		executed++;
		ksft_print_msg("op %u %s r=0x%016" PRIx64 ": %s%s\n", op->idx, op->kind, op->r,
			       o.what, rc ? " UNEXPECTED" : "");
		if (rc || check_invariants()) {
			ksft_print_msg("op %u broke the model; replay: KSELFTEST_RANDOM_WALK_ARGS=\"--seed 0x%016" PRIx64 " --ops %u\"\n",
				       op->idx, plan.seed, op->idx + 1);
			snprintf(broke, sizeof(broke), ": broken by op %u %s: %s%s", op->idx,
				 op->kind, o.what, rc ? "" : " (then the model did not hold)");
			failed = 1;
		}
	}
	ksft_test_result(!failed, "seed 0x%016" PRIx64 ": %u ops, model held after each%s\n",
			 plan.seed, executed, broke);
	/*
	 * Leave the guest as we found it (failed or not): remove what we
	 * added; boot blocks online again, in the kind of zone they were in
	 * (a boot block left in ZONE_MOVABLE would take the allocations that
	 * later tests expect in the memory they add). Each step has the ops'
	 * deadline: a cleanup that never returns is the hang it would be there.
	 */
	for (int id = 0; id < nr_blocks; id++) {
		char zone[16];
		int rc = 0;

		block_zone(id, zone, sizeof(zone));
		if (is_added(id))
			rc = mhp_remove((uint64_t)id * env.block_size, env.block_size);
		if (rc == -EINTR)
			ksft_print_msg("memory%d stays: its removal ran past its deadline\n", id);
		else if (rc && model[id].state == ONLINE)
			ksft_print_msg("memory%d stays: busy in %s\n", id, zone);
		if (model[id].hidden || model[id].state0 != ONLINE ||
		    (block_state_is(id, "online") && is_kernel_zone(zone) == model[id].kernel0))
			continue;
		rc = (block_state_is(id, "online") && block_offline(id)) ||
		     block_set_state(id, model[id].kernel0 ? "online_kernel" : "online_movable");
		if (rc)
			ksft_print_msg("memory%d: cannot restore it (was online, %s zone; now %s)\n",
				       id, model[id].kernel0 ? "a kernel" : "the movable", zone);
	}
	ksft_test_result(kernel_health_end(&health) <= 0, "kernel health\n");
	mhp_plan_free(&plan);
	mhp_module_unload();
	ksft_finished();
}
