# Shared settings for the host scripts in ci/. Source it; it defines paths
# only, no side effects.
# shellcheck shell=sh

MHP_TOP=$(cd "$(dirname "$0")/.." && pwd)
MHP_BUILD=${MHP_BUILD:-$MHP_TOP/build}
MHP_RESULTS=${MHP_RESULTS:-$MHP_TOP/results}
# Caches that outlive a clone (ccache, the rootfs tarball): a fresh clone of
# the repo on a machine that built before starts warm.
MHP_CACHE=${MHP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/riscv-mhp}
MHP_CROSS=riscv64-linux-gnu-
MHP_JOBS=${MHP_JOBS:-$(nproc)}
# the C tool that reads the repository's data: kernels, flavors, paging
# modes, topologies, tests and the registry of expectations (kernel/bugs)
MHP_TOOL=$MHP_BUILD/host/mhp-cell
export MHP_TOP

say() { printf '[%s] %s\n' "${MHP_STEP:-mhp}" "$*"; }
die() { printf '%s: error: %s\n' "${MHP_STEP:-mhp}" "$*" >&2; exit 2; }

need_tool() {
	[ -x "$MHP_TOOL" ] || die "host tools not built: run 'make host-tools'"
}

# mhp_list kernels|flavors|pagings|topologies|tests|bugs: one a line
mhp_list() { need_tool; "$MHP_TOOL" list "$1"; }

# load_kernel NAME: kernel/kernels/NAME.kernel as k_* variables
load_kernel() {
	need_tool
	_k=$("$MHP_TOOL" kernel "$1") || exit 2
	eval "$_k"
}

# kernel_lock KERNEL WHAT: wait (saying so every 30 s) until no other
# build of KERNEL runs, then hold the lock until this script exits. make
# check, make matrix, make stress and make bugcheck may want one kernel at
# once; two makes in one tree or O= directory break each other (seen: a
# missing .o.d, then SIGTERM), and so do two initramfs builds in one
# overlay. Flavors share the tree: the lock is per kernel. Uses fd 9.
kernel_lock() {
	mkdir -p "$MHP_BUILD/kernel"
	exec 9>"$MHP_BUILD/kernel/.$1.lock"
	_w=0
	while ! flock -w 30 9; do
		_w=$((_w + 30))
		say "$2: ${_w}s: waiting for another build of kernel $1"
	done
}
# kernel_dir KERNEL FLAVOR: the O= directory of one kernel build.
# MHP_KERNEL_DIR names a kernel built elsewhere (a mutant of the bug
# catalog, a bisect step): run-cell then boots it as it is.
kernel_dir() { echo "${MHP_KERNEL_DIR:-$MHP_BUILD/kernel/$1-$2}"; }
# runner_qemu: the emulator ci/run-cell starts for RUNNER (qemu: QEMU, or
# qemu-system-riscv64; vng: ci/run-vng, which boots the same argv through
# virtme-ng with QEMU as its emulator). Dies on another RUNNER.
runner_qemu() {
	case ${RUNNER:-qemu} in
	qemu) echo "${QEMU:-qemu-system-riscv64}" ;;
	vng) echo "$MHP_TOP/ci/run-vng" ;;
	*) die "RUNNER must be qemu or vng, not '$RUNNER'" ;;
	esac
}
# verdict_word DIR: a finished run's verdict, PASS, FAIL or KNOWN (a cell's
# verdict file, else a stress run's verdict.json); nothing if unfinished
verdict_word() {
	if [ -f "$1/verdict" ]; then
		sed -n '1s/^[^:]*: \([A-Z]*\).*/\1/p' "$1/verdict"
	elif [ -f "$1/verdict.json" ]; then
		sed -n 's/.*"verdict": *"\([A-Z]*\)".*/\1/p' "$1/verdict.json" | head -n 1
	fi
}
# cell_build CELL: the kernel build a cell boots, KERNEL-FLAVOR (6.12-plain)
cell_build() {
	need_tool
	"$MHP_TOOL" describe "$1" | sed -n 's/^kernel=//p;s/^flavor=//p' | paste -sd-
}
# kernel_src KERNEL: the tree the kernel builds from (needs load_kernel):
# Debian's extracted (and patched) tree, or the developer's KSRC (the
# source of KBUILD when only that is given). Each kernel has its own tree,
# named after the kernel (linux-source-7.3fix: linux-source-7.3 with our
# fixes), as bugcheck.sh and bisect.sh name theirs: the same relative
# paths give ccache hits.
kernel_src() {
	if [ "$k_source" = ksrc ]; then
		if [ -n "${KSRC:-}" ]; then
			(cd "$KSRC" 2>/dev/null && pwd) || die "KSRC=$KSRC: no such directory"
		elif [ -n "${KBUILD:-}" ] && [ -d "$KBUILD/source" ]; then
			(cd "$KBUILD/source" && pwd)
		elif [ -n "${KBUILD:-}" ]; then
			(cd "$KBUILD" 2>/dev/null && pwd) || die "KBUILD=$KBUILD: no such directory"
		else
			die "kernel $k_name: give KSRC=/path/to/linux or KBUILD=/path/to/O"
		fi
	else
		echo "$MHP_BUILD/src/linux-source-$k_name"
	fi
}

# extract_package DEST LOG: the kernel's Debian source tarball (needs
# load_kernel) extracted as the tree DEST: its top directory, named after
# the package, is renamed (a package can serve several kernels)
extract_package() {
	_tb=/usr/src/$k_package.tar.xz
	rm -rf "$1" "$1.x"
	mkdir -p "$1.x"
	run_with_progress "$2" "extract $k_package" tar -C "$1.x" -xf "$_tb" ||
		die "cannot extract $_tb"
	mv "$1.x/$k_package" "$1" && rmdir "$1.x" || die "$_tb has no $k_package/ at its top"
}

