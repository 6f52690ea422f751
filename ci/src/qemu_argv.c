// SPDX-License-Identifier: GPL-2.0
/* Cell + topology -> QEMU argv (see qemu_argv.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_argv.h"

#define MiB(x) ((x) >> 20)

void argv_add(struct argv *a, const char *fmt, ...)
{
	va_list ap;

	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? 2 * a->cap : 32;
		a->v = realloc(a->v, a->cap * sizeof(*a->v));
		if (!a->v)
			abort();
	}
	va_start(ap, fmt);
	if (vasprintf(&a->v[a->n], fmt, ap) < 0)
		abort();
	va_end(ap);
	a->v[++a->n] = NULL;
}

void argv_free(struct argv *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* QEMU's riscv CPU properties pick the satp mode; works for every kernel. */
static const char *const cpu_paging[] = {
	[SV39] = "rv64,sv57=off,sv48=off",
	[SV48] = "rv64,sv57=off",
	[SV57] = "rv64,sv57=on",
};

void cell_cmdline(const struct cell *c, const struct topo *t,
		  const char *extra, char *buf, size_t sz)
{
	size_t len;

	/*
	 * The first oops ends the guest (oops=panic, panic=-1 and QEMU's
	 * -no-reboot): it is the signature; what follows is noise and hangs.
	 * New memory stays offline: the tests choose its zone. earlycon
	 * (the UART of the device tree's stdout-path) shows a crash before
	 * the console is up, which would otherwise look like a silent hang.
	 * A 4 MiB log buffer: a cell whose known WARN is set aside prints a
	 * stack trace per hot-add, and the boot lines the tests read back
	 * (percpu's first chunk) must survive them.
	 */
	len = snprintf(buf, sz, "console=ttyS0 earlycon oops=panic panic=-1 log_buf_len=4M memhp_default_state=offline %s riscv_mhp.paging=%s",
		       MHP_DESTRUCTIVE_TOKEN, paging_name(c->paging));
	/*
	 * mem= counts RAM, not addresses: gaps and pmem are not RAM. Nor
	 * does it count what the kernel keeps out of RAM at the bottom (6.1:
	 * the 2 MiB below its load address; 6.12: OpenSBI's no-map region),
	 * so the RAM it keeps would reach that far into the hidden range and
	 * cost the tests a block: ask for 2 MiB less. At worst the last boot
	 * block has a hole.
	 */
	if (t->hide && len < sz)
		len += snprintf(buf + len, sz - len, " mem=%" PRIu64 "M",
				MiB(topo_total_mem(t) - t->pmem - t->hide) - 2);
	if (c->percpu_page && len < sz)
		len += snprintf(buf + len, sz - len, " percpu_alloc=page");
	/* what acpi_dimm must find: SIZE@NODE@ADDR per DIMM, in MiB */
	for (unsigned int i = 0; i < t->nr_dimms && len < sz; i++)
		len += snprintf(buf + len, sz - len, "%s%" PRIu64 "@%u@%" PRIu64,
				i ? "," : " riscv_mhp.dimms=", MiB(t->dimm[i].size),
				t->dimm[i].node, MiB(t->dimm[i].addr));
	if (t->memmap_on_memory && len < sz)
		len += snprintf(buf + len, sz - len, " memory_hotplug.memmap_on_memory=%s",
				t->memmap_on_memory);
	if (t->vmem && len < sz)
		len += snprintf(buf + len, sz - len, " riscv_mhp.vmem=%" PRIu64 "@%u",
				MiB(t->vmem), t->vmem_node);
	if (extra && *extra && len < sz)
		snprintf(buf + len, sz - len, " %s", extra);
}

