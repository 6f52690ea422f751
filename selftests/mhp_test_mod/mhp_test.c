// SPDX-License-Identifier: GPL-2.0
/* config: CONFIG_MEMORY_HOTREMOVE CONFIG_SPARSEMEM_VMEMMAP */
/*
 * mhp_test: hot-add and hot-remove RAM that the kernel was told to ignore
 * (mem= on its command line; QEMU still backs it), and allocate dynamic
 * percpu memory, for the riscv-mhp selftests.
 *
 * /sys/kernel/debug/mhp_test/
 *   add       write "START SIZE NODE [FLAGS]"
 *                                      add_memory_driver_managed(); FLAGS
 *                                      1: MHP_MEMMAP_ON_MEMORY (the core
 *                                      honours it only when it supports it)
 *   remove    write "START SIZE"       offline_and_remove_memory() of a
 *                                      range this module added, or of
 *                                      whole blocks inside one; fails with
 *                                      -EFAULT if the removed direct map
 *                                      is still readable (stale TLB), or
 *                                      if the direct map of memory still
 *                                      added no longer is (a page-table
 *                                      leaf spanning both cleared)
 *   addr      write "PHYS", then read  "va=... vmemmap=... vmemmap_pa=..."
 *                                      (where the direct map and vmemmap
 *                                      put it, and the physical address
 *                                      the running hart's page tables map
 *                                      that struct page to, or "none")
 *   percpu    write "COUNT SIZE"       COUNT more dynamic percpu areas of
 *                                      SIZE bytes, touched on every CPU;
 *                                      "0 0" frees them; read: totals
 *   mappable  read                     "START END" of the pluggable range
 *   efi_ram   read                     "START SIZE" per run of usable RAM
 *                                      in the EFI memory map (an EFI boot)
 *   pgtables  write "PGD START SIZE"   the kernel's top-level table (PGD:
 *                                      swapper_pg_dir, from /proc/kallsyms)
 *                                      and one more physical range whose
 *                                      direct map and vmemmap to look at;
 *                                      "0 0 0" forgets the ranges. read:
 *                                      "levels=L tables=T span_tables=S
 *                                      span_empty=E first_empty=VA", a walk
 *                                      of the kernel half (see walk_table())
 *   slab      write "NID START SIZE"   8192 small slab objects on node NID
 *                                      whose slabs lie in [START, +SIZE)
 *                                      (the node's other free pages are
 *                                      held meanwhile): the range's only
 *                                      unmovable pages; "0 0 0" frees them.
 *                                      read: "objects=N pages=P
 *                                      unreferenced=U" (slab pages with a
 *                                      zero refcount: frozen)
 *
 * A write returns the errno of a refused request: -EINVAL (malformed,
 * unaligned, bad node), -ERANGE (outside the pluggable range), -ENXIO (no
 * RAM described there: by the device tree, or on an EFI boot as usable
 * RAM by the EFI memory map), -EEXIST (already System RAM), -ENOENT (remove of
 * a range this module did not add), or what the core returned. The module
 * pins itself while memory it added is present: the resource name lives
 * in its text.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/efi.h>
#include <linux/ioport.h>
#include <linux/list.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/percpu.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/csr.h>

#define RESOURCE_NAME	"System RAM (mhp_test)"

struct added_range {
	struct list_head list;
	u64 start, size;
};

static LIST_HEAD(added);
static DEFINE_MUTEX(lock);
static struct dentry *dir;
static u64 addr_phys;

#define MAX_AREAS	4096	/* 128 MiB per CPU at 32 KiB each */
static void __percpu **areas;	/* MAX_AREAS slots, allocated on load */
static unsigned long nr_areas, area_bytes;

#ifdef CONFIG_EFI
/*
 * RAM the OS may use after boot, per the EFI memory map: conventional
 * memory and what the loader and boot services had, write-back. Not the
 * runtime services' code and data, the ACPI tables and NVS, reserved or
 * persistent memory: those stay the firmware's after ExitBootServices(),
 * and a kernel booted with mem= below them has simply not mapped them.
 */
