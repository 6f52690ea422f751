#!/bin/sh
# check.sh: what `make check` runs. Each step counts as passed or failed;
# the last line is "check: N passed, N failed".
#  0. room on disk for the kernels it still has to build
#  1. unit tests of the host harness and the stress engine (cmocka), and
#     the nightly workflow's structure (ci/check-workflow), selftests/config
#  2. the selftests built natively and run on this host as they are: every
#     destructive test must skip (no opt-in token here) and run_tests exit 0
#  3. the default kernel and guest root (cached), the selftests cross-built
#  4. the runner's own failure handling: a guest that hangs and one that
#     panics must both be judged FAIL, and leave no QEMU behind
#  5. every cell of ci/check-cells booted in QEMU (one verdict each), and
#     one booted from kselftest's gen_tar tarball
#  6. every bug of a kernel as shipped (kernel/bugs, kind=shipped) still
#     caught: its proof cell, nothing set aside, judged KNOWN as that entry
#     (ci/known-bugs; on the kernel builds of step 5, `make known` all)
#  7. one of those failures bundled into one file and replayed from it
#     (ci/bundle): the same signature comes back
set -u
MHP_STEP=check
. "$(dirname "$0")/lib.sh"

RUN=$MHP_RESULTS/check-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RUN"
passed=0 failed=0
t_start=$(date +%s)
result() {	# result NAME STATUS
	if [ "$2" = 0 ]; then
		passed=$((passed + 1)); say "PASS $1"
	else
		failed=$((failed + 1)); say "FAIL $1"
	fi
	echo "$2 $1" >>"$RUN/steps"
}

say "results: $RUN"

