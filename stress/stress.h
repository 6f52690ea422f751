/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stress engine's actors and what they may draw. A plan (mhp_plan.h)
 * is a pure function of (seed, duration): the weight table below, the
 * shared PRNG and mhp_plan_generate(). The host executes the "host"
 * actor's ops (virtio-mem and, in ACPI cells, pc-dimms over QMP); the guest agent executes the rest:
 * "gw0"/"gw1" (hotplug workers), "rd" (readers of hotplug state) and
 * "load" (stress-ng, numactl, migrate_pages(2)). Both read the same plan file.
 *
 * Changing this table changes every plan: bump STRESS_PLAN_VERSION.
 */
#ifndef MHP_STRESS_H
#define MHP_STRESS_H

#include <stdint.h>
#include <string.h>

#include "mhp_plan.h"

#define STRESS_PLAN_VERSION	4
#define STRESS_OPS_PER_SEC	2	/* whole plan, all actors */
#define STRESS_HOST_ACTOR	"host"
/* virtio-mem granularity the host actor resizes in */
#define STRESS_VMEM_STEP	(128ULL << 20)

/* The agent's markers on its console (hvc0), read by the host engine. */
#define STRESS_MARK		"riscv-mhp: "
#define STRESS_MARK_START	"riscv-mhp: stress start"
#define STRESS_MARK_HB		"riscv-mhp: hb "
#define STRESS_MARK_OP		"riscv-mhp: op "
#define STRESS_MARK_FAIL	"riscv-mhp: FAIL "
#define STRESS_MARK_DONE	"riscv-mhp: stress done"
#define STRESS_HB_SECONDS	2
/*
 * A skip's reason when this cell can never do the op kind (no pmem, one
 * memory node, no hidden RAM, no virtio-mem): such skips do not count
 * against the kind's minimum of ok ops (stress_min_ok()).
 */
#define STRESS_SKIP_CELL	"cell: "
/* A skip's reason when the run left the op's kind out (riscv_mhp.exclude=) */
#define STRESS_SKIP_EXCLUDED	"excluded "

extern const struct mhp_op_weight stress_weights[];
extern const unsigned int stress_nweights;

static inline int stress_is_host(const char *actor)
{
	return !strcmp(actor, STRESS_HOST_ACTOR);
}

/*
 * Op kinds left out at execution (EXCLUDE=a,b: riscv_mhp.exclude= on the
 * guest's command line, --exclude for the host): the plan stays the same,
 * the ops are logged as skipped. mhp_listed(EXCLUDE, kind) (mhp_plan.h).
 */

/* 1 if some weight-table row has this op kind. */
int stress_kind_known(const char *kind);
/*
 * Whether a comma list (EXCLUDE) names something that is no op kind:
 * 1 with that entry in out, 0 if every entry is a kind.
 */
int stress_unknown_kind(const char *list, char *out, size_t sz);

/*
 * Stress that silently does nothing must not pass: each op kind must have
 * at least this many ok ops in a run, out of eligible = its planned ops
 * that the run could execute (not excluded, not skipped because the cell
 * cannot do that kind: STRESS_SKIP_CELL). STRESS_MIN_OK_PCT of eligible,
 * rounded up, once eligible reaches STRESS_MIN_ELIGIBLE; 0 below that.
 */
#define STRESS_MIN_OK_PCT	10
#define STRESS_MIN_ELIGIBLE	5
unsigned int stress_min_ok(unsigned int eligible);

/* The plan of (seed, duration): 0 or -errno. */
int stress_plan(struct mhp_plan *p, uint64_t seed, uint64_t duration_ms);

#endif
