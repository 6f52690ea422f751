// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the host harness code (ci/src) with cmocka. The last line
 * is "unit: N passed, N failed" for ci/check.sh to add up.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <unistd.h>

#include <cmocka.h>
#include <libfdt.h>
#include "dtb.h"

#include "cell.h"
#include "qemu_argv.h"
#include "registry.h"
#include "topo.h"
#include "verdict.h"

static char err[256];

/* --- cell names ------------------------------------------------------ */

static void cell_parses_default(void **state)
{
	struct cell c;
	char name[64];

	(void)state;
	assert_int_equal(cell_parse("6.12-plain-sv57-numa2", &c, err, sizeof(err)), 0);
	assert_string_equal(c.kernel, "6.12");
	assert_string_equal(c.flavor, "plain");
	assert_int_equal(c.paging, SV57);
	assert_string_equal(c.topo, "numa2");
	assert_int_equal(c.percpu_page, 0);
	cell_name(&c, name, sizeof(name));
	assert_string_equal(name, "6.12-plain-sv57-numa2");
}

static void cell_parses_percpu(void **state)
{
	struct cell c;
	char name[64];

	(void)state;
	assert_int_equal(cell_parse("6.1-kasan-sv39-sparse-page", &c, err, sizeof(err)), 0);
	assert_int_equal(c.percpu_page, 1);
	assert_int_equal(c.paging, SV39);
	cell_name(&c, name, sizeof(name));
	assert_string_equal(name, "6.1-kasan-sv39-sparse-page");
	assert_int_equal(cell_parse("6.1-kasan-sv48-flat-embed", &c, err, sizeof(err)), 0);
	assert_int_equal(c.percpu_page, 0);
}

static void cell_rejects_bad_names(void **state)
{
	static const char *const bad[][2] = {
		{ "nonsense", "is not KERNEL-FLAVOR" },
		{ "5.4-plain-sv57-numa2", "unknown kernel '5.4'" },
		{ "6.12-debug-sv57-numa2", "unknown flavor 'debug'" },
		{ "6.12-plain-sv64-numa2", "unknown paging 'sv64'" },
		{ "6.12-plain-sv57-Numa2", "bad topology name" },
		{ "6.12-plain-sv57-numa2-chunk", "unknown percpu allocator" },
		{ "6.12-plain-sv57-a-b-c", "too many fields" },
	};
	struct cell c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cell_parse(bad[i][0], &c, err, sizeof(err)), -1);
		assert_non_null(strstr(err, bad[i][1]));
	}
}

/* --- topologies ------------------------------------------------------- */

static void topo_parses_numa(void **state)
{
	struct topo t;

	(void)state;
	assert_int_equal(topo_parse("# two nodes\nnode 0 mem=1G cpus=0\n"
				    "node 1 mem=512M cpus=1-2\nhide 256M\n",
				    &t, err, sizeof(err)), 0);
	assert_int_equal(t.nr_nodes, 2);
	assert_int_equal(t.cpus, 3);
	assert_int_equal(t.node[1].cpu_first, 1);
	assert_int_equal(t.node[1].cpu_last, 2);
	assert_true(topo_total_mem(&t) == (1536ULL << 20));
	assert_true(t.hide == (256ULL << 20));
	assert_int_equal(t.timeout, 300);
}

static void topo_allows_memoryless_node(void **state)
{
	struct topo t;

	(void)state;
	assert_int_equal(topo_parse("node 0 mem=1G cpus=0\nnode 1 mem=0 cpus=1\n",
				    &t, err, sizeof(err)), 0);
	assert_true(t.node[1].mem == 0);
}

static void topo_rejects_bad_files(void **state)
{
	static const char *const bad[][2] = {
		{ "node 1 mem=1G cpus=0\n", "bad 'node" },		/* IDs from 0 */
		{ "node 0 mem=1G\n", "bad 'node" },			/* no harts */
		{ "node 0 mem=1G cpus=0\nnode 1 mem=1G cpus=2\n", "harts must follow" },
		{ "memory 1G\nhide 1G\n", "leave no boot memory" },
		{ "node 0 mem=1G cpus=0 gap=8G\n", "gap= needs" },	/* gap at the top */
		{ "node 0 mem=1G cpus=0\nnode 1 mem=1G cpus=1\npmem 1536M\n", "pmem' must fit" },
		{ "node 0 mem=1G cpus=0\nnode 1 mem=1G cpus=1\npmem 768M\nhide 512M\n", "pmem' must fit" },
		{ "node 0 mem=1G cpus=0\nnode 1 mem=1G cpus=1\npmem 512M\n", "pmem' needs 'hide'" },
		{ "memory 1G\nnode 0 mem=1G cpus=0\n", "exclude each other" },
		{ "memory 1X\n", "bad 'memory" },
		{ "disks 3\n", "unknown directive 'disks'" },
		{ "cpus 2\n", "no memory" },
		{ "cpus 4\nnode 0 mem=1G cpus=0\n", "'cpus' says 4" },
		{ "memory 1G\nmemmap_on_memory yes\n", "bad 'memmap_on_memory yes'" },
	};
	struct topo t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(topo_parse(bad[i][0], &t, err, sizeof(err)), -1);
		if (!strstr(err, bad[i][1]))
			fail_msg("'%s': got '%s', want '%s'", bad[i][0], err, bad[i][1]);
	}
}

static void sizes_parse(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_size("3G", &v), 0);
	assert_true(v == 3ULL << 30);
	assert_int_equal(parse_size("64K", &v), 0);
	assert_true(v == 65536);
	assert_int_equal(parse_size("7", &v), 0);
	assert_true(v == 7);
	assert_int_equal(parse_size("G", &v), -1);
	assert_int_equal(parse_size("1GB", &v), -1);
}

/* --- QEMU argv ---------------------------------------------------------- */

static const char *arg_after(const struct argv *a, const char *opt, int nth)
{
	for (int i = 0; i + 1 < a->n; i++)
		if (!strcmp(a->v[i], opt) && nth-- == 0)
			return a->v[i + 1];
	return NULL;
}

static void build(const char *cellname, const char *topotext, struct argv *a)
{
	struct boot_files f = { .qemu = "qemu", .image = "Image", .initrd = "initrd",
				.append = "extra=1", .tap = "/r/tap.log" };
	struct cell c;
	struct topo t;

	assert_int_equal(cell_parse(cellname, &c, err, sizeof(err)), 0);
	assert_int_equal(topo_parse(topotext, &t, err, sizeof(err)), 0);
	memset(a, 0, sizeof(*a));
	qemu_argv(&c, &t, &f, a);
}

