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
 *             [--vmem SIZE] [--qmp SOCK] [--efivars FILE]
 *                                      a virtio-mem device of SIZE on node 0
 *                                      (our QEMU); QMP on unix socket SOCK;
 *                                      FILE: the EDK2 variable store of a
 *                                      'firmware acpi' cell (a copy)
 *   mhp-cell dtb CELL --in QEMU.dtb --out CELL.dtb
 *                                      edit QEMU's device tree for the
 *                                      topology (describe says dtb=1)
 *   mhp-cell plan CELL [--append A] [--out-plan FILE] [--prove NAME]
 *                                      what the cell must run: the tests
 *                                      (less those a known fatal bug of
 *                                      the kernel triggers there) and the
 *                                      known complaints set aside in it;
 *                                      --prove: a run that shows bug NAME,
 *                                      nothing of it set aside or left out
 *   mhp-cell verdict CELL CONSOLE [TAP] [--plan FILE] [--json FILE]
 *                                      judge the kernel console and the
 *                                      guest's output against the plan and
 *                                      the registry: exit 0 PASS, 1 FAIL,
 *                                      3 KNOWN (a recorded bug, first)
 *   mhp-cell match ENTRY CONSOLE [TAP] does the run show kernel/bugs/ENTRY's
 *                                      signature (and, with chain=, the
 *                                      first report's call trace that
 *                                      path)? exit 0 yes (first line:
 *                                      "first" when it is the first
 *                                      complaint), 1 no
 *   mhp-cell known CELL CONSOLE        the shipped bug of the cell whose
 *                                      signature the first kernel complaint
 *                                      matches: exit 0 and its name, else 1
 *   mhp-cell list kernels|flavors|pagings|topologies|tests|bugs
 *   mhp-cell kernel NAME               kernel/kernels/NAME.kernel, checked,
 *                                      as shell assignments (k_*)
 *   mhp-cell expect NAME               kernel/bugs/NAME/expect, checked
 *   mhp-cell signature NAME            its signature, as it is
 *
 * The repository's data (registry.h) is read from $MHP_TOP, else the tree
 * this tool was built from; --topodir DIR names another topology
 * directory. Bad input: one line on stderr, exit 2.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cell.h"
#include "dtb.h"
#include "qemu_argv.h"
#include "registry.h"
#include "topo.h"
#include "verdict.h"

