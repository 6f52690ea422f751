#!/bin/sh
# series.sh KERNEL: the patch series a kernel of kernel/kernels carries
# (its series=, e.g. 7.3fix: kernel/patches/7.3) as mails ready for
# git send-email. Sending them is the user's decision: this never sends.
#   1. a git tree of Debian's source package (build/series/KERNEL/linux),
#      the extracted tarball committed as the base (all of it: Debian's
#      .gitignore ignores the top level)
#   2. git am of every patch, in series order: the mails apply as sent
#   3. checkpatch.pl of that tree on every patch (kernel/lint.sh, strict:
#      0 errors and 0 warnings)
#   4. git format-patch --cover-letter --thread, the cover letter's
#      subject and text from DIR/cover-letter, To:/Cc: from the tree's
#      get_maintainer.pl: build/series/KERNEL/mails/
# Then, unless SERIES_TEST=0:
#   5. every prefix of the series builds (kernel/bisect.sh KERNEL)
#   6. the catalog entries fixed in KERNEL (fixed_in=) are proven:
#      KERNEL less each fix shows its bug, KERNEL passes (kernel/bugcheck.sh)
# Exit 0 when all of that holds, 1 if not, 2 on setup problems.
set -eu
MHP_STEP=series
. "$(dirname "$0")/../ci/lib.sh"
[ $# = 1 ] || die "usage: kernel/series.sh KERNEL (a kernel of kernel/kernels with a series=)"
K=$1
load_kernel "$K"
[ -n "$k_series" ] || die "kernel $K carries no patch series (no series= in kernel/kernels/$K.kernel)"
[ "$k_source" = debian ] || die "kernel $K: the series applies to a Debian source package only"
PATCHES=$MHP_TOP/$(dirname "$k_series")
SERIES=$MHP_TOP/$k_series
COVER=$PATCHES/cover-letter
TARBALL=/usr/src/$k_package.tar.xz
WORK=$MHP_BUILD/series/$K
TREE=$WORK/linux
MAILS=$WORK/mails
[ -f "$TARBALL" ] || die "$TARBALL missing: make kernel KERNEL=$K installs it"
[ -f "$COVER" ] || die "$COVER missing: its first line is the cover letter's subject"
command -v git >/dev/null || die "git missing (apt-get install git)"

# 1. the base tree
say "extracting $TARBALL into $TREE"
rm -rf "$WORK"
mkdir -p "$WORK"
extract_package "$TREE" "$WORK/extract.log"
GIT="git -C $TREE -c user.name=riscv-mhp -c user.email=riscv-mhp@localhost"
$GIT init -q
run_with_progress "$WORK/git-base.log" "commit the base tree" \
	sh -c "$GIT add -A -f && $GIT commit -q -m '$k_package as Debian ships it'" ||
	die "cannot commit the base tree (see $WORK/git-base.log)"
base=$($GIT rev-parse HEAD)

# 2. the patches as mails
n=0
for p in $(grep -v '^#' "$SERIES"); do
	$GIT am -q "$PATCHES/$p" >"$WORK/am.log" 2>&1 ||
		die "git am: $p does not apply after $n patches (see $WORK/am.log)"
	n=$((n + 1))
done
say "git am: $n patches apply to $k_package"

# 3. checkpatch, strict
LINT_STRICT=1 "$MHP_TOP/kernel/lint.sh" "$(basename "$PATCHES")" ||
	die "checkpatch: the series has errors or warnings"

# 4. the mails
subject=$(sed -n 1p "$COVER")
body=$(sed 1,2d "$COVER")
# To:/Cc: for the whole series, from the tree's MAINTAINERS (its own
# Fixes: lookups need git history the tarball does not have: --no-fixes)
rm -rf "$MAILS" "$WORK/plain"
git -C "$TREE" format-patch -q -o "$WORK/plain" "$base" >/dev/null
(cd "$TREE" && perl scripts/get_maintainer.pl --no-rolestats --no-git \
	--no-git-fallback --no-fixes "$WORK"/plain/*.patch) >"$WORK/maintainers" 2>/dev/null ||
	die "get_maintainer.pl failed on the series"
set --
while IFS= read -r a; do
	case $a in
	*@vger.kernel.org*|*@lists.*|*@kvack.org*) set -- "$@" "--cc=$a" ;;
	*) set -- "$@" "--to=$a" ;;
	esac
done <"$WORK/maintainers"
[ $# -gt 0 ] || die "get_maintainer.pl names nobody for the series"
git -C "$TREE" format-patch -q --cover-letter --thread --numbered --zero-commit \
	-o "$MAILS" "$@" "$base" >/dev/null || die "git format-patch failed"
cover=$(ls "$MAILS"/0000-*.patch)
# the cover letter's blurbs, from our text
SUBJECT=$subject BODY=$body perl -0pi -e \
	's/\*\*\* SUBJECT HERE \*\*\*/$ENV{SUBJECT}/; s/\*\*\* BLURB HERE \*\*\*/$ENV{BODY}/' "$cover"
grep -q '\*\*\*' "$cover" && die "$cover: a blurb was left unfilled"
say "mails: $MAILS ($(ls "$MAILS" | wc -l) files; send with: git send-email $MAILS/*.patch)"

[ "${SERIES_TEST:-1}" = 1 ] || exit 0

# 5. every prefix builds
"$MHP_TOP/kernel/bisect.sh" "$K" || die "a prefix of the series does not build"

# 6. each fix proven
fixed=
for b in $(mhp_list bugs); do
	"$MHP_TOOL" expect "$b" | grep -qx "fixed_in='.*\\b$K\\b.*'" && fixed="$fixed $b"
done
[ -n "$fixed" ] || { say "no catalog entry is fixed_in=$K: nothing to prove"; exit 0; }
say "proving the fixes of$fixed"
exec "$MHP_TOP/kernel/bugcheck.sh" $fixed
