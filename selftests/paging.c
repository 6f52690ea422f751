// SPDX-License-Identifier: GPL-2.0
/*
 * paging: the MMU mode the guest runs in (Sv39, Sv48, Sv57) and what it
 * means for hotplug: the range of physical memory the kernel can map
 * (arch_get_mappable_range) must fit the mode's linear map and grow with
 * it, and adding memory past its end, or across it, is refused cleanly.
 * The bound is computed here, not asked of the kernel: the linear map of
 * each mode (Documentation/arch/riscv/vm-layout.rst) starts at the lowest
 * RAM address the device tree describes (or up to 2 MiB above it), so the
 * range must start there and span at most that many bytes.
 * Needs the riscv-mhp opt-in (it loads the test module and asks it to add
 * memory).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kselftest.h"
#include "mhp_module.h"
#include "mhp_paging.h"
#include "mhp_util.h"

static struct mhp_env env;

int main(void)
{
	struct kernel_health health;
	char mmu[16], asked[16];
	const struct mhp_paging_mode *m, *below;
	uint64_t lo, hi, span, bs, base;
	const char *why;
	int rc, node;

	ksft_print_header();
	why = mhp_require(MHP_NEED_DESTRUCTIVE | MHP_NEED_MODULE, &env);
	if (why)
		ksft_exit_skip("%s\n", why);
	kernel_health_begin(&health);
	ksft_set_plan(5);
	bs = env.block_size;
	node = env.nr_nodes ? env.nodes[0] : 0;

	cpuinfo_mmu(mmu, sizeof(mmu));
	cmdline_value("riscv_mhp.paging", asked, sizeof(asked));
	m = mhp_paging_mode_of(mmu);
	ksft_test_result(m && (!asked[0] || !strcmp(asked, mmu)),
			 "mmu %s (runner asked for %s)\n", mmu, asked[0] ? asked : "nothing");
	if (!m)
		ksft_exit_fail_msg("unknown mmu '%s'\n", mmu);
	below = m > mhp_paging_modes ? m - 1 : NULL;

	rc = mhp_mappable(&lo, &hi);
	span = hi - lo + 1;
	if (mhp_ram_base(&base)) {
		ksft_test_result(!rc && span <= 1ULL << (m->va_bits - 1) &&
				 (!below || span > 1ULL << (below->va_bits - 1)),
				 "%s mappable range [%#llx, %#llx]: %llu GiB, within the mode's address bits (no device tree: RAM base unknown)\n",
				 mmu, (unsigned long long)lo, (unsigned long long)hi,
				 (unsigned long long)(span >> 30));
	} else {
		/* 6.1 leaves the 2 MiB below its load address out of RAM */
		uint64_t last = base + m->linear_map - 1;

		ksft_test_result(!rc && lo >= base && lo - base <= (2 << 20) &&
				 span <= m->linear_map && (!below || span > below->linear_map),
				 "%s mappable range [%#llx, %#llx]: the linear map from RAM base %#llx ends at %#llx (%llu GiB)\n",
				 mmu, (unsigned long long)lo, (unsigned long long)hi,
				 (unsigned long long)base, (unsigned long long)last,
				 (unsigned long long)(m->linear_map >> 30));
	}
	/* first whole block past the end, and one straddling it */
	hi = (hi + 1) / bs * bs;
	rc = mhp_add(hi, bs, node);
	ksft_test_result(rc == -ERANGE, "add past the mappable end at %#llx: %s (want ERANGE)\n",
			 (unsigned long long)hi, strerror(-rc));
	if (!rc)
		mhp_remove(hi, bs);
	rc = mhp_add(hi - bs, 2 * bs, node);
	ksft_test_result(rc == -ERANGE, "add across the mappable end at %#llx: %s (want ERANGE)\n",
			 (unsigned long long)(hi - bs), strerror(-rc));
	if (!rc)
		mhp_remove(hi - bs, 2 * bs);
	ksft_test_result(kernel_health_end(&health) <= 0, "kernel health\n");
	mhp_module_unload();
	ksft_finished();
}