static bool efi_usable(const efi_memory_desc_t *md)
{
	if (!(md->attribute & EFI_MEMORY_WB))
		return false;
	switch (md->type) {
	case EFI_CONVENTIONAL_MEMORY:
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
		return true;
	default:
		return false;
	}
}
#endif

/*
 * Is [start, start + size) usable RAM per the EFI memory map (an EFI boot:
 * ACPI machines have no device-tree memory nodes)? Every byte must lie in
 * a usable descriptor (efi_usable()).
 */
static bool efi_described_ram(u64 start, u64 size)
{
#ifdef CONFIG_EFI
	u64 at = start, end = start + size;
	efi_memory_desc_t *md;
	bool moved = true;

	if (!efi_enabled(EFI_MEMMAP))
		return false;
	while (at < end && moved) {	/* the map need not be sorted */
		moved = false;
		for_each_efi_memory_desc(md) {
			u64 s = md->phys_addr, e = s + (md->num_pages << EFI_PAGE_SHIFT);

			if (at >= end || at < s || at >= e)
				continue;
			if (!efi_usable(md))
				return false;
			at = e;
			moved = true;
		}
	}
	return at >= end;
#else
	return false;
#endif
}

/*
 * "efi_ram": the usable RAM of the EFI memory map (efi_usable()), runs of
 * adjacent descriptors merged, one "START SIZE" line (hex) each, in the
 * map's order; empty without an EFI memory map. Under ACPI the tests take
 * their hidden RAM from here and the SRAT: the kernel has no other view of
 * the firmware's map on riscv (no /sys/firmware/memmap).
 */
