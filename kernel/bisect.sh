#!/bin/sh
# bisect.sh [KERNEL]: build every prefix of kernel/patches/KERNEL/series
# (default 6.1) with the plain flavor's config fragments and report ok/FAIL
# per prefix. Prefix 0 is the pristine tree. Works in build/bisect only
# (never touches build/src or build/kernel): the tree is extracted once
# and patches are applied one at a time, so each step is an incremental
# ccache build. Fragment values that an early prefix cannot offer are
# tolerated (the equivalent of MHP_KCONFIG_RELAX=1).
# Exits 1 if any prefix fails, 2 on setup problems.
# Env: BISECT_TARGETS (default "Image modules"), MHP_JOBS, BISECT_FROM
# (first prefix to build, default 0), BISECT_ORDER=reverse (start with the
# whole series and peel patches off with patch -R: the prefixes that enable
# hotplug are checked first). The O= directory sits at the same depth as
# build/kernel/K-plain and the tree at the same depth as build/src, so
# ccache entries from ci/build-kernel.sh are reused for identical inputs.
set -eu
K=${1:-6.1}
MHP_STEP=bisect
. "$(dirname "$0")/../ci/lib.sh"
TOP=$MHP_TOP BUILD=$MHP_BUILD
load_kernel "$K"
PATCHES=$TOP/$(dirname "$k_series")
TARBALL=/usr/src/$k_package.tar.xz
WORK=$BUILD/bisect
SRC=$WORK/src/linux-source-$K
OUT=$WORK/o/$K-plain
LOGS=$WORK/logs-$K
TARGETS=${BISECT_TARGETS:-Image modules}
JOBS=${MHP_JOBS:-$(nproc)}
FROM=${BISECT_FROM:-0}
CROSS=riscv64-linux-gnu-
[ -f "$PATCHES/series" ] || { echo "bisect: no $PATCHES/series" >&2; exit 2; }
[ -f "$TARBALL" ] || { echo "bisect: $TARBALL missing" >&2; exit 2; }

export ARCH=riscv CROSS_COMPILE=$CROSS
export CCACHE_DIR=${MHP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/riscv-mhp}/ccache
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
mkdir -p "$CCACHE_DIR" "$LOGS" "$OUT"

echo "bisect: extracting $TARBALL into $SRC"
extract_package "$SRC" "$LOGS/extract.log"

frags=$(kernel_fragments plain)

build_prefix() { # N NAME
	log=$LOGS/$(printf '%02d' "$1").log
	(cd "$SRC" && ./scripts/kconfig/merge_config.sh -n -O "$OUT" $frags) \
		>"$log" 2>&1 || return 1
	relaxed=$(grep -c '^Value requested for' "$log" || true)
	# the build's progress every 30 s on stderr (stdout is the result)
	run_with_progress "$log.make" "prefix $1/$total" \
		make -C "$SRC" O="$OUT" -j"$JOBS" CC="ccache ${CROSS}gcc" $TARGETS >&2
	brc=$?
	cat "$log.make" >>"$log" && rm -f "$log.make"
	[ "$brc" = 0 ] || return 1
	warn=$(grep -c ' warning: ' "$log" || true)
	echo "relaxed=$relaxed warnings=$warn"
}

fail=0 n=0
set -- $(grep -v '^#' "$PATCHES/series")
total=$#

check() { # N NAME
	t0=$(date +%s)
	if info=$(build_prefix "$1" "$2"); then
		echo "ok   $1/$total $2 ($(($(date +%s) - t0))s, $info)"
	else
		echo "FAIL $1/$total $2 (log: $LOGS/$(printf '%02d' "$1").log)"
		grep -E 'error:|Error [0-9]' "$LOGS/$(printf '%02d' "$1").log" |
			head -5 | sed 's/^/     /'
		fail=$((fail + 1))
	fi
	n=$((n + 1))
}

if [ "${BISECT_ORDER:-forward}" = reverse ]; then
	for name in "$@"; do
		patch -d "$SRC" -p1 -s -N <"$PATCHES/$name" ||
			{ echo "FAIL $name (does not apply)"; exit 1; }
	done
	i=$total
	while [ "$i" -ge "$FROM" ]; do
		eval "name=\${$i}"
		[ "$i" = 0 ] && name=pristine
		check "$i" "$name"
		[ "$i" = 0 ] && break
		patch -d "$SRC" -p1 -s -R <"$PATCHES/$name" ||
			{ echo "FAIL $name (does not reverse)"; exit 1; }
		i=$((i - 1))
	done
else
	i=0
	for name in pristine "$@"; do
		if [ "$i" -gt 0 ]; then
			patch -d "$SRC" -p1 -s -N <"$PATCHES/$name" ||
				{ echo "FAIL $i/$total $name (does not apply)"; exit 1; }
		fi
		[ "$i" -ge "$FROM" ] && check "$i" "$name"
		i=$((i + 1))
	done
fi
echo "bisect: $n prefixes built, $fail failed"
[ "$fail" = 0 ]
