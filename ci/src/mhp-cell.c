// SPDX-License-Identifier: GPL-2.0
/*
 * mhp-cell: the host side of a cell, for ci/run-cell.
 *
 *   mhp-cell describe CELL             validate; print shell assignments
 *   mhp-cell argv CELL --image I --initrd R [--qemu Q] [--append A] [--tap F]
 *                                      the QEMU command, one arg per line;
 *                                      the guest's own output goes to F
 *             [--dumpdtb F | --dtb F]  (only dump QEMU's device tree to F |
 *                                      boot with the edited tree F)
 *             [--vmem SIZE] [--qmp SOCK]
 *                                      a virtio-mem device of SIZE on node 0
 *                                      (our QEMU); QMP on unix socket SOCK
 *   mhp-cell dtb CELL --in QEMU.dtb --out CELL.dtb
 *                                      edit QEMU's device tree for the
 *                                      topology (describe says dtb=1)
 *   mhp-cell verdict CELL CONSOLE [TAP] [--json FILE]
 *                                      judge the kernel console and the
 *                                      guest's output: exit 0 = PASS
 *
 * --topodir DIR names the topology directory (default
 * virtme-configs/topologies). Bad input: one line on stderr, exit 2.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cell.h"
#include "dtb.h"
#include "qemu_argv.h"
#include "topo.h"
#include "verdict.h"

static struct boot_files files = { .qemu = "qemu-system-riscv64" };
static const char *topodir = "virtme-configs/topologies";
static const char *json_out;
static const char *dtb_in, *dtb_out;

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "mhp-cell: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static void load(const char *name, struct cell *c, struct topo *t)
{
	char err[256], path[512];

	if (cell_parse(name, c, err, sizeof(err)))
		die("%s", err);
	snprintf(path, sizeof(path), "%s/%s.topo", topodir, c->topo);
	if (topo_load(path, t, err, sizeof(err))) {
		fprintf(stderr, "mhp-cell: topology '%s': %s\n", c->topo, err);
		exit(2);
	}
}

/*
 * KASAN checks every memory access: under TCG the whole suite takes about
 * three times as long as on the plain kernel. A topology's timeout is for
 * the plain one.
 */
#define KASAN_TIME_FACTOR	3

static int cmd_describe(const struct cell *c, const struct topo *t)
{
	unsigned int timeout = t->timeout;

	if (!strcmp(c->flavor, "kasan"))
		timeout *= KASAN_TIME_FACTOR;
	printf("kernel=%s\nflavor=%s\npaging=%s\ntopo=%s\npercpu=%s\ntimeout=%u\ndtb=%d\n",
	       c->kernel, c->flavor, paging_name(c->paging), c->topo,
	       c->percpu_page ? "page" : "embed", timeout,
	       topo_needs_dtb(t));
	return 0;
}

static int cmd_argv(const struct cell *c, const struct topo *t)
{
	struct argv a = { 0 };

	if (!files.image || !files.initrd)
		die("%s", "argv needs --image and --initrd");
	qemu_argv(c, t, &files, &a);
	for (int i = 0; i < a.n; i++)
		puts(a.v[i]);
	argv_free(&a);
	return 0;
}

static int cmd_dtb(const struct topo *t)
{
	char buf[1 << 20], err[256];
	void *edited;
	size_t n, len;
	FILE *f;

	if (!dtb_in || !dtb_out)
		die("%s", "dtb needs --in and --out");
	f = fopen(dtb_in, "r");
	if (!f)
		die("cannot read %s", dtb_in);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (dtb_apply_topo(t, buf, n, &edited, &len, err, sizeof(err)))
		die("device tree: %s", err);
	f = fopen(dtb_out, "w");
	if (!f || fwrite(edited, 1, len, f) != len || fclose(f))
		die("cannot write %s", dtb_out);
	free(edited);
	return 0;
}

