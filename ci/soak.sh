#!/bin/sh
# soak.sh CELL RUNS: how often a cell fails when nothing is wrong with it.
# Runs the cell RUNS times, each with a fresh seed (riscv_mhp.seed=, added
# to APPEND), and counts the verdicts run-cell gives: PASS, KNOWN (the
# cell's recorded bug) and FAIL. A FAIL on a kernel the suite passes is a
# false failure: a flaky check, or a bug that shows once in a while; each
# one is listed with the command that replays its seed.
#
# Writes RUN_DIR (results/soak-<cell>-<time>) /CELL-<i>/ per run and
# soak.tsv (run, seed, exit, verdict); prints one line per run and
#   soak: CELL: N runs: P PASS, K KNOWN, F FAIL (false-failure rate F/N)
# Exit 0 when no run failed (KNOWN counts as failed unless the cell
# expects it: say MHP_SOAK_KNOWN_OK=1 for a cell with a recorded bug).
set -eu
MHP_STEP=soak
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || die "usage: soak.sh CELL RUNS (make soak CELL=... RUNS=N)"
CELL=$1 RUNS=$2
case "$RUNS" in ''|*[!0-9]*|0) die "RUNS must be a positive number, got '$RUNS'" ;; esac
need_tool
"$MHP_TOOL" describe "$CELL" --topodir "$MHP_TOP/virtme-configs/topologies" >/dev/null || exit 2
DIR=$MHP_RESULTS/soak-$CELL-$(date +%Y%m%d-%H%M%S)
mkdir -p "$DIR"
say "$CELL: $RUNS runs, results in $DIR"
pass=0 known=0 fail=0 t0=$(date +%s)
: >"$DIR/soak.tsv"
i=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	seed=0x$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
	rc=0
	# the first run builds what is missing; the others reuse it
	pre=1; [ $i = 1 ] && pre=0
	MHP_QUIET=1 MHP_PREBUILT=$pre APPEND="${APPEND:-} riscv_mhp.seed=$seed" \
		"$MHP_TOP/ci/run-cell" "$CELL" "$DIR/run-$i" </dev/null >"$DIR/run-$i.log" 2>&1 || rc=$?
	[ "$rc" -le 1 ] || { tail -5 "$DIR/run-$i.log"; die "run $i: run-cell could not run the cell (exit $rc)"; }
	v=$(head -n 1 "$DIR/run-$i/$CELL/verdict" 2>/dev/null || echo "$CELL: FAIL: no verdict")
	case "$v" in
	*": PASS"*) pass=$((pass + 1)) ;;
	*": KNOWN"*) known=$((known + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
	printf '%s\t%s\t%s\t%s\n' "$i" "$seed" "$rc" "$v" >>"$DIR/soak.tsv"
	say "run $i/$RUNS seed $seed: ${v#"$CELL: "} ($(($(date +%s) - t0))s so far)"
done
[ $((fail + known)) = 0 ] || say "failures and how to replay them:"
awk -F'\t' -v cell="$CELL" -v app="${APPEND:-}" '$4 !~ /: PASS/ {
	printf "  run %s: %s\n    make cell CELL=%s APPEND=%c%s riscv_mhp.seed=%s%c\n", $1, $4, cell, 39, app, $2, 39 }' "$DIR/soak.tsv"
echo "soak: $CELL: $RUNS runs: $pass PASS, $known KNOWN, $fail FAIL (false-failure rate $fail/$RUNS) in $(($(date +%s) - t0))s"
[ "$fail" = 0 ] && { [ "$known" = 0 ] || [ "${MHP_SOAK_KNOWN_OK:-0}" = 1 ]; }
