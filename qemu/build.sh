#!/bin/sh
# Build qemu-system-riscv64 from Debian's qemu 10.0.2 source with our
# patches (qemu/patches/series): riscv virt with virtio-mem-pci and
# virtio-pmem-pci, and for ACPI guests (EDK2) an ACPI GED with memory
# hotplug, pc-dimm hot(un)plug and per-device SRAT affinity.
#
#   qemu/build.sh            build (or reuse) and print the binary's path
#
# The build is keyed by a hash of the series, the patches, the upstream
# tarball and this script, and kept outside the clone in MHP_CACHE
# (~/.cache/riscv-mhp/qemu/<hash>/bin/qemu-system-riscv64), like the guest
# root: a new clone reuses it. build/qemu/bin points at the one in use.
# Only riscv64-softmmu is built (3-7 minutes on 2 cores). Firmware comes
# from Debian's QEMU: run it with -L /usr/share/qemu.
set -eu
MHP_STEP=qemu
. "$(dirname "$0")/../ci/lib.sh"

QDIR=$MHP_TOP/qemu
OUT=$MHP_BUILD/qemu
STORE=$MHP_CACHE/qemu
DL=$STORE/dl
VERSION=10.0.2
ORIG=qemu_$VERSION+ds.orig.tar.xz

[ $# -eq 0 ] || die "takes no arguments (got: $*)"
[ -f "$QDIR/patches/series" ] || die "missing $QDIR/patches/series"

# 1. Debian's upstream tarball, checked against apt's Sources index.
mkdir -p "$DL"
if ! [ -f "$DL/$ORIG" ]; then
	say "apt-get source --download-only qemu/bookworm-backports"
	# The .dsc/.debian.tar may be missing on the mirror; only the
	# upstream tarball is needed, so its presence decides.
	(cd "$DL" && apt-get source -q --download-only \
		qemu/bookworm-backports >/dev/null 2>&1) || true
	[ -f "$DL/$ORIG" ] || die "could not download $ORIG (is deb-src for bookworm-backports configured? run make deps)"
fi
want=$(apt-cache showsrc qemu 2>/dev/null |
	awk -v f="$ORIG" '/^Checksums-Sha256:/ { s = 1; next }
		/^[A-Za-z]/ { s = 0 } s && $3 == f { print $1; exit }')
have=$(sha256sum "$DL/$ORIG" | cut -d' ' -f1)
if [ -n "$want" ] && [ "$want" != "$have" ]; then
	die "$ORIG: sha256 $have, apt's Sources index says $want"
fi

# 2. Cache key.
key=$( {
	cat "$QDIR/patches/series"
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		[ -f "$QDIR/patches/$p" ] || die "series names missing patch $p"
		cat "$QDIR/patches/$p"
	done < "$QDIR/patches/series"
	echo "$have"
	cat "$0"
} | sha256sum | cut -c1-12)
DEST=$STORE/$key
BIN=$DEST/bin/qemu-system-riscv64
mkdir -p "$OUT"
# one build of a key at a time, whichever clone asks
exec 9>"$STORE/$key.lock"
flock 9
if [ -x "$BIN" ] && [ -f "$DEST/.done" ]; then
	ln -sfn "$DEST/bin" "$OUT/bin"
	say "cached: $BIN"
	echo "$BIN"
	exit 0
fi

# 3. Fresh source tree + patches.
start=$(date +%s)
rm -rf "$DEST"
mkdir -p "$DEST"
say "unpacking $ORIG into $DEST/src"
mkdir -p "$DEST/src"
tar -xf "$DL/$ORIG" -C "$DEST/src" --strip-components=1
while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	say "applying $p"
	patch -s -p1 -d "$DEST/src" < "$QDIR/patches/$p" ||
		die "patch $p does not apply"
done < "$QDIR/patches/series"

# Debian's +ds tarball has no pc-bios/edk2-*.fd.bz2: do not unpack them.
sed -i 's/^\( *unpack_edk2_blobs = \)bzip2.found()$/\1false/' \
	"$DEST/src/meson.build"
grep -q '^ *unpack_edk2_blobs = false$' "$DEST/src/meson.build" ||
	die "meson.build: edk2 unpack step not found (QEMU changed?)"

# 4. Configure and build riscv64-softmmu only.
say "configuring (riscv64-softmmu, TCG, FDT; no docs, no downloads)"
mkdir -p "$DEST/obj"
# Debian's python3: it has the meson and pycotap modules (a python3
# earlier on PATH, e.g. pyenv's, has not).
(cd "$DEST/obj" && "$DEST/src/configure" --prefix="$DEST" \
	--python=/usr/bin/python3 \
	--target-list=riscv64-softmmu --without-default-features \
	--enable-tcg --enable-fdt=system --disable-docs \
	--disable-download --disable-install-blobs \
	> "$DEST/configure.log" 2>&1) ||
	{ tail -20 "$DEST/configure.log" >&2; die "configure failed ($DEST/configure.log)"; }

say "building with $MHP_JOBS jobs (log: $DEST/build.log)"
(cd "$DEST/obj" && ninja -j "$MHP_JOBS" qemu-system-riscv64 \
	> "$DEST/build.log" 2>&1) &
pid=$!
# progress: ninja's [n/m] counter every 30 s
while kill -0 "$pid" 2>/dev/null; do
	sleep 30
	kill -0 "$pid" 2>/dev/null || break
	last=$(grep -o '^\[[0-9]*/[0-9]*\]' "$DEST/build.log" | tail -1)
	say "$(( $(date +%s) - start ))s: ${last:-starting}"
done
wait "$pid" || { tail -30 "$DEST/build.log" >&2; die "build failed ($DEST/build.log)"; }

mkdir -p "$DEST/bin"
cp "$DEST/obj/qemu-system-riscv64" "$BIN"
"$BIN" -M virt -device help 2>/dev/null | grep -q '"virtio-mem-pci"' ||
	die "$BIN has no virtio-mem-pci"
"$BIN" -M virt -device help 2>/dev/null | grep -q '"pc-dimm"' ||
	die "$BIN has no pc-dimm"
rm -rf "$DEST/obj"
touch "$DEST/.done"
ln -sfn "$DEST/bin" "$OUT/bin"
say "built in $(( $(date +%s) - start ))s: $BIN"
echo "$BIN"
