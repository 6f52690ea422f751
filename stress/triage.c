// SPDX-License-Identifier: GPL-2.0
/* Crash triage: report, decode, signature, dedupe (see triage.h). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "triage.h"
#include "verdict.h"

#define REPORT_MAX_LINES 200
#define SIG_FRAMES	4

/* Frames that say how the report was printed, not where it happened. */
static const char *const noise[] = {
	"dump_backtrace", "show_stack", "dump_stack_lvl", "dump_stack",
	"panic", "__warn", "warn_slowpath_fmt", "report_bug", "die",
	"do_trap_break", "do_trap_ebreak", "handle_exception", "do_trap",
	"die_kernel_fault", "no_context", "bad_area_nosemaphore",
	"handle_page_fault", "do_page_fault", "kasan_report", "print_report",
	"__kasan_report", "kasan_check_range", "__asan_load8", "__asan_store8",
	"__asan_load4", "__asan_store4", "__asan_load1", "__asan_store1",
	"__asan_report_load8_noabort", "__asan_report_store8_noabort",
	"print_address_description", "_printk", "vprintk_emit", NULL
};

static int is_noise(const char *fn)
{
	for (int i = 0; noise[i]; i++)
		if (!strcmp(fn, noise[i]))
			return 1;
	return !strncmp(fn, "__asan_", 7) || !strncmp(fn, "__kasan", 7);
}

void triage_normalize(const char *in, char *out, size_t sz)
{
	size_t o = 0;

	while (*in && o + 2 < sz) {
		const char *w = in;
		int hex = 1, dec = 1;

		if (in[0] == '+' && in[1] == '0' && in[2] == 'x') {
			/* func+0x1c/0x40: the offset goes */
			while (*in && *in != ' ' && *in != ')' && *in != ']')
				in++;
			continue;
		}
		if (in[0] == '0' && in[1] == 'x') {
			for (in += 2; isxdigit((unsigned char)*in); in++)
				;
			out[o++] = 'X';
			continue;
		}
		if (!isalnum((unsigned char)*in) && *in != '_') {
			out[o++] = *in++;
			continue;
		}
		for (; isalnum((unsigned char)*in) || *in == '_'; in++) {
			hex &= !!isxdigit((unsigned char)*in);
			dec &= !!isdigit((unsigned char)*in);
		}
		if (hex && in - w >= 8) {
			out[o++] = 'X';		/* an address */
		} else if (dec && !(o >= 3 && out[o - 1] == ':' &&
				    strchr("ch", out[o - 2]) && out[o - 3] == '.')) {
			out[o++] = 'N';		/* a number, but file.c:123 stays */
		} else {
			while (w < in && o + 2 < sz)
				out[o++] = *w++;
		}
	}
	while (o && (out[o - 1] == ' ' || out[o - 1] == '!'))
		o--;
	out[o] = '\0';
}

/* "func+0x1c/0x40 [mod]" at p: copy func into fn. */
static int frame_func(const char *p, char *fn, size_t sz)
{
	size_t n = 0;

	while (*p == ' ')
		p++;
	while (*p && *p != '+' && *p != ' ' && n + 1 < sz)
		fn[n++] = *p++;
	fn[n] = '\0';
	/* compiler clones (.isra.0, .constprop.0, .part.0) are the same code */
	fn[strcspn(fn, ".")] = '\0';
	return fn[0] && *p == '+';
}

int triage_signature(char **lines, int n, char *sig, size_t sz)
{
	char kind[160], fn[96];
	const char *p;
	int first = -1, frames = 0;
	size_t len;

	sig[0] = '\0';
	for (int i = 0; i < n && first < 0; i++)
		if (kernel_problem(lines[i]))
			first = i;
	if (first < 0)
		return 0;
	triage_normalize(kernel_problem(lines[first]), kind, sizeof(kind));
	len = snprintf(sig, sz, "%s", kind);
	for (int i = first; i < n && i < first + REPORT_MAX_LINES; i++) {
		if ((p = strstr(lines[i], "epc : ")) && frame_func(p + 6, fn, sizeof(fn))) {
			len += snprintf(sig + len, sz > len ? sz - len : 0, " | epc %s", fn);
			break;
		}
	}
	for (int i = first; i < n && i < first + REPORT_MAX_LINES &&
	     frames < SIG_FRAMES; i++) {
		p = strstr(lines[i], "[<");
		if (!p || !(p = strstr(p, ">] ")) || !frame_func(p + 3, fn, sizeof(fn)))
			continue;
		if (is_noise(fn))
			continue;
		len += snprintf(sig + len, sz > len ? sz - len : 0, "%s%s",
				frames ? " < " : " | ", fn);
		frames++;
	}
	return 1;
}