static void argv_paging_modes(void **state)
{
	static const char *const want[][2] = {
		{ "6.12-plain-sv39-t", "rv64,sv57=off,sv48=off" },
		{ "6.12-plain-sv48-t", "rv64,sv57=off" },
		{ "6.1-plain-sv57-t", "rv64,sv57=on" },
	};
	struct argv a;

	(void)state;
	for (int i = 0; i < 3; i++) {
		build(want[i][0], "memory 1G\n", &a);
		assert_string_equal(arg_after(&a, "-cpu", 0), want[i][1]);
		assert_string_equal(arg_after(&a, "-m", 0), "1024M");
		assert_null(arg_after(&a, "-numa", 0));
		argv_free(&a);
	}
}

static void argv_numa_and_cmdline(void **state)
{
	struct argv a;
	const char *cmd;

	(void)state;
	build("6.12-kasan-sv48-t-page",
	      "node 0 mem=1G cpus=0\nnode 1 mem=1G cpus=1\nnode 2 mem=0 cpus=2-3\nhide 512M\n", &a);
	assert_string_equal(arg_after(&a, "-m", 0), "2048M");
	assert_string_equal(arg_after(&a, "-smp", 0), "4");
	assert_string_equal(arg_after(&a, "-object", 1), "memory-backend-ram,id=mem1,size=1024M");
	assert_string_equal(arg_after(&a, "-numa", 1), "node,nodeid=1,cpus=1,memdev=mem1");
	assert_string_equal(arg_after(&a, "-numa", 2), "node,nodeid=2,cpus=2-3");
	assert_string_equal(arg_after(&a, "-kernel", 0), "Image");
	assert_string_equal(arg_after(&a, "-chardev", 0), "file,id=mhptap,path=/r/tap.log");
	assert_string_equal(arg_after(&a, "-device", 1), "virtconsole,chardev=mhptap");
	assert_string_equal(a.v[0], "qemu");
	cmd = arg_after(&a, "-append", 0);
	assert_non_null(strstr(cmd, MHP_DESTRUCTIVE_TOKEN));
	assert_non_null(strstr(cmd, " mem=1534M"));
	assert_non_null(strstr(cmd, " memhp_default_state=offline"));
	assert_non_null(strstr(cmd, " oops=panic panic=-1"));
	assert_non_null(strstr(cmd, " earlycon "));
	assert_non_null(strstr(cmd, " percpu_alloc=page"));
	assert_non_null(strstr(cmd, "riscv_mhp.paging=sv48"));
	assert_non_null(strstr(cmd, " extra=1"));
	assert_null(a.v[a.n]);
	argv_free(&a);
}

static void argv_memmap_on_memory(void **state)
{
	struct argv a;

	(void)state;
	build("7.3-plain-sv48-t", "memory 1G\nhide 256M\nmemmap_on_memory on\n", &a);
	assert_non_null(strstr(arg_after(&a, "-append", 0), " memory_hotplug.memmap_on_memory=1"));
	argv_free(&a);
	build("7.3-plain-sv48-t", "memory 1G\nmemmap_on_memory force\n", &a);
	assert_non_null(strstr(arg_after(&a, "-append", 0), " memory_hotplug.memmap_on_memory=force"));
	argv_free(&a);
	build("7.3-plain-sv48-t", "memory 1G\n", &a);
	assert_null(strstr(arg_after(&a, "-append", 0), "memmap_on_memory"));
	argv_free(&a);
}

static void argv_virtio_mem(void **state)
{
	struct boot_files f = { .qemu = "qemu", .image = "Image", .initrd = "initrd",
				.vmem = 1ULL << 30, .qmp = "/r/qmp.sock" };
	struct argv a = { 0 };
	struct cell c;
	struct topo t;

	(void)state;
	assert_int_equal(cell_parse("6.12-plain-sv48-t", &c, err, sizeof(err)), 0);
	assert_int_equal(topo_parse("memory 2G\n", &t, err, sizeof(err)), 0);
	qemu_argv(&c, &t, &f, &a);
	assert_string_equal(arg_after(&a, "-m", 0), "2048M,maxmem=3072M");
	assert_string_equal(arg_after(&a, "-object", 0), "memory-backend-ram,id=vmem0,size=1024M");
	assert_string_equal(arg_after(&a, "-device", 0),
			    "virtio-mem-pci,id=vm0,memdev=vmem0,node=0,requested-size=0");
	assert_string_equal(arg_after(&a, "-qmp", 0), "unix:/r/qmp.sock,server=on,wait=off");
	assert_string_equal(arg_after(&a, "-L", 0), "/usr/share/qemu");
	argv_free(&a);
	build("6.12-plain-sv48-t", "memory 2G\n", &a);	/* none of it by default */
	assert_string_equal(arg_after(&a, "-m", 0), "2048M");
	assert_null(arg_after(&a, "-qmp", 0));
	assert_null(strstr(arg_after(&a, "-device", 0), "virtio-mem"));
	argv_free(&a);
}

/* --- verdicts ------------------------------------------------------------ */

static const char *const good_console[] = {
	"OpenSBI v1.5.1\n",
	"[    0.000000] Linux version 6.12.57 (riscv64)\n",
	"riscv-mhp: mmu=sv57\r\n",
	"TAP version 13\n",
	"1..2\n",
	"# selftests: riscv-mhp: sysfs_model\n",
	"# TAP version 13\n",
	"# 1..2\n",
	"# ok 1 block size\n",
	"# ok 2 zones # SKIP no movable memory\n",
	"ok 1 selftests: riscv-mhp: sysfs_model\n",
	"# ok 1 something\n",
	"ok 2 selftests: riscv-mhp: online_offline # SKIP not opted in\n",
	"riscv-mhp: run_tests exit=0\n",
	NULL
};

static int judge(const char *const *lines, const char *extra, enum paging p,
		 char *why, size_t whysz, struct verdict *v)
{
	const struct expect *known;

	verdict_init(v);
	for (int i = 0; lines[i]; i++) {
		if (extra && !strcmp(lines[i], "riscv-mhp: run_tests exit=0\n"))
			verdict_feed(v, extra);
		verdict_feed(v, lines[i]);
	}
	return verdict_judge(v, "6.12-plain-sv57-t", p, NULL, NULL, 0, &known, why,
			     whysz) == VERDICT_PASS;
}

static void argv_sparse_numa(void **state)
{
	struct argv a;

	(void)state;
	build("6.1-plain-sv39-t-page",
	      "node 0 mem=1G cpus=0 gap=63G\nnode 1 mem=1G cpus=1\nhide 512M\npmem 256M\n", &a);
	/* QEMU backs the gap (untouched, reserve=off); mem= counts RAM only */
	assert_string_equal(arg_after(&a, "-m", 0), "66560M");
	assert_string_equal(arg_after(&a, "-object", 0),
			    "memory-backend-ram,id=mem0,size=65536M,reserve=off");
	assert_string_equal(arg_after(&a, "-object", 1), "memory-backend-ram,id=mem1,size=1024M");
	/* what the kernel keeps out of RAM at the bottom: 2M less */
	assert_non_null(strstr(arg_after(&a, "-append", 0), " mem=1278M"));
	assert_null(arg_after(&a, "-dtb", 0));
	argv_free(&a);
}

