/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Crash triage of one run directory: cut the first kernel report out of
 * console.log (report.txt), symbolise it with the cell's vmlinux through
 * the kernel tree's scripts/decode_stacktrace.sh (decoded.txt), compute a
 * signature from the complaint and the top frames (signature), and count
 * it in a dedupe index shared by all runs (TSV: signature, count, first
 * run, last run).
 */
#ifndef MHP_TRIAGE_H
#define MHP_TRIAGE_H

#include <stddef.h>

#define TRIAGE_SIG_MAX	256

struct triage_opts {
	const char *dir;	/* run directory with console.log */
	const char *vmlinux;	/* optional: symbolise with it ... */
	const char *ksrc;	/* ... and this tree's decode_stacktrace.sh */
	const char *index;	/* optional: the dedupe index file */
	const char *fallback;	/* signature source without a kernel report */
};

/*
 * Normalise a complaint for a signature: addresses, offsets, CPU/PID
 * numbers and other digits out (file:line numbers stay).
 */
void triage_normalize(const char *in, char *out, size_t sz);
/*
 * The signature of a console excerpt (lines, n): complaint | epc | top
 * frames. 1 if there was a kernel report, 0 if not (sig then empty).
 */
int triage_signature(char **lines, int n, char *sig, size_t sz);
/* All of the above for opts->dir: 1 kernel report, 0 fallback, -1 error. */
int triage_run(const struct triage_opts *o, char *sig, size_t sz);

#endif