static ssize_t efi_ram_read(struct file *f, char __user *ubuf, size_t len,
			    loff_t *pos)
{
	size_t sz = PAGE_SIZE, n = 0;
	ssize_t ret;
	char *buf;
#ifdef CONFIG_EFI
	efi_memory_desc_t *md;
	u64 s = 0, e = 0;
#endif

	buf = kzalloc(sz, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
#ifdef CONFIG_EFI
	if (efi_enabled(EFI_MEMMAP)) {
		for_each_efi_memory_desc(md) {
			u64 ms = md->phys_addr, me = ms + (md->num_pages << EFI_PAGE_SHIFT);

			if (!efi_usable(md))
				continue;
			if (ms == e) {
				e = me;
				continue;
			}
			if (e > s)
				n += scnprintf(buf + n, sz - n, "%#llx %#llx\n", s, e - s);
			s = ms;
			e = me;
		}
		if (e > s)
			n += scnprintf(buf + n, sz - n, "%#llx %#llx\n", s, e - s);
	}
#endif
	ret = simple_read_from_buffer(ubuf, len, pos, buf, n);
	kfree(buf);
	return ret;
}

/* Is [start, start + size) inside one "memory" node of the device tree
 * (or, without one, RAM per the EFI memory map)? */
static bool described_ram(u64 start, u64 size)
{
	struct device_node *np;
	struct resource res;

	for_each_node_by_type(np, "memory") {
		for (int i = 0; !of_address_to_resource(np, i, &res); i++) {
			if (start >= res.start && start + size - 1 <= res.end) {
				of_node_put(np);
				return true;
			}
		}
	}
	return efi_described_ram(start, size);
}

static int check_add(u64 start, u64 size, int nid)
{
	u64 block = memory_block_size_bytes();
	struct range mappable = mhp_get_pluggable_range(true);

	if (!size || start + size < start || !IS_ALIGNED(start, block) ||
	    !IS_ALIGNED(size, block))
		return -EINVAL;
	if (nid < 0 || nid >= MAX_NUMNODES || !node_possible(nid))
		return -EINVAL;
	if (start < mappable.start || start + size - 1 > mappable.end)
		return -ERANGE;
	if (!described_ram(start, size))
		return -ENXIO;
	if (region_intersects(start, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT)
		return -EEXIST;
	return 0;
}

#define ADD_MEMMAP_ON_MEMORY	0x1

static int do_add(u64 start, u64 size, int nid, long long flags)
{
	struct added_range *r;
	int rc = check_add(start, size, nid);

	if (!rc && (flags & ~ADD_MEMMAP_ON_MEMORY))
		rc = -EINVAL;
	if (rc)
		return rc;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	rc = add_memory_driver_managed(nid, start, size, RESOURCE_NAME,
				       flags & ADD_MEMMAP_ON_MEMORY ?
				       MHP_MEMMAP_ON_MEMORY : MHP_NONE);
	if (rc) {
		kfree(r);
		return rc;
	}
	r->start = start;
	r->size = size;
	list_add(&r->list, &added);
	__module_get(THIS_MODULE);
	pr_info("added [%#llx-%#llx] to node %d%s\n", start, start + size - 1, nid,
		flags & ADD_MEMMAP_ON_MEMORY ? " (memmap on memory asked)" : "");
	return 0;
}

/*
 * Stale translations after a removal. The teardown must flush the TLBs of
 * every hart once it has cleared the direct map; a hart that kept an entry
 * can still read (or, worse, write) memory that is gone. When the last
 * block of a range goes offline (a memory notifier, just before the
 * teardown runs), every CPU reads one word of each page of a window at the
 * end of the range, which loads its TLB; after the removal every CPU reads
 * the same words with get_kernel_nofault(): each read must fault.
 */
#define PROBE_PAGES	1024	/* contiguous: every entry of a direct-mapped TLB that size */

struct tlb_probe {
	unsigned long va, pages;	/* window of the direct map */
	unsigned long end_pfn;		/* of the range being removed */
	atomic_t readable;
};

static struct tlb_probe *probe;	/* set while do_remove() runs */

static void read_window(void *arg)
{
	struct tlb_probe *p = arg;
	unsigned long v;

	for (unsigned long i = 0; i < p->pages; i++)
		if (!get_kernel_nofault(v, (unsigned long *)(p->va + i * PAGE_SIZE)))
			atomic_inc(&p->readable);
}

static int probe_notifier(struct notifier_block *nb, unsigned long action,
			  void *data)
{
	struct memory_notify *mn = data;
	struct tlb_probe *p = READ_ONCE(probe);

	if (action == MEM_OFFLINE && p &&
	    mn->start_pfn + mn->nr_pages == p->end_pfn)
		on_each_cpu(read_window, p, 1);
	return NOTIFY_OK;
}

static struct notifier_block probe_nb = { .notifier_call = probe_notifier };

/*
 * Every range still added must stay readable through the direct map: one
 * word per 2 MiB (the smallest leaf riscv maps RAM with) and the last.
 * The number of reads that fault.
 */
static unsigned long rest_unmapped(u64 *first)
{
	struct added_range *r;
	unsigned long bad = 0, v;

	list_for_each_entry(r, &added, list) {
		for (u64 off = 0; off < r->size; off += min_t(u64, SZ_2M, r->size - off)) {
			if (!get_kernel_nofault(v, (unsigned long *)__va(r->start + off)))
				continue;
			if (!bad++)
				*first = r->start + off;
		}
		if (get_kernel_nofault(v, (unsigned long *)__va(r->start + r->size - sizeof(v))) &&
		    !bad++)
			*first = r->start + r->size - sizeof(v);
	}
	return bad;
}

static int do_remove(u64 start, u64 size)
{
	struct tlb_probe p = {
		.pages = min_t(u64, size >> PAGE_SHIFT, PROBE_PAGES),
		.end_pfn = PHYS_PFN(start + size),
	};
	u64 block = memory_block_size_bytes(), first = 0;
	struct added_range *r, *rest;
	unsigned long lost;
	int rc, stale;

	p.va = (unsigned long)__va(start + size) - p.pages * PAGE_SIZE;
	list_for_each_entry(r, &added, list) {
		u64 end = start + size, r_end = r->start + r->size;

		if (start < r->start || end > r_end || !size)
			continue;
		/* part of a range: whole blocks, and room for the part above */
		if (!IS_ALIGNED(start, block) || !IS_ALIGNED(size, block))
			return -EINVAL;
		rest = NULL;
		if (start > r->start && end < r_end) {
			rest = kzalloc(sizeof(*rest), GFP_KERNEL);
			if (!rest)
				return -ENOMEM;
		}
		WRITE_ONCE(probe, &p);
		rc = offline_and_remove_memory(start, size);
		WRITE_ONCE(probe, NULL);
		if (rc) {
			kfree(rest);
			return rc;
		}
		if (rest) {			/* the part above: a range of its own */
			rest->start = end;
			rest->size = r_end - end;
			list_add(&rest->list, &added);
			__module_get(THIS_MODULE);
		}
		if (start > r->start) {		/* the part below stays in r */
			r->size = start - r->start;
		} else if (end < r_end) {	/* the part above stays in r */
			r->start = end;
			r->size = r_end - end;
		} else {
			list_del(&r->list);
			kfree(r);
			module_put(THIS_MODULE);
		}
		pr_info("removed [%#llx-%#llx]\n", start, end - 1);

		atomic_set(&p.readable, 0);
		on_each_cpu(read_window, &p, 1);
		stale = atomic_read(&p.readable);
		if (stale) {
			pr_err("removed [%#llx-%#llx] still readable through the direct map: %d of %lu reads (%lu pages x %u CPUs) succeeded (stale TLB)\n",
			       start, end - 1, stale,
			       p.pages * num_online_cpus(), p.pages,
			       num_online_cpus());
			return -EFAULT;
		}
		lost = rest_unmapped(&first);
		if (lost) {
			pr_err("removing [%#llx-%#llx] unmapped memory still added: %lu reads of its direct map fault, the first at %#llx\n",
			       start, end - 1, lost, first);
			return -EFAULT;
		}
		return 0;
	}
	return -ENOENT;
}

static void free_areas(void)
{
	for (unsigned long i = 0; i < nr_areas; i++)
		free_percpu(areas[i]);
	nr_areas = 0;
	area_bytes = 0;
}

static int do_percpu(unsigned long count, unsigned long size)
{
	int cpu;

	if (!count && !size) {
		free_areas();
		return 0;
	}
	if (!count || !size || size > PCPU_MIN_UNIT_SIZE)
		return -EINVAL;
	if (count > MAX_AREAS - nr_areas)
		return -ENOSPC;
	for (unsigned long i = 0; i < count; i++) {
		void __percpu *p = __alloc_percpu(size, PAGE_SIZE);

		if (!p)
			return -ENOMEM;
		for_each_possible_cpu(cpu)
			memset(per_cpu_ptr(p, cpu), 0xa5, size);
		areas[nr_areas++] = p;
		area_bytes += size;
	}
	return 0;
}

/* Parse want or more numbers (up to four, any base) from a user buffer into v; the rest are 0. */
static int parse(const char __user *ubuf, size_t len, int want, long long v[4])
{
	char buf[96];

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	v[0] = v[1] = v[2] = v[3] = 0;
	if (sscanf(buf, "%lli %lli %lli %lli", &v[0], &v[1], &v[2], &v[3]) < want)
		return -EINVAL;
	return 0;
}

static ssize_t add_write(struct file *f, const char __user *ubuf, size_t len,
			 loff_t *pos)
{
	long long v[4];
	int rc = parse(ubuf, len, 3, v);

	if (rc)
		return rc;
	mutex_lock(&lock);
	rc = do_add(v[0], v[1], v[2], v[3]);
	mutex_unlock(&lock);
	return rc ? rc : len;
}

static ssize_t remove_write(struct file *f, const char __user *ubuf,
			    size_t len, loff_t *pos)
{
	long long v[4];
	int rc = parse(ubuf, len, 2, v);

	if (rc)
		return rc;
	mutex_lock(&lock);
	rc = do_remove(v[0], v[1]);
	mutex_unlock(&lock);
	return rc ? rc : len;
}

static ssize_t addr_write(struct file *f, const char __user *ubuf, size_t len,
			  loff_t *pos)
{
	long long v[4];
	int rc = parse(ubuf, len, 1, v);

	if (rc)
		return rc;
	mutex_lock(&lock);
	addr_phys = v[0];
	mutex_unlock(&lock);
	return len;
}

static int pt_translate(unsigned long va, u64 *pa);

static ssize_t addr_read(struct file *f, char __user *ubuf, size_t len,
			 loff_t *pos)
{
	struct page *page;
	char buf[128];
	u64 pa;
	int n;

	mutex_lock(&lock);
	page = pfn_to_page(PHYS_PFN(addr_phys));
	/* raw addresses on purpose: the test matches them against ptdump */
	n = scnprintf(buf, sizeof(buf), "va=%px vmemmap=%px", __va(addr_phys), page);
	if (pt_translate((unsigned long)page, &pa))
		n += scnprintf(buf + n, sizeof(buf) - n, " vmemmap_pa=none\n");
	else
		n += scnprintf(buf + n, sizeof(buf) - n, " vmemmap_pa=%#llx\n", pa);
	mutex_unlock(&lock);
	return simple_read_from_buffer(ubuf, len, pos, buf, n);
}

static ssize_t percpu_write(struct file *f, const char __user *ubuf,
			    size_t len, loff_t *pos)
{
	long long v[4], count, size;
	int rc = parse(ubuf, len, 2, v);

	if (rc)
		return rc;
	count = v[0];
	size = v[1];
	if (count < 0 || size < 0)
		return -EINVAL;
	mutex_lock(&lock);
	rc = do_percpu(count, size);
	mutex_unlock(&lock);
	return rc ? rc : len;
}

static ssize_t percpu_read(struct file *f, char __user *ubuf, size_t len,
			   loff_t *pos)
{
	char buf[64];
	int n;

	mutex_lock(&lock);
	n = scnprintf(buf, sizeof(buf), "areas=%lu bytes=%lu\n", nr_areas,
		      area_bytes);
	mutex_unlock(&lock);
	return simple_read_from_buffer(ubuf, len, pos, buf, n);
}

static ssize_t mappable_read(struct file *f, char __user *ubuf, size_t len,
			     loff_t *pos)
{
	struct range r = mhp_get_pluggable_range(true);
	char buf[64];
	int n = scnprintf(buf, sizeof(buf), "%#llx %#llx\n", r.start, r.end);

	return simple_read_from_buffer(ubuf, len, pos, buf, n);
}

/*
 * A walk of the kernel's page tables that reads the entries themselves, by
 * the privileged spec's format (the same at every level: V bit, R/W/X set
 * on a leaf, the next table's PPN in bits 10-53), not through the helpers
 * the code under test uses. It counts the tables below the top level of
 * the kernel half, and those whose entry covers the direct map or vmemmap
 * of the ranges written to "pgtables" (the spans): a removal must leave no
 * empty table there below the second level (the tables under the top
 * level are shared by every process's copy of it and stay). A table that
 * several entries in a row point to (KASAN's early shadow) is counted and
 * walked once.
 */
#define PT_V		0x1UL
#define PT_RWX		0xeUL
#define PT_PFN(e)	(((e) >> 10) & GENMASK_ULL(43, 0))
#define PT_ENTRIES	512
#define MAX_SPANS	32

static unsigned long *pt_pgd;
static struct { unsigned long lo, hi; } spans[MAX_SPANS];	/* [lo, hi) */
static int nr_spans;

struct pt_walk {
	int levels, faults;
	unsigned long tables, span_tables, span_empty, first_empty;
	unsigned long *prev[6];
};

static bool in_spans(unsigned long lo, unsigned long last)
{
	for (int i = 0; i < nr_spans; i++)
		if (lo < spans[i].hi && last >= spans[i].lo)
			return true;
	return false;
}

/* The table an entry points to, or NULL for a leaf, none, or not RAM. */
static unsigned long *pt_next(unsigned long e)
{
	if (!(e & PT_V) || (e & PT_RWX) || !pfn_valid(PT_PFN(e)))
		return NULL;
	return (unsigned long *)__va(PT_PFN(e) << PAGE_SHIFT);
}

static bool pt_empty(struct pt_walk *w, unsigned long *t)
{
	unsigned long e;

	for (int i = 0; i < PT_ENTRIES; i++) {
		if (get_kernel_nofault(e, &t[i])) {
			w->faults++;
			return false;
		}
		if (e)
			return false;
	}
	return true;
}

static void walk_table(struct pt_walk *w, unsigned long *t, int depth,
		       unsigned long va0)
{
	int shift = PAGE_SHIFT + 9 * (w->levels - 1 - depth);

	if (depth == w->levels - 1)
		return;		/* a last-level table holds leaves only */
	for (int i = depth ? 0 : PT_ENTRIES / 2; i < PT_ENTRIES; i++) {
		unsigned long va = va0 + ((unsigned long)i << shift);
		unsigned long e, *next;

		if (!depth)	/* the kernel half: sign-extended */
			va |= ~0UL << (shift + 9);
		if (get_kernel_nofault(e, &t[i])) {
			w->faults++;
			return;
		}
		next = pt_next(e);
		if (!next || next == w->prev[depth + 1])
			continue;
		w->prev[depth + 1] = next;
		w->tables++;
		if (in_spans(va, va + (1UL << shift) - 1)) {
			w->span_tables++;
			if (depth >= 1 && pt_empty(w, next)) {
				if (!w->span_empty++)
					w->first_empty = va;
			}
		}
		walk_table(w, next, depth + 1, va);
		cond_resched();
	}
}

/* Levels of the running hart's page tables (satp.MODE 8/9/10: Sv39/48/57), or -1 */
static int paging_levels(void)
{
	int levels = (csr_read(CSR_SATP) >> 60) - 5;

	return levels >= 3 && levels <= 5 ? levels : -1;
}

/*
 * The physical address the running hart's page tables map va to, decoded
 * from the entries themselves (a leaf at any level): 0, or -ENOENT when
 * nothing maps it.
 */
static int pt_translate(unsigned long va, u64 *pa)
{
	int levels = paging_levels();
	unsigned long *t, e;

	if (levels < 0)
		return -EINVAL;
	t = __va((csr_read(CSR_SATP) & GENMASK_ULL(43, 0)) << PAGE_SHIFT);
	for (int depth = 0; depth < levels; depth++) {
		int shift = PAGE_SHIFT + 9 * (levels - 1 - depth);

		if (get_kernel_nofault(e, &t[(va >> shift) % PT_ENTRIES]))
			return -EFAULT;
		if (!(e & PT_V))
			return -ENOENT;
		if (e & PT_RWX) {
			*pa = (PT_PFN(e) << PAGE_SHIFT) + (va & ((1UL << shift) - 1));
			return 0;
		}
		t = __va(PT_PFN(e) << PAGE_SHIFT);
	}
	return -ENOENT;
}

/* PGD must be a page of the kernel image that the running hart uses. */
static int check_pgd(unsigned long pgd)
{
	unsigned long satp = csr_read(CSR_SATP), *cur, a, b;
	int levels = paging_levels();
	int i;	/* the top-level entry that maps the kernel image */

	if (levels < 0)
		return -EINVAL;
	i = (kernel_map.virt_addr >> (PAGE_SHIFT + 9 * (levels - 1))) % PT_ENTRIES;
	if (!PAGE_ALIGNED(pgd) || pgd - kernel_map.virt_addr >= kernel_map.size)
		return -EINVAL;
	cur = __va((satp & GENMASK_ULL(43, 0)) << PAGE_SHIFT);
	if (get_kernel_nofault(a, (unsigned long *)pgd + i) ||
	    get_kernel_nofault(b, cur + i) || !a || a != b)
		return -EINVAL;
	return 0;
}

static ssize_t pgtables_write(struct file *f, const char __user *ubuf,
			      size_t len, loff_t *pos)
{
	long long v[4], pgd, start, size;
	int rc = parse(ubuf, len, 3, v);

	if (rc)
		return rc;
	pgd = v[0];
	start = v[1];
	size = v[2];
	mutex_lock(&lock);
	if (!pgd && !start && !size) {
		nr_spans = 0;
		pt_pgd = NULL;
	} else if (check_pgd(pgd) || size <= 0 || start < 0 ||
		   (pt_pgd && (unsigned long)pgd != (unsigned long)pt_pgd)) {
		rc = -EINVAL;
	} else if (nr_spans + 2 > MAX_SPANS) {
		rc = -ENOSPC;
	} else {
		pt_pgd = (unsigned long *)(unsigned long)pgd;
		spans[nr_spans].lo = (unsigned long)__va(start);
		spans[nr_spans++].hi = (unsigned long)__va(start) + size;
		spans[nr_spans].lo = (unsigned long)pfn_to_page(PHYS_PFN(start));
		spans[nr_spans++].hi = (unsigned long)pfn_to_page(PHYS_PFN(start + size));
	}
	mutex_unlock(&lock);
	return rc ? rc : len;
}

static ssize_t pgtables_read(struct file *f, char __user *ubuf, size_t len,
			     loff_t *pos)
{
	struct pt_walk w = { .levels = paging_levels() };
	char buf[160];
	int n;

	if (*pos)
		return 0;
	mutex_lock(&lock);
	if (!pt_pgd || w.levels < 0) {
		mutex_unlock(&lock);
		return -EINVAL;
	}
	walk_table(&w, pt_pgd, 0, 0);
	mutex_unlock(&lock);
	if (w.faults)
		return -EFAULT;
	n = scnprintf(buf, sizeof(buf),
		      "levels=%d tables=%lu span_tables=%lu span_empty=%lu first_empty=%#lx\n",
		      w.levels, w.tables, w.span_tables, w.span_empty,
		      w.first_empty);
	return simple_read_from_buffer(ubuf, len, pos, buf, n);
}

static const struct file_operations add_fops = { .write = add_write };
static const struct file_operations remove_fops = { .write = remove_write };
static const struct file_operations addr_fops = {
	.write = addr_write, .read = addr_read,
};
static const struct file_operations percpu_fops = {
	.write = percpu_write, .read = percpu_read,
};
static const struct file_operations mappable_fops = { .read = mappable_read };
static const struct file_operations efi_ram_fops = { .read = efi_ram_read };
static const struct file_operations pgtables_fops = {
	.write = pgtables_write, .read = pgtables_read,
};

/*
 * Unmovable pages on demand: objects of a cache of our own (a constructor
 * keeps it from being merged with another), small enough that its slabs
 * are single pages.
 */
#define SLAB_OBJ_SIZE	64
#define MAX_SLAB_OBJS	8192
static struct kmem_cache *small_cache;
static void **slab_objs;
static unsigned long nr_slab_objs;

static void small_ctor(void *p)
{
}

/*
 * The cache lives as long as its objects: destroying it gives back every
 * slab it kept (empty ones on per-CPU and per-node lists included), so no
 * page of the range stays behind.
 */
static void free_slab_objs(void)
{
	while (nr_slab_objs)
		kmem_cache_free(small_cache, slab_objs[--nr_slab_objs]);
	kmem_cache_destroy(small_cache);
	small_cache = NULL;
}

/*
 * The slabs must be the only unmovable pages of the range: the kernel
 * puts its own (per-node structures) in the first memory a node gets. So
 * every free page of the node is taken first, the range's pages are given
 * back, the objects are allocated (their slabs can only come from the
 * range now), and the rest is given back.
 */
static bool phys_in(u64 pa, u64 start, u64 size)
{
	return pa >= start && pa - start < size;
}

static void take_node(int nid, struct list_head *list)
{
	for (int order = 9; order >= 0; order--) {
		struct page *page;

		/*
		 * The reserves below the watermarks too (__GFP_MEMALLOC): the
		 * node's last free pages must not be the slabs' first.
		 */
		while ((page = alloc_pages_node(nid, GFP_KERNEL | __GFP_THISNODE |
						__GFP_MEMALLOC | __GFP_NORETRY |
						__GFP_NOWARN, order))) {
			set_page_private(page, order);
			list_add(&page->lru, list);
		}
	}
}

static void give_back(struct list_head *list)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, list, lru) {
		list_del(&page->lru);
		__free_pages(page, page_private(page));
	}
}

