// SPDX-License-Identifier: GPL-2.0
/* Cell names: parsing and printing (see cell.h). */
#include <stdio.h>
#include <string.h>

#include "cell.h"
#include "mhp_paging.h"
#include "registry.h"

/* The paging axis is selftests/mhp_paging.h; enum paging follows it */
_Static_assert(MHP_PAGING_COUNT == PAGING_COUNT, "enum paging and mhp_paging_modes differ");

const char *paging_name(enum paging p)
{
	return mhp_paging_modes[p].name;
}

static int paging_lookup(const char *s)
{
	for (unsigned int i = 0; i < MHP_PAGING_COUNT; i++)
		if (!strcmp(mhp_paging_modes[i].name, s))
			return i;
	return -1;
}

static int topo_name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return 0;
	return 1;
}

#define FAIL(...) do { snprintf(err, errsz, __VA_ARGS__); return -1; } while (0)

int cell_parse(const char *name, struct cell *c, char *err, size_t errsz)
{
	char buf[128], list[512], *tok[6], *save = NULL;
	int n = 0, i;

	if (strlen(name) >= sizeof(buf))
		FAIL("cell name too long");
	strcpy(buf, name);
	for (char *t = strtok_r(buf, "-", &save); t; t = strtok_r(NULL, "-", &save)) {
		if (n == 6)
			FAIL("too many fields in '%s'", name);
		tok[n++] = t;
	}
	if (n > 5)
		FAIL("too many fields in '%s'", name);
	if (n < 4)
		FAIL("'%s' is not KERNEL-FLAVOR-PAGING-TOPOLOGY[-PERCPU]", name);

	memset(c, 0, sizeof(*c));
	if (strlen(tok[0]) >= sizeof(c->kernel) || !registry_has(AXIS_KERNEL, tok[0])) {
		registry_list(AXIS_KERNEL, list, sizeof(list), ' ');
		FAIL("unknown kernel '%s' (known: %s)", tok[0], list);
	}
	strcpy(c->kernel, tok[0]);
	if (strlen(tok[1]) >= sizeof(c->flavor) || !registry_has(AXIS_FLAVOR, tok[1])) {
		registry_list(AXIS_FLAVOR, list, sizeof(list), ' ');
		FAIL("unknown flavor '%s' (known: %s)", tok[1], list);
	}
	strcpy(c->flavor, tok[1]);
	i = paging_lookup(tok[2]);
	if (i < 0) {
		registry_list(AXIS_PAGING, list, sizeof(list), ' ');
		FAIL("unknown paging '%s' (known: %s)", tok[2], list);
	}
	c->paging = i;
	if (!topo_name_ok(tok[3]) || strlen(tok[3]) >= sizeof(c->topo))
		FAIL("bad topology name '%s'", tok[3]);
	strcpy(c->topo, tok[3]);
	if (n == 5) {
		if (!strcmp(tok[4], "page"))
			c->percpu_page = 1;
		else if (strcmp(tok[4], "embed"))
			FAIL("unknown percpu allocator '%s' (known: embed, page)",
			     tok[4]);
	}
	return 0;
}

void cell_name(const struct cell *c, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s-%s-%s-%s%s", c->kernel, c->flavor,
		 paging_name(c->paging), c->topo, c->percpu_page ? "-page" : "");
}