# 0. room to build: each kernel of ci/check-cells not built yet takes
# about 3 GB (its tree and its build), plus 2 GB for the rest
kfs=$(check_builds)
cold=$(for kf in $kfs; do
	[ -f "$(kernel_dir "${kf%%-*}" "${kf#*-}")/arch/riscv/boot/Image" ] || echo "$kf"
done | wc -l)
if ! need_disk $((3 * cold + 2)) "make check ($cold kernel(s) to build)"; then
	result "disk space for make check" 1
	echo "check: $passed passed, $failed failed"
	exit 1
fi

# 1. unit tests
"$MHP_BUILD/host/unit-tests" >"$RUN/unit.log" 2>&1
urc=$?
line=$(tail -n 1 "$RUN/unit.log")
up=$(echo "$line" | sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
uf=$(echo "$line" | sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
if [ -z "$up" ]; then
	cat "$RUN/unit.log"; result "unit tests (no summary)" 1
else
	say "unit tests: $line"
	[ "$urc" = 0 ] || grep -B2 'FAILED\|ERROR' "$RUN/unit.log" | head -20
	passed=$((passed + up)); failed=$((failed + uf))
fi

# ... the stress engine's (same seed, same plan bytes; signatures)
make -s -C "$MHP_TOP" stress-unit >"$RUN/stress-unit.log" 2>&1
src=$?
[ "$src" = 0 ] || tail -20 "$RUN/stress-unit.log"
result "stress engine unit tests ($(grep -c '^\[       OK \]' "$RUN/stress-unit.log") ok)" $src

# ... and the nightly workflow with the cell list it runs
python3 "$MHP_TOP/ci/check-workflow" >"$RUN/workflow.log" 2>&1
wrc=$?
[ "$wrc" = 0 ] || grep -v ': ok ' "$RUN/workflow.log"
result "nightly workflow and ci/matrix (ci/check-workflow)" $wrc

# ... and the matrix report's history: new, fixed, flaky, another signature
python3 "$MHP_TOP/ci/tests/report-history" >"$RUN/report-history.log" 2>&1
hrc=$?
[ "$hrc" = 0 ] || cat "$RUN/report-history.log"
result "matrix report: what changed since the last run (ci/tests/report-history)" $hrc

# ... kselftest's config lists what the test sources declare, and the
# check fails on a config missing one and naming one no test needs
"$MHP_TOP/ci/selftests-config" >"$RUN/selftests-config.log" 2>&1
crc=$?
grep -v '^CONFIG_TEST_HMM=' "$MHP_TOP/selftests/config" >"$RUN/config.mutant"
echo CONFIG_NO_TEST_NEEDS_THIS=y >>"$RUN/config.mutant"
"$MHP_TOP/ci/selftests-config" "$RUN/config.mutant" >"$RUN/selftests-config-mutant.log" 2>&1
[ $? = 1 ] && grep -q '^missing .*CONFIG_TEST_HMM' "$RUN/selftests-config-mutant.log" &&
	grep -q '^stale .*CONFIG_NO_TEST_NEEDS_THIS' "$RUN/selftests-config-mutant.log" || crc=1
[ "$crc" = 0 ] || cat "$RUN/selftests-config.log" "$RUN/selftests-config-mutant.log"
result "selftests/config is what the tests declare (and a wrong one is caught)" $crc

# 2. the selftests on this host: must skip destructive work and exit 0
K=6.12
load_kernel $K
SRC=$(kernel_src $K)
"$MHP_TOP/ci/build-kernel.sh" $K plain >"$RUN/kernel.log" 2>&1
krc=$?
cat "$RUN/kernel.log"
result "kernel $K-plain builds" $krc
hostout=$MHP_BUILD/selftests/host
mkdir -p "$hostout"
if make -s -C "$MHP_TOP/selftests" KSRC="$SRC" OUTPUT="$hostout" run_tests \
	>"$RUN/host-selftests.log" 2>&1; then
	grep -E '^(not )?ok ' "$RUN/host-selftests.log"
	! grep -q '^not ok' "$RUN/host-selftests.log"
	result "selftests on this host are harmless and exit 0" $?
else
	tail -20 "$RUN/host-selftests.log"
	result "selftests on this host are harmless and exit 0" 1
fi

# ... as a normal user too, and neither run may touch a memory block
blocks() { cat /sys/devices/system/memory/memory*/state 2>/dev/null | sort | uniq -c; }
blocks >"$RUN/blocks.before"
st=0
for t in $(mhp_list tests); do
	(cd "$hostout" && setpriv --reuid=65534 --regid=65534 --clear-groups "./$t") \
		>"$RUN/host-user-$t.log" 2>&1
	rc=$?
	if [ "$rc" != 0 ] && [ "$rc" != 4 ] || grep -q '^not ok' "$RUN/host-user-$t.log"; then
		say "$t as a normal user: exit $rc"; tail -3 "$RUN/host-user-$t.log"; st=1
	fi
done
blocks >"$RUN/blocks.after"
cmp -s "$RUN/blocks.before" "$RUN/blocks.after" || { say "host memory blocks changed"; st=1; }
result "selftests as a normal user skip or pass; no host memory block touched" $st

# ... and the same from inside a kernel tree, as kselftest runs its own
drop=$SRC/tools/testing/selftests/riscv-mhp
rm -rf "$drop" && cp -r "$MHP_TOP/selftests" "$drop"
make -s -C "$SRC/tools/testing/selftests" TARGETS=riscv-mhp run_tests \
	>"$RUN/dropin-selftests.log" 2>&1 && grep -q '^ok 1 selftests: riscv-mhp' "$RUN/dropin-selftests.log" &&
	! grep -q '^not ok' "$RUN/dropin-selftests.log"
result "selftests drop into a kernel tree: make -C tools/testing/selftests TARGETS=riscv-mhp run_tests" $?

# the random walk's plan is a pure function of its seed
plan() { "$hostout/random_walk" --seed "$1" --ops 200 --plan-out "$RUN/plan-$2" >/dev/null; }
plan 3 a; plan 3 b; plan 0x4 c
cmp -s "$RUN/plan-a" "$RUN/plan-b" && ! cmp -s "$RUN/plan-a" "$RUN/plan-c" &&
	[ "$(grep -c ' guest ' "$RUN/plan-a")" = 200 ]
result "random_walk: same seed, same plan bytes; another seed, another plan" $?

# 3. guest root, selftests cross build and initramfs
"$MHP_TOP/ci/build-rootfs.sh" 2>&1 | tee "$RUN/rootfs.log"
"$MHP_TOP/ci/build-initrd.sh" $K plain >"$RUN/initrd.log" 2>&1
irc=$?
cat "$RUN/initrd.log"
result "selftests cross-build for riscv64 and the $K initramfs" $irc

# 4. the runner must fail broken guests and kill what it started, and a
# verdict must never hide a new bug
first_cell=$(grep -v '^#' "$MHP_TOP/ci/check-cells" | head -n 1 | cut -d' ' -f1)
expect_fail() {	# NAME CELL WANT_REASON APPEND
	token="riscv_mhp.check=$1-$$"
	MHP_QUIET=1 MHP_TIMEOUT=${MHP_PROBE_TIMEOUT:-20} APPEND="$4 $token" \
		"$MHP_TOP/ci/run-cell" "$2" "$RUN/runner-$1" >"$RUN/runner-$1.log" 2>&1
	rc=$?
	# pgrep: 1 none left, 0 some; anything else (no pgrep) fails the check
	left=$(pgrep -f "$token") && prc=0 || prc=$?
	[ "$prc" -le 1 ] || left="unknown (pgrep exit $prc)"
	what="runner: $1: $2 is judged FAIL ($3) and no QEMU survives"
	if [ "$rc" = 1 ] && [ -z "$left" ] && grep -q "$3" "$RUN/runner-$1.log" &&
	   ! grep -q ': KNOWN:' "$RUN/runner-$1.log"; then
		result "$what" 0
	else
		tail -5 "$RUN/runner-$1.log"
		say "exit $rc, QEMU left: ${left:-none}"
		[ -z "$left" ] || [ "$prc" != 0 ] || kill -KILL $left
		result "$what" 1
	fi
}
expect_fail hang "$first_cell" "guest hung" "rdinit=/bin/cat"
expect_fail panic "$first_cell" "Kernel panic" "rdinit=/nonexistent"
# the test module cannot load: its tests skip, which the cell did not expect
MHP_PROBE_TIMEOUT=300 expect_fail noload "$first_cell" "unexpected skip: add_remove" \
	"riscv_mhp.tests=add_remove module_blacklist=mhp_test"
# Sv39 6.12: its known WARN is set aside; an oops after it is new (FAIL, not
# KNOWN), and the set-aside WARN was seen
MHP_PROBE_TIMEOUT=300 expect_fail newbug 6.12-plain-sv39-numa2 \
	"FAIL: .*kernel: Kernel panic - not syncing: sysrq triggered crash" \
	"riscv_mhp.tests=add_remove riscv_mhp.probe=crash-after"
grep -q "known complaint(s) set aside" "$RUN/runner-newbug.log"
result "runner: newbug: the known Sv39 WARN was set aside before the new oops" $?

# 5. cells
grep -v '^#' "$MHP_TOP/ci/check-cells" | while read -r cell append; do
	logged "$RUN/cell-$cell.log" env MHP_QUIET=1 APPEND="$append" \
		"$MHP_TOP/ci/run-cell" "$cell" "$RUN/cells"
	echo "$? cell $cell${append:+ ($append)}"
done 2>&1 >"$RUN/cells.status"
while read -r st name; do result "$name" "$st"; done <"$RUN/cells.status"

# ... and once as kselftest's gen_tar tarball, the way CI systems install
# kselftests: the module must ship in it and every test run from it
ksft_cell=7.3-plain-sv57-numa2
logged "$RUN/gen_tar.log" env MHP_KSFT=gen_tar MHP_QUIET=1 APPEND="riscv_mhp.seed=1" \
	"$MHP_TOP/ci/run-cell" "$ksft_cell" "$RUN/gen_tar"
krc=$?
grep -q '^riscv-mhp: kselftest tarball: run_kselftest.sh' "$RUN/gen_tar/$ksft_cell/tap.log" 2>/dev/null || krc=1
[ "$krc" = 0 ] || tail -5 "$RUN/gen_tar.log"
result "kselftest gen_tar tarball runs the full suite in a guest: $ksft_cell" $krc

# 6. bugs of kernels as shipped: the proof cell, with nothing set aside,
# must be judged KNOWN as that very entry (first complaint, same cell); on
# the kernel builds the cells above booted, $kfs (make known proves the rest)
{ "$MHP_TOP/ci/known-bugs" "$RUN" $kfs 2>&1 >"$RUN/known.status"; } | tee "$RUN/known.log" | progress
grep -e '^left to make known' -e ': caught on run' "$RUN/known.log" | sed 's/^/[check] /'
grep -q '^1 ' "$RUN/known.status" && grep -v '^left to make known' "$RUN/known.log"
while read -r st name; do result "$name" "$st"; done <"$RUN/known.status"

# 7. a failure is one file: the first known bug proved above, bundled
# (make bundle) and replayed from its tarball (make reproduce BUNDLE=):
# the same signature must come back
kb=$(sed -n 's|^0 known bug still caught: \([^:]*\): kernel/bugs/\(.*\)$|\2/\1|p' "$RUN/known.status" | head -n 1)
if [ -n "$kb" ]; then
	MHP_RESULTS=$RUN/bundle "$MHP_TOP/ci/bundle" make "$RUN/known-${kb%%/*}/${kb#*/}" >"$RUN/bundle.log" 2>&1
	brc=$?
	bf=$(ls "$RUN"/bundle/bundles/*.tar.gz 2>/dev/null | head -n 1)
	if [ "$brc" = 0 ] && [ -n "$bf" ]; then
		MHP_QUIET=1 MHP_RESULTS=$RUN/bundle "$MHP_TOP/ci/bundle" replay "$bf" >>"$RUN/bundle.log" 2>&1
		brc=$?
	fi
	grep -E '^\[bundle\] (replay|bundled)' "$RUN/bundle.log"
	[ "$brc" = 1 ] && grep -q '^\[bundle\] replay: the signature came back' "$RUN/bundle.log"
	st=$?
	[ "$st" = 0 ] || tail -n 8 "$RUN/bundle.log"
	result "a failure as one file: ${kb#*/} bundled, replayed from the tarball, same signature" $st
fi

say "done in $(($(date +%s) - t_start))s; results in $RUN"
echo "check: $passed passed, $failed failed"
[ "$failed" = 0 ]
