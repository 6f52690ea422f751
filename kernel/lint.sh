#!/bin/sh
# lint.sh [KERNEL]: run the kernel tree's own scripts/checkpatch.pl on every
# patch listed in kernel/patches/KERNEL/series (default 6.1). Prints one
# summary line per patch; exits 1 if any patch has an ERROR (or, with
# LINT_STRICT=1, a WARNING), 2 on setup problems.
# UNKNOWN_COMMIT_ID is not checked: Debian's source has no git history to
# look a Fixes: id up in (the ids are checked against the public archives
# when a patch is written).
set -eu
K=${1:-6.1}
TOP=$(cd "$(dirname "$0")/.." && pwd)
PATCHES=$TOP/kernel/patches/$K
TARBALL=/usr/src/linux-source-$K.tar.xz
LINT=${MHP_BUILD:-$TOP/build}/lint/linux-source-$K
[ -f "$PATCHES/series" ] || { echo "lint: no $PATCHES/series" >&2; exit 2; }
if [ ! -x "$LINT/scripts/checkpatch.pl" ]; then
	[ -f "$TARBALL" ] || { echo "lint: $TARBALL missing" >&2; exit 2; }
	mkdir -p "$(dirname "$LINT")"
	tar -C "$(dirname "$LINT")" -xf "$TARBALL" \
		"linux-source-$K/scripts/checkpatch.pl" \
		"linux-source-$K/scripts/spelling.txt" \
		"linux-source-$K/scripts/const_structs.checkpatch"
fi
bad=0 n=0
for p in $(grep -v '^#' "$PATCHES/series"); do
	n=$((n + 1))
	out=$(cd "$LINT" && perl scripts/checkpatch.pl --no-tree --terse \
		--show-types --ignore UNKNOWN_COMMIT_ID "$PATCHES/$p" 2>&1 || true)
	e=$(printf '%s\n' "$out" | grep -c ': ERROR:' || true)
	w=$(printf '%s\n' "$out" | grep -c ': WARNING:' || true)
	c=$(printf '%s\n' "$out" | grep -c ': CHECK:' || true)
	st=ok
	if [ "$e" -gt 0 ] || { [ "${LINT_STRICT:-0}" = 1 ] && [ "$w" -gt 0 ]; }; then
		st=FAIL bad=$((bad + 1))
	fi
	printf '%-4s %-70s errors=%s warnings=%s checks=%s\n' "$st" "$p" "$e" "$w" "$c"
	printf '%s\n' "$out" | grep -E ': (ERROR|WARNING):' | sed 's/^/     /' || true
done
strict=
[ "${LINT_STRICT:-0}" != 1 ] || strict=" or warnings"
echo "lint: $n patches, $bad with errors$strict"
[ "$bad" = 0 ]
