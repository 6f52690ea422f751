#!/bin/sh
# build-kernel.sh KERNEL FLAVOR: cross-build one lean riscv64 guest kernel.
#
# KERNEL is a file kernel/kernels/KERNEL.kernel (mhp-cell kernel KERNEL):
#   source=debian  Debian's PACKAGE tarball (installed from SUITE the first
#                  time), extracted into build/src/PACKAGE, SERIES applied
#   source=ksrc    the developer's tree: KSRC=/path/to/linux, built out of
#                  tree (the tree must be clean: no in-tree build), or
#                  KBUILD=/path/to/O, a kernel built there already, booted as
#                  it is once its .config has what the suite needs. Neither
#                  directory is ever written.
# The config is allnoconfig + the suite's fragments (virtme-configs/
# fragments: boot base hotplug numa debug, and selftests/config) + the
# kernel's own (config=) + the flavor's (virtme-configs/flavors/), merged
# with the tree's own scripts/kconfig/merge_config.sh (every requested
# value must stick), run in the build directory. Image, vmlinux and modules out of tree with ccache
# into build/kernel/KERNEL-FLAVOR. Cached: nothing to do when inputs are
# unchanged.
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
export ARCH=riscv CROSS_COMPILE=$MHP_CROSS

# --- a kernel the developer built: check it, stage what the cells need ----
if [ "$k_source" = ksrc ] && [ -n "${KBUILD:-}" ]; then
	KB=$(cd "$KBUILD" 2>/dev/null && pwd) || die "KBUILD=$KBUILD: no such directory"
	case "$KB/" in "$(cd "$MHP_BUILD" && pwd)/kernel/local-"*)
		die "KBUILD=$KB is where the suite stages kernel local: give the directory you built in" ;;
	esac
	[ -f "$KB/.config" ] && [ -f "$KB/arch/riscv/boot/Image" ] ||
		die "KBUILD=$KB: no riscv build there (want .config and arch/riscv/boot/Image)"
	missing=$(kconfig_missing "$KB/.config")
	[ -z "$missing" ] ||
		die "KBUILD=$KB lacks what the suite needs: $missing (see selftests/config, virtme-configs/fragments/boot.config)"
	rm -rf "$OUT"
	mkdir -p "$OUT/arch/riscv/boot"
	ln -s "$KB/arch/riscv/boot/Image" "$OUT/arch/riscv/boot/Image"
	[ ! -f "$KB/vmlinux" ] || ln -s "$KB/vmlinux" "$OUT/vmlinux"
	cp "$KB/.config" "$OUT/.config"
	echo "$KB" >"$OUT/kbuild"
	rel=$(cat "$KB/include/config/kernel.release" 2>/dev/null) ||
		die "KBUILD=$KB: no include/config/kernel.release"
	echo "$rel" >"$OUT/kernelrelease"
	# modules: copied, never installed from there (read-only)
	mdir=$OUT/modroot/lib/modules/$rel
	mkdir -p "$mdir/kernel"
	(cd "$KB" && find . -name '*.ko' -not -path './modroot/*') | while read -r m; do
		mkdir -p "$mdir/kernel/$(dirname "$m")"
		${MHP_CROSS}strip --strip-debug -o "$mdir/kernel/$m" "$KB/$m"
	done
	[ ! -f "$KB/modules.builtin" ] || cp "$KB/modules.builtin" "$mdir/"
	[ ! -f "$KB/modules.order" ] || cp "$KB/modules.order" "$mdir/"
	depmod -b "$OUT/modroot" "$rel" 2>/dev/null || true
	say "local-$F: booting $KB as built ($rel; $(find "$mdir" -name '*.ko' | wc -l) modules)"
	exit 0
fi

# --- one build of a kernel at a time (ci/lib.sh) ---------------------------
kernel_lock "$K" "$K-$F"

