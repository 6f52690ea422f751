#!/bin/sh
# The bench's judge can fail: bench_report.py on three recorded runs
# (stress/tests/bench/*/tap.log) must say what each was built to say.
set -u
top=$(dirname "$0")
n=0 bad=0
check() {	# FIXTURE PATTERN: bench.md of FIXTURE has a line matching PATTERN
	t=$(mktemp -d)
	cp "$top/bench/$1/"* "$t/"
	python3 "$top/../bench_report.py" "$t" 30 >/dev/null 2>&1
	n=$((n + 1))
	if ! grep -q -- "$2" "$t/bench.md" 2>/dev/null; then
		echo "bench_report: $1: no line matching '$2'"
		bad=$((bad + 1))
	fi
	rm -rf "$t"
}
check met '^Targets: all met'
check overhead 'overhead, online: .*MISSED'
check overhead '^Targets: NOT all met'
check slow 'ops/s: .*MISSED'
check slow 'NOT 4 per cycle'
echo "stress-unit: bench_report.py: $((n - bad)) of $n verdicts as recorded"
[ "$bad" = 0 ]
