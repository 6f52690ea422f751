/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stress engine's actors and what they may draw. A plan (mhp_plan.h)
 * is a pure function of (seed, duration): the weight table below, the
 * shared PRNG and mhp_plan_generate(). The host executes the "host"
 * actor's ops (virtio-mem over QMP); the guest agent executes the rest:
 * "gw0"/"gw1" (hotplug workers) and "load" (stress-ng, numactl,
 * migratepages). Both read the same plan file.
 *
 * Changing this table changes every plan: bump STRESS_PLAN_VERSION.
 */
#ifndef MHP_STRESS_H
#define MHP_STRESS_H

#include <stdint.h>
#include <string.h>

#include "mhp_plan.h"

#define STRESS_PLAN_VERSION	1
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

extern const struct mhp_op_weight stress_weights[];
extern const unsigned int stress_nweights;

static inline int stress_is_host(const char *actor)
{
	return !strcmp(actor, STRESS_HOST_ACTOR);
}

/* The plan of (seed, duration): 0 or -errno. */
int stress_plan(struct mhp_plan *p, uint64_t seed, uint64_t duration_ms);

#endif
