#!/bin/sh
# build-rootfs.sh: the lean Debian trixie riscv64 guest root, built with
# mmdebstrap, as a directory (build/rootfs/root, for virtme-ng) and an
# uncompressed cpio (build/rootfs/rootfs.cpio, for direct QEMU boots).
#
# stress-ng pulls ~170 MB of GPU libraries (libllvm19, mesa) for one
# stressor we never run: those are pinned away and a local stub package
# provides the names it depends on. The result is cached in MHP_CACHE by a
# hash of this script and ci/guest/packages, so a new clone starts warm.
set -eu
MHP_STEP=rootfs
. "$(dirname "$0")/lib.sh"

PKGLIST=$MHP_TOP/ci/guest/packages
OUT=$MHP_BUILD/rootfs
MIRROR=${MHP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
key=$(cat "$0" "$PKGLIST" | sha256sum | cut -c1-16)
tarball=$MHP_CACHE/rootfs-$key.tar

command -v mmdebstrap >/dev/null || die "mmdebstrap missing: run 'make deps'"
[ "$(id -u)" = 0 ] || die "building the guest root needs root (device nodes, ownership)"

if [ "$(cat "$OUT/stamp" 2>/dev/null)" = "$key" ] && [ -f "$OUT/rootfs.cpio" ]; then
	say "up to date ($key)"
	exit 0
fi

if ! [ -f "$tarball" ]; then
	mkdir -p "$MHP_BUILD"
	work=$(mktemp -d "$MHP_BUILD/rootfs-work.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	stub_version() {
		apt-cache show "$1:riscv64/trixie" 2>/dev/null |
			sed -n 's/^Version: //p' | head -1
	}
	mesa=$(stub_version mesa-libgallium)
	[ -n "$mesa" ] || die "no trixie riscv64 package lists: run 'make deps'"
	mkdir -p "$work/stub/DEBIAN" "$work/repo"
	cat >"$work/stub/DEBIAN/control" <<EOC
Package: mhp-no-gpu
Version: 1.0
Architecture: riscv64
Maintainer: riscv-mhp <riscv-mhp@localhost>
Provides: mesa-libgallium (= $mesa), libegl-mesa0 (= $mesa)
Description: stands in for the GPU libraries stress-ng links but never uses
EOC
	dpkg-deb -b "$work/stub" "$work/repo/mhp-no-gpu.deb" >/dev/null
	(cd "$work/repo" && dpkg-scanpackages -m . >Packages 2>/dev/null)
	cat >"$work/pin" <<EOC
Package: libllvm19 mesa-libgallium libegl-mesa0 libz3-4
Pin: release *
Pin-Priority: -1
EOC
	pkgs=$(grep -v '^#' "$PKGLIST" | tr '\n' ',' | sed 's/,*$//')
	say "mmdebstrap trixie riscv64 (${pkgs}); about 2 minutes"
	run_with_progress "$work/mmdebstrap.log" "mmdebstrap" \
		mmdebstrap --arch=riscv64 --variant=essential \
		--include="$pkgs" \
		--aptopt='APT::Install-Recommends "false"' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--setup-hook="mkdir -p \"\$1/etc/apt/preferences.d\" && cp $work/pin \"\$1/etc/apt/preferences.d/no-gpu\"" \
		--customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
		trixie "$work/rootfs.tar" \
		"deb $MIRROR trixie main" \
		"deb [trusted=yes] copy://$work/repo ./" ||
		die "mmdebstrap failed (log: $work/mmdebstrap.log)"
	mkdir -p "$MHP_CACHE"
	mv "$work/rootfs.tar" "$tarball.tmp" && mv "$tarball.tmp" "$tarball"
fi

say "unpacking cached root $tarball"
rm -rf "$OUT"
mkdir -p "$OUT/root"
tar -C "$OUT/root" -xf "$tarball"
# /dev/console must exist before init runs, or init has no stdout.
[ -c "$OUT/root/dev/console" ] || mknod -m 600 "$OUT/root/dev/console" c 5 1
(cd "$OUT/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$OUT/rootfs.cpio"
echo "$key" >"$OUT/stamp"
say "root ready: $(du -sh "$OUT/root" | cut -f1) dir, $(du -h "$OUT/rootfs.cpio" | cut -f1) cpio"
