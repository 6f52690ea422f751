// SPDX-License-Identifier: GPL-2.0
/* The suite's data files (see registry.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

#ifndef MHP_DEFAULT_TOP
#define MHP_DEFAULT_TOP "."
#endif

static const char *top;

const char *registry_top(void)
{
	if (!top) {
		top = getenv("MHP_TOP");
		if (!top || !*top)
			top = MHP_DEFAULT_TOP;
	}
	return top;
}

void registry_set_top(const char *dir)
{
	top = dir;
}

#define FAIL(...) do { snprintf(err, errsz, __VA_ARGS__); return -1; } while (0)

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > (1 << 20) ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		errno = EFBIG;
		return NULL;
	}
	buf = malloc(n + 1);
	if (!buf || fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		errno = EIO;
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* ----- key=value ----------------------------------------------------------- */

int kv_parse(const char *text, struct kv *kv, char *err, size_t errsz)
{
	int lineno = 0;

	memset(kv, 0, sizeof(*kv));
	while (*text) {
		const char *eol = strchr(text, '\n'), *p = text, *k;
		size_t klen, vlen = 0;
		char *v;

		if (!eol)
			eol = text + strlen(text);
		lineno++;
		while (p < eol && isblank((unsigned char)*p))
			p++;
		if (p == eol || *p == '#') {
			text = *eol ? eol + 1 : eol;
			continue;
		}
		k = p;
		while (p < eol && (isalnum((unsigned char)*p) || *p == '_'))
			p++;
		klen = p - k;
		if (!klen || p == eol || *p != '=')
			FAIL("line %d: not key=value", lineno);
		if (klen >= sizeof(kv->key[0]))
			FAIL("line %d: key too long", lineno);
		if (kv->n == (int)(sizeof(kv->key) / sizeof(kv->key[0])))
			FAIL("line %d: too many keys", lineno);
		memcpy(kv->key[kv->n], k, klen);
		v = kv->val[kv->n];
		p++;
		/* value: words, 'quoted' and "quoted" runs, up to a blank or # */
		while (p < eol && !isblank((unsigned char)*p)) {
			char q = *p;

			if (q == '\'' || q == '"') {
				const char *end = p + 1;

				/* in "...", a backslash quotes the next character */
				while (end < eol && *end != q)
					end += (q == '"' && *end == '\\' && end + 1 < eol) ? 2 : 1;
				if (end >= eol)
					FAIL("line %d: unterminated %c", lineno, q);
				for (p++; p < end; p++) {
					if (q == '"' && *p == '\\' && p + 1 < end &&
					    strchr("\\\"$`", p[1]))
						p++;
					if (vlen + 1 >= sizeof(kv->val[0]))
						FAIL("line %d: value too long", lineno);
					v[vlen++] = *p;
				}
				p = end + 1;
			} else {
				if (strchr("$`\\;&|<>()", q))
					FAIL("line %d: quote the value (it has '%c')", lineno, q);
				if (vlen + 1 >= sizeof(kv->val[0]))
					FAIL("line %d: value too long", lineno);
				v[vlen++] = *p++;
			}
		}
		while (p < eol && isblank((unsigned char)*p))
			p++;
		if (p < eol && *p != '#')
			FAIL("line %d: one value per line (quote blanks)", lineno);
		for (int i = 0; i < kv->n; i++)
			if (!strcmp(kv->key[i], kv->key[kv->n]))
				FAIL("line %d: %s given twice", lineno, kv->key[i]);
		kv->n++;
		text = *eol ? eol + 1 : eol;
	}
	return 0;
}

int kv_load(const char *path, struct kv *kv, char *err, size_t errsz)
{
	char *text = read_text(path);
	int rc;

	if (!text)
		FAIL("cannot read %s: %s", path, strerror(errno));
	rc = kv_parse(text, kv, err, errsz);
	free(text);
	return rc;
}

