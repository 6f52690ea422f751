// SPDX-License-Identifier: GPL-2.0
/* seed + duration -> plan: the weight table of every actor (stress.h). */
#include <stdio.h>

#include "stress.h"

const struct mhp_op_weight stress_weights[] = {
	/* host: virtio-mem requested-size over QMP */
	{ "host", "vmem_grow", 6 },
	{ "host", "vmem_shrink", 6 },
	/* host: pc-dimm plug / unplug over QMP (ACPI cells; skipped elsewhere) */
	{ "host", "dimm_plug", 3 },
	{ "host", "dimm_unplug", 3 },
	/* two guest hotplug workers, racing each other; dax: pmem topologies */
	{ "gw0", "online", 8 },
	{ "gw0", "offline", 8 },
	{ "gw0", "add", 4 },
	{ "gw0", "remove", 4 },
	{ "gw0", "percpu_alloc", 2 },
	{ "gw0", "percpu_free", 1 },
	{ "gw0", "hmm", 1 },
	{ "gw0", "dax", 1 },
	{ "gw1", "online", 8 },
	{ "gw1", "offline", 8 },
	{ "gw1", "add", 4 },
	{ "gw1", "remove", 4 },
	{ "gw1", "percpu_alloc", 2 },
	{ "gw1", "percpu_free", 1 },
	{ "gw1", "hmm", 1 },
	{ "gw1", "dax", 1 },
	/* rd: the readers of hotplug state (ptdump, kcore, kpageflags, sysfs) */
	{ "rd", "read", 8 },
	/* load: stress-ng pinned with numactl, pages moved by migrate_pages(2) */
	{ "load", "vm", 6 },
	{ "load", "mmap", 4 },
	{ "load", "numa", 3 },
	{ "load", "memhotplug", 2 },
	{ "load", "migrate", 7 },
};
const unsigned int stress_nweights =
	sizeof(stress_weights) / sizeof(stress_weights[0]);

int stress_kind_known(const char *kind)
{
	for (unsigned int i = 0; i < stress_nweights; i++)
		if (!strcmp(stress_weights[i].kind, kind))
			return 1;
	return 0;
}

int stress_unknown_kind(const char *list, char *out, size_t sz)
{
	for (const char *p = list; *p; p += strcspn(p, ","), p += !!*p) {
		snprintf(out, sz, "%.*s", (int)strcspn(p, ","), p);
		if (!stress_kind_known(out))
			return 1;
	}
	return 0;
}

unsigned int stress_min_ok(unsigned int eligible)
{
	if (eligible < STRESS_MIN_ELIGIBLE)
		return 0;
	return (eligible * STRESS_MIN_OK_PCT + 99) / 100;
}

int stress_plan(struct mhp_plan *p, uint64_t seed, uint64_t duration_ms)
{
	unsigned int n = duration_ms * STRESS_OPS_PER_SEC / 1000;

	return mhp_plan_generate(p, seed, n ? n : 1, duration_ms,
				 stress_weights, stress_nweights);
}