static int do_slab(int nid, u64 start, u64 size)
{
	struct page *page, *next;
	LIST_HEAD(held);
	LIST_HEAD(range);
	unsigned long n = 0;

	if (nid < 0 || nid >= MAX_NUMNODES || !node_online(nid) || small_cache)
		return -EINVAL;
	small_cache = kmem_cache_create("mhp_test_small", SLAB_OBJ_SIZE, 0, 0,
					small_ctor);
	if (!small_cache)
		return -ENOMEM;
	take_node(nid, &held);
	list_for_each_entry_safe(page, next, &held, lru)
		if (phys_in(page_to_phys(page), start, size))
			list_move(&page->lru, &range);
	give_back(&range);
	while (n < MAX_SLAB_OBJS) {
		void *o = kmem_cache_alloc_node(small_cache, GFP_KERNEL |
						__GFP_THISNODE | __GFP_NOWARN, nid);

		if (!o)
			break;
		slab_objs[n++] = o;
	}
	give_back(&held);
	for (unsigned long i = 0; i < n; i++) {
		if (phys_in(virt_to_phys(slab_objs[i]), start, size))
			slab_objs[nr_slab_objs++] = slab_objs[i];
		else
			kmem_cache_free(small_cache, slab_objs[i]);
	}
	pr_info("slab: %lu objects in [%#llx-%#llx] on node %d\n", nr_slab_objs,
		start, start + size - 1, nid);
	return 0;
}