/* the first key of kv not in keys (NULL-terminated), or NULL */
static const char *kv_unknown_key(const struct kv *kv, const char *const *keys)
{
	for (int i = 0; i < kv->n; i++) {
		int known = 0;

		for (int j = 0; keys[j]; j++)
			known |= !strcmp(kv->key[i], keys[j]);
		if (!known)
			return kv->key[i];
	}
	return NULL;
}

const char *kv_get(const struct kv *kv, const char *key)
{
	for (int i = 0; i < kv->n; i++)
		if (!strcmp(kv->key[i], key))
			return kv->val[i];
	return "";
}

/* ----- axes ---------------------------------------------------------------- */

static const struct {
	const char *dir, *suffix;
} axis_dir[] = {
	[AXIS_KERNEL] = { "kernel/kernels", ".kernel" },
	[AXIS_FLAVOR] = { "virtme-configs/flavors", ".config" },
	[AXIS_TOPOLOGY] = { "virtme-configs/topologies", ".topo" },
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int append(char *buf, size_t sz, size_t *len, const char *s, char sep)
{
	int n = snprintf(buf + *len, sz - *len, "%s%s", *len ? (char[]){ sep, 0 } : "", s);

	if (n < 0 || (size_t)n >= sz - *len)
		return -1;
	*len += n;
	return 0;
}

/* VAR := words of selftests/Makefile, with its continuation lines */
static int make_var(const char *var, char *buf, size_t sz, char sep)
{
	char path[512], key[64], *text, *p, *tok, *save;
	size_t len = 0;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/selftests/Makefile", registry_top());
	snprintf(key, sizeof(key), "\n%s :=", var);
	text = read_text(path);
	if (!text)
		return -1;
	p = strstr(text, key);
	if (!p) {
		free(text);
		return -1;
	}
	p += strlen(key);
	for (char *q = p; *q; q++) {	/* the logical line */
		if (*q == '\\' && q[1] == '\n') {
			q[0] = q[1] = ' ';
		} else if (*q == '\n') {
			*q = '\0';
			break;
		}
	}
	buf[0] = '\0';
	for (tok = strtok_r(p, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
		if (append(buf, sz, &len, tok, sep))
			rc = -1;
	free(text);
	return rc;
}

int registry_tests_need(enum boot_has what, char *buf, size_t sz)
{
	return make_var(what == BOOT_ACPI ? "MHP_ACPI_TESTS" : "MHP_HIDE_TESTS", buf, sz, ' ');
}

int registry_list(enum axis a, char *buf, size_t sz, char sep)
{
	char path[512], *names[256];
	size_t len = 0;
	struct dirent *d;
	int n = 0, rc = 0;
	DIR *dir;

	if (a == AXIS_TEST)
		return make_var("TEST_GEN_PROGS", buf, sz, sep);
	buf[0] = '\0';
	if (a == AXIS_PAGING) {
		for (int i = 0; i < PAGING_COUNT; i++)
			if (append(buf, sz, &len, paging_name(i), sep))
				return -1;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", registry_top(), axis_dir[a].dir);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)) && n < 256) {
		size_t l = strlen(d->d_name), sl = strlen(axis_dir[a].suffix);

		if (l > sl && !strcmp(d->d_name + l - sl, axis_dir[a].suffix) &&
		    d->d_name[0] != '.') {
			names[n] = strndup(d->d_name, l - sl);
			if (names[n])
				n++;
		}
	}
	closedir(dir);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (int i = 0; i < n; i++) {
		if (append(buf, sz, &len, names[i], sep))
			rc = -1;
		free(names[i]);
	}
	return rc;
}

int registry_has(enum axis a, const char *name)
{
	char list[4096], *tok, *save;

	if (!*name || strchr(name, '/') || name[0] == '.')
		return 0;
	if (registry_list(a, list, sizeof(list), ' '))
		return 0;
	for (tok = strtok_r(list, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (!strcmp(tok, name))
			return 1;
	return 0;
}

/* ----- kernels --------------------------------------------------------------- */

static int copy_val(char *dst, size_t sz, const char *v)
{
	if (strlen(v) >= sz)
		return -1;
	strcpy(dst, v);
	return 0;
}

static int yes_no(const char *v, int dflt)
{
	if (!*v)
		return dflt;
	return !strcmp(v, "yes") ? 1 : !strcmp(v, "no") ? 0 : -1;
}

int kernel_load(const char *name, struct kernel_desc *k, char *err, size_t errsz)
{
	static const char *const keys[] = { "describe", "source", "package",
		"suite", "series", "config", "acpi", "expectations", NULL };
	char path[512], list[1024];
	struct kv kv;

	memset(k, 0, sizeof(*k));
	if (!registry_has(AXIS_KERNEL, name)) {
		registry_list(AXIS_KERNEL, list, sizeof(list), ' ');
		FAIL("unknown kernel '%s' (known: %s; each is a file kernel/kernels/NAME.kernel)",
		     name, list);
	}
	snprintf(path, sizeof(path), "%s/kernel/kernels/%s.kernel", registry_top(), name);
	if (kv_load(path, &kv, err, errsz))
		return -1;
	if (kv_unknown_key(&kv, keys))
		FAIL("kernel/kernels/%s.kernel: unknown key '%s'", name, kv_unknown_key(&kv, keys));
	strcpy(k->name, name);
	if (copy_val(k->describe, sizeof(k->describe), kv_get(&kv, "describe")) ||
	    copy_val(k->source, sizeof(k->source), kv_get(&kv, "source")) ||
	    copy_val(k->package, sizeof(k->package), kv_get(&kv, "package")) ||
	    copy_val(k->suite, sizeof(k->suite), kv_get(&kv, "suite")) ||
	    copy_val(k->series, sizeof(k->series), kv_get(&kv, "series")) ||
	    copy_val(k->config, sizeof(k->config), kv_get(&kv, "config")))
		FAIL("kernel/kernels/%s.kernel: a value is too long", name);
	if (strcmp(k->source, "debian") && strcmp(k->source, "ksrc"))
		FAIL("kernel/kernels/%s.kernel: source must be debian or ksrc", name);
	if (!strcmp(k->source, "debian") && strncmp(k->package, "linux-source-", 13))
		FAIL("kernel/kernels/%s.kernel: package must be a linux-source-X.Y", name);
	k->acpi = yes_no(kv_get(&kv, "acpi"), 0);
	k->expectations = yes_no(kv_get(&kv, "expectations"), 1);
	if (k->acpi < 0 || k->expectations < 0)
		FAIL("kernel/kernels/%s.kernel: acpi and expectations are yes or no", name);
	return 0;
}

/* ----- expectations --------------------------------------------------------- */

int cell_matches(const char *globs, const char *cell)
{
	char buf[512], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", globs);
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
		if (!fnmatch(tok, cell, 0))
			return 1;
	return 0;
}

/*
 * The cells that prove a fix: each proof cell with its kernel replaced by
 * each kernel of fixed_in (once each). Such a kernel must carry a patch
 * series, and the bug must not be expected on its cells.
 */
static int expect_fixed_cells(struct expect *e, char *err, size_t errsz)
{
	char kbuf[sizeof(e->fixed_in)], *k, *ks;
	size_t len = 0;

	snprintf(kbuf, sizeof(kbuf), "%s", e->fixed_in);
	for (k = strtok_r(kbuf, " ", &ks); k; k = strtok_r(NULL, " ", &ks)) {
		char pbuf[sizeof(e->proof)], *p, *ps, cell[128];
		struct kernel_desc kd;

		if (kernel_load(k, &kd, err, errsz))
			return -1;
		if (!*kd.series)
			FAIL("fixed_in kernel %s has no patch series to carry the fix", k);
		snprintf(pbuf, sizeof(pbuf), "%s", e->proof);
		for (p = strtok_r(pbuf, " ", &ps); p; p = strtok_r(NULL, " ", &ps)) {
			const char *rest = strchr(p, '-');
			int n;

			if (!rest)
				FAIL("proof cell %s has no kernel part", p);
			snprintf(cell, sizeof(cell), "%s%s", k, rest);
			if (cell_matches(e->cells, cell))
				FAIL("%s is fixed in %s, but cells=%s expects it on %s", e->name, k,
				     e->cells, cell);
			if (cell_matches(e->fixed_cells, cell))
				continue;
			n = snprintf(e->fixed_cells + len, sizeof(e->fixed_cells) - len, "%s%s",
				     len ? " " : "", cell);
			if (n < 0 || (size_t)n >= sizeof(e->fixed_cells) - len)
				FAIL("too many cells to prove the fix on");
			len += n;
		}
	}
	return 0;
}

int expect_parse(const char *name, const char *text, struct expect *e,
		 char *err, size_t errsz)
{
	static const char *const keys[] = { "kind", "kernel", "flavor", "cells",
		"append", "signature", "effect", "leave_out", "what", "oracle",
		"caught", "minus_patch", "proof", "fix", "fixed_in", "attempts", "chain",
		NULL };
	const char *kind, *effect, *attempts;
	char *end;
	struct kv kv;
	regex_t re;

	memset(e, 0, sizeof(*e));
	if (kv_parse(text, &kv, err, errsz))
		return -1;
	if (kv_unknown_key(&kv, keys))
		FAIL("unknown key '%s'", kv_unknown_key(&kv, keys));
	if (copy_val(e->name, sizeof(e->name), name) ||
	    copy_val(e->kernel, sizeof(e->kernel), kv_get(&kv, "kernel")) ||
	    copy_val(e->flavor, sizeof(e->flavor), kv_get(&kv, "flavor")) ||
	    copy_val(e->cells, sizeof(e->cells), kv_get(&kv, "cells")) ||
	    copy_val(e->append, sizeof(e->append), kv_get(&kv, "append")) ||
	    copy_val(e->proof, sizeof(e->proof), kv_get(&kv, "proof")) ||
	    copy_val(e->minus_patch, sizeof(e->minus_patch), kv_get(&kv, "minus_patch")) ||
	    copy_val(e->fix, sizeof(e->fix), kv_get(&kv, "fix")) ||
	    copy_val(e->fixed_in, sizeof(e->fixed_in), kv_get(&kv, "fixed_in")) ||
	    copy_val(e->signature, sizeof(e->signature), kv_get(&kv, "signature")) ||
	    copy_val(e->chain, sizeof(e->chain), kv_get(&kv, "chain")) ||
	    copy_val(e->leave_out, sizeof(e->leave_out), kv_get(&kv, "leave_out")) ||
	    copy_val(e->what, sizeof(e->what), *kv_get(&kv, "what") ?
		     kv_get(&kv, "what") : kv_get(&kv, "oracle")))
		FAIL("a value is too long");
	kind = kv_get(&kv, "kind");
	if (!*kind || !strcmp(kind, "mutant"))
		e->kind = EXPECT_MUTANT;
	else if (!strcmp(kind, "shipped"))
		e->kind = EXPECT_SHIPPED;
	else if (!strcmp(kind, "minus-patch"))
		e->kind = EXPECT_MINUS_PATCH;
	else
		FAIL("kind must be mutant, shipped or minus-patch, not '%s'", kind);
	effect = kv_get(&kv, "effect");
	if (!*effect || !strcmp(effect, "fatal"))
		e->effect = EFFECT_FATAL;
	else if (!strcmp(effect, "setaside"))
		e->effect = EFFECT_SETASIDE;
	else
		FAIL("effect must be fatal or setaside, not '%s'", effect);
	attempts = kv_get(&kv, "attempts");
	e->attempts = 1;
	if (*attempts) {
		e->attempts = (int)strtol(attempts, &end, 10);
		if (*end || e->attempts < 1 || e->attempts > 20)
			FAIL("attempts must be a number 1..20, not '%s'", attempts);
	}
	if (!*e->kernel || !*e->flavor || !*e->cells || !*e->signature)
		FAIL("kernel, flavor, cells and signature are required");
	if (!registry_has(AXIS_KERNEL, e->kernel))
		FAIL("unknown kernel '%s'", e->kernel);
	if (!registry_has(AXIS_FLAVOR, e->flavor))
		FAIL("unknown flavor '%s'", e->flavor);
	if (e->kind != EXPECT_SHIPPED && (e->effect != EFFECT_FATAL || *e->leave_out ||
					  *e->proof))
		FAIL("effect, leave_out and proof are for kind=shipped");
	if ((e->kind == EXPECT_MINUS_PATCH) != !!*e->minus_patch)
		FAIL("minus_patch (a patch subject) goes with kind=minus-patch, and only there");
	if (e->kind == EXPECT_SHIPPED) {
		char buf[sizeof(e->proof)], *tok, *save;

		if (!*e->proof)
			FAIL("kind=shipped needs proof=CELL..., cells its cells match");
		snprintf(buf, sizeof(buf), "%s", e->proof);
		for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			if (!cell_matches(e->cells, tok))
				FAIL("proof cell %s is not one of cells=%s", tok, e->cells);
	}
	if (!*e->fix != !*e->fixed_in || (*e->fix && e->kind != EXPECT_SHIPPED))
		FAIL("fix (our patch's subject words) and fixed_in (kernels carrying it) go together, with kind=shipped");
	if (*e->fixed_in && expect_fixed_cells(e, err, errsz))
		return -1;
	if (regcomp(&re, e->signature, REG_EXTENDED | REG_NOSUB))
		FAIL("signature is not an extended regex: %s", e->signature);
	regfree(&re);
	return 0;
}

static int cmp_expect(const void *a, const void *b)
{
	return strcmp(((const struct expect *)a)->name, ((const struct expect *)b)->name);
}

int expect_load_all(struct expect *e, int max, char *err, size_t errsz)
{
	char path[512], sub[1024], *text;
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/kernel/bugs", registry_top());
	dir = opendir(path);
	if (!dir)
		FAIL("cannot read %s: %s", path, strerror(errno));
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s/expect", path, d->d_name);
		text = read_text(sub);
		if (!text)
			continue;
		if (n == max) {
			free(text);
			closedir(dir);
			FAIL("more than %d entries in kernel/bugs", max);
		}
		if (expect_parse(d->d_name, text, &e[n], err, errsz)) {
			char why[256];

			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, errsz, "kernel/bugs/%s/expect: %s", d->d_name, why);
			free(text);
			closedir(dir);
			return -1;
		}
		free(text);
		n++;
	}
	closedir(dir);
	qsort(e, n, sizeof(e[0]), cmp_expect);
	return n;
}

int expect_applies(const struct expect *e, const char *cell)
{
	struct kernel_desc k;
	char kname[CELL_KERNEL_MAX], err[256];
	size_t n = strcspn(cell, "-");

	if (e->kind != EXPECT_SHIPPED || !cell_matches(e->cells, cell))
		return 0;
	if (n >= sizeof(kname))
		return 0;
	memcpy(kname, cell, n);
	kname[n] = '\0';
	if (kernel_load(kname, &k, err, sizeof(err)))
		return 0;
	return k.expectations;
}

int expect_signature_matches(const struct expect *e, const char *line)
{
	regex_t re;
	int hit;

	if (regcomp(&re, e->signature, REG_EXTENDED | REG_NOSUB))
		return 0;
	hit = !regexec(&re, line, 0, NULL, 0);
	regfree(&re);
	return hit;
}