void qemu_argv(const struct cell *c, const struct topo *t,
	       const struct boot_files *f, struct argv *out)
{
	char cmdline[1024];

	argv_add(out, "%s", f->qemu);
	argv_add(out, "-M");
	if (t->firmware == FW_ACPI) {
		/* EDK2 in two flash banks; it loads -kernel through fw_cfg
		 * and boots it through its EFI stub */
		argv_add(out, "virt,acpi=on,pflash0=edk2code,pflash1=edk2vars");
		argv_add(out, "-blockdev");
		argv_add(out, "node-name=edk2code,driver=file,read-only=on,filename=%s", EDK2_CODE);
		argv_add(out, "-blockdev");
		argv_add(out, "node-name=edk2vars,driver=file,filename=%s",
			 f->efivars ? f->efivars : "EFIVARS");
	} else if (f->dumpdtb) {
		argv_add(out, "virt,dumpdtb=%s", f->dumpdtb);
	} else {
		argv_add(out, "virt");
	}
	argv_add(out, "-cpu");
	argv_add(out, "%s", cpu_paging[c->paging]);
	argv_add(out, "-smp");
	argv_add(out, "%u", t->cpus);
	argv_add(out, "-m");
	if (t->firmware == FW_ACPI)
		/* a slot per DIMM and HOTPLUG_SLOTS free ones for DIMMs the host
		 * plugs over QMP, with HOTPLUG_ROOM of device memory above the
		 * last DIMM for them (and virtio-mem) */
		argv_add(out, "%" PRIu64 "M,slots=%u,maxmem=%" PRIu64 "M",
			 MiB(topo_span(t)), t->nr_dimms + HOTPLUG_SLOTS,
			 MiB(topo_maxmem(t, f->vmem + t->vmem + HOTPLUG_ROOM)));
	else if (f->vmem)	/* device memory is the space above RAM up to maxmem */
		argv_add(out, "%" PRIu64 "M,maxmem=%" PRIu64 "M", MiB(topo_span(t)),
			 MiB(topo_span(t) + f->vmem));
	else
		argv_add(out, "%" PRIu64 "M", MiB(topo_span(t)));
	for (unsigned int i = 0; i < t->nr_nodes; i++) {
		const struct topo_node *n = &t->node[i];
		char cpus[32];

		if (n->cpu_first == n->cpu_last)
			snprintf(cpus, sizeof(cpus), "%u", n->cpu_first);
		else
			snprintf(cpus, sizeof(cpus), "%u-%u", n->cpu_first, n->cpu_last);
		if (n->mem) {
			argv_add(out, "-object");
			/* a gap costs the host nothing: never touched */
			argv_add(out, "memory-backend-ram,id=mem%u,size=%" PRIu64 "M%s",
				 n->id, MiB(n->mem + n->gap),
				 n->gap ? ",reserve=off" : "");
			argv_add(out, "-numa");
			argv_add(out, "node,nodeid=%u,cpus=%s,memdev=mem%u",
				 n->id, cpus, n->id);
		} else {
			argv_add(out, "-numa");
			argv_add(out, "node,nodeid=%u,cpus=%s", n->id, cpus);
		}
	}
	argv_add(out, "-display");
	argv_add(out, "none");
	argv_add(out, "-monitor");
	argv_add(out, "none");
	argv_add(out, "-serial");
	argv_add(out, "stdio");
	if (f->tap) {
		/* the guest's own output (markers, TAP) on hvc0, apart from
		 * kernel messages on the UART, so neither splits the other */
		argv_add(out, "-device");
		argv_add(out, "virtio-serial-device");
		argv_add(out, "-chardev");
		argv_add(out, "file,id=mhptap,path=%s", f->tap);
		argv_add(out, "-device");
		argv_add(out, "virtconsole,chardev=mhptap");
	}
	/* the DIMMs at their addresses first: QEMU places virtio-mem in what
	 * is left of device memory when it comes to it */
	for (unsigned int i = 0; i < t->nr_dimms; i++) {
		argv_add(out, "-object");
		argv_add(out, "memory-backend-ram,id=dimmmem%u,size=%" PRIu64 "M",
			 i, MiB(t->dimm[i].size));
		argv_add(out, "-device");
		argv_add(out, "pc-dimm,id=dimm%u,memdev=dimmmem%u,node=%u,addr=0x%" PRIx64,
			 i, i, t->dimm[i].node, t->dimm[i].addr);
	}
	if (t->vmem) {
		/* the topology's: asked at boot to plug its size on its node */
		argv_add(out, "-object");
		argv_add(out, "memory-backend-ram,id=vmcmem0,size=%" PRIu64 "M", MiB(t->vmem));
		argv_add(out, "-device");
		argv_add(out, "virtio-mem-pci,id=vmc0,memdev=vmcmem0,node=%u,requested-size=%" PRIu64 "M",
			 t->vmem_node, MiB(t->vmem));
	}
	if (f->vmem) {
		/* starts empty: the host grows and shrinks it over QMP */
		argv_add(out, "-object");
		argv_add(out, "memory-backend-ram,id=vmem0,size=%" PRIu64 "M", MiB(f->vmem));
		argv_add(out, "-device");
		argv_add(out, "virtio-mem-pci,id=vm0,memdev=vmem0,node=0,requested-size=0");
	}
	if (f->qmp) {
		argv_add(out, "-qmp");
		argv_add(out, "unix:%s,server=on,wait=off", f->qmp);
	}
	/*
	 * Firmware (OpenSBI) from Debian's qemu-system-data: our own QEMU
	 * build (make qemu) is not installed and would not find it.
	 */
	argv_add(out, "-L");
	argv_add(out, "/usr/share/qemu");
	argv_add(out, "-no-reboot");
	argv_add(out, "-kernel");
	argv_add(out, "%s", f->image);
	argv_add(out, "-initrd");
	argv_add(out, "%s", f->initrd);
	if (f->dtb) {
		argv_add(out, "-dtb");
		argv_add(out, "%s", f->dtb);
	}
	cell_cmdline(c, t, f->append, cmdline, sizeof(cmdline));
	argv_add(out, "-append");
	argv_add(out, "%s", cmdline);
}