static ssize_t slab_write(struct file *f, const char __user *ubuf, size_t len,
			  loff_t *pos)
{
	long long v[4], nid, start, size;
	int rc = parse(ubuf, len, 3, v);

	if (rc)
		return rc;
	nid = v[0];
	start = v[1];
	size = v[2];
	mutex_lock(&lock);
	if (!nid && !start && !size)
		free_slab_objs();
	else
		rc = do_slab(nid, start, size);
	mutex_unlock(&lock);
	return rc ? rc : len;
}

static ssize_t slab_read(struct file *f, char __user *ubuf, size_t len,
			 loff_t *pos)
{
	unsigned long pages = 0, unref = 0;
	struct page *prev = NULL;
	char buf[64];
	int n;

	mutex_lock(&lock);
	/* the slabs holding them, and how many of those have no reference */
	for (unsigned long i = 0; i < nr_slab_objs; i++) {
		struct page *page = virt_to_page(slab_objs[i]);

		if (page == prev)
			continue;
		prev = page;
		pages++;
		unref += !page_ref_count(page);
	}
	n = scnprintf(buf, sizeof(buf), "objects=%lu pages=%lu unreferenced=%lu\n",
		      nr_slab_objs, pages, unref);
	mutex_unlock(&lock);
	return simple_read_from_buffer(ubuf, len, pos, buf, n);
}