static struct boot_files files = { .qemu = "qemu-system-riscv64" };
static const char *topodir;
static const char *json_out, *plan_path, *plan_out;
static const char *prove;	/* --prove NAME */
static const char *dtb_in, *dtb_out;
static struct expect reg[EXPECT_MAX];
static int nreg;

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
	if (topodir)
		snprintf(path, sizeof(path), "%s/%s.topo", topodir, c->topo);
	else
		snprintf(path, sizeof(path), "%s/virtme-configs/topologies/%s.topo",
			 registry_top(), c->topo);
	if (topo_load(path, t, err, sizeof(err))) {
		fprintf(stderr, "mhp-cell: topology '%s': %s\n", c->topo, err);
		exit(2);
	}
	if (t->firmware == FW_ACPI) {
		struct kernel_desc k;

		if (kernel_load(c->kernel, &k, err, sizeof(err)))
			die("%s", err);
		if (!k.acpi) {
			fprintf(stderr, "mhp-cell: %s: topology '%s' boots with ACPI, and kernel %s has no riscv ACPI (kernel/kernels/%s.kernel: acpi=no)\n",
				name, c->topo, c->kernel, c->kernel);
			exit(2);
		}
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
	printf("kernel=%s\nflavor=%s\npaging=%s\ntopo=%s\npercpu=%s\ntimeout=%u\ndtb=%d\nfirmware=%s\n",
	       c->kernel, c->flavor, paging_name(c->paging), c->topo,
	       c->percpu_page ? "page" : "embed", timeout,
	       topo_needs_dtb(t), firmware_name(t->firmware));
	/* the variable store EDK2 starts from: run-cell boots a copy */
	printf("edk2_vars=%s\n", t->firmware == FW_ACPI ? EDK2_VARS : "");
	printf("nodes=%u\n", t->nr_nodes ? t->nr_nodes : 1);
	printf("dimm_slots=%u\n", t->firmware == FW_ACPI ? HOTPLUG_SLOTS : 0);
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

static json_object *strings(char (*v)[32], int n)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static void write_json(const char *cell, const struct cell *c,
		       const struct verdict *v, const struct cell_plan *plan,
		       enum verdict_kind k, const struct expect *known, const char *why)
{
	json_object *o = json_object_new_object(), *a;
	char run[VERDICT_MAX_TESTS][32], skipped[VERDICT_MAX_TESTS][32],
	     failed[VERDICT_MAX_TESTS][32];
	int nrun = 0, nskip = 0, nfail = 0;

	for (int i = 0; i < v->nresults; i++) {
		const struct test_result *r = &v->results[i];

		snprintf(run[nrun++], 32, "%s", r->name);
		if (r->state == 2)
			snprintf(skipped[nskip++], 32, "%s", r->name);
		else if (r->state == 0)
			snprintf(failed[nfail++], 32, "%s", r->name);
	}
	json_object_object_add(o, "cell", json_object_new_string(cell));
	json_object_object_add(o, "kernel", json_object_new_string(c->kernel));
	json_object_object_add(o, "verdict", json_object_new_string(verdict_kind_name(k)));
	json_object_object_add(o, "reason", json_object_new_string(k == VERDICT_PASS ? "" : why));
	json_object_object_add(o, "known", json_object_new_string(known ? known->name : ""));
	json_object_object_add(o, "known_what", json_object_new_string(known ? known->what : ""));
	json_object_object_add(o, "mmu", json_object_new_string(v->mmu));
	json_object_object_add(o, "finished", json_object_new_boolean(v->finished));
	if (plan) {
		char left[VERDICT_MAX_TESTS][32];

		for (int i = 0; i < plan->nleft; i++)
			snprintf(left[i], 32, "%s", plan->left_out[i]);
		json_object_object_add(o, "tests_planned",
				       strings((char (*)[32])plan->tests, plan->ntests));
		json_object_object_add(o, "tests_left_out", strings(left, plan->nleft));
		a = json_object_new_array();
		{
			char buf[sizeof(plan->subtests_out)], *w, *save;

			snprintf(buf, sizeof(buf), "%s", plan->subtests_out);
			for (w = strtok_r(buf, " ,", &save); w; w = strtok_r(NULL, " ,", &save))
				json_object_array_add(a, json_object_new_string(w));
		}
		json_object_object_add(o, "subtests_left_out", a);
		a = json_object_new_array();
		for (int i = 0; i < plan->nsetaside; i++)
			json_object_array_add(a, json_object_new_string(plan->setaside[i]));
		json_object_object_add(o, "set_aside_entries", a);
		json_object_object_add(o, "random_walk_excluded",
				       json_object_new_string(plan->exclude));
	}
	json_object_object_add(o, "tests_run", strings(run, nrun));
	json_object_object_add(o, "tests_skipped_list", strings(skipped, nskip));
	json_object_object_add(o, "tests_failed_list", strings(failed, nfail));
	a = json_object_new_object();
	for (int i = 0; i < v->nresults; i++)
		if (v->results[i].state == 2)
			json_object_object_add(a, v->results[i].name,
					       json_object_new_string(v->results[i].reason));
	json_object_object_add(o, "skip_reasons", a);
	json_object_object_add(o, "tests_ok", json_object_new_int(v->ok));
	json_object_object_add(o, "tests_failed", json_object_new_int(v->not_ok));
	json_object_object_add(o, "tests_skipped", json_object_new_int(v->skip));
	json_object_object_add(o, "tap_plan", json_object_new_int(v->plan));
	json_object_object_add(o, "subtests_ok", json_object_new_int(v->sub_ok));
	json_object_object_add(o, "subtests_failed", json_object_new_int(v->sub_not_ok));
	json_object_object_add(o, "subtests_skipped", json_object_new_int(v->sub_skip));
	json_object_object_add(o, "kernel_problems", json_object_new_int(v->problems));
	json_object_object_add(o, "first_problem", json_object_new_string(v->first_problem));
	json_object_object_add(o, "first_subtest_failure",
			       json_object_new_string(v->first_sub_failure));
	json_object_object_add(o, "complaints_set_aside", json_object_new_int(v->set_aside));
	json_object_object_add(o, "first_set_aside", json_object_new_string(v->first_set_aside));
	if (json_object_to_file_ext(json_out, o, JSON_C_TO_STRING_PRETTY))
		die("cannot write %s", json_out);
	json_object_put(o);
}

static void load_registry(void)
{
	char err[512];

	nreg = expect_load_all(reg, EXPECT_MAX, err, sizeof(err));
	if (nreg < 0)
		die("%s", err);
}

static const struct expect *find_entry(const char *name)
{
	for (int i = 0; i < nreg; i++)
		if (!strcmp(reg[i].name, name))
			return &reg[i];
	return NULL;
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
	struct cell_plan plan;
	const struct expect *known;
	enum verdict_kind k;
	struct verdict v;
	char why[300] = "", err[300];

	load_registry();
	verdict_init(&v);
	if (plan_path) {
		if (cell_plan_read(plan_path, &plan, err, sizeof(err)))
			die("%s", err);
		for (int i = 0; i < plan.nsetaside; i++) {
			const struct expect *e = find_entry(plan.setaside[i]);

			if (!e)
				die("plan sets aside '%s': no such kernel/bugs entry",
				    plan.setaside[i]);
			verdict_set_aside(&v, e);
		}
	}
	feed_file(&v, console);
	if (tap)
		feed_file(&v, tap);
	k = verdict_judge(&v, name, c->paging, plan_path ? &plan : NULL, reg, nreg,
			  &known, why, sizeof(why));
	printf("%s: %s: tests %d ok, %d failed, %d skipped; subtests %d ok, %d failed, %d skipped%s%s\n",
	       name, verdict_kind_name(k), v.ok, v.not_ok, v.skip,
	       v.sub_ok, v.sub_not_ok, v.sub_skip, k == VERDICT_PASS ? "" : "; ", why);
	if (known)
		printf("%s:   known kernel bug (kernel/bugs/%s): %s\n", name, known->name,
		       known->what);
	if (v.set_aside)
		printf("%s:   %d known complaint(s) set aside, first: %s\n", name,
		       v.set_aside, v.first_set_aside);
	if (plan_path)
		for (int i = 0; i < plan.nleft; i++)
			printf("%s:   left out: %s (known bug kernel/bugs/%s)\n", name,
			       plan.left_out[i], plan.left_by[i]);
	if (plan_path && plan.exclude[0])
		printf("%s:   random_walk does not execute op kinds %s (known bug kernel/bugs/%s)\n",
		       name, plan.exclude, plan.exclude_by);
	for (int i = 0; i < v.nfailed; i++)
		printf("%s:   not ok: %s\n", name, v.failed[i]);
	if (json_out)
		write_json(name, c, &v, plan_path ? &plan : NULL, k, known, why);
	return k == VERDICT_PASS ? 0 : k == VERDICT_KNOWN ? 3 : 1;
}

static int cmd_plan(const char *name, const struct topo *t)
{
	struct cell_plan p;
	char err[300];

	int n = 0, found = 0;

	load_registry();
	/* a proof of NAME: the plan of a registry without it */
	for (int i = 0; i < nreg; i++) {
		if (prove && !strcmp(reg[i].name, prove))
			found = 1;
		else
			reg[n++] = reg[i];
	}
	if (prove && !found)
		die("--prove: no catalog entry '%s' (kernel/bugs)", prove);
	if (cell_plan_make(name, files.append,
			   (t->firmware == FW_ACPI ? BOOT_ACPI : 0) | (t->hide ? BOOT_HIDDEN_RAM : 0),
			   reg, n, &p, err, sizeof(err)))
		die("%s", err);
	if (cell_plan_write(&p, plan_out))
		die("cannot write %s", plan_out ? plan_out : "the plan");
	return 0;
}

/* The signature of ENTRY in a run's console or guest output */
static int cmd_match(const char *entry, const char *console, const char *tap)
{
	const char *paths[] = { console, tap };
	const struct expect *e;
	struct verdict v;
	int hit = 0;

	load_registry();
	e = find_entry(entry);
	if (!e)
		die("no kernel/bugs entry '%s'", entry);
	verdict_init(&v);
	for (int i = 0; i < 2 && paths[i]; i++) {
		char line[4096];
		FILE *f = fopen(paths[i], "r");

		if (!f)
			die("cannot read %s", paths[i]);
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\r\n")] = '\0';
			verdict_feed(&v, line);
			hit |= expect_signature_matches(e, line);
		}
		fclose(f);
	}
	if (!hit) {
		printf("absent: %s\n", e->signature);
		return 1;
	}
	/* chain=: the first report's call trace must show the entry's path */
	if (e->chain[0] && (!v.problems || !report_shows_chain(v.first_report, e->chain))) {
		printf("not via %s: %s\n", e->chain, e->signature);
		return 1;
	}
	printf("%s: %s\n", verdict_first_report_matches(&v, e) ? "first" : "shown",
	       e->signature);
	return 0;
}

