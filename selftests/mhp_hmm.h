/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ZONE_DEVICE through the kernel's own test_hmm module: device-private
 * memory is created (memremap_pages: vmemmap populated) on the first
 * migration to the device and destroyed (memunmap_pages: vmemmap torn
 * down) when the module unloads.
 */
#ifndef MHP_HMM_H
#define MHP_HMM_H

/* NULL when test_hmm can be loaded here, else why not (for a skip). */
const char *hmm_available(void);
/*
 * One cycle: load test_hmm, migrate npages of patterned anonymous memory
 * to device-private memory, fault it back, verify every byte, unload.
 * NULL on success, else what went wrong.
 */
const char *hmm_cycle(unsigned long npages);
/*
 * Migrations the last hmm_cycle() asked again: migrate_vma is best effort
 * (a page another isolation holds, or one with a passing extra reference,
 * is left where it is) and test_hmm answers such a partial migration with
 * ENOENT; a cycle asks again up to HMM_MIGRATE_TRIES times, and only a
 * page that never moves fails it.
 */
#define HMM_MIGRATE_TRIES	5
int hmm_migrate_retries(void);

#endif
