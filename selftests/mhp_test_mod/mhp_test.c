// SPDX-License-Identifier: GPL-2.0
/*
 * mhp_test: hot-add and hot-remove RAM that the kernel was told to ignore
 * (mem= on its command line; QEMU still backs it), and allocate dynamic
 * percpu memory, for the riscv-mhp selftests.
 *
 * /sys/kernel/debug/mhp_test/
 *   add       write "START SIZE NODE"  add_memory_driver_managed()
 *   remove    write "START SIZE"       offline_and_remove_memory() of a
 *                                      range this module added; fails with
 *                                      -EFAULT if the removed direct map
 *                                      is still readable (stale TLB)
 *   addr      write "PHYS", then read  "va=... vmemmap=..." (where the
 *                                      direct map and vmemmap put it)
 *   percpu    write "COUNT SIZE"       COUNT more dynamic percpu areas of
 *                                      SIZE bytes, touched on every CPU;
 *                                      "0 0" frees them; read: totals
 *   mappable  read                     "START END" of the pluggable range
 *
 * A write returns the errno of a refused request: -EINVAL (malformed,
 * unaligned, bad node), -ERANGE (outside the pluggable range), -ENXIO (no
 * RAM described there), -EEXIST (already System RAM), -ENOENT (remove of
 * a range this module did not add), or what the core returned. The module
 * pins itself while memory it added is present: the resource name lives
 * in its text.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
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
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>

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

/* Is [start, start + size) inside one "memory" node of the device tree? */
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
	return false;
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

static int do_add(u64 start, u64 size, int nid)
{
	struct added_range *r;
	int rc = check_add(start, size, nid);

	if (rc)
		return rc;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	rc = add_memory_driver_managed(nid, start, size, RESOURCE_NAME, MHP_NONE);
	if (rc) {
		kfree(r);
		return rc;
	}
	r->start = start;
	r->size = size;
	list_add(&r->list, &added);
	__module_get(THIS_MODULE);
	pr_info("added [%#llx-%#llx] to node %d\n", start, start + size - 1, nid);
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

static int do_remove(u64 start, u64 size)
{
	struct tlb_probe p = {
		.pages = min_t(u64, size >> PAGE_SHIFT, PROBE_PAGES),
		.end_pfn = PHYS_PFN(start + size),
	};
	struct added_range *r;
	int rc, stale;

	p.va = (unsigned long)__va(start + size) - p.pages * PAGE_SIZE;
	list_for_each_entry(r, &added, list) {
		if (r->start != start || r->size != size)
			continue;
		WRITE_ONCE(probe, &p);
		rc = offline_and_remove_memory(start, size);
		WRITE_ONCE(probe, NULL);
		if (rc)
			return rc;
		list_del(&r->list);
		kfree(r);
		module_put(THIS_MODULE);
		pr_info("removed [%#llx-%#llx]\n", start, start + size - 1);

		atomic_set(&p.readable, 0);
		on_each_cpu(read_window, &p, 1);
		stale = atomic_read(&p.readable);
		if (stale) {
			pr_err("removed [%#llx-%#llx] still readable through the direct map: %d of %lu reads (%lu pages x %u CPUs) succeeded (stale TLB)\n",
			       start, start + size - 1, stale,
			       p.pages * num_online_cpus(), p.pages,
			       num_online_cpus());
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

/* Parse up to three numbers (any base) from a user buffer. */
static int parse(const char __user *ubuf, size_t len, int want,
		 long long *a, long long *b, long long *c)
{
	char buf[96];

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%lli %lli %lli", a, b, c) < want)
		return -EINVAL;
	return 0;
}

static ssize_t add_write(struct file *f, const char __user *ubuf, size_t len,
			 loff_t *pos)
{
	long long start, size, nid;
	int rc = parse(ubuf, len, 3, &start, &size, &nid);

	if (rc)
		return rc;
	mutex_lock(&lock);
	rc = do_add(start, size, nid);
	mutex_unlock(&lock);
	return rc ? rc : len;
}

static ssize_t remove_write(struct file *f, const char __user *ubuf,
			    size_t len, loff_t *pos)
{
	long long start, size, unused;
	int rc = parse(ubuf, len, 2, &start, &size, &unused);

	if (rc)
		return rc;
	mutex_lock(&lock);
	rc = do_remove(start, size);
	mutex_unlock(&lock);
	return rc ? rc : len;
}

static ssize_t addr_write(struct file *f, const char __user *ubuf, size_t len,
			  loff_t *pos)
{
	long long phys, unused;
	int rc = parse(ubuf, len, 1, &phys, &unused, &unused);

	if (rc)
		return rc;
	mutex_lock(&lock);
	addr_phys = phys;
	mutex_unlock(&lock);
	return len;
}

static ssize_t addr_read(struct file *f, char __user *ubuf, size_t len,
			 loff_t *pos)
{
	char buf[96];
	int n;

	mutex_lock(&lock);
	/* raw addresses on purpose: the test matches them against ptdump */
	n = scnprintf(buf, sizeof(buf), "va=%px vmemmap=%px\n",
		      __va(addr_phys), pfn_to_page(PHYS_PFN(addr_phys)));
	mutex_unlock(&lock);
	return simple_read_from_buffer(ubuf, len, pos, buf, n);
}

static ssize_t percpu_write(struct file *f, const char __user *ubuf,
			    size_t len, loff_t *pos)
{
	long long count, size, unused;
	int rc = parse(ubuf, len, 2, &count, &size, &unused);

	if (rc)
		return rc;
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

static const struct file_operations add_fops = { .write = add_write };
static const struct file_operations remove_fops = { .write = remove_write };
static const struct file_operations addr_fops = {
	.write = addr_write, .read = addr_read,
};
static const struct file_operations percpu_fops = {
	.write = percpu_write, .read = percpu_read,
};
static const struct file_operations mappable_fops = { .read = mappable_read };

static int __init mhp_test_init(void)
{
	int rc;

	areas = kvcalloc(MAX_AREAS, sizeof(*areas), GFP_KERNEL);
	if (!areas)
		return -ENOMEM;
	rc = register_memory_notifier(&probe_nb);
	if (rc) {
		kvfree(areas);
		return rc;
	}
	dir = debugfs_create_dir("mhp_test", NULL);
	debugfs_create_file("add", 0200, dir, NULL, &add_fops);
	debugfs_create_file("remove", 0200, dir, NULL, &remove_fops);
	debugfs_create_file("addr", 0600, dir, NULL, &addr_fops);
	debugfs_create_file("percpu", 0600, dir, NULL, &percpu_fops);
	debugfs_create_file("mappable", 0400, dir, NULL, &mappable_fops);
	return 0;
}

static void __exit mhp_test_exit(void)
{
	debugfs_remove_recursive(dir);
	unregister_memory_notifier(&probe_nb);
	free_areas();	/* added memory pins the module: none is left here */
	kvfree(areas);
}

module_init(mhp_test_init);
module_exit(mhp_test_exit);
MODULE_DESCRIPTION("riscv-mhp selftests: hot-add/remove hidden RAM, percpu load");
MODULE_LICENSE("GPL");
