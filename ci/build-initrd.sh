#!/bin/sh
# build-initrd.sh KERNEL FLAVOR: the initramfs of one kernel's cells.
#
# Cross-builds the selftests against KERNEL's tree, stages an overlay with
# the guest init, the kernel's modules, the selftests and the kselftest
# runner files they need, and appends it to the cached rootfs cpio
# (Linux unpacks concatenated cpio archives in order).
# Output: build/kernel/KERNEL-FLAVOR/initrd.cpio
set -eu
MHP_STEP=initrd
. "$(dirname "$0")/lib.sh"

kernel_flavor_args build-initrd.sh "$@"
SRC=$(kernel_src "$K")
KOUT=$(kernel_dir "$K" "$F")
ROOTFS=$MHP_BUILD/rootfs/rootfs.cpio
STOUT=$MHP_BUILD/selftests/$K-$F

[ -f "$KOUT/arch/riscv/boot/Image" ] || die "kernel $K-$F is not built: run 'make kernel KERNEL=$K FLAVOR=$F'"
# a new clone's first cell (make cell, bugcheck, stress): the guest root
# comes from MHP_CACHE in seconds, or mmdebstrap builds it
[ -f "$ROOTFS" ] || "$MHP_TOP/ci/build-rootfs.sh" >&2
[ -f "$ROOTFS" ] || die "guest root missing ($ROOTFS): run 'make rootfs'"

mkdir -p "$STOUT"
make -s -C "$MHP_TOP/selftests" KSRC="$SRC" OUTPUT="$STOUT" \
	ARCH=riscv CROSS_COMPILE=$MHP_CROSS all >"$STOUT/build.log" 2>&1 ||
	{ cat "$STOUT/build.log" >&2; die "selftests cross build failed"; }
# a kernel the developer built (KBUILD=): the module builds against it
KDIR=$(cat "$KOUT/kbuild" 2>/dev/null || echo "$KOUT")
make -s -C "$MHP_TOP/selftests" KSRC="$SRC" OUTPUT="$STOUT" KDIR="$KDIR" \
	ARCH=riscv CROSS_COMPILE=$MHP_CROSS module >"$STOUT/module.log" 2>&1 ||
	{ cat "$STOUT/module.log" >&2; die "test module build failed"; }

stage=$KOUT/overlay
rm -rf "$stage"
# The guest uses the drop-in layout: tools/testing/selftests/riscv-mhp of a
# (partial) kernel tree, so every cell exercises the in-tree form.
ksft_dst=$stage/opt/mhp/linux/tools/testing/selftests
mhp_dst=$ksft_dst/riscv-mhp
mkdir -p "$mhp_dst" "$stage/usr/lib"
install -m 755 "$MHP_TOP/ci/guest/init" "$stage/init"
# the comparison anchors (riscv_mhp.run=anchor-*): the kernel's own test
install -m 755 "$MHP_TOP/ci/guest/anchor" "$stage/opt/mhp/anchor"
cp -a "$KOUT/modroot/lib/modules" "$stage/usr/lib/"
ksft=$SRC/tools/testing/selftests
cp -a "$ksft/lib.mk" "$ksft/kselftest.h" "$ksft/kselftest_harness.h" \
	"$ksft/kselftest" "$ksft/memory-hotplug" "$ksft_dst/"
cp -a "$MHP_TOP/selftests/." "$mhp_dst/"
ln -s linux/tools/testing/selftests/riscv-mhp "$stage/opt/mhp/selftests"
# binaries last and newest, so the guest's make finds nothing to rebuild
for p in $(make -s -C "$MHP_TOP/selftests" KSRC="$SRC" OUTPUT="$STOUT" emit_tests |
	   sed 's/^[^:]*://'); do
	cp "$STOUT/$p" "$mhp_dst/$p"
	touch "$mhp_dst/$p"
done
rm -rf "$mhp_dst/mhp_test_mod"
cp "$STOUT/mhp_test.ko" "$mhp_dst/"
# the signatures of the registry's entries: a cell names those it sets
# aside (riscv_mhp.setaside=, selftests/mhp_complaints.h)
mkdir -p "$stage/opt/mhp/setaside"
for b in $(mhp_list bugs); do
	"$MHP_TOOL" signature "$b" >"$stage/opt/mhp/setaside/$b"
done
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$KOUT/overlay.cpio"
cat "$ROOTFS" "$KOUT/overlay.cpio" >"$KOUT/initrd.cpio.tmp"
mv "$KOUT/initrd.cpio.tmp" "$KOUT/initrd.cpio"
say "$K-$F initrd ready ($(du -h "$KOUT/initrd.cpio" | cut -f1))"
