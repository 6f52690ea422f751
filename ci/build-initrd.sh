#!/bin/sh
# build-initrd.sh KERNEL FLAVOR: the initramfs of one kernel's cells.
#
# Cross-builds the selftests against KERNEL's tree, stages an overlay with
# the guest init, the kernel's modules, the selftests and the kselftest
# runner files they need, and appends it to the cached rootfs cpio
# (Linux unpacks concatenated cpio archives in order).
# Output: build/kernel/KERNEL-FLAVOR/initrd.cpio
#
# MHP_KSFT=gen_tar ships the suite as a CI system that installs kselftests
# does: the selftests dropped into a copy of the kernel's tools/, kselftest's
# own 'make TARGETS=riscv-mhp KDIR=<this kernel> gen_tar' (which builds and
# installs mhp_test.ko too), and that tarball unpacked as /opt/ksft, where
# the guest runs run_kselftest.sh. Output: initrd-gen_tar.cpio.
set -eu
MHP_STEP=initrd
. "$(dirname "$0")/lib.sh"

kernel_flavor_args build-initrd.sh "$@"
SRC=$(kernel_src "$K")
KOUT=$(kernel_dir "$K" "$F")
ROOTFS=$MHP_BUILD/rootfs/rootfs.cpio
STOUT=$MHP_BUILD/selftests/$K-$F

kernel_lock "$K" "$K-$F initramfs"
[ -f "$KOUT/arch/riscv/boot/Image" ] || die "kernel $K-$F is not built: run 'make kernel KERNEL=$K FLAVOR=$F'"
# a new clone's first cell (make cell, bugcheck, stress): the guest root
# comes from MHP_CACHE in seconds, or mmdebstrap builds it
[ -f "$ROOTFS" ] || "$MHP_TOP/ci/build-rootfs.sh" >&2
[ -f "$ROOTFS" ] || die "guest root missing ($ROOTFS): run 'make rootfs'"

# pack STAGE SUFFIX: STAGE with the registry's signatures (a cell names
# those it sets aside: riscv_mhp.setaside=, selftests/mhp_complaints.h),
# appended to the guest root as initrd$SUFFIX.cpio
pack() {
	mkdir -p "$1/opt/mhp/setaside"
	for b in $(mhp_list bugs); do
		"$MHP_TOOL" signature "$b" >"$1/opt/mhp/setaside/$b"
	done
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$KOUT/overlay$2.cpio"
	cat "$ROOTFS" "$KOUT/overlay$2.cpio" >"$KOUT/initrd$2.cpio.tmp"
	mv "$KOUT/initrd$2.cpio.tmp" "$KOUT/initrd$2.cpio"
}

# a kernel the developer built (KBUILD=): the module builds against it
KDIR=$(cat "$KOUT/kbuild" 2>/dev/null || echo "$KOUT")

KSFT=${MHP_KSFT:-}
case "$KSFT" in ''|gen_tar) ;; *) die "MHP_KSFT=$KSFT: want gen_tar (or nothing)" ;; esac
if [ "$KSFT" = gen_tar ]; then
	tree=$MHP_BUILD/ksft/$K-$F
	rm -rf "$tree"
	mkdir -p "$tree"
	# kselftest needs the tree's tools/ and scripts/, the tests lib/ and
	# include/ headers: hard links (nothing
	# there is written), our directory a copy (the module builds in it)
	cp -al "$SRC/tools" "$SRC/scripts" "$SRC/lib" "$SRC/include" "$tree/"
	cp "$SRC/Makefile" "$tree/"
	ksdir=$tree/tools/testing/selftests
	rm -rf "$ksdir/riscv-mhp"
	cp -r "$MHP_TOP/selftests" "$ksdir/riscv-mhp"
	make -C "$ksdir" TARGETS=riscv-mhp ARCH=riscv CROSS_COMPILE=$MHP_CROSS \
		KDIR="$KDIR" gen_tar >"$tree/gen_tar.log" 2>&1 ||
		{ tail -20 "$tree/gen_tar.log" >&2; die "kselftest gen_tar failed (see $tree/gen_tar.log)"; }
	tarball=$(ls "$ksdir"/kselftest_install/kselftest-packages/kselftest.tar* 2>/dev/null | head -n 1)
	[ -n "$tarball" ] || die "gen_tar made no tarball (see $tree/gen_tar.log)"
	stage=$KOUT/overlay-gen_tar
	rm -rf "$stage"
	mkdir -p "$stage/opt/ksft" "$stage/usr/lib"
	tar -C "$stage/opt/ksft" -xf "$tarball"
	[ -f "$stage/opt/ksft/riscv-mhp/mhp_test_mod/mhp_test.ko" ] ||
		die "the gen_tar tarball has no riscv-mhp/mhp_test_mod/mhp_test.ko (see $tree/gen_tar.log)"
	install -m 755 "$MHP_TOP/ci/guest/init" "$stage/init"
	cp -a "$KOUT/modroot/lib/modules" "$stage/usr/lib/"
	pack "$stage" -gen_tar
	say "$K-$F initrd from kselftest's gen_tar ready ($(du -h "$KOUT/initrd-gen_tar.cpio" | cut -f1); $(basename "$tarball") $(du -h "$tarball" | cut -f1))"
	exit 0
fi

mkdir -p "$STOUT"
make -s -C "$MHP_TOP/selftests" KSRC="$SRC" OUTPUT="$STOUT" \
	ARCH=riscv CROSS_COMPILE=$MHP_CROSS all >"$STOUT/build.log" 2>&1 ||
	{ cat "$STOUT/build.log" >&2; die "selftests cross build failed"; }
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
# mhp_test_mod/ stays: kselftest's run_tests visits it (TEST_GEN_MODS_DIR)
# and, with no kernel build in the guest, leaves the module as it is
rm -f "$mhp_dst"/mhp_test_mod/*.o "$mhp_dst"/mhp_test_mod/*.ko
cp "$STOUT/mhp_test.ko" "$mhp_dst/"
pack "$stage" ""
say "$K-$F initrd ready ($(du -h "$KOUT/initrd.cpio" | cut -f1))"
