#!/bin/sh
# bugcheck.sh [NAME...]: prove the suite catches the bugs of the known-bug
# catalog, kernel/bugs/NAME/ (all entries without arguments).
#
# An entry is expect (key=value lines, checked by mhp-cell: kind, kernel,
# flavor, cells, append, signature, what; optional caught=no for a recorded
# gap) and, for kind=mutant, mutation.patch (re-introduces one real bug into
# a kernel the suite passes: 6.1 + our series, or a Debian kernel as
# shipped); kind=minus-patch names a patch of the kernel's series by its
# subject (minus_patch=) and the mutant is the kernel without it: the proof
# that the patch is needed. (kind=shipped entries are bugs of kernels as
# shipped: make check proves those on the stock kernel.) A shipped entry
# with fix= and fixed_in= is fixed by a patch of ours: its mutant is each
# fixed_in kernel without that patch, run on the entry's proof cells moved
# to that kernel (fixed_cells), and the kernel with it must pass them.
# For each entry:
#   1. build the mutant: the base tree (build/src) hard-linked into
#      build/bugs/NAME/src, the mutation applied (patched files unlinked
#      first), the base kernel's .config, ccache; Image + modules into
#      build/bugs/NAME/kernel/K-F. Cached on (base tree, .config, patch).
#   2. run each cell on the mutant (ci/run-cell with MHP_KERNEL_DIR): it must
#      FAIL and its console or TAP output must match the signature;
#      time-to-detect is the run's wall time and the guest time of the first
#      signature line.
#   3. run the same cells on the unmutated kernel: they must PASS.
#   4. anchors: the kernel's mem-on-off-test.sh and stress-ng --memhotplug
#      (riscv_mhp.run=anchor-*, ci/guest/anchor) on the mutant, for as much
#      guest time as our run took; caught when the signature shows.
# Results: results/bugcheck-<time>/ (summary.md, results.tsv, every run's
# artefacts). Exit 0 when every entry is as its expect file says, 1 if not,
# 2 on setup problems.
#
# Env: BUGCHECK_ANCHORS=0 skips the anchors; BUGCHECK_BASE=0 skips the
# unmutated runs; BUGCHECK_RUN=DIR picks the results directory;
# BUGCHECK_NO_BASE_BUILD=1 uses build/kernel/K-F as it is (no
# ci/build-kernel.sh); MHP_JOBS, QEMU as for ci/run-cell.
set -eu
MHP_STEP=bugcheck
. "$(dirname "$0")/../ci/lib.sh"

BUGS=$MHP_TOP/kernel/bugs
RUN=${BUGCHECK_RUN:-$MHP_RESULTS/bugcheck-$(date +%Y%m%d-%H%M%S)}
ANCHORS=${BUGCHECK_ANCHORS:-1}
BASE=${BUGCHECK_BASE:-1}
ANCHOR_MIN=60	# guest seconds an anchor gets at least

[ -x "$MHP_BUILD/host/mhp-cell" ] || die "host tools not built: run 'make host-tools'"
# the mutants (kind=mutant, minus-patch, shipped with a fix of ours); the
# bugs of kernels as shipped (kind=shipped) are proven by make check on the
# stock kernel
mutants() {
	for b in $(mhp_list bugs); do
		"$MHP_TOOL" expect "$b" | grep -qxE "kind=(mutant|minus-patch)|fixed_in='.+'" &&
			echo "$b"
	done
}
if [ $# -gt 0 ]; then
	sel=$*
else
	sel=$(mutants)
fi
for b in $sel; do
	[ -f "$BUGS/$b/expect" ] || die "no catalog entry '$b' (kernel/bugs/$b/expect)"
	"$MHP_TOOL" expect "$b" | grep -qxE "kind=minus-patch|fixed_in='.+'" ||
		[ -f "$BUGS/$b/mutation.patch" ] || die "kernel/bugs/$b: no mutation.patch"
done
mkdir -p "$RUN"

load_expect() { # NAME: the entry's variables, checked by mhp-cell
	_e=$("$MHP_TOOL" expect "$1") || exit 2
	caught=yes
	. "$BUGS/$1/expect"	# bugcheck's own key: caught
	eval "$_e"
	case $kind in mutant|minus-patch) ;;
	shipped) [ -n "$fixed_in" ] ||
		die "$1: kind=shipped without fixed_in: make check proves it on the stock kernel" ;;
	*) die "$1: kind=$kind: bugcheck builds mutants and minus-patch kernels only" ;; esac
	load_kernel "$kernel"
}