/* --- device tree edits ------------------------------------------------- */

static void fdt_mem_node(void *fdt, uint64_t addr, uint64_t size, int nid)
{
	fdt64_t reg[2] = { cpu_to_fdt64(addr), cpu_to_fdt64(size) };
	char name[32];

	snprintf(name, sizeof(name), "memory@%" PRIx64, addr);
	assert_int_equal(fdt_begin_node(fdt, name), 0);
	assert_int_equal(fdt_property_string(fdt, "device_type", "memory"), 0);
	assert_int_equal(fdt_property(fdt, "reg", reg, sizeof(reg)), 0);
	assert_int_equal(fdt_property_u32(fdt, "numa-node-id", nid), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
}

static uint64_t fdt_reg_size(const void *fdt, const char *path, uint64_t *addr)
{
	const fdt64_t *reg;
	int len, off = fdt_path_offset(fdt, path);

	assert_true(off >= 0);
	reg = fdt_getprop(fdt, off, "reg", &len);
	assert_int_equal(len, 16);
	*addr = fdt64_to_cpu(reg[0]);
	return fdt64_to_cpu(reg[1]);
}

/* the n cells of reg at path */
static const fdt64_t *fdt_reg(const void *fdt, const char *path, int n)
{
	const fdt64_t *reg;
	int len, off = fdt_path_offset(fdt, path);

	assert_true(off >= 0);
	reg = fdt_getprop(fdt, off, "reg", &len);
	assert_int_equal(len, n * (int)sizeof(*reg));
	return reg;
}

static void dtb_sparse_and_pmem(void **state)
{
	static char fdt[4096];
	struct topo t;
	void *out;
	size_t len;
	uint64_t a;

	(void)state;
	/* what QEMU generates: each node's memory, gaps included */
	assert_int_equal(fdt_create(fdt, sizeof(fdt)), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
	fdt_mem_node(fdt, 0x80000000, 64ULL << 30, 0);
	fdt_mem_node(fdt, 0x80000000 + (64ULL << 30), 1ULL << 30, 1);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);

	assert_int_equal(topo_parse("node 0 mem=1G cpus=0 gap=63G\nnode 1 mem=1G cpus=1\npmem 256M\nhide 256M\n",
				    &t, err, sizeof(err)), 0);
	assert_int_equal(dtb_apply_topo(&t, fdt, fdt_totalsize(fdt), &out, &len,
					err, sizeof(err)), 0);
	assert_true(fdt_reg_size(out, "/memory@80000000", &a) == 1ULL << 30);
	/* node 1: boot RAM, the pmem, then the hidden top (QEMU's tree) */
	assert_memory_equal(fdt_reg(out, "/memory@1080000000", 4),
			    ((fdt64_t[]){ cpu_to_fdt64(0x1080000000ULL), cpu_to_fdt64(512ULL << 20),
					  cpu_to_fdt64(0x10b0000000ULL), cpu_to_fdt64(256ULL << 20) }),
			    4 * sizeof(fdt64_t));
	assert_true(fdt_reg_size(out, "/pmem@10a0000000", &a) == 256ULL << 20);
	assert_true(a == 0x10a0000000ULL);
	free(out);

	/* pmem and hide fill node 1: no boot RAM there, one range */
	assert_int_equal(topo_parse("node 0 mem=1G cpus=0 gap=63G\nnode 1 mem=1G cpus=1\npmem 512M\nhide 512M\n",
				    &t, err, sizeof(err)), 0);
	assert_int_equal(dtb_apply_topo(&t, fdt, fdt_totalsize(fdt), &out, &len,
					err, sizeof(err)), 0);
	assert_true(fdt_reg_size(out, "/memory@1080000000", &a) == 512ULL << 20);
	assert_true(a == 0x10a0000000ULL);
	assert_true(fdt_reg_size(out, "/pmem@1080000000", &a) == 512ULL << 20);
	free(out);

	/* a tree that does not match the topology is refused, with a reason */
	assert_int_equal(topo_parse("node 0 mem=1G cpus=0 gap=7G\nnode 1 mem=1G cpus=1\n",
				    &t, err, sizeof(err)), 0);
	assert_int_equal(dtb_apply_topo(&t, fdt, fdt_totalsize(fdt), &out, &len,
					err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no memory node"));
}

/*
 * What a guest of a pmem topology sees: QEMU's tree for it (one memory node
 * per NUMA node, gaps included) after dtb_apply_topo, then the command
 * line's mem= applied the way memblock does (RAM counted from the bottom).
 */
#define BLOCK	(128ULL << 20)	/* riscv64 memory block: a 128 MiB section */
#define FDT_MAX	(2ULL << 20)	/* QEMU aligns the device tree down to 2 MiB */

struct range { uint64_t a, s; };

struct guest_view {
	struct range ram[16];	/* every memory node reg entry, ascending */
	int nr_ram;
	struct range pmem;
	uint64_t limit;		/* memblock's end of RAM after mem= */
	uint64_t fdt;		/* where QEMU loads its device tree */
};

static int overlaps(uint64_t a, uint64_t s, uint64_t b, uint64_t t)
{
	return a < b + t && b < a + s;
}

static void guest_view(const char *cellname, const struct topo *t, struct guest_view *g)
{
	static char fdt[4096];
	uint64_t addr = 0x80000000, lim = UINT64_MAX;
	unsigned int n = t->nr_nodes ? t->nr_nodes : 1;
	char cmd[1024];
	const char *m;
	struct cell c;
	void *out;
	size_t len;
	int off = -1, plen;

	assert_int_equal(fdt_create(fdt, sizeof(fdt)), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t sz = t->nr_nodes ? t->node[i].mem + t->node[i].gap : t->memory;

		if (sz)
			fdt_mem_node(fdt, addr, sz, i);
		addr += sz;
	}
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);
	/* hw/riscv/boot.c: ALIGN_DOWN(end of RAM - tree size, 2 MiB) */
	g->fdt = (0x80000000 + topo_span(t) - fdt_totalsize(fdt)) & ~(FDT_MAX - 1);

	if (dtb_apply_topo(t, fdt, fdt_totalsize(fdt), &out, &len, err, sizeof(err)))
		fail_msg("dtb_apply_topo: %s", err);
	memset(g, 0, offsetof(struct guest_view, fdt));
	while ((off = fdt_node_offset_by_prop_value(out, off, "device_type", "memory", 7)) >= 0) {
		const fdt64_t *reg = fdt_getprop(out, off, "reg", &plen);

		assert_non_null(reg);
		assert_int_equal(plen % 16, 0);
		for (int k = 0; k < plen / 16; k++) {
			int j = g->nr_ram++;

			assert_true(j < 16);
			g->ram[j] = (struct range){ fdt64_to_cpu(reg[2 * k]),
						    fdt64_to_cpu(reg[2 * k + 1]) };
			for (; j && g->ram[j - 1].a > g->ram[j].a; j--) {
				struct range tmp = g->ram[j];

				g->ram[j] = g->ram[j - 1];
				g->ram[j - 1] = tmp;
			}
		}
	}
	off = fdt_node_offset_by_compatible(out, -1, "pmem-region");
	if (off >= 0) {
		const fdt64_t *reg = fdt_getprop(out, off, "reg", &plen);

		assert_int_equal(plen, 16);
		g->pmem = (struct range){ fdt64_to_cpu(reg[0]), fdt64_to_cpu(reg[1]) };
	}
	free(out);

	assert_int_equal(cell_parse(cellname, &c, err, sizeof(err)), 0);
	cell_cmdline(&c, t, NULL, cmd, sizeof(cmd));
	m = strstr(cmd, " mem=");
	if (m)
		lim = strtoull(m + 5, NULL, 10) << 20;
	g->limit = UINT64_MAX;
	for (int i = 0; m && i < g->nr_ram; i++) {	/* memblock's __find_max_addr */
		/* 6.1 keeps the 2 MiB below its load address out of RAM */
		uint64_t a = g->ram[i].a + (i ? 0 : 2 << 20), s = g->ram[i].s - (i ? 0 : 2 << 20);

		if (lim <= s) {
			g->limit = a + lim;
			break;
		}
		lim -= s;
	}
}

/*
 * A pmem topology: the pmem-region must miss the 2 MiB QEMU loads its tree
 * into (the kernel reserves it: daxctl system-ram then fails with EBUSY),
 * mem= must hide exactly 'hide' of RAM, and that hidden RAM must still
 * offer want bytes of whole blocks clear of the tree (the selftests skip
 * blocks under any iomem entry).
 */
static void check_pmem_layout(const char *what, const char *topotext, uint64_t want)
{
	struct guest_view g;
	struct topo t;
	uint64_t ram = 0, hidden = 0, usable = 0, last;

	if (topo_parse(topotext, &t, err, sizeof(err)))
		fail_msg("%s: %s", what, err);
	guest_view("6.12-plain-sv57-pmem", &t, &g);
	last = 0x80000000 + topo_span(&t) - (t.nr_nodes ? t.node[t.nr_nodes - 1].mem : t.memory);
	if (g.pmem.s != t.pmem || g.pmem.a < last || g.pmem.a + g.pmem.s > 0x80000000 + topo_span(&t))
		fail_msg("%s: pmem [%#" PRIx64 ", +%#" PRIx64 ") is not %#" PRIx64 " of the last node",
			 what, g.pmem.a, g.pmem.s, t.pmem);
	if (g.pmem.a % BLOCK || g.pmem.s % BLOCK)
		fail_msg("%s: pmem [%#" PRIx64 ", +%#" PRIx64 ") is not in whole blocks",
			 what, g.pmem.a, g.pmem.s);
	if (overlaps(g.pmem.a, g.pmem.s, g.fdt, FDT_MAX))
		fail_msg("%s: pmem [%#" PRIx64 ", +%#" PRIx64 ") holds QEMU's device tree at %#" PRIx64,
			 what, g.pmem.a, g.pmem.s, g.fdt);
	for (int i = 0; i < g.nr_ram; i++) {
		const struct range *r = &g.ram[i];

		if (overlaps(r->a, r->s, g.pmem.a, g.pmem.s) || (i && r->a < r[-1].a + r[-1].s))
			fail_msg("%s: RAM [%#" PRIx64 ", +%#" PRIx64 ") overlaps", what, r->a, r->s);
		ram += r->s;
		if (r->a + r->s <= g.limit)
			continue;
		assert_true(r->a >= g.limit);	/* the layout keeps mem= on a range boundary */
		hidden += r->s;
		for (uint64_t b = (r->a + BLOCK - 1) & ~(BLOCK - 1); b + BLOCK <= r->a + r->s; b += BLOCK)
			if (!overlaps(b, BLOCK, g.fdt, FDT_MAX))
				usable += BLOCK;
	}
	if (ram + g.pmem.s != topo_total_mem(&t))
		fail_msg("%s: RAM %#" PRIx64 " + pmem %#" PRIx64 " is not the machine's %#" PRIx64,
			 what, ram, g.pmem.s, topo_total_mem(&t));
	if (hidden != t.hide)
		fail_msg("%s: mem= hides %#" PRIx64 ", 'hide' says %#" PRIx64, what, hidden, t.hide);
	if (usable < want)
		fail_msg("%s: hidden RAM has %#" PRIx64 " of whole blocks clear of the tree, want %#" PRIx64,
			 what, usable, want);
}

static void dtb_pmem_misses_qemu_fdt(void **state)
{
	static const char *const files[] = {
		"virtme-configs/topologies/pmem.topo",		/* make unit */
		"../../virtme-configs/topologies/pmem.topo",	/* from build/host */
	};
	char buf[4096], path[4200], exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int found = 0;

	(void)state;
	/* the pmem topology as README describes it, and the file itself */
	check_pmem_layout("numa2, pmem 512M, hide 384M",
			  "node 0 mem=1G cpus=0\nnode 1 mem=1G cpus=1\npmem 512M\nhide 384M\n",
			  256ULL << 20);
	check_pmem_layout("flat, pmem 256M, hide 512M",
			  "memory 2G\npmem 256M\nhide 512M\n", 384ULL << 20);
	check_pmem_layout("sparse, pmem 256M, hide 256M",
			  "node 0 mem=1G cpus=0 gap=63G\nnode 1 mem=1G cpus=1\npmem 256M\nhide 256M\n",
			  128ULL << 20);
	exe[n > 0 ? n : 0] = '\0';
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && !found; i++) {
		FILE *f;

		if (i)
			snprintf(path, sizeof(path), "%s/%s", dirname(exe), files[i]);
		else
			snprintf(path, sizeof(path), "%s", files[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
		fclose(f);
		check_pmem_layout(path, buf, 256ULL << 20);
		found = 1;
	}
	if (!found)
		print_message("pmem.topo not found from here: checked the built-in copy only\n");
}

static void verdict_good_run_passes(void **state)
{
	struct verdict v;
	char why[300] = "";

	(void)state;
	assert_int_equal(judge(good_console, NULL, SV57, why, sizeof(why), &v), 1);
	assert_int_equal(v.ok, 1);
	assert_int_equal(v.skip, 1);
	assert_int_equal(v.sub_ok, 2);
	assert_int_equal(v.sub_skip, 1);
	assert_string_equal(v.mmu, "sv57");
}

static void verdict_catches_failures(void **state)
{
	static const char *const cases[][2] = {
		{ "[   12.500000] BUG: Bad page state in process init\n", "kernel: BUG: Bad page" },
		{ "[    3.1] WARNING: CPU: 1 PID: 1 at mm/memory_hotplug.c:1 x\n", "kernel: WARNING:" },
		{ "[    9.9] Kernel panic - not syncing: Fatal exception\n", "kernel: Kernel panic" },
		{ "[  100.0] INFO: task make:9 blocked for more than 120 seconds.\n", "blocked for more" },
		{ "[ 2.0] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:\n", "rcu: INFO" },
		{ "not ok 3 selftests: riscv-mhp: add_remove # exit=1\n", "failed, first: selftests: riscv-mhp: add_remove" },
	};
	struct verdict v;
	char why[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why[0] = '\0';
		assert_int_equal(judge(good_console, cases[i][0], SV57, why, sizeof(why), &v), 0);
		if (!strstr(why, cases[i][1]))
			fail_msg("case %zu: got '%s', want '%s'", i, why, cases[i][1]);
	}
}

static void verdict_ignores_test_output_that_quotes_the_kernel(void **state)
{
	struct verdict v;
	char why[300];

	(void)state;
	assert_int_equal(judge(good_console, "# dmesg said: BUG: nothing really\n",
			       SV57, why, sizeof(why), &v), 1);
	assert_null(kernel_problem("BUG: no timestamp, not a kernel line"));
	assert_non_null(kernel_problem("[    1.000000] Oops - load access fault [#1]"));
}

static void verdict_needs_mode_marker_and_plan(void **state)
{
	const char *const no_end[] = { "riscv-mhp: mmu=sv57\n", "TAP version 13\n",
				       "1..1\n", "ok 1 a\n", NULL };
	const char *const short_plan[] = { "riscv-mhp: mmu=sv39\n", "TAP version 13\n",
					   "1..3\n", "ok 1 a\n", "riscv-mhp: run_tests exit=0\n", NULL };
	const char *const only_skips[] = { "riscv-mhp: mmu=sv39\n", "TAP version 13\n",
					   "1..1\n", "ok 1 a # SKIP x\n", "riscv-mhp: run_tests exit=0\n", NULL };
	struct verdict v;
	char why[300];

	(void)state;
	assert_int_equal(judge(good_console, NULL, SV48, why, sizeof(why), &v), 0);
	assert_non_null(strstr(why, "guest runs sv57, cell wants sv48"));
	assert_int_equal(judge(no_end, NULL, SV57, why, sizeof(why), &v), 0);
	assert_non_null(strstr(why, "did not finish"));
	assert_int_equal(judge(short_plan, NULL, SV39, why, sizeof(why), &v), 0);
	assert_non_null(strstr(why, "plan says 3 tests, 1 reported"));
	assert_int_equal(judge(only_skips, NULL, SV39, why, sizeof(why), &v), 0);
	assert_non_null(strstr(why, "no test passed"));
	assert_int_equal(judge(good_console, "riscv-mhp: runner timeout after 9s\n",
			       SV57, why, sizeof(why), &v), 0);
	assert_non_null(strstr(why, "guest hung"));
}


/* --- the registry: kernels, expectations, plans, KNOWN ------------------- */

static void registry_kernels_are_files(void **state)
{
	struct kernel_desc k;
	struct cell c;

	(void)state;
	assert_int_equal(cell_parse("7.3-plain-sv39-numa2", &c, err, sizeof(err)), 0);
	assert_string_equal(c.kernel, "7.3");
	assert_int_equal(cell_parse("7.9-plain-sv39-numa2", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown kernel '7.9' (known: 6.1 6.12 6.12fix 7.2 7.3 7.3fix local)"));
	assert_int_equal(kernel_load("7.3", &k, err, sizeof(err)), 0);
	assert_string_equal(k.package, "linux-source-7.3");
	assert_int_equal(k.expectations, 1);
	assert_int_equal(kernel_load("local", &k, err, sizeof(err)), 0);
	assert_string_equal(k.source, "ksrc");
	assert_int_equal(k.expectations, 0);
}

static void kv_parses_shell_values(void **state)
{
	struct kv kv;

	(void)state;
	assert_int_equal(kv_parse("# c\na=1\nb='x y|z'\nc=\"q \\\"r\\\"\"\n d=\n", &kv,
				  err, sizeof(err)), 0);
	assert_string_equal(kv_get(&kv, "b"), "x y|z");
	assert_string_equal(kv_get(&kv, "c"), "q \"r\"");
	assert_string_equal(kv_get(&kv, "d"), "");
	assert_int_equal(kv_parse("a=x y\n", &kv, err, sizeof(err)), -1);
	assert_int_equal(kv_parse("a='x\n", &kv, err, sizeof(err)), -1);
	assert_int_equal(kv_parse("a=1\na=2\n", &kv, err, sizeof(err)), -1);
	assert_int_equal(kv_parse("a=$(rm)\n", &kv, err, sizeof(err)), -1);
}

#define WARN_ENTRY "kind=shipped\neffect=setaside\nkernel=6.12\nflavor=plain\n" \
	"cells='6.12-*-sv39-*'\nproof=6.12-plain-sv39-numa2\n" \
	"signature='WARNING: .*physaddr'\n"
#define OOPS_ENTRY "kind=shipped\nkernel=6.12\nflavor=plain\n" \
	"cells='6.12-*-sv39-* 6.12-*-sv48-*'\nleave_out='zone_device random_walk:hmm'\n" \
	"proof=6.12-plain-sv48-numa2\nsignature='memremap_pages\\+'\n"

static void expect_entries_are_checked(void **state)
{
	struct expect e;

	(void)state;
	assert_int_equal(expect_parse("w", WARN_ENTRY, &e, err, sizeof(err)), 0);
	assert_int_equal(e.effect, EFFECT_SETASIDE);
	assert_int_equal(expect_parse("o", OOPS_ENTRY, &e, err, sizeof(err)), 0);
	assert_int_equal(e.attempts, 1);
	/* a race's proof may get several runs, within reason */
	assert_int_equal(expect_parse("o", OOPS_ENTRY "attempts=6\n", &e, err, sizeof(err)), 0);
	assert_int_equal(e.attempts, 6);
	assert_int_equal(expect_parse("o", OOPS_ENTRY "attempts=0\n", &e, err, sizeof(err)), -1);
	assert_int_equal(expect_parse("o", OOPS_ENTRY "attempts=3x\n", &e, err, sizeof(err)), -1);
	assert_int_equal(expect_parse("o", OOPS_ENTRY, &e, err, sizeof(err)), 0);
	assert_int_equal(expect_applies(&e, "6.12-kasan-sv48-flat-page"), 1);
	assert_int_equal(expect_applies(&e, "6.12-plain-sv57-numa2"), 0);
	assert_int_equal(expect_applies(&e, "local-plain-sv48-numa2"), 0);
	/* a shipped bug needs a proof cell its pattern matches */
	assert_int_equal(expect_parse("x", "kind=shipped\nkernel=6.12\nflavor=plain\n"
				      "cells=6.12-*\nsignature=x\n", &e, err, sizeof(err)), -1);
	assert_int_equal(expect_parse("x", "kind=shipped\nkernel=6.12\nflavor=plain\n"
				      "cells=6.12-*\nproof=7.3-plain-sv39-flat\nsignature=x\n",
				      &e, err, sizeof(err)), -1);
	assert_int_equal(expect_parse("x", "kind=mutant\nkernel=6.12\nflavor=plain\n"
				      "cells=6.12-plain-sv39-flat\nleave_out=paging\nsignature=x\n",
				      &e, err, sizeof(err)), -1);
	assert_int_equal(expect_parse("x", "kernel=6.12\nflavor=plain\ncells=a\n"
				      "signature='('\n", &e, err, sizeof(err)), -1);
	assert_int_equal(expect_parse("x", "kernel=9\nflavor=plain\ncells=a\n"
				      "signature=x\n", &e, err, sizeof(err)), -1);
	/* a fix of ours: proven on the proof cells moved to the kernels carrying it */
	assert_int_equal(expect_parse("x", "kind=shipped\nkernel=7.3\nflavor=plain\n"
				      "cells='6.12-* 7.3-*'\nproof='6.12-plain-sv39-flat 7.3-plain-sv39-flat "
				      "7.3-plain-sv57-numa2'\nsignature=x\nfix='a b'\nfixed_in=7.3fix\n",
				      &e, err, sizeof(err)), 0);
	assert_string_equal(e.fixed_cells, "7.3fix-plain-sv39-flat 7.3fix-plain-sv57-numa2");
	/* ... which must carry a series, must not be expected to show it */
	assert_int_equal(expect_parse("x", "kind=shipped\nkernel=7.3\nflavor=plain\n"
				      "cells=7.3-*\nproof=7.3-plain-sv39-flat\nsignature=x\n"
				      "fix=a\nfixed_in=7.2\n", &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no patch series"));
	assert_int_equal(expect_parse("x", "kind=shipped\nkernel=7.3\nflavor=plain\n"
				      "cells='7.3*'\nproof=7.3-plain-sv39-flat\nsignature=x\n"
				      "fix=a\nfixed_in=7.3fix\n", &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "expects it on 7.3fix-plain-sv39-flat"));
	/* and fix goes with fixed_in, on shipped entries only */
	assert_int_equal(expect_parse("x", "kind=shipped\nkernel=7.3\nflavor=plain\n"
				      "cells=7.3-*\nproof=7.3-plain-sv39-flat\nsignature=x\n"
				      "fix=a\n", &e, err, sizeof(err)), -1);
	assert_int_equal(expect_parse("x", "kind=mutant\nkernel=7.3\nflavor=plain\n"
				      "cells=7.3-plain-sv39-flat\nsignature=x\nfix=a\nfixed_in=7.3fix\n",
				      &e, err, sizeof(err)), -1);
	/* the repository's own registry loads */
	{
		struct expect all[EXPECT_MAX];

		assert_true(expect_load_all(all, EXPECT_MAX, err, sizeof(err)) > 0);
	}
}

static int plan_has(const struct cell_plan *p, const char *test)
{
	for (int i = 0; i < p->ntests; i++)
		if (!strcmp(p->tests[i], test))
			return 1;
	return 0;
}

static void plan_leaves_out_and_sets_aside(void **state)
{
	struct expect reg[2];
	struct cell_plan p;

	(void)state;
	assert_int_equal(expect_parse("warn", WARN_ENTRY, &reg[0], err, sizeof(err)), 0);
	assert_int_equal(expect_parse("oops", OOPS_ENTRY, &reg[1], err, sizeof(err)), 0);
	assert_int_equal(cell_plan_make("6.12-plain-sv39-flat", "", BOOT_HIDDEN_RAM, reg, 2, &p, err,
					sizeof(err)), 0);
	assert_int_equal(p.nleft, 1);
	assert_string_equal(p.left_out[0], "zone_device");
	assert_string_equal(p.left_by[0], "oops");
	assert_string_equal(p.exclude, "hmm");
	assert_int_equal(p.nsetaside, 1);
	assert_string_equal(p.setaside[0], "warn");
	for (int i = 0; i < p.ntests; i++)
		assert_true(strcmp(p.tests[i], "zone_device"));
	/* asked for by name: it runs, less the op kinds behind the bug */
	assert_int_equal(cell_plan_make("6.12-plain-sv39-flat", "a riscv_mhp.tests=zone_device b",
					BOOT_HIDDEN_RAM, reg, 2, &p, err, sizeof(err)), 0);
	assert_int_equal(p.ntests, 1);
	assert_int_equal(p.nleft, 0);
	assert_int_equal(cell_plan_make("6.12-plain-sv39-flat", "riscv_mhp.tests=random_walk",
					BOOT_HIDDEN_RAM, reg, 2, &p, err, sizeof(err)), 0);
	assert_string_equal(p.exclude, "hmm");
	/* the developer's tree inherits nothing; every test runs */
	assert_int_equal(cell_plan_make("local-plain-sv39-flat", "", BOOT_HIDDEN_RAM, reg, 2, &p, err,
					sizeof(err)), 0);
	assert_int_equal(p.nleft + p.nsetaside, 0);
	assert_int_equal(cell_plan_make("6.12-plain-sv39-flat", "riscv_mhp.tests=nope",
					BOOT_HIDDEN_RAM, reg, 2, &p, err, sizeof(err)), -1);
	/* a test of the other firmware: not part of the cell, refused by name */
	assert_int_equal(cell_plan_make("6.12-plain-sv39-flat", "", BOOT_HIDDEN_RAM, reg, 2, &p, err,
					sizeof(err)), 0);
	for (int i = 0; i < p.ntests; i++)
		assert_true(strcmp(p.tests[i], "acpi_dimm"));
	/* ACPI without hidden RAM: acpi_dimm, not the tests that add hidden RAM */
	assert_int_equal(cell_plan_make("6.12-plain-sv48-acpi2", "", BOOT_ACPI, reg, 2, &p,
					err, sizeof(err)), 0);
	assert_true(plan_has(&p, "acpi_dimm"));
	assert_false(plan_has(&p, "add_remove"));
	assert_true(plan_has(&p, "paging"));
	assert_int_equal(cell_plan_make("6.12-plain-sv48-acpi2", "riscv_mhp.tests=add_remove",
					BOOT_ACPI, reg, 2, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "needs hidden RAM"));
	/* ACPI with hidden RAM: both */
	assert_int_equal(cell_plan_make("6.12-plain-sv39-acpih", "", BOOT_ACPI | BOOT_HIDDEN_RAM,
					reg, 2, &p, err, sizeof(err)), 0);
	assert_true(plan_has(&p, "acpi_dimm"));
	assert_true(plan_has(&p, "add_remove"));
	assert_int_equal(cell_plan_make("6.12-plain-sv39-flat", "riscv_mhp.tests=acpi_dimm",
					BOOT_HIDDEN_RAM, reg, 2, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "needs an ACPI boot"));
}

static const char *const sv39_run[] = {
	"riscv-mhp: mmu=sv39\n",
	"TAP version 13\n",
	"1..2\n",
	"[    3.000000] WARNING: CPU: 0 PID: 1 at arch/riscv/mm/physaddr.c:14 __virt_to_phys+0x1\n",
	"ok 1 selftests: riscv-mhp: sysfs_model\n",
	"# SKIP no node has hidden memory\n",
	"ok 2 selftests: riscv-mhp: add_remove # SKIP\n",
	"riscv-mhp: run_tests exit=0\n",
	NULL
};

static enum verdict_kind judge_plan(const char *const *lines, const char *extra,
				    const char *tests, char *why)
{
	static struct expect reg[2];
	const struct expect *known;
	struct cell_plan p;
	struct verdict v;

	assert_int_equal(expect_parse("warn", WARN_ENTRY, &reg[0], err, sizeof(err)), 0);
	assert_int_equal(expect_parse("oops", OOPS_ENTRY, &reg[1], err, sizeof(err)), 0);
	assert_int_equal(cell_plan_make("6.12-plain-sv39-flat", tests, BOOT_HIDDEN_RAM, reg, 2, &p, err,
					sizeof(err)), 0);
	verdict_init(&v);
	verdict_set_aside(&v, &reg[0]);
	for (int i = 0; lines[i]; i++) {
		if (extra && !strncmp(lines[i], "riscv-mhp: run_tests", 20))
			verdict_feed(&v, extra);
		verdict_feed(&v, lines[i]);
	}
	return verdict_judge(&v, "6.12-plain-sv39-flat", SV39, &p, reg, 2, &known, why, 300);
}

static void verdict_never_hides_a_new_bug(void **state)
{
	char why[300];

	(void)state;
	/* the set-aside WARN alone: still judged, and the skip is unexpected */
	assert_int_equal(judge_plan(sv39_run, NULL, "riscv_mhp.tests=sysfs_model,add_remove",
				    why), VERDICT_FAIL);
	assert_string_equal(why, "unexpected skip: add_remove: SKIP no node has hidden memory");
	/* a planned test that never reported */
	assert_int_equal(judge_plan(sv39_run, NULL, "riscv_mhp.tests=sysfs_model,paging",
				    why), VERDICT_FAIL);
	assert_non_null(strstr(why, "planned test paging did not report"));
	/* a second, different oops after the set-aside WARN is new */
	assert_int_equal(judge_plan(sv39_run, "[    4.0] Unable to handle kernel paging request at x\n",
				    "riscv_mhp.tests=sysfs_model", why), VERDICT_FAIL);
	/* the known oops first: KNOWN */
	assert_int_equal(judge_plan(sv39_run, "[    4.0] Oops [#1] in memremap_pages+0x10\n",
				    "riscv_mhp.tests=sysfs_model", why), VERDICT_KNOWN);
}

static void verdict_known_only_when_first(void **state)
{
	/* a first report of its own, then the known one */
	static const char *const two_reports[] = {
		"riscv-mhp: mmu=sv39\n",
		"[    2.0] BUG: unable to handle page fault in sparse_add_section\n",
		"[    2.1] epc : sparse_add_section+0x10\n",
		"[    2.2] ---[ end trace 0000000000000000 ]---\n",
		"[    3.0] ------------[ cut here ]------------\n",
		"[    3.1] Oops [#1]\n",
		"[    3.2] [<ffffffff8011f94e>] memremap_pages+0x2c6/0x4f8\n",
		NULL
	};
	/* the known signature in the first report's call trace */
	static const char *const known_trace[] = {
		"riscv-mhp: mmu=sv39\n",
		"[    6.2] Unable to handle kernel paging request at virtual address 00038d7ffdc00000\n",
		"[    6.3] Oops [#1]\n",
		"[    6.4] epc : __memset+0x60/0x100\n",
		"[    6.5] [<ffffffff8011f94e>] memremap_pages+0x2c6/0x4f8\n",
		"[    6.6] ---[ end trace 0000000000000000 ]---\n",
		"[    6.7] Kernel panic - not syncing: Fatal exception\n",
		NULL
	};
	char why[300];

	(void)state;
	assert_int_equal(judge_plan(two_reports, NULL, "", why), VERDICT_FAIL);
	assert_non_null(strstr(why, "sparse_add_section"));
	assert_int_equal(judge_plan(known_trace, NULL, "", why), VERDICT_KNOWN);
	assert_non_null(strstr(why, "Unable to handle kernel paging request"));
}

/* chain=: the first report's call trace, innermost first */
static void chain_in_call_trace(void **state)
{
	static const char report[] =
		"kernel BUG at include/linux/page-flags.h:1081!\n"
		"[<ffffffff80012345>] free_pmd_table+0x1c/0x80\n"
		"[<ffffffff80012400>] remove_pud_mapping+0x90/0x120\n"
		"[<ffffffff80012500>] vmemmap_free+0x20/0x40\n"
		"[<ffffffff80012600>] arch_remove_memory+0x30/0x50\n"
		"[<ffffffff80012700>] acpi_memory_device_remove+0x40/0x60\n";

	(void)state;
	assert_true(report_shows_chain(report, "vmemmap_free acpi_memory_device_remove"));
	assert_true(report_shows_chain(report, ""));
	/* out of order, absent, or only the tail of a longer name */
	assert_false(report_shows_chain(report, "acpi_memory_device_remove vmemmap_free"));
	assert_false(report_shows_chain(report, "vmemmap_free acpi_bus_trim"));
	assert_false(report_shows_chain(report, "pmd_table"));
	assert_false(report_shows_chain(report, "free_pmd"));
}

#define TAP_ENTRY "kind=shipped\nkernel=6.12\nflavor=plain\ncells='6.12-*'\n" \
	"proof=6.12-plain-sv39-numa2\nsignature='not ok [0-9]+ kpageflags'\n"

/* a known bug that shows as one failed subtest, no kernel complaint */
static enum verdict_kind judge_tap(const char *extra, char *why)
{
	static const char *const run[] = {
		"riscv-mhp: mmu=sv39\n",
		"# ok 1 adds and removes\n",
		"# not ok 2 kpageflags covers pfn 0xf0000: 0 bytes\n",
		"not ok 1 selftests: riscv-mhp: add_remove # exit=1\n",
		"ok 2 selftests: riscv-mhp: sysfs_model\n",
		"riscv-mhp: run_tests exit=0\n",
		NULL
	};
	static struct expect reg[1];
	const struct expect *known;
	struct cell_plan p;
	struct verdict v;

	assert_int_equal(expect_parse("tap", TAP_ENTRY, &reg[0], err, sizeof(err)), 0);
	assert_int_equal(cell_plan_make("6.12-plain-sv39-flat", "riscv_mhp.tests=add_remove,sysfs_model", BOOT_HIDDEN_RAM, reg, 1,
					&p, err, sizeof(err)), 0);
	verdict_init(&v);
	for (int i = 0; run[i]; i++) {
		if (extra && !strncmp(run[i], "riscv-mhp: run_tests", 20))
			verdict_feed(&v, extra);
		verdict_feed(&v, run[i]);
	}
	return verdict_judge(&v, "6.12-plain-sv39-flat", SV39, &p, reg, 1, &known, why, 300);
}

static void verdict_known_test_finding(void **state)
{
	char why[300];
	struct expect e;
	struct cell_plan p;

	(void)state;
	/* what triggers it is a subtest: the test runs, without that one */
	assert_int_equal(expect_parse("tap", TAP_ENTRY "leave_out='add_remove:descending'\n",
				      &e, err, sizeof(err)), 0);
	assert_int_equal(cell_plan_make("6.12-plain-sv39-flat", "", BOOT_HIDDEN_RAM, &e, 1, &p, err,
					sizeof(err)), 0);
	assert_int_equal(p.nleft, 0);
	assert_string_equal(p.subtests_out, "add_remove:descending");
	assert_string_equal(p.exclude, "");
	assert_int_equal(judge_tap(NULL, why), VERDICT_KNOWN);
	/* a second failed subtest is new */
	assert_int_equal(judge_tap("# not ok 3 zone spans\n", why), VERDICT_FAIL);
	/* so is any kernel complaint */
	assert_int_equal(judge_tap("[    5.0] WARNING: CPU: 0 PID: 1 at mm/x.c:1 f+0x1\n", why),
			 VERDICT_FAIL);
	/* and another rule broken in the same run */
	assert_int_equal(judge_tap("ok 3 selftests: riscv-mhp: paging # SKIP no\n", why),
			 VERDICT_FAIL);
}

/* what the kernel printed just before its complaint belongs to it */
static int preamble_matches(int filler)
{
	static struct expect e;
	struct verdict v;
	char line[100];

	assert_int_equal(expect_parse("span", "kind=shipped\nkernel=7.3\nflavor=plain\n"
				      "cells='7.3-*'\nproof=7.3-plain-sv48-numa2\n"
				      "signature='page 0x[0-9a-f]+ outside node [0-9]+ zone'\n",
				      &e, err, sizeof(err)), 0);
	verdict_init(&v);
	verdict_feed(&v, "riscv-mhp: mmu=sv48\n");
	verdict_feed(&v, "[    5.1] page 0xf00c5 outside node 1 zone Movable [ 0xe8000 - 0xf0000 ]\n");
	for (int i = 0; i < filler; i++) {
		snprintf(line, sizeof(line), "[    5.2] raw: %016x\n", i);
		verdict_feed(&v, line);
	}
	verdict_feed(&v, "[    5.3] page dumped because: VM_BUG_ON_PAGE(page && bad_range(zone, page))\n");
	verdict_feed(&v, "[    5.4] ------------[ cut here ]------------\n");
	verdict_feed(&v, "[    5.5] kernel BUG at mm/page_alloc.c:3448!\n");
	verdict_feed(&v, "[    5.6] epc : get_page_from_freelist+0xb34/0xdca\n");
	assert_int_equal(v.problems, 1);
	return verdict_first_report_matches(&v, &e);
}

static void verdict_report_preamble(void **state)
{
	(void)state;
	/* the page dump and the check's own line just before the BUG */
	assert_true(preamble_matches(4));
	/* the last VERDICT_PREAMBLE lines only: not a line long before */
	assert_true(preamble_matches(VERDICT_PREAMBLE - 4));
	assert_false(preamble_matches(VERDICT_PREAMBLE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cell_parses_default),
		cmocka_unit_test(cell_parses_percpu),
		cmocka_unit_test(cell_rejects_bad_names),
		cmocka_unit_test(topo_parses_numa),
		cmocka_unit_test(argv_memmap_on_memory),
		cmocka_unit_test(topo_allows_memoryless_node),
		cmocka_unit_test(topo_rejects_bad_files),
		cmocka_unit_test(sizes_parse),
		cmocka_unit_test(argv_paging_modes),
		cmocka_unit_test(argv_numa_and_cmdline),
		cmocka_unit_test(argv_virtio_mem),
		cmocka_unit_test(argv_sparse_numa),
		cmocka_unit_test(dtb_sparse_and_pmem),
		cmocka_unit_test(dtb_pmem_misses_qemu_fdt),
		cmocka_unit_test(verdict_good_run_passes),
		cmocka_unit_test(verdict_known_test_finding),
		cmocka_unit_test(verdict_catches_failures),
		cmocka_unit_test(verdict_ignores_test_output_that_quotes_the_kernel),
		cmocka_unit_test(verdict_needs_mode_marker_and_plan),
		cmocka_unit_test(registry_kernels_are_files),
		cmocka_unit_test(kv_parses_shell_values),
		cmocka_unit_test(expect_entries_are_checked),
		cmocka_unit_test(plan_leaves_out_and_sets_aside),
		cmocka_unit_test(verdict_never_hides_a_new_bug),
		cmocka_unit_test(verdict_known_only_when_first),
		cmocka_unit_test(verdict_report_preamble),
		cmocka_unit_test(chain_in_call_trace),
	};
	int n = sizeof(tests) / sizeof(tests[0]);
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	printf("unit: %d passed, %d failed\n", n - failed, failed);
	return failed ? 1 : 0;
}
