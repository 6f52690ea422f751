/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel prints when something went wrong: the one list, read by
 * the guest (the selftests' health check, the stress agent) and the host
 * (the cell verdict, the stress engine). A message is a complaint when it
 * starts with one of the first list or holds one of the second anywhere.
 */
#ifndef MHP_COMPLAINTS_H
#define MHP_COMPLAINTS_H

#include <string.h>

static const char *const mhp_complaint_starts[] = {
	"Kernel panic",
	"BUG:",
	"kernel BUG at",
	"WARNING:",
	"Oops",
	"Unable to handle kernel",
	"Internal error:",
	"UBSAN:",
	"list_add corruption",
	"list_del corruption",
	NULL
};

static const char *const mhp_complaint_anywhere[] = {
	"blocked for more than",	/* hung task */
	"self-detected stall",
	"rcu: INFO: rcu_",		/* RCU stalls */
	"soft lockup",
	"hard LOCKUP",
	NULL
};

/* 1 when a kernel message (no timestamp) is a complaint */
static inline int mhp_is_complaint(const char *msg)
{
	for (int i = 0; mhp_complaint_starts[i]; i++)
		if (!strncmp(msg, mhp_complaint_starts[i],
			     strlen(mhp_complaint_starts[i])))
			return 1;
	for (int i = 0; mhp_complaint_anywhere[i]; i++)
		if (strstr(msg, mhp_complaint_anywhere[i]))
			return 1;
	return 0;
}

/*
 * Known complaints the runner sets aside in this cell (a non-fatal kernel
 * bug of the kernel under test, kernel/bugs/NAME with effect=setaside):
 * the kernel command line names the entries (riscv_mhp.setaside=a,b) and
 * the guest finds each signature (an extended regex) in this directory.
 */
#define MHP_SETASIDE_DIR "/opt/mhp/setaside"

#endif
