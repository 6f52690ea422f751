#!/bin/sh
# build-kernel.sh KERNEL FLAVOR: cross-build one lean riscv64 guest kernel.
#
# Extracts Debian's linux-source-KERNEL tarball into build/src (applying
# kernel/patches/KERNEL/series when there is one), merges
# virtme-configs/fragments on top of allnoconfig with the tree's own
# scripts/kconfig/merge_config.sh (every requested value must stick), and
# builds Image, vmlinux and modules out of tree with ccache into
# build/kernel/KERNEL-FLAVOR. Cached: does nothing when inputs are unchanged.
#
# MHP_SOURCE_ONLY=1 stops after the source tree (the stress agent needs
# only its kselftest.h).
#
# MHP_KCONFIG_RELAX=1 reports fragment values that did not stick instead of
# failing (used when bisecting a patch series whose early prefixes cannot
# yet offer every option).
set -eu
MHP_STEP=kernel
. "$(dirname "$0")/lib.sh"

kernel_flavor_args build-kernel.sh "$@"

SRC=$(kernel_src "$K")
OUT=$(kernel_dir "$K" "$F")
TARBALL=/usr/src/linux-source-$K.tar.xz
PATCHES=$MHP_TOP/kernel/patches/$K
FRAGS=$MHP_TOP/virtme-configs/fragments
[ -f "$TARBALL" ] || die "$TARBALL missing: run 'make deps'"

# --- source tree: pristine tarball + our series -------------------------
series_id() {
	{
		ls -l "$TARBALL"
		if [ -f "$PATCHES/series" ]; then
			cat "$PATCHES/series"
			grep -v '^#' "$PATCHES/series" | while read -r p; do
				[ -n "$p" ] && cat "$PATCHES/$p"
			done
		fi
	} | sha256sum | cut -c1-16
}
want=$(series_id)
if [ "$(cat "$SRC.stamp" 2>/dev/null)" != "$want" ]; then
	say "extracting $TARBALL"
	rm -rf "$SRC" "$SRC.stamp"
	mkdir -p "$(dirname "$SRC")"
	tar -C "$(dirname "$SRC")" -xf "$TARBALL"
	if [ -f "$PATCHES/series" ]; then
		n=0
		for p in $(grep -v '^#' "$PATCHES/series"); do
			patch -d "$SRC" -p1 -s -N <"$PATCHES/$p" ||
				die "patch $p does not apply to linux-source-$K"
			n=$((n + 1))
		done
		say "applied $n patches from kernel/patches/$K/series"
	fi
	echo "$want" >"$SRC.stamp"
fi
[ "${MHP_SOURCE_ONLY:-0}" != 1 ] || exit 0

# --- config -----------------------------------------------------------
frags="$FRAGS/base.config $FRAGS/hotplug.config $FRAGS/numa.config"
frags="$frags $FRAGS/debug.config $FRAGS/kernel-$K.config"
[ "$F" = plain ] || frags="$frags $FRAGS/$F.config"
export ARCH=riscv CROSS_COMPILE=$MHP_CROSS
mkdir -p "$OUT"
cfg_id=$( (echo "$want"; cat $frags) | sha256sum | cut -c1-16)
if [ "$(cat "$OUT/.config.stamp" 2>/dev/null)" != "$cfg_id" ]; then
	say "configuring $K-$F (allnoconfig + $(echo "$frags" | wc -w) fragments)"
	(cd "$SRC" && ./scripts/kconfig/merge_config.sh -n -O "$OUT" $frags) \
		>"$OUT/merge_config.log" 2>&1 ||
		{ tail -20 "$OUT/merge_config.log" >&2; die "merge_config.sh failed"; }
	if grep -q '^Value requested for' "$OUT/merge_config.log"; then
		grep -A2 '^Value requested for' "$OUT/merge_config.log" >&2
		[ "${MHP_KCONFIG_RELAX:-0}" = 1 ] ||
			die "config fragments did not stick for $K-$F (see above)"
		say "relaxed: fragment values above did not stick"
	fi
	echo "$cfg_id" >"$OUT/.config.stamp"
fi

# --- build ------------------------------------------------------------
mkdir -p "$MHP_CACHE/ccache"
export CCACHE_DIR="$MHP_CACHE/ccache" CCACHE_BASEDIR="$MHP_BUILD" \
	CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
KMAKE="make -C $SRC O=$OUT -j$MHP_JOBS CC=ccache\ ${MHP_CROSS}gcc"
say "building $K-$F (Image, modules) with $MHP_JOBS jobs"
run_with_progress "$OUT/build.log" "$K-$F" \
	sh -c "$KMAKE Image modules" || die "kernel build failed"

rm -rf "$OUT/modroot"
sh -c "$KMAKE INSTALL_MOD_PATH=$OUT/modroot INSTALL_MOD_STRIP=1 \
	modules_install" >"$OUT/modules_install.log" 2>&1 ||
	die "modules_install failed (see $OUT/modules_install.log)"
make -s -C "$SRC" O="$OUT" kernelrelease >"$OUT/kernelrelease"
say "$K-$F ready: $OUT/arch/riscv/boot/Image ($(cat "$OUT/kernelrelease"))"