static const struct file_operations slab_fops = {
	.write = slab_write, .read = slab_read,
};

static int __init mhp_test_init(void)
{
	int rc;

	slab_objs = kvcalloc(MAX_SLAB_OBJS, sizeof(*slab_objs), GFP_KERNEL);
	if (!slab_objs)
		return -ENOMEM;

	areas = kvcalloc(MAX_AREAS, sizeof(*areas), GFP_KERNEL);
	rc = areas ? register_memory_notifier(&probe_nb) : -ENOMEM;
	if (rc) {
		kvfree(areas);
		kvfree(slab_objs);
		return rc;
	}
	dir = debugfs_create_dir("mhp_test", NULL);
	debugfs_create_file("add", 0200, dir, NULL, &add_fops);
	debugfs_create_file("remove", 0200, dir, NULL, &remove_fops);
	debugfs_create_file("addr", 0600, dir, NULL, &addr_fops);
	debugfs_create_file("percpu", 0600, dir, NULL, &percpu_fops);
	debugfs_create_file("mappable", 0400, dir, NULL, &mappable_fops);
	debugfs_create_file("efi_ram", 0400, dir, NULL, &efi_ram_fops);
	debugfs_create_file("pgtables", 0600, dir, NULL, &pgtables_fops);
	debugfs_create_file("slab", 0600, dir, NULL, &slab_fops);
	return 0;
}

static void __exit mhp_test_exit(void)
{
	debugfs_remove_recursive(dir);
	unregister_memory_notifier(&probe_nb);
	free_areas();	/* added memory pins the module: none is left here */
	kvfree(areas);
	free_slab_objs();
	kvfree(slab_objs);
}

module_init(mhp_test_init);
module_exit(mhp_test_exit);
MODULE_DESCRIPTION("riscv-mhp selftests: hot-add/remove hidden RAM, percpu load");
MODULE_LICENSE("GPL");
