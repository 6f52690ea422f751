# Shared settings for the host scripts in ci/. Source it; it defines paths
# only, no side effects.
# shellcheck shell=sh

MHP_TOP=$(cd "$(dirname "$0")/.." && pwd)
MHP_BUILD=${MHP_BUILD:-$MHP_TOP/build}
MHP_RESULTS=${MHP_RESULTS:-$MHP_TOP/results}
# Caches that outlive a clone (ccache, the rootfs tarball): a fresh clone of
# the repo on a machine that built before starts warm.
MHP_CACHE=${MHP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/riscv-mhp}
MHP_KERNELS="6.1 6.12"
MHP_FLAVORS="plain kasan nomemcg"
MHP_CROSS=riscv64-linux-gnu-
MHP_JOBS=${MHP_JOBS:-$(nproc)}

say() { printf '[%s] %s\n' "${MHP_STEP:-mhp}" "$*"; }
die() { printf '%s: error: %s\n' "${MHP_STEP:-mhp}" "$*" >&2; exit 2; }

# kernel_dir KERNEL FLAVOR: the O= directory of one kernel build.
# MHP_KERNEL_DIR names a kernel built elsewhere (a mutant of the bug
# catalog, a bisect step): run-cell then boots it as it is.
kernel_dir() { echo "${MHP_KERNEL_DIR:-$MHP_BUILD/kernel/$1-$2}"; }
# kernel_src KERNEL: the extracted (and, for 6.1, patched) tree
kernel_src() { echo "$MHP_BUILD/src/linux-source-$1"; }

check_kernel() {
	case " $MHP_KERNELS " in *" $1 "*) ;; *)
		die "unknown kernel '$1' (known: $MHP_KERNELS)" ;; esac
}
check_flavor() {
	case " $MHP_FLAVORS " in *" $1 "*) ;; *)
		die "unknown flavor '$1' (known: $MHP_FLAVORS)" ;; esac
}

# kernel_flavor_args SCRIPT ARGS...: the "KERNEL FLAVOR" arguments of a
# build script, validated, as K and F
kernel_flavor_args() {
	_script=$1
	shift
	[ $# = 2 ] || die "usage: $_script KERNEL FLAVOR"
	K=$1 F=$2
	check_kernel "$K"
	check_flavor "$F"
}

# known_failures: the entries of ci/known-failures as CELL|APPEND|SIGNATURE|WHAT
# with the blanks around each field trimmed (read them with IFS='|')
known_failures() {
	grep -v -e '^#' -e '^[[:space:]]*$' "$MHP_TOP/ci/known-failures" |
		sed 's/[[:space:]]*|[[:space:]]*/|/g; s/^[[:space:]]*//; s/[[:space:]]*$//'
}

# guest_output_matches CELL_DIR REGEX: the cell's kernel console or the
# guest's own output shows REGEX
guest_output_matches() {
	cat "$1/console.log" "$1/tap.log" 2>/dev/null | grep -aqE "$2"
}

# say_known_bug CELL CELL_DIR: name the recorded kernel bug (ci/known-failures)
# that a failed run of CELL shows, if any. Always returns 0.
say_known_bug() {
	known_failures | while IFS='|' read -r _kcell _ _sig _what; do
		if [ "$_kcell" = "$1" ] && guest_output_matches "$2" "$_sig"; then
			say "known kernel bug (ci/known-failures): $_what"
		fi
	done
}

# run_with_progress LOG LABEL CMD...: run CMD with its output in LOG and a
# progress line every 30 s (elapsed time and the log's last line) so long
# steps never look hung; returns CMD's status and shows the log tail on failure.
run_with_progress() {
	_log=$1 _label=$2
	shift 2
	_t0=$(date +%s)
	_next=$((_t0 + 30))
	"$@" >"$_log" 2>&1 &
	_pid=$!
	while kill -0 "$_pid" 2>/dev/null; do
		sleep 2
		_now=$(date +%s)
		if [ "$_now" -ge "$_next" ]; then
			_next=$((_now + 30))
			say "$_label: $((_now - _t0))s: $(tail -n 1 "$_log" | cut -c1-70)"
		fi
	done
	wait "$_pid"
	_rc=$?
	if [ "$_rc" != 0 ]; then
		tail -n 30 "$_log" >&2
		say "$_label: FAILED after $(($(date +%s) - _t0))s (log: $_log)"
	else
		say "$_label: done in $(($(date +%s) - _t0))s"
	fi
	return "$_rc"
}