# --- source tree ----------------------------------------------------------
if [ "$k_source" = debian ]; then
	TARBALL=/usr/src/$k_package.tar.xz
	if ! [ -f "$TARBALL" ]; then
		pkg=$k_package${k_suite:+/$k_suite}
		say "installing $pkg (first build of kernel $K)"
		SUDO=
		[ "$(id -u)" = 0 ] || SUDO=sudo
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
			--no-install-recommends "$pkg" >"$MHP_BUILD/apt-$k_package.log" 2>&1 ||
			die "could not install $pkg (see $MHP_BUILD/apt-$k_package.log; 'make deps' adds the suites)"
	fi
	[ -f "$TARBALL" ] || die "$TARBALL missing after installing $k_package"
	SERIES=${k_series:+$MHP_TOP/$k_series}
	series_id() {
		{
			ls -l "$TARBALL"
			if [ -n "$SERIES" ]; then
				cat "$SERIES"
				grep -v '^#' "$SERIES" | while read -r p; do
					[ -n "$p" ] && cat "$(dirname "$SERIES")/$p"
				done
			fi
		} | sha256sum | cut -c1-16
	}
	want=$(series_id)
	if [ "$(cat "$SRC.stamp" 2>/dev/null)" != "$want" ]; then
		say "extracting $TARBALL"
		rm -f "$SRC.stamp"
		extract_package "$SRC" "$MHP_BUILD/extract-$k_name.log"
		if [ -n "$SERIES" ]; then
			n=0
			for p in $(grep -v '^#' "$SERIES"); do
				patch -d "$SRC" -p1 -s -N <"$(dirname "$SERIES")/$p" ||
					die "patch $p does not apply to $k_package"
				n=$((n + 1))
			done
			say "applied $n patches from $k_series"
		fi
		echo "$want" >"$SRC.stamp"
	fi
else
	[ -n "${KSRC:-}" ] || die "kernel $K: give KSRC=/path/to/linux (a tree to build) or KBUILD=/path/to/O (a kernel built there)"
	[ -f "$SRC/Makefile" ] && [ -d "$SRC/arch/riscv" ] || die "KSRC=$KSRC: not a kernel tree with arch/riscv"
	[ ! -f "$SRC/.config" ] ||
		die "KSRC=$SRC was built in place (it has a .config): boot that build with KBUILD=$SRC, or give a clean tree"
	want="ksrc $SRC $(cd "$SRC" && git rev-parse HEAD 2>/dev/null || echo no-git)"
	if [ "$(cat "$OUT/.ksrc" 2>/dev/null)" != "$SRC" ]; then
		rm -rf "$OUT"	# another tree: start afresh
		mkdir -p "$OUT"
		echo "$SRC" >"$OUT/.ksrc"
	fi
fi
[ "${MHP_SOURCE_ONLY:-0}" != 1 ] || exit 0

# --- config -----------------------------------------------------------
frags=$(kernel_fragments "$F")
mkdir -p "$OUT"
cfg_id=$( (echo "$want"; cat $frags) | sha256sum | cut -c1-16)
if [ "$(cat "$OUT/.config.stamp" 2>/dev/null)" != "$cfg_id" ]; then
	say "configuring $K-$F (allnoconfig + $(echo "$frags" | wc -w) fragments)"
	# merge_config.sh runs make and its temporary files in the current
	# directory: the build directory (its Makefile forwards to the tree)
	make -s -C "$SRC" O="$OUT" outputmakefile >"$OUT/merge_config.log" 2>&1 ||
		{ cat "$OUT/merge_config.log" >&2; die "make O=$OUT outputmakefile failed"; }
	(cd "$OUT" && "$SRC/scripts/kconfig/merge_config.sh" -n $frags) \
		>>"$OUT/merge_config.log" 2>&1 ||
		{ tail -20 "$OUT/merge_config.log" >&2; die "merge_config.sh failed"; }
	if grep -q '^Value requested for' "$OUT/merge_config.log"; then
		grep -A2 '^Value requested for' "$OUT/merge_config.log" >&2
		# a developer's tree may predate an option: say so, go on
		[ "${MHP_KCONFIG_RELAX:-0}" = 1 ] || [ "$k_source" = ksrc ] ||
			die "config fragments did not stick for $K-$F (see above)"
		say "relaxed: fragment values above did not stick"
	fi
	echo "$cfg_id" >"$OUT/.config.stamp"
fi

# --- build ------------------------------------------------------------
mkdir -p "$MHP_CACHE/ccache"
export CCACHE_DIR="$MHP_CACHE/ccache" CCACHE_BASEDIR="$MHP_BUILD" \
	CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
# a make -s above us (make kernel) would silence the progress lines
unset MAKEFLAGS MFLAGS
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