static int cmd_known(const char *cell, const char *console)
{
	const struct expect *e;
	struct verdict v;

	load_registry();
	verdict_init(&v);
	feed_file(&v, console);
	e = verdict_known_entry(&v, cell, reg, nreg);
	if (!e)
		return 1;
	printf("%s: %s\n", e->name, e->what);
	return 0;
}

static int cmd_list(const char *what)
{
	static const struct { const char *name; enum axis a; } axes[] = {
		{ "kernels", AXIS_KERNEL }, { "flavors", AXIS_FLAVOR },
		{ "pagings", AXIS_PAGING }, { "topologies", AXIS_TOPOLOGY },
		{ "tests", AXIS_TEST },
	};
	char buf[4096];

	if (!strcmp(what, "bugs")) {
		load_registry();
		for (int i = 0; i < nreg; i++)
			puts(reg[i].name);
		return 0;
	}
	for (size_t i = 0; i < sizeof(axes) / sizeof(axes[0]); i++) {
		if (strcmp(what, axes[i].name))
			continue;
		if (registry_list(axes[i].a, buf, sizeof(buf), '\n'))
			die("cannot list %s", what);
		puts(buf);
		return 0;
	}
	die("list what? kernels, flavors, pagings, topologies, tests or bugs, not '%s'", what);
	return 2;
}