# does a run show the entry's signature (the registry's one matcher)?
sig_shown() { # CELL_DIR
	"$MHP_TOOL" match "$b" "$1/console.log" "$1/tap.log" >/dev/null 2>&1
}

# --- the kernels --------------------------------------------------------
base_kernel() { # K F: build/kernel/K-F, built if needed (cached)
	if [ "${BUGCHECK_NO_BASE_BUILD:-0}" != 1 ]; then
		"$MHP_TOP/ci/build-kernel.sh" "$1" "$2" >&2 || die "base kernel $1-$2 does not build"
	fi
	[ -f "$MHP_BUILD/kernel/$1-$2/arch/riscv/boot/Image" ] ||
		die "base kernel $1-$2 is not built: make kernel KERNEL=$1 FLAVOR=$2"
}

finish_kdir() { # KSRC KOUT: modroot and kernelrelease for ci/build-initrd.sh
	if [ ! -d "$2/modroot/lib/modules" ]; then
		make -C "$1" O="$2" ARCH=riscv CROSS_COMPILE=$MHP_CROSS \
			INSTALL_MOD_PATH="$2/modroot" INSTALL_MOD_STRIP=1 modules_install \
			>"$2/modules_install.log" 2>&1 ||
			die "modules_install failed (see $2/modules_install.log)"
	fi
	[ -s "$2/kernelrelease" ] ||
		make -s -C "$1" O="$2" ARCH=riscv kernelrelease >"$2/kernelrelease"
}

# the patch of the kernel's series whose subject has these words
series_patch() { # WORDS -> path
	_d=$MHP_TOP/$(dirname "$k_series")
	[ -n "$k_series" ] || die "kernel $kernel has no patch series (series= in its kernel file)"
	for _p in $(grep -v '^#' "$MHP_TOP/$k_series"); do
		# long subjects are folded by format-patch: compare unfolded
		sed -n '/^Subject:/{N;s/\n / /;p}' "$_d/$_p" | grep -qF "$1" &&
			{ echo "$_d/$_p"; return 0; }
	done
	die "no patch of $k_series has the subject words '$1'"
}

