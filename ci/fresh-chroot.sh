#!/bin/sh
# fresh-chroot.sh [DIR [COMMAND...]]: prove the README on a fresh Debian 12
# machine (MHP_FRESH_SUITE=trixie: Debian 13). Debootstraps the suite
# (minbase) into DIR (default /var/tmp/mhp-fresh, or mhp-fresh-trixie),
# clones this repository into it, installs make (the
# README's only prerequisite), and runs the README's two commands inside
# with their times ("make run", again warm, "make check"), or the given
# commands (e.g. "make bugcheck"). Nothing from this host's caches is
# visible in there; a DIR used before keeps its own (~/.cache in DIR).
set -eu
MHP_STEP=fresh
. "$(dirname "$0")/lib.sh"
SUITE=${MHP_FRESH_SUITE:-bookworm}
case $SUITE in bookworm) d=/var/tmp/mhp-fresh ;; trixie) d=/var/tmp/mhp-fresh-trixie ;;
	*) die "MHP_FRESH_SUITE must be bookworm or trixie, not '$SUITE'" ;; esac
DIR=${1:-$d}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- "make run" "make run" "make check"
MIRROR=${MHP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"

if ! [ -x "$DIR/root/usr/bin/apt-get" ]; then
	say "debootstrap $SUITE into $DIR/root"
	debootstrap --variant=minbase "$SUITE" "$DIR/root" "$MIRROR" >"$DIR.debootstrap.log" 2>&1 ||
		die "debootstrap failed (see $DIR.debootstrap.log)"
fi
rm -rf "$DIR/root/src/riscv-mhp"
mkdir -p "$DIR/root/src"
git clone -q "$MHP_TOP" "$DIR/root/src/riscv-mhp"

for m in proc sys dev dev/pts; do
	mountpoint -q "$DIR/root/$m" || mount --bind "/$m" "$DIR/root/$m"
done
# deps.sh mounts binfmt_misc under the chroot's /proc: unmount it first
trap 'for m in proc/sys/fs/binfmt_misc dev/pts dev sys proc; do umount "$DIR/root/$m" 2>/dev/null || true; done' EXIT
cp /etc/resolv.conf "$DIR/root/etc/resolv.conf"

inside() { chroot "$DIR/root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c "$1"; }
inside 'command -v make >/dev/null || { apt-get update -q && apt-get install -y -q make; }' >"$DIR.make.log" 2>&1
for cmd in "$@"; do
	log=$DIR.$(echo "$cmd" | tr ' /' __).$(date +%H%M%S).log
	say "in the chroot: $cmd (log: $log)"
	t0=$(date +%s)
	(rc=0; inside "cd /src/riscv-mhp && $cmd" || rc=$?; echo "fresh: exit=$rc") 2>&1 | tee "$log" |
		grep --line-buffered -E '^\[[a-z]+\]|passed|: (PASS|FAIL)|^fresh:'
	say "$cmd: $(sed -n 's/^fresh: //p' "$log") after $(($(date +%s) - t0))s"
done