static void shell_word(const char *key, const char *v)
{
	printf("%s='", key);
	for (; *v; v++)
		if (*v == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*v);
	puts("'");
}

static int cmd_kernel(const char *name)
{
	struct kernel_desc k;
	char err[512];

	if (kernel_load(name, &k, err, sizeof(err)))
		die("%s", err);
	shell_word("k_name", k.name);
	shell_word("k_describe", k.describe);
	shell_word("k_source", k.source);
	shell_word("k_package", k.package);
	shell_word("k_suite", k.suite);
	shell_word("k_series", k.series);
	shell_word("k_config", k.config);
	printf("k_acpi=%d\nk_expectations=%d\n", k.acpi, k.expectations);
	return 0;
}

static int cmd_expect(const char *name, int signature_only)
{
	static const char *const kinds[] = { "mutant", "shipped", "minus-patch" };
	const struct expect *e;

	load_registry();
	e = find_entry(name);
	if (!e)
		die("no kernel/bugs entry '%s'", name);
	if (signature_only) {
		printf("%s", e->signature);
		return 0;
	}
	printf("kind=%s\neffect=%s\n", kinds[e->kind],
	       e->effect == EFFECT_SETASIDE ? "setaside" : "fatal");
	shell_word("kernel", e->kernel);
	shell_word("flavor", e->flavor);
	shell_word("cells", e->cells);
	shell_word("proof", e->proof);
	shell_word("append", e->append);
	shell_word("signature", e->signature);
	shell_word("chain", e->chain);
	shell_word("leave_out", e->leave_out);
	shell_word("what", e->what);
	shell_word("minus_patch", e->minus_patch);
	shell_word("fix", e->fix);
	shell_word("fixed_in", e->fixed_in);
	shell_word("fixed_cells", e->fixed_cells);
	printf("attempts=%d\n", e->attempts);
	return 0;
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
		{ "efivars", required_argument, NULL, 'E' },
		{ "plan", required_argument, NULL, 'P' },
		{ "out-plan", required_argument, NULL, 'o' },
		{ "prove", required_argument, NULL, 'N' },
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
		case 'E': files.efivars = optarg; break;
		case 'P': plan_path = optarg; break;
		case 'o': plan_out = optarg; break;
		case 'N': prove = optarg; break;
		default: exit(2);
		}
	}
	if (argc - optind < 2)
		die("%s", "usage: mhp-cell describe|argv|dtb|plan|verdict CELL [CONSOLE] [options] | list WHAT | kernel NAME | expect NAME | match ENTRY CONSOLE [TAP]");
	if (!strcmp(argv[optind], "list") && argc - optind == 2)
		return cmd_list(argv[optind + 1]);
	if (!strcmp(argv[optind], "kernel") && argc - optind == 2)
		return cmd_kernel(argv[optind + 1]);
	if (!strcmp(argv[optind], "expect") && argc - optind == 2)
		return cmd_expect(argv[optind + 1], 0);
	if (!strcmp(argv[optind], "signature") && argc - optind == 2)
		return cmd_expect(argv[optind + 1], 1);
	if (!strcmp(argv[optind], "match") && (argc - optind == 3 || argc - optind == 4))
		return cmd_match(argv[optind + 1], argv[optind + 2],
				 argc - optind == 4 ? argv[optind + 3] : NULL);
	load(argv[optind + 1], &c, &t);
	if (!strcmp(argv[optind], "known") && argc - optind == 3)
		return cmd_known(argv[optind + 1], argv[optind + 2]);
	if (!strcmp(argv[optind], "plan"))
		return cmd_plan(argv[optind + 1], &t);
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