build_mutant() { # NAME -> prints the mutant's O= directory (entry $b)
	bdir=$MHP_BUILD/bugs/$1
	src=$bdir/src/linux-source-$kernel
	out=$bdir/kernel/$kernel-$flavor
	bsrc=$(kernel_src "$kernel")
	bout=$MHP_BUILD/kernel/$kernel-$flavor
	if [ "$kind" = minus-patch ]; then
		patch=$(series_patch "$minus_patch") rev=-R
	elif [ "$kind" = shipped ]; then
		patch=$(series_patch "$fix") rev=-R
	else
		patch=$BUGS/$b/mutation.patch rev=
	fi
	[ -f "$bsrc.stamp" ] || die "$bsrc is not extracted: make kernel KERNEL=$kernel"
	want=$({ cat "$bsrc.stamp" "$bout/.config" "$patch"; } | sha256sum | cut -c1-16)
	if [ "$(cat "$out/.bug.stamp" 2>/dev/null)" = "$want" ] &&
	   [ -f "$out/arch/riscv/boot/Image" ] && [ -s "$out/kernelrelease" ]; then
		say "$1: mutant kernel up to date ($out)" >&2
		echo "$out"
		return 0
	fi
	how="+ $(basename "$patch")"
	[ -z "$rev" ] || how="without $(basename "$patch")"
	say "$1: mutant tree: $bsrc (hard links) $how" >&2
	rm -rf "$bdir/src" "$out"
	mkdir -p "$bdir/src" "$out"
	cp -al "$bsrc" "$src"
	# the files the mutation touches become copies of their own
	for f in $(sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$patch"); do
		[ -f "$src/$f" ] || [ -n "$rev" ] || die "$1: mutation.patch touches $f, not in $bsrc"
		[ -f "$src/$f" ] || continue
		cp -p "$src/$f" "$src/$f.unlink" && mv "$src/$f.unlink" "$src/$f"
	done
	patch -d "$src" -p1 -s $rev --no-backup-if-mismatch <"$patch" >&2 ||
		die "$1: $(basename "$patch") does not ${rev:+un}apply on $bsrc"
	cp "$bout/.config" "$out/.config"
	mkdir -p "$MHP_CACHE/ccache"
	export ARCH=riscv CROSS_COMPILE=$MHP_CROSS
	# same relative layout as build/src + build/kernel: ccache hits
	export CCACHE_DIR="$MHP_CACHE/ccache" CCACHE_BASEDIR="$bdir" \
		CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
	make -C "$src" O="$out" olddefconfig >"$out/olddefconfig.log" 2>&1 ||
		die "$1: olddefconfig failed (see $out/olddefconfig.log)"
	cmp -s "$bout/.config" "$out/.config" ||
		say "$1: note: olddefconfig changed the base .config" >&2
	say "$1: building Image and modules with $MHP_JOBS jobs (ccache)" >&2
	run_with_progress "$out/build.log" "$1" \
		sh -c "make -C $src O=$out -j$MHP_JOBS CC=ccache\ ${MHP_CROSS}gcc Image modules" >&2 ||
		die "$1: mutant kernel build failed (see $out/build.log)"
	finish_kdir "$src" "$out"
	echo "$want" >"$out/.bug.stamp"
	echo "$out"
}

# --- runs ---------------------------------------------------------------
# ci/run-cell runs in the background so that a TERM to this script reaches
# it too: run-cell stops its own QEMU, and nothing is left behind
child=
trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child"; fi; exit 130' INT TERM HUP
run_one() { # KDIR CELL APPEND DIR -> rc of ci/run-cell (0 PASS, 1 FAIL)
	MHP_QUIET=1 MHP_KERNEL_DIR=$1 APPEND=$3 "$MHP_TOP/ci/run-cell" "$2" "$4" \
		>"$4.log" 2>&1 &
	child=$!
	_rc=0
	wait "$child" || _rc=$?
	child=
	return "$_rc"
}

# guest time (printk stamp) of the first console line matching the signature
sig_guest_time() { # CELL_DIR
	grep -aE "$signature" "$1/console.log" 2>/dev/null | head -n 1 |
		sed -n 's/^\[ *\([0-9]*\)\.[0-9]*\].*/\1/p'
}

first_line() { sed -n 1p "$1" 2>/dev/null | cut -c1-100; }

# the entry's command-line words without test selection (for anchors)
anchor_words() { echo "$append" | tr ' ' '\n' | grep -v '^riscv_mhp\.\(tests\|seed\|ops\)=' | tr '\n' ' '; }

TSV=$RUN/results.tsv
printf 'bug\tkernel\tcell\texpect\tours\tours_wall_s\tours_guest_s\tbase\tmemonoff\tmemonoff_guest_s\tstressng\tstressng_guest_s\tok\n' >"$TSV"
bad=0 t_all=$(date +%s)
for b in $sel; do
	load_expect "$b"
	# a fixed shipped bug: one mutant per kernel carrying the fix
	jobs=$kernel
	[ "$kind" != shipped ] || jobs=$(for c in $fixed_cells; do echo "${c%%-*}"; done | sort -u)
	for job in $jobs; do
	mname=$b jcells=$cells
	if [ "$kind" = shipped ]; then
		kernel=$job mname=$b-$job
		load_kernel "$kernel"
		jcells=$(for c in $fixed_cells; do case $c in "$job"-*) echo "$c" ;; esac; done)
	fi
	say "$b: $kernel-$flavor, cells: $(echo $jcells)"
	base_kernel "$kernel" "$flavor"
	t0=$(date +%s)
	kdir=$(build_mutant "$mname")
	say "$b: mutant ready in $(($(date +%s) - t0))s: $kdir"
	for cell in $jcells; do
		d=$RUN/$b
		mkdir -p "$d"
		# 1. the mutant
		say "$b: $cell on the mutant${append:+ (APPEND='$append')}"
		# a race (attempts=N) gets up to N runs while it passes, as in
		# ci/known-bugs (race_runs, ci/lib.sh)
		race_runs "$attempts" "$d/mutant" "$cell" "$b: mutant" \
			run_one "$kdir" "$cell" "$append" "$d/mutant"
		cd_=$d/mutant/$cell
		wall=$(cat "$cd_/seconds" 2>/dev/null || echo '?')
		gt=$(sig_guest_time "$cd_")
		if [ "$rc" = 1 ] && sig_shown "$cd_"; then
			ours="caught"
		elif [ "$rc" = 1 ]; then
			ours="FAIL-other"
		elif [ "$rc" = 0 ]; then
			ours="missed"
		else
			ours="error($rc)"
		fi
		runs=
		[ "$attempts" = 1 ] || runs=", run $tries of $attempts"
		say "$b: mutant: $ours in ${wall}s${gt:+ (signature at guest ${gt}s)}$runs: $(first_line "$cd_/verdict")"
		# 2. the unmutated kernel, same cell and words
		base="-"
		if [ "$BASE" = 1 ]; then
			say "$b: $cell on the unmutated $kernel-$flavor"
			rc=0
			run_one "$MHP_BUILD/kernel/$kernel-$flavor" "$cell" "$append" "$d/base" || rc=$?
			case $rc in 0) base=PASS ;; 1) base=FAIL ;; *) base="error($rc)" ;; esac
			say "$b: unmutated: $base: $(first_line "$d/base/$cell/verdict")"
		fi
		# 3. the anchors on the mutant, for the same guest time
		secs=$wall
		case $secs in ''|*[!0-9]*) secs=$ANCHOR_MIN ;; esac
		[ "$secs" -ge "$ANCHOR_MIN" ] || secs=$ANCHOR_MIN
		mo="-" mo_t= sn="-" sn_t=
		if [ "$ANCHORS" = 1 ]; then
			for a in memonoff stressng; do
				say "$b: anchor $a on the mutant for ${secs}s of guest time"
				ad=$d/anchor-$a
				MHP_TIMEOUT=$((secs + 300)) run_one "$kdir" "$cell" \
					"$(anchor_words) riscv_mhp.run=anchor-$a riscv_mhp.anchor_seconds=$secs" \
					"$ad" || true
				arc=$(sed -n 's/.*riscv-mhp: anchor .* rc=\([0-9]*\).*/\1/p' "$ad/$cell/tap.log" 2>/dev/null | tail -n 1)
				if sig_shown "$ad/$cell"; then
					r="caught" t=$(sig_guest_time "$ad/$cell")
				else
					r="missed" t=
				fi
				r="$r(rc=${arc:-none})"
				say "$b: anchor $a: $r${t:+ at guest ${t}s}"
				if [ "$a" = memonoff ]; then mo=$r mo_t=$t; else sn=$r sn_t=$t; fi
			done
		fi
		# as expected?
		ok=yes
		if [ "$caught" = no ]; then
			[ "$ours" = missed ] || ok="no: recorded as a gap, got $ours"
		else
			[ "$ours" = caught ] || ok="no: want caught, got $ours"
		fi
		[ "$BASE" != 1 ] || [ "$base" = PASS ] || ok="no: unmutated kernel $base"
		[ "$ok" = yes ] || bad=$((bad + 1))
		expect_txt=caught
		[ "$caught" = no ] && expect_txt=gap
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$b" "$kernel-$flavor" \
			"$cell" "$expect_txt" "$ours" "$wall" "${gt:--}" "$base" "$mo" "${mo_t:--}" \
			"$sn" "${sn_t:--}" "$ok" >>"$TSV"
		say "$b: $cell: $ok"
	done
	done
done

# --- the table ------------------------------------------------------------
{
	echo "# bugcheck $(basename "$RUN")"
	echo
	echo "ours = our selftests on the mutant (wall s of the run / guest s of the first"
	echo "signature line); base = the same cell on the unmutated kernel; anchors ran"
	echo "on the mutant for as much guest time as our run took (at least ${ANCHOR_MIN}s)."
	echo
	echo "| bug | kernel | cell | expected | ours | wall / guest s | unmutated | mem-on-off / guest s | stress-ng / guest s | as expected |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	tail -n +2 "$TSV" | while IFS='	' read -r b k c e o w g ba m mt s st ok; do
		echo "| $b | $k | $c | $e | $o | $w / $g | $ba | $m / $mt | $s / $st | $ok |"
	done
} >"$RUN/summary.md"
echo
cat "$RUN/summary.md"
say "$(echo "$sel" | wc -w) entries in $(($(date +%s) - t_all))s, $bad not as expected; results: $RUN"
[ "$bad" = 0 ]
