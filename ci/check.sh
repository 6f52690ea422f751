#!/bin/sh
# check.sh: what `make check` runs. Each step counts as passed or failed;
# the last line is "check: N passed, N failed".
#  1. unit tests of the host harness (cmocka)
#  2. the selftests built natively and run on this host as they are: every
#     destructive test must skip (no opt-in token here) and run_tests exit 0
#  3. the default kernel and guest root (cached), the selftests cross-built
#  4. the runner's own failure handling: a guest that hangs and one that
#     panics must both be judged FAIL, and leave no QEMU behind
#  5. every cell of ci/check-cells booted in QEMU (one verdict each)
#  6. every known kernel bug of ci/known-failures still caught, with its
#     signature
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

# 2. the selftests on this host: must skip destructive work and exit 0
K=6.12
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

# 3. guest root, selftests cross build and initramfs
"$MHP_TOP/ci/build-rootfs.sh" 2>&1 | tee "$RUN/rootfs.log"
"$MHP_TOP/ci/build-initrd.sh" $K plain >"$RUN/initrd.log" 2>&1
irc=$?
cat "$RUN/initrd.log"
result "selftests cross-build for riscv64 and the $K initramfs" $irc

# 4. the runner must fail broken guests and kill what it started
first_cell=$(grep -v '^#' "$MHP_TOP/ci/check-cells" | head -n 1 | cut -d' ' -f1)
expect_fail() {	# NAME WANT_REASON APPEND
	token="riscv_mhp.probe=$1-$$"
	MHP_QUIET=1 MHP_TIMEOUT=20 APPEND="$3 $token" \
		"$MHP_TOP/ci/run-cell" "$first_cell" "$RUN/runner-$1" >"$RUN/runner-$1.log" 2>&1
	rc=$?
	left=$(pgrep -f "$token" || true)
	if [ "$rc" = 1 ] && [ -z "$left" ] && grep -q "$2" "$RUN/runner-$1.log"; then
		result "runner: a guest that $1s is judged FAIL ($2) and no QEMU survives" 0
	else
		tail -5 "$RUN/runner-$1.log"
		say "exit $rc, QEMU left: ${left:-none}"
		[ -z "$left" ] || kill -KILL $left
		result "runner: a guest that $1s is judged FAIL ($2) and no QEMU survives" 1
	fi
}
expect_fail hang "guest hung" "rdinit=/bin/cat"
expect_fail panic "Kernel panic" "rdinit=/nonexistent"

# 5. cells
grep -v '^#' "$MHP_TOP/ci/check-cells" | while read -r cell append; do
	MHP_QUIET=1 APPEND="$append" "$MHP_TOP/ci/run-cell" "$cell" "$RUN/cells" \
		</dev/null >"$RUN/cell-$cell.log" 2>&1
	echo "$? cell $cell${append:+ ($append)}"
	grep -E '^\[cell\] .*(PASS|FAIL|reproduce)' "$RUN/cell-$cell.log" >&2
done 2>&1 >"$RUN/cells.status"
while read -r st name; do result "$name" "$st"; done <"$RUN/cells.status"

# 6. known kernel bugs: the cell must FAIL and its console show the signature
known_failures | while IFS='|' read -r cell append sig what; do
	MHP_QUIET=1 APPEND="$append" "$MHP_TOP/ci/run-cell" "$cell" "$RUN/known" \
		</dev/null >"$RUN/known-$cell.log" 2>&1
	rc=$?
	if [ "$rc" = 1 ] && guest_output_matches "$RUN/known/$cell" "$sig"; then
		echo "0 known bug still caught: $cell: $what"
	else
		echo "1 known bug NOT caught as recorded (exit $rc, fixed?): $cell: $what"
	fi
done >"$RUN/known.status"
while read -r st name; do result "$name" "$st"; done <"$RUN/known.status"

say "done in $(($(date +%s) - t_start))s; results in $RUN"
echo "check: $passed passed, $failed failed"
[ "$failed" = 0 ]
