/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that spells QEMU options and the guest kernel command
 * line: a cell and its topology in, an argv out.
 */
#ifndef MHP_QEMU_ARGV_H
#define MHP_QEMU_ARGV_H

#include <stddef.h>
#include <stdint.h>

#include "cell.h"
#include "topo.h"

/* Kernel command line token that allows destructive selftests. */
#define MHP_DESTRUCTIVE_TOKEN "riscv_mhp.destructive=1"

struct boot_files {
	const char *qemu;	/* qemu-system-riscv64 binary */
	const char *image;	/* kernel Image */
	const char *initrd;	/* initramfs (cpio) */
	const char *append;	/* extra kernel command line, or NULL */
	const char *tap;	/* file for the guest's own output (hvc0), or NULL */
	const char *dumpdtb;	/* only dump QEMU's device tree to this file */
	const char *dtb;	/* boot with this (edited) device tree */
	uint64_t vmem;		/* bytes of virtio-mem on node 0 (patched QEMU), or 0 */
	const char *qmp;	/* QMP unix socket path, or NULL */
	const char *efivars;	/* firmware acpi: a private, writable copy of
				 * EDK2_VARS (the firmware writes it) */
};

/* An ACPI cell's free pc-dimm slots for the host to plug (stress), and the
 * device memory kept for them above the topology's DIMMs */
#define HOTPLUG_SLOTS	4
#define HOTPLUG_ROOM	(4ULL << 30)

/* Debian's riscv64 EDK2 (qemu-efi-riscv64) for 'firmware acpi' */
#define EDK2_DIR	"/usr/share/qemu-efi-riscv64"
#define EDK2_CODE	EDK2_DIR "/RISCV_VIRT_CODE.fd"
#define EDK2_VARS	EDK2_DIR "/RISCV_VIRT_VARS.fd"

struct argv {
	char **v;
	int n, cap;
};

void argv_add(struct argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void argv_free(struct argv *a);

/* The guest kernel command line for a cell. */
void cell_cmdline(const struct cell *c, const struct topo *t,
		  const char *extra, char *buf, size_t sz);
/* Fill an empty argv with the full QEMU command. */
void qemu_argv(const struct cell *c, const struct topo *t,
	       const struct boot_files *f, struct argv *out);

#endif