static int read_lines(const char *path, char ***out)
{
	FILE *f = fopen(path, "r");
	char buf[1024], **v = NULL;
	int n = 0, cap = 0;

	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				abort();
		}
		v[n++] = strdup(buf);
	}
	fclose(f);
	*out = v;
	return n;
}

/* Count sig in the index; prints whether it is new. */
static void dedupe(const char *index, const char *sig, const char *dir)
{
	char tmp[4096], line[2048], first[1024];
	FILE *in = fopen(index, "r"), *out;
	int found = 0, count;

	snprintf(tmp, sizeof(tmp), "%s.tmp", index);
	out = fopen(tmp, "w");
	if (!out)
		return;
	while (in && fgets(line, sizeof(line), in)) {
		char *t1 = strchr(line, '\t'), *t2, *t3;

		if (!found && t1 && (size_t)(t1 - line) == strlen(sig) &&
		    !strncmp(line, sig, t1 - line) && (t2 = strchr(t1 + 1, '\t')) &&
		    (t3 = strchr(t2 + 1, '\t'))) {
			count = atoi(t1 + 1) + 1;
			snprintf(first, sizeof(first), "%.*s", (int)(t3 - t2 - 1), t2 + 1);
			fprintf(out, "%s\t%d\t%s\t%s\n", sig, count, first, dir);
			fprintf(stderr, "[triage] signature seen %d times (first: %s)\n",
				count, first);
			found = 1;
		} else {
			fputs(line, out);
		}
	}
	if (!found) {
		fprintf(out, "%s\t1\t%s\t%s\n", sig, dir, dir);
		fprintf(stderr, "[triage] new signature\n");
	}
	if (in)
		fclose(in);
	if (!fclose(out))
		rename(tmp, index);
}

int triage_run(const struct triage_opts *o, char *sig, size_t sz)
{
	char path[4096], cmd[5 * PATH_MAX + 256], vml[PATH_MAX], ksrc[PATH_MAX], dir[PATH_MAX];
	char **lines;
	int n = 0, first = -1, kernel;
	FILE *f;

	snprintf(path, sizeof(path), "%s/console.log", o->dir);
	n = read_lines(path, &lines);
	if (n < 0)
		return -1;
	kernel = triage_signature(lines, n, sig, sz);
	if (kernel) {
		for (int i = 0; i < n && first < 0; i++)
			if (kernel_problem(lines[i]))
				first = i;
		snprintf(path, sizeof(path), "%s/report.txt", o->dir);
		f = fopen(path, "w");
		for (int i = first; f && i < n && i < first + REPORT_MAX_LINES; i++)
			fprintf(f, "%s\n", lines[i]);
		if (f)
			fclose(f);
		if (o->vmlinux && o->ksrc && realpath(o->vmlinux, vml) &&
		    realpath(o->ksrc, ksrc) && realpath(o->dir, dir)) {
			snprintf(cmd, sizeof(cmd),
				 "cd '%s' && CROSS_COMPILE=riscv64-linux-gnu- bash scripts/decode_stacktrace.sh '%s' '%s' <'%s/report.txt' >'%s/decoded.txt' 2>&1",
				 ksrc, vml, ksrc, dir, dir);
			if (system(cmd))
				fprintf(stderr, "[triage] decode_stacktrace.sh failed: see %s/decoded.txt\n",
					o->dir);
			else
				fprintf(stderr, "[triage] decoded report: %s/decoded.txt\n", o->dir);
		}
	} else if (o->fallback) {
		/* no kernel report: the harness's reason, without any number */
		triage_normalize(o->fallback, sig, sz);
		for (char *c = sig; *c; c++)
			if (isdigit((unsigned char)*c))
				*c = 'N';
	}
	for (int i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	if (!sig[0])
		return 0;
	snprintf(path, sizeof(path), "%s/signature", o->dir);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%s\n", sig);
		fclose(f);
	}
	fprintf(stderr, "[triage] signature: %s\n", sig);
	if (o->index)
		dedupe(o->index, sig, o->dir);
	return kernel;
}
