#!/bin/sh
# Idempotent host setup for riscv-mhp on Debian 12 (bookworm) or 13 (trixie).
#
# Debian 12: adds bookworm-backports (+deb-src) for QEMU 10 / OpenSBI,
# trixie (amd64 + riscv64) and the suites the kernels under test come from
# (suite= of kernel/kernels/*.kernel, e.g. trixie-backports). Debian 13:
# has QEMU 10 and the rest itself; adds bookworm and bookworm-security
# (linux-source-6.1) and the kernels' suites. Every added suite is pinned
# at 50 so nothing on the host is ever upgraded. Any other system: one
# line naming what to install, exit 2. Mounts binfmt_misc
# for qemu-user, and installs every package the project uses. A kernel's
# source package is installed when a cell first builds it
# (ci/build-kernel.sh). A second run changes nothing and says so.
set -eu

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
say() { printf '[deps] %s\n' "$*"; }

MIRROR=${MHP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SRC=/etc/apt/sources.list.d/riscv-mhp.sources
PIN=/etc/apt/preferences.d/riscv-mhp

# Host packages, by where they come from. The backports group is installed
# with -t bookworm-backports so QEMU 10 gets its own -common/-data.
PKGS_BASE="make gcc gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
binutils-riscv64-linux-gnu flex bison bc cpio kmod rsync libelf-dev libssl-dev
ccache perl python3 procps xz-utils zstd device-tree-compiler libfdt-dev
python3-yaml libjson-c-dev libcmocka-dev pkgconf mmdebstrap arch-test debootstrap dpkg-dev
libglib2.0-dev libpixman-1-dev zlib1g-dev ninja-build python3-venv gnuplot-nox"
PKGS_BPO="qemu-system-riscv qemu-user-static opensbi meson python3-pycotap"
PKGS_TRIXIE="virtme-ng qemu-efi-riscv64"

# the host: Debian 12 or 13, nothing else
HOST=$(. /etc/os-release 2>/dev/null; echo "${ID:-}:${VERSION_CODENAME:-}")
case $HOST in
debian:bookworm) HOST=bookworm ;;
debian:trixie) HOST=trixie ;;
*)
	echo "deps: $(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-this system}") is not Debian 12 or 13: install by hand $(echo $PKGS_BASE $PKGS_BPO $PKGS_TRIXIE) (QEMU >= 10 with riscv64, virtme-ng, Debian's linux-source packages), then run the scripts in ci/ directly" >&2
	exit 2 ;;
esac

changed=0

# the Debian suites the kernels under test name, besides the host's own
# (bookworm*) and trixie, which the sources below always have
KSUITES=$(sed -n 's/^suite=//p' "$(dirname "$0")/../kernel/kernels/"*.kernel |
	grep -v -e '^bookworm' -e '^trixie$' -e '^$' | sort -u | tr '\n' ' ')

want_sources() {
	if [ "$HOST" = trixie ]; then
		want_sources_trixie
		return
	fi
	cat <<EOS
# written by riscv-mhp ci/deps.sh
Types: deb deb-src
URIs: $MIRROR
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $MIRROR
Suites: trixie
Components: main
Architectures: amd64 riscv64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	if [ -n "$KSUITES" ]; then
		cat <<EOS

Types: deb
URIs: $MIRROR
Suites: $KSUITES
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	fi
	has_security bookworm || want_security bookworm
}

# Debian 13: bookworm for linux-source-6.1 (trixie has 6.12 only), with
# its security updates (pinned), the kernels' suites, trixie's own
# security updates if the host lacks them (6.12 is updated through them),
# and bookworm-backports' sources only: our QEMU patches are made against
# its qemu 10.0.2 (qemu/build.sh), the same on either host
want_sources_trixie() {
	cat <<EOS
# written by riscv-mhp ci/deps.sh
Types: deb
URIs: $MIRROR
Suites: bookworm ${KSUITES% }
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: $MIRROR
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	want_security bookworm
	has_security trixie || want_security trixie
}

# The reference kernel (linux-source-6.12) is updated through
# bookworm-security; a machine without that suite would build an older one.
SECURITY_MIRROR=${MHP_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
has_security() {	# SUITE: the host's sources have SUITE's security updates
	grep -rqsE "$1-security|$1/updates" /etc/apt/sources.list \
		/etc/apt/sources.list.d/ --exclude=riscv-mhp.sources
}
want_security() {	# SUITE
	cat <<EOS

Types: deb
URIs: $SECURITY_MIRROR
Suites: $1-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
}

want_pin() {
	echo "# written by riscv-mhp ci/deps.sh: these suites only when asked for by name"
	pinned="trixie $KSUITES"
	[ "$HOST" = bookworm ] || pinned="bookworm bookworm-security $KSUITES"
	for su in $pinned; do
		printf '\nPackage: *\nPin: release n=%s\nPin-Priority: 50\n' "$su"
	done
}

sync_file() { # path generator
	if ! [ -f "$1" ] || ! $2 | cmp -s - "$1"; then
		say "writing $1"
		$2 | $SUDO tee "$1" >/dev/null
		changed=1
	fi
}

sync_file "$PIN" want_pin
sync_file "$SRC" want_sources

if ! dpkg --print-foreign-architectures | grep -qx riscv64; then
	say "dpkg --add-architecture riscv64"
	$SUDO dpkg --add-architecture riscv64
	changed=1
fi

other=trixie
[ "$HOST" = bookworm ] || other=bookworm
if [ "$changed" = 1 ] || ! [ -d /var/lib/apt/lists ] ||
   [ -z "$(ls /var/lib/apt/lists/*"$other"*Packages* 2>/dev/null)" ]; then
	say "apt-get update"
	$SUDO apt-get update -q
fi

missing_of() { # list of packages -> those not installed
	for p in "$@"; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$st" = installed ] || printf '%s ' "$p"
	done
}
apt_install() {
	say "installing: $*"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
		--no-install-recommends "$@"
	changed=1
}

# shellcheck disable=SC2086
m=$(missing_of $PKGS_BASE)
[ -z "$m" ] || apt_install $m
# shellcheck disable=SC2086
m=$(missing_of $PKGS_BPO)
qver=$(dpkg-query -W -f='${Version}' qemu-system-riscv 2>/dev/null || true)
case "$qver" in 1:1[0-9].*) ;; *) m="$PKGS_BPO" ;; esac
if [ "$HOST" = bookworm ]; then
	[ -z "$m" ] || apt_install -t bookworm-backports $m
else
	[ -z "$m" ] || apt_install $m
fi
# shellcheck disable=SC2086
m=$(missing_of $PKGS_TRIXIE)
[ -z "$m" ] || [ "$HOST" = trixie ] || m=$(for p in $m; do printf '%s/trixie ' "$p"; done)
[ -z "$m" ] || apt_install $m

# qemu-user for riscv64 (mmdebstrap runs the guest's maintainer scripts)
if ! [ -e /proc/sys/fs/binfmt_misc/register ]; then
	say "mounting binfmt_misc"
	$SUDO mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
	changed=1
fi
if ! [ -e /proc/sys/fs/binfmt_misc/qemu-riscv64 ]; then
	conf=/usr/lib/binfmt.d/qemu-riscv64.conf
	[ -f "$conf" ] || { echo "deps: $conf missing (qemu-user-static)" >&2; exit 1; }
	say "registering qemu-riscv64 with binfmt_misc"
	grep -v '^#' "$conf" | $SUDO tee /proc/sys/fs/binfmt_misc/register >/dev/null
	changed=1
fi

if [ "$changed" = 0 ]; then
	say "host already set up: nothing to do"
else
	say "host set up"
fi