static void write_json(const char *cell, const struct verdict *v, int pass,
		       const char *why)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "cell", json_object_new_string(cell));
	json_object_object_add(o, "verdict", json_object_new_string(pass ? "PASS" : "FAIL"));
	json_object_object_add(o, "reason", json_object_new_string(pass ? "" : why));
	json_object_object_add(o, "mmu", json_object_new_string(v->mmu));
	json_object_object_add(o, "finished", json_object_new_boolean(v->finished));
	json_object_object_add(o, "tests_ok", json_object_new_int(v->ok));
	json_object_object_add(o, "tests_failed", json_object_new_int(v->not_ok));
	json_object_object_add(o, "tests_skipped", json_object_new_int(v->skip));
	json_object_object_add(o, "subtests_ok", json_object_new_int(v->sub_ok));
	json_object_object_add(o, "subtests_failed", json_object_new_int(v->sub_not_ok));
	json_object_object_add(o, "subtests_skipped", json_object_new_int(v->sub_skip));
	json_object_object_add(o, "kernel_problems", json_object_new_int(v->problems));
	json_object_object_add(o, "first_problem", json_object_new_string(v->first_problem));
	if (json_object_to_file_ext(json_out, o, JSON_C_TO_STRING_PRETTY))
		die("cannot write %s", json_out);
	json_object_put(o);
}

static void feed_file(struct verdict *v, const char *path)
{
	char line[4096];
	FILE *f = fopen(path, "r");

	if (!f)
		die("cannot read %s", path);
	while (fgets(line, sizeof(line), f))
		verdict_feed(v, line);
	fclose(f);
}

/* Kernel console and the guest's own output (if apart) feed one verdict. */
static int cmd_verdict(const char *name, const struct cell *c,
		       const char *console, const char *tap)
{
	struct verdict v;
	char why[300] = "";
	int pass;

	verdict_init(&v);
	feed_file(&v, console);
	if (tap)
		feed_file(&v, tap);
	pass = verdict_pass(&v, c->paging, why, sizeof(why));
	printf("%s: %s: tests %d ok, %d failed, %d skipped; subtests %d ok, %d failed, %d skipped%s%s\n",
	       name, pass ? "PASS" : "FAIL", v.ok, v.not_ok, v.skip,
	       v.sub_ok, v.sub_not_ok, v.sub_skip, pass ? "" : "; ", why);
	for (int i = 0; i < v.nfailed; i++)
		printf("%s:   not ok: %s\n", name, v.failed[i]);
	if (json_out)
		write_json(name, &v, pass, why);
	return pass ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "initrd", required_argument, NULL, 'r' },
		{ "qemu", required_argument, NULL, 'q' },
		{ "append", required_argument, NULL, 'a' },
		{ "topodir", required_argument, NULL, 't' },
		{ "json", required_argument, NULL, 'j' },
		{ "tap", required_argument, NULL, 'T' },
		{ "dumpdtb", required_argument, NULL, 'D' },
		{ "dtb", required_argument, NULL, 'd' },
		{ "in", required_argument, NULL, 'I' },
		{ "out", required_argument, NULL, 'O' },
		{ "vmem", required_argument, NULL, 'v' },
		{ "qmp", required_argument, NULL, 'Q' },
		{ 0 }
	};
	struct cell c;
	struct topo t;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'i': files.image = optarg; break;
		case 'r': files.initrd = optarg; break;
		case 'q': files.qemu = optarg; break;
		case 'a': files.append = optarg; break;
		case 't': topodir = optarg; break;
		case 'j': json_out = optarg; break;
		case 'T': files.tap = optarg; break;
		case 'D': files.dumpdtb = optarg; break;
		case 'd': files.dtb = optarg; break;
		case 'I': dtb_in = optarg; break;
		case 'O': dtb_out = optarg; break;
		case 'v':
			if (parse_size(optarg, &files.vmem) || files.vmem % (128 << 20))
				die("--vmem wants a multiple of 128M, like 1G or 512M, not '%s'", optarg);
			break;
		case 'Q': files.qmp = optarg; break;
		default: exit(2);
		}
	}
	if (argc - optind < 2)
		die("%s", "usage: mhp-cell describe|argv|dtb|verdict CELL [CONSOLE] [options]");
	load(argv[optind + 1], &c, &t);
	if (!strcmp(argv[optind], "describe"))
		return cmd_describe(&c, &t);
	if (!strcmp(argv[optind], "argv"))
		return cmd_argv(&c, &t);
	if (!strcmp(argv[optind], "dtb"))
		return cmd_dtb(&t);
	if (!strcmp(argv[optind], "verdict") && argc - optind == 3)
		return cmd_verdict(argv[optind + 1], &c, argv[optind + 2], NULL);
	if (!strcmp(argv[optind], "verdict") && argc - optind == 4)
		return cmd_verdict(argv[optind + 1], &c, argv[optind + 2], argv[optind + 3]);
	die("unknown command or arguments: %s", argv[optind]);
	return 2;
}