# kernel_flavor_args SCRIPT ARGS...: the "KERNEL FLAVOR" arguments of a
# build script, validated, as K and F, with the kernel's k_* variables
kernel_flavor_args() {
	_script=$1
	shift
	[ $# = 2 ] || die "usage: $_script KERNEL FLAVOR"
	K=$1 F=$2
	load_kernel "$K"
	mhp_list flavors | grep -qx "$F" ||
		die "unknown flavor '$F' (known: $(mhp_list flavors | tr '\n' ' '))"
}

# kernel_fragments FLAVOR: the config fragments of a kernel (after
# load_kernel) in that flavor, in merge order: the suite's (with the
# selftests' own config, kselftest's list of what they need), ACPI for a
# kernel that boots riscv with it (acpi=yes: the same build boots device-
# tree and 'firmware acpi' cells), the kernel's own (config=), the flavor's
kernel_fragments() {
	_f=$MHP_TOP/virtme-configs/fragments
	printf '%s ' "$_f/boot.config" "$_f/base.config" "$MHP_TOP/selftests/config" \
		"$_f/hotplug.config" "$_f/numa.config" "$_f/debug.config"
	[ "${k_acpi:-0}" != 1 ] || printf '%s ' "$_f/acpi.config"
	for _c in $k_config; do printf '%s ' "$_f/$_c.config"; done
	printf '%s\n' "$MHP_TOP/virtme-configs/flavors/$1.config"
}

# kconfig_missing CONFIG: the options of boot.config and selftests/config
# that CONFIG lacks (neither =y nor =m), blank-separated
kconfig_missing() {
	grep -h '^CONFIG_[A-Z0-9_]*=[ym]$' "$MHP_TOP/virtme-configs/fragments/boot.config" \
		"$MHP_TOP/selftests/config" | cut -d= -f1 | sort -u | while read -r o; do
		grep -qE "^$o=[ym]$" "$1" || printf '%s ' "$o"
	done
}

# say_known_bug CELL RUN_DIR: the recorded bug (kernel/bugs) of CELL whose
# signature the run's first kernel complaint matches, if any. Returns 0.
say_known_bug() {
	_k=$("$MHP_TOOL" known "$1" "$2/console.log" 2>/dev/null) &&
		say "$1: known kernel bug kernel/bugs/$_k"
	return 0
}

# progress: of a long step's output going into its log, the heartbeats
# ("[kernel] 7.3-plain: 120s: ...", every 30 s) and a cell's verdict,
# passed on to stderr as they come: make check and ci/known-bugs build
# kernels and QEMU inside their cells and must not sit silent for minutes
progress() {
	grep --line-buffered -E '^\[[a-z0-9-]+\] ([^:]*: )?[0-9]+s: |^\[cell\] .*(PASS|FAIL|reproduce)' >&2
}
# plan_value PLAN KEY: KEY's value in a plan that mhp-cell plan wrote
# (lines KEY='value')
plan_value() { sed -n "s/^$2='\(.*\)'$/\1/p" "$1"; }
# check_builds: the kernel builds ci/check-cells boots, KERNEL-FLAVOR a line
check_builds() {
	grep -v '^#' "$MHP_TOP/ci/check-cells" | cut -d' ' -f1 | while read -r _c; do
		cell_build "$_c"
	done | sort -u
}
# need_disk GB WHAT: fail (status 1, one line saying so) when the file
# system that holds MHP_BUILD has less than GB gigabytes free for WHAT
need_disk() {
	mkdir -p "$MHP_BUILD"
	_free=$(df -Pk "$MHP_BUILD" | awk 'NR == 2 { print int($4 / 1048576) }')
	[ "${_free:-0}" -ge "$1" ] && return 0
	say "only ${_free:-0} GB free on $(df -P "$MHP_BUILD" | awk 'NR == 2 { print $6 }') (under $MHP_BUILD): $2 needs about $1 GB; free some, or set MHP_BUILD to a larger disk"
	return 1
}
# logged LOG CMD...: CMD (stdin /dev/null) with all its output in LOG, its
# progress() lines shown as they come; returns CMD's exit status
logged() {
	_lg=$1
	shift
	{ "$@" </dev/null 2>&1; echo "$?" >"$_lg.rc"; } | tee "$_lg" | progress
	# no status written (a full disk): the step failed, say so
	_lrc=$(cat "$_lg.rc" 2>/dev/null)
	rm -f "$_lg.rc"
	case $_lrc in
	[0-9]*) return "$_lrc" ;;
	*) say "$_lg: no exit status recorded (disk full?)" >&2; return 1 ;;
	esac
}
# race_runs N DIR CELL WHAT CMD...: CMD, a run of CELL whose artefacts land
# in DIR/CELL, up to N times while it passes (exit 0): the proof of a race
# (a catalog entry's attempts=N) that has not hit it yet. Any other exit
# ends the tries; a run that passed is kept as DIR/CELL.missK. Sets rc (the
# last run's exit) and tries (the runs made); WHAT names it on stderr.
race_runs() {
	_rn=$1 _rd=$2 _rcell=$3 _rw=$4
	shift 4
	tries=0
	while :; do
		tries=$((tries + 1)) rc=0
		"$@" || rc=$?
		[ "$rc" = 0 ] && [ "$tries" -lt "$_rn" ] || break
		echo "$_rw: $_rcell: run $tries of $_rn passed (a race not hit): again" >&2
		rm -rf "$_rd/$_rcell.miss$tries"
		mv "$_rd/$_rcell" "$_rd/$_rcell.miss$tries"
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
